"""The typed sections of a call report: the content side, the conversation metrics and the pitch/energy timeline.

Each is a frozen dataclass whose ``to_dict()`` gives exactly the JSON shape
that reports of schema 1.x hold, and whose ``from_dict()`` reads it back
(keys missing from older reports take their defaults). Numbers are kept as
the producer wrote them (an ``int`` stays an ``int``), so a report written,
read and written again is the same JSON. :class:`tonecoach.report.CallReport`
re-exports all of them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Mapping

__all__ = [
    "MetricScore",
    "format_target",
    "Timeline",
    "Span",
    "HoldSpan",
    "Overlap",
    "Interruption",
    "ResponseLatency",
    "ConversationMetrics",
    "TranscriptReliability",
    "OverallScore",
    "ContentResult",
]


def format_target(low: float | None, high: float | None, unit: str = "") -> str:
    """A target range as people read it: "120-160 wpm", "-32 to -10 dBFS", "0 count"."""
    unit = f" {unit}" if unit else ""
    if low is None or high is None:
        return f"at least {low:g}{unit}" if low is not None else (f"at most {high:g}{unit}" if high is not None else "none")
    if low == high:
        return f"{low:g}{unit}"
    sep = " to " if low < 0 or high < 0 else "-"
    return f"{low:g}{sep}{high:g}{unit}"


def _build(cls, d: Mapping[str, Any]):
    """``cls`` from the keys of ``d`` that name its fields (the others take their defaults)."""
    return cls(**{f.name: d[f.name] for f in fields(cls) if f.name in d})


def _with_duration(d: Mapping[str, Any]) -> Mapping[str, Any]:
    """A span's mapping with ``duration_s`` (end minus start) when a hand-written one leaves it out."""
    if "duration_s" in d or "start_s" not in d or "end_s" not in d:
        return d
    return {**d, "duration_s": round(float(d["end_s"]) - float(d["start_s"]), 2)}


@dataclass(frozen=True)
class MetricScore:
    """One rubric metric: the measured value, its target range and the points it earned.

    ``score`` is 0-100 for this metric (100 inside the target range), or
    ``None`` when the metric could not be measured (then it carries no weight).
    """

    name: str
    label: str
    value: float | None
    unit: str
    target_low: float | None
    target_high: float | None
    score: float | None
    weight: float
    source: str
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "MetricScore":
        return cls(**{f.name: d.get(f.name) for f in fields(cls)})


