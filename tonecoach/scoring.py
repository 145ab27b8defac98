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
from .rules import TONE_RULES

__all__ = ["Rubric", "load_rubric", "metric_points", "pace_target", "score_tone", "tone_feedback", "DEFAULT_RUBRIC"]

DEFAULT_RUBRIC = Path(__file__).resolve().parent / "data" / "rubric.toml"
_REQUIRED = ("label", "unit", "field", "low", "high", "tolerance", "weight", "source")

_NUM, _INT, _STR, _STRS = "a number", "a whole number", "a string", "a list of strings"
_METRIC = {"label": _STR, "unit": _STR, "field": _STR, "low": _NUM, "high": _NUM, "tolerance": _NUM, "weight": _NUM,
           "source": _STR}
#: Every value the code reads, with its kind. A rubric must hold each one: the numbers live in the
#: rubric file only, never as fallbacks in code. ``[tone.metrics.*]`` and ``[content.metrics.*]`` are
#: sets of metric tables (each with the keys of ``_METRIC``) and are checked separately.
_SCHEMA: dict[str, Any] = {
    "version": _STR,
    "feedback": {
        "min_turn_words": _INT, "min_turn_s": _NUM, "min_voiced_s": _NUM,
        "too_fast": {"wpm_above": _NUM, "major_above": _NUM},
        "too_slow": {"wpm_below": _NUM},
        "monotone": {"semitones_below": _NUM, "major_below": _NUM},
        "low_energy": {"dbfs_below": _NUM},
        "dead_air": {"seconds_over": _NUM, "major_over": _NUM},
        "rushed_ending": {"ratio_over": _NUM},
        "shouting": {"clipping_percent_over": _NUM, "dbfs_over": _NUM},
    },
    "conversation": {
        "talk_ratio": {"target": _NUM, "share_above": _NUM, "major_above": _NUM, "source": _STR},
        "monologue": {"seconds_over": _NUM, "max_pause_s": _NUM, "source": _STR},
        "interruption": {"min_overlap_s": _NUM, "backchannel_max_words": _INT, "source": _STR},
        "overtalk": {"seconds_at_least": _NUM, "source": _STR},
        "response_latency": {"seconds_over": _NUM, "source": _STR},
        "hold": {"music_min_s": _NUM, "silence_min_s": _NUM, "long_over_s": _NUM, "count_over": _INT, "source": _STR},
        "questions": {"min_count": _INT, "min_call_s": _NUM, "source": _STR},
    },
    "content": {
        "rules": {"blunt_categories": _STRS, "negative_categories": _STRS, "filler_categories": _STRS,
                  "empathy_categories": _STRS, "complaint_categories": _STRS, "opening_s": _NUM, "closing_s": _NUM,
                  "min_agent_words": _INT, "major_categories": _STRS, "info_categories": _STRS},
        "customer": {"turns_each_end": _INT, "unchanged_below": _NUM},
        "transcript": {"min_avg_logprob": _NUM, "min_mean_word_probability": _NUM, "low_word_probability": _NUM,
                       "max_low_word_share": _NUM, "max_foreign_script_share": _NUM, "min_words_for_script": _INT,
                       "max_unreliable_agent_word_share": _NUM},
        "mismatch": {"kind_categories": _STRS, "kind_model_over": _NUM, "blunt_categories": _STRS,
                     "blunt_model_under": _NUM, "lively_semitones_over": _NUM},
    },
    "overall": {"tone_weight": _NUM, "content_weight": _NUM, "source": _STR},
}
#: tone metrics the feedback rules read (the too-fast target, the pace of a "lively" turn)
_NEEDED_TONE_METRICS = ("speaking_rate",)


def _kind_ok(v: Any, kind: str) -> bool:
    if kind == _NUM:
        return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    if kind == _INT:
        return isinstance(v, int) and not isinstance(v, bool)
    if kind == _STR:
        return isinstance(v, str)
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _coerce(v: Any, kind: str) -> Any:
    return float(v) if kind == _NUM else list(v) if kind == _STRS else v


def _bundled_value(name: str) -> str | None:
    """A value of the bundled rubric as TOML writes it, for an error message."""
    try:
        with open(DEFAULT_RUBRIC, "rb") as fh:
            v: Any = tomllib.load(fh)
        for k in name.split("."):
            v = v[k]
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError):
        return None
    return f'"{v}"' if isinstance(v, str) else str(v).replace("'", '"') if isinstance(v, list) else str(v)


