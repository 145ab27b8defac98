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
import io
import json
import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TextIO

from ..render.batch import render_summary_html
from ..render.fmt import write_atomic

if TYPE_CHECKING:  # pragma: no cover
    from ..store import Store
    from .results import BatchResult, FileResult

__all__ = [
    "CSV_COLUMNS",
    "csv_columns",
    "write_csv",
    "write_exports",
    "write_jsonl",
    "write_summary_html",
]

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
