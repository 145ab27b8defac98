"""The call report: frozen dataclasses that every front end renders or stores.

A :class:`CallReport` is materialised (no lazy parts, no model handles) and
round-trips through plain JSON with :meth:`CallReport.to_dict` and
:meth:`CallReport.from_dict`. Its shape is public API: change it deliberately
and bump :data:`SCHEMA_VERSION`.
"""

from __future__ import annotations

import enum
import json
import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Mapping

__all__ = [
    "SCHEMA_VERSION",
    "Severity",
    "Role",
    "Word",
    "Segment",
    "Speaker",
    "AudioInfo",
    "LanguageInfo",
    "AgentDecision",
    "AgentEvidence",
    "MetricScore",
    "ToneResult",
    "FeedbackItem",
    "CallReport",
    "format_target",
]

SCHEMA_VERSION = "1.1"  # 1.1: the optional `scorecard`


class Severity(enum.StrEnum):
    """How much a feedback item matters. A ``str``: ``Severity.MAJOR == "major"``, and JSON holds the plain value."""

    INFO = "info"
    MINOR = "minor"
    MAJOR = "major"


class Role(enum.StrEnum):
    """Who a speaker is in the call. A ``str``: ``Role.AGENT == "agent"``, and JSON holds the plain value."""

    AGENT = "agent"
    CUSTOMER = "customer"
    UNKNOWN = "unknown"


def _clean(value: Any) -> Any:
    """Make a value JSON-safe: NaN/inf become None, tuples become lists, enums their plain values."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        return _clean(value.item())
    return value


@dataclass(frozen=True)
class Word:
    """One recognised word with its timing (seconds from the start of the call)."""

    text: str
    start_s: float
    end_s: float
    probability: float

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Word":
        return cls(str(d["text"]), float(d["start_s"]), float(d["end_s"]), float(d.get("probability", 1.0)))


@dataclass(frozen=True)
class Segment:
    """One speaker turn: a stretch of speech by one speaker.

    ``prosody`` holds the turn's prosody metrics (see
    :class:`tonecoach.prosody.TurnProsody`), JSON-ready.
    """

    start_s: float
    end_s: float
    speaker: str
    text: str
    words: tuple[Word, ...] = ()
    prosody: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Segment":
        return cls(
            start_s=float(d["start_s"]),
            end_s=float(d["end_s"]),
            speaker=str(d["speaker"]),
            text=str(d["text"]),
            words=tuple(Word.from_dict(w) for w in d.get("words", ())),
            prosody=dict(d.get("prosody") or {}),
        )


@dataclass(frozen=True)
class Speaker:
    """One party of the call. ``role`` is a :class:`Role` (``"agent"``, ``"customer"`` or ``"unknown"``)."""

    id: str
    role: Role
    talk_time_s: float
    channel: int | None = None
    prosody: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", Role(self.role))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Speaker":
        return cls(
            id=str(d["id"]),
            role=str(d["role"]),
            talk_time_s=float(d["talk_time_s"]),
            channel=d.get("channel"),
            prosody=dict(d.get("prosody") or {}),
        )


@dataclass(frozen=True)
class AudioInfo:
    """What was decoded. ``sample_rate`` is the source's rate, before resampling."""

    path: str | None
    duration_s: float
    sample_rate: int
    channels: int
    codec: str | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "AudioInfo":
        return cls(d.get("path"), float(d["duration_s"]), int(d["sample_rate"]), int(d["channels"]), d.get("codec"))


@dataclass(frozen=True)
class LanguageInfo:
    """The spoken language: ISO 639-1 code and detection probability (1.0 when forced)."""

    code: str | None
    probability: float
    forced: bool = False

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "LanguageInfo":
        return cls(d.get("code"), float(d.get("probability") or 0.0), bool(d.get("forced", False)))


@dataclass(frozen=True)
class AgentEvidence:
    """One piece of evidence about who the agent is: what a speaker said (or did) and when, with its weight.

    ``weight`` is in log-odds units: positive points to the agent, negative
    to the customer (see ``tonecoach/data/agent_cues.toml``).
    """

    speaker: str
    kind: str
    text: str
    start_s: float
    weight: float

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "AgentEvidence":
        return cls(str(d["speaker"]), str(d["kind"]), str(d.get("text", "")), float(d.get("start_s", 0.0)),
                   float(d.get("weight", 0.0)))


@dataclass(frozen=True)
class AgentDecision:
    """Which speaker is the agent, and why.

    ``confidence`` is the probability of the choice (calibrated on labelled
    calls, see the README); ``probabilities`` gives it for every speaker and
    ``evidence`` lists what was weighed. Reports written before the evidence
    was recorded read back with both empty.
    """

    speaker: str | None
    method: str
    reason: str
    confidence: float
    evidence: tuple[AgentEvidence, ...] = ()
    probabilities: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "AgentDecision":
        return cls(d.get("speaker"), str(d["method"]), str(d["reason"]), float(d.get("confidence", 0.0)),
                   evidence=tuple(AgentEvidence.from_dict(e) for e in d.get("evidence") or ()),
                   probabilities={str(k): float(v) for k, v in (d.get("probabilities") or {}).items()})