def _check(data: Any, schema: Mapping[str, Any], where: str, prefix: str) -> dict[str, Any]:
    """A copy of ``data`` with every key of ``schema`` checked and its numbers made floats."""
    if not isinstance(data, Mapping):
        raise RubricError(f"{where}: [{prefix.rstrip('.')}] must be a table")
    out = dict(data)
    for key, kind in schema.items():
        name = prefix + key
        if key not in data:
            if isinstance(kind, Mapping):
                raise RubricError(f"{where} lacks the table [{name}]; copy it from the bundled rubric ({DEFAULT_RUBRIC})")
            hint = _bundled_value(name)
            raise RubricError(f"{where} lacks the key '{name}'; add it"
                              + (f" (the bundled rubric has {key} = {hint})" if hint is not None else ""))
        if isinstance(kind, Mapping):
            out[key] = _check(data[key], kind, where, name + ".")
        elif not _kind_ok(data[key], kind):
            raise RubricError(f"{where}: '{name}' must be {kind}, not {data[key]!r}")
        else:
            out[key] = _coerce(data[key], kind)
    return out


def _check_metrics(data: Any, table: str, where: str) -> dict[str, dict[str, Any]]:
    if not isinstance(data, Mapping) or not data:
        raise RubricError(f"{where} defines no [{table}.*] tables")
    out = {}
    for name, m in data.items():
        if not isinstance(m, Mapping):
            raise RubricError(f"{where}: [{table}.{name}] must be a table")
        missing = [k for k in _REQUIRED if k not in m]
        if missing:
            raise RubricError(f"{where}: metric '{name}' lacks {', '.join(missing)}")
        out[name] = _check(m, _METRIC, where, f"{table}.{name}.")
        if out[name]["low"] > out[name]["high"] or out[name]["tolerance"] <= 0 or out[name]["weight"] < 0:
            raise RubricError(f"{where}: metric '{name}' needs low <= high, tolerance > 0, weight >= 0")
    return out


