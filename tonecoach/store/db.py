"""Where the database is, how to connect to it, and how its schema is brought up to date.

The default database is a SQLite file, ``tonecoach.db``, in the data directory
(``$TONECOACH_DATA_DIR`` or ``./.tonecoach-data``), in WAL mode so that readers
(the web app) never block the writer (a batch). Any SQLAlchemy URL works
through ``$TONECOACH_DB_URL`` or an explicit argument.

The schema is owned by Alembic: :func:`init_db` always runs the migrations to
``head`` (creating the tables on a new database), the same as
``alembic upgrade head`` from the repository root.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError

from .errors import StoreError, StoreLockedError

__all__ = [
    "DEFAULT_BUSY_TIMEOUT_S",
    "DEFAULT_DB_NAME",
    "create_store_engine",
    "default_data_dir",
    "describe_url",
    "init_db",
    "is_locked_error",
    "resolve_db_url",
    "write_connection",
]

log = logging.getLogger("tonecoach")

DEFAULT_DB_NAME = "tonecoach.db"
DEFAULT_BUSY_TIMEOUT_S = 30.0
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def default_data_dir() -> Path:
    """``$TONECOACH_DATA_DIR``, or ``.tonecoach-data`` in the current directory."""
    return Path(os.environ.get("TONECOACH_DATA_DIR") or ".tonecoach-data")


def resolve_db_url(url: str | os.PathLike | None = None, *, data_dir: str | os.PathLike | None = None) -> str:
    """The database URL to use.

    Parameters
    ----------
    url : str or path, optional
        A SQLAlchemy URL (``postgresql+psycopg://...``, ``sqlite:///x.db``) or a
        plain file path, taken as a SQLite file. Default: ``$TONECOACH_DB_URL``,
        else ``sqlite:///<data_dir>/tonecoach.db``.
    data_dir : path, optional
        Default :func:`default_data_dir`.
    """
    if url is None:
        url = os.environ.get("TONECOACH_DB_URL") or None
    if url is None:
        d = Path(data_dir) if data_dir is not None else default_data_dir()
        return f"sqlite:///{(d / DEFAULT_DB_NAME).resolve()}"
    url = os.fspath(url)
    if "://" not in url:
        return f"sqlite:///{Path(url).resolve()}"
    return url


def describe_url(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        u = make_url(url)
    except Exception:  # noqa: BLE001 - only for messages
        return url
    if u.get_backend_name() == "sqlite":
        return u.database or ":memory:"
    return u.render_as_string(hide_password=True)


def _is_sqlite_file(url: str) -> str | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        return None
    db = u.database or ""
    return db if db and db != ":memory:" and not db.startswith("file::memory:") else None


def create_store_engine(url: str, *, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S) -> Engine:
    """A SQLAlchemy engine set up for the store.

    For SQLite: WAL journal, ``busy_timeout``, ``synchronous=FULL`` (a committed
    file survives a power cut), foreign keys on, and transactions begun by
    SQLAlchemy (``BEGIN``, or ``BEGIN IMMEDIATE`` for connections from
    :func:`write_connection`) so that a writer takes the lock before it reads.
    """
    sqlite_file = _is_sqlite_file(url)
    if sqlite_file:
        Path(sqlite_file).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": busy_timeout_s, "check_same_thread": False})
        timeout_ms = int(busy_timeout_s * 1000)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):  # pragma: no branch - trivial
            dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" event emit BEGIN itself
            cur = dbapi_conn.cursor()
            try:
                cur.execute(f"PRAGMA busy_timeout = {timeout_ms}")
                mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
                if str(mode).lower() != "wal":
                    cur.execute("PRAGMA journal_mode = WAL")
                cur.execute("PRAGMA synchronous = FULL")
                cur.execute("PRAGMA foreign_keys = ON")
            finally:
                cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection):
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    return create_engine(url, pool_pre_ping=True)


@contextmanager
def write_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in a write transaction (``BEGIN IMMEDIATE`` on SQLite), committed on success.

    Raises
    ------
    StoreLockedError
        When another process holds the database's write lock for longer than the busy timeout.
    """
    try:
        with engine.connect() as conn:
            conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn
    except OperationalError as exc:
        if is_locked_error(exc):
            raise StoreLockedError(locked_message(engine)) from None
        raise


def is_locked_error(exc: BaseException) -> bool:
    msg = str(getattr(exc, "orig", exc) or exc).lower()
    return "database is locked" in msg or "database table is locked" in msg or "database is busy" in msg


def locked_message(engine: Engine) -> str:
    return (f"the database '{describe_url(str(engine.url.render_as_string(hide_password=False)))}' is locked by another "
            "program (another batch, or an open transaction in a database tool); close it or wait for it, then run "
            "the command again")


def alembic_config(url: str | None = None):
    """An Alembic ``Config`` for the store's migrations (the same as the repository's ``alembic.ini``)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def init_db(url: str | os.PathLike | None = None, *, data_dir: str | os.PathLike | None = None,
            busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S) -> Engine:
    """Open (creating if needed) the store's database and migrate it to the latest schema.

    Safe to call from several processes at once: on SQLite the migration runs
    under the write lock, so one process creates the tables and the others find
    them.

    Returns
    -------
    Engine
        Set up by :func:`create_store_engine`.

    Raises
    ------
    StoreLockedError
        The database stayed locked by another program for ``busy_timeout_s``.
    StoreError
        The database cannot be opened or migrated (the message says why).
    """
    resolved = resolve_db_url(url, data_dir=data_dir)
    try:
        engine = create_store_engine(resolved, busy_timeout_s=busy_timeout_s)
    except Exception as exc:  # noqa: BLE001 - a bad URL, a missing driver
        raise StoreError(f"cannot use the database URL '{describe_url(resolved)}': {exc}") from None
    try:
        _upgrade(engine)
    except StoreError:
        engine.dispose()
        raise
    except OperationalError as exc:
        engine.dispose()
        if is_locked_error(exc):
            raise StoreLockedError(locked_message(engine)) from None
        raise StoreError(f"cannot open the database '{describe_url(resolved)}': {getattr(exc, 'orig', exc)}") from None
    return engine


def _upgrade(engine: Engine) -> None:
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = alembic_config()
    head = ScriptDirectory.from_config(cfg).get_current_head()
    # Fast path: already at head (a read; never blocked by a writer in WAL mode).
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current == head:
        return
    with write_connection(engine) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    log.info("database %s migrated to %s", describe_url(str(engine.url)), head)


def check_writable(engine: Engine) -> None:
    """Take and release the write lock once; raises :class:`StoreLockedError` if another program holds it."""
    with write_connection(engine) as conn:
        conn.execute(text("SELECT 1"))
