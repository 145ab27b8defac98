"""Turn reports, entries and comments into what the Gradio components show (HTML fragments and table rows).

Presentation only: every number comes from the report, worded by
:mod:`tonecoach.coaching` (the same labels and figures as the HTML report);
the timeline, the transcript and the metrics are the HTML report's own
(:mod:`tonecoach.render.report`), with its stylesheet scoped to ``.tc-report``
so it cannot restyle the app around it, and its dark theme under Gradio's
``.dark``.

Buttons inside the fragments carry ``data-action`` (``play``, ``comment``,
``switch``) and their data; :data:`ACTIONS_JS` turns a click on one into the
component's ``click`` event with that data (see :mod:`tonecoach.web.app`).

One function per section of a report; a new section is a new function here,
a component in :class:`tonecoach.web.app.ReportView` and its place in
:meth:`tonecoach.web.handlers.Handlers.report_outputs`.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from .. import coaching as C
from ..report import CallReport
from ..store.access import CommentView, Entry
from . import report as H
from .content import CONTENT_CSS, content_section
from .conversation import conversation_section
from .fmt import BAND_GOOD_FROM, band, clock, esc, md

__all__ = [
    "ACTIONS_JS",
    "COMMENT_COLUMNS",
    "ENTRY_COLUMNS",
    "MINE_COLUMNS",
    "RETAKE_COLUMNS",
    "agent_banner_html",
    "agent_choices",
    "agent_info",
    "comments_html",
    "content_score",
    "details_html",
    "entry_rows",
    "feedback_choices",
    "feedback_html",
    "mine_rows",
    "news",
    "report_css",
    "retake_choices",
    "retake_rows",
    "retake_summary",
    "scores_html",
    "timeline_html",
    "trend_svg",
]

NOT_SCORED = "not scored yet"
OPEN = "▶"
MINE_COLUMNS = ["", "date", "recording", "tone", "content", "reviewed", "comments", "new"]
ENTRY_COLUMNS = ["", "report", "agent", "recording", "date", "language", "tone", "content", "feedback", "comments",
                 "reviewed"]
COMMENT_COLUMNS = ["at", "by", "comment", "written"]
RETAKE_COLUMNS = ["metric", "before", "after", "target", "points before", "points after"]
SEVERITY_WORDS = {"major": "important", "minor": "minor", "info": "tip"}

#: js_on_load of the HTML fragments: a click on a [data-action] element fires the component's click event with its data
ACTIONS_JS = """
element.addEventListener('click', (e) => {
  const b = e.target.closest('[data-action]');
  if (!b || !element.contains(b)) return;
  e.preventDefault();
  const d = Object.assign({}, b.dataset);
  trigger('click', d);
  if (d.action === 'comment') {
    const box = document.querySelector('#comment-text textarea, #comment-text input');
    if (box) box.focus();
  }
});
"""


def _fmt(v: float | None, digits: int = 0) -> str:
    if v is None or not isinstance(v, (int, float)) or not math.isfinite(v):
        return "—"
    return f"{v:.{digits}f}"


def content_score(report: CallReport) -> float | None:
    """The wording (content) score when the report has one (:attr:`CallReport.content_score`)."""
    return report.content_score


def _play(start: float | None, end: float | None, text: str, *, title: str = "Play this moment",
          at: float | None = None) -> str:
    """A ▶ button for a stretch of the call; ``at`` is the time a comment on it is pinned to (its start by default)."""
    if start is None or end is None:
        return ""
    return (f'<button type="button" class="tc-btn play" data-action="play" data-start="{start:.2f}" data-end="{end:.2f}" '
            f'data-at="{esc(clock(start if at is None else at))}" title="{esc(title)}">▶ {esc(text)}</button>')


# -- the first screen: scores and what to do next ------------------------------------------------


def _card(label: str, value: float | None, note: str, kind: str) -> str:
    if value is None:
        big, cls = "—", "none"
    else:
        big, cls = f"{value:.0f}", band(value).name
    of = '<div class="of">/ 100</div>' if value is not None else ""
    return (f'<div class="score {cls}" data-score="{kind}"><div class="lbl">{esc(label)}</div>'
            f'<div class="big">{esc(big)}</div>{of}<div class="verdict">{esc(C.verdict(value))}</div>'
            f'<div class="note">{esc(note)}</div></div>')


def _summary_html(report: CallReport, views: Sequence[C.FeedbackView]) -> str:
    s = C.summary(report, views)
    if not s.work_on and s.went_well is None:
        return ""
    work = []
    for w in s.work_on:
        gain = f'<span class="gain">+{w.points:.0f} points</span>' if w.points is not None and w.points >= 0.5 else ""
        play = _play(w.start_s, w.end_s, clock(w.start_s) if w.start_s is not None else "")
        work.append(f'<li class="work" data-fb="{esc(w.feedback or "")}"><div class="head"><span class="what">{esc(w.label)}</span>'
                    f'{gain}</div><div class="why" dir="auto">{esc(w.why)}</div>{play}</li>')
    well = ""
    if s.went_well is not None:
        g = s.went_well
        play = _play(g.start_s, g.end_s, clock(g.start_s)) if g.start_s is not None else ""
        well = (f'<div class="well-col"><h3>Went well</h3><ul class="well"><li class="well"><div class="head">'
                f'<span class="what">{esc(g.label)}</span></div><div class="why" dir="auto">{esc(g.why)}</div>{play}</li></ul></div>')
    head = "Work on first" if work else ""
    body = f'<div class="work-col"><h3>{head}</h3><ol class="work">{"".join(work)}</ol></div>' if work else ""
    return f'<section class="coach">{body}{well}</section>'


def scores_html(report: CallReport, views: Sequence[C.FeedbackView] | None = None) -> str:
    """Tone and content scores with a plain verdict, then the coaching summary: three things to work on first
    (each with its moment and the points it would gain) and one that went well."""
    views = C.feedback_views(report) if views is None else views
    tone = report.tone.score
    tnote = "how you sound: pace, pitch, loudness" if tone is not None else "nothing to measure: no agent speech found"
    cs = report.content_score
    cnote = "what you say: politeness, empathy, ownership" if cs is not None else NOT_SCORED
    warn = ""
    if report.warnings:
        warn = '<ul class="warnings">' + "".join(f"<li>{esc(w)}</li>" for w in report.warnings) + "</ul>"
    return (f'<div class="tc-report"><div class="scores">{_card("Tone", tone, tnote, "tone")}'
            f'{_card("Content", cs, cnote, "content")}</div>{warn}{_summary_html(report, views)}</div>')


def agent_banner_html(report: CallReport) -> str:
    """Above the scores when the automatic choice of the agent was unsure: who, how sure, why, and a switch."""
    d = C.agent_doubt(report)
    if d is None:
        return ""
    buttons = "".join(f'<button type="button" class="tc-btn" data-action="switch" data-speaker="{esc(sid)}">'
                      f'Switch to {esc(name)}</button>' for sid, name in d.others)
    if d.speaker:
        head = (f'We think the agent is <b>{esc(d.name)}</b> ({d.confidence:.0%}): first words '
                f'“<bdi>{esc(d.first_words)}</bdi>”.')
        then = "If that is the customer, switch: the call is scored again with the other speaker as the agent."
    else:
        head = "We could not find the agent's voice in this call."
        then = "Pick the agent: the call is scored again with that speaker as the agent."
    why = "".join(f"<li dir=\"auto\">{esc(x)}</li>" for x in d.evidence)
    why = (f'<p class="sub">Why: {esc(d.reason)}</p>' + (f'<ul class="sub">{why}</ul>' if why else "")) if d.reason else ""
    return (f'<div class="tc-report"><div class="doubt" role="status"><p>{head}</p>{why}'
            f'<p>{then} {buttons}</p></div></div>')


# -- feedback ------------------------------------------------------------------------------------


def feedback_html(report: CallReport, views: Sequence[C.FeedbackView] | None = None, *, comment: bool = False) -> str:
    """Every feedback item as a card: plain label, when, what was found, the figures, what to try; the
    search pattern and the rest of the evidence behind "details". ``comment`` adds "Comment here"."""
    views = C.feedback_views(report) if views is None else views
    if not views:
        return '<div class="tc-report"><h2>Feedback</h2><p class="empty">No coaching points for this call.</p></div>'
    cards = []
    for v in views:
        a, b = v.moment
        figures = "".join(f"<li>{esc(f)}</li>" for f in v.figures)
        figures = f'<ul class="figures">{figures}</ul>' if figures else ""
        sugg = f'<p class="suggestion"><strong>Try:</strong> <bdi>{esc(v.suggestion)}</bdi></p>' if v.suggestion else ""
        details = "".join(f"<dt>{esc(k)}</dt><dd dir=\"auto\">{esc(val)}</dd>" for k, val in v.details)
        details = (f'<details class="more"><summary>details</summary><dl>{details}</dl></details>' if details else "")
        actions = _play(a, b, "Play", title=f"Play {clock(a)}–{clock(b)}")
        if comment:
            actions += (f'<button type="button" class="tc-btn" data-action="comment" data-at="{esc(clock(v.start_s))}">'
                        "Comment here</button>")
        cards.append(
            f'<li class="fb sev-{esc(v.severity)}" id="tc-{esc(v.key)}" data-key="{esc(v.key)}" data-severity="{esc(v.severity)}" '
            f'data-start="{v.start_s:.2f}"><div class="fbhead"><span class="badge sev-{esc(v.severity)}">'
            f'{esc(SEVERITY_WORDS.get(v.severity, v.severity))}</span><span class="label">{esc(v.label)}</span>'
            f'<span class="when">{esc(v.when)}</span><span class="actions">{actions}</span></div>'
            f'<p class="finding" dir="auto">{esc(v.finding)}</p>{figures}{sugg}{details}</li>')
    return f'<div class="tc-report"><h2>Feedback</h2><ol class="fbcards">{"".join(cards)}</ol></div>'


def feedback_choices(report: CallReport, views: Sequence[C.FeedbackView] | None = None) -> list[tuple[str, int | str]]:
    """"Play a moment" choices in the feedback's own words: (``m:ss label``, the item's index in the report's
    feedback, or for a row made from the summary its key, ``m-greeting``)."""
    views = C.feedback_views(report) if views is None else views
    return [(f"{clock(v.moment[0])} {v.label}", v.index if v.index is not None else v.key) for v in views]


def moment_of(report: CallReport, choice: int | str | None) -> tuple[float, float] | None:
    """The stretch behind a "Play a moment" choice (see :func:`feedback_choices`)."""
    if isinstance(choice, str) and choice.isdigit():
        choice = int(choice)
    for v in C.feedback_views(report):
        if (isinstance(choice, int) and v.index == choice) or v.key == choice:
            return v.moment
    return None


# -- the rest of the report ---------------------------------------------------------------------


def timeline_html(report: CallReport) -> str:
    """Pitch and energy over time, speaker turns, flagged moments, and the speaker-coloured transcript."""
    parts = H.render_sections(report)
    return f'<div class="tc-report">{parts["timeline"]}{parts["transcript"]}</div>'


def details_html(report: CallReport) -> str:
    """The tone metrics with their targets and evidence, then the content and conversation sections when there are,
    and how the agent was chosen."""
    rubric = f'<p class="sub">Scored with rubric {esc(report.tone.rubric_version)}.</p>' if report.tone.rubric_version else ""
    return (f'<div class="tc-report">{H.render_sections(report)["tone"]}{rubric}{content_section(report)}'
            f'{conversation_section(report)}</div>')


def agent_choices(report: CallReport) -> list[tuple[str, str]]:
    """Dropdown choices for "who is the agent": (label with talk time and first words, speaker id)."""
    out = []
    for sp in report.speakers:
        first = C.first_words(report, sp.id, 60)
        role = "the agent now" if report.agent and report.agent.speaker == sp.id else sp.role
        out.append((f"{sp.id} ({role}, {sp.talk_time_s:.0f} s of talk): “{first}”", sp.id))
    return out


def agent_info(report: CallReport) -> str:
    """How the agent was chosen (automatically, or by whom), as the report's ``agent`` says."""
    a = report.agent
    if a is None:
        return ""
    conf = getattr(a, "confidence", None)
    sure = f" ({conf:.0%} confidence)" if isinstance(conf, (int, float)) and math.isfinite(conf) else ""
    return f"How it was chosen: {a.method}, {a.reason}{sure}"


