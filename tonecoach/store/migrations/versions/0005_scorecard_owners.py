"""scorecard owners: human answers, disputes and acknowledgements belong to one owner's report.

0004 keyed them by ``report_id`` and ``agent_user_id``, with ``report_id``
pointing at the shared analysis (``reports``) while the web app wrote the
owner's report number there (an ``agent_reports`` id). The two numbers agree
for the first owner of an analysis only: for anyone else the row named
another analysis (or none), so a report's automatic answers could be read
from somebody else's call. From here on:

- ``scorecard_reviews``, ``scorecard_disputes`` and
  ``scorecard_acknowledgements`` get ``agent_report_id`` (the owner's report,
  not null, deleted with it) and keep ``report_id`` as the analysis; their
  uniqueness is per owner's report;
- ``scorecard_answers`` (tonecoach's own answers) get a nullable
  ``agent_report_id``: NULL for answers on the shared analysis, set for
  answers on an owner's own version of the report (after an agent
  correction).

Existing rows are placed as the code that wrote them meant them: a
``report_id`` that is an owner's report of that same agent is that report;
else the agent's own report of that analysis; rows that fit neither could
never be shown to anyone and are dropped. Automatic answers that may have
been made from the wrong call are dropped too: they are answered again, from
the report itself, the next time the report is opened.

Revision ID: 0005_scorecard_owners
Revises: 0004_scorecards
Create Date: 2026-12-02

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005_scorecard_owners"
down_revision: str | Sequence[str] | None = "0004_scorecards"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWNED = {
    # table: (old unique constraint, new unique constraint, its columns)
    "scorecard_reviews": ("uq_scorecard_reviews_report_agent_card_criterion", "uq_scorecard_reviews_owner_card_criterion",
                          ["agent_report_id", "scorecard_id", "criterion_id"]),
    "scorecard_disputes": (None, None, None),
    "scorecard_acknowledgements": ("uq_scorecard_acks_report_agent_card", "uq_scorecard_acks_owner_card",
                                   ["agent_report_id", "scorecard_id"]),
}


def _place(bind, table: str) -> None:
    """Give each row its owner's report; rows no owner has are removed."""
    rows = bind.execute(sa.text(f"SELECT id, report_id, agent_user_id FROM {table}")).all()
    for row_id, rid, uid in rows:
        own = bind.execute(sa.text("SELECT id, report_id FROM agent_reports WHERE id = :r AND agent_user_id = :u"),
                           {"r": rid, "u": uid}).first()
        if own is None:
            own = bind.execute(sa.text("SELECT id, report_id FROM agent_reports WHERE report_id = :r AND agent_user_id = :u"),
                               {"r": rid, "u": uid}).first()
        if own is None:
            bind.execute(sa.text(f"DELETE FROM {table} WHERE id = :i"), {"i": row_id})
        else:
            bind.execute(sa.text(f"UPDATE {table} SET agent_report_id = :a, report_id = :r WHERE id = :i"),
                         {"a": own[0], "r": own[1], "i": row_id})


def upgrade() -> None:
    bind = op.get_bind()
    for table in OWNED:
        op.add_column(table, sa.Column("agent_report_id", sa.Integer(), nullable=True))
    for table in OWNED:
        _place(bind, table)
    # two placed rows may now claim the same owner's answer (the row keyed by owner number and the one keyed by
    # analysis): the newer one stays
    for table, (_, _, cols) in OWNED.items():
        if cols:
            key = ", ".join(cols)
            bind.execute(sa.text(f"DELETE FROM {table} WHERE id NOT IN (SELECT MAX(id) FROM {table} GROUP BY {key})"))
    for table, (old_uq, new_uq, cols) in OWNED.items():
        with op.batch_alter_table(table) as b:
            b.alter_column("agent_report_id", existing_type=sa.Integer(), nullable=False)
            b.create_foreign_key(f"fk_{table}_agent_report_id_agent_reports", "agent_reports", ["agent_report_id"], ["id"],
                                 ondelete="CASCADE")
            b.create_index(f"ix_{table}_agent_report_id", ["agent_report_id"])
            if old_uq:
                b.drop_constraint(old_uq, type_="unique")
                b.create_unique_constraint(new_uq, cols)

    # tonecoach's answers: on the analysis (agent_report_id NULL) or on an owner's own version
    bind.execute(sa.text(
        "DELETE FROM scorecard_answers WHERE EXISTS (SELECT 1 FROM agent_reports ar "
        "WHERE ar.id = scorecard_answers.report_id AND ar.report_id != scorecard_answers.report_id)"))
    with op.batch_alter_table("scorecard_answers") as b:
        b.add_column(sa.Column("agent_report_id", sa.Integer(), nullable=True))
        b.create_foreign_key("fk_scorecard_answers_agent_report_id_agent_reports", "agent_reports", ["agent_report_id"],
                             ["id"], ondelete="CASCADE")
        b.create_index("ix_scorecard_answers_agent_report_id", ["agent_report_id"])
        b.drop_constraint("uq_scorecard_answers_report_id_scorecard_id_criterion_id", type_="unique")
        b.create_unique_constraint("uq_scorecard_answers_report_owner_card_criterion",
                                   ["report_id", "agent_report_id", "scorecard_id", "criterion_id"])


def downgrade() -> None:
    with op.batch_alter_table("scorecard_answers") as b:
        b.drop_constraint("uq_scorecard_answers_report_owner_card_criterion", type_="unique")
        b.drop_index("ix_scorecard_answers_agent_report_id")
        b.drop_constraint("fk_scorecard_answers_agent_report_id_agent_reports", type_="foreignkey")
        b.drop_column("agent_report_id")
    op.execute("DELETE FROM scorecard_answers WHERE id NOT IN (SELECT MIN(id) FROM scorecard_answers "
               "GROUP BY report_id, scorecard_id, criterion_id)")
    with op.batch_alter_table("scorecard_answers") as b:
        b.create_unique_constraint("uq_scorecard_answers_report_id_scorecard_id_criterion_id",
                                   ["report_id", "scorecard_id", "criterion_id"])
    for table, (old_uq, new_uq, _) in OWNED.items():
        with op.batch_alter_table(table) as b:
            if old_uq:
                b.drop_constraint(new_uq, type_="unique")
            b.drop_index(f"ix_{table}_agent_report_id")
            b.drop_constraint(f"fk_{table}_agent_report_id_agent_reports", type_="foreignkey")
            b.drop_column("agent_report_id")
    # 0004's meaning of report_id and its uniqueness per (analysis, agent); one row per key stays
    op.execute("DELETE FROM scorecard_reviews WHERE id NOT IN (SELECT MAX(id) FROM scorecard_reviews "
               "GROUP BY report_id, agent_user_id, scorecard_id, criterion_id)")
    op.execute("DELETE FROM scorecard_acknowledgements WHERE id NOT IN (SELECT MIN(id) FROM scorecard_acknowledgements "
               "GROUP BY report_id, agent_user_id, scorecard_id)")
    for table, (old_uq, _, _) in OWNED.items():
        if old_uq:
            cols = (["report_id", "agent_user_id", "scorecard_id", "criterion_id"] if table == "scorecard_reviews"
                    else ["report_id", "agent_user_id", "scorecard_id"])
            with op.batch_alter_table(table) as b:
                b.create_unique_constraint(old_uq, cols)
