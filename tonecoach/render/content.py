"""The content side of the HTML report: summary, content metrics, customer sentiment, wording markers.

Every value is HTML-escaped. Text in the call's language (transcript
snippets, phrases, suggested rewordings) is wrapped in ``<bdi>`` or carries
``dir="auto"``, so Hebrew renders right to left inside left-to-right pages
and English inside Hebrew lines keeps its order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..coaching import fmt
from .fmt import band, clock, esc

__all__ = ["content_section", "highlight_markers", "turn_markers", "CONTENT_CSS"]


def _num(v: Any, fmt: str = "{:.0f}") -> str:
    return fmt.format(v) if isinstance(v, (int, float)) and math.isfinite(v) else "—"


def turn_markers(content: Any) -> dict[int, list[Mapping[str, Any]]]:
    """Segment index -> its markers, from a report's ``content`` (empty when absent)."""
    out: dict[int, list[Mapping[str, Any]]] = {}
    if content is None:
        return out
    for t in content.turns:
        if isinstance(t, Mapping) and isinstance(t.get("segment"), int):
            out[t["segment"]] = [m for m in t.get("markers") or () if isinstance(m, Mapping)]
    return out


def highlight_markers(text: str, markers: Sequence[Mapping[str, Any]]) -> str:
    """``text`` escaped, with each marker's characters in ``<mark class="helps|hurts|neutral">``.

    Overlapping markers: the earlier (then longer) one wins.
    """
    spans = []
    for m in markers:
        a, b = m.get("char_start"), m.get("char_end")
        if isinstance(a, int) and isinstance(b, int) and 0 <= a < b <= len(text):
            spans.append((a, b, str(m.get("effect", "neutral")), str(m.get("label") or m.get("category", ""))))
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    out, pos = [], 0
    for a, b, eff, label in spans:
        if a < pos:
            continue
        out.append(esc(text[pos:a]))
        cls = eff if eff in ("helps", "hurts") else "neutral"
        out.append(f'<mark class="{cls}" title="{esc(label)}">{esc(text[a:b])}</mark>')
        pos = b
    out.append(esc(text[pos:]))
    return "".join(out)


def _score_cell(score: Any) -> str:
    if not isinstance(score, (int, float)) or not math.isfinite(score):
        return '<td class="score-cell none" data-label="Score">n/a</td>'
    cls = band(score).name
    w = max(0.0, min(100.0, float(score)))
    return (f'<td class="score-cell {cls}" data-label="Score"><span class="bar"><span style="width:{w:.0f}%"></span></span>'
            f'<span class="sv">{score:.0f}</span></td>')