def format_target(low: float | None, high: float | None, unit: str = "") -> str:
    """A target range as people read it: "120-160 wpm", "-32 to -10 dBFS", "0 count"."""
    unit = f" {unit}" if unit else ""
    if low is None or high is None:
        return f"at least {low:g}{unit}" if low is not None else (f"at most {high:g}{unit}" if high is not None else "none")
    if low == high:
        return f"{low:g}{unit}"
    sep = " to " if low < 0 or high < 0 else "-"
    return f"{low:g}{sep}{high:g}{unit}"


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

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "MetricScore":
        return cls(**{f.name: d.get(f.name) for f in fields(cls)})


@dataclass(frozen=True)
class ToneResult:
    """The agent's tone score (0-100, or None when nothing could be measured) and its metrics."""

    score: float | None
    metrics: tuple[MetricScore, ...] = ()
    rubric_version: str = ""

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "ToneResult":
        return cls(
            score=d.get("score"),
            metrics=tuple(MetricScore.from_dict(m) for m in d.get("metrics", ())),
            rubric_version=str(d.get("rubric_version", "")),
        )


@dataclass(frozen=True)
class FeedbackItem:
    """A timestamped coaching point with the measurement behind it.

    ``severity`` is a :class:`Severity` (``"info"``, ``"minor"``, ``"major"``); ``category`` names
    the rubric rule (``too_fast``, ``monotone``, ...). ``evidence`` holds the
    measured value, the target and the unit.
    """

    start_s: float
    end_s: float
    category: str
    severity: Severity
    message: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    speaker: str | None = None
    suggestion: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "severity", Severity(self.severity))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "FeedbackItem":
        return cls(
            start_s=float(d["start_s"]),
            end_s=float(d["end_s"]),
            category=str(d["category"]),
            severity=str(d["severity"]),
            message=str(d["message"]),
            evidence=dict(d.get("evidence") or {}),
            speaker=d.get("speaker"),
            suggestion=d.get("suggestion"),
        )


@dataclass(frozen=True)
class CallReport:
    """Everything tonecoach found in one call."""

    audio: AudioInfo
    language: LanguageInfo
    models: Mapping[str, Any]
    speakers: tuple[Speaker, ...]
    segments: tuple[Segment, ...]
    tone: ToneResult
    feedback: tuple[FeedbackItem, ...] = ()
    warnings: tuple[str, ...] = ()
    timings_s: Mapping[str, float] = field(default_factory=dict)
    agent: AgentDecision | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    timeline: Mapping[str, Any] = field(default_factory=dict)
    content: Mapping[str, Any] | None = None
    conversation: Mapping[str, Any] | None = None
    #: the QA scorecard answered on the call (:class:`tonecoach.scorecard.ScorecardResult` as a dict), or None
    scorecard: Mapping[str, Any] | None = None
    tonecoach_version: str = ""
    created_at: str = ""
    schema_version: str = SCHEMA_VERSION

    # -- convenience -----------------------------------------------------------------
    @property
    def agent_speaker(self) -> Speaker | None:
        """The speaker whose role is ``agent``, if any."""
        return next((s for s in self.speakers if s.role == "agent"), None)

    @property
    def transcript(self) -> str:
        """All segment texts joined, in time order."""
        return " ".join(s.text for s in self.segments).strip()

    # -- serialisation ---------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (non-finite floats become ``None``)."""
        return _clean(asdict(self))

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "CallReport":
        """Rebuild a report written by :meth:`to_dict` (any 1.x schema)."""
        version = str(d.get("schema_version", ""))
        if not version.startswith("1."):
            from .errors import ToneCoachError

            raise ToneCoachError(f"unsupported report schema_version {version!r}; this tonecoach reads 1.x")
        agent = d.get("agent")
        return cls(
            audio=AudioInfo.from_dict(d["audio"]),
            language=LanguageInfo.from_dict(d["language"]),
            models=dict(d.get("models") or {}),
            speakers=tuple(Speaker.from_dict(s) for s in d.get("speakers", ())),
            segments=tuple(Segment.from_dict(s) for s in d.get("segments", ())),
            tone=ToneResult.from_dict(d["tone"]),
            feedback=tuple(FeedbackItem.from_dict(f) for f in d.get("feedback", ())),
            warnings=tuple(str(w) for w in d.get("warnings", ())),
            timings_s=dict(d.get("timings_s") or {}),
            agent=AgentDecision.from_dict(agent) if agent else None,
            options=dict(d.get("options") or {}),
            timeline=dict(d.get("timeline") or {}),
            content=d.get("content"),
            conversation=d.get("conversation"),
            scorecard=d.get("scorecard"),  # absent from reports made before scorecards (schema 1.0)
            tonecoach_version=str(d.get("tonecoach_version", "")),
            created_at=str(d.get("created_at", "")),
            schema_version=version,
        )

    @classmethod
    def from_json(cls, text: str) -> "CallReport":
        return cls.from_dict(json.loads(text))
