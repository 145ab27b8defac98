"""Who may see what: every read and write the web app makes on reports goes through here.

The rule, enforced in the queries themselves (never by hiding things in a UI):

- an **agent** sees the reports that are theirs;
- a **team lead** sees their own and those of every member of their team;
- an **admin** sees all.

A report is one owner's: an ``agent_reports`` row (an upload in the web app,
or a call ``tonecoach batch --agent`` scored for them), whose id is the
report number shown. Identical uploads share the analysis (the content-keyed
``reports`` row, so the same bytes are not analysed twice) but nothing else:
each owner has their own file name, date, comments, review state and, after
an agent correction, their own version of the report; the shared analysis is
shown to each owner under their own file name and upload time.

A report id the viewer may not see behaves exactly like one that does not
exist: :func:`get_entry` returns None, :func:`comments` an empty list, and
writes raise :class:`NotFoundError` with the same message either way. Nobody
marks their own call reviewed: a team lead's calls go to another lead of
their team or an admin.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, case, false, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from ..report import CallReport
from .accounts import Account
from .api import Store, _model_name, _owner_row
from .errors import StoreError
from .models import Comment, Recording, Report, User, utcnow
from .qa import forget_own_answers
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
    """One owner's report: a row of a history or review table.

    ``report_id`` is the report's number (an ``agent_reports`` id, what users
    see); ``analysis_id`` is the shared, content-keyed analysis behind it.
    """

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
    analysis_id: int = 0
    agent_team_id: int | None = None


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


def can_review(viewer: Account, entry: Entry | None, agent_team_id: int | None = None) -> bool:
    """Admins and the owner's team leads may mark a report reviewed; nobody their own call."""
    if entry is None or entry.agent_id == viewer.id:
        return False
    if viewer.role == "admin":
        return True
    team = agent_team_id if agent_team_id is not None else entry.agent_team_id
    return viewer.role == "team_lead" and viewer.team_id is not None and team == viewer.team_id


# -- reading ----------------------------------------------------------------------------


def _own(col_own, col_shared):
    """This owner's figure once they have their own version of the report, else the shared analysis's."""
    return case((AgentReport.report_json.is_not(None), col_own), else_=col_shared)


def _entry_query(viewer: Account, filters: Filters | None, report_ids: Sequence[int] | None = None):
    f = filters or Filters()
    agent, reviewer = aliased(User), aliased(User)
    from .models import Team

    team = aliased(Team)
    tone = _own(AgentReport.tone_score, Report.tone_score)
    q = (select(AgentReport.id, agent.id, agent.name, team.name, Report.language, tone,
                _own(AgentReport.content_score, Report.content_score), _own(AgentReport.n_feedback, Report.n_feedback),
                Recording.duration_s, AgentReport.original_name, AgentReport.source, AgentReport.created_at,
                AgentReport.reviewed_at, reviewer.name, Report.id, agent.team_id)
         .select_from(AgentReport)
         .join(Report, Report.id == AgentReport.report_id)
         .join(Recording, Recording.id == Report.recording_id)
         .join(agent, agent.id == AgentReport.agent_user_id)
         .outerjoin(team, team.id == agent.team_id)
         .outerjoin(reviewer, reviewer.id == AgentReport.reviewed_by_user_id))
    scope = _scope(viewer, agent)
    conds = [] if scope is None else [scope]
    if report_ids is not None:
        conds.append(AgentReport.id.in_(list(report_ids)))
    if f.agent:
        conds.append(agent.name == f.agent)
    if f.language:
        conds.append(Report.language == f.language)
    if f.min_score is not None:
        conds.append(tone >= f.min_score)
    if f.max_score is not None:
        conds.append(tone <= f.max_score)
    if f.date_from is not None:
        conds.append(AgentReport.created_at >= _dt.datetime.combine(f.date_from, _dt.time.min, _dt.UTC))
    if f.date_to is not None:
        conds.append(AgentReport.created_at < _dt.datetime.combine(f.date_to + _dt.timedelta(days=1), _dt.time.min,
                                                                   _dt.UTC))
    if f.reviewed is not None:
        conds.append(AgentReport.reviewed_at.is_not(None) if f.reviewed else AgentReport.reviewed_at.is_(None))
    return q.where(and_(*conds)) if conds else q