def _validated(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The rubric's TOML as a dict, every value the code reads checked (:class:`RubricError` naming the key)."""
    if not isinstance(data, Mapping):
        raise RubricError(f"{where}: a rubric is a TOML table, not {type(data).__name__}")
    tone = data.get("tone")
    metrics = _check_metrics(tone.get("metrics") if isinstance(tone, Mapping) else None, "tone.metrics", where)
    for name in _NEEDED_TONE_METRICS:
        if name not in metrics:
            raise RubricError(f"{where} lacks the table [tone.metrics.{name}] (the feedback rules read its range; "
                              "give it weight = 0 to leave it out of the score)")
    out = _check(data, _SCHEMA, where, "")
    out["tone"] = {**tone, "metrics": metrics}
    if "metrics" not in data["content"]:
        raise RubricError(f"{where} lacks the tables [content.metrics.*]; copy them from the bundled rubric ({DEFAULT_RUBRIC})")
    out["content"]["metrics"] = _check_metrics(data["content"]["metrics"], "content.metrics", where)
    return out


@dataclass(frozen=True)
class Rubric:
    """A parsed and checked rubric: ``data`` is the TOML as a dict, ``path`` where it came from.

    Building one checks it: every value the scoring and feedback rules read
    must be in ``data`` with the right kind (numbers become floats), else a
    :class:`~tonecoach.errors.RubricError` names the missing key and the file.
    So code reads ``rubric.feedback("too_fast")["wpm_above"]`` without a
    fallback: the numbers live in the rubric file only.
    """

    data: Mapping[str, Any]
    path: str = "<rubric>"

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", _validated(self.data, f"rubric '{self.path}'"))

    @property
    def version(self) -> str:
        return self.data["version"]

    @property
    def tone_metrics(self) -> Mapping[str, Mapping[str, Any]]:
        return self.data["tone"]["metrics"]

    @property
    def content_metrics(self) -> Mapping[str, Mapping[str, Any]]:
        return self.data["content"]["metrics"]

    def feedback(self, key: str | None = None) -> Mapping[str, Any]:
        """A ``[feedback.<key>]`` table; without ``key`` the ``[feedback]`` table itself (``min_turn_words``, ...)."""
        return self.table("feedback", key) if key else self.data["feedback"]

    def conversation(self, key: str) -> Mapping[str, Any]:
        """A ``[conversation.<key>]`` table."""
        return self.table("conversation", key)

    def content(self, key: str) -> Mapping[str, Any]:
        """A ``[content.<key>]`` table (``rules``, ``customer``, ``transcript``, ``mismatch``)."""
        return self.table("content", key)

    @property
    def overall(self) -> Mapping[str, Any]:
        return self.data["overall"]

    def table(self, *names: str) -> Mapping[str, Any]:
        """The table at ``names`` (``table("feedback", "too_fast")``); RubricError naming it if there is none."""
        t: Any = self.data
        for i, n in enumerate(names):
            if not isinstance(t, Mapping) or not isinstance(t.get(n), Mapping):
                raise RubricError(f"rubric '{self.path}' has no table [{'.'.join(names[: i + 1])}]")
            t = t[n]
        return t

    def updated(self, changes: Mapping[str, Any], *, path: str | None = None) -> "Rubric":
        """A new, checked rubric with ``changes`` (nested tables, as in the TOML) merged over this one's values."""
        def merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
            out = dict(a)
            for k, v in b.items():
                out[k] = merge(a[k], v) if isinstance(v, Mapping) and isinstance(a.get(k), Mapping) else v
            return out
        return Rubric(data=merge(self.data, changes), path=path or self.path)


def load_rubric(path: str | Path | None = None) -> Rubric:
    """Read and check a rubric file (the bundled default when ``path`` is None).

    Raises
    ------
    RubricError
        If the file is missing, not TOML, or lacks a value the rules read
        (the message names the key and the file).
    """
    p = Path(path) if path else DEFAULT_RUBRIC
    try:
        with open(p, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise RubricError(f"rubric file not found: '{p}'") from None
    except IsADirectoryError:
        raise RubricError(f"rubric '{p}' is a directory, not a TOML file") from None
    except tomllib.TOMLDecodeError as exc:
        raise RubricError(f"rubric '{p}' is not valid TOML: {exc}") from None
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


def pace_target(rubric: Rubric) -> str:
    """The speaking-rate target of the rubric as people read it ("120-160 wpm")."""
    return TONE_RULES["too_fast"].target(rubric)


def _checks(p: Mapping[str, Any], voiced_s: float, rubric: Rubric) -> list[tuple[str, str, dict]]:
    """(category, severity, evidence) for each tone rule one piece of speech breaks."""
    out = []
    wpm = p.get("words_per_minute")
    if wpm is not None:
        r = rubric.feedback("too_fast")
        if wpm > r["wpm_above"]:
            out.append(("too_fast", "major" if wpm > r["major_above"] else "minor",
                        {"value": round(wpm, 1), "threshold": r["wpm_above"], "unit": "wpm", "target": pace_target(rubric)}))
        r = rubric.feedback("too_slow")
        if wpm < r["wpm_below"]:
            out.append(("too_slow", "minor", {"value": round(wpm, 1), "threshold": r["wpm_below"], "unit": "wpm"}))
    sd = p.get("pitch_sd_semitones")
    r = rubric.feedback("monotone")
    if sd is not None and voiced_s >= rubric.feedback()["min_voiced_s"] and sd < r["semitones_below"]:
        out.append(("monotone", "major" if sd < r["major_below"] else "minor",
                    {"value": round(sd, 2), "threshold": r["semitones_below"], "unit": "semitones",
                     "voiced_s": round(voiced_s, 1)}))
    db = p.get("energy_dbfs")
    r = rubric.feedback("low_energy")
    if db is not None and db < r["dbfs_below"]:
        out.append(("low_energy", "minor", {"value": round(db, 1), "threshold": r["dbfs_below"], "unit": "dBFS"}))
    clip = p.get("clipping_ratio")
    r = rubric.feedback("shouting")
    if (clip is not None and clip * 100 > r["clipping_percent_over"]) or (db is not None and db > r["dbfs_over"]):
        out.append(("shouting", "major", {
            "value": round(clip * 100, 2) if clip is not None else None, "unit": "% clipped",
            "threshold_percent": r["clipping_percent_over"], "energy_dbfs": None if db is None else round(db, 1),
            "threshold_dbfs": r["dbfs_over"]}))
    return out


def _told(category: str, found: list[tuple[Segment, str, dict]], agent: str | None) -> FeedbackItem:
    """One feedback item for a run of consecutive pieces that break the same rule."""
    first, last = found[0][0], found[-1][0]
    values = [ev["value"] for _, _, ev in found if ev.get("value") is not None]
    rule = TONE_RULES[category]
    unit = rule.unit
    if category == "shouting":
        v = "the signal clips or is near full scale"
    elif len(values) > 1 and min(values) != max(values):
        v = f"{min(values):.{1 if unit == 'semitones' else 0}f}-{max(values):.{1 if unit == 'semitones' else 0}f} {unit}"
    else:
        v = f"{values[0]:.{1 if unit == 'semitones' else 0}f} {unit}" if values else "not measured"
    when = f"at {_mmss(first.start_s)}" if len(found) == 1 else \
        f"from {_mmss(first.start_s)} to {_mmss(last.end_s)} ({len(found)} phrases in a row)"
    evidence = dict(found[0][2]) if len(found) == 1 else {
        **{k: v for k, v in found[0][2].items() if k != "value"},
        "value": max(values, key=lambda x: abs(x - float(found[0][2].get("threshold") or 0))) if values else None,
        "moments": [{"start_s": round(sg.start_s, 2), "end_s": round(sg.end_s, 2), "value": ev.get("value")} for sg, _, ev in found],
    }
    evidence["words"] = sum(len(sg.words) for sg, _, _ in found)
    severity = "major" if any(sev == "major" for _, sev, _ in found) else "minor"
    return _item(first.start_s, last.end_s, category, severity, rule.message(when=when, value=v), evidence, agent)


def tone_feedback(segments: Sequence[Segment], agent: str | None, rubric: Rubric, *, call_end_s: float | None = None,
                  units: Sequence[Segment] | None = None) -> list[FeedbackItem]:
    """Timestamped tone feedback for the agent's speech and for the call's silences.

    Categories: ``too_fast``, ``too_slow``, ``monotone``, ``low_energy``,
    ``dead_air``, ``rushed_ending``, ``shouting``. Each item's evidence holds
    the measured value, the threshold and the unit; consecutive phrases that
    break the same rule are told once, with each moment in ``evidence["moments"]``.

    Parameters
    ----------
    segments : the call's turns (all speakers), for dead air
    units : the agent's speech cut into the pieces to judge, each with its
        own prosody (long turns cut into phrases, so feedback points at a
        moment, not a minute); default: the agent's turns.
    """
    fb = rubric.feedback()
    min_words, min_s = fb["min_turn_words"], fb["min_turn_s"]
    agent_turns = [s for s in segments if s.speaker == agent]
    pieces = [u for u in units if u.speaker == agent] if units is not None else agent_turns
    judged = [s for s in pieces if len(s.words) >= min_words and s.end_s - s.start_s >= min_s]
    runs: dict[str, list[tuple[Segment, str, dict]]] = {}
    items: list[FeedbackItem] = []
    for s in judged:
        voiced_s = (s.prosody.get("voiced_ratio") or 0.0) * (s.end_s - s.start_s)
        broken = {cat: (sev, ev) for cat, sev, ev in _checks(s.prosody, voiced_s, rubric)}
        for cat in list(runs):
            if cat not in broken:  # the run of this rule ends here
                items.append(_told(cat, runs.pop(cat), agent))
        for cat, (sev, ev) in broken.items():
            runs.setdefault(cat, []).append((s, sev, ev))
    items.extend(_told(cat, found, agent) for cat, found in runs.items())
    # rushed ending: the agent's closing words against the agent's own earlier pace, or over the too-fast limit
    if len(judged) >= 2 and agent_turns and judged[-1].end_s >= agent_turns[-1].end_s:
        last = judged[-1]
        earlier = [s.prosody.get("words_per_minute") for s in judged[:-1] if s.prosody.get("words_per_minute")]
        lw = last.prosody.get("words_per_minute")
        r = rubric.feedback("rushed_ending")
        limit = rubric.feedback("too_fast")["wpm_above"]
        if earlier and lw:
            med = statistics.median(earlier)
            if lw > med * r["ratio_over"] or lw > limit:
                why = f"against {med:.0f} wpm earlier in the call" if lw > med * r["ratio_over"] else \
                    f"over the {limit:g} wpm limit ({med:.0f} wpm earlier in the call)"
                items.append(_item(last.start_s, last.end_s, "rushed_ending", "minor",
                                   f"Rushed ending at {_mmss(last.start_s)}: {lw:.0f} wpm {why}. "
                                   "Slow the closing down: it is what the caller remembers.",
                                   {"value": round(lw, 1), "median_wpm_before": round(med, 1), "ratio": round(lw / med, 2),
                                    "threshold_ratio": r["ratio_over"], "threshold_wpm": limit, "unit": "wpm"}, agent))
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
    over, major = r["seconds_over"], r["major_over"]
    out = []
    for a, b in dead_air_gaps(segments, over_s=over):
        out.append(_item(a, b, "dead_air", "major" if b - a > major else "minor",
                         f"Dead air at {_mmss(a)}: {b - a:.1f} s with nobody speaking. Fill long waits: say what you are doing.",
                         {"value": round(b - a, 1), "threshold": over, "unit": "s"}, None))
    return out