def _metrics_table(metrics: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for m in metrics:
        if not isinstance(m, Mapping):
            continue
        lo, hi, unit = m.get("target_low"), m.get("target_high"), m.get("unit") or ""
        if isinstance(hi, (int, float)) and hi >= 1000:
            target = f"≥ {_num(lo, '{:g}')} {unit}"
        elif lo == hi:
            target = f"{_num(lo, '{:g}')} {unit}"
        else:
            target = f"{_num(lo, '{:g}')}–{_num(hi, '{:g}')} {unit}"
        v = m.get("value")
        val = "n/a" if v is None else fmt(v, unit) if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)
        rows.append(
            f'<tr><th scope="row">{esc(m.get("label") or m.get("name"))}<div class="src">{esc(m.get("source"))}</div></th>'
            f'<td class="num" data-label="Value">{esc(val)}</td><td class="num" data-label="Target">{esc(target)}</td>'
            f'{_score_cell(m.get("score"))}<td class="num" data-label="Weight">{_num(m.get("weight"), "{:g}")}</td>'
            f'<td class="ev" dir="auto" data-label="Evidence">{esc(m.get("evidence"))}</td></tr>'
        )
    if not rows:
        return '<p class="empty">No content metrics.</p>'
    return ('<table class="metrics"><thead><tr><th scope="col">Metric</th><th scope="col">Value</th><th scope="col">Target</th>'
            '<th scope="col">Score</th><th scope="col">Weight</th><th scope="col">Evidence</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _summary(c: Mapping[str, Any]) -> str:
    s = c.get("summary") or {}
    if not isinstance(s, Mapping):
        return ""
    parts = []
    if s.get("balance"):
        parts.append(f'<p class="balance">{esc(s["balance"])}</p>')
    work = [w for w in s.get("work_on_first") or () if isinstance(w, Mapping)]
    if work:
        items = "".join(
            f'<li><strong>{esc(w.get("label"))}</strong> <span class="sub">({esc(w.get("side"))}'
            + (f', worth {_num(w.get("points"), "{:.1f}")} points' if w.get("points") is not None else "")
            + f')</span><div class="ev" dir="auto">{esc(w.get("evidence"))}</div></li>'
            for w in work)
        parts.append(f'<h3>Work on first</h3><ol class="work">{items}</ol>')
    return "".join(parts)


def _customer(c: Mapping[str, Any]) -> str:
    cu = c.get("customer")
    if not isinstance(cu, Mapping):
        return ""
    start, end = cu.get("start"), cu.get("end")
    vals = (f"{_num(start, '{:.2f}')} at the start, {_num(end, '{:.2f}')} at the end (0 negative, 1 positive)"
            if start is not None and end is not None else
            f"{cu.get('complaints_start', 0)} complaint phrase(s) at the start, {cu.get('complaints_end', 0)} at the end")
    rows = []
    shift = cu.get("behind_shift") if isinstance(cu.get("behind_shift"), Mapping) else {}
    for side in ("start", "end"):
        for t in shift.get(side) or ():
            if isinstance(t, Mapping):
                rows.append(f'<tr><td>{esc(side)}</td><td>{clock(t.get("start_s")) or "—"}</td>'
                            f'<td class="num">{_num(t.get("sentiment"), "{:.2f}")}</td>'
                            f'<td class="text" dir="auto">{esc(t.get("text", ""))}</td></tr>')
    table = (f'<table class="customer"><tr><th></th><th>at</th><th>sentiment</th><th>the customer said</th></tr>'
             f'{"".join(rows)}</table>' if rows else "")
    return (f'<h3>Customer</h3><p>Sentiment {esc(cu.get("trend", "unchanged"))}: {esc(vals)} '
            f'<span class="sub">({esc(cu.get("method"))})</span></p>{table}')


def _unscored(c: Mapping[str, Any]) -> str:
    rows = []
    for t in c.get("turns") or ():
        if isinstance(t, Mapping) and t.get("unscored"):
            rows.append(f'<li><span class="when">{clock(t.get("start_s")) or "—"}</span> {esc(t.get("role"))}: '
                        f'{esc(t.get("unscored"))}</li>')
    if not rows:
        return ""
    return f'<h3>Turns not scored</h3><ul class="unscored">{"".join(rows)}</ul>'


def _markers(c: Mapping[str, Any]) -> str:
    rows = []
    for t in c.get("turns") or ():
        if not isinstance(t, Mapping) or t.get("role") != "agent":
            continue
        for m in t.get("markers") or ():
            if not isinstance(m, Mapping) or m.get("effect") == "neutral":
                continue
            when = clock(m.get("start_s", t.get("start_s"))) or "—"
            sugg = f'<div class="suggestion">Try: <bdi>{esc(m["suggestion"])}</bdi></div>' if m.get("suggestion") else ""
            rows.append(f'<li class="{esc(m.get("effect"))}"><span class="when">{when}</span> '
                        f'<span class="cat">{esc(m.get("label"))}</span> <bdi class="phrase">{esc(m.get("text"))}</bdi>{sugg}</li>')
    if not rows:
        return ""
    return f'<h3>What the agent said</h3><ul class="markers">{"".join(rows)}</ul>'


def content_section(report: Any) -> str:
    """The ``<section id="content">`` of the page ("" when the report has no content side)."""
    c = report.content
    if c is None:
        return ""
    notes = []
    if c.via_translation:
        notes.append("politeness and warmth were scored on Whisper's English translation of the agent's turns")
    if c.lexicon is False:
        notes.append(f"no phrase lexicon for '{c.language}': scores are model-only")
    if c.reliable is False:
        notes.append(f"content score UNRELIABLE: {c.transcript.reason}; it weighs nothing in the overall score")
    note = f'<p class="sub">{esc("; ".join(notes))}</p>' if notes else ""
    ver = f' <span class="sub">rubric {esc(c.rubric_version)}</span>' if c.rubric_version else ""
    d = c.to_dict()
    return (f'<section id="content"><h2>Content{ver}</h2>{note}{_summary(d)}'
            f'{_metrics_table(d["metrics"])}{_customer(d)}{_markers(d)}{_unscored(d)}{_other_feedback(d)}</section>')


def _other_feedback(c: Mapping[str, Any]) -> str:
    """Free-form ``feedback`` entries a content mapping may carry (messages, with their time when given)."""
    items = []
    for f in c.get("feedback") or ():
        if isinstance(f, Mapping):
            when = f"{clock(f['start_s']) or '—'} " if "start_s" in f else ""
            items.append(f'<li dir="auto">{esc(when)}{esc(f.get("message"))}</li>')
        else:
            items.append(f'<li dir="auto">{esc(f)}</li>')
    return f'<h3>Content feedback</h3><ul class="content-fb">{"".join(items)}</ul>' if items else ""


CONTENT_CSS = """
mark.helps{background:var(--helps);color:inherit;border-radius:3px}
mark.hurts{background:var(--hurts);color:inherit;border-radius:3px}
mark.neutral{background:var(--neutral);color:inherit;border-radius:3px}
ul.markers{list-style:none;padding:0}ul.markers li{padding:4px 0;border-bottom:1px solid var(--line)}
ul.markers li.hurts .cat{color:var(--hurts-fg)}ul.markers li.helps .cat{color:var(--helps-fg)}
ul.markers .when{font-variant-numeric:tabular-nums;color:var(--muted)}
.balance{font-size:15px}ol.work li{margin-bottom:6px}
"""
