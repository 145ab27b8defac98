"""Yardsticks of an evaluation: the labelled agent, word error rate, diarization error rate, calibration, correlation.

Pure functions over a :class:`~tonecoach.report.CallReport` and the
reference material; ``jiwer`` and ``pyannote.metrics`` do the counting of
WER and DER as the research community does.
"""

from __future__ import annotations

import math
from typing import Sequence

from ..evaluation import normalise_text, wer_normaliser
from ..report import CallReport
from .labels import AgentLabel
from .references import Reference

__all__ = ["labelled_agent", "word_error_rate", "diarization_error_rate", "calibration", "correlation", "doubled_words",
           "repeated_words"]


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def labelled_agent(report: CallReport, label: AgentLabel, reference: Reference | None) -> tuple[str | None, str]:
    """The report's speaker that the label names as the agent, and how it was found (or why not)."""
    ids = [s.id for s in report.speakers]
    segs = sorted(report.segments, key=lambda s: s.start_s)
    if not ids:
        return None, "the report has no speakers"
    if label.kind in ("channel", "name"):
        if label.value in ids:
            return str(label.value), f"{label.kind} {label.value}"
        return None, f"the label names {label.value}, the report has {', '.join(ids)}"
    if label.kind == "order":
        order = list(dict.fromkeys(s.speaker for s in segs))
        k = int(label.value)
        if k <= len(order):
            return order[k - 1], f"voice {k} to speak ({order[k - 1]})"
        return None, f"the report has {len(order)} voice(s), the label names voice {k}"
    if label.kind == "at":
        t = float(label.value)
        def dist(s) -> float:
            return 0.0 if s.start_s <= t <= s.end_s else min(abs(s.start_s - t), abs(s.end_s - t))

        best = min(segs, key=dist) if segs else None
        if best is not None and dist(best) <= 3.0:
            return best.speaker, f"the voice at {t:.1f} s ({best.speaker})"
        return None, f"no speech within 3 s of {t:.1f} s"
    if label.kind == "ref":
        if reference is None or not reference.has_speaker_times:
            return None, f"the label names reference speaker {label.value}, but there is no reference with speaker times"
        name = str(label.value)
        mine = [t for t in reference.turns if t.speaker == name]
        if not mine:
            return None, f"the reference has no speaker {name} (it has {', '.join(reference.speakers)})"
        cover = {i: sum(_overlap(t.start_s, t.end_s, s.start_s, s.end_s) for t in mine for s in segs if s.speaker == i)
                 for i in ids}
        best = max(ids, key=lambda i: cover[i])
        if cover[best] <= 0:
            return None, f"no speech of the report overlaps reference speaker {name}"
        total = sum(cover.values())
        return best, f"reference speaker {name} overlaps {best} most ({cover[best] / total:.0%} of the overlap)"
    return None, f"the label '{label.text}' does not say which speaker (use left/right, first/second, at:SECONDS or ref:NAME)"


def hypothesis_text(report: CallReport) -> str:
    return " ".join(s.text for s in sorted(report.segments, key=lambda s: s.start_s))


def word_error_rate(report: CallReport, reference: Reference) -> dict | None:
    """WER of the whole call (all speakers in time order) against the reference, normalised as Whisper's paper does."""
    import jiwer

    norm = wer_normaliser(report.language.code)
    ref = norm(reference.text)
    if not ref.split():
        return None
    hyp = norm(hypothesis_text(report))
    out = jiwer.process_words(ref, hyp)
    return {"wer": round(out.wer, 4), "ref_words": len(ref.split()), "hyp_words": len(hyp.split()),
            "substitutions": out.substitutions, "deletions": out.deletions, "insertions": out.insertions}


def repeated_words(report: CallReport) -> int:
    """Words that repeat the word before them within one turn ("right right"): doubled decoding shows up here."""
    n = 0
    for s in report.segments:
        ws = [normalise_text(w.text) for w in s.words]
        ws = [w for w in ws if w]
        n += sum(1 for a, b in zip(ws, ws[1:]) if a == b)
    return n