def comments_html(comments: Sequence[CommentView], *, empty: str = "No comments yet.") -> str:
    """Comments, oldest first; a comment's time plays that moment when clicked."""
    if not comments:
        return f'<div class="tc-report"><p class="empty">{esc(empty)}</p></div>'
    items = []
    for c in comments:
        if c.at_s is not None:
            at = _play(max(0.0, c.at_s - 1.0), c.at_s + 4.0, clock(c.at_s), title=f"Play the call at {clock(c.at_s)}",
                       at=c.at_s)
        else:
            at = '<span class="at">whole call</span>'
        items.append(f'<li class="comment">{at} <span class="by"><b>{esc(c.author)}</b> ({esc(c.author_role.replace("_", " "))})'
                     f'</span> <span class="sub">{c.created_at:%Y-%m-%d %H:%M}</span><p dir="auto">{esc(c.text)}</p></li>')
    return f'<div class="tc-report"><ul class="comments">{"".join(items)}</ul></div>'


# -- the re-take drill ---------------------------------------------------------------------------


def retake_choices(report: CallReport) -> list[tuple[str, str]]:
    """The sentences and phrases to record again: (label with when, what and the words, line key)."""
    return [(line.label, line.key) for line in C.retake_lines(report)]


def retake_rows(r: Any) -> list[list[Any]]:
    """The table of a :class:`tonecoach.web.service.Retake` (duck-typed: the renderers import nothing of the web app)."""
    rows = []
    for m in r.rows:
        target = C.target_text(m.target_low, m.target_high, m.unit)
        label = ("▶ " if m.flagged else "") + m.label
        rows.append([label, C.fmt(m.before, m.unit), C.fmt(m.after, m.unit), target, _fmt(m.points_before),
                     _fmt(m.points_after)])
    return rows


