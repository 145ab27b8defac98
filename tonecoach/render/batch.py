"""The scorecard part of a batch's QA summary page: pass rates per criterion, per agent and per week.

A criterion's pass rate is the share of the calls it applied to that answered
yes (calls where it was "not applicable" do not count); a call *passes* when
its scorecard score reaches the scorecard's target with no critical criterion
failed. The week of a call is the ISO week of its file's modification time
(archives keep it as the call's date; a file without one is left out of the
weekly table).
"""

from __future__ import annotations

import datetime as _dt
import html
import statistics
from collections import Counter
from typing import Any

__all__ = ["pass_rates", "scorecard_sections"]

MAX_WEEKS = 12


def pass_rates(calls: list, ids) -> dict[str, tuple[int, int, int]]:
    """``{criterion id: (yes, no, not applicable)}`` over ``calls`` (CallSummary with a ``scorecard``)."""
    out = {cid: [0, 0, 0] for cid in ids}
    for c in calls:
        for cid, ans in ((c.scorecard or {}).get("answers") or {}).items():
            if cid in out:
                out[cid][("yes", "no", "not_applicable").index(ans) if ans in ("yes", "no", "not_applicable") else 2] += 1
    return {k: tuple(v) for k, v in out.items()}  # type: ignore[misc]


def _rate(yes: int, no: int) -> float | None:
    return yes / (yes + no) if yes + no else None


def _pct(r: float | None) -> str:
    return "–" if r is None else f"{100 * r:.0f}%"


def _bar(r: float | None, target: float | None) -> str:
    if r is None:
        return ""
    colour = "#12b76a" if target is None or 100 * r >= target else "#f79009" if 100 * r >= target - 20 else "#d92d20"
    return (f'<svg width="120" height="10" role="img" aria-label="{100 * r:.0f}%"><rect width="120" height="10" fill="#eef1f4"/>'
            f'<rect width="{120 * r:.1f}" height="10" fill="{colour}"/></svg>')


def _week(ts: float | None) -> str | None:
    if ts is None:
        return None
    y, w, _ = _dt.datetime.fromtimestamp(ts, _dt.UTC).isocalendar()
    return f"{y}-W{w:02d}"


def _mean(xs: list[float]) -> float | None:
    return statistics.fmean(xs) if xs else None


def scorecard_sections(result: Any, unassigned: str) -> str:
    """Three tables: per criterion, per agent, per week (the batch's scorecard, one entry per report)."""
    e = html.escape
    card = result.scorecard
    calls: dict[int, tuple[str, Any, float | None]] = {}
    for f in result.files:
        if f.call is not None and f.call.scorecard and f.call.report_id not in calls:
            calls[f.call.report_id] = (f.agent or unassigned, f.call, f.modified)
    target = card.target
    out = [f"<h2>Scorecard: {e(card.name)} {e(card.version)}</h2>"]
    if not calls:
        out.append('<p class="meta">No call has scorecard answers.</p>')
        return "\n".join(out)
    cs = [c for _, c, _ in calls.values()]
    scores = [c.scorecard["score"] for c in cs if c.scorecard.get("score") is not None]
    passed = [c.scorecard.get("passed") for c in cs if c.scorecard.get("passed") is not None]
    out.append(f'<p class="meta">{len(cs)} call(s); score = share of the criteria that applied answered yes; mean '
               f"{_mean(scores) or 0:.0f}" + (f", target {target:g}%: {sum(passed)} of {len(passed)} call(s) passed"
                                               if target is not None else "") + "</p>")
    rates = pass_rates(cs, card.ids)
    out.append("<table><tr><th>criterion</th><th class='n'>yes</th><th class='n'>no</th><th class='n'>n/a</th>"
               "<th class='n'>pass rate</th><th></th></tr>")
    for c in card.criteria:
        y, n, na = rates[c.id]
        r = _rate(y, n)
        flag = " <span class='meta'>(signals only)</span>" if c.unsure else ""
        crit = " <span class='bad'>critical</span>" if c.critical else ""
        out.append(f"<tr><td>{e(c.question)}{flag}{crit}<br><code>{e(c.id)}</code></td><td class='n'>{y}</td>"
                   f"<td class='n'>{n}</td><td class='n'>{na}</td><td class='n'>{_pct(r)}</td><td>{_bar(r, target)}</td></tr>")
    out.append("</table>")

    by_agent: dict[str, list] = {}
    for agent, c, _ in calls.values():
        by_agent.setdefault(agent, []).append(c)
    out.append("<h2>Scorecard per agent</h2><table><tr><th>agent</th><th class='n'>calls</th><th class='n'>mean score</th>"
               "<th class='n'>calls passed</th><th>fails most</th></tr>")
    for agent in sorted(by_agent, key=lambda a: (a == unassigned, a.lower())):
        mine = by_agent[agent]
        sc = [c.scorecard["score"] for c in mine if c.scorecard.get("score") is not None]
        ps = [c.scorecard.get("passed") for c in mine if c.scorecard.get("passed") is not None]
        fails = Counter(cid for c in mine for cid, a in c.scorecard["answers"].items() if a == "no").most_common(3)
        out.append(f"<tr><td>{e(agent)}</td><td class='n'>{len(mine)}</td><td class='n'>"
                   f"{'–' if not sc else f'{statistics.fmean(sc):.0f}'}</td>"
                   f"<td class='n'>{f'{sum(ps)} of {len(ps)}' if ps else '–'}</td>"
                   f"<td>{e(', '.join(f'{k} ({v})' for k, v in fails)) or '–'}</td></tr>")
    out.append("</table>")

    by_week: dict[str, list] = {}
    for _, c, ts in calls.values():
        w = _week(ts)
        if w is not None:
            by_week.setdefault(w, []).append(c)
    weeks = sorted(by_week)[-MAX_WEEKS:]
    out.append("<h2>Scorecard per week</h2>")
    if not weeks:
        out.append('<p class="meta">No call has a file date.</p>')
        return "\n".join(out)
    out.append('<p class="meta">ISO week of each file\'s modification time; pass rate of each criterion that week</p>')
    head = "".join(f"<th class='n'>{e(w)}</th>" for w in weeks)
    out.append(f"<table><tr><th></th>{head}</tr>")
    out.append("<tr><td>calls</td>" + "".join(f"<td class='n'>{len(by_week[w])}</td>" for w in weeks) + "</tr>")
    means = []
    for w in weeks:
        sc = [c.scorecard["score"] for c in by_week[w] if c.scorecard.get("score") is not None]
        means.append("–" if not sc else f"{statistics.fmean(sc):.0f}")
    out.append("<tr><td><b>mean score</b></td>" + "".join(f"<td class='n'><b>{m}</b></td>" for m in means) + "</tr>")
    week_rates = {w: pass_rates(by_week[w], card.ids) for w in weeks}
    for c in card.criteria:
        cells = "".join(f"<td class='n'>{_pct(_rate(*week_rates[w][c.id][:2]))}</td>" for w in weeks)
        out.append(f"<tr><td><code>{e(c.id)}</code></td>{cells}</tr>")
    out.append("</table>")
    return "\n".join(out)
