"""The tone feedback rules, one object per category: what each is about and how it is told.

The thresholds of each rule live in the rubric (``[feedback.<category>]``);
this registry holds what code needs to know of each category once: the
rubric's tone metric it is about, the prosody field it measures, the unit
words of its message, its plain label and its message template. The scoring
(:mod:`tonecoach.analysis.scoring`), the coaching views (:mod:`tonecoach.coaching`)
and the priorities (:mod:`tonecoach.wording.balance`) all read it from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .report import Severity, format_target

if TYPE_CHECKING:  # pragma: no cover
    from .rubric import Rubric

__all__ = ["ToneRule", "TONE_RULES", "tone_rule", "category_metric", "category_field", "metric_categories"]


@dataclass(frozen=True)
class ToneRule:
    """One tone feedback category.

    Parameters
    ----------
    category : the feedback item's ``category`` (``"too_fast"``)
    label : the category in plain words ("Speaking too fast")
    metric : the rubric's ``[tone.metrics.<metric>]`` the category is about, or None
    field : the prosody field it measures (``"words_per_minute"``), or None
    unit : the unit as the message writes it ("words per minute")
    severity : the severity of a finding (one past a ``major_*`` threshold of the rubric is major)
    tell, advice : the message template: ``tell`` with ``{when}`` and ``{v}`` (the measured value
        with its unit), then the advice; None where the rule words its own message
    also_metrics : further tone metrics whose moments the category shows (loudness for shouting)
    """

    category: str
    label: str
    metric: str | None
    field: str | None
    unit: str = ""
    severity: Severity = Severity.MINOR
    tell: str | None = None
    advice: str | None = None
    also_metrics: tuple[str, ...] = ()

    def target(self, rubric: "Rubric") -> str:
        """The target range of the category's metric in ``rubric`` ("120-160 wpm"), or "" without a metric."""
        m = rubric.tone_metrics.get(self.metric) if self.metric else None
        return format_target(m["low"], m["high"], m["unit"]) if m else ""

    def message(self, *, when: str, value: str) -> str:
        """The feedback message for a finding ``when`` ("at 1:02") with its ``value`` ("182 words per minute")."""
        if self.tell is None:
            raise ValueError(f"the {self.category} rule words its own message")
        return f"{self.tell.format(when=when, v=value)} {self.advice}"


TONE_RULES: dict[str, ToneRule] = {r.category: r for r in (
    ToneRule("too_fast", "Speaking too fast", "speaking_rate", "words_per_minute", "words per minute",
             tell="Too fast {when}: {v}.", advice="Slow down and let each point land."),
    ToneRule("too_slow", "Speaking slowly", "speaking_rate", "words_per_minute", "words per minute",
             tell="Slow {when}: {v}.", advice="The caller may feel it drags."),
    ToneRule("rushed_ending", "Rushed ending", "speaking_rate", "words_per_minute", "wpm"),
    ToneRule("monotone", "Flat, monotone delivery", "pitch_variability", "pitch_sd_semitones", "semitones",
             tell="Flat delivery {when}: pitch varies by only {v}.",
             advice="Lift the key words and let your voice rise and fall."),
    ToneRule("low_energy", "Quiet, low energy", "energy_level", "energy_dbfs", "dBFS",
             tell="Low energy {when}: {v}.", advice="Sit up, project a little more, or check the headset level."),
    ToneRule("shouting", "Too loud or clipping", "clipping", None, "% clipped", severity=Severity.MAJOR,
             tell="Too loud {when}: {v}.", advice="Lower your voice or move the microphone away.",
             also_metrics=("energy_level",)),
    ToneRule("dead_air", "Dead air", "dead_air", None, "s"),
)}


def tone_rule(category: str) -> ToneRule | None:
    """The rule of a tone feedback category, or None for other categories."""
    return TONE_RULES.get(category)


def category_metric() -> dict[str, str]:
    """Tone category -> the rubric's tone metric it is about."""
    return {c: r.metric for c, r in TONE_RULES.items() if r.metric}


def category_field() -> dict[str, str]:
    """Tone category -> the prosody field it measures (categories measured per phrase only)."""
    return {c: r.field for c, r in TONE_RULES.items() if r.field}


def metric_categories() -> dict[str, tuple[str, ...]]:
    """Tone metric -> the categories that show it as moments, in the registry's order."""
    out: dict[str, list[str]] = {}
    for c, r in TONE_RULES.items():
        for m in (r.metric, *r.also_metrics):
            if m:
                out.setdefault(m, []).append(c)
    return {m: tuple(cs) for m, cs in out.items()}