def _as_utc(t: _dt.datetime | None) -> _dt.datetime | None:
    if t is not None and t.tzinfo is None:  # SQLite gives naive datetimes back
        return t.replace(tzinfo=_dt.UTC)
    return t


def _to_entry(row) -> Entry:
    (rid, aid, aname, tname, lang, tone, content, nfb, dur, oname, source, created, reviewed_at, reviewed_by,
     analysis, team_id) = row
    return Entry(report_id=rid, agent_id=aid, agent=aname, team=tname, name=oname, source=source,
                 created_at=_as_utc(created), language=lang, tone_score=tone, content_score=content,
                 n_feedback=nfb or 0, duration_s=dur, reviewed_at=_as_utc(reviewed_at), reviewed_by=reviewed_by,
                 analysis_id=analysis, agent_team_id=team_id)


def entries(store: Store, viewer: Account, filters: Filters | None = None, *, limit: int = 1000) -> list[Entry]:
    """The reports ``viewer`` may see, newest first, filtered."""
    q = _entry_query(viewer, filters).order_by(AgentReport.created_at.desc(), AgentReport.id.desc()).limit(limit)
    with store.session() as s:
        return [_to_entry(r) for r in s.execute(q)]


def get_entry(store: Store, viewer: Account, report_id: int | str | None) -> Entry | None:
    """Report ``report_id`` if ``viewer`` may see it, else None."""
    rid = _report_id(report_id)
    if rid is None:
        return None
    with store.session() as s:
        row = s.execute(_entry_query(viewer, None, [rid])).first()
    return _to_entry(row) if row is not None else None


def _report_id(report_id) -> int | None:
    try:
        rid = int(report_id)
    except (TypeError, ValueError):
        return None
    return rid if rid > 0 else None


def load_report(store: Store, viewer: Account, report_id) -> tuple[Entry, CallReport, str | None] | None:
    """``(entry, report, stored audio path relative to the data dir)`` if ``viewer`` may see it, else None.

    The report is the owner's own version when they have one, else the shared
    analysis, in either case under the owner's file name and upload time.
    """
    e = get_entry(store, viewer, report_id)
    if e is None:
        return None
    with store.session() as s:
        own, shared, stored = s.execute(
            select(AgentReport.report_json, Report.report_json, Recording.stored_path)
            .join(Report, Report.id == AgentReport.report_id).join(Recording, Recording.id == Report.recording_id)
            .where(AgentReport.id == e.report_id)).one()
    report = CallReport.from_json(own or shared)
    report = dataclasses.replace(report, audio=dataclasses.replace(report.audio, path=e.name or "recording"),
                                 created_at=e.created_at.isoformat(timespec="seconds"))
    return e, report, stored


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
    """Comments on a report that ``viewer`` may see, in time order (pinned ones first): that owner's only."""
    e = get_entry(store, viewer, report_id)
    if e is None:
        return []
    with store.session() as s:
        author = aliased(User)
        rows = s.execute(select(Comment.id, author.name, author.role, Comment.at_s, Comment.text, Comment.created_at)
                         .join(author, author.id == Comment.user_id)
                         .where(Comment.agent_report_id == e.report_id)
                         .order_by(Comment.at_s.is_(None), Comment.at_s, Comment.created_at, Comment.id))
        return [CommentView(i, n, r, a, t, _as_utc(c)) for i, n, r, a, t, c in rows]


# -- writing ----------------------------------------------------------------------------

NOT_FOUND = "no such report"


