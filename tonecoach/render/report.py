"""Render a :class:`~tonecoach.report.CallReport` as one self-contained HTML page.

The page loads nothing: CSS, the timeline plot (inline SVG drawn here) and a
few lines of click-to-highlight JavaScript are all inline, so it can be
e-mailed, archived or opened offline. Every piece of report data is
HTML-escaped; transcript text carries ``dir="auto"`` so Hebrew and Arabic
render right to left.

Sections: header (file, duration, language, models, tone and content scores,
warnings), pitch/energy timeline with speaker turns and numbered feedback
markers, transcript, feedback list, tone metrics with their evidence, content
metrics (rendered generically) and the per-speaker prosody summary.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

from ..coaching import category_label, evidence_tail, fmt
from ..coaching import finite as _finite
from ..report import CallReport, FeedbackItem, Segment
from .content import CONTENT_CSS, content_section, highlight_markers, turn_markers
from .conversation import conversation_section
from .fmt import band, clock, esc
from .scorecard import SCORECARD_CSS, scorecard_section

__all__ = ["NARROW_MEDIA", "dark_css", "narrow_css", "render_html", "render_sections", "screen_css"]

# Okabe-Ito colours (colour-blind safe): (line/fill colour, darker text colour with >= 4.5:1 on white)
_PALETTE = (
    ("#0072B2", "#005485"),
    ("#D55E00", "#9E4500"),
    ("#009E73", "#00694C"),
    ("#CC79A7", "#8E3F6B"),
    ("#56B4E9", "#1F6A94"),
    ("#E69F00", "#855C00"),
    ("#555555", "#333333"),
)
_SEVERITY_FILL = {"major": "#C62828", "minor": "#E69F00", "info": "#5A6B7B"}
_ROLE_NAMES = {"agent": "Agent", "customer": "Customer"}

# plot geometry (px, in the SVG's own coordinates)
_W = 900
_LEFT, _RIGHT = 58, 24
_MARK_TOP, _MARK_ROW = 4, 16  # feedback number rows
_MARK_ROWS = 3
_TURN_H = 18
_PITCH_H, _ENERGY_H, _GAP = 150, 100, 22
_AXIS_H = 34
_MAX_POINTS = 1800  # per series; longer timelines are averaged into bins (2 per px)


def _num(v: Any) -> str:
    """A number for people: up to 3 significant digits below 100, whole numbers above."""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return str(v)
    f = _finite(v)
    if f is None:
        return str(v) if isinstance(v, str) else "—"
    if abs(f) >= 100 or f == int(f):
        return f"{f:.0f}"
    return f"{f:.3g}" if abs(f) >= 0.01 else f"{f:.2g}"


def _value(v: Any) -> str:
    """Any JSON-ish value as short text (lists and tuples print alike, so round trips match)."""
    if v is None:
        return "—"
    if isinstance(v, (bool, int, float)) or hasattr(v, "item"):
        return _num(v)
    if isinstance(v, str):
        return v
    if isinstance(v, Mapping):
        if "start_s" in v and "end_s" in v:  # a moment of the call: "0:10-0:13 235"
            rest = " ".join(_value(x) for k, x in v.items() if k not in ("start_s", "end_s"))
            return f"{clock(v['start_s'])}–{clock(v['end_s'])}" + (f" {rest}" if rest else "")
        return ", ".join(f"{k}: {_value(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        if v and all(isinstance(x, Mapping) and "start_s" in x for x in v):
            return "; ".join(_value(x) for x in v)
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return str(v)


def _with_unit(v: Any, unit: str | None) -> str:
    text = _num(v)
    if text == "—" or not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def _pct(p: Any) -> str:
    f = _finite(p)
    return "" if f is None else f"{f * 100:.0f}%"


# ----------------------------------------------------------------------------- speakers


class _Speakers:
    """Colour, role and display name for every speaker id seen in the report.

    The agent always takes the first colour and the others follow in the
    report's order, so a speaker keeps the agent's colour when a person
    corrects who the agent is. Text colours are classes (``c0``...), so the
    dark theme can lighten them.
    """

    def __init__(self, report: CallReport) -> None:
        ids: list[str] = [s.id for s in report.speakers]
        tl = report.timeline
        extra = [seg.speaker for seg in report.segments]
        for series in (tl.pitch_hz, tl.energy_db):
            extra.extend(str(k) for k in series)
        for sid in extra:
            if sid not in ids:
                ids.append(sid)
        roles = {s.id: s.role for s in report.speakers}
        agent = report.agent.speaker if report.agent is not None and report.agent.speaker in ids else \
            next((sid for sid in ids if roles.get(sid) == "agent"), None)
        order = ([agent] if agent else []) + [sid for sid in ids if sid != agent]
        self.ids = ids
        self.index = {sid: i for i, sid in enumerate(order)}
        self.roles = roles

    def slot(self, sid: str) -> int:
        return self.index.get(sid, len(_PALETTE) - 1) % len(_PALETTE)

    def colour(self, sid: str, *, text: bool = False) -> str:
        pair = _PALETTE[self.slot(sid)]
        return pair[1] if text else pair[0]

    def text_class(self, sid: str) -> str:
        return f"c{self.slot(sid)}"

    def name(self, sid: str) -> str:
        role = self.roles.get(sid, "unknown")
        return _ROLE_NAMES.get(role, "Speaker")

    def label_html(self, sid: str) -> str:
        return (
            f'<span class="spk {self.text_class(sid)}">'
            f'<span class="dot" style="background:{self.colour(sid)}"></span>{esc(self.name(sid))}</span>'
            f' <span class="sid">{esc(sid)}</span>'
        )


# ----------------------------------------------------------------------------- feedback <-> segments


def _overlaps(seg: Segment, fb: FeedbackItem) -> bool:
    return seg.start_s <= fb.end_s and fb.start_s <= seg.end_s


def _feedback_links(report: CallReport) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Feedback number -> segment indices and segment index -> feedback numbers (1-based)."""
    by_fb: dict[int, list[int]] = {}
    by_seg: dict[int, list[int]] = {}
    for n, fb in enumerate(report.feedback, 1):
        hits = [i for i, s in enumerate(report.segments) if _overlaps(s, fb)]
        own = [i for i in hits if fb.speaker is None or report.segments[i].speaker == fb.speaker]
        by_fb[n] = own or hits
        for i in by_fb[n]:
            by_seg.setdefault(i, []).append(n)
    return by_fb, by_seg


