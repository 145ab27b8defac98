"""The scorecard side of the HTML report: each question, its answer, and the quote and time behind it.

Rendered from the report's ``scorecard`` mapping (:class:`tonecoach.scorecard.ScorecardResult`
as a dict); a report without one renders nothing. Times are links to the
transcript's turn at that moment where the page has one (``#t-<seconds>``
anchors are not required: the time is shown either way).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fmt import clock, esc

__all__ = ["SCORECARD_CSS", "scorecard_section"]

_LABEL = {"yes": "Yes", "no": "No", "not_applicable": "N/A"}

SCORECARD_CSS = """
table.qa td.ans{font-weight:600;white-space:nowrap}
table.qa td.ans.yes{color:#067647}table.qa td.ans.no{color:#B42318}table.qa td.ans.not_applicable{color:var(--muted)}
table.qa .group{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.03em}
table.qa q{font-style:italic}table.qa .when{font-variant-numeric:tabular-nums;color:var(--muted)}
.qa-score{font-size:15px}.qa-score .no{color:#B42318}
"""


def _evidence(items: Any) -> str:
    out = []
    for ev in items or ():
        if not isinstance(ev, Mapping):
            continue
        when = ""
        if isinstance(ev.get("start_s"), (int, float)):
            when = f'<span class="when">{clock(ev["start_s"])}</span> '
        if ev.get("quote"):
            who = f' ({esc(ev["role"])})' if ev.get("role") else ""
            out.append(f"{when}<q>{esc(ev['quote'])}</q>{who}")
        elif ev.get("value") is not None:
            unit = "" if ev.get("unit") in (None, "", "count") else f" {ev['unit']}"
            v = ev["value"]
            shown = f"{round(v, 1):g}" if isinstance(v, (int, float)) else str(v)
            out.append(f"{when}{esc(shown)}{esc(unit)} (yes at {esc(ev.get('target'))})")
        elif ev.get("moment"):
            out.append(f"{when}{esc(ev['moment'])}")
        elif ev.get("window"):
            out.append(f"{esc(ev['window'])}")
    return "<br>".join(out)


def scorecard_section(report: Any) -> str:
    """A ``<section id="scorecard">`` with every criterion's answer and evidence, or ``""`` without a scorecard."""
    sc = getattr(report, "scorecard", None)
    if not isinstance(sc, Mapping) or not sc.get("answers"):
        return ""
    n = sc.get("counts") or {}
    score = sc.get("score")
    head = (f"{score:.0f}% of the {int(n.get('yes', 0)) + int(n.get('no', 0))} criteria that apply"
            if isinstance(score, (int, float)) else "no criterion applies to this call")
    if sc.get("target") is not None and isinstance(score, (int, float)):
        head += f" (target {sc['target']:g}%: {'passed' if sc.get('passed') else '<span class=no>not passed</span>'})"
    if sc.get("critical_failed"):
        head += f'; <span class="no">critical: {esc(", ".join(sc["critical_failed"]))}</span>'
    rows, group = [], None
    for a in sc["answers"]:
        if not isinstance(a, Mapping):
            continue
        if a.get("group") != group:
            group = a.get("group")
            rows.append(f'<tr><td colspan="4" class="group">{esc(group)}</td></tr>')
        ans = str(a.get("answer"))
        unsure = ' <span class="when">(signals only)</span>' if a.get("unsure") else ""
        rows.append(f'<tr><th scope="row">{esc(a.get("question"))}{unsure}</th>'
                    f'<td class="ans {esc(ans)}">{esc(_LABEL.get(ans, ans))}</td>'
                    f'<td>{esc(a.get("reason"))}</td><td class="ev">{_evidence(a.get("evidence"))}</td></tr>')
    title = f"{esc(sc.get('name'))} {esc(sc.get('version'))}"
    return (f'<section id="scorecard"><h2>Scorecard</h2><p class="qa-score">{title}: {head}</p>'
            '<table class="metrics qa"><thead><tr><th scope="col">Question</th><th scope="col">Answer</th>'
            '<th scope="col">Why</th><th scope="col">Evidence</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></section>')
