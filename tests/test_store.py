"""The store: schema by migration, create/read, uniqueness, WAL, concurrent writers, durability, audio by hash."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tonecoach.report import AgentDecision, AudioInfo, CallReport, FeedbackItem, LanguageInfo, MetricScore, Speaker, ToneResult
from tonecoach.store import (
    BatchItem,
    Comment,
    ItemRecord,
    Recording,
    Report,
    Store,
    StoreError,
    StoreLockedError,
    User,
    init_db,
    report_metrics,
    sha256_bytes,
    store_audio,
    top_feedback,
)
from tonecoach.store.models import Base

ROOT = Path(__file__).resolve().parents[1]


def make_report(score: float = 72.5, *, model: str = "tiny.en", rubric: str = "2026.11-1", path: str = "call.wav",
                feedback: tuple = ()) -> CallReport:
    """A small but complete report, without running any model."""
    agent = Speaker(id="left", role="agent", talk_time_s=31.5, channel=0,
                    prosody={"words_per_minute": 151.2, "pitch_sd_semitones": 2.7, "energy_dbfs": -21.4})
    customer = Speaker(id="right", role="customer", talk_time_s=20.0, channel=1, prosody={})
    metric = MetricScore("words_per_minute", "Speaking rate", 151.2, "wpm", 130.0, 160.0, 100.0, 1.0, "rubric", "x")
    return CallReport(
        audio=AudioInfo(path=path, duration_s=65.2, sample_rate=8000, channels=2, codec="pcm_s16le"),
        language=LanguageInfo("en", 0.98),
        models={"asr": {"name": model}},
        speakers=(agent, customer),
        segments=(),
        tone=ToneResult(score=score, metrics=(metric,), rubric_version=rubric),
        feedback=feedback,
        warnings=("noisy recording",),
        agent=AgentDecision("left", "greeting", "said 'thank you for calling'", 0.9),
        content={"score": 64.0},
        tonecoach_version="0.1.0",
        created_at="2026-11-23T12:00:00+00:00",
    )


FEEDBACK = (
    FeedbackItem(40.0, 45.0, "dead_air", "minor", "7 s of silence"),
    FeedbackItem(12.0, 20.0, "too_fast", "major", "slow down: 205 wpm"),
    FeedbackItem(5.0, 9.0, "monotone", "major", "vary your pitch"),
)


@pytest.fixture()
def store(tmp_path):
    s = Store(tmp_path / "t.db", data_dir=tmp_path / "data")
    yield s
    s.close()


def _head() -> str:
    from alembic.script import ScriptDirectory

    from tonecoach.store.db import alembic_config

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_schema_from_migration_matches_the_models(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = init_db(tmp_path / "m.db")
    with engine.connect() as c:
        ctx = MigrationContext.configure(c, opts={"compare_type": True})
        assert ctx.get_current_revision() == _head()
        assert compare_metadata(ctx, Base.metadata) == []
    engine.dispose()


def test_alembic_upgrade_head_from_the_command_line(tmp_path):
    db = tmp_path / "cli.db"
    r = subprocess.run([sys.executable, "-m", "alembic", "-x", f"db_url=sqlite:///{db}", "upgrade", "head"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    con = sqlite3.connect(db)
    tables = {t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"teams", "users", "recordings", "reports", "comments", "batch_items", "alembic_version"} <= tables
    assert con.execute("SELECT version_num FROM alembic_version").fetchone() == (_head(),)
    con.close()
    # and tonecoach opens that database as it is
    with Store(db) as s:
        assert s.count(Report) == 0


def test_default_db_is_sqlite_in_the_data_dir_in_wal_mode(tmp_path, monkeypatch):
    monkeypatch.delenv("TONECOACH_DB_URL", raising=False)
    monkeypatch.setenv("TONECOACH_DATA_DIR", str(tmp_path / "dd"))
    with Store() as s:
        assert Path(s.engine.url.database) == (tmp_path / "dd" / "tonecoach.db").resolve()
        with s.engine.connect() as c:
            assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
            assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    # the mode is stored in the file: a plain sqlite3 connection sees it too
    assert sqlite3.connect(tmp_path / "dd" / "tonecoach.db").execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_db_url_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TONECOACH_DB_URL", f"sqlite:///{tmp_path / 'env.db'}")
    with Store(data_dir=tmp_path / "unused") as s:
        assert Path(s.engine.url.database) == tmp_path / "env.db"
    assert (tmp_path / "env.db").exists() and not (tmp_path / "unused" / "tonecoach.db").exists()


def test_create_and_read_back(store):
    rep = make_report(feedback=FEEDBACK)
    digest = "a" * 64
    res = store.save_report(rep, sha256=digest, original_name="call 1.wav", size_bytes=1234, agent_name="anna",
                            items=[ItemRecord("/x/call 1.wav", "scored", attempted=True)])
    assert res.created and res.report_id >= 1
    row = store.find_report(digest, "tiny.en", "2026.11-1")
    assert row.id == res.report_id
    # key metrics in columns
    assert row.tone_score == 72.5 and row.content_score == 64.0
    assert row.agent_speaker == "left" and row.agent_talk_time_s == 31.5
    assert row.agent_wpm == 151.2 and row.agent_pitch_sd_semitones == 2.7 and row.agent_energy_dbfs == -21.4
    assert row.language == "en" and row.n_feedback == 3 and row.n_warnings == 1
    assert row.top_feedback_category == "monotone"  # major, and earlier than the other major item
    assert row.tonecoach_version == "0.1.0"
    # the whole report, stored whole
    assert row.call_report() == rep
    with store.session() as s:
        rec = s.scalar(select(Recording).where(Recording.sha256 == digest))
        assert rec.original_name == "call 1.wav" and rec.size_bytes == 1234 and rec.duration_s == 65.2
        assert rec.language == "en" and rec.agent_user.name == "anna" and rec.agent_user.role == "agent"
        item = s.scalar(select(BatchItem))
        assert (item.path, item.status, item.sha256, item.report_id, item.attempts) == (
            "/x/call 1.wav", "scored", digest, res.report_id, 1)


def test_users_teams_and_comments(store):
    lead = store.get_or_create_user("Lina", role="team_lead", team="Billing")
    agent = store.get_or_create_user("anna", team="Billing")
    assert store.get_or_create_user("anna").id == agent.id
    assert lead.role == "team_lead" and lead.team_id == agent.team_id and lead.password_hash is None
    with pytest.raises(StoreError, match="role"):
        store.get_or_create_user("x", role="boss")
    res = store.save_report(make_report(), sha256="b" * 64)
    store.add_comment(res.report_id, lead.id, "Good recovery here", at_s=42.0)
    store.add_comment(res.report_id, lead.id, "Overall: fine")
    cs = store.comments(res.report_id)
    assert [(c.at_s, c.text) for c in cs] == [(42.0, "Good recovery here"), (None, "Overall: fine")]
    assert all(c.user_id == lead.id and c.created_at is not None for c in cs)
    assert {c.user.name for c in cs} == {"Lina"}  # loaded: readable after the session closed
    rep = store.get_report(res.report_id)
    assert rep.recording.sha256 == "b" * 64 and rep.recording.agent_user is None


def test_one_report_per_content_model_and_rubric(store):
    digest = "c" * 64
    first = store.save_report(make_report(60.0), sha256=digest)
    again = store.save_report(make_report(99.0), sha256=digest)
    assert not again.created and again.report_id == first.report_id
    assert store.find_report(digest, "tiny.en", "2026.11-1").tone_score == 60.0  # the first one stays
    other_model = store.save_report(make_report(70.0, model="base"), sha256=digest)
    other_rubric = store.save_report(make_report(80.0, rubric="2027.01-1"), sha256=digest)
    assert other_model.created and other_rubric.created
    assert store.count(Report) == 3 and store.count(Recording) == 1
    assert store.scored_hashes("tiny.en", "2026.11-1") == {digest: first.report_id}
    # the database itself refuses a duplicate, whoever writes it
    with pytest.raises(IntegrityError), store.write() as s:
        rec = s.scalar(select(Recording))
        s.add(Report(recording_id=rec.id, model_name="tiny.en", rubric_version="2026.11-1", tonecoach_version="x",
                     report_json="{}", n_feedback=0, n_warnings=0))
    with pytest.raises(IntegrityError), store.write() as s:
        s.add(Recording(sha256=digest))
    assert store.count(Report) == 3


def test_a_failed_write_leaves_nothing_behind(store, monkeypatch):
    from tonecoach.store import api

    def boom(s, items, *a):  # fails after the recording and the report were added in the transaction
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(api, "_upsert_items", boom)
    with pytest.raises(RuntimeError):
        store.save_report(make_report(), sha256="d" * 64, agent_name="zed")
    assert store.count(Recording) == 0 and store.count(Report) == 0 and store.count(User) == 0


def test_reopen_after_close_loses_nothing(tmp_path):
    db = tmp_path / "re.db"
    s1 = Store(db)
    ids = [s1.save_report(make_report(float(i)), sha256=f"{i:064x}").report_id for i in range(20)]
    u = s1.get_or_create_user("lead", role="admin")
    s1.add_comment(ids[3], u.id, "note")
    s1.close()
    s2 = Store(db)
    try:
        assert s2.count(Report) == 20 and s2.count(Comment) == 1
        assert [r.tone_score for r in s2.reports()] == [float(i) for i in range(20)]
        assert s2.get_report(ids[7]).call_report() == make_report(7.0)
    finally:
        s2.close()
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    con.close()


def test_concurrent_writes_from_threads(store):
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for i in range(15):
                store.save_report(make_report(float(i)), sha256=f"{k:02x}{i:062x}",
                                  items=[ItemRecord(f"/t{k}/{i}.wav", "scored", attempted=True)])
                # all threads also race to store the same 5 contents
                store.save_report(make_report(1.0), sha256=f"ff{i % 5:062x}")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.count(Report) == 4 * 15 + 5 and store.count(Recording) == 4 * 15 + 5
    assert store.count(BatchItem) == 60


def _process_writer(db: str, k: int, n: int) -> int:
    s = Store(db, busy_timeout_s=60)
    try:
        for i in range(n):
            s.save_report(make_report(float(i)), sha256=f"{k:02x}{i:062x}")
            s.save_report(make_report(2.0), sha256=f"ee{i % 5:062x}")
        return k
    finally:
        s.close()


def test_concurrent_writes_from_processes_keep_the_database_intact(tmp_path):
    db = str(tmp_path / "p.db")
    ctx = mp.get_context("spawn")
    with ctx.Pool(4) as pool:  # four processes open a new database at once: one migrates, the others wait
        assert sorted(pool.starmap(_process_writer, [(db, k, 12) for k in range(4)])) == [0, 1, 2, 3]
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert con.execute("SELECT count(*) FROM reports").fetchone() == (4 * 12 + 5,)
    assert con.execute("SELECT count(*) FROM recordings").fetchone() == (4 * 12 + 5,)
    assert con.execute("SELECT count(*) FROM (SELECT recording_id, model_name, rubric_version FROM reports "
                       "GROUP BY 1, 2, 3 HAVING count(*) > 1)").fetchone() == (0,)
    con.close()


def test_write_lock_held_elsewhere_is_a_clear_error(tmp_path):
    db = tmp_path / "lock.db"
    Store(db).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        s = Store(db, busy_timeout_s=0.3)  # opening reads only: fine in WAL mode
        with pytest.raises(StoreLockedError, match="locked by another program"):
            s.save_report(make_report(), sha256="e" * 64)
        with pytest.raises(StoreLockedError):
            s.check_writable()
        assert s.count(Report) == 0  # readers are not blocked
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert s.save_report(make_report(), sha256="e" * 64).created
    s.close()


def test_report_metrics_and_top_feedback():
    rep = make_report(feedback=FEEDBACK)
    assert top_feedback(rep).message == "vary your pitch"
    assert top_feedback(replace(rep, feedback=())) is None
    m = report_metrics(replace(rep, content=None, feedback=FEEDBACK[:1]))
    assert m["content_score"] is None and m["top_feedback_category"] == "dead_air" and m["n_feedback"] == 1


def test_store_audio_by_content_hash(tmp_path):
    data = b"RIFF fake audio bytes"
    p = store_audio(tmp_path / "data", data)
    digest = sha256_bytes(data)
    assert p == tmp_path / "data" / "audio" / digest[:2] / digest and p.read_bytes() == data
    src = tmp_path / "evil name; rm -rf.wav"
    src.write_bytes(data)
    assert store_audio(tmp_path / "data", src) == p  # same content, same place; the user's name is never used
    other = tmp_path / "b.flac"
    other.write_bytes(b"other")
    q = store_audio(tmp_path / "data", other)
    assert q.name == sha256_bytes(b"other") and q.suffix == ""
    assert sorted(x.name for x in (tmp_path / "data").rglob("*") if x.is_file()) == sorted([digest, q.name])
    with pytest.raises(StoreError, match="cannot store"):
        store_audio(tmp_path / "data", tmp_path / "missing.wav")


def test_copies_cut_short_by_a_killed_process_are_swept(tmp_path):
    """A process killed mid-copy leaves a .tmp- file beside the audio; the next batch or server start removes it."""
    import os
    import time

    from tonecoach.batch import BatchOptions, run_batch
    from tonecoach.store.files import sweep_stale_temp

    kept = store_audio(tmp_path / "data", b"audio bytes")
    stale = kept.parent / ".tmp-killed"
    stale.write_bytes(b"half a copy")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    fresh = kept.parent / ".tmp-copying-now"  # another process's copy in progress: left alone
    fresh.write_bytes(b"in progress")
    assert sweep_stale_temp(tmp_path / "data") == 1
    assert not stale.exists() and fresh.exists() and kept.exists()
    assert sweep_stale_temp(tmp_path / "nowhere") == 0

    stale.write_bytes(b"half a copy")
    os.utime(stale, (old, old))
    (tmp_path / "empty").mkdir()
    run_batch([str(tmp_path / "empty")], BatchOptions(db_url=str(tmp_path / "b.db"), data_dir=str(tmp_path / "data"),
                                                      copy_audio=True, workers=0))
    assert not stale.exists() and fresh.exists() and kept.exists()


def test_times_read_back_aware_in_utc(store):
    import datetime as dt

    u = store.get_or_create_user("tz")
    assert u.created_at.tzinfo is not None
    with store.session() as s:
        again = s.scalar(select(User).where(User.name == "tz"))
        assert again.created_at.utcoffset() == dt.timedelta(0)
        assert again.created_at == u.created_at
        # a time from another zone is stored as the same instant, and filters compare instants
        plus2 = dt.timezone(dt.timedelta(hours=2))
        later = (u.created_at + dt.timedelta(seconds=1)).astimezone(plus2)
        assert s.scalar(select(User.name).where(User.created_at < later)) == "tz"
        assert s.scalar(select(User.name).where(User.created_at > later)) is None
        naive_before = (u.created_at - dt.timedelta(seconds=1)).replace(tzinfo=None)  # naive: taken as UTC
        assert s.scalar(select(User.name).where(User.created_at > naive_before)) == "tz"


def test_a_database_of_the_shared_report_schema_migrates_to_owner_reports_without_losing_anything(tmp_path):
    """A database at 0002 (one report shared by every uploader of the same audio) is upgraded in place."""
    from alembic import command

    from tonecoach.store import access
    from tonecoach.store.accounts import get_account, hash_password
    from tonecoach.store.db import alembic_config
    from tonecoach.store.review import AgentReport

    db = tmp_path / "old.db"
    cfg = alembic_config(f"sqlite:///{db}")
    command.upgrade(cfg, "0002_agent_reports")
    con = sqlite3.connect(db)
    t = "2026-11-28 10:00:00.000000"
    pw = hash_password("old-password")
    con.executescript(f"""
        INSERT INTO teams (id, name, created_at) VALUES (1, 'north', '{t}'), (2, 'south', '{t}');
        INSERT INTO users (id, name, role, team_id, password_hash, created_at) VALUES
            (1, 'ann', 'agent', 1, '{pw}', '{t}'), (2, 'bob', 'agent', 2, '{pw}', '{t}'),
            (3, 'lee', 'team_lead', 1, '{pw}', '{t}'), (4, 'root', 'admin', NULL, '{pw}', '{t}'),
            (5, 'eve', 'agent', 1, NULL, '{t}');
        INSERT INTO recordings (id, sha256, original_name, duration_s, language, agent_user_id, created_at) VALUES
            (1, '{"a" * 64}', 'shared.wav', 30.0, 'en', 1, '{t}'), (2, '{"b" * 64}', 'batch.wav', 30.0, 'en', 5, '{t}'),
            (3, '{"c" * 64}', 'nobody.wav', 30.0, 'en', NULL, '{t}');
    """)
    shared, batch = make_report(70.0), make_report(55.0)
    for rid, rec, r in ((7, 1, shared), (8, 2, batch), (9, 3, make_report(40.0))):
        con.execute("INSERT INTO reports (id, recording_id, model_name, rubric_version, tonecoach_version, report_json, "
                    "tone_score, n_feedback, n_warnings, language, created_at) VALUES (?, ?, 'tiny.en', '2026.11-1', "
                    "'0.1.0', ?, ?, 0, 1, 'en', ?)", (rid, rec, r.to_json(indent=None), r.tone.score, t))
    con.executescript(f"""
        INSERT INTO agent_reports (id, agent_user_id, report_id, original_name, source, created_at, reviewed_at,
                                   reviewed_by_user_id) VALUES
            (1, 1, 7, 'ann-call.wav', 'upload', '2026-11-28 10:00:01.000000', '2026-11-28 11:00:00.000000', 3),
            (2, 2, 7, 'bob-copy.wav', 'upload', '2026-11-28 10:05:00.000000', NULL, NULL);
        INSERT INTO comments (id, report_id, user_id, at_s, text, created_at) VALUES
            (1, 7, 3, 1.5, 'lee to ann', '{t}'), (2, 7, 4, NULL, 'admin note', '2026-11-28 10:10:00.000000'),
            (3, 7, 2, NULL, 'bob himself', '2026-11-28 10:20:00.000000'),
            (4, 8, 3, NULL, 'on eve''s batch call', '{t}'), (5, 9, 4, NULL, 'on a call of no one', '{t}');
    """)
    con.commit()
    con.close()

    with Store(db, data_dir=tmp_path / "data") as s:  # opening migrates to head
        ann, bob, lee, root = (get_account(s, n) for n in ("ann", "bob", "lee", "root"))
        assert (ann.session_epoch, ann.disabled) == (0, False)
        # the first owner keeps the number the app showed (the shared report's id); the second gets a new one
        a = access.get_entry(s, ann, 7)
        assert (a.agent, a.name, a.reviewed_by, a.analysis_id) == ("ann", "ann-call.wav", "lee", 7)
        [b] = access.entries(s, bob)
        assert b.report_id not in (7, 8, 9) and (b.name, b.reviewed_at, b.analysis_id) == ("bob-copy.wav", None, 7)
        assert access.get_entry(s, bob, 7) is None
        # each comment goes with the owners who could read it: the admin's note was shown to both, so both keep it
        assert [c.text for c in access.comments(s, ann, 7)] == ["lee to ann", "admin note"]
        assert [c.text for c in access.comments(s, bob, b.report_id)] == ["admin note", "bob himself"]
        # a batch call of an agent (listed through recordings.agent_user_id before) now has its owner row
        with s.session() as q:
            eve_row = q.scalar(select(AgentReport).where(AgentReport.report_id == 8))
            assert (eve_row.source, eve_row.original_name, eve_row.id) == ("batch", "batch.wav", 8)
            orphan = q.scalar(select(Comment).where(Comment.text == "on a call of no one"))
            assert orphan.report_id == 9 and orphan.agent_report_id is None  # kept, though no one owns that call
        assert [c.text for c in access.comments(s, lee, 8)] == ["on eve's batch call"]
        assert s.count(Comment) == 6 and s.count(Report) == 3
        assert access.load_report(s, bob, b.report_id)[1].tone.score == 70.0
        # new rows number on from there
        new = access.save_upload(s, ann, make_report(80.0), sha256="d" * 64, original_name="new.wav", size_bytes=1,
                                 stored_path=None)
        assert new > b.report_id
