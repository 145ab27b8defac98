"""The rubric: one checked object holding every target range, weight and threshold.

:func:`load_rubric` reads ``tonecoach/data/rubric.toml`` or a team's own copy
and checks it once: every value the scoring and feedback rules read must be
there with the right kind, else a :class:`~tonecoach.errors.RubricError`
names the missing key and the file. The rules then read the rubric without
fallbacks, so each number lives in the rubric file only.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from .errors import RubricError
from .report import MetricScore

__all__ = ["DEFAULT_RUBRIC", "Rubric", "load_rubric", "metric_points", "score_metrics"]

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
    if kind == _INT:  # 3 or 3.0
        return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and float(v).is_integer()
    if kind == _STR:
        return isinstance(v, str)
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _coerce(v: Any, kind: str) -> Any:
    return float(v) if kind == _NUM else int(v) if kind == _INT else list(v) if kind == _STRS else v


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
            keys = ", ".join(f"'{table}.{name}.{k}'" for k in missing)
            raise RubricError(f"{where}: metric '{name}' lacks {', '.join(missing)} (the key{'s' if len(missing) > 1 else ''} {keys})")
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


# -- applying a rubric's metrics (the tone and the content scores both) -------------------


def metric_points(value: float | None, low: float, high: float, tolerance: float) -> float | None:
    """100 inside [low, high], falling linearly to 0 at ``tolerance`` beyond; None if unmeasured."""
    if value is None or not math.isfinite(value):
        return None
    if low <= value <= high:
        return 100.0
    dist = (low - value) if value < low else (value - high)
    return max(0.0, 100.0 * (1.0 - dist / tolerance))


def score_metrics(metrics: Mapping[str, Mapping[str, Any]], values: Mapping[str, float | None], *,
                  describe: Callable[[float | None, Mapping[str, Any]], str], evidence: Mapping[str, str] | None = None,
                  digits: int = 3) -> tuple[float | None, list[MetricScore]]:
    """One :class:`MetricScore` per rubric metric and their weighted mean over the metrics that apply.

    ``describe(value, metric)`` says the value against its target (the start of each metric's evidence);
    ``evidence[field]``, where given, says what it was measured over; ``digits`` rounds the stored value.
    The tone and the content scores are both made this way.
    """
    evidence = evidence or {}
    scored: list[MetricScore] = []
    num = den = 0.0
    for name, m in metrics.items():
        v = values.get(m["field"])
        v = None if v is None or not math.isfinite(float(v)) else float(v)
        pts = metric_points(v, float(m["low"]), float(m["high"]), float(m["tolerance"]))
        w = float(m["weight"])
        ev = describe(v, m) + (f"; {evidence[m['field']]}" if evidence.get(m["field"]) else "")
        scored.append(MetricScore(
            name=name, label=m["label"], value=None if v is None else round(v, digits), unit=m["unit"],
            target_low=float(m["low"]), target_high=float(m["high"]),
            score=None if pts is None else round(pts, 1), weight=w, source=m["source"], evidence=ev,
        ))
        if pts is not None and w > 0:
            num += w * pts
            den += w
    return (round(num / den, 1) if den > 0 else None), scored
