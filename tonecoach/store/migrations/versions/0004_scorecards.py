"""scorecards: teams' QA scorecards (versioned), automatic and human answers, disputes, acknowledgements.

Revision ID: 0003_scorecards
Revises: 0002_agent_reports
Create Date: 2026-12-02

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004_scorecards"
down_revision: str | Sequence[str] | None = "0003_owner_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
ANSWER = "answer IN ('yes', 'no', 'not_applicable')"


def upgrade() -> None:
    op.create_table(
        "scorecards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("toml_text", sa.Text(), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_scorecards_team_id_teams", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_user_id"], ["users.id"], name="fk_scorecards_created_by_user_id_users",
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_scorecards"),
        sa.UniqueConstraint("team_id", "revision", name="uq_scorecards_team_id_revision"),
    )
    op.create_index("ix_scorecards_team_id", "scorecards", ["team_id"])
    op.create_table(
        "scorecard_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("scorecard_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.String(64), nullable=False),
        sa.Column("answer", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence_json", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint(ANSWER, name="ck_scorecard_answers_answer"),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name="fk_scorecard_answers_report_id_reports",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["scorecard_id"], ["scorecards.id"], name="fk_scorecard_answers_scorecard_id_scorecards",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_scorecard_answers"),
        sa.UniqueConstraint("report_id", "scorecard_id", "criterion_id",
                            name="uq_scorecard_answers_report_id_scorecard_id_criterion_id"),
    )
    op.create_index("ix_scorecard_answers_scorecard_id", "scorecard_answers", ["scorecard_id"])
    op.create_table(
        "scorecard_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("agent_user_id", sa.Integer(), nullable=False),
        sa.Column("scorecard_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.String(64), nullable=False),
        sa.Column("answer", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reviewer_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint(ANSWER, name="ck_scorecard_reviews_answer"),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name="fk_scorecard_reviews_report_id_reports",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["agent_user_id"], ["users.id"], name="fk_scorecard_reviews_agent_user_id_users",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["scorecard_id"], ["scorecards.id"], name="fk_scorecard_reviews_scorecard_id_scorecards",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reviewer_user_id"], ["users.id"], name="fk_scorecard_reviews_reviewer_user_id_users",
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_scorecard_reviews"),
        sa.UniqueConstraint("report_id", "agent_user_id", "scorecard_id", "criterion_id",
                            name="uq_scorecard_reviews_report_agent_card_criterion"),
    )
    op.create_index("ix_scorecard_reviews_agent_user_id", "scorecard_reviews", ["agent_user_id"])
    op.create_index("ix_scorecard_reviews_scorecard_id", "scorecard_reviews", ["scorecard_id"])
    op.create_table(
        "scorecard_disputes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("agent_user_id", sa.Integer(), nullable=False),
        sa.Column("scorecard_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.String(64), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("resolved_at", TS, nullable=True),
        sa.Column("resolved_by_user_id", sa.Integer(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'upheld', 'rejected')", name="ck_scorecard_disputes_status"),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name="fk_scorecard_disputes_report_id_reports",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["agent_user_id"], ["users.id"], name="fk_scorecard_disputes_agent_user_id_users",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["scorecard_id"], ["scorecards.id"], name="fk_scorecard_disputes_scorecard_id_scorecards",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resolved_by_user_id"], ["users.id"],
                                name="fk_scorecard_disputes_resolved_by_user_id_users", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_scorecard_disputes"),
    )
    op.create_index("ix_scorecard_disputes_report_id", "scorecard_disputes", ["report_id"])
    op.create_index("ix_scorecard_disputes_agent_user_id", "scorecard_disputes", ["agent_user_id"])
    op.create_index("ix_scorecard_disputes_status", "scorecard_disputes", ["status"])
    op.create_table(
        "scorecard_acknowledgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("agent_user_id", sa.Integer(), nullable=False),
        sa.Column("scorecard_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name="fk_scorecard_acknowledgements_report_id_reports",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["agent_user_id"], ["users.id"],
                                name="fk_scorecard_acknowledgements_agent_user_id_users", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["scorecard_id"], ["scorecards.id"],
                                name="fk_scorecard_acknowledgements_scorecard_id_scorecards", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_scorecard_acknowledgements"),
        sa.UniqueConstraint("report_id", "agent_user_id", "scorecard_id",
                            name="uq_scorecard_acks_report_agent_card"),
    )
    op.create_index("ix_scorecard_acknowledgements_agent_user_id", "scorecard_acknowledgements", ["agent_user_id"])


def downgrade() -> None:
    op.drop_table("scorecard_acknowledgements")
    op.drop_table("scorecard_disputes")
    op.drop_table("scorecard_reviews")
    op.drop_table("scorecard_answers")
    op.drop_table("scorecards")