def add_comment(store: Store, viewer: Account, report_id, text: str, *, at_s: float | None = None) -> CommentView:
    """Add a comment to a report, optionally pinned to a time in the call (seconds)."""
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
    c = store.add_comment(e.analysis_id, viewer.id, text, at_s=at_s, agent_report_id=e.report_id)
    return CommentView(c.id, viewer.name, viewer.role, c.at_s, c.text, _as_utc(c.created_at))


def mark_reviewed(store: Store, viewer: Account, report_id, *, reviewed: bool = True) -> Entry:
    """Mark (or unmark) a report reviewed: admins and the owner's team leads, never the owner."""
    e = get_entry(store, viewer, report_id)
    if e is None:
        raise NotFoundError(NOT_FOUND)
    if not can_review(viewer, e):
        if e.agent_id == viewer.id:
            raise PermissionDeniedError("your own calls are reviewed by another team lead or an admin")
        raise PermissionDeniedError("only the agent's team lead or an admin can mark a report reviewed")
    with store.write() as s:
        row = s.get(AgentReport, e.report_id)
        row.reviewed_at = utcnow() if reviewed else None
        row.reviewed_by_user_id = viewer.id if reviewed else None
    out = get_entry(store, viewer, e.report_id)
    assert out is not None
    return out


def replace_report(store: Store, viewer: Account, report_id, report: CallReport) -> Entry:
    """Give a report ``viewer`` may see its owner's own new version (e.g. analysed with another agent speaker).

    Only this owner's report changes: its id, comments and review state stay,
    and the shared analysis (and every other owner's report of it) is left as
    it is. The new report must come from the same model and rubric version as
    the analysis, else :class:`StoreError`. A report the viewer may not see
    raises :class:`NotFoundError`, as one that does not exist.
    """
    e = get_entry(store, viewer, report_id)
    if e is None:
        raise NotFoundError(NOT_FOUND)
    model_name, rubric_version = _model_name(report), report.tone.rubric_version
    m = report.key_figures()
    with store.write() as s:
        row = s.get(AgentReport, e.report_id)
        shared = s.get(Report, row.report_id)
        if (shared.model_name, shared.rubric_version) != (model_name, rubric_version):
            raise StoreError(f"report {e.report_id} was made with {shared.model_name} and rubric "
                             f"{shared.rubric_version}; the new analysis with {model_name} and rubric {rubric_version} "
                             "cannot replace it")
        row.report_json = report.to_json(indent=None)
        row.tone_score, row.content_score = m["tone_score"], m["content_score"]
        row.n_feedback, row.agent_speaker = m["n_feedback"], m["agent_speaker"]
        forget_own_answers(s, e.report_id)  # tonecoach answers the scorecard again on the new version
    out = get_entry(store, viewer, e.report_id)
    assert out is not None
    return out


def save_upload(store: Store, viewer: Account, report: CallReport, *, sha256: str, original_name: str | None,
                size_bytes: int | None, stored_path: str | None, source: str = "upload") -> int:
    """Store an analysed upload and make it ``viewer``'s report, in one transaction; returns the report id.

    Uploading audio that already has an analysis (same content, model and
    rubric) gives the viewer their own report of that analysis.
    """
    if source not in SOURCES:
        raise StoreError(f"unknown source {source!r}")
    res = store.save_report(report, sha256=sha256, original_name=original_name, size_bytes=size_bytes,
                            agent_name=viewer.name, stored_path=stored_path, source=source)
    assert res.agent_report_id is not None
    return res.agent_report_id


def add_to_history(store: Store, viewer: Account, analysis_id: int, *, original_name: str | None, source: str) -> int:
    """``viewer``'s own report of an existing analysis (made now if they have none); returns its id."""
    for attempt in (1, 2):
        try:
            with store.write() as s:
                return _owner_row(s, viewer.id, analysis_id, original_name, source)
        except IntegrityError:  # pragma: no cover - the same user, twice at once, on a server database
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
