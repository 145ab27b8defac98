"""Exports of a batch: a CSV row per input file, JSON lines of full reports, and a QA summary page.

- **CSV**: one row per input file (calls, and the files skipped as not audio),
  with its status, content hash, agent, duration, language, tone and content
  scores, the agent's speaking rate, pitch variability and level, the top
  feedback item, warnings and the error; then the scorecard's score and one
  column per criterion (``qa_<id>``: yes, no or n/a).
- **JSONL**: one line per input file that has a report (scored now, already
  scored, or a duplicate): the full report (``CallReport.from_dict`` reads it)
  plus a ``"batch"`` object with the file, hash, status and agent.
- **HTML**: one self-contained page (no scripts, fonts or images from
  anywhere): counts, the tone score distribution overall and per agent, the
  most frequent feedback categories, the scorecard's pass rates per
  criterion, per agent and per week (:mod:`tonecoach.render.batch`), and
  the failed files.

Each file is written to a temporary name and renamed, never left half-written.
"""

from __future__ import annotations

import csv
import datetime as _dt
import html
import io
import json
import os
import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TextIO

from ..render.fmt import write_atomic

if TYPE_CHECKING:  # pragma: no cover
    from ..store import Store
    from .results import BatchResult, FileResult

__all__ = [
    "CSV_COLUMNS",
    "UNASSIGNED",
    "csv_columns",
    "render_summary_html",
    "write_csv",
    "write_exports",
    "write_jsonl",
    "write_summary_html",
]

UNASSIGNED = "(no agent)"

CSV_COLUMNS = (
    "file", "status", "sha256", "duplicate_of", "agent", "agent_speaker", "agent_confidence", "agent_method",
    "duration_s", "language",
    "tone_score", "content_score", "speaking_rate_wpm", "pitch_variability_semitones", "energy_dbfs",
    "agent_talk_time_s", "n_feedback", "top_feedback_category", "top_feedback", "warnings", "error",
    "model", "rubric_version", "report_id",
)


def _atomic(path: str | os.PathLike, write: Callable[[TextIO], None], *, newline: str | None = None) -> str:
    """What ``write`` writes to a text stream, saved to ``path`` whole or not at all (:func:`~tonecoach.render.fmt.write_atomic`)."""
    buf = io.StringIO(newline=newline)
    write(buf)
    return write_atomic(path, buf.getvalue())


def _r(v, nd: int = 2):
    if v is None:
        return ""
    if isinstance(v, float):
        return round(v, nd)
    return v


def csv_columns(scorecard=None) -> tuple[str, ...]:
    """The CSV's columns: :data:`CSV_COLUMNS`, then the scorecard's score and one column per criterion."""
    if scorecard is None:
        return CSV_COLUMNS
    return (*CSV_COLUMNS, "scorecard_score", "scorecard_passed", *(f"qa_{cid}" for cid in scorecard.ids))


_QA_SHORT = {"yes": "yes", "no": "no", "not_applicable": "n/a"}


def _qa_cells(c, scorecard) -> dict:
    sc = c.scorecard if c else None
    if scorecard is None:
        return {}
    if not sc:
        return {"scorecard_score": "", "scorecard_passed": "", **{f"qa_{cid}": "" for cid in scorecard.ids}}
    ans = sc.get("answers") or {}
    passed = sc.get("passed")
    return {"scorecard_score": _r(sc.get("score"), 1), "scorecard_passed": "" if passed is None else ("yes" if passed else "no"),
            **{f"qa_{cid}": _QA_SHORT.get(ans.get(cid, ""), "") for cid in scorecard.ids}}


def csv_row(f: FileResult, scorecard=None) -> dict:
    c = f.call
    m = c.metrics if c else {}
    return {
        "file": f.path,
        "status": f.status,
        "sha256": f.sha256 or "",
        "duplicate_of": f.duplicate_of or "",
        "agent": f.agent or "",
        "agent_speaker": (c.agent_speaker or "") if c else "",
        # QA filters the calls whose agent a person should check on these two
        "agent_confidence": _r(c.agent_confidence, 2) if c else "",
        "agent_method": (c.agent_method or "") if c else "",
        "duration_s": _r(c.duration_s) if c else "",
        "language": (c.language or "") if c else "",
        "tone_score": _r(m.get("tone_score"), 1),
        "content_score": _r(m.get("content_score"), 1),
        "speaking_rate_wpm": _r(m.get("agent_wpm"), 1),
        "pitch_variability_semitones": _r(m.get("agent_pitch_sd_semitones")),
        "energy_dbfs": _r(m.get("agent_energy_dbfs"), 1),
        "agent_talk_time_s": _r(m.get("agent_talk_time_s")),
        "n_feedback": m.get("n_feedback", "") if c else "",
        "top_feedback_category": (m.get("top_feedback_category") or "") if c else "",
        "top_feedback": (c.top_feedback or "") if c else "",
        "warnings": "; ".join(c.warnings) if c else "",
        "error": f.error or "",
        "model": c.model if c else "",
        "rubric_version": c.rubric_version if c else "",
        "report_id": c.report_id if c else "",
        **_qa_cells(c, scorecard),
    }


def write_csv(files: Iterable[FileResult], path: str | os.PathLike, scorecard=None) -> str:
    def w(fh: TextIO) -> None:
        out = csv.DictWriter(fh, fieldnames=csv_columns(scorecard))
        out.writeheader()
        for f in files:
            out.writerow(csv_row(f, scorecard))

    return _atomic(path, w, newline="")


def write_jsonl(files: Iterable[FileResult], store: Store, path: str | os.PathLike) -> str:
    """Full reports, read back from the database one at a time (memory stays flat)."""
    from sqlalchemy import select

    from ..store.models import Report

    def w(fh: TextIO) -> None:
        with store.session() as s:
            for f in files:
                if f.call is None:
                    continue
                js = s.scalar(select(Report.report_json).where(Report.id == f.call.report_id))
                if js is None:
                    continue
                d = json.loads(js)
                d["batch"] = {"file": f.path, "sha256": f.sha256, "status": f.status, "agent": f.agent,
                              "duplicate_of": f.duplicate_of, "report_id": f.call.report_id}
                fh.write(json.dumps(d, ensure_ascii=False, separators=(",", ":")))
                fh.write("\n")

    return _atomic(path, w)


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


def render_summary_html(result: BatchResult) -> str:
    """The QA summary page of a batch, as one self-contained HTML document."""
    e = html.escape
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
        from ..render.batch import scorecard_sections

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


def write_summary_html(result: BatchResult, path: str | os.PathLike) -> str:
    return _atomic(path, lambda fh: fh.write(render_summary_html(result)))


def write_exports(result: BatchResult, store: Store, *, csv_path=None, jsonl_path=None, html_path=None) -> dict[str, str]:
    """Write the exports that were asked for; returns ``{"CSV": path, ...}``."""
    written: dict[str, str] = {}
    if csv_path:
        written["CSV"] = write_csv(result.files, csv_path, result.scorecard)
    if jsonl_path:
        written["JSONL"] = write_jsonl(result.files, store, jsonl_path)
    if html_path:
        written["HTML"] = write_summary_html(result, html_path)
    return written
