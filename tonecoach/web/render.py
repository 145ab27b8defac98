"""Turn reports, entries and comments into what the Gradio components show (HTML fragments and table rows).

Presentation only: every number comes from the report; the timeline and the
transcript are the HTML report's own (:mod:`tonecoach.html_report`), with its
stylesheet scoped to ``.tc-report`` so it cannot restyle the app around it.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from .. import html_report as H
from ..html_content import CONTENT_CSS, content_section
from ..html_conversation import conversation_section
from ..report import CallReport, FeedbackItem
from ..store.access import CommentView, Entry
from .service import Retake, flagged_segment

__all__ = [
    "COMMENT_COLUMNS",
    "ENTRY_COLUMNS",
    "FEEDBACK_COLUMNS",
    "RETAKE_COLUMNS",
    "comment_rows",
    "content_score",
    "entry_rows",
    "feedback_choices",
    "feedback_rows",
    "report_css",
    "retake_choices",
    "retake_rows",
    "scores_html",
    "timeline_html",
]

NOT_SCORED = "not scored yet"
FEEDBACK_COLUMNS = ["#", "when", "severity", "what", "evidence", "suggestion"]
FEEDBACK_WIDTHS = ["4%", "10%", "8%", "32%", "24%", "22%"]
ENTRY_COLUMNS = ["report", "agent", "team", "recording", "date", "language", "tone", "content", "feedback", "reviewed"]
COMMENT_COLUMNS = ["at", "by", "comment", "written"]
RETAKE_COLUMNS = ["metric", "before", "after", "target", "points before", "points after"]


def _e(v: Any) -> str:
    return html.escape("" if v is None else str(v), quote=True)


def clock(t: float | None) -> str:
    if t is None or not math.isfinite(t):
        return ""
    t = max(0.0, float(t))
    return f"{int(t // 60)}:{int(t % 60):02d}"


def _fmt(v: float | None, digits: int = 0) -> str:
    if v is None or not isinstance(v, (int, float)) or not math.isfinite(v):
        return "—"
    return f"{v:.{digits}f}"


def content_score(report: CallReport) -> float | None:
    """The wording (content) score when the report has one."""
    c = report.content
    if isinstance(c, Mapping):
        v = c.get("score")
        if isinstance(v, (int, float)) and math.isfinite(v):
            return float(v)
    return None


# -- the report ------------------------------------------------------------------------


def _card(label: str, value: float | None, note: str, kind: str) -> str:
    if value is None:
        big, cls = "—", "none"
    else:
        big, cls = f"{value:.0f}", "good" if value >= 80 else "ok" if value >= 60 else "low"
    of = '<div class="of">/ 100</div>' if value is not None else ""
    return (f'<div class="score {cls}" data-score="{kind}"><div class="lbl">{_e(label)}</div>'
            f'<div class="big">{_e(big)}</div>{of}<div class="note">{_e(note)}</div></div>')


def scores_html(report: CallReport) -> str:
    """Tone and content scores side by side, with what each is based on."""
    tone = report.tone.score
    measured = sum(1 for m in report.tone.metrics if m.score is not None)
    tnote = (f"{measured} of {len(report.tone.metrics)} metrics measured · rubric {report.tone.rubric_version}"
             if tone is not None else "nothing to measure: no agent speech found")
    cs = content_score(report)
    cnote = "wording: politeness, empathy, ownership" if cs is not None else NOT_SCORED
    warn = ""
    if report.warnings:
        warn = '<ul class="warnings">' + "".join(f"<li>{_e(w)}</li>" for w in report.warnings) + "</ul>"
    return (f'<div class="tc-report"><div class="scores">{_card("Tone", tone, tnote, "tone")}'
            f'{_card("Content", cs, cnote, "content")}</div>{warn}</div>')


def timeline_html(report: CallReport) -> str:
    """Pitch and energy over time, speaker turns, flagged moments, and the speaker-coloured transcript."""
    parts = H.render_sections(report)
    return f'<div class="tc-report">{parts["timeline"]}{parts["transcript"]}</div>'


def details_html(report: CallReport) -> str:
    """The tone metrics with their targets and evidence, then the content and conversation sections when there are."""
    return (f'<div class="tc-report">{H.render_sections(report)["tone"]}{content_section(report)}'
            f'{conversation_section(report)}</div>')


def split_message(fb: FeedbackItem) -> tuple[str, str]:
    """(finding, suggestion): the suggestion field, else the message's advice after its first sentence."""
    msg = fb.message.strip()
    if fb.suggestion:
        return msg, fb.suggestion
    parts = re.split(r"(?<=[.!?])\s+", msg, maxsplit=1)
    return (parts[0], parts[1]) if len(parts) == 2 else (msg, "")


def _evidence(ev: Mapping[str, Any]) -> str:
    """The measurement behind an item, value and threshold first; lists are counted, not dumped."""
    unit = ev.get("unit")
    keys = [k for k in ("value", "threshold") if k in ev] + [k for k in ev if k not in ("value", "threshold", "unit")]
    out = []
    for k in keys:
        v = ev[k]
        if v is None or isinstance(v, Mapping):
            continue
        name = k.replace("_", " ")
        if isinstance(v, (list, tuple)):
            out.append(f"{len(v)} {name}")
            continue
        if isinstance(v, float):
            v = f"{v:g}"
        out.append(f"{name} {v}{' ' + unit if unit and k in ('value', 'threshold') else ''}")
    return "; ".join(out)


