"""A batch run for people: the summary lines ``tonecoach batch`` prints and the QA summary page.

The page (:func:`render_summary_html`, written by :mod:`tonecoach.batch.export`)
shows the counts, the tone score distribution overall and per agent, the most
frequent feedback and the failed files, and with a scorecard its pass rates
per criterion, per agent and per week (:func:`scorecard_sections`).

A criterion's pass rate is the share of the calls it applied to that answered
yes (calls where it was "not applicable" do not count); a call *passes* when
its scorecard score reaches the scorecard's target with no critical criterion
failed. The week of a call is the ISO week of its file's modification time
(archives keep it as the call's date; a file without one is left out of the
weekly table).
"""

from __future__ import annotations

import datetime as _dt
import statistics
from collections import Counter
from typing import Any

from .fmt import clock, esc

__all__ = ["UNASSIGNED", "audio_amount", "pass_rates", "render_summary_html", "scorecard_sections", "summary_lines"]

#: How a call without an agent is listed.
UNASSIGNED = "(no agent)"

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
    e = esc
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


# -- the terminal summary ---------------------------------------------------------------------


def summary_lines(result: Any) -> list[str]:
    """What a batch run did, in a few lines for the terminal (a :class:`~tonecoach.batch.results.BatchResult`)."""
    c = {s: result.count(s) for s in ("scored", "already_scored", "duplicate", "not_audio", "failed")}
    skipped = c["already_scored"] + c["not_audio"] + c["duplicate"]
    lines = [f"{len(result.files)} file(s): {c['scored']} scored, {skipped} skipped ({c['already_scored']} already "
             f"scored, {c['not_audio']} not audio, {c['duplicate']} duplicate content), {c['failed']} failed"]
    rate = result.throughput
    audio = (f"{audio_amount(result.audio_s_scored)} of audio scored in {clock(round(result.wall_s))}"
             + (f" ({rate:.1f} audio h per wall h)" if rate else ""))
    lines.append(f"  {audio} with {result.backend}; model {result.model_name}, rubric {result.rubric_version}")
    if result.worker_peak_rss_mb:
        peaks = sorted(result.worker_peak_rss_mb.values())
        lines.append(f"  peak memory per worker: {peaks[-1]:.0f} MiB (max), {peaks[0]:.0f} MiB (min) over "
                     f"{len(peaks)} worker(s)")
    not_audio = [f.path for f in result.files if f.status == "not_audio"]
    if not_audio:
        shown = ", ".join(not_audio[:10]) + (f" and {len(not_audio) - 10} more" if len(not_audio) > 10 else "")
        lines.append(f"  not audio: {shown}")
    for f in result.files:
        if f.status == "failed":
            lines.append(f"  failed: {f.path}: {f.error}")
    for kind, path in result.exports.items():
        lines.append(f"  {kind}: {path}")
    return lines


def audio_amount(s: float) -> str:
    """An amount of audio: minutes below 6 min, else hours.

    A total, not a moment of a call: :func:`~tonecoach.render.fmt.clock` formats those.
    """
    return f"{s / 60:.1f} min" if s < 360 else f"{s / 3600:.2f} h"


