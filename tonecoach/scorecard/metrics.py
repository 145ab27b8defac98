"""The measured values a scorecard criterion can test, read from a :class:`~tonecoach.report.CallReport`.

Each metric returns ``(value, at_s, detail)``: the value (None when the call
does not allow it, e.g. the longest hold of a call without one), the moment
it points at, and what it was measured over, for the answer's evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..render.fmt import clock

__all__ = ["METRICS", "Metric", "metric_value"]

Reading = tuple[float | None, float | None, str]


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    unit: str
    help: str
    read: Callable[[Any], Reading]


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v)


def _content_metric(name: str) -> Callable[[Any], Reading]:
    def read(r) -> Reading:
        m = r.content.metric(name) if r.content is not None else None
        if m is not None:
            ev = str(m.evidence or "")
            return _num(m.value), None, ev.split("; ", 1)[1] if "; " in ev else ""
        return None, None, "the wording was not scored" if r.content is None else f"no {name} figure in the report"
    return read


def _agent_prosody(key: str) -> Callable[[Any], Reading]:
    def read(r) -> Reading:
        a = r.agent_speaker
        if a is None:
            return None, None, "no agent speaker"
        return _num(a.prosody.get(key)), None, f"over the agent's {a.talk_time_s:.0f} s of speech"
    return read


def _longest(kind: str) -> Callable[[Any], Reading]:
    def read(r) -> Reading:
        c = r.conversation
        if c is None:
            return None, None, "no conversation metrics (no speech)"
        items = [i for i in getattr(c, kind) if _num(i.duration_s) is not None]
        if not items:
            return (0.0, None, "none in the call") if kind == "dead_air" else (None, None, "no hold in the call")
        top = max(items, key=lambda i: i.duration_s)
        what = "dead air" if kind == "dead_air" else f"hold ({getattr(top, 'kind', 'silence')})"
        return float(top.duration_s), _num(top.start_s), (
            f"{what} at {clock(_num(top.start_s))}" + (f", the longest of {len(items)}" if len(items) > 1 else ""))
    return read


def _count(kind: str) -> Callable[[Any], Reading]:
    def read(r) -> Reading:
        c = r.conversation
        if c is None:
            return None, None, "no conversation metrics (no speech)"
        items = getattr(c, kind)
        first = _num(items[0].start_s) if items else None
        return float(len(items)), first, (f"first at {clock(first)}" if items else "none in the call")
    return read


def _conv_value(key: str, scale: float = 1.0, what: str = "") -> Callable[[Any], Reading]:
    def read(r) -> Reading:
        v = _num(getattr(r.conversation, key)) if r.conversation is not None else None
        return (None if v is None else round(v * scale, 3)), None, what if v is not None else "not measured on this call"
    return read


def _interruptions(r) -> Reading:
    c = r.conversation
    n = _num(c.agent_interruptions) if c is not None else None
    if n is None:
        return None, None, "not measured (one speaker, or no agent)"
    times = [i.at_s for i in c.interruptions if i.speaker == c.agent]
    return n, _num(times[0]) if times else None, (f"at {', '.join(clock(_num(t)) for t in times[:5])}" if times else "none")


def _latency(key: str) -> Callable[[Any], Reading]:
    def read(r) -> Reading:
        lat = r.conversation.response_latency_s if r.conversation is not None else None
        v = _num(getattr(lat, key)) if lat is not None else None
        at = _num(lat.worst_at_s) if key == "worst" and lat is not None else None
        count = lat.count if lat is not None else 0
        return v, at, f"over {count} response(s)" if v is not None else "no customer turn answered by the agent"
    return read


def _score(path: tuple[str, ...]) -> Callable[[Any], Reading]:
    def read(r) -> Reading:
        if path == ("tone",):
            return _num(r.tone.score), None, "tone score from the rubric's metrics"
        d: Any = r.content
        for k in path:
            d = getattr(d, k, None)
        return _num(d), None, "" if d is not None else "the wording was not scored"
    return read


def _sentiment(r) -> Reading:
    cust = r.content.customer if r.content is not None else None
    if not isinstance(cust, Mapping):
        return None, None, "too few customer turns to compare start and end"
    return _num(cust.get("change")), None, f"customer warmth {cust.get('start')} at the start, {cust.get('end')} at the end"


def _duration(r) -> Reading:
    return _num(r.audio.duration_s), None, ""


_DEFS = [
    ("tone_score", "Tone score", "/100", "the rubric's tone score (voice: pace, pitch, loudness, pauses)", _score(("tone",))),
    ("content_score", "Content score", "/100", "the rubric's content score (wording)", _score(("score",))),
    ("overall_score", "Overall score", "/100", "tone and content combined", _score(("overall", "score"))),
    ("politeness", "Politeness of the wording", "/100", "the politeness head over the agent's turns", _content_metric("politeness")),
    ("warmth", "Warmth of the wording", "/100", "the warmth head over the agent's turns", _content_metric("warmth")),
    ("blunt_per_100_words", "Blunt phrases", "per 100 words", "blame, dismissive and over-promising phrases", _content_metric("blunt")),
    ("negative_per_100_words", "Negative framing", "per 100 words", "negative framing phrases", _content_metric("negative_framing")),
    ("fillers_per_100_words", "Filler words", "per 100 words", "um, uh, you know...", _content_metric("fillers")),
    ("speaking_rate_wpm", "Speaking rate", "wpm", "the agent's words per minute", _agent_prosody("words_per_minute")),
    ("pitch_variability_semitones", "Pitch variability", "semitones", "spread of the agent's pitch",
     _agent_prosody("pitch_sd_semitones")),
    ("energy_dbfs", "Loudness", "dBFS", "the agent's speech level", _agent_prosody("energy_dbfs")),
    ("agent_talk_percent", "Agent's share of the talk", "%", "agent talk time over all talk time",
     _conv_value("agent_talk_ratio", 100.0, "agent talk time over all talk time")),
    ("longest_agent_monologue_s", "Longest agent monologue", "s", "", _conv_value("longest_agent_monologue_s")),
    ("agent_interruptions", "Agent interruptions", "count", "the agent starting while the customer is mid-sentence",
     _interruptions),
    ("agent_overtalk_s", "Overtalk started by the agent", "s", "", _conv_value("agent_overtalk_s")),
    ("dead_air_count", "Dead air", "count", "gaps over the rubric's dead-air limit, holds aside", _count("dead_air")),
    ("dead_air_s", "Dead air in total", "s", "", _conv_value("dead_air_s")),
    ("longest_dead_air_s", "Longest dead air", "s", "the longest gap with nobody speaking, holds aside", _longest("dead_air")),
    ("hold_count", "Holds", "count", "music, or silence over the rubric's hold limit", _count("holds")),
    ("hold_s", "Time on hold", "s", "", _conv_value("hold_s")),
    ("longest_hold_s", "Longest hold", "s", "not applicable to a call without a hold", _longest("holds")),
    ("response_latency_median_s", "Response time (median)", "s", "customer stops -> agent starts", _latency("median")),
    ("response_latency_worst_s", "Response time (worst)", "s", "customer stops -> agent starts", _latency("worst")),
    ("agent_questions", "Agent questions", "count", "question marks in the agent's turns",
     _conv_value("agent_questions", 1.0, "question marks in the agent's turns")),
    ("customer_sentiment_change", "Customer sentiment change", "0-1", "warmth of the customer's last turns minus the first",
     _sentiment),
    ("duration_s", "Call length", "s", "", _duration),
]

#: name -> :class:`Metric`
METRICS: Mapping[str, Metric] = {n: Metric(n, label, unit, help_, read) for n, label, unit, help_, read in _DEFS}


def metric_value(name: str, report) -> Reading:
    """``(value, at_s, detail)`` of metric ``name`` on ``report``."""
    return METRICS[name].read(report)