# ----------------------------------------------------------------------------- the SVG plot


def _series(values: Any, n: int) -> list[float | None]:
    vals = list(values or ())[:n]
    return [_finite(v) for v in vals] + [None] * (n - len(vals))


def _downsample(times: list[float], series: list[list[float | None]]) -> tuple[list[float], list[list[float | None]]]:
    """Average into at most ``_MAX_POINTS`` bins; a bin is a gap only when all its frames are."""
    n = len(times)
    if n <= _MAX_POINTS:
        return times, series
    k = math.ceil(n / _MAX_POINTS)
    new_t = [sum(times[i : i + k]) / len(times[i : i + k]) for i in range(0, n, k)]
    out = []
    for s in series:
        col = []
        for i in range(0, n, k):
            vals = [v for v in s[i : i + k] if v is not None]
            col.append(sum(vals) / len(vals) if vals else None)
        out.append(col)
    return new_t, out


def _nice_step(span: float, target: int) -> float:
    raw = span / max(target, 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def _time_step(duration_s: float) -> float:
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200):
        if duration_s / step <= 10:
            return float(step)
    return 14400.0


def _path(xs: Sequence[float], ys: Sequence[float | None]) -> str:
    """SVG path data with a new sub-path after every gap, coordinates to 1 decimal."""
    parts: list[str] = []
    pen_down = False
    for x, y in zip(xs, ys):
        if y is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{x:.1f} {y:.1f}")
        pen_down = True
    return "".join(parts)


