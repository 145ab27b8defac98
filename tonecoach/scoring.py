"""Rubric-driven tone scoring: metrics -> points -> score, and timestamped feedback.

The rubric (``tonecoach/data/rubric.toml`` or a file given by the user) holds
every target range, weight and threshold; this module only applies it, so a
team tunes its rubric without touching code. Every number produced carries
the evidence behind it: the measured value, the target and where the target
comes from.
"""

from __future__ import annotations

import math
import statistics
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from .errors import RubricError
from .report import FeedbackItem, MetricScore, Segment, ToneResult, format_target

__all__ = ["Rubric", "load_rubric", "metric_points", "score_tone", "tone_feedback", "DEFAULT_RUBRIC"]

DEFAULT_RUBRIC = Path(__file__).resolve().parent / "data" / "rubric.toml"
_REQUIRED = ("label", "unit", "field", "low", "high", "tolerance", "weight", "source")


@dataclass(frozen=True)
class Rubric:
    """A parsed rubric: ``data`` is the TOML as a dict, ``path`` where it came from."""

    data: Mapping[str, Any]
    path: str

    @property
    def version(self) -> str:
        return str(self.data.get("version", "unversioned"))

    @property
    def tone_metrics(self) -> Mapping[str, Mapping[str, Any]]:
        return self.data.get("tone", {}).get("metrics", {})

    def feedback(self, key: str) -> Mapping[str, Any]:
        return self.data.get("feedback", {}).get(key, {})


