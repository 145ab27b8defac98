"""agent_reports: a report as one agent's (upload name, date, review state) for the web app.

Revision ID: 0002_agent_reports
Revises: 0001_initial
Create Date: 2026-11-27

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002_agent_reports"
down_revision: str | Sequence[str] | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "agent_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_user_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("original_name", sa.String(500), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("reviewed_at", TS, nullable=True),
        sa.Column("reviewed_by_user_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("source IN ('upload', 'microphone', 'batch')", name="ck_agent_reports_source"),
        sa.ForeignKeyConstraint(["agent_user_id"], ["users.id"], name="fk_agent_reports_agent_user_id_users",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name="fk_agent_reports_report_id_reports",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reviewed_by_user_id"], ["users.id"],
                                name="fk_agent_reports_reviewed_by_user_id_users", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_agent_reports"),
        sa.UniqueConstraint("agent_user_id", "report_id", name="uq_agent_reports_agent_user_id_report_id"),
    )
    op.create_index("ix_agent_reports_agent_user_id", "agent_reports", ["agent_user_id"])
    op.create_index("ix_agent_reports_report_id", "agent_reports", ["report_id"])
    op.create_index("ix_agent_reports_created_at", "agent_reports", ["created_at"])


def downgrade() -> None:
    op.drop_table("agent_reports")
