"""HTML of the scorecard in the web app: a call's answers (with the moment to play), the review form's
disagreements, disputes, an agent's progress and a team's trend.

Everything shown comes from :mod:`tonecoach.store.scorecards` and
:mod:`tonecoach.store.qa_trends` (already filtered by who may see what); user
text (comments, notes, questions of a team's scorecard) is escaped here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..store.qa_trends import CallScore, TeamQa
from ..store.scorecards import CriterionAgreement, DisputeView, FormItem, ReviewForm
from .fmt import clock, esc
from .web import _play

__all__ = ["ANSWER_CHOICES", "QA_CSS", "agreement_html", "criterion_choices", "disputes_html", "form_html",
           "progress_html", "team_html"]

LABEL = {"yes": "Yes", "no": "No", "not_applicable": "N/A", None: "—"}
#: the lead's answer on the form ("" takes it back)
ANSWER_CHOICES = [("Yes", "yes"), ("No", "no"), ("Not applicable", "not_applicable"), ("Clear my answer", "")]

QA_CSS = """
.tc-report .qa-head{display:flex;flex-wrap:wrap;gap:4px 18px;align-items:baseline;margin:6px 0}
.tc-report .qa-head .pct{font-size:26px;font-weight:800}
.tc-report .qa-head .met{font-weight:700;color:var(--good)}.tc-report .qa-head .unmet{font-weight:700;color:var(--low)}
.tc-report ol.qa{list-style:none;margin:0;padding:0}
.tc-report ol.qa li.crit{border:1px solid var(--line);border-left:5px solid var(--line);border-radius:6px;padding:6px 10px;
 margin:0 0 6px;color:var(--fg)}
