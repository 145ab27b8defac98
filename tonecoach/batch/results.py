"""What a batch reports: one :class:`FileResult` per input file and the :class:`BatchResult` of the run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..render.fmt import clock
from ..report import CallReport

if TYPE_CHECKING:  # pragma: no cover
    from ..scorecard import Scorecard, ScorecardResult

__all__ = ["STATUSES", "BatchResult", "CallSummary", "FileResult", "scorecard_of"]

#: Outcome of each input file.
STATUSES = ("scored", "already_scored", "duplicate", "not_audio", "failed")


@dataclass(frozen=True)
class CallSummary:
    """The few figures of a report that the exports need (the full report stays in the database)."""

    report_id: int
    duration_s: float
    language: str | None
    model: str
    rubric_version: str
    agent_speaker: str | None
    metrics: dict[str, Any]
    top_feedback: str | None
    categories: tuple[str, ...]
    warnings: tuple[str, ...]
    #: the batch's scorecard on the call: ``{"score", "passed", "answers": {criterion id: answer}}``, or None
    scorecard: dict[str, Any] | None = None
    agent_confidence: float | None = None
    agent_method: str | None = None

    @classmethod
    def of(cls, report: CallReport, report_id: int, scorecard: ScorecardResult | None = None) -> CallSummary:
        top = report.top_feedback()
        top_s = None
        if top is not None:
            top_s = f"{clock(top.start_s)}-{clock(top.end_s)} [{top.severity}] {top.message}"
        asr = report.models.get("asr") if isinstance(report.models, dict) else None
        return cls(
            report_id=report_id,
            duration_s=float(report.audio.duration_s),
            language=report.language.code,
            model=str(asr.get("name") if isinstance(asr, dict) else asr),
            rubric_version=report.tone.rubric_version,
            agent_speaker=report.agent.speaker if report.agent else None,
            metrics=report.key_figures(),
            top_feedback=top_s,
            categories=tuple(f.category for f in report.feedback),
            warnings=tuple(report.warnings),
            agent_confidence=report.agent.confidence if report.agent else None,
            agent_method=report.agent.method if report.agent else None,
            scorecard=None if scorecard is None else {
                "score": scorecard.score, "passed": scorecard.passed,
                "answers": {a.id: a.answer for a in scorecard.answers}},
        )


def scorecard_of(report: CallReport, card: Scorecard | None) -> ScorecardResult | None:
    """``card`` answered on ``report``: the report's own answers when it was made with this very scorecard."""
    if card is None:
        return None
    from ..scorecard import ScorecardResult, evaluate

    mine = report.scorecard
    if isinstance(mine, dict) and mine.get("digest") == card.digest[:16] and mine.get("answers"):
        try:
            return ScorecardResult.from_dict(mine)
        except (KeyError, TypeError, ValueError):
            pass  # a damaged copy: answer it again
    return evaluate(card, report)


@dataclass(frozen=True)
class FileResult:
    """What happened to one input file."""

    path: str
    status: str
    sha256: str | None = None
    error: str | None = None
    duplicate_of: str | None = None
    agent: str | None = None
    call: CallSummary | None = None
    modified: float | None = None  # the file's modification time (POSIX seconds): the call's week on the QA page


@dataclass
class BatchResult:
    files: list[FileResult]
    model_name: str
    rubric_version: str
    backend: str
    wall_s: float = 0.0
    audio_s_scored: float = 0.0
    worker_peak_rss_mb: dict[str, float] = field(default_factory=dict)
    exports: dict[str, str] = field(default_factory=dict)
    scorecard: Scorecard | None = None
    scorecard_s: float = 0.0  # time spent answering the scorecard in this process (reports made before this run)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def failed(self) -> int:
        return self.count("failed")

    @property
    def throughput(self) -> float | None:
        """Audio hours scored per wall-clock hour (the whole run, start-up included)."""
        return self.audio_s_scored / self.wall_s if self.wall_s > 0 and self.audio_s_scored else None