def retake_summary(r: Any) -> str:
    """The two lines of a :class:`tonecoach.web.service.Retake` side by side and a verdict for each thing the feedback
    was about (Markdown)."""
    verdicts = []
    for m in r.rows:
        if m.flagged:
            v = C.retake_verdict(m.before, m.after, m.target_low, m.target_high)
            verdicts.append(f"**{m.label}: {v}** ({C.fmt(m.before, m.unit)} → {C.fmt(m.after, m.unit)}; "
                            f"target {C.target_text(m.target_low, m.target_high, m.unit)})")
    for w in getattr(r, "wording", ()) or ():
        verdicts.append(f"**{w}**")
    warn = "".join(f"\n\n_Note: {md(w)}_" for w in r.warnings)
    line = "\n\n".join(verdicts) or "Nothing to compare."
    return (f"{line}\n\n**Before:** “{md(r.line_before)}”\n\n**Your new take:** “{md(r.line_after or '(no words heard)')}”"
            f"{warn}")


# -- lists -------------------------------------------------------------------------------------


def _reviewed(e: Entry) -> str:
    return (f"yes ({e.reviewed_by})" if e.reviewed_by else "yes") if e.reviewed_at else "no"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def news(e: Entry, comments: Sequence[CommentView], since: _dt.datetime | None, viewer: str) -> list[str]:
    """What happened to an agent's recording since ``since`` (comments by others, a review)."""
    if since is None:
        return []
    new = [c for c in comments if c.created_at > since and c.author != viewer]
    out = [_plural(len(new), "new comment")] if new else []
    if e.reviewed_at is not None and e.reviewed_at > since and e.reviewed_by != viewer:
        out.append("reviewed")
    return out


