"""The store's small API: one :class:`Store` per database, one transaction per change."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from ..report import SEVERITY_RANK, CallReport, FeedbackItem
from .db import DEFAULT_BUSY_TIMEOUT_S, check_writable, describe_url, init_db, is_locked_error, locked_message, write_connection
from .errors import StoreError, StoreLockedError
from .models import ITEM_STATUSES, ROLES, BatchItem, Comment, Recording, Report, Team, User

__all__ = ["SEVERITY_RANK", "ItemRecord", "SaveResult", "Store", "report_metrics", "top_feedback"]

def top_feedback(report: CallReport) -> FeedbackItem | None:
    """The report's most important coaching point (:meth:`CallReport.top_feedback`)."""
    return report.top_feedback()


def report_metrics(report: CallReport) -> dict:
    """The key figures of a report, as stored in the ``reports`` columns (:meth:`CallReport.key_figures`)."""
    return report.key_figures()


@dataclass(frozen=True)
class SaveResult:
    """``report_id``: the analysis; ``agent_report_id``: the agent's own report of it, when an agent was named."""

    report_id: int
    recording_id: int
    created: bool
    agent_report_id: int | None = None


@dataclass(frozen=True)
class ItemRecord:
    """One batch input path's outcome, for :meth:`Store.record_items`.

    ``attempted`` adds one to the path's ``attempts`` (set it when the file was
    sent for analysis, whether that succeeded or failed).
    """

    path: str
    status: str
    sha256: str | None = None
    error: str | None = None
    report_id: int | None = None
    attempted: bool = False


