"""The feedback rules, one object per category: what each is about and how it is told.

Tone rules (:data:`TONE_RULES`): the thresholds of each live in the rubric
(``[feedback.<category>]``); this registry holds what code needs to know of
each category once: the rubric's tone metric it is about, the prosody field it
measures, the unit words of its message, its plain label and its message
template. The scoring (:mod:`tonecoach.analysis.scoring`), the coaching views
(:mod:`tonecoach.coaching`) and the priorities (:mod:`tonecoach.wording.balance`)
all read it from here.

Conversation rules (:data:`CONVERSATION_RULES`): the categories of
:mod:`tonecoach.analysis.conversation` (talk share, interruptions, holds,
...), each with its rubric table (``[conversation.<section>]``, thresholds and
source), plain label, severity, message template and target text. The
conversation measures word their feedback through it, and the coaching views
and priorities take its labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from .report import FeedbackItem, Severity, format_target

if TYPE_CHECKING:  # pragma: no cover
    from .rubric import Rubric

__all__ = [
    "CONVERSATION_RULES",
    "ConversationRule",
    "TONE_RULES",
    "ToneRule",
    "category_field",
    "category_metric",
    "conversation_rule",
    "metric_categories",
    "tone_rule",
]


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


# -- conversation rules ------------------------------------------------------------------


@dataclass(frozen=True)
class ConversationRule:
    """One conversation feedback category.

    Parameters
    ----------
    category : the feedback item's ``category`` (``"slow_response"``)
    label : the category in plain words ("Slow to answer")
    section : the rubric's ``[conversation.<section>]`` table with its thresholds and ``source``
    unit : the unit of the evidence's value and threshold (``"s"``, ``"%"``, ``"count"``)
    template : the message, formatted with the finding's fields (``{at}``: the clock time, ``{seconds}``, ...)
    target_text : what a call should do, formatted with the rubric table's values (``{seconds_over:g}``)
    severity : the severity of a finding
    major_above : a key of the rubric table past which a finding is major instead, or None
    about_agent : the finding is about the agent (the item's ``speaker``); False: about the call (holds)
    """

    category: str
    label: str
    section: str
    unit: str
    template: str
    target_text: str
    severity: Severity = Severity.MINOR
    major_above: str | None = None
    about_agent: bool = True

    def target(self, rubric: "Rubric") -> str:
        """The target in ``rubric``'s figures ("answer within 3 s")."""
        return self.target_text.format(**rubric.conversation(self.section))

    def severity_of(self, measured: float | None, table: Mapping[str, Any]) -> Severity:
        """The severity of a finding that measured ``measured`` under the rubric ``table``."""
        if self.major_above is not None and measured is not None and measured > table[self.major_above]:
            return Severity.MAJOR
        return self.severity

    def message(self, **fields: Any) -> str:
        """The feedback message of a finding with these ``fields`` (those the template names)."""
        return self.template.format(**fields)

    def finding(self, table: Mapping[str, Any], start_s: float, end_s: float, *, value: Any, threshold: Any,
                agent: str | None, measured: float | None = None, evidence: Mapping[str, Any] | None = None,
                **fields: Any) -> FeedbackItem:
        """The feedback item of a finding over ``[start_s, end_s]``.

        Its evidence holds ``value`` and ``threshold`` in the rule's unit, then ``evidence``
        and the ``table``'s source; ``measured`` decides the severity (see :meth:`severity_of`);
        ``fields`` fill the message.
        """
        ev = {"value": value, "threshold": threshold, "unit": self.unit, **(evidence or {}), "source": table["source"]}
        return FeedbackItem(start_s=round(start_s, 2), end_s=round(end_s, 2), category=self.category,
                            severity=self.severity_of(measured, table), message=self.message(**fields), evidence=ev,
                            speaker=agent if self.about_agent else None)


CONVERSATION_RULES: dict[str, ConversationRule] = {r.category: r for r in (
    ConversationRule("talk_ratio_high", "You did most of the talking", "talk_ratio", "%",
                     "The agent talked {share:.0%} of the time. Ask and listen more: the best calls are nearer "
                     "{target:.0%} agent talk.",
                     "agent talk at most {share_above:.0%} of the call, best near {target:.0%}",
                     major_above="major_above"),
    ConversationRule("long_monologue", "Long monologue", "monologue", "s",
                     "Monologue at {at}: {seconds:.0f} s without letting the customer in. Check in with a question.",
                     "no agent monologue over {seconds_over:g} s"),
    ConversationRule("interruption", "Interrupted the customer", "interruption", "s",
                     "Interruption at {at}: the agent started while the customer was mid-sentence. Let them finish.",
                     "let the customer finish: no coming in mid-sentence for {min_overlap_s:g} s or more"),
    ConversationRule("overtalk", "Talking over the customer", "overtalk", "s",
                     "Overtalk at {at}: {seconds:.1f} s of talking over the customer.",
                     "no talking over the customer for {seconds_at_least:g} s or more"),
    ConversationRule("slow_response", "Slow to answer", "response_latency", "s",
                     "Slow response at {at}: {seconds:.1f} s before the agent answered. Acknowledge at once, "
                     "even if you need time to look something up.",
                     "answer within {seconds_over:g} s"),
    ConversationRule("hold", "Long hold", "hold", "s",
                     "Hold at {at}: {seconds:.0f} s of {kind}. Ask before holding and thank the customer after.",
                     "ask before holding and thank the customer after; no hold over {long_over_s:g} s",
                     severity=Severity.INFO, about_agent=False),
    ConversationRule("long_hold", "Long hold", "hold", "s",
                     "Hold at {at}: {seconds:.0f} s of {kind}. Check back with the customer at least every {every}.",
                     "no hold over {long_over_s:g} s without checking back",
                     severity=Severity.MAJOR, about_agent=False),
    ConversationRule("many_holds", "Many holds", "hold", "count",
                     "{count} holds in one call; more than {limit} leaves the customer waiting too often.",
                     "at most {count_over:g} holds in a call", about_agent=False),
    ConversationRule("few_questions", "Few questions asked", "questions", "count",
                     "The agent asked {asked}. Ask what the customer needs and check that it is solved.",
                     "at least {min_count:g} question(s) from the agent in calls of {min_call_s:g} s or more",
                     severity=Severity.INFO),
)}


def conversation_rule(category: str) -> ConversationRule | None:
    """The rule of a conversation feedback category, or None for other categories."""
    return CONVERSATION_RULES.get(category)