def mine_rows(entries: Sequence[Entry], comments: Mapping[int, Sequence[CommentView]], since: _dt.datetime | None,
              viewer: str, open_id: int | None = None) -> list[list[Any]]:
    """My recordings: open marker, date, name, scores, reviewed, comments, news since the last visit."""
    rows = []
    for e in entries:
        cs = comments.get(e.report_id, ())
        rows.append([OPEN if e.report_id == open_id else "", e.created_at.strftime("%Y-%m-%d %H:%M"), e.name or "recording",
                     _fmt(e.tone_score), _fmt(e.content_score) if e.content_score is not None else NOT_SCORED,
                     _reviewed(e), _plural(len(cs), "comment") if cs else "", ", ".join(news(e, cs, since, viewer))])
    return rows


def entry_rows(entries: Sequence[Entry], comments: Mapping[int, int] | None = None, open_id: int | None = None) -> list[list[Any]]:
    """The team's recordings: open marker, id, agent, name, date, language, scores, feedback, comments, reviewed."""
    comments = comments or {}
    return [[OPEN if e.report_id == open_id else "", e.report_id, e.agent, e.name or "", e.created_at.strftime("%Y-%m-%d %H:%M"),
             e.language or "", _fmt(e.tone_score), _fmt(e.content_score) if e.content_score is not None else NOT_SCORED,
             e.n_feedback, comments.get(e.report_id, 0), _reviewed(e)]
            for e in entries]


