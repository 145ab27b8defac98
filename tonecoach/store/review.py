"""Whose report is it, and has it been reviewed: the ``agent_reports`` table.

A report belongs to the content it scored (``recordings.sha256`` is unique),
so two agents who upload the same audio share one report. The web app needs
the report *as each agent's*: listed in that agent's history and in their team
lead's review table, with its own upload name, date and review state. One row
of ``agent_reports`` is exactly that pairing.

Reports stored by ``tonecoach batch`` with an agent name have no row until a
team lead marks one reviewed; :mod:`tonecoach.store.access` lists them through
``recordings.agent_user_id``.

The table is created by the migration ``0002_agent_reports``.
"""

from __future__ import annotations

import datetime as _dt

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .models import Base, Report, User, UTCDateTime, utcnow

__all__ = ["SOURCES", "AgentReport"]

#: How a report reached an agent's history.
SOURCES = ("upload", "microphone", "batch")


class AgentReport(Base):
    """One report as one agent's: upload name, when, and whether (and by whom) it was reviewed."""

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

    agent: Mapped[User] = relationship(foreign_keys=[agent_user_id])
    report: Mapped[Report] = relationship()
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_user_id])