def load_rubric(path: str | Path | None = None) -> Rubric:
    """Read and check a rubric file (the bundled default when ``path`` is None).

    Raises
    ------
    RubricError
        If the file is missing, not TOML, or a metric lacks a required key.
    """
    p = Path(path) if path else DEFAULT_RUBRIC
    try:
        with open(p, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise RubricError(f"rubric file not found: '{p}'") from None
    except tomllib.TOMLDecodeError as exc:
        raise RubricError(f"rubric '{p}' is not valid TOML: {exc}") from None
    metrics = data.get("tone", {}).get("metrics", {})
    if not metrics:
        raise RubricError(f"rubric '{p}' defines no [tone.metrics.*] tables")
    for name, m in metrics.items():
        missing = [k for k in _REQUIRED if k not in m]
        if missing:
            raise RubricError(f"rubric '{p}': metric '{name}' lacks {', '.join(missing)}")
        if float(m["low"]) > float(m["high"]) or float(m["tolerance"]) <= 0 or float(m["weight"]) < 0:
            raise RubricError(f"rubric '{p}': metric '{name}' needs low <= high, tolerance > 0, weight >= 0")
    return Rubric(data=data, path=str(p))


def metric_points(value: float | None, low: float, high: float, tolerance: float) -> float | None:
    """100 inside [low, high], falling linearly to 0 at ``tolerance`` beyond; None if unmeasured."""
    if value is None or not math.isfinite(value):
        return None
    if low <= value <= high:
        return 100.0
    dist = (low - value) if value < low else (value - high)
    return max(0.0, 100.0 * (1.0 - dist / tolerance))


def _fmt(v: float | None, unit: str) -> str:
    if v is None or not math.isfinite(v):
        return "not measured"
    return f"{v:.1f} {unit}" if abs(v) < 1000 else f"{v:.0f} {unit}"


def score_tone(values: Mapping[str, float | None], rubric: Rubric, *, evidence: Mapping[str, str] | None = None) -> ToneResult:
    """Score the agent's tone from call-level metric values.

    Parameters
    ----------
    values : mapping field name -> measured value (see each rubric metric's ``field``)
    evidence : mapping field name -> what the value was measured over
    """
    evidence = evidence or {}
    scored: list[MetricScore] = []
    num = den = 0.0
    for name, m in rubric.tone_metrics.items():
        v = values.get(m["field"])
        v = None if v is None or not math.isfinite(float(v)) else float(v)
        pts = metric_points(v, float(m["low"]), float(m["high"]), float(m["tolerance"]))
        w = float(m["weight"])
        target = format_target(float(m["low"]), float(m["high"]), m["unit"])
        ev = f"{_fmt(v, m['unit'])} against a target of {target}"
        if evidence.get(m["field"]):
            ev += f"; {evidence[m['field']]}"
        scored.append(MetricScore(
            name=name, label=m["label"], value=None if v is None else round(v, 3), unit=m["unit"],
            target_low=float(m["low"]), target_high=float(m["high"]),
            score=None if pts is None else round(pts, 1), weight=w, source=m["source"], evidence=ev,
        ))
        if pts is not None and w > 0:
            num += w * pts
            den += w
    score = round(num / den, 1) if den > 0 else None
    return ToneResult(score=score, metrics=tuple(scored), rubric_version=rubric.version)


def _item(seg_start, seg_end, category, severity, message, evidence, speaker, suggestion=None) -> FeedbackItem:
    return FeedbackItem(start_s=round(seg_start, 2), end_s=round(seg_end, 2), category=category, severity=severity,
                        message=message, evidence=evidence, speaker=speaker, suggestion=suggestion)


def _mmss(t: float) -> str:
    return f"{int(t // 60)}:{int(t % 60):02d}"


def tone_feedback(segments: Sequence[Segment], agent: str | None, rubric: Rubric, *, call_end_s: float | None = None) -> list[FeedbackItem]:
    """Timestamped tone feedback for the agent's turns and for the call's silences.

    Categories: ``too_fast``, ``too_slow``, ``monotone``, ``low_energy``,
    ``dead_air``, ``rushed_ending``, ``shouting``. Each item's evidence holds
    the measured value, the threshold and the unit.
    """
    fb = rubric.data.get("feedback", {})
    min_words, min_s = int(fb.get("min_turn_words", 6)), float(fb.get("min_turn_s", 2.0))
    min_voiced_s = float(fb.get("min_voiced_s", 1.0))
    items: list[FeedbackItem] = []
    agent_turns = [s for s in segments if s.speaker == agent]
    judged = [s for s in agent_turns if len(s.words) >= min_words and s.end_s - s.start_s >= min_s]
    for s in judged:
        p = s.prosody
        wpm = p.get("words_per_minute")
        if wpm is not None:
            r = rubric.feedback("too_fast")
            if wpm > float(r.get("wpm_above", 170)):
                sev = "major" if wpm > float(r.get("major_above", 200)) else "minor"
                items.append(_item(s.start_s, s.end_s, "too_fast", sev,
                                   f"Too fast at {_mmss(s.start_s)}: {wpm:.0f} words per minute. Slow down and let each point land.",
                                   {"value": round(wpm, 1), "threshold": r.get("wpm_above"), "unit": "wpm",
                                    "target": "120-160 wpm", "words": len(s.words)}, agent))
            r = rubric.feedback("too_slow")
            if wpm < float(r.get("wpm_below", 100)):
                items.append(_item(s.start_s, s.end_s, "too_slow", "minor",
                                   f"Slow at {_mmss(s.start_s)}: {wpm:.0f} words per minute; the caller may feel it drags.",
                                   {"value": round(wpm, 1), "threshold": r.get("wpm_below"), "unit": "wpm", "words": len(s.words)}, agent))
        sd = p.get("pitch_sd_semitones")
        voiced_s = (p.get("voiced_ratio") or 0.0) * (s.end_s - s.start_s)
        if sd is not None and voiced_s >= min_voiced_s:
            r = rubric.feedback("monotone")
            if sd < float(r.get("semitones_below", 1.5)):
                sev = "major" if sd < float(r.get("major_below", 1.0)) else "minor"
                items.append(_item(s.start_s, s.end_s, "monotone", sev,
                                   f"Flat delivery at {_mmss(s.start_s)}: pitch varies by only {sd:.1f} semitones. "
                                   "Lift the key words and let your voice rise and fall.",
                                   {"value": round(sd, 2), "threshold": r.get("semitones_below"), "unit": "semitones",
                                    "voiced_s": round(voiced_s, 1)}, agent))
        db = p.get("energy_dbfs")
        if db is not None:
            r = rubric.feedback("low_energy")
            if db < float(r.get("dbfs_below", -35)):
                items.append(_item(s.start_s, s.end_s, "low_energy", "minor",
                                   f"Low energy at {_mmss(s.start_s)}: {db:.0f} dBFS. Sit up, project a little more, or check the headset level.",
                                   {"value": round(db, 1), "threshold": r.get("dbfs_below"), "unit": "dBFS"}, agent))
        clip = p.get("clipping_ratio")
        r = rubric.feedback("shouting")
        if (clip is not None and clip * 100 > float(r.get("clipping_percent_over", 0.5))) or (
            db is not None and db > float(r.get("dbfs_over", -8))
        ):
            items.append(_item(s.start_s, s.end_s, "shouting", "major",
                               f"Too loud at {_mmss(s.start_s)}: the signal clips or is near full scale. Lower your voice or move the microphone away.",
                               {"clipping_percent": None if clip is None else round(clip * 100, 2),
                                "threshold_percent": r.get("clipping_percent_over"), "energy_dbfs": None if db is None else round(db, 1),
                                "threshold_dbfs": r.get("dbfs_over")}, agent))
    # rushed ending: the last agent turn against the agent's own earlier pace
    if len(judged) >= 2 and agent_turns and agent_turns[-1] is judged[-1]:
        last = judged[-1]
        earlier = [s.prosody.get("words_per_minute") for s in judged[:-1] if s.prosody.get("words_per_minute")]
        lw = last.prosody.get("words_per_minute")
        r = rubric.feedback("rushed_ending")
        if earlier and lw:
            med = statistics.median(earlier)
            if lw > med * float(r.get("ratio_over", 1.25)):
                items.append(_item(last.start_s, last.end_s, "rushed_ending", "minor",
                                   f"Rushed ending at {_mmss(last.start_s)}: {lw:.0f} wpm against {med:.0f} wpm earlier in the call. "
                                   "Slow the closing down: it is what the caller remembers.",
                                   {"value": round(lw, 1), "median_wpm_before": round(med, 1), "ratio": round(lw / med, 2),
                                    "threshold_ratio": r.get("ratio_over"), "unit": "wpm"}, agent))
    items.extend(dead_air(segments, rubric))
    items.sort(key=lambda i: (i.start_s, i.category))
    return items


def dead_air_gaps(segments: Sequence[Segment], *, over_s: float) -> list[tuple[float, float]]:
    """Gaps longer than ``over_s`` between consecutive words of anyone in the call."""
    words = sorted((w for s in segments for w in s.words), key=lambda w: w.start_s)
    gaps = []
    end = None
    for w in words:
        if end is not None and w.start_s - end > over_s:
            gaps.append((end, w.start_s))
        end = w.end_s if end is None else max(end, w.end_s)
    return gaps


def dead_air(segments: Sequence[Segment], rubric: Rubric) -> list[FeedbackItem]:
    r = rubric.feedback("dead_air")
    over, major = float(r.get("seconds_over", 5.0)), float(r.get("major_over", 10.0))
    out = []
    for a, b in dead_air_gaps(segments, over_s=over):
        out.append(_item(a, b, "dead_air", "major" if b - a > major else "minor",
                         f"Dead air at {_mmss(a)}: {b - a:.1f} s with nobody speaking. Fill long waits: say what you are doing.",
                         {"value": round(b - a, 1), "threshold": over, "unit": "s"}, None))
    return out