def entry_label(e: Entry) -> str:
    return f"#{e.report_id} · {e.agent} · {e.name or 'recording'} · {e.created_at:%Y-%m-%d}"


def comment_rows(comments: Sequence[CommentView]) -> list[list[Any]]:
    return [[clock(c.at_s) if c.at_s is not None else "whole call", f"{c.author} ({c.author_role.replace('_', ' ')})",
             c.text, c.created_at.strftime("%Y-%m-%d %H:%M")] for c in comments]


# -- the trend chart ------------------------------------------------------------------------------

_SERIES = {"tone": ("#0072B2", "Tone"), "content": ("#D55E00", "Content")}


def trend_svg(points: Sequence[tuple[_dt.datetime, str, float]], team_avg: Mapping[str, float | None], *,
              target: tuple[float, float] = (BAND_GOOD_FROM, 100.0), agent: str = "") -> str:
    """One agent's scores over time: a point per call and score, lines between them, the target band
    (a "good" score) and the team's average of each score over the same time."""
    if not points:
        return '<div class="tc-report"><p class="empty">Pick an agent to see their scores over time.</p></div>'
    w, h, left, right, top, bottom = 760, 260, 44, 16, 14, 40
    t0 = min(p[0] for p in points)
    t1 = max(p[0] for p in points)
    span = max((t1 - t0).total_seconds(), 1.0)
    x = lambda t: left + (w - left - right) * ((t - t0).total_seconds() / span if len(points) > 1 and t1 > t0 else 0.5)  # noqa: E731
    y = lambda v: top + (h - top - bottom) * (1 - max(0.0, min(100.0, v)) / 100)  # noqa: E731
    out = [f'<svg class="trend" viewBox="0 0 {w} {h}" role="img" aria-label="Scores of {esc(agent)} over time" '
           f'font-family="system-ui, sans-serif" font-size="12">']
    out.append(f'<rect class="target-band" x="{left}" y="{y(target[1]):.1f}" width="{w - left - right}" '
               f'height="{y(target[0]) - y(target[1]):.1f}"><title>target: {target[0]:.0f} and over is good</title></rect>')
    for v in (0, 20, 40, 60, 80, 100):
        out.append(f'<line class="grid" x1="{left}" x2="{w - right}" y1="{y(v):.1f}" y2="{y(v):.1f}"/>'
                   f'<text class="tick" x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v}</text>')
    out.append(f'<text class="tick" x="{w - right - 4}" y="{y(target[1]) + 13:.1f}" text-anchor="end">target band</text>')
    days = sorted({p[0].date() for p in points})
    for d in (days if len(days) <= 6 else days[:: max(1, len(days) // 6)]):
        t = min(p[0] for p in points if p[0].date() == d)
        out.append(f'<text class="tick" x="{x(t):.1f}" y="{h - bottom + 16}" text-anchor="middle">{d:%d %b}</text>')
    legend = []
    for kind, (colour, name) in _SERIES.items():
        pts = sorted((p for p in points if p[1] == kind), key=lambda p: p[0])
        if not pts:
            continue
        avg = team_avg.get(kind)
        if avg is not None:
            out.append(f'<line class="team-avg" x1="{left}" x2="{w - right}" y1="{y(avg):.1f}" y2="{y(avg):.1f}" '
                       f'stroke="{colour}"><title>team average {name.lower()}: {avg:.0f}</title></line>')
        if len(pts) > 1:
            d = "".join(f"{'M' if i == 0 else 'L'}{x(t):.1f} {y(v):.1f}" for i, (t, _, v) in enumerate(pts))
            out.append(f'<path class="series" d="{d}" stroke="{colour}"/>')
        for t, _, v in pts:
            out.append(f'<circle class="pt" cx="{x(t):.1f}" cy="{y(v):.1f}" r="4.5" fill="{colour}">'
                       f'<title>{name} {v:.0f} on {t:%Y-%m-%d %H:%M}</title></circle>')
        legend.append(f'<span class="key"><span class="swatch" style="background:{colour}"></span>{name}</span>')
        if avg is not None:
            legend.append(f'<span class="key"><span class="dash" style="border-color:{colour}"></span>'
                          f'team average {name.lower()} {avg:.0f}</span>')
    out.append("</svg>")
    legend.append('<span class="key"><span class="swatch band"></span>target band (80 and over)</span>')
    return f'<div class="tc-report"><div class="plotwrap">{"".join(out)}</div><p class="legend">{"".join(legend)}</p></div>'


# -- style -----------------------------------------------------------------------------

_EXTRA_CSS = """
:root{background:transparent}
.scores{display:flex;gap:16px;flex-wrap:wrap}
.score{flex:1 1 160px;max-width:260px;text-align:left}
.score .lbl{font-size:13px;text-transform:uppercase;letter-spacing:.06em;margin:0 0 2px}
.score .big{display:inline-block}.score .of{display:inline-block;margin-left:4px}
.score .verdict{font-weight:700;font-size:15px;margin-top:2px;color:var(--fg)}
.score.good .verdict{color:var(--good)}.score.ok .verdict{color:var(--ok)}.score.low .verdict{color:var(--low)}
.score.none .big{font-size:30px}
ul.warnings{margin:10px 0 0;padding:8px 12px 8px 28px;border-left:5px solid var(--warn-line);background:var(--warn);border-radius:6px}
section h2{margin-top:14px}
section.coach{display:flex;flex-wrap:wrap;gap:8px 28px;margin:12px 0 0}
section.coach .work-col{flex:2 1 340px}section.coach .well-col{flex:1 1 220px}
section.coach h3{margin:4px 0 6px;font-size:15px}
ol.work,ul.well{list-style:none;margin:0;padding:0}
li.work,li.well{border:1px solid var(--line);border-left:5px solid #c62828;border-radius:6px;padding:6px 10px;margin:0 0 6px;
 display:grid;grid-template-columns:1fr auto;gap:0 10px;align-items:center;color:var(--fg)}
li.well{border-left-color:#2e8b57}
li.work .head,li.well .head{display:flex;flex-wrap:wrap;gap:2px 10px;align-items:baseline}
li.work .what,li.well .what{font-weight:600}
li.work .gain{font-size:12px;font-weight:700;color:var(--good);white-space:nowrap}
li.work .why,li.well .why{grid-column:1;font-size:13px;color:var(--muted)}
li.work .tc-btn,li.well .tc-btn{grid-column:2;grid-row:1 / span 2}
.tc-btn{font:inherit;font-size:13px;font-weight:600;padding:3px 10px;border-radius:6px;border:1px solid var(--line);
 background:var(--soft);color:var(--fg);cursor:pointer;white-space:nowrap}
.tc-btn:hover,.tc-btn:focus-visible{border-color:var(--link);outline:2px solid transparent}
.tc-btn.play{color:var(--link)}
ol.fbcards{list-style:none;padding:0;margin:0}
ol.fbcards .fbhead .label{font-weight:700}
ol.fbcards .fbhead .when{color:var(--muted);font-variant-numeric:tabular-nums}
ol.fbcards .finding{margin:4px 0}
ol.fbcards .suggestion{display:block;width:fit-content;max-width:100%}
ul.figures{list-style:none;display:flex;flex-wrap:wrap;gap:2px 18px;margin:2px 0;padding:0;font-size:13px;color:var(--fg)}
ul.figures li{font-variant-numeric:tabular-nums;border-left:2px solid var(--line);padding-left:6px}
ol.fbcards .actions{display:flex;flex-wrap:wrap;gap:6px;margin-left:auto}
details.more{margin-top:4px;font-size:12.5px;color:var(--muted)}
details.more summary{cursor:pointer;width:max-content}
details.more dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 10px;margin:4px 0 0}
details.more dd{margin:0;word-break:break-word}
.doubt{border:1px solid var(--warn-line);border-left:6px solid var(--warn-line);background:var(--warn);border-radius:6px;
 padding:8px 12px;color:var(--fg)}
.doubt p{margin:2px 0}
.doubt .tc-btn{margin-left:6px}
ul.comments{list-style:none;margin:0;padding:0}
ul.comments li{padding:6px 0;border-bottom:1px solid var(--line);color:var(--fg)}
ul.comments li p{margin:2px 0 0}
ul.comments .at{font-size:12px;color:var(--muted)}
svg.trend{display:block;width:100%;height:auto;max-width:900px}
svg.trend .target-band{fill:var(--sugg)}
svg.trend .grid{stroke:var(--grid)}svg.trend .tick{fill:var(--muted)}
svg.trend .series{fill:none;stroke-width:2}
svg.trend .team-avg{stroke-width:1.5;stroke-dasharray:6 4;opacity:.9}
svg.trend .pt{stroke:var(--bg);stroke-width:1.5}
.dash{display:inline-block;width:18px;border-top:2px dashed}
.swatch.band{background:var(--sugg);border:1px solid var(--line)}
"""

_NARROW_EXTRA = """
.score{flex:1 1 130px}
.score .big{font-size:38px}
ul.figures{display:block}
ul.figures li{border-left:0;padding-left:0}
details.more dl{grid-template-columns:1fr}
details.more dd{margin:0 0 4px}
table.transcript{border:0}
table.transcript td.time,table.transcript td.who,table.transcript td.marks{width:auto}
li.work,li.well{grid-template-columns:1fr}
li.work .tc-btn,li.well .tc-btn{grid-column:1;grid-row:auto;justify-self:start;margin-top:4px}
"""


def _scoped(css: str, scope: str) -> str:
    out = []
    for sel, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        parts = []
        for s in sel.split(","):
            s = s.strip()
            if not s or s == "main":  # the page's width and margins are the app's, not the report's
                continue
            if s in (":root", "body", "*"):
                parts.append(scope if s != "*" else f"{scope} *")
            else:
                parts.append(f"{scope} {s}")
        if parts:
            out.append(f"{','.join(parts)}{{{' '.join(body.split())}}}")
    return "\n".join(out)


def report_css(scope: str = ".tc-report") -> str:
    """The HTML report's stylesheet with every rule scoped under ``scope`` (plus the app's own rules), its dark
    theme under Gradio's ``.dark`` and its narrow-screen rules under a media query."""
    light = H.screen_css() + CONTENT_CSS.split("@media print", 1)[0] + _EXTRA_CSS
    dark = _scoped(H.dark_css(), f".dark {scope}")
    narrow = _scoped(H.narrow_css() + _NARROW_EXTRA, scope)
    return f"{_scoped(light, scope)}\n{dark}\n@media {H.NARROW_MEDIA}{{\n{narrow}\n}}"