def _svg_timeline(report: CallReport, spk: _Speakers) -> str:
    tl = report.timeline
    times = [_finite(t) for t in tl.times_s]
    hop = _finite(tl.hop_s)
    pitch_map = tl.pitch_hz
    energy_map = tl.energy_db
    if not times and hop and (pitch_map or energy_map):
        n = max((len(v or ()) for v in (*pitch_map.values(), *energy_map.values())), default=0)
        times = [i * hop for i in range(n)]
    if not times or any(t is None for t in times) or not (pitch_map or energy_map):
        return ""
    n = len(times)
    keys = [str(k) for k in pitch_map] + [str(k) for k in energy_map if str(k) not in map(str, pitch_map)]
    keys.sort(key=lambda k: spk.index.get(k, 99))
    pitch = {str(k): _series(v, n) for k, v in pitch_map.items()}
    energy = {str(k): _series(v, n) for k, v in energy_map.items()}
    t_ds, cols = _downsample(times, [pitch[k] for k in pitch] + [energy[k] for k in energy])
    pitch = dict(zip(pitch, cols[: len(pitch)]))
    energy = dict(zip(energy, cols[len(pitch) :]))

    duration = max(_finite(report.audio.duration_s) or 0.0, times[-1], max((s.end_s for s in report.segments), default=0.0))
    duration = max(duration, 1.0)
    plot_w = _W - _LEFT - _RIGHT
    x_of = lambda t: _LEFT + plot_w * min(max(t, 0.0), duration) / duration

    y_marks = _MARK_TOP
    y_turns = y_marks + _MARK_ROWS * _MARK_ROW + 4
    y_pitch = y_turns + _TURN_H + 8
    y_energy = y_pitch + _PITCH_H + _GAP
    y_axis = y_energy + _ENERGY_H
    height = y_axis + _AXIS_H

    out: list[str] = [
        (
            f'<svg class="plot" viewBox="0 0 {_W} {height}" width="{_W}" height="{height}" role="img" '
            'aria-labelledby="plot-title plot-desc" font-family="system-ui, sans-serif" font-size="11">'
        ),
        '<title id="plot-title">Pitch and energy timeline</title>',
        (
            '<desc id="plot-desc">Speaker turns as coloured bands, pitch in hertz per speaker (upper panel), '
            "energy in dBFS per speaker (lower panel), numbered coaching moments as shaded spans.</desc>"
        ),
    ]

    # --- panels and y axes
    def y_axis_panel(top: float, h: float, lo: float, hi: float, unit: str, label: str) -> tuple[str, Any]:
        step = _nice_step(hi - lo, 4)
        lo_t = math.ceil(lo / step) * step
        y_of = lambda v: top + h - h * (min(max(v, lo), hi) - lo) / (hi - lo)
        g = [f'<rect x="{_LEFT}" y="{top}" width="{plot_w}" height="{h}" class="panel"/>']
        v = lo_t
        while v <= hi + 1e-9:
            y = y_of(v)
            g.append(f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
            g.append(f'<text x="{_LEFT - 4}" y="{y + 3.5:.1f}" text-anchor="end" class="tick">{v:g}</text>')
            v += step
        g.append(
            f'<text transform="translate(12 {top + h / 2:.1f}) rotate(-90)" text-anchor="middle" '
            f'class="axis-label">{esc(label)} ({esc(unit)})</text>'
        )
        return "".join(g), y_of

    voiced = [v for s in pitch.values() for v in s if v is not None]
    p_lo = max(50.0, min(voiced) * 0.9) if voiced else 75.0
    p_hi = min(800.0, max(voiced) * 1.05) if voiced else 300.0
    if p_hi - p_lo < 40:
        p_lo, p_hi = max(40.0, p_lo - 20), p_hi + 20
    loud = sorted(v for s in energy.values() for v in s if v is not None)
    e_lo = max(-90.0, loud[int(0.02 * (len(loud) - 1))] - 3) if loud else -60.0
    e_hi = min(0.0, loud[-1] + 3) if loud else 0.0
    if e_hi - e_lo < 10:
        e_lo = e_hi - 10
    g_pitch, py = y_axis_panel(y_pitch, _PITCH_H, p_lo, p_hi, "Hz", "Pitch")
    g_energy, ey = y_axis_panel(y_energy, _ENERGY_H, e_lo, e_hi, "dBFS", "Energy")
    out.append(g_pitch)
    out.append(g_energy)

    # --- x axis (mm:ss ticks)
    step = _time_step(duration)
    t = 0.0
    while t <= duration + 1e-9:
        x = x_of(t)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y_pitch}" y2="{y_axis}" class="vgrid"/>')
        out.append(f'<text x="{x:.1f}" y="{y_axis + 15}" text-anchor="middle" class="tick">{clock(t)}</text>')
        t += step
    out.append(f'<text x="{_LEFT + plot_w / 2:.1f}" y="{height - 2}" text-anchor="middle" class="axis-label">time (mm:ss)</text>')

    # --- speaker turns
    out.append(f'<text x="{_LEFT - 4}" y="{y_turns + 12.5}" text-anchor="end" class="tick">turns</text>')
    for i, seg in enumerate(report.segments):
        x0, x1 = x_of(seg.start_s), x_of(seg.end_s)
        out.append(
            f'<a href="#seg-{i}"><rect x="{x0:.1f}" y="{y_turns}" width="{max(x1 - x0, 0.8):.1f}" '
            f'height="{_TURN_H}" fill="{spk.colour(seg.speaker)}" opacity="0.85">'
            f"<title>{esc(spk.name(seg.speaker))} {esc(seg.speaker)} {clock(seg.start_s)}–{clock(seg.end_s)}</title>"
            "</rect></a>"
        )

    # --- feedback spans and numbered markers (staggered into rows so numbers do not collide)
    row_end = [-1e9] * _MARK_ROWS
    for n, fb in enumerate(report.feedback, 1):
        x0, x1 = x_of(fb.start_s), x_of(fb.end_s)
        colour = _SEVERITY_FILL.get(fb.severity, _SEVERITY_FILL["info"])
        cx = (x0 + x1) / 2
        row = next((r for r in range(_MARK_ROWS) if cx - row_end[r] >= 16), min(range(_MARK_ROWS), key=row_end.__getitem__))
        row_end[row] = cx
        cy = y_marks + row * _MARK_ROW + 7
        out.append(
            f'<a href="#fb-{n}" data-fb="{n}" class="fbm fbm-{n}"><title>{n}. {esc(fb.category)}: {esc(fb.message)}</title>'
            f'<rect x="{x0:.1f}" y="{y_pitch}" width="{max(x1 - x0, 2.0):.1f}" height="{y_axis - y_pitch}" '
            f'fill="{colour}" class="fbspan"/>'
            f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{cy + 7:.1f}" y2="{y_pitch}" stroke="{colour}" stroke-width="1"/>'
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="7" fill="{colour}"/>'
            f'<text x="{cx:.1f}" y="{cy + 3.5:.1f}" text-anchor="middle" class="fbnum">{n}</text></a>'
        )

    # --- lines
    xs = [x_of(t) for t in t_ds]
    for k in keys:
        for data, y_of, cls in ((pitch.get(k), py, "pitch"), (energy.get(k), ey, "energy")):
            if not data:
                continue
            d = _path(xs, [None if v is None else y_of(v) for v in data])
            if d:
                out.append(
                    f'<path d="{d}" class="{cls}" stroke="{spk.colour(k)}"><title>{esc(spk.name(k))} {esc(k)} {cls}</title></path>'
                )
    out.append("</svg>")
    return "".join(out)


# ----------------------------------------------------------------------------- HTML sections


