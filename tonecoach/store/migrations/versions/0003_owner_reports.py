"""Owner reports and session control: each owner of an analysis has their own report; users can be disabled.

- ``users.disabled_at``, ``users.session_epoch`` (sessions end when it changes);
- ``agent_reports`` becomes each owner's report: their own version after an
  agent correction (``report_json`` and its figures);
- every batch report of an agent gets its owner row (source ``batch``);
- owner rows are renumbered so that the first owner of each analysis keeps the
  report number the web app showed before (the analysis id); later owners of
  the same analysis get new numbers;
- ``comments.agent_report_id``: each comment goes with the owner whose report
  it was written on: the owner's own comments, their team leads' and admins'.
  An admin's comment on an analysis two agents shared was shown to both: it is
  copied to each, so that nobody loses a comment they could read. A comment
  on an analysis that no one owns keeps ``agent_report_id`` NULL.

Revision ID: 0003_owner_reports
Revises: 0002_agent_reports
Create Date: 2026-12-02

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003_owner_reports"
down_revision: str | Sequence[str] | None = "0002_agent_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    # plain ADD COLUMNs: no table copy (on SQLite, dropping and copying `users` would fire the
    # ON DELETE actions of every table that refers to it)
    op.add_column("users", sa.Column("disabled_at", TS, nullable=True))
    op.add_column("users", sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0"))
    for col in (sa.Column("report_json", sa.Text(), nullable=True), sa.Column("tone_score", sa.Float(), nullable=True),
                sa.Column("content_score", sa.Float(), nullable=True), sa.Column("n_feedback", sa.Integer(), nullable=True),
                sa.Column("agent_speaker", sa.String(32), nullable=True)):
        op.add_column("agent_reports", col)

    bind = op.get_bind()
    # batch reports of an agent, listed until now through recordings.agent_user_id: their owner rows
    bind.execute(sa.text(
        "INSERT INTO agent_reports (agent_user_id, report_id, original_name, source, created_at) "
        "SELECT rec.agent_user_id, r.id, rec.original_name, 'batch', r.created_at "
        "FROM reports r JOIN recordings rec ON rec.id = r.recording_id "
        "WHERE rec.agent_user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM agent_reports ar "
        "WHERE ar.agent_user_id = rec.agent_user_id AND ar.report_id = r.id)"))

    # the first owner of each analysis keeps its number; the others get new ones
    rows = bind.execute(sa.text("SELECT id, report_id FROM agent_reports ORDER BY report_id, created_at, id")).all()
    top = max([0] + [int(x) for x in bind.execute(sa.text("SELECT id FROM reports")).scalars()]
              + [int(i) for i, _ in rows])
    new_ids, seen = {}, set()
    for old, rid in rows:
        if rid not in seen:
            seen.add(rid)
            new_ids[old] = rid
        else:
            top += 1
            new_ids[old] = top
    if any(old != new for old, new in new_ids.items()):
        bind.execute(sa.text("UPDATE agent_reports SET id = -id"))
        for old, new in new_ids.items():
            bind.execute(sa.text("UPDATE agent_reports SET id = :new WHERE id = :old"), {"new": new, "old": -old})
        if bind.dialect.name == "postgresql":
            bind.execute(sa.text("SELECT setval(pg_get_serial_sequence('agent_reports', 'id'), "
                                 "(SELECT COALESCE(MAX(id), 1) FROM agent_reports))"))

    with op.batch_alter_table("comments") as b:
        b.add_column(sa.Column("agent_report_id", sa.Integer(), nullable=True))
        b.create_foreign_key("fk_comments_agent_report_id_agent_reports", "agent_reports", ["agent_report_id"], ["id"],
                             ondelete="CASCADE")
        b.create_index("ix_comments_agent_report_id", ["agent_report_id"])

    # each comment goes with the owners who could read it
    owners: dict[int, list[tuple[int, int, int | None]]] = {}
    for ar_id, rid, uid, team in bind.execute(sa.text(
            "SELECT ar.id, ar.report_id, ar.agent_user_id, u.team_id FROM agent_reports ar "
            "JOIN users u ON u.id = ar.agent_user_id ORDER BY ar.created_at, ar.id")):
        owners.setdefault(rid, []).append((ar_id, uid, team))
    comments = bind.execute(sa.text(
        "SELECT c.id, c.report_id, c.user_id, c.at_s, c.text, c.created_at, u.role, u.team_id "
        "FROM comments c JOIN users u ON u.id = c.user_id ORDER BY c.id")).all()
    for cid, rid, author, at_s, text, created, role, author_team in comments:
        targets = [ar_id for ar_id, uid, team in owners.get(rid, [])
                   if author == uid or role == "admin"
                   or (role == "team_lead" and author_team is not None and author_team == team)]
        if not targets:
            continue
        bind.execute(sa.text("UPDATE comments SET agent_report_id = :a WHERE id = :c"), {"a": targets[0], "c": cid})
        for ar_id in targets[1:]:
            bind.execute(sa.text("INSERT INTO comments (report_id, agent_report_id, user_id, at_s, text, created_at) "
                                 "VALUES (:r, :a, :u, :t, :x, :c)"),
                         {"r": rid, "a": ar_id, "u": author, "t": at_s, "x": text, "c": created})


def downgrade() -> None:
    with op.batch_alter_table("comments") as b:
        b.drop_index("ix_comments_agent_report_id")
        b.drop_constraint("fk_comments_agent_report_id_agent_reports", type_="foreignkey")
        b.drop_column("agent_report_id")
    for name in ("agent_speaker", "n_feedback", "content_score", "tone_score", "report_json"):
        op.drop_column("agent_reports", name)
    op.drop_column("users", "session_epoch")
    op.drop_column("users", "disabled_at")
