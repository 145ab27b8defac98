"""The tonecoach store: reports, recordings and people in one database, shared by the batch runner and the web app.

    from tonecoach.store import Store, store_audio

    store = Store()                           # $TONECOACH_DB_URL, or .tonecoach-data/tonecoach.db (SQLite, WAL)
    res = store.save_report(report, sha256=digest, original_name="call.wav")
    store.find_report(digest, "base", report.tone.rubric_version)
    path = store_audio(store.data_dir, b"...")  # <data_dir>/audio/ab/abcd... (named by content hash)

Tables (SQLAlchemy models in :mod:`tonecoach.store.models`, schema by Alembic
migrations): ``teams``, ``users``, ``recordings``, ``reports``, ``comments``,
``batch_items``, ``agent_reports`` (who uploaded a report, and its review), and the QA scorecards'
(``scorecards``, ``scorecard_answers``, ``scorecard_reviews``, ``scorecard_disputes``,
``scorecard_acknowledgements``: :mod:`tonecoach.store.qa`).
"""

from __future__ import annotations

from .api import ItemRecord, SaveResult, Store, report_metrics, top_feedback
from .db import DEFAULT_BUSY_TIMEOUT_S, create_store_engine, default_data_dir, init_db, resolve_db_url
from .errors import StoreError, StoreLockedError
from .files import audio_path, sha256_bytes, sha256_file, store_audio
from .models import ROLES, Base, BatchItem, Comment, Recording, Report, Team, User
from .qa import TeamScorecard  # noqa: F401 - registers the scorecard tables with Base
from .review import AgentReport  # registers the agent_reports table with Base

__all__ = [
    "AgentReport",
    "DEFAULT_BUSY_TIMEOUT_S",
    "ROLES",
    "Base",
    "BatchItem",
    "Comment",
    "ItemRecord",
    "Recording",
    "Report",
    "SaveResult",
    "Store",
    "StoreError",
    "StoreLockedError",
    "Team",
    "User",
    "audio_path",
    "create_store_engine",
    "default_data_dir",
    "init_db",
    "report_metrics",
    "resolve_db_url",
    "sha256_bytes",
    "sha256_file",
    "store_audio",
    "top_feedback",
]
