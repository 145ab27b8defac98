"""Initial schema: teams, users, recordings, reports, comments, batch_items.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-23

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001_initial"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_teams"),
        sa.UniqueConstraint("name", name="uq_teams_name"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint("role IN ('agent', 'team_lead', 'admin')", name="ck_users_role"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_users_team_id_teams", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("name", name="uq_users_name"),
    )
    op.create_index("ix_users_team_id", "users", ["team_id"])
    op.create_table(
        "recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("original_name", sa.String(500), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("language", sa.String(16), nullable=True),
        sa.Column("agent_user_id", sa.Integer(), nullable=True),
        sa.Column("stored_path", sa.String(200), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["agent_user_id"], ["users.id"], name="fk_recordings_agent_user_id_users",
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_recordings"),
        sa.UniqueConstraint("sha256", name="uq_recordings_sha256"),
    )
    op.create_index("ix_recordings_agent_user_id", "recordings", ["agent_user_id"])
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("model_name", sa.String(200), nullable=False),
        sa.Column("rubric_version", sa.String(64), nullable=False),
        sa.Column("tonecoach_version", sa.String(32), nullable=False),
        sa.Column("report_json", sa.Text(), nullable=False),
        sa.Column("tone_score", sa.Float(), nullable=True),
        sa.Column("content_score", sa.Float(), nullable=True),
        sa.Column("agent_speaker", sa.String(32), nullable=True),
        sa.Column("agent_talk_time_s", sa.Float(), nullable=True),
        sa.Column("agent_wpm", sa.Float(), nullable=True),
        sa.Column("agent_pitch_sd_semitones", sa.Float(), nullable=True),
        sa.Column("agent_energy_dbfs", sa.Float(), nullable=True),
        sa.Column("language", sa.String(16), nullable=True),
        sa.Column("n_feedback", sa.Integer(), nullable=False),
        sa.Column("top_feedback_category", sa.String(64), nullable=True),
        sa.Column("n_warnings", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["recording_id"], ["recordings.id"], name="fk_reports_recording_id_recordings",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_reports"),
        sa.UniqueConstraint("recording_id", "model_name", "rubric_version",
                            name="uq_reports_recording_id_model_name_rubric_version"),
    )
    op.create_index("ix_reports_model_name_rubric_version", "reports", ["model_name", "rubric_version"])
    op.create_index("ix_reports_tone_score", "reports", ["tone_score"])
    op.create_index("ix_reports_language", "reports", ["language"])
    op.create_index("ix_reports_top_feedback_category", "reports", ["top_feedback_category"])
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at_s", sa.Float(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name="fk_comments_report_id_reports", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_comments_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_comments"),
    )
    op.create_index("ix_comments_report_id", "comments", ["report_id"])
    op.create_index("ix_comments_user_id", "comments", ["user_id"])
    op.create_table(
        "batch_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(4096), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("model_name", sa.String(200), nullable=True),
        sa.Column("rubric_version", sa.String(64), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint("status IN ('scored', 'already_scored', 'duplicate', 'not_audio', 'failed')",
                           name="ck_batch_items_status"),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name="fk_batch_items_report_id_reports",
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_batch_items"),
        sa.UniqueConstraint("path", name="uq_batch_items_path"),
    )
    op.create_index("ix_batch_items_sha256", "batch_items", ["sha256"])
    op.create_index("ix_batch_items_report_id", "batch_items", ["report_id"])


def downgrade() -> None:
    op.drop_table("batch_items")
    op.drop_table("comments")
    op.drop_table("reports")
    op.drop_table("recordings")
    op.drop_table("users")
    op.drop_table("teams")
