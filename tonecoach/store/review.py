"""Whose report is it: the ``agent_reports`` table, one row per owner of an analysis.

An *analysis* (a ``reports`` row) belongs to the content it scored
(``recordings.sha256`` is unique, one analysis per content, model and
rubric), so the same bytes are analysed once however many people upload
them. What a person sees as *their report* is one ``agent_reports`` row: the
analysis as theirs, with their own upload name and date, review state,
comments (``comments.agent_report_id``) and, after they or their lead
corrected the agent, their own version of the report (``report_json`` and
the figures beside it). Its id is the report number the web app shows.
Nothing of one owner's row reaches another owner.

``tonecoach batch --agent NAME`` gives the agent a row too (source
``batch``). The table is created by the migration ``0002_agent_reports`` and
given its per-owner columns by ``0003_owner_reports``.
"""

from __future__ import annotations

import datetime as _dt

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .models import Base, Report, User, UTCDateTime, utcnow

__all__ = ["SOURCES", "AgentReport"]

#: How a report reached an agent's history.
SOURCES = ("upload", "microphone", "batch")


class AgentReport(Base):
    """One analysis as one owner's report: upload name, when, review, and their own corrected version if any.

    ``report_json`` is None while the owner's report is the shared analysis
    as it is; once set (the agent corrected), it and ``tone_score``,
    ``content_score``, ``n_feedback`` and ``agent_speaker`` are this owner's.
    """

    __tablename__ = "agent_reports"
    __table_args__ = (
        UniqueConstraint("agent_user_id", "report_id"),
        CheckConstraint("source IN ('upload', 'microphone', 'batch')", name="source"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(16), default="upload")
    created_at: Mapped[_dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    reviewed_at: Mapped[_dt.datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    report_json: Mapped[str | None] = mapped_column(Text)
    tone_score: Mapped[float | None] = mapped_column(Float)
    content_score: Mapped[float | None] = mapped_column(Float)
    n_feedback: Mapped[int | None] = mapped_column(Integer)
    agent_speaker: Mapped[str | None] = mapped_column(String(32))

    agent: Mapped[User] = relationship(foreign_keys=[agent_user_id])
    report: Mapped[Report] = relationship()
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_user_id])