class Store:
    """The tonecoach database (and data directory).

    Parameters
    ----------
    url : str or path, optional
        SQLAlchemy URL or SQLite file; default ``$TONECOACH_DB_URL`` or
        ``<data_dir>/tonecoach.db``. The schema is migrated to the latest
        version on open.
    data_dir : path, optional
        Default ``$TONECOACH_DATA_DIR`` or ``./.tonecoach-data``.
    busy_timeout_s : float
        How long a write waits for another program's lock before
        :class:`StoreLockedError`.

    Each method that changes something runs in its own transaction and
    commits it before returning; a failure leaves nothing behind. Instances are
    safe to share between threads (each call takes its own connection).
    """

    def __init__(self, url: str | os.PathLike | None = None, *, data_dir: str | os.PathLike | None = None,
                 busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S):
        from .db import default_data_dir

        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self.engine = init_db(url, data_dir=self.data_dir, busy_timeout_s=busy_timeout_s)
        self.url = self.engine.url.render_as_string(hide_password=False)

    def __repr__(self) -> str:
        return f"Store({describe_url(self.url)!r})"

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    # -- sessions ---------------------------------------------------------------------------
    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read session (objects stay readable after it closes)."""
        try:
            with Session(self.engine, expire_on_commit=False) as s:
                yield s
        except OperationalError as exc:
            if is_locked_error(exc):
                raise StoreLockedError(locked_message(self.engine)) from None
            raise

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in one write transaction, committed when the block ends, rolled back on error.

        On SQLite the transaction starts with ``BEGIN IMMEDIATE``: it waits for
        (at most the busy timeout) and then holds the write lock, so two writers
        never interleave.
        """
        with write_connection(self.engine) as conn, Session(bind=conn, expire_on_commit=False, autoflush=True) as s:
            yield s
            s.flush()

    def check_writable(self) -> None:
        """Raise :class:`StoreLockedError` now if another program holds the write lock."""
        check_writable(self.engine)

    # -- people -----------------------------------------------------------------------------
    def get_or_create_user(self, name: str, *, role: str = "agent", team: str | None = None) -> User:
        """The user with this name, created with ``role`` (and ``team``) if new."""
        if role not in ROLES:
            raise StoreError(f"a user's role must be one of {', '.join(ROLES)}, not {role!r}")
        with self.write() as s:
            return _user(s, name, role=role, team=team)

    # -- reports ----------------------------------------------------------------------------
    def find_report(self, sha256: str, model_name: str, rubric_version: str) -> Report | None:
        """The report of this content with this model and rubric version, if any."""
        with self.session() as s:
            return s.scalar(
                select(Report).join(Recording).where(Recording.sha256 == sha256, Report.model_name == model_name,
                                                     Report.rubric_version == rubric_version))

    def scored_hashes(self, model_name: str, rubric_version: str, sha256s: Iterable[str] | None = None) -> dict[str, int]:
        """``{sha256: report id}`` of the contents already scored with this model and rubric version."""
        out: dict[str, int] = {}
        wanted = None if sha256s is None else sorted(set(sha256s))
        with self.session() as s:
            q = select(Recording.sha256, Report.id).join(Report).where(Report.model_name == model_name,
                                                                         Report.rubric_version == rubric_version)
            if wanted is None:
                return {h: i for h, i in s.execute(q)}
            for k in range(0, len(wanted), 500):
                out.update({h: i for h, i in s.execute(q.where(Recording.sha256.in_(wanted[k:k + 500])))})
        return out

    def get_report(self, report_id: int) -> Report | None:
        """The report with this id (its ``recording`` and the recording's ``agent_user`` loaded), or None."""
        from sqlalchemy.orm import selectinload

        with self.session() as s:
            return s.get(Report, report_id,
                         options=[selectinload(Report.recording).selectinload(Recording.agent_user)])

    def reports(self, *, model_name: str | None = None, rubric_version: str | None = None,
                ids: Sequence[int] | None = None) -> list[Report]:
        """Reports, oldest first, optionally filtered (each with its ``recording`` loaded)."""
        from sqlalchemy.orm import selectinload

        q = select(Report).options(selectinload(Report.recording).selectinload(Recording.agent_user)).order_by(Report.id)
        if model_name is not None:
            q = q.where(Report.model_name == model_name)
        if rubric_version is not None:
            q = q.where(Report.rubric_version == rubric_version)
        with self.session() as s:
            if ids is None:
                return list(s.scalars(q))
            out: list[Report] = []
            uniq = sorted(set(ids))
            for k in range(0, len(uniq), 500):
                out.extend(s.scalars(q.where(Report.id.in_(uniq[k:k + 500]))))
            return out

    def save_report(self, report: CallReport, *, sha256: str, original_name: str | None = None,
                    size_bytes: int | None = None, agent_name: str | None = None, stored_path: str | None = None,
                    items: Sequence[ItemRecord] = (), source: str = "batch",
                    also: Callable[[Session, SaveResult], None] | None = None) -> SaveResult:
        """Store a report (and its recording, agent user and batch items) in one transaction.

        With ``agent_name``, the agent also gets their own report of the
        analysis (an ``agent_reports`` row, from ``source``, under
        ``original_name``), made or found in the same transaction; its id is
        ``agent_report_id``.

        ``also(session, result)``, when given, adds its own rows in the same
        transaction (the web app's upload history), so they exist together or
        not at all.

        If this content already has a report with the same model name and
        rubric version, nothing is added and ``created`` is False. The report's
        model name is ``report.models["asr"]["name"]`` and its rubric version
        ``report.tone.rubric_version``.
        """
        model_name, rubric_version = _model_name(report), report.tone.rubric_version
        report_json = report.to_json(indent=None)
        metrics = report.key_figures()
        for attempt in (1, 2):
            try:
                with self.write() as s:
                    rec = s.scalar(select(Recording).where(Recording.sha256 == sha256))
                    agent_id = _user(s, agent_name, role="agent").id if agent_name else None
                    if rec is None:
                        rec = Recording(sha256=sha256, original_name=original_name, size_bytes=size_bytes,
                                        duration_s=report.audio.duration_s, language=report.language.code,
                                        agent_user_id=agent_id, stored_path=stored_path)
                        s.add(rec)
                        s.flush()
                    else:
                        if rec.agent_user_id is None and agent_id is not None:
                            rec.agent_user_id = agent_id
                        if rec.stored_path is None and stored_path:
                            rec.stored_path = stored_path
                        if rec.language is None:
                            rec.language = report.language.code
                    row = s.scalar(select(Report).where(Report.recording_id == rec.id, Report.model_name == model_name,
                                                        Report.rubric_version == rubric_version))
                    created = row is None
                    if created:
                        row = Report(recording_id=rec.id, model_name=model_name, rubric_version=rubric_version,
                                     tonecoach_version=report.tonecoach_version or "", report_json=report_json, **metrics)
                        s.add(row)
                        s.flush()
                    _upsert_items(s, [ItemRecord(**{**i.__dict__, "report_id": row.id, "sha256": i.sha256 or sha256})
                                      for i in items], model_name, rubric_version)
                    owner = _owner_row(s, agent_id, row.id, original_name, source) if agent_id is not None else None
                    result = SaveResult(report_id=row.id, recording_id=rec.id, created=created, agent_report_id=owner)
                    if also is not None:
                        also(s, result)
                    return result
            except IntegrityError:
                if attempt == 2:  # pragma: no cover - a concurrent writer on a server database, twice
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def replace_report(self, report_id: int, report: CallReport) -> None:
        """Put a new analysis of the same recording in place of report ``report_id``, in one transaction.

        The id stays, and with it the comments, the upload history and the
        review state; the JSON and the metric columns are the new report's.
        The new report must come from the same model and rubric version (the
        row's identity), else :class:`StoreError`.
        """
        model_name, rubric_version = _model_name(report), report.tone.rubric_version
        report_json = report.to_json(indent=None)
        metrics = report.key_figures()
        with self.write() as s:
            row = s.get(Report, int(report_id))
            if row is None:
                raise StoreError(f"no report {report_id}")
            if (row.model_name, row.rubric_version) != (model_name, rubric_version):
                raise StoreError(f"report {report_id} was made with {row.model_name} and rubric {row.rubric_version}; "
                                 f"the new analysis with {model_name} and rubric {rubric_version} cannot replace it")
            row.report_json = report_json
            row.tonecoach_version = report.tonecoach_version or row.tonecoach_version
            for k, v in metrics.items():
                setattr(row, k, v)

    def record_items(self, items: Sequence[ItemRecord], *, model_name: str | None = None,
                     rubric_version: str | None = None) -> None:
        """Insert or update batch items by path, in one transaction."""
        if not items:
            return
        with self.write() as s:
            _upsert_items(s, items, model_name, rubric_version)

    def batch_items(self, paths: Sequence[str] | None = None) -> dict[str, BatchItem]:
        """``{path: BatchItem}`` (all, or those of ``paths``)."""
        with self.session() as s:
            q = select(BatchItem)
            if paths is None:
                return {b.path: b for b in s.scalars(q)}
            out: dict[str, BatchItem] = {}
            uniq = sorted(set(paths))
            for k in range(0, len(uniq), 500):
                out.update({b.path: b for b in s.scalars(q.where(BatchItem.path.in_(uniq[k:k + 500])))})
            return out

    # -- comments ---------------------------------------------------------------------------
    def add_comment(self, report_id: int, user_id: int, text: str, *, at_s: float | None = None,
                    agent_report_id: int | None = None) -> Comment:
        """A comment on analysis ``report_id``, as part of the owner's report ``agent_report_id`` when given."""
        with self.write() as s:
            c = Comment(report_id=report_id, user_id=user_id, text=text, at_s=at_s, agent_report_id=agent_report_id)
            s.add(c)
            s.flush()
            return c

    def comments(self, report_id: int) -> list[Comment]:
        """The report's comments (each with its ``user`` loaded): pinned ones by time, then the others."""
        from sqlalchemy.orm import selectinload

        with self.session() as s:
            return list(s.scalars(select(Comment).options(selectinload(Comment.user)).where(Comment.report_id == report_id)
                                  .order_by(Comment.at_s.is_(None), Comment.at_s, Comment.id)))

    # -- counts -----------------------------------------------------------------------------
    def count(self, model) -> int:
        """Rows in a table, e.g. ``store.count(Report)``."""
        with self.session() as s:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)


