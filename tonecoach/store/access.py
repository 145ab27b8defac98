"""Who may see what: every read and write the web app makes on reports goes through here.

The rule, enforced in the queries themselves (never by hiding things in a UI):

- an **agent** sees the reports that are theirs;
- a **team lead** sees their own and those of every member of their team;
- an **admin** sees all.

"Theirs" means an ``agent_reports`` row (an upload in the web app) or, for
reports stored by ``tonecoach batch --agent``, ``recordings.agent_user_id``.
A report id the viewer may not see behaves exactly like one that does not
exist: :func:`get_entry` returns None, :func:`comments` an empty list, and
writes raise :class:`NotFoundError` with the same message either way.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, exists, false, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from ..report import CallReport
from .accounts import Account
from .api import Store
from .errors import StoreError
from .models import Comment, Recording, Report, User, utcnow
from .review import SOURCES, AgentReport

__all__ = [
    "MAX_COMMENT_CHARS",
    "CommentView",
    "Entry",
    "Filters",
    "NotFoundError",
    "PermissionDeniedError",
    "add_comment",
    "can_review",
    "comments",
    "entries",
    "get_entry",
    "load_report",
    "mark_reviewed",
    "replace_report",
    "save_upload",
    "trend",
    "visible_agents",
]

MAX_COMMENT_CHARS = 4000


class NotFoundError(StoreError):
    """No such report, or not one the user may see (the two are not told apart)."""


class PermissionDeniedError(StoreError):
    """The user may see the report but not do this to it (e.g. an agent marking it reviewed)."""


@dataclass(frozen=True)
class Entry:
    """One report as one agent's: a row of a history or review table."""

    report_id: int
    agent_id: int
    agent: str
    team: str | None
    name: str | None
    source: str
    created_at: _dt.datetime
    language: str | None
    tone_score: float | None
    content_score: float | None
    n_feedback: int
    duration_s: float | None
    reviewed_at: _dt.datetime | None = None
    reviewed_by: str | None = None


@dataclass(frozen=True)
class Filters:
    """Review-table filters; None means "any". Dates are inclusive, in UTC."""

    agent: str | None = None
    date_from: _dt.date | None = None
    date_to: _dt.date | None = None
    language: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    reviewed: bool | None = None


@dataclass(frozen=True)
class CommentView:
    id: int
    author: str
    author_role: str
    at_s: float | None
    text: str
    created_at: _dt.datetime


# -- the rule ---------------------------------------------------------------------------


def _scope(viewer: Account, agent):
    """SQL condition on the agent (a ``User`` alias) for what ``viewer`` may see; None for everything."""
    if viewer.role == "admin":
        return None
    if viewer.role == "team_lead" and viewer.team_id is not None:
        return or_(agent.id == viewer.id, agent.team_id == viewer.team_id)
    if viewer.role in ("agent", "team_lead"):
        return agent.id == viewer.id
    return false()  # pragma: no cover - the roles are checked by the database


def _may_see_agent(viewer: Account, agent_id: int, agent_team_id: int | None) -> bool:
    if viewer.role == "admin" or agent_id == viewer.id:
        return True
    return viewer.role == "team_lead" and viewer.team_id is not None and agent_team_id == viewer.team_id


def can_review(viewer: Account, entry: Entry | None, agent_team_id: int | None = None) -> bool:
    """Team leads (of the agent's team) and admins may mark reviews; agents may not."""
    if entry is None:
        return False
    if viewer.role == "admin":
        return True
    return viewer.role == "team_lead" and viewer.team_id is not None and agent_team_id == viewer.team_id


# -- reading ----------------------------------------------------------------------------


def _entry_queries(viewer: Account, filters: Filters | None, report_ids: Sequence[int] | None = None):
    f = filters or Filters()
    agent, reviewer = aliased(User), aliased(User)
    from .models import Team

    team = aliased(Team)
    cols = (Report.id, agent.id, agent.name, team.name, Report.language, Report.tone_score, Report.content_score,
            Report.n_feedback, Recording.duration_s)
    # uploads (and reviewed batch reports)
    q1 = (select(*cols, AgentReport.original_name, AgentReport.source, AgentReport.created_at, AgentReport.reviewed_at,
                 reviewer.name)
          .select_from(AgentReport)
          .join(Report, Report.id == AgentReport.report_id)
          .join(Recording, Recording.id == Report.recording_id)
          .join(agent, agent.id == AgentReport.agent_user_id)
          .outerjoin(team, team.id == agent.team_id)
          .outerjoin(reviewer, reviewer.id == AgentReport.reviewed_by_user_id))
    # batch reports with an agent and no agent_reports row
    has_row = exists().where(AgentReport.agent_user_id == Recording.agent_user_id, AgentReport.report_id == Report.id)
    q2 = (select(*cols, Recording.original_name, _literal("batch"), Report.created_at, _literal(None), _literal(None))
          .select_from(Report)
          .join(Recording, Recording.id == Report.recording_id)
          .join(agent, agent.id == Recording.agent_user_id)
          .outerjoin(team, team.id == agent.team_id)
          .where(~has_row))
    scope = _scope(viewer, agent)
    out = []
    for q, when, reviewed_col in ((q1, AgentReport.created_at, AgentReport.reviewed_at), (q2, Report.created_at, None)):
        conds = [] if scope is None else [scope]
        if report_ids is not None:
            conds.append(Report.id.in_(list(report_ids)))
        if f.agent:
            conds.append(agent.name == f.agent)
        if f.language:
            conds.append(Report.language == f.language)
        if f.min_score is not None:
            conds.append(Report.tone_score >= f.min_score)
        if f.max_score is not None:
            conds.append(Report.tone_score <= f.max_score)
        if f.date_from is not None:
            conds.append(when >= _dt.datetime.combine(f.date_from, _dt.time.min, _dt.UTC))
        if f.date_to is not None:
            conds.append(when < _dt.datetime.combine(f.date_to + _dt.timedelta(days=1), _dt.time.min, _dt.UTC))
        if f.reviewed is not None:
            if reviewed_col is None:
                if f.reviewed:
                    continue  # batch reports without a row were never reviewed
            else:
                conds.append(reviewed_col.is_not(None) if f.reviewed else reviewed_col.is_(None))
        out.append(q.where(and_(*conds)) if conds else q)
    return out


