"""QA scorecards in the database: each team's scorecards (versioned), and the answers, reviews and disputes on them.

- ``scorecards``: one row per revision of a team's scorecard (its TOML text
  whole, with its name, version and digest); ``team_id`` NULL holds the
  bundled default, which teams without their own use. A new revision never
  replaces an old one: answers keep pointing at the scorecard they answered.
- ``scorecard_answers``: tonecoach's automatic answer to each criterion on an
  analysis (``agent_report_id`` NULL) or on one owner's own version of it
  (after an agent correction), with its reason and evidence (JSON), per
  scorecard revision.
- ``scorecard_reviews``: a person's answer to a criterion on one owner's
  report (``agent_report_id``; ``report_id`` is the analysis behind it).
- ``scorecard_disputes``: an agent disputing one answer on their report, with a
  comment, until a team lead upholds or rejects it.
- ``scorecard_acknowledgements``: an agent saying they have seen the evaluation.

Nothing of one owner's report reaches another owner of the same analysis:
each of these rows belongs to an ``agent_reports`` row.

Who may do what is decided in :mod:`tonecoach.store.scorecards`, with the
rule of :mod:`tonecoach.store.access`. The tables are created by the
migration ``0004_scorecards`` and tied to owners' reports by ``0005_scorecard_owners``.
"""

from __future__ import annotations

import datetime as _dt

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .models import Base, Team, User, UTCDateTime, utcnow
from .review import AgentReport  # noqa: F401 - the table the owner columns refer to

__all__ = ["ANSWER_VALUES", "DISPUTE_STATES", "ScorecardAck", "ScorecardAnswer", "ScorecardDispute", "ScorecardReview",
           "TeamScorecard", "forget_own_answers"]

#: The answers a criterion can get.
ANSWER_VALUES = ("yes", "no", "not_applicable")
#: Where a dispute stands.
DISPUTE_STATES = ("open", "upheld", "rejected")

_ANSWER_CHECK = "answer IN ('yes', 'no', 'not_applicable')"


class TeamScorecard(Base):
    """One revision of a team's scorecard (``team_id`` None: the bundled default)."""

    __tablename__ = "scorecards"
    __table_args__ = (UniqueConstraint("team_id", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))
    toml_text: Mapped[str] = mapped_column(Text)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[_dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    team: Mapped[Team | None] = relationship()
    created_by: Mapped[User | None] = relationship()


class ScorecardAnswer(Base):
    """tonecoach's answer to one criterion of one scorecard revision on one report."""

    __tablename__ = "scorecard_answers"
    __table_args__ = (
        UniqueConstraint("report_id", "agent_report_id", "scorecard_id", "criterion_id",
                         name="uq_scorecard_answers_report_owner_card_criterion"),
        CheckConstraint(_ANSWER_CHECK, name="answer"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    #: None: answered on the shared analysis; else on this owner's own version of the report
    agent_report_id: Mapped[int | None] = mapped_column(ForeignKey("agent_reports.id", ondelete="CASCADE"), index=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[str] = mapped_column(String(64))
    answer: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    evidence_json: Mapped[str] = mapped_column(Text, default="[]")
    created_at: Mapped[_dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ScorecardReview(Base):
    """A person's answer to one criterion on an agent's report (the review form)."""

    __tablename__ = "scorecard_reviews"
    __table_args__ = (
        # named here: the generated name would pass PostgreSQL's 63 characters
        UniqueConstraint("agent_report_id", "scorecard_id", "criterion_id", name="uq_scorecard_reviews_owner_card_criterion"),
        CheckConstraint(_ANSWER_CHECK, name="answer"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    agent_report_id: Mapped[int] = mapped_column(ForeignKey("agent_reports.id", ondelete="CASCADE"), index=True)
    agent_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[str] = mapped_column(String(64))
    answer: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    reviewer_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[_dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[_dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_user_id])


class ScorecardDispute(Base):
    """An agent disputing one criterion's answer on their report, and how a lead settled it."""

    __tablename__ = "scorecard_disputes"
    __table_args__ = (CheckConstraint("status IN ('open', 'upheld', 'rejected')", name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    agent_report_id: Mapped[int] = mapped_column(ForeignKey("agent_reports.id", ondelete="CASCADE"), index=True)
    agent_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"))
    criterion_id: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[_dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[_dt.datetime | None] = mapped_column(UTCDateTime())
    resolved_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(Text)


class ScorecardAck(Base):
    """An agent acknowledging the evaluation of their report under one scorecard revision."""

    __tablename__ = "scorecard_acknowledgements"
    __table_args__ = (UniqueConstraint("agent_report_id", "scorecard_id", name="uq_scorecard_acks_owner_card"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    agent_report_id: Mapped[int] = mapped_column(ForeignKey("agent_reports.id", ondelete="CASCADE"), index=True)
    agent_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"))
    created_at: Mapped[_dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


def forget_own_answers(session, agent_report_id: int) -> None:
    """An owner's report got a new version: tonecoach's answers on the old one go (they are made again when read)."""
    for a in session.scalars(select(ScorecardAnswer).where(ScorecardAnswer.agent_report_id == agent_report_id)):
        session.delete(a)