# -- helpers (inside a write session) ---------------------------------------------------


def _model_name(report: CallReport) -> str:
    asr = report.models.get("asr") if isinstance(report.models, dict) else None
    name = asr.get("name") if isinstance(asr, dict) else asr
    if not name:
        raise StoreError("the report does not name its ASR model (report.models['asr']['name'])")
    return str(name)


def _team(s: Session, name: str) -> Team:
    t = s.scalar(select(Team).where(Team.name == name))
    if t is None:
        t = Team(name=name)
        s.add(t)
        s.flush()
    return t


def _user(s: Session, name: str, *, role: str = "agent", team: str | None = None) -> User:
    u = s.scalar(select(User).where(User.name == name))
    if u is None:
        u = User(name=name, role=role, team_id=_team(s, team).id if team else None)
        s.add(u)
        s.flush()
    return u


def _owner_row(s: Session, agent_id: int, report_id: int, original_name: str | None, source: str) -> int:
    """The id of the agent's own report of analysis ``report_id`` (made now if they have none)."""
    from .review import SOURCES, AgentReport

    if source not in SOURCES:
        raise StoreError(f"unknown source {source!r}")
    row = s.scalar(select(AgentReport).where(AgentReport.agent_user_id == agent_id, AgentReport.report_id == report_id))
    if row is None:
        row = AgentReport(agent_user_id=agent_id, report_id=report_id, original_name=(original_name or "")[:500] or None,
                          source=source)
        s.add(row)
        s.flush()
    return row.id


def _upsert_items(s: Session, items: Sequence[ItemRecord], model_name: str | None, rubric_version: str | None) -> None:
    for it in items:
        if it.status not in ITEM_STATUSES:
            raise StoreError(f"unknown batch item status {it.status!r}")
        row = s.scalar(select(BatchItem).where(BatchItem.path == it.path))
        if row is None:
            row = BatchItem(path=it.path, attempts=0)
            s.add(row)
        row.sha256 = it.sha256
        row.status = it.status
        row.error = it.error
        row.report_id = it.report_id
        row.model_name = model_name
        row.rubric_version = rubric_version
        if it.attempted:
            row.attempts = (row.attempts or 0) + 1
    s.flush()