def _header(report: CallReport) -> str:
    path = report.audio.path
    name = os.path.basename(path.replace("\\", "/")) if path else "(audio without a file name)"
    lang = report.language
    lang_text = esc(lang.code or "unknown")
    if lang.forced:
        lang_text += " (forced)"
    elif lang.code:
        lang_text += f" ({_pct(lang.probability)})"
    facts = [
        ("Duration", clock(report.audio.duration_s)),
        ("Language", lang_text),
        (
            "Audio",
            esc(
                f"{report.audio.channels} ch, {report.audio.sample_rate} Hz"
                + (f", {report.audio.codec}" if report.audio.codec else "")
            ),
        ),
        ("Models", esc(_value(dict(report.models))) if report.models else "—"),
    ]
    if report.agent is not None:
        a = report.agent
        facts.append(("Agent", esc(f"{a.speaker or 'not identified'} — {a.method}: {a.reason} ({_pct(a.confidence)} confidence)")))
    if report.created_at:
        facts.append(("Analysed", esc(report.created_at)))
    dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
    unsure = _agent_unsure(report)

    def score_box(label: str, value: Any, note: str) -> str:
        f = _finite(value)
        shown = f"{f:.0f}" if f is not None else "—"
        cls = band(f).name
        note = note or ("not measured" if f is None else "")
        return (
            f'<div class="score {cls}"><div class="big">{shown}</div><div class="of">/ 100</div>'
            f'<div class="lbl">{esc(label)}</div><div class="note">{esc(note)}</div></div>'
        )

    scores = [
        score_box("Tone score", report.tone.score, f"rubric {report.tone.rubric_version}" if report.tone.rubric_version else "")
    ]
    if report.content is not None:
        c = report.content
        scores.append(score_box("Content score", c.score, "via translation" if c.via_translation else ""))
        overall = c.overall
        if overall is not None:
            scores.append(score_box("Overall", overall.score,
                                    f"tone {_pct(overall.tone_weight)}, content {_pct(overall.content_weight)}"))
    warn = ""
    shown = [w for w in report.warnings if not (unsure and w == _unsure_text(report))]
    if shown:
        items = "".join(f"<li>{esc(w)}</li>" for w in shown)
        warn = f'<div class="warnings" role="alert"><strong>Warnings</strong><ul>{items}</ul></div>'
    return (
        f'<header><div class="title"><h1><span class="kicker">Call report</span> {esc(name)}</h1>'
        f'<dl class="facts">{dl}</dl></div>{unsure}<div class="scores">{"".join(scores)}</div></header>{warn}'
    )


def _unsure_text(report: CallReport) -> str:
    from ..analysis.agent import unsure_message

    return unsure_message(report.agent)


def _agent_unsure(report: CallReport) -> str:
    """"Is S2 the agent? tonecoach is not sure", with the evidence, above the scores (empty when sure)."""
    from ..analysis.agent import is_unsure

    a = report.agent
    if a is None or not is_unsure(a):
        return ""
    if a.speaker is None:
        head = "No agent to coach? tonecoach found only customer speech"
    else:
        head = f"Is {a.speaker} the agent? tonecoach is not sure ({_pct(a.confidence)})"
    rows = "".join(
        f"<li>{clock(e.start_s)} {esc(e.speaker)}: {esc(e.text)} "
        f'<span class="w">({"+" if e.weight > 0 else ""}{e.weight:.1f})</span></li>'
        for e in a.evidence[:12]
    )
    ev = f"<ul>{rows}</ul>" if rows else ""
    return (
        f'<div class="agent-unsure" role="alert"><strong>{esc(head)}</strong><p>{esc(a.reason)}</p>{ev}'
        "<p>If this is wrong, analyse again with <code>--agent-speaker</code> naming the agent, or use "
        "<em>Who is the agent?</em> in the web app.</p></div>"
    )


def _timeline_section(report: CallReport, spk: _Speakers) -> str:
    svg = _svg_timeline(report, spk)
    if not svg:
        return (
            '<section id="timeline"><h2>Timeline</h2><p class="empty">No timeline: '
            "no speech was found in this call, so there is no pitch or energy to plot.</p></section>"
        )
    legend = "".join(
        f'<span class="key"><span class="swatch" style="background:{spk.colour(s)}"></span>'
        f'{esc(spk.name(s))} <span class="sid">{esc(s)}</span></span>'
        for s in spk.ids
    )
    sev = "".join(
        f'<span class="key"><span class="swatch sev" style="background:{c}"></span>{k} feedback</span>'
        for k, c in _SEVERITY_FILL.items()
    )
    return (
        '<section id="timeline"><h2>Timeline</h2>'
        '<p class="swipe">Swipe sideways to see the whole call.</p>'
        f'<div class="plotwrap">{svg}</div><p class="legend">{legend}{sev}'
        '<span class="key">upper panel: pitch, lower panel: loudness; gaps are unvoiced or silent</span></p></section>'
    )


