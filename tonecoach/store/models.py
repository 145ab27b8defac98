"""The store's tables, as SQLAlchemy 2.x declarative models.

The schema itself is owned by the Alembic migrations in
``tonecoach/store/migrations``; these models must match them (a test compares
the two). Change both together, in a new migration.

Identity rules:

- a recording *is* its content: ``recordings.sha256`` is unique; the file name
  it arrived with is metadata only, and the stored audio is named by the hash;
- a report is unique per (recording, ASR model name, rubric version): scoring
  the same audio with the same model and rubric again is a no-op;
- ``batch_items`` remembers each input path a batch has seen (by path), with its
  content hash, outcome, error message and number of attempts.
"""

from __future__ import annotations

import datetime as _dt

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

__all__ = ["ITEM_STATUSES", "ROLES", "Base", "BatchItem", "Comment", "Recording", "Report", "Team", "User", "UTCDateTime",
           "utcnow"]

#: Roles a user can have.
ROLES = ("agent", "team_lead", "admin")

#: Outcomes of one batch input path.
ITEM_STATUSES = ("scored", "already_scored", "duplicate", "not_audio", "failed")

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


class UTCDateTime(TypeDecorator):
    """A point in time, stored in UTC and always read back timezone-aware (UTC).

    SQLite keeps no time zone: without this, a ``DateTime(timezone=True)``
    column reads back naive there but aware on PostgreSQL. A naive value
    written is taken as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.UTC)
        value = value.astimezone(_dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=_dt.UTC) if value.tzinfo is None else value.astimezone(_dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[_dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="team")


class User(Base):
    """A person: an agent whose calls are scored, a team lead or an admin.

    ``password_hash`` is reserved for the web app's login (hashing is not done
    here); ``None`` means the user cannot log in. ``disabled_at`` set means the
    account is disabled (no login, no session). ``session_epoch`` goes up by
    one whenever the user's sessions must end (a new password, disabling): a
    session is valid only while the epoch it was opened under is current.
    """

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('agent', 'team_lead', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(16), default="agent")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[_dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    disabled_at: Mapped[_dt.datetime | None] = mapped_column(UTCDateTime())
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    team: Mapped[Team | None] = relationship(back_populates="users")


class Recording(Base):
    """One call's audio, identified by the SHA-256 of its bytes.

    ``stored_path`` is relative to the data directory (``audio/ab/abcd...``) when
    the audio was copied in with :func:`tonecoach.store.store_audio`, else None.
    """

    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str | None] = mapped_column(String(500))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    duration_s: Mapped[float | None] = mapped_column(Float)
    language: Mapped[str | None] = mapped_column(String(16))
    agent_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    stored_path: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[_dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    agent_user: Mapped[User | None] = relationship()
    reports: Mapped[list[Report]] = relationship(back_populates="recording", cascade="all, delete-orphan",
                                                   passive_deletes=True)


class Report(Base):
    """One :class:`~tonecoach.report.CallReport`, stored whole as JSON, with key metrics as columns for filtering."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("recording_id", "model_name", "rubric_version"),
        Index("ix_reports_model_name_rubric_version", "model_name", "rubric_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"))
    model_name: Mapped[str] = mapped_column(String(200))
    rubric_version: Mapped[str] = mapped_column(String(64))
    tonecoach_version: Mapped[str] = mapped_column(String(32))
    report_json: Mapped[str] = mapped_column(Text)
    tone_score: Mapped[float | None] = mapped_column(Float, index=True)
    content_score: Mapped[float | None] = mapped_column(Float)
    agent_speaker: Mapped[str | None] = mapped_column(String(32))
    agent_talk_time_s: Mapped[float | None] = mapped_column(Float)
    agent_wpm: Mapped[float | None] = mapped_column(Float)
    agent_pitch_sd_semitones: Mapped[float | None] = mapped_column(Float)
    agent_energy_dbfs: Mapped[float | None] = mapped_column(Float)
    language: Mapped[str | None] = mapped_column(String(16), index=True)
    n_feedback: Mapped[int] = mapped_column(Integer, default=0)
    top_feedback_category: Mapped[str | None] = mapped_column(String(64), index=True)
    n_warnings: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[_dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    recording: Mapped[Recording] = relationship(back_populates="reports")
    comments: Mapped[list[Comment]] = relationship(back_populates="report", cascade="all, delete-orphan",
                                                     passive_deletes=True)

    def call_report(self):
        """The stored :class:`~tonecoach.report.CallReport`."""
        from ..report import CallReport

        return CallReport.from_json(self.report_json)


class Comment(Base):
    """A team lead's (or anyone's) note on a report, optionally at a time in the call.

    ``report_id`` is the analysis commented on; ``agent_report_id`` is whose
    report it is (one row of ``agent_reports``): a comment is shown with that
    owner's report only. It is None only for comments made before reports
    were kept per owner on an analysis that no one owned.
    """

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    agent_report_id: Mapped[int | None] = mapped_column(ForeignKey("agent_reports.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    at_s: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[_dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    report: Mapped[Report] = relationship(back_populates="comments")
    user: Mapped[User] = relationship()


class BatchItem(Base):
    """One input path seen by ``tonecoach batch``: its content hash, outcome, error and attempts."""

    __tablename__ = "batch_items"
    __table_args__ = (
        CheckConstraint("status IN ('scored', 'already_scored', 'duplicate', 'not_audio', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String(4096), unique=True)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"), index=True)
    model_name: Mapped[str | None] = mapped_column(String(200))
    rubric_version: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[_dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
