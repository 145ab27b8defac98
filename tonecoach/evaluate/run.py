"""``tonecoach evaluate``: analyse labelled calls and measure tonecoach against the labels.

For each call of a labels file it runs the :class:`~tonecoach.analyzer.Analyzer`
(or reads a report kept from an earlier run) and compares: the agent
decision with the labelled agent (and the decision's confidence with how
often it is right), the transcript with a reference (word error rate), the
speaker turns with the reference's (diarization error rate), and the
scores with people's ratings (correlation). Everything is returned as one
JSON-ready dict; :mod:`tonecoach.render.evaluate` prints it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Callable

from ..analysis.agent import is_unsure
from ..errors import ToneCoachError
from ..render.fmt import write_atomic
from ..report import CallReport
from .labels import REFERENCE_SUFFIXES, CallLabel, read_labels
from .metrics import (
    calibration,
    correlation,
    diarization_error_rate,
    doubled_words,
    labelled_agent,
    reference_repeats,
    repeated_words,
    word_error_rate,
)
from .references import Reference, read_reference

__all__ = ["evaluate_calls", "find_labels"]

log = logging.getLogger("tonecoach")


def find_labels(folder: Path) -> Path:
    """The labels file of a folder of calls: labels.csv, labels.tsv or roles.tsv."""
    for name in ("labels.csv", "labels.tsv", "roles.tsv"):
        if (folder / name).is_file():
            return folder / name
    raise ToneCoachError(f"no labels in {folder}: give --labels FILE (a CSV with columns file, agent, ...)")


def _reference_for(audio: Path, label: CallLabel, folder: Path, language: str | None) -> tuple[Reference | None, str]:
    if label.reference and label.reference.lower() == "none":
        return None, ""
    if label.reference:
        p = Path(label.reference)
        return read_reference(p if p.is_absolute() else folder / p, language=language), ""
    for suffix in REFERENCE_SUFFIXES:
        cand = audio.with_suffix(suffix)
        if cand.is_file() and cand != audio:
            try:
                return read_reference(cand, language=language), ""
            except ToneCoachError as exc:
                return None, str(exc)
    return None, ""


def _report(analyzer, audio: Path, reports_dir: Path | None, reuse: bool, progress) -> tuple[CallReport, bool]:
    kept = reports_dir / (audio.name + ".json") if reports_dir else None
    if kept and reuse and kept.is_file():
        try:
            return CallReport.from_json(kept.read_text(encoding="utf-8")), True
        except (ToneCoachError, ValueError, KeyError) as exc:
            log.warning("%s: the kept report could not be read (%s); analysing again", kept, exc)
    report = analyzer.analyze(str(audio), progress=progress)
    if kept:
        write_atomic(kept, report.to_json(indent=1))
    return report, False


def evaluate_calls(folder: str | Path, labels: str | Path | None, analyzer_factory: Callable[[], Any], *,
                   reports_dir: str | Path | None = None, reuse: bool = False,
                   on_call: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    """Evaluate every labelled call of ``folder``; a call that fails is recorded with its error, never lost."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ToneCoachError(f"{folder} is not a folder of calls")
    labels_path = Path(labels) if labels else find_labels(folder)
    rows = read_labels(labels_path)
    if not rows:
        raise ToneCoachError(f"{labels_path}: no calls listed")
    rdir = Path(reports_dir) if reports_dir else None
    analyzer = None
    calls: list[dict[str, Any]] = []
    for k, label in enumerate(rows):
        audio = folder / label.file
        if on_call:
            on_call(label.file, k, len(rows))
        entry: dict[str, Any] = {"file": label.file, "agent_label": label.agent.text, "note": label.note}
        if not audio.is_file():
            entry["error"] = "file not found"
            calls.append(entry)
            continue
        try:
            if analyzer is None and not (reuse and rdir and (rdir / (audio.name + ".json")).is_file()):
                analyzer = analyzer_factory()
            report, reused = _report(analyzer, audio, rdir, reuse, None)
        except ToneCoachError as exc:
            entry["error"] = str(exc)
            calls.append(entry)
            continue
        entry.update(_compare(report, label, audio, folder))
        entry["reused_report"] = reused
        calls.append(entry)
    return {"folder": str(folder), "labels": str(labels_path), "calls": calls, "summary": summarise(calls)}