# -- the QA summary page ----------------------------------------------------------------

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#1d232a;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #dde2e8;padding-bottom:.2rem}
.meta{color:#5a6570}table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #eef1f4;vertical-align:middle}
th{font-weight:600;color:#3a4550;background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
.counts td{font-size:1.1rem}.counts td,.counts th{text-align:center}th.n{text-align:right}.bad{color:#b42318}.ok{color:#067647}code{font-size:.85em;word-break:break-all}
svg text{font:11px system-ui,sans-serif;fill:#5a6570}
"""

_BINS = 10


def _hist(scores: list[float]) -> list[int]:
    counts = [0] * _BINS
    for s in scores:
        counts[min(_BINS - 1, max(0, int(s // (100 / _BINS))))] += 1
    return counts


def _svg_hist(scores: list[float], *, width: int = 420, height: int = 120, labels: bool = True) -> str:
    counts = _hist(scores)
    top = max(counts) or 1
    pad_b = 16 if labels else 2
    bw = width / _BINS
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="score distribution, {len(scores)} call(s)">',
             f'<rect x="0" y="0" width="{width}" height="{height - pad_b + 1}" fill="#f6f8fa"/>']
    for i, c in enumerate(counts):
        h = (height - pad_b - 12) * c / top
        x, y = i * bw + 1, height - pad_b - h
        lo, hi = i * 10, i * 10 + 10
        color = "#d92d20" if hi <= 50 else "#f79009" if hi <= 70 else "#12b76a"
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw - 2:.1f}" height="{h:.1f}" fill="{color}">'
                     f'<title>{lo}-{hi}: {c} call(s)</title></rect>')
        if c and labels:
            parts.append(f'<text x="{x + bw / 2 - 4:.1f}" y="{y - 2:.1f}">{c}</text>')
        if labels and i % 2 == 0:
            parts.append(f'<text x="{x:.1f}" y="{height - 3}">{lo}</text>')
    if labels:
        parts.append(f'<text x="{width - 22}" y="{height - 3}">100</text>')
    parts.append("</svg>")
    return "".join(parts)


def _fmt(v: float | None, nd: int = 0) -> str:
    return "–" if v is None else f"{v:.{nd}f}"


def render_summary_html(result: Any) -> str:
    """The QA summary page of a batch (a :class:`~tonecoach.batch.results.BatchResult`), as one self-contained HTML document."""
    e = esc
    # one entry per report (duplicates of a call count once), grouped by agent
    calls: dict[int, tuple[str, object]] = {}
    for f in result.files:
        if f.call is not None and f.call.report_id not in calls:
            calls[f.call.report_id] = (f.agent or UNASSIGNED, f.call)
    by_agent: dict[str, list] = {}
    for agent, c in calls.values():
        by_agent.setdefault(agent, []).append(c)
    all_tone = [c.metrics["tone_score"] for _, c in calls.values() if c.metrics.get("tone_score") is not None]

    counts = {s: result.count(s) for s in ("scored", "already_scored", "duplicate", "not_audio", "failed")}
    out = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<title>tonecoach batch: QA summary</title>", f"<style>{_CSS}</style></head><body>",
           "<h1>QA summary</h1>",
           f'<p class="meta">{len(calls)} call(s) with a report, {len(by_agent)} agent(s); model {e(result.model_name)}, '
           f"rubric {e(result.rubric_version)}; generated "
           f"{_dt.datetime.now(_dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}</p>",
           '<h2>Files</h2><table class="counts"><tr><th>scored now</th><th>already scored</th><th>duplicate content</th>'
           "<th>not audio</th><th>failed</th></tr><tr>"
           f'<td class="n ok">{counts["scored"]}</td><td class="n">{counts["already_scored"]}</td>'
           f'<td class="n">{counts["duplicate"]}</td><td class="n">{counts["not_audio"]}</td>'
           f'<td class="n{" bad" if counts["failed"] else ""}">{counts["failed"]}</td></tr></table>']

    out.append("<h2>Tone score distribution</h2>")
    if all_tone:
        out.append(f'<p class="meta">median {statistics.median(all_tone):.0f}, mean {statistics.fmean(all_tone):.0f}, '
                   f"{len(all_tone)} call(s) with a tone score (0-100, bins of 10)</p>")
        out.append(_svg_hist(all_tone))
    else:
        out.append('<p class="meta">No call has a tone score.</p>')

    out.append("<h2>Per agent</h2>")
    out.append("<table><tr><th>agent</th><th class='n'>calls</th><th class='n'>tone median</th><th class='n'>mean</th>"
               "<th class='n'>min–max</th><th>distribution</th><th class='n'>content mean</th>"
               "<th>most frequent feedback</th></tr>")
    for agent in sorted(by_agent, key=lambda a: (a == UNASSIGNED, a.lower())):
        cs = by_agent[agent]
        tone = [c.metrics["tone_score"] for c in cs if c.metrics.get("tone_score") is not None]
        content = [c.metrics["content_score"] for c in cs if c.metrics.get("content_score") is not None]
        cats = Counter(cat for c in cs for cat in set(c.categories)).most_common(3)
        out.append(
            f"<tr><td>{e(agent)}</td><td class='n'>{len(cs)}</td>"
            f"<td class='n'>{_fmt(statistics.median(tone) if tone else None)}</td>"
            f"<td class='n'>{_fmt(statistics.fmean(tone) if tone else None)}</td>"
            f"<td class='n'>{_fmt(min(tone) if tone else None)}–{_fmt(max(tone) if tone else None)}</td>"
            f"<td>{_svg_hist(tone, width=160, height=36, labels=False) if tone else ''}</td>"
            f"<td class='n'>{_fmt(statistics.fmean(content) if content else None)}</td>"
            f"<td>{e(', '.join(f'{k} ({n})' for k, n in cats)) or '–'}</td></tr>")
    out.append("</table>")

    if result.scorecard is not None:
        out.append(scorecard_sections(result, UNASSIGNED))

    out.append("<h2>Most frequent feedback</h2>")
    in_calls = Counter(cat for _, c in calls.values() for cat in set(c.categories))
    total = Counter(cat for _, c in calls.values() for cat in c.categories)
    if in_calls:
        out.append("<table><tr><th>category</th><th class='n'>calls</th><th class='n'>share of calls</th>"
                   "<th class='n'>times flagged</th></tr>")
        for cat, n in sorted(in_calls.items(), key=lambda kv: (-kv[1], kv[0]))[:15]:
            out.append(f"<tr><td>{e(cat)}</td><td class='n'>{n}</td><td class='n'>{100 * n / len(calls):.0f}%</td>"
                       f"<td class='n'>{total[cat]}</td></tr>")
        out.append("</table>")
    else:
        out.append('<p class="meta">No feedback in any call.</p>')

    failed = [f for f in result.files if f.status == "failed"]
    if failed:
        out.append(f"<h2>Failed files ({len(failed)})</h2><table><tr><th>file</th><th>error</th></tr>")
        for f in failed:
            out.append(f"<tr><td><code>{e(f.path)}</code></td><td>{e(f.error or '')}</td></tr>")
        out.append("</table>")
    out.append("</body></html>\n")
    return "\n".join(out)