def _transcript_section(report: CallReport, spk: _Speakers, by_seg: Mapping[int, list[int]]) -> str:
    if not report.segments:
        return '<section id="transcript"><h2>Transcript</h2><p class="empty">No speech was found in this call.</p></section>'
    rows = []
    turn_marks = turn_markers(report.content)
    for i, seg in enumerate(report.segments):
        fbs = by_seg.get(i, [])
        marks = "".join(f'<a href="#fb-{n}" data-fb="{n}" class="fbref">{n}</a>' for n in fbs)
        cls = ' class="flagged"' if fbs else ""
        data = f' data-fbs="{" ".join(map(str, fbs))}"' if fbs else ""
        rows.append(
            f'<tr id="seg-{i}"{cls}{data} data-c="{spk.slot(seg.speaker)}" style="border-left-color:{spk.colour(seg.speaker)}">'
            f'<td class="time" title="{clock(seg.start_s)}–{clock(seg.end_s)}">{clock(seg.start_s)}</td>'
            f'<td class="who">{spk.label_html(seg.speaker)}</td>'
            f'<td class="text" dir="auto">'
            f'{highlight_markers(seg.text, turn_marks.get(i, ()))}</td>'
            f'<td class="marks">{marks}</td></tr>'
        )
    return (
        '<section id="transcript"><h2>Transcript</h2><table class="transcript"><thead><tr>'
        '<th scope="col">Time</th><th scope="col">Speaker</th><th scope="col">Text</th>'
        f'<th scope="col"><span class="sr">Feedback</span></th></tr></thead><tbody>{"".join(rows)}</tbody></table></section>'
    )


def _feedback_section(report: CallReport, spk: _Speakers, by_fb: Mapping[int, list[int]]) -> str:
    if not report.feedback:
        return '<section id="feedback"><h2>Feedback</h2><p class="empty">No coaching points for this call.</p></section>'
    items = []
    for n, fb in enumerate(report.feedback, 1):
        label = category_label(fb, report)
        segs = by_fb.get(n, [])
        when = f"{clock(fb.start_s)}–{clock(fb.end_s)}"
        when_html = f'<a href="#seg-{segs[0]}" data-fb="{n}">{when}</a>' if segs else when
        who = f" · {spk.label_html(fb.speaker)}" if fb.speaker else ""
        ev = "".join(f'<li><span class="k">{esc(k)}</span>: {esc(_value(v))}</li>' for k, v in fb.evidence.items())
        ev_html = f'<ul class="evidence">{ev}</ul>' if ev else ""
        sugg = (
            f'<p class="suggestion"><strong>Try:</strong> <span dir="auto">{esc(fb.suggestion)}</span></p>'
            if fb.suggestion
            else ""
        )
        items.append(
            f'<li id="fb-{n}" data-fb="{n}" class="fb sev-{esc(fb.severity)}"><div class="fbhead">'
            f'<span class="num">{n}</span><span class="when">{when_html}</span>'
            f'<span class="badge sev-{esc(fb.severity)}">{esc(fb.severity)}</span>'
            f'<span class="cat" title="{esc(fb.category)}">{esc(label)}</span>{who}</div>'
            f'<p class="msg" dir="auto">{esc(fb.message)}</p>{ev_html}{sugg}</li>'
        )
    return f'<section id="feedback"><h2>Feedback</h2><ol class="feedback">{"".join(items)}</ol></section>'


def _target(lo: Any, hi: Any, unit: str | None) -> str:
    lo_s, hi_s = _finite(lo), _finite(hi)
    if lo_s is None and hi_s is None:
        return "—"
    if hi_s is None:
        return "≥ " + _with_unit(lo_s, unit)
    if lo_s is None:
        return "≤ " + _with_unit(hi_s, unit)
    sep = " to " if lo_s < 0 or hi_s < 0 else "–"
    return f"{_num(lo_s)}{sep}{_with_unit(hi_s, unit)}"


def _score_cell(score: Any) -> str:
    f = _finite(score)
    if f is None:
        return '<td class="score-cell none" data-label="Score">not measured</td>'
    w = max(0.0, min(100.0, f))
    cls = band(f).name
    return (
        f'<td class="score-cell {cls}" data-label="Score"><span class="bar"><span style="width:{w:.0f}%"></span></span>'
        f'<span class="sv">{f:.0f}</span></td>'
    )