def _compare(report: CallReport, label: CallLabel, audio: Path, folder: Path) -> dict[str, Any]:
    lang = report.language.code
    out: dict[str, Any] = {
        "duration_s": report.audio.duration_s, "channels": report.audio.channels, "language": lang,
        "voices": len(report.speakers), "tone_score": report.tone.score,
        "content_score": report.content.score if report.content is not None else None,
        "warnings": list(report.warnings), "repeated_words": repeated_words(report),
        "doubled_words": doubled_words(report),
    }
    ref, ref_error = _reference_for(audio, label, folder, lang)
    if ref_error:
        out["reference_error"] = ref_error
    rttm = None
    if label.rttm:
        p = Path(label.rttm)
        rttm = read_reference(p if p.is_absolute() else folder / p)
    a = report.agent
    truth, how = labelled_agent(report, label.agent, ref)
    out["agent"] = {"chosen": a.speaker if a else None, "method": a.method if a else None,
                    "confidence": a.confidence if a else None, "unsure": bool(a and is_unsure(a)),
                    "labelled": truth, "how_labelled": how,
                    "correct": None if truth is None or a is None or a.method == "option" else a.speaker == truth,
                    "reason": a.reason if a else None}
    if ref is not None:
        out["reference"] = {"path": ref.path, "kind": ref.kind, "note": ref.note, "voices": len(ref.speakers) or None,
                            "repeated_words": reference_repeats(ref)}
        if ref.has_text:
            out["wer"] = word_error_rate(report, ref)
    turns = rttm if rttm is not None and rttm.has_speaker_times else ref
    if turns is not None and turns.has_speaker_times:
        out["der"] = diarization_error_rate(report, turns)
        out["der_collar"] = diarization_error_rate(report, turns, collar=0.25)
    if label.tone_rating is not None or label.wording_rating is not None:
        out["ratings"] = {"tone": label.tone_rating, "wording": label.wording_rating}
    return out


def summarise(calls: list[dict[str, Any]]) -> dict[str, Any]:
    """Agent accuracy (stereo and mono) with the calibration of its confidence, mean WER and DER, correlations."""
    judged = [c for c in calls if c.get("agent", {}).get("correct") is not None]

    def acc(cs):
        return {"n": len(cs), "correct": sum(1 for c in cs if c["agent"]["correct"]),
                "accuracy": round(sum(1 for c in cs if c["agent"]["correct"]) / len(cs), 3) if cs else None}

    stereo = [c for c in judged if c.get("channels") == 2]
    mono = [c for c in judged if c.get("channels") != 2]
    unsure = [c for c in judged if c["agent"]["unsure"]]
    sure = [c for c in judged if not c["agent"]["unsure"]]
    wers = [c["wer"]["wer"] for c in calls if c.get("wer")]
    ders = [c["der"]["der"] for c in calls if c.get("der")]
    rated = [c for c in calls if c.get("ratings")]
    out = {
        "calls": len(calls), "failed": sum(1 for c in calls if c.get("error")),
        "agent": {"all": acc(judged), "stereo": acc(stereo), "mono": acc(mono), "sure": acc(sure), "unsure": acc(unsure),
                  "not_judged": [c["file"] for c in calls if not c.get("error") and c.get("agent", {}).get("correct") is None],
                  "calibration": calibration([(c["agent"]["confidence"], bool(c["agent"]["correct"])) for c in judged])},
        "wer": {"n": len(wers), "mean": round(sum(wers) / len(wers), 4) if wers else None,
                "min": min(wers) if wers else None, "max": max(wers) if wers else None},
        "der": {"n": len(ders), "mean": round(sum(ders) / len(ders), 4) if ders else None,
                "min": min(ders) if ders else None, "max": max(ders) if ders else None},
        "doubled_words": sum(c.get("doubled_words", 0) for c in calls if not c.get("error")),
        "repeated_words": {"tonecoach": sum(c.get("repeated_words", 0) for c in calls if not c.get("error")),
                           "reference": sum((c.get("reference") or {}).get("repeated_words", 0) for c in calls)},
        "ratings": {
            "tone": correlation([c.get("tone_score") for c in rated], [c["ratings"].get("tone") for c in rated]),
            "wording": correlation([c.get("content_score") for c in rated], [c["ratings"].get("wording") for c in rated]),
        },
    }
    return out


def write_json(result: dict[str, Any], path: str | Path) -> None:
    write_atomic(path, json.dumps(result, indent=2, ensure_ascii=False))