.tc-report ol.qa li.crit.yes{border-left-color:#2e8b57}.tc-report ol.qa li.crit.no{border-left-color:#c62828}
.tc-report ol.qa li.crit.disagree{outline:2px dashed #e69f00;outline-offset:1px}
.tc-report ol.qa .q{font-weight:600}
.tc-report ol.qa .group{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);margin:10px 0 4px}
.tc-report ol.qa .ans{display:inline-block;min-width:44px;font-weight:700;margin-right:6px}
.tc-report ol.qa .ans.yes{color:var(--good)}.tc-report ol.qa .ans.no{color:var(--low)}
.tc-report ol.qa .ans.not_applicable{color:var(--muted)}
.tc-report ol.qa .why{font-size:13px;color:var(--muted);margin:2px 0}
.tc-report ol.qa .ev{font-size:13px;margin:2px 0;display:flex;flex-wrap:wrap;gap:4px 8px;align-items:center}
.tc-report ol.qa .ev q{font-style:italic}
.tc-report ol.qa .person,.tc-report ol.qa .dispute{font-size:13px;margin:4px 0 0;padding:3px 8px;border-radius:4px;
 background:var(--soft)}
.tc-report ol.qa .dispute{border-left:3px solid #e69f00}
.tc-report table.qa-rates{border-collapse:collapse;width:100%;font-size:14px}
.tc-report table.qa-rates th,.tc-report table.qa-rates td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;
 color:var(--fg)}
.tc-report table.qa-rates td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.tc-report table.qa-rates tr.below td.num.rate{color:var(--low);font-weight:700}
.tc-report svg.qa-trend{display:block;width:100%;height:auto;max-width:900px}
.tc-report svg.qa-trend .grid{stroke:var(--grid)}.tc-report svg.qa-trend .tick{fill:var(--muted)}
.tc-report svg.qa-trend .target{stroke:#e69f00;stroke-width:2;stroke-dasharray:6 4}
.tc-report svg.qa-trend .series{fill:none;stroke-width:2}
.tc-report svg.qa-trend .pt{stroke:var(--bg);stroke-width:1.5}
.tc-report svg.qa-trend .pt.unmet{stroke:#c62828;stroke-width:2.5}
#qa-toml textarea{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
@media (max-width: 640px){
 .tc-report table.qa-rates th:nth-child(n+4),.tc-report table.qa-rates td:nth-child(n+4){display:none}
}
"""


def _pct(v: float | None, *, share: bool = False) -> str:
    if v is None or not isinstance(v, (int, float)) or not math.isfinite(v):
        return "—"
    return f"{100 * v:.0f}%" if share else f"{v:.0f}%"


def _evidence(ev: dict) -> str:
    start, end = ev.get("start_s"), ev.get("end_s")
    start = float(start) if isinstance(start, (int, float)) and math.isfinite(start) else None
    end = float(end) if isinstance(end, (int, float)) and math.isfinite(end) else None
    play = ""
    if start is not None:
        play = _play(max(0.0, start - 0.5), max(end or start, start) + 1.5, clock(start),
                     title=f"Play the call at {clock(start)}", at=start)
    if ev.get("quote"):
        said = f"<q dir=\"auto\">{esc(ev['quote'])}</q>"
    elif ev.get("value") is not None:
        v = ev["value"]
        unit = "" if ev.get("unit") in (None, "", "count") else f" {ev['unit']}"
        shown = f"{round(v, 1):g}" if isinstance(v, (int, float)) else str(v)
        said = f"measured {esc(shown)}{esc(unit)}" + (f" (yes at {esc(ev['target'])})" if ev.get("target") else "")
    elif ev.get("moment"):
        said = esc(ev["moment"])
    elif ev.get("window"):
        said = esc(ev["window"])
    else:
        return ""
    return f'<div class="ev">{play}{said}</div>'


def _item(i: FormItem, *, review: bool) -> str:
    final = i.human_answer or i.auto_answer
    cls = ["crit", esc(final or "none")]
    if i.agrees is False:
        cls.append("disagree")
    ev = "".join(_evidence(dict(x)) for x in i.auto_evidence[:3])
    person = ""
    if i.human_answer is not None:
        mark = ("agrees with tonecoach" if i.agrees else f"differs from tonecoach ({LABEL.get(i.auto_answer)})")
        note = f": {esc(i.human_note)}" if i.human_note else ""
        person = (f'<p class="person" data-agrees="{str(bool(i.agrees)).lower()}"><b>{esc(i.reviewer or "A lead")}</b> '
                  f'answered <b>{LABEL.get(i.human_answer)}</b>, {mark}{note}</p>')
    dispute = ""
    if i.dispute is not None:
        dispute = (f'<p class="dispute"><b>Disputed</b> by {esc(i.dispute.agent)} on {i.dispute.created_at:%Y-%m-%d}: '
                   f'<span dir="auto">{esc(i.dispute.comment)}</span>'
                   f'{" (open: settle it below)" if review else " (your team lead has not settled it yet)"}</p>')
    auto = (f'<span class="sub">tonecoach: {LABEL.get(i.auto_answer)}</span> ' if i.human_answer is not None else "")
    return (f'<li class="{" ".join(cls)}" data-criterion="{esc(i.criterion_id)}"><div><span class="ans {esc(final or "")}">'
            f'{LABEL.get(final, esc(final))}</span><span class="q">{esc(i.question)}</span> {auto}</div>'
            f'<p class="why">{esc(i.auto_reason)}</p>{ev}{person}{dispute}</li>')


def form_html(form: ReviewForm | None, *, review: bool, target: float | None = None,
              settled: Sequence[DisputeView] = ()) -> str:
    """A call's scorecard: the share passed against the target, each criterion's answer, why, the quote and time
    (▶ plays it), a person's answer where there is one and any dispute."""
    if form is None:
        return '<div class="tc-report"><p class="empty">No scorecard for this call.</p></div>'
    sc = form.scorecard
    head = [f'<span class="pct" data-qa-score="{"" if form.score is None else f"{form.score:.1f}"}">'
            f'{_pct(form.score)}</span>']
    n = sum(1 for i in form.items if (i.human_answer or i.auto_answer) in ("yes", "no"))
    head.append(f"<span>of the {n} criteria that apply</span>")
    if target is not None and form.score is not None:
        ok = form.score >= target
        head.append(f'<span class="{"met" if ok else "unmet"}">{"meets" if ok else "below"} the target of {target:g}%</span>')
    if form.acknowledged_at is not None:
        head.append(f'<span class="sub" data-ack="yes">acknowledged by {esc(form.agent)} '
                    f'{form.acknowledged_at:%Y-%m-%d %H:%M}</span>')
    else:
        head.append('<span class="sub" data-ack="no">not acknowledged yet</span>')
    if review and form.disagreements:
        head.append(f'<span class="unmet">{len(form.disagreements)} answer(s) differ from tonecoach\'s</span>')
    rows, group = [], None
    for i in form.items:
        if i.group != group:
            group = i.group
            rows.append(f'<li class="group">{esc(group)}</li>')
        rows.append(_item(i, review=review))
    done = "".join(f'<li class="crit"><span class="sub">Dispute on {esc(d.criterion_id)}: {esc(d.status)}'
                   f'{" by " + esc(d.resolved_by) if d.resolved_by else ""}</span>'
                   f'{" — " + esc(d.resolution) if d.resolution else ""}</li>' for d in settled)
    return (f'<div class="tc-report" data-scorecard="{esc(sc.name)}"><p class="sub">Scorecard: {esc(sc.name)} {esc(sc.version)}'
            f'{" (team " + esc(sc.team) + ", revision " + str(sc.revision) + ")" if sc.team else ""}</p>'
            f'<div class="qa-head">{"".join(head)}</div><ol class="qa">{"".join(rows)}{done}</ol></div>')


def criterion_choices(form: ReviewForm | None) -> list[tuple[str, str]]:
    if form is None:
        return []
    return [(f"{i.question} ({LABEL.get(i.human_answer or i.auto_answer)})", i.criterion_id) for i in form.items]


def disputes_html(rows: Sequence[DisputeView]) -> str:
    """Open disputes the viewer may settle: report, agent, criterion, comment."""
    if not rows:
        return '<div class="tc-report"><p class="empty">No open disputes.</p></div>'
    body = "".join(f'<tr data-dispute="{d.id}"><td class="num">#{d.report_id}</td><td>{esc(d.agent)}</td>'
                   f'<td>{esc(d.criterion_id)}</td><td dir="auto">{esc(d.comment)}</td>'
                   f'<td class="num">{d.created_at:%Y-%m-%d}</td></tr>' for d in rows)
    return ('<div class="tc-report"><table class="qa-rates" id="qa-disputes-table"><thead><tr><th>report</th><th>agent</th>'
            f'<th>criterion</th><th>comment</th><th>since</th></tr></thead><tbody>{body}</tbody></table></div>')


def agreement_html(rows: Sequence[CriterionAgreement]) -> str:
    """How often a person's answer was tonecoach's, per criterion, over the reviewed calls."""
    if not rows:
        return ('<div class="tc-report"><p class="empty">No call has been answered by a person yet: answer the '
                'scorecard of a call above to see how far tonecoach can be trusted on each criterion.</p></div>')
    body = "".join(f'<tr data-criterion="{esc(r.criterion_id)}"><td>{esc(r.question)}</td>'
                   f'<td class="num rate">{_pct(r.rate, share=True)}</td><td class="num">{r.agreed} of {r.reviewed}</td></tr>'
                   for r in rows)
    return ('<div class="tc-report"><table class="qa-rates" id="qa-agreement-table"><thead><tr><th>criterion</th>'
            f'<th>agreement</th><th>calls</th></tr></thead><tbody>{body}</tbody></table></div>')


def _svg(points: Sequence[tuple[str, float | None, bool | None]], series: dict[str, tuple[str, list[float | None]]],
         target: float | None, label: str) -> str:
    """A small line chart, 0-100, one x position per point, the target as a dashed line."""
    w, h, left, right, top, bottom = 760, 220, 40, 16, 12, 34
    n = max(1, len(points))
    x = lambda k: left + (w - left - right) * (k / (n - 1) if n > 1 else 0.5)  # noqa: E731
    y = lambda v: top + (h - top - bottom) * (1 - max(0.0, min(100.0, v)) / 100)  # noqa: E731
    out = [f'<svg class="qa-trend" viewBox="0 0 {w} {h}" role="img" aria-label="{esc(label)}" '
           'font-family="system-ui, sans-serif" font-size="12">']
    for v in (0, 25, 50, 75, 100):
        out.append(f'<line class="grid" x1="{left}" x2="{w - right}" y1="{y(v):.1f}" y2="{y(v):.1f}"/>'
                   f'<text class="tick" x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v}</text>')
    if target is not None:
        out.append(f'<line class="target" x1="{left}" x2="{w - right}" y1="{y(target):.1f}" y2="{y(target):.1f}">'
                   f'<title>target {target:g}%</title></line>')
    step = max(1, n // 8)
    for k, (tick, _, _) in enumerate(points):
        if k % step == 0 or k == n - 1:
            out.append(f'<text class="tick" x="{x(k):.1f}" y="{h - bottom + 16}" text-anchor="middle">{esc(tick)}</text>')
    for name, (colour, vals) in series.items():
        pts = [(k, v) for k, v in enumerate(vals) if v is not None]
        if len(pts) > 1:
            d = "".join(f"{'M' if j == 0 else 'L'}{x(k):.1f} {y(v):.1f}" for j, (k, v) in enumerate(pts))
            out.append(f'<path class="series" d="{d}" stroke="{colour}"/>')
        for k, v in pts:
            unmet = " unmet" if name == "Scorecard" and points[k][2] is False else ""
            out.append(f'<circle class="pt{unmet}" cx="{x(k):.1f}" cy="{y(v):.1f}" r="4.5" fill="{colour}" '
                       f'data-series="{esc(name)}"><title>{esc(name)} {v:.0f} ({esc(points[k][0])})</title></circle>')
    out.append("</svg>")
    keys = "".join(f'<span class="key"><span class="swatch" style="background:{c}"></span>{esc(nm)}</span>'
                   for nm, (c, _) in series.items())
    if target is not None:
        keys += f'<span class="key"><span class="dash" style="border-color:#e69f00"></span>target {target:g}%</span>'
    return f'<div class="plotwrap">{"".join(out)}</div><p class="legend">{keys}</p>'


def progress_html(calls: Sequence[CallScore], *, agent: str | None = None) -> str:
    """An agent's home view: tone, content and scorecard over their last calls, and how many met the target.

    With ``agent`` it is a team lead's view of that agent ("ann's last calls" instead of "your last calls").
    """
    whose, box = ("your", "qa-progress") if agent is None else (f"{esc(agent)}'s", "qa-agent-progress")
    if not calls:
        return (f'<div class="tc-report" id="{box}"><p class="empty">The scores over {whose} last calls show here '
                'after the first analysed call.</p></div>')
    target = next((c.target for c in reversed(calls) if c.target is not None), None)
    judged = [c.passed for c in calls if c.passed is not None]
    rate = sum(judged) / len(judged) if judged else None
    pts = [(f"{c.created_at:%d %b}", c.scorecard, c.passed) for c in calls]
    title = "Your scores over your last calls" if agent is None else f"{agent}'s scores over their last calls"
    svg = _svg(pts, {"Tone": ("#0072B2", [c.tone for c in calls]), "Content": ("#D55E00", [c.content for c in calls]),
                     "Scorecard": ("#009E73", [c.scorecard for c in calls])}, target, title)
    head = (f'<p class="qa-head"><span class="pct" data-pass-rate="{"" if rate is None else f"{rate:.3f}"}">'
            f'{_pct(rate, share=True)}</span><span>of {whose} last {len(calls)} call(s) met the scorecard target'
            f'{f" of {target:g}%" if target is not None else ""}</span></p>')
    return f'<div class="tc-report" id="{box}">{head}{svg}</div>'


def team_html(t: TeamQa, *, top: int = 5) -> str:
    """A lead's view: the team's weekly scorecard score and pass rate against the target, and the criteria that
    fail most (their pass rate below the target in red)."""
    if not t.calls:
        return '<div class="tc-report" id="qa-team-view"><p class="empty">No calls of your team yet.</p></div>'
    pts = [(f"wk {w.week:%d %b}", w.mean_scorecard, None if w.pass_rate is None else w.pass_rate >= 0.5)
           for w in t.weeks]
    svg = _svg(pts, {"Scorecard (mean)": ("#009E73", [w.mean_scorecard for w in t.weeks]),
                     "Calls meeting the target": ("#CC79A7", [None if w.pass_rate is None else 100 * w.pass_rate
                                                              for w in t.weeks])},
               t.target, "The team's scorecard by week")
    rows = []
    for r in t.criteria[:top]:
        below = t.target is not None and r.pass_rate is not None and 100 * r.pass_rate < t.target
        rows.append(f'<tr class="{"below" if below else ""}" data-criterion="{esc(r.criterion_id)}"><td>{esc(r.question)}</td>'
                    f'<td class="num rate">{_pct(r.pass_rate, share=True)}</td><td class="num">{r.no} of {r.yes + r.no}</td>'
                    f'<td class="num">{r.not_applicable}</td></tr>')
    target = f" of {t.target:g}%" if t.target is not None else ""
    head = (f'<p class="qa-head"><span class="pct">{_pct(t.pass_rate, share=True)}</span><span>of {t.calls} call(s) '
            f'met the team\'s target{target}</span></p>')
    table = ('<h3>The criteria that fail most</h3><table class="qa-rates" id="qa-failing"><thead><tr><th>criterion</th>'
             '<th>passed</th><th>failed</th><th>n/a</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>")
    return f'<div class="tc-report" id="qa-team-view">{head}{svg}{table}</div>'
