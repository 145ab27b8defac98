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
import re
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Any, Mapping

from .report_sections import (
    ContentResult,
    ConversationMetrics,
    HoldSpan,
    Interruption,
    MetricScore,
    OverallScore,
    Overlap,
    ResponseLatency,
    Span,
    Timeline,
    TranscriptReliability,
    format_target,
)

__all__ = [
    "SCHEMA_VERSION",
    "SEVERITY_RANK",
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
    "Timeline",
    "ConversationMetrics",
    "ContentResult",
    "OverallScore",
    "TranscriptReliability",
    "Span",
    "HoldSpan",
    "Overlap",
    "Interruption",
    "ResponseLatency",
]

SCHEMA_VERSION = "1.2"  # 1.1: the optional `scorecard`; 1.2: `agent.set_by`, `agent.automatic`, `agent.automatic_choice`


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


#: how much each severity counts when the most important feedback is chosen
SEVERITY_RANK = {"major": 3, "minor": 2, "info": 1}


def _number(v: Any) -> float | None:
    try:
        return None if v is None else float(v)
    except (TypeError, ValueError):
        return None


def _finite(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


def _plain(value: Any) -> Any:
    """A field of the report as plain data: the typed sections by their own ``to_dict``, other dataclasses by field."""
    if isinstance(value, (Timeline, ContentResult, ConversationMetrics)):
        return value.to_dict()
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
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
    :class:`tonecoach.analysis.prosody.TurnProsody`), JSON-ready.
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


#: how reports before schema 1.2 named a person's choice of the agent in ``reason``:
#: "set to S2 by ann in the web app; the automatic choice was S1 (phrases: ...)"
_WEB_CHOICE = re.compile(r"^set to .+? by (?P<who>.+?) in the web app(?:; the automatic choice was (?P<was>.*))?$", re.S)