def feedback_rows(report: CallReport) -> list[list[Any]]:
    rows = []
    for n, fb in enumerate(report.feedback, 1):
        finding, suggestion = split_message(fb)
        rows.append([n, f"{clock(fb.start_s)}–{clock(fb.end_s)}", fb.severity, f"{fb.category}: {finding}",
                     _evidence(fb.evidence), suggestion])
    return rows


def feedback_choices(report: CallReport) -> list[tuple[str, int]]:
    """Dropdown choices for "play this moment": (label, feedback index)."""
    return [(f"{n}. {clock(fb.start_s)} {fb.category}", n - 1) for n, fb in enumerate(report.feedback, 1)]


def agent_choices(report: CallReport) -> list[tuple[str, str]]:
    """Dropdown choices for "who is the agent": (label with talk time and first words, speaker id)."""
    out = []
    for sp in report.speakers:
        first = next((s.text for s in sorted(report.segments, key=lambda s: s.start_s) if s.speaker == sp.id), "")
        first = first if len(first) <= 60 else first[:57] + "..."
        role = "the agent now" if report.agent and report.agent.speaker == sp.id else sp.role
        out.append((f"{sp.id} ({role}, {sp.talk_time_s:.0f} s of talk): “{first}”", sp.id))
    return out


def agent_info(report: CallReport) -> str:
    """How the agent was chosen (automatically, or by whom), as the report's ``agent`` says."""
    a = report.agent
    if a is None:
        return ""
    return f"How it was chosen: {a.method}, {a.reason} ({a.confidence:.0%} confidence)"


def retake_choices(report: CallReport) -> list[tuple[str, int]]:
    """Flagged lines of the agent that can be re-recorded: (label with the line's text, feedback index)."""
    out = []
    for i, fb in enumerate(report.feedback):
        seg = flagged_segment(report, i)
        if seg is not None:
            text = seg.text if len(seg.text) <= 90 else seg.text[:87] + "..."
            out.append((f"{i + 1}. {clock(fb.start_s)} {fb.category}: “{text}”", i))
    return out


def retake_rows(r: Retake) -> list[list[Any]]:
    rows = []
    for m in r.rows:
        digits = 0 if m.unit == "wpm" else 1
        target = f"{m.target_low:g}–{m.target_high:g} {m.unit}" if m.target_low != m.target_high else f"{m.target_low:g} {m.unit}"
        label = ("▶ " if m.flagged else "") + m.label
        rows.append([label, f"{_fmt(m.before, digits)} {m.unit}", f"{_fmt(m.after, digits)} {m.unit}", target,
                     _fmt(m.points_before), _fmt(m.points_after)])
    return rows


# -- tables ----------------------------------------------------------------------------


def entry_rows(entries: Sequence[Entry]) -> list[list[Any]]:
    return [[e.report_id, e.agent, e.team or "", e.name or "", e.created_at.strftime("%Y-%m-%d %H:%M"),
             e.language or "", _fmt(e.tone_score), _fmt(e.content_score) if e.content_score is not None else NOT_SCORED,
             e.n_feedback, (f"yes ({e.reviewed_by})" if e.reviewed_by else "yes") if e.reviewed_at else "no"]
            for e in entries]


def entry_label(e: Entry) -> str:
    return f"#{e.report_id} · {e.agent} · {e.name or 'recording'} · {e.created_at:%Y-%m-%d}"


def comment_rows(comments: Sequence[CommentView]) -> list[list[Any]]:
    return [[clock(c.at_s) if c.at_s is not None else "whole call", f"{c.author} ({c.author_role.replace('_', ' ')})",
             c.text, c.created_at.strftime("%Y-%m-%d %H:%M")] for c in comments]


# -- style -----------------------------------------------------------------------------

_EXTRA_CSS = """
.scores{display:flex;gap:16px;flex-wrap:wrap}
.score{flex:1 1 180px;max-width:260px;text-align:left}
.score .lbl{font-size:13px;text-transform:uppercase;letter-spacing:.06em;margin:0 0 2px}
.score .big{display:inline-block}.score .of{display:inline-block;margin-left:4px}
.score.none .big{font-size:30px}
ul.warnings{margin:10px 0 0;padding:8px 12px 8px 28px;border-left:5px solid #e0a800;background:#fff8e1;border-radius:6px}
section h2{margin-top:14px}
"""


def report_css(scope: str = ".tc-report") -> str:
    """The HTML report's stylesheet with every rule scoped under ``scope`` (plus a few app-only rules)."""
    css = H.screen_css() + CONTENT_CSS.split("@media print", 1)[0] + _EXTRA_CSS
    out = []
    for sel, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        parts = []
        for s in sel.split(","):
            s = s.strip()
            if not s:
                continue
            if s == "main":  # the page's width and margins are the app's, not the report's
                continue
            if s in (":root", "body", "*"):
                parts.append(scope if s != "*" else f"{scope} *")
            else:
                parts.append(f"{scope} {s}")
        if parts:
            out.append(f"{','.join(parts)}{{{body}}}")
    return "\n".join(out)