def _tone_section(report: CallReport) -> str:
    metrics = report.tone.metrics
    if not metrics:
        return '<section id="tone"><h2>Tone metrics</h2><p class="empty">No tone metrics were measured.</p></section>'
    rows = []
    for m in metrics:
        src = f'<div class="src">{esc(m.source)}</div>' if m.source else ""
        value = fmt(m.value, m.unit) if _finite(m.value) is not None else "—"
        rows.append(
            f'<tr><th scope="row" title="{esc(m.source or m.name)}">{esc(m.label or m.name)}{src}</th>'
            f'<td class="num" data-label="Value">{esc(value)}</td>'
            f'<td class="num" data-label="Target">{esc(_target(m.target_low, m.target_high, m.unit))}</td>'
            f'{_score_cell(m.score)}<td class="num" data-label="Weight">{esc(_num(m.weight))}</td>'
            f'<td class="ev" dir="auto" data-label="Evidence">{esc(evidence_tail(m.evidence))}</td></tr>'
        )
    ver = f' <span class="sub">rubric {esc(report.tone.rubric_version)}</span>' if report.tone.rubric_version else ""
    return (
        f'<section id="tone"><h2>Tone metrics{ver}</h2><table class="metrics"><thead><tr>'
        '<th scope="col">Metric</th><th scope="col">Value</th><th scope="col">Target</th>'
        '<th scope="col">Score</th><th scope="col">Weight</th><th scope="col">Evidence</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _speakers_section(report: CallReport, spk: _Speakers) -> str:
    if not report.speakers:
        return ""
    keys: list[str] = []
    for s in report.speakers:
        keys.extend(k for k in s.prosody if k not in keys)
    head = "".join(f'<th scope="col">{spk.label_html(s.id)}</th>' for s in report.speakers)
    rows = [
        '<tr><th scope="row">talk time</th>'
        + "".join(f'<td class="num">{clock(s.talk_time_s)}</td>' for s in report.speakers)
        + "</tr>"
    ]
    if any(s.channel is not None for s in report.speakers):
        rows.append(
            '<tr><th scope="row">channel</th>'
            + "".join(f'<td class="num">{esc(_value(s.channel))}</td>' for s in report.speakers)
            + "</tr>"
        )
    for k in keys:
        rows.append(
            f'<tr><th scope="row">{esc(k)}</th>'
            + "".join(f'<td class="num">{esc(_value(s.prosody.get(k)))}</td>' for s in report.speakers)
            + "</tr>"
        )
    return (
        '<section id="speakers"><h2>Speakers</h2><table class="metrics prosody"><thead><tr>'
        f'<th scope="col">Prosody</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></section>'
    )


_CSS = """
:root{--fg:#1d232a;--muted:#5b6570;--line:#d5dbe1;--bg:#fff;--soft:#f4f6f8;--panel:#fbfcfd;--panel-line:#c3cbd3;
 --grid:#e3e8ec;--vgrid:#eef1f4;--axis:#3c4650;--flag:#fff6e0;--hl:#ffefc2;--hl-line:#e69f00;--sugg:#eaf5ee;
 --warn:#fff8e1;--warn-line:#e0a800;--link:#005485;--good:#1b6e3a;--ok:#8a5a00;--low:#b3261e;--bar:#e6eaee;--ref:#5b6570;
 --maj-bg:#fde7e6;--maj-fg:#8a1c14;--maj-line:#e8a29d;--min-bg:#fff1cc;--min-fg:#6e4a00;--min-line:#e8c66a;
 --inf-bg:#e8eef5;--inf-fg:#23456b;--inf-line:#a9bdd3;--helps:#d7f0e3;--hurts:#fbe0d6;--neutral:#eef1f4;
 --hurts-fg:#9E4500;--helps-fg:#00694C;
 --c0:#005485;--c1:#9E4500;--c2:#00694C;--c3:#8E3F6B;--c4:#1F6A94;--c5:#855C00;--c6:#333333}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Hebrew","Noto Sans Arabic",sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1000px;margin:0 auto;padding:20px 24px 40px}
h1{font-size:22px;margin:0 0 8px;word-break:break-all;color:var(--fg)}
h1 .kicker{display:block;font-size:12px;text-transform:uppercase;letter-spacing:.08em;color:var(--muted);font-weight:600}
h2{font-size:17px;margin:28px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--line);color:var(--fg)}
h3{font-size:14px;margin:16px 0 6px;color:var(--fg)}
header{display:flex;gap:24px;justify-content:space-between;align-items:flex-start;flex-wrap:wrap}
.title{flex:1 1 420px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0;font-size:13px}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;word-break:break-word}
.scores{display:flex;gap:12px}
.score{width:150px;border:1px solid var(--line);border-radius:8px;padding:10px;text-align:center;background:var(--soft);color:var(--fg)}
.score .big{font-size:44px;font-weight:700;line-height:1}.score .of{color:var(--muted);font-size:12px}
.score .lbl{font-weight:600;margin-top:4px;color:var(--fg)}.score .note{color:var(--muted);font-size:11px}
.score.good .big{color:var(--good)}.score.ok .big{color:var(--ok)}.score.low .big{color:var(--low)}.score.none .big{color:var(--muted)}
.agent-unsure{flex-basis:100%;margin:0 0 12px;padding:10px 14px;border:1px solid var(--low);border-left:6px solid var(--low);background:var(--maj-bg);color:var(--fg);border-radius:6px}
.agent-unsure ul{margin:4px 0;padding-left:20px}.agent-unsure .w{color:var(--muted)}
.warnings{margin:16px 0 0;padding:10px 14px;border:1px solid var(--warn-line);border-left:6px solid var(--warn-line);background:var(--warn);border-radius:6px;color:var(--fg)}
.warnings ul{margin:4px 0 0;padding-left:20px}
.plotwrap{overflow-x:auto}
svg.plot{display:block;max-width:100%;height:auto}
svg .panel{fill:var(--panel);stroke:var(--panel-line)}
svg .grid{stroke:var(--grid)}svg .vgrid{stroke:var(--vgrid)}
svg .tick{fill:var(--muted)}svg .axis-label{fill:var(--axis);font-weight:600}
svg path{fill:none;stroke-linejoin:round;stroke-linecap:round}
svg .pitch{stroke-width:1.6}svg .energy{stroke-width:1.1;opacity:.9}
svg .fbspan{opacity:.13}
svg .fbnum{fill:#fff;font-weight:700;font-size:10px}
svg .fbm:hover .fbspan,svg .fbm.hl .fbspan{opacity:.3}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;font-size:12px;color:var(--muted);margin:6px 0 0}
.key{display:inline-flex;align-items:center;gap:5px;color:var(--muted)}
.swatch{display:inline-block;width:14px;height:8px;border-radius:2px}.swatch.sev{opacity:.5}
.sid{color:var(--muted);font-size:11px;font-weight:400}
.spk{font-weight:600;white-space:nowrap}
.c0{color:var(--c0)}.c1{color:var(--c1)}.c2{color:var(--c2)}.c3{color:var(--c3)}.c4{color:var(--c4)}.c5{color:var(--c5)}.c6{color:var(--c6)}
tr[data-c="0"] td.text{color:var(--c0)}tr[data-c="1"] td.text{color:var(--c1)}tr[data-c="2"] td.text{color:var(--c2)}
tr[data-c="3"] td.text{color:var(--c3)}tr[data-c="4"] td.text{color:var(--c4)}tr[data-c="5"] td.text{color:var(--c5)}
tr[data-c="6"] td.text{color:var(--c6)}
.dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:5px;vertical-align:baseline}
table{border-collapse:collapse;width:100%;color:var(--fg)}
th,td{text-align:start;vertical-align:top;padding:5px 8px;border-bottom:1px solid var(--line)}
th{color:var(--fg)}
thead th{font-size:12px;color:var(--muted);font-weight:600;border-bottom:2px solid var(--line)}
table.transcript tr{border-left:4px solid transparent}
table.transcript td.time{font-variant-numeric:tabular-nums;color:var(--muted);white-space:nowrap;width:4.5em}
table.transcript td.who{white-space:nowrap;width:1%}
table.transcript td.marks{width:1%;white-space:nowrap}
table.transcript tr.flagged{background:var(--flag)}
tr.hl,li.hl,li.fb:target{outline:2px solid var(--hl-line);background:var(--hl) !important}
a.fbref{display:inline-block;min-width:18px;padding:0 5px;margin-left:3px;border-radius:9px;background:var(--ref);color:#fff;font-size:11px;font-weight:700;text-align:center;text-decoration:none}
ol.feedback{list-style:none;padding:0;margin:0}
li.fb{border:1px solid var(--line);border-left:5px solid #5a6b7b;border-radius:6px;padding:8px 12px;margin:0 0 8px;color:var(--fg)}
li.fb.sev-major{border-left-color:#c62828}li.fb.sev-minor{border-left-color:#e69f00}
.fbhead{display:flex;flex-wrap:wrap;gap:8px;align-items:center}
.fbhead .num{font-weight:700;min-width:1.5em}
.fbhead .when{font-variant-numeric:tabular-nums}
.fbhead .cat{font-weight:600}
.badge{font-size:11px;font-weight:700;text-transform:uppercase;padding:1px 7px;border-radius:10px;border:1px solid;white-space:nowrap}
.badge.sev-major{background:var(--maj-bg);color:var(--maj-fg);border-color:var(--maj-line)}
.badge.sev-minor{background:var(--min-bg);color:var(--min-fg);border-color:var(--min-line)}
.badge.sev-info{background:var(--inf-bg);color:var(--inf-fg);border-color:var(--inf-line)}
.msg{margin:4px 0}
ul.evidence{list-style:none;display:flex;flex-wrap:wrap;gap:4px 14px;padding:0;margin:2px 0;font-size:12px;color:var(--muted)}
ul.evidence .k{font-weight:600}
.suggestion{margin:4px 0 0;padding:4px 8px;background:var(--sugg);border-radius:4px;color:var(--fg)}
table.metrics td.num{white-space:nowrap;font-variant-numeric:tabular-nums}
table.metrics .src{font-size:11px;color:var(--muted);font-weight:400}
table.metrics td.ev{font-size:12.5px}
.score-cell{white-space:nowrap}.score-cell.none{color:var(--muted);font-style:italic}
.bar{display:inline-block;width:50px;height:7px;background:var(--bar);border-radius:4px;margin-right:6px;vertical-align:middle;overflow:hidden}
.bar span{display:block;height:100%;background:#5b6570}
.good .bar span{background:#2e8b57}.ok .bar span{background:#e0a800}.low .bar span{background:#c62828}
.sub{font-size:12px;color:var(--muted);font-weight:400}
.empty{color:var(--muted);font-style:italic}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.swipe{display:none;font-size:12px;color:var(--muted);margin:2px 0 4px}
footer{margin-top:32px;font-size:12px;color:var(--muted)}
a{color:var(--link)}
@media print{
 body{font-size:11px}main{max-width:none;padding:0}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 h2{break-after:avoid}tr,li.fb,.score,svg{break-inside:avoid}
 a{color:inherit;text-decoration:none}
}
"""

#: the dark theme: the same rules with light text on dark backgrounds (WCAG AA contrast, 4.5:1 and over), and the
#: scorecard's answer colours made light
_DARK_CSS = """
:root{--fg:#e6eaee;--muted:#aab4be;--line:#3b444e;--bg:#111418;--soft:#1b2128;--panel:#161b21;--panel-line:#4a545e;
 --grid:#2b333c;--vgrid:#222931;--axis:#d0d7dd;--flag:#33291a;--hl:#54420f;--hl-line:#e6a817;--sugg:#1c3226;
 --warn:#352c14;--warn-line:#c99a1a;--link:#8cc8f2;--good:#74d69f;--ok:#f2c462;--low:#ff8f85;--bar:#2b333c;--ref:#6b7683;
 --maj-bg:#4a1f1c;--maj-fg:#ffb8b0;--maj-line:#8c3a33;--min-bg:#3d3214;--min-fg:#f6d27a;--min-line:#7d6526;
 --inf-bg:#1e2b3a;--inf-fg:#acc9ee;--inf-line:#3d5673;--helps:#1e4a35;--hurts:#5a2b1f;--neutral:#2b333c;
 --hurts-fg:#ffb08a;--helps-fg:#7fe0bf;
 --c0:#8cc8f2;--c1:#ffa56e;--c2:#63d8b3;--c3:#f0a9cf;--c4:#a3d8f6;--c5:#ffcb55;--c6:#c8c8c8}
table.qa td.ans.yes{color:var(--good)}table.qa td.ans.no,.qa-score .no{color:var(--low)}
"""

#: narrow screens (phones): transcript and tables as cards, a timeline wide enough to read (swiped sideways)
_NARROW_CSS = """
main{padding:12px 12px 32px}
header{gap:12px}
.scores{flex-wrap:wrap}
.plotwrap{margin:0 -4px}
svg.plot{min-width:720px;max-width:none}
svg.plot text{font-size:16px}
svg.plot text.fbnum{font-size:10px}
.swipe{display:block}
table.transcript,table.transcript tbody{display:block}
table.transcript thead{display:none}
table.transcript tr{display:grid;grid-template-columns:auto 1fr auto;column-gap:8px;padding:6px 8px;border-bottom:1px solid var(--line)}
table.transcript td{border:0;padding:0;width:auto}
table.transcript td.time{width:auto}
table.transcript td.text{grid-column:1/-1;padding-top:2px}
table.metrics,table.metrics tbody,table.metrics tr,table.metrics th,table.metrics td{display:block;width:auto}
table.metrics thead{display:none}
table.metrics tr{padding:6px 0;border-bottom:1px solid var(--line)}
table.metrics th,table.metrics td{border:0;padding:1px 0}
table.metrics td[data-label]::before{content:attr(data-label) ": ";color:var(--muted);font-size:12px}
table.metrics td.num{white-space:normal}
"""

_JS = """
document.addEventListener('click',function(e){
 var t=e.target.closest?e.target.closest('[data-fb]'):null;if(!t)return;
 var n=t.getAttribute('data-fb');
 document.querySelectorAll('.hl').forEach(function(x){x.classList.remove('hl')});
 document.querySelectorAll('[data-fbs~="'+n+'"],#fb-'+n+',.fbm-'+n).forEach(function(x){x.classList.add('hl')});
});
"""


def render_sections(report: CallReport) -> dict[str, str]:
    """The report's sections as HTML fragments, for pages that embed them (the web app).

    Keys: ``timeline`` (pitch and energy plot), ``transcript`` (speaker
    coloured, flagged moments linked), ``feedback``, ``tone`` (metrics with
    targets and evidence). Style them with :func:`screen_css`.
    """
    spk = _Speakers(report)
    by_fb, by_seg = _feedback_links(report)
    return {"timeline": _timeline_section(report, spk), "transcript": _transcript_section(report, spk, by_seg),
            "feedback": _feedback_section(report, spk, by_fb), "tone": _tone_section(report)}


def screen_css() -> str:
    """The report's stylesheet for the screen (its print rules left out), light theme, wide screens."""
    return _CSS.split("@media print", 1)[0]


def dark_css() -> str:
    """The dark theme's rules (its colour variables, and the few colours set outright), to put under
    ``prefers-color-scheme: dark`` or a ``.dark`` class."""
    return _DARK_CSS


def narrow_css() -> str:
    """The rules for narrow screens (under 640 px), to put under a media query."""
    return _NARROW_CSS


NARROW_MEDIA = "(max-width: 640px)"


def render_html(report: CallReport) -> str:
    """Render a call report as one self-contained HTML page.

    Parameters
    ----------
    report : CallReport
        Any report, including one with no speech (empty segments and timeline).

    Returns
    -------
    str
        A complete HTML5 document (``<!DOCTYPE html>`` ... ``</html>``) that
        loads no external resource. The output depends only on the report's
        content, so a report and its ``CallReport.from_dict(report.to_dict())``
        round trip render identically.
    """
    spk = _Speakers(report)
    by_fb, by_seg = _feedback_links(report)
    path = report.audio.path
    title = os.path.basename(path.replace("\\", "/")) if path else "call"
    foot = [
        "tonecoach" + (f" {report.tonecoach_version}" if report.tonecoach_version else ""),
        f"report schema {report.schema_version}",
    ]
    if report.timings_s:
        total = _finite(sum(v for v in (_finite(x) for x in report.timings_s.values()) if v is not None))
        foot.append(f"analysis took {_num(total)} s")
    body = "".join(
        (
            _header(report),
            _timeline_section(report, spk),
            _transcript_section(report, spk, by_seg),
            _feedback_section(report, spk, by_fb),
            _tone_section(report),
            content_section(report),
            conversation_section(report),
            scorecard_section(report),
            _speakers_section(report, spk),
        )
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark">'
        f"<title>tonecoach · {esc(title)}</title><style>{_CSS}{CONTENT_CSS}{SCORECARD_CSS}"
        f"@media (prefers-color-scheme: dark){{{_DARK_CSS}}}@media {NARROW_MEDIA}{{{_NARROW_CSS}}}</style></head>"
        f"<body><main>{body}<footer>{esc(' · '.join(foot))}</footer></main>"
        f"<script>{_JS}</script></body></html>\n"
    )