@dataclass(frozen=True)
class AgentDecision:
    """Which speaker is the agent, and why.

    ``confidence`` is the probability of the choice (calibrated on labelled
    calls, see the README); ``probabilities`` gives it for every speaker and
    ``evidence`` lists what was weighed. Reports written before the evidence
    was recorded read back with both empty.

    ``automatic`` is True when tonecoach chose from the call's evidence and
    False for a person's choice (``--agent-channel``, ``--agent-speaker``, the
    web app); left as None on construction it follows ``method`` (``"option"``
    is a person's). ``set_by`` names the person who set the agent in the web
    app (None when tonecoach or a command-line option chose), and
    ``automatic_choice`` what tonecoach had chosen before that person changed
    it, as people read it (``"S1 (phrases: ...)"``).
    """

    speaker: str | None
    method: str
    reason: str
    confidence: float
    evidence: tuple[AgentEvidence, ...] = ()
    probabilities: Mapping[str, float] = field(default_factory=dict)
    set_by: str | None = None
    automatic: bool | None = None
    automatic_choice: str | None = None

    def __post_init__(self) -> None:
        if self.automatic is None:
            object.__setattr__(self, "automatic", self.set_by is None and self.method != "option")

    def described(self) -> str:
        """This choice as a later one names it: ``"S1 (phrases: ...)"``."""
        return f"{self.speaker} ({self.method}: {self.reason})"

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "AgentDecision":
        reason = str(d["reason"])
        set_by, automatic, was = d.get("set_by"), d.get("automatic"), d.get("automatic_choice")
        if "automatic" not in d:  # before schema 1.2 a person's choice in the web app was only told in the reason
            m = _WEB_CHOICE.match(reason)
            if m is not None:
                set_by, automatic, was = m["who"], False, m["was"]
        return cls(d.get("speaker"), str(d["method"]), reason, float(d.get("confidence", 0.0)),
                   evidence=tuple(AgentEvidence.from_dict(e) for e in d.get("evidence") or ()),
                   probabilities={str(k): float(v) for k, v in (d.get("probabilities") or {}).items()},
                   set_by=set_by, automatic=None if automatic is None else bool(automatic), automatic_choice=was)


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
    timeline: Timeline = field(default_factory=Timeline)
    content: ContentResult | None = None
    conversation: ConversationMetrics | None = None
    #: the QA scorecard answered on the call (:class:`tonecoach.scorecard.ScorecardResult` as a dict), or None
    scorecard: Mapping[str, Any] | None = None
    tonecoach_version: str = ""
    created_at: str = ""
    schema_version: str = SCHEMA_VERSION

    def __post_init__(self) -> None:
        # plain JSON mappings (a report built by hand, or by code written before these sections were typed)
        if not isinstance(self.timeline, Timeline):
            object.__setattr__(self, "timeline", Timeline.from_dict(self.timeline))
        if self.content is not None and not isinstance(self.content, ContentResult):
            object.__setattr__(self, "content", ContentResult.from_dict(self.content))
        if self.conversation is not None and not isinstance(self.conversation, ConversationMetrics):
            object.__setattr__(self, "conversation", ConversationMetrics.from_dict(self.conversation))

    # -- convenience -----------------------------------------------------------------
    @property
    def agent_speaker(self) -> Speaker | None:
        """The speaker whose role is ``agent``, if any."""
        return next((s for s in self.speakers if s.role == "agent"), None)

    @property
    def transcript(self) -> str:
        """All segment texts joined, in time order."""
        return " ".join(s.text for s in self.segments).strip()

    @property
    def content_score(self) -> float | None:
        """The wording (content) score, when the call has one that is a finite number."""
        return _finite(self.content.score) if self.content is not None else None

    @property
    def overall_score(self) -> float | None:
        """Tone and content combined (:attr:`ContentResult.overall`), when the content side was scored."""
        return _finite(self.content.overall.score) if self.content is not None else None

    def top_feedback(self) -> FeedbackItem | None:
        """The most important coaching point: the most severe, then the earliest (None without feedback)."""
        if not self.feedback:
            return None
        return min(self.feedback, key=lambda f: (-SEVERITY_RANK.get(f.severity, 0), f.start_s))

    def key_figures(self) -> dict[str, Any]:
        """The report's key figures, as the store's ``reports`` columns and the batch CSV show them."""
        agent = self.agent_speaker
        pros = dict(agent.prosody) if agent else {}
        top = self.top_feedback()
        return {
            "tone_score": _number(self.tone.score),
            "content_score": _number(self.content.score) if self.content is not None else None,
            "agent_speaker": agent.id if agent else (self.agent.speaker if self.agent else None),
            "agent_talk_time_s": _number(agent.talk_time_s) if agent else None,
            "agent_wpm": _number(pros.get("words_per_minute")),
            "agent_pitch_sd_semitones": _number(pros.get("pitch_sd_semitones")),
            "agent_energy_dbfs": _number(pros.get("energy_dbfs")),
            "language": self.language.code,
            "n_feedback": len(self.feedback),
            "top_feedback_category": top.category if top else None,
            "n_warnings": len(self.warnings),
        }

    # -- serialisation ---------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (non-finite floats become ``None``)."""
        return _clean({f.name: _plain(getattr(self, f.name)) for f in fields(self)})

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
            timeline=Timeline.from_dict(d.get("timeline")),
            content=ContentResult.from_dict(d["content"]) if d.get("content") is not None else None,
            conversation=ConversationMetrics.from_dict(d["conversation"]) if d.get("conversation") is not None else None,
            scorecard=d.get("scorecard"),  # absent from reports made before scorecards (schema 1.0)
            tonecoach_version=str(d.get("tonecoach_version", "")),
            created_at=str(d.get("created_at", "")),
            schema_version=version,
        )

    @classmethod
    def from_json(cls, text: str) -> "CallReport":
        return cls.from_dict(json.loads(text))
