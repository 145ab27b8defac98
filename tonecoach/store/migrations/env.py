"""Alembic environment of the tonecoach store.

The database URL comes from, in order: a connection handed over by
:func:`tonecoach.store.init_db` (``config.attributes["connection"]``), the
``-x db_url=...`` option, ``sqlalchemy.url`` in the config, ``$TONECOACH_DB_URL``,
and the default SQLite file in the data directory.
"""

from __future__ import annotations

from alembic import context

from tonecoach.store.db import create_store_engine, resolve_db_url, write_connection
from tonecoach.store.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    x = context.get_x_argument(as_dictionary=True)
    return resolve_db_url(x.get("db_url") or config.get_main_option("sqlalchemy.url") or None)


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # ALTER TABLE through table copies on SQLite
        compare_type=True,
    )


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      dialect_opts={"paramstyle": "named"}, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if given is not None:  # from init_db: already inside a write transaction
        _configure(given)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_store_engine(_url())
    try:
        with write_connection(engine) as connection:  # BEGIN IMMEDIATE on SQLite: one migrator at a time
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