def _literal(v):
    from sqlalchemy import literal, null

    return null() if v is None else literal(v)


def _as_utc(t: _dt.datetime | None) -> _dt.datetime | None:
    if t is not None and t.tzinfo is None:  # SQLite gives naive datetimes back
        return t.replace(tzinfo=_dt.UTC)
    return t


def _to_entry(row) -> Entry:
    (rid, aid, aname, tname, lang, tone, content, nfb, dur, oname, source, created, reviewed_at, reviewed_by) = row
    return Entry(report_id=rid, agent_id=aid, agent=aname, team=tname, name=oname, source=source,
                 created_at=_as_utc(created), language=lang, tone_score=tone, content_score=content,
                 n_feedback=nfb or 0, duration_s=dur, reviewed_at=_as_utc(reviewed_at), reviewed_by=reviewed_by)


def entries(store: Store, viewer: Account, filters: Filters | None = None, *, limit: int = 1000) -> list[Entry]:
    """The reports ``viewer`` may see, newest first, filtered."""
    with store.session() as s:
        rows = [_to_entry(r) for q in _entry_queries(viewer, filters) for r in s.execute(q.limit(limit))]
    rows.sort(key=lambda e: (e.created_at, e.report_id), reverse=True)
    return rows[:limit]


def get_entry(store: Store, viewer: Account, report_id: int | str | None) -> Entry | None:
    """The entry of this report that ``viewer`` may see (their own first), or None."""
    rid = _report_id(report_id)
    if rid is None:
        return None
    with store.session() as s:
        found = [_to_entry(r) for q in _entry_queries(viewer, None, [rid]) for r in s.execute(q)]
    if not found:
        return None
    found.sort(key=lambda e: (e.agent_id != viewer.id, -e.created_at.timestamp()))
    return found[0]


def _report_id(report_id) -> int | None:
    try:
        rid = int(report_id)
    except (TypeError, ValueError):
        return None
    return rid if rid > 0 else None


def load_report(store: Store, viewer: Account, report_id) -> tuple[Entry, CallReport, str | None] | None:
    """``(entry, report, stored audio path relative to the data dir)`` if ``viewer`` may see it, else None."""
    e = get_entry(store, viewer, report_id)
    if e is None:
        return None
    with store.session() as s:
        row = s.execute(select(Report.report_json, Recording.stored_path).join(Recording)
                        .where(Report.id == e.report_id)).one()
    return e, CallReport.from_json(row[0]), row[1]


def visible_agents(store: Store, viewer: Account) -> list[str]:
    """Names of the people whose reports ``viewer`` may see (for a filter), sorted."""
    agent = aliased(User)
    q = select(agent.name).where(agent.role.in_(("agent", "team_lead")))
    scope = _scope(viewer, agent)
    if scope is not None:
        q = q.where(scope)
    with store.session() as s:
        return sorted(set(s.scalars(q)))


def trend(store: Store, viewer: Account, agent_name: str) -> list[Entry]:
    """One agent's visible reports, oldest first (for a trend chart)."""
    rows = entries(store, viewer, Filters(agent=agent_name))
    return sorted(rows, key=lambda e: (e.created_at, e.report_id))