def doubled_words(report: CallReport, *, min_overlap: float = 0.5) -> int:
    """Words that overlap, in time, the same word of the same speaker: one stretch of audio decoded twice."""
    import re

    def norm(t: str) -> str:
        return re.sub(r"[^\w']", "", t.lower())

    n = 0
    for spk in {s.speaker for s in report.segments}:
        ws = sorted((w for s in report.segments if s.speaker == spk for w in s.words), key=lambda w: w.start_s)
        for i, a in enumerate(ws):
            for b in ws[i + 1:i + 6]:
                if b.start_s >= a.end_s:
                    break
                shorter = max(1e-3, min(a.end_s - a.start_s, b.end_s - b.start_s))
                if (min(a.end_s, b.end_s) - max(a.start_s, b.start_s)) / shorter >= min_overlap and norm(a.text) == norm(b.text):
                    n += 1
    return n


def reference_repeats(reference: Reference) -> int:
    n = 0
    for t in reference.turns:
        ws = normalise_text(t.text).split()
        n += sum(1 for a, b in zip(ws, ws[1:]) if a == b)
    return n


def diarization_error_rate(report: CallReport, reference: Reference, *, collar: float = 0.0) -> dict | None:
    """DER (``pyannote.metrics``, overlap scored) of the report's speaker turns against the reference's."""
    if not reference.has_speaker_times:
        return None
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    ref, hyp = Annotation(), Annotation()
    for i, t in enumerate(reference.turns):
        if t.end_s > t.start_s:
            ref[Segment(t.start_s, t.end_s), f"r{i}"] = t.speaker
    for i, s in enumerate(report.segments):
        if s.end_s > s.start_s:
            hyp[Segment(s.start_s, s.end_s), f"h{i}"] = s.speaker
    import warnings

    with warnings.catch_warnings():  # "uem approximated by the extents": what is meant here
        warnings.filterwarnings("ignore", message=".*'uem' was approximated.*")
        d = DiarizationErrorRate(collar=collar, skip_overlap=False)(ref, hyp, detailed=True)
    total = d["total"] or 1.0
    return {"der": round(d["diarization error rate"], 4), "miss": round(d["missed detection"] / total, 4),
            "false_alarm": round(d["false alarm"] / total, 4), "confusion": round(d["confusion"] / total, 4),
            "collar_s": collar}


def calibration(pairs: Sequence[tuple[float, bool]], *, edges: Sequence[float] = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)) -> dict:
    """Reliability of confidences: per bin the count, mean confidence and accuracy; ECE and Brier score."""
    bins = []
    n = len(pairs)
    ece = 0.0
    for lo, hi in zip(edges, edges[1:]):
        inside = [(c, ok) for c, ok in pairs if lo <= c < hi or (lo == edges[0] and c < lo)]
        if not inside:
            bins.append({"from": lo, "to": min(hi, 1.0), "n": 0, "confidence": None, "accuracy": None})
            continue
        conf = sum(c for c, _ in inside) / len(inside)
        acc = sum(1 for _, ok in inside if ok) / len(inside)
        ece += len(inside) / n * abs(conf - acc)
        bins.append({"from": lo, "to": min(hi, 1.0), "n": len(inside), "confidence": round(conf, 3), "accuracy": round(acc, 3)})
    brier = sum((c - (1.0 if ok else 0.0)) ** 2 for c, ok in pairs) / n if n else None
    return {"bins": bins, "ece": round(ece, 4) if n else None, "brier": None if brier is None else round(brier, 4), "n": n}


def _ranks(x: Sequence[float]) -> list[float]:
    order = sorted(range(len(x)), key=lambda i: x[i])
    r = [0.0] * len(x)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and x[order[j + 1]] == x[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return r


def _pearson(x: Sequence[float], y: Sequence[float]) -> float | None:
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sx = math.sqrt(sum((a - mx) ** 2 for a in x))
    sy = math.sqrt(sum((b - my) ** 2 for b in y))
    if sx == 0 or sy == 0:
        return None
    return sum((a - mx) * (b - my) for a, b in zip(x, y)) / (sx * sy)


def correlation(scores: Sequence[float], ratings: Sequence[float]) -> dict | None:
    """Spearman and Pearson correlation of tonecoach's scores with people's ratings (needs 3 calls or more)."""
    pairs = [(s, r) for s, r in zip(scores, ratings) if s is not None and r is not None]
    if len(pairs) < 3:
        return None
    xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
    sp = _pearson(_ranks(xs), _ranks(ys))
    pe = _pearson(xs, ys)
    return {"n": len(pairs), "spearman": None if sp is None else round(sp, 3), "pearson": None if pe is None else round(pe, 3)}