# -- the timeline ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timeline:
    """Pitch (Hz) and energy (dBFS) per speaker on a coarse grid of ``hop_s`` seconds; empty for a call without words.

    ``pitch_hz`` and ``energy_db`` map a speaker id to one value (or None) per
    entry of ``times_s``.
    """

    hop_s: float | None = None
    times_s: tuple[float, ...] = ()
    pitch_hz: Mapping[str, tuple[float | None, ...]] = field(default_factory=dict)
    energy_db: Mapping[str, tuple[float | None, ...]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.hop_s is None and not self.times_s and not self.pitch_hz and not self.energy_db

    def to_dict(self) -> dict[str, Any]:
        if self.empty:
            return {}
        return {"hop_s": self.hop_s, "times_s": list(self.times_s),
                "pitch_hz": {k: list(v) for k, v in self.pitch_hz.items()},
                "energy_db": {k: list(v) for k, v in self.energy_db.items()}}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> "Timeline":
        d = d or {}
        series = lambda m: {str(k): tuple(v or ()) for k, v in m.items()} if isinstance(m, Mapping) else {}  # noqa: E731
        return cls(hop_s=d.get("hop_s"), times_s=tuple(d.get("times_s") or ()),
                   pitch_hz=series(d.get("pitch_hz")), energy_db=series(d.get("energy_db")))


# -- the conversation --------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A stretch of the call (dead air): start, end and length in seconds."""

    start_s: float
    end_s: float
    duration_s: float

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Span":
        return _build(cls, _with_duration(d))


@dataclass(frozen=True)
class HoldSpan:
    """A hold: ``kind`` is ``"music"`` or ``"silence"``; ``level_dbfs`` its sound level (None for silence)."""

    start_s: float
    end_s: float
    duration_s: float
    kind: str = "silence"
    level_dbfs: float | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "HoldSpan":
        return _build(cls, _with_duration(d))


@dataclass(frozen=True)
class Overlap:
    """Two speakers at once: who (``speakers``) and who came in (``started_by``, None when unknown)."""

    start_s: float
    end_s: float
    duration_s: float
    speakers: tuple[str, ...] = ()
    started_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "speakers": list(self.speakers)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Overlap":
        d = _with_duration(d)
        return cls(start_s=d["start_s"], end_s=d["end_s"], duration_s=d["duration_s"],
                   speakers=tuple(d.get("speakers") or ()), started_by=d.get("started_by"))


@dataclass(frozen=True)
class Interruption:
    """``speaker`` came in at ``at_s`` while ``interrupted`` was mid-sentence, overlapping for ``overlap_s``."""

    at_s: float
    speaker: str
    interrupted: str | None = None
    overlap_s: float = 0.0

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Interruption":
        return _build(cls, d)


@dataclass(frozen=True)
class ResponseLatency:
    """The customer stops, the agent starts: how many such gaps, their median and the worst (and when)."""

    count: int = 0
    median: float | None = None
    worst: float | None = None
    worst_at_s: float | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> "ResponseLatency":
        return _build(cls, d or {})


@dataclass(frozen=True)
class ConversationMetrics:
    """The report's ``conversation``: talk time, overtalk, interruptions, silences, latency and questions.

    See :func:`tonecoach.analysis.conversation.analyze_conversation` for what each
    figure measures; ``thresholds`` holds the rubric values they were judged
    against and ``diarization`` what the speaker separation found (None
    without it).
    """

    n_speakers: int = 0
    agent: str | None = None
    talk_time_s: Mapping[str, float] = field(default_factory=dict)
    agent_talk_ratio: float | None = None
    longest_agent_monologue_s: float | None = None
    longest_agent_monologue_at_s: float | None = None
    overlaps: tuple[Overlap, ...] = ()
    overtalk_s: float = 0.0
    agent_overtalk_s: float = 0.0
    interruptions: tuple[Interruption, ...] = ()
    agent_interruptions: int | None = None
    customer_interruptions: int | None = None
    dead_air: tuple[Span, ...] = ()
    dead_air_s: float = 0.0
    dead_air_share: float | None = None
    holds: tuple[HoldSpan, ...] = ()
    hold_s: float = 0.0
    response_latency_s: ResponseLatency = field(default_factory=ResponseLatency)
    agent_questions: int | None = None
    agent_questions_per_min: float | None = None
    thresholds: Mapping[str, float] = field(default_factory=dict)
    diarization: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, tuple):
                v = [x.to_dict() if hasattr(x, "to_dict") else asdict(x) for x in v]
            elif isinstance(v, ResponseLatency):
                v = asdict(v)
            elif isinstance(v, Mapping):
                v = dict(v)
            out[f.name] = v
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "ConversationMetrics":
        many = lambda key, kind: tuple(kind.from_dict(x) for x in d.get(key) or ())  # noqa: E731
        plain = {k: d[k] for k in ("n_speakers", "agent", "agent_talk_ratio", "longest_agent_monologue_s",
                                   "longest_agent_monologue_at_s", "overtalk_s", "agent_overtalk_s",
                                   "agent_interruptions", "customer_interruptions", "dead_air_s", "dead_air_share",
                                   "hold_s", "agent_questions", "agent_questions_per_min", "diarization") if k in d}
        return cls(**plain, talk_time_s=dict(d.get("talk_time_s") or {}), overlaps=many("overlaps", Overlap),
                   interruptions=many("interruptions", Interruption), dead_air=many("dead_air", Span),
                   holds=many("holds", HoldSpan), response_latency_s=ResponseLatency.from_dict(d.get("response_latency_s")),
                   thresholds=dict(d.get("thresholds") or {}))