def comments(store: Store, viewer: Account, report_id) -> list[CommentView]:
    """Comments on a report that ``viewer`` may see, in time order.

    Shown: comments by the agent whose entry it is, by leads of that agent's
    team and by admins (two agents who uploaded the same audio share a
    report, not each other's coaching).
    """
    e = get_entry(store, viewer, report_id)
    if e is None:
        return []
    with store.session() as s:
        agent_team = s.scalar(select(User.team_id).where(User.id == e.agent_id))
        author = aliased(User)
        ok = [author.id == e.agent_id, author.role == "admin"]
        if agent_team is not None:
            ok.append(and_(author.role == "team_lead", author.team_id == agent_team))
        rows = s.execute(select(Comment.id, author.name, author.role, Comment.at_s, Comment.text, Comment.created_at)
                         .join(author, author.id == Comment.user_id)
                         .where(Comment.report_id == e.report_id, or_(*ok))
                         .order_by(Comment.at_s.is_(None), Comment.at_s, Comment.id))
        return [CommentView(i, n, r, a, t, _as_utc(c)) for i, n, r, a, t, c in rows]


# -- writing ----------------------------------------------------------------------------

NOT_FOUND = "no such report"


def add_comment(store: Store, viewer: Account, report_id, text: str, *, at_s: float | None = None) -> CommentView:
    """Add a comment, optionally pinned to a time in the call (seconds)."""
    e = get_entry(store, viewer, report_id)
    if e is None:
        raise NotFoundError(NOT_FOUND)
    text = (text or "").strip()
    if not text:
        raise StoreError("write a comment first")
    if len(text) > MAX_COMMENT_CHARS:
        raise StoreError(f"a comment is at most {MAX_COMMENT_CHARS} characters")
    if at_s is not None:
        at_s = float(at_s)
        if not (at_s >= 0.0) or (e.duration_s is not None and at_s > e.duration_s + 1.0):
            raise StoreError(f"the time must be within the call (0 to {e.duration_s or 0:.0f} s)")
    c = store.add_comment(e.report_id, viewer.id, text, at_s=at_s)
    return CommentView(c.id, viewer.name, viewer.role, c.at_s, c.text, _as_utc(c.created_at))


def mark_reviewed(store: Store, viewer: Account, report_id, *, reviewed: bool = True) -> Entry:
    """Mark (or unmark) an agent's report as reviewed: team leads of the agent's team and admins only."""
    e = get_entry(store, viewer, report_id)
    if e is None:
        raise NotFoundError(NOT_FOUND)
    with store.session() as s:
        team_id = s.scalar(select(User.team_id).where(User.id == e.agent_id))
    if not can_review(viewer, e, team_id):
        raise PermissionDeniedError("only the agent's team lead or an admin can mark a report reviewed")
    with store.write() as s:
        row = s.scalar(select(AgentReport).where(AgentReport.agent_user_id == e.agent_id,
                                                 AgentReport.report_id == e.report_id))
        if row is None:  # a batch report: it gets its row now
            row = AgentReport(agent_user_id=e.agent_id, report_id=e.report_id, original_name=e.name, source="batch",
                              created_at=e.created_at)
            s.add(row)
        row.reviewed_at = utcnow() if reviewed else None
        row.reviewed_by_user_id = viewer.id if reviewed else None
    out = get_entry(store, viewer, e.report_id)
    assert out is not None
    return out


def replace_report(store: Store, viewer: Account, report_id, report: CallReport) -> Entry:
    """Replace a report ``viewer`` may see with a new analysis of the same recording (e.g. another agent speaker).

    Its id, comments, history and review state stay. A report the viewer may
    not see raises :class:`NotFoundError`, as one that does not exist.
    """
    e = get_entry(store, viewer, report_id)
    if e is None:
        raise NotFoundError(NOT_FOUND)
    store.replace_report(e.report_id, report)
    out = get_entry(store, viewer, e.report_id)
    assert out is not None
    return out


def save_upload(store: Store, viewer: Account, report: CallReport, *, sha256: str, original_name: str | None,
                size_bytes: int | None, stored_path: str | None, source: str = "upload") -> int:
    """Store an analysed upload as ``viewer``'s: the report (one transaction), then its ``agent_reports`` row.

    Returns the report id. Uploading audio that already has a report (same
    content, model and rubric) adds the existing report to the viewer's history.
    """
    if source not in SOURCES:
        raise StoreError(f"unknown source {source!r}")
    res = store.save_report(report, sha256=sha256, original_name=original_name, size_bytes=size_bytes,
                            agent_name=viewer.name, stored_path=stored_path,
                            also=lambda s, r: _history_row(s, viewer, r.report_id, original_name, source))
    return res.report_id


def _history_row(s, viewer: Account, report_id: int, original_name: str | None, source: str) -> None:
    row = s.scalar(select(AgentReport).where(AgentReport.agent_user_id == viewer.id, AgentReport.report_id == report_id))
    if row is None:
        s.add(AgentReport(agent_user_id=viewer.id, report_id=report_id,
                          original_name=(original_name or "")[:500] or None, source=source))


def add_to_history(store: Store, viewer: Account, report_id: int, *, original_name: str | None, source: str) -> None:
    """Give ``viewer`` an ``agent_reports`` row for an existing report (idempotent)."""
    try:
        with store.write() as s:
            _history_row(s, viewer, report_id, original_name, source)
    except IntegrityError:  # pragma: no cover - the same user, twice at once, on a server database
        pass