# -- the content side --------------------------------------------------------------------------


@dataclass(frozen=True)
class TranscriptReliability:
    """Whether the content score can be trusted: the share of the agent's words in turns left unscored."""

    unscored_turns: int = 0
    agent_words: int = 0
    agent_words_unreliable: int = 0
    unreliable_share: float = 0.0
    limit: float = 1.0
    reliable: bool = True
    reason: str = ""

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> "TranscriptReliability":
        return _build(cls, d or {})


@dataclass(frozen=True)
class OverallScore:
    """Tone and content combined with the rubric's weights.

    ``content_weight_used`` is set (0.0) only when an unreliable content score
    was left out; JSON then carries it, and otherwise leaves it out.
    """

    score: float | None = None
    tone_weight: float = 0.0
    content_weight: float = 0.0
    combined: str = ""
    source: str = ""
    content_weight_used: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if self.content_weight_used is None:
            out.pop("content_weight_used")
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> "OverallScore":
        return _build(cls, d or {})


@dataclass(frozen=True)
class ContentResult:
    """The report's ``content``: what the agent said, scored from the rubric, with its evidence.

    ``summary`` (the balance sentence and the things to work on first),
    ``customer`` (the customer's sentiment, see
    :func:`tonecoach.wording.content.customer_sentiment`), ``model`` and the
    per-turn ``turns`` stay JSON mappings.
    """

    score: float | None = None
    reliable: bool = True
    transcript: TranscriptReliability = field(default_factory=TranscriptReliability)
    metrics: tuple[MetricScore, ...] = ()
    overall: OverallScore = field(default_factory=OverallScore)
    summary: Mapping[str, Any] = field(default_factory=dict)
    customer: Mapping[str, Any] | None = None
    language: str | None = None
    lexicon: bool = False
    scores: str = ""
    via_translation: bool = False
    model: Mapping[str, Any] = field(default_factory=dict)
    turns: tuple[Mapping[str, Any], ...] = ()
    rewording_count: int = 0
    mismatch_count: int = 0
    rubric_version: str = ""
    #: free-form content feedback (``{"message", "start_s"}`` or text) a report made elsewhere may carry;
    #: tonecoach writes none, and JSON leaves the key out when there is none
    feedback: tuple[Any, ...] = ()

    @property
    def work_on_first(self) -> tuple[Mapping[str, Any], ...]:
        """The summary's things to work on first (empty when there is no summary)."""
        return tuple((self.summary or {}).get("work_on_first") or ())

    def metric(self, name: str) -> MetricScore | None:
        """The content metric called ``name``, if the call has it."""
        return next((m for m in self.metrics if m.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "metrics":
                v = [m.to_dict() for m in v]
            elif f.name == "turns":
                v = [dict(t) for t in v]
            elif f.name == "feedback":
                if not v:
                    continue
                v = [dict(x) if isinstance(x, Mapping) else x for x in v]
            elif isinstance(v, (OverallScore, TranscriptReliability)):
                v = v.to_dict() if isinstance(v, OverallScore) else asdict(v)
            out[f.name] = v
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "ContentResult":
        plain = {k: d[k] for k in ("score", "reliable", "customer", "language", "lexicon", "scores", "via_translation",
                                   "rewording_count", "mismatch_count", "rubric_version") if k in d}
        return cls(**plain, transcript=TranscriptReliability.from_dict(d.get("transcript")),
                   metrics=tuple(MetricScore.from_dict(m) for m in d.get("metrics") or ()),
                   overall=OverallScore.from_dict(d.get("overall")), summary=dict(d.get("summary") or {}),
                   model=dict(d.get("model") or {}), turns=tuple(dict(t) for t in d.get("turns") or ()),
                   feedback=tuple(d.get("feedback") or ()))
