"""Faults around a batch: killed mid-way (SIGKILL) and rerun, a database locked by another program."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import soundfile as sf

from tonecoach import cli
from tonecoach.batch import BatchOptions, run_batch, runner
from tonecoach.batch.backends import InlineBackend
from tonecoach.store import Store

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


def snippets(d: Path, n: int, dur_s: float = 3.0) -> list[Path]:
    y, sr = sf.read(str(SAMPLES / "warm_agent.flac"), dtype="float32")
    d.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        p = d / f"call{i}.wav"
        a = int(i * 2.5 * sr) % (len(y) - int(dur_s * sr))
        sf.write(str(p), y[a: a + int(dur_s * sr)], sr)
        out.append(p)
    return out


@pytest.fixture(scope="module")
def tiny():
    from tonecoach.analysis.asr import TranscriptionOptions
    from tonecoach.analyzer import Analyzer, AnalyzerOptions

    return Analyzer(AnalyzerOptions(transcription=TranscriptionOptions(model="tiny.en")))


def count(db, sql: str = "SELECT count(*) FROM reports") -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    except sqlite3.OperationalError:
        return -1
    try:
        return con.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return -1
    finally:
        con.close()


def integrity(db) -> str:
    con = sqlite3.connect(db)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(d.name))
    return out


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the worker processes")
def test_sigkill_mid_batch_then_rerun_scores_each_file_exactly_once(tmp_path, tiny):
    files = snippets(tmp_path / "calls", 5)
    db = tmp_path / "t.db"
    proc = subprocess.Popen([sys.executable, "-m", "tonecoach", "batch", str(tmp_path / "calls"), "--db", str(db),
                             "--model", "tiny.en", "--workers", "1", "--progress", "never"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 180
    try:
        while count(db) < 1:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the batch scored nothing in 3 minutes"
            time.sleep(0.05)
        workers = children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    done_before = count(db)
    assert 1 <= done_before < 5
    # the orphaned worker notices and exits by itself
    t0 = time.monotonic()
    while any(alive(p) for p in workers) and time.monotonic() - t0 < 15:
        time.sleep(0.2)
    assert workers and not any(alive(p) for p in workers)
    assert integrity(db) == "ok"
    before = sqlite3.connect(db).execute("SELECT id, report_json FROM reports ORDER BY id").fetchall()

    res = run_batch([str(tmp_path / "calls")], BatchOptions(db_url=str(db)), analyzer=tiny)
    statuses = [f.status for f in res.files]
    assert statuses.count("already_scored") == done_before and statuses.count("scored") == 5 - done_before
    assert res.failed == 0
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM reports").fetchone() == (5,)
    assert con.execute("SELECT count(*) FROM recordings").fetchone() == (5,)
    assert con.execute("SELECT count(DISTINCT recording_id) FROM reports").fetchone() == (5,)
    assert con.execute("SELECT id, report_json FROM reports ORDER BY id").fetchall()[:done_before] == before
    assert sorted(Path(p).name for (p,) in con.execute("SELECT path FROM batch_items")) == sorted(f.name for f in files)
    con.close()
    assert integrity(db) == "ok"
    # and once more: nothing left to do
    again = run_batch([str(tmp_path / "calls")], BatchOptions(db_url=str(db)), analyzer=tiny)
    assert [f.status for f in again.files] == ["already_scored"] * 5


HOLD = """
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(120)
"""


def run_cli(argv):
    out, err = io.StringIO(), io.StringIO()
    return cli.main(["batch", *argv], stdout=out, stderr=err), out.getvalue(), err.getvalue()


def test_database_locked_by_another_process(tmp_path):
    snippets(tmp_path / "calls", 1, dur_s=1.0)
    db = tmp_path / "t.db"
    Store(db).close()
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        code, out, err = run_cli([str(tmp_path / "calls"), "--db", str(db), "--model", "tiny.en", "--db-timeout", "0.5"])
    finally:
        holder.kill()
        holder.wait()
    assert code == 1
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "is locked by another program" in err and str(db) in err
    assert integrity(db) == "ok" and count(db) == 0 and count(db, "SELECT count(*) FROM batch_items") == 0


def test_lock_taken_mid_batch_stops_cleanly_and_keeps_what_was_saved(tmp_path, tiny, monkeypatch):
    snippets(tmp_path / "calls", 3)
    db = tmp_path / "t.db"
    monkeypatch.setattr(runner, "_make_backend", lambda opts, analyzer: InlineBackend(tiny))
    holder = {}
    real_save = Store.save_report

    def save_then_lock(self, *a, **kw):
        res = real_save(self, *a, **kw)
        if not holder:  # after the first file is committed, another program takes the write lock
            con = sqlite3.connect(db, isolation_level=None)
            con.execute("BEGIN EXCLUSIVE")
            holder["con"] = con
        return res

    monkeypatch.setattr(Store, "save_report", save_then_lock)
    try:
        code, out, err = run_cli([str(tmp_path / "calls"), "--db", str(db), "--model", "tiny.en", "--db-timeout", "0.3"])
    finally:
        holder["con"].execute("ROLLBACK")
        holder["con"].close()
    assert code == 1 and "Traceback" not in err
    assert "locked by another program" in err and "1 file(s) scored in this run before that are saved" in err
    assert count(db) == 1 and integrity(db) == "ok"
    monkeypatch.setattr(Store, "save_report", real_save)
    code, out, err = run_cli([str(tmp_path / "calls"), "--db", str(db), "--model", "tiny.en"])
    assert code == 0 and "2 scored" in out and "1 already scored" in out and count(db) == 3


@pytest.mark.slow  # starts a worker process with a Whisper model
def test_a_worker_killed_mid_batch_is_replaced_and_its_files_retried(tmp_path, caplog):
    """A worker process dies (as when the kernel's OOM killer picks it): a new one takes over, nothing is lost."""
    from tonecoach.analysis.asr import TranscriptionOptions
    from tonecoach.analyzer import AnalyzerOptions
    from tonecoach.batch.backends import ProcessBackend
    from tonecoach.batch.worker import Task
    from tonecoach.store import sha256_file

    files = snippets(tmp_path / "calls", 3, dur_s=2.0)
    tasks = [Task(str(p), sha256_file(p), 2.0) for p in files]
    backend = ProcessBackend(1, AnalyzerOptions(transcription=TranscriptionOptions(model="tiny.en")), threads=1)
    outs, killed = {}, []
    backend.start()
    try:
        for task, out in backend.run(tasks):
            outs[Path(task.path).name] = out
            if not killed:  # the worker has the next file in hand: kill it
                killed.append(out["pid"])
                os.kill(out["pid"], signal.SIGKILL)
    finally:
        backend.close()
    assert sorted(outs) == [p.name for p in files]  # each file once
    assert all(o["error"] is None and o["report_json"] for o in outs.values())
    later = [o["pid"] for o in outs.values() if o["pid"] != killed[0]]
    assert len(later) >= 1  # the file in hand (and any after it) went to the new worker
    assert "a worker process died" in caplog.text


@pytest.mark.slow  # starts a batch with Whisper in a subprocess
@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a process group")
def test_ctrl_c_stops_the_batch_cleanly(tmp_path):
    """Ctrl-C mid-batch: exit 130, what finished is saved, and no multiprocessing warnings after it."""
    snippets(tmp_path / "calls", 6, dur_s=6.0)
    db = tmp_path / "t.db"
    proc = subprocess.Popen([sys.executable, "-m", "tonecoach", "batch", str(tmp_path / "calls"), "--db", str(db),
                             "--model", "tiny.en", "--workers", "2", "--progress", "never"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as from a terminal
    deadline = time.monotonic() + 180
    try:
        while count(db) < 1:
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the batch scored nothing in 3 minutes"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert "interrupted; every file finished before is saved" in err
    assert "Traceback" not in err and "leaked" not in err, err
    assert 1 <= count(db) < 6 and integrity(db) == "ok"


def _deep_inside_the_analysis(path: str):
    raise KeyError(f"no such table entry for {Path(path).name}")


class _BrokenAnalyzer:
    """Loads, then fails on every file with a bug (no Whisper model)."""

    transcriber = type("T", (), {"resolved": type("R", (), {"name": "fake-model"})()})()
    rubric = type("Rb", (), {"version": "fake-rubric"})()
    scorecard = None

    def analyze(self, path, **kw):
        return _deep_inside_the_analysis(path)


def test_a_crashing_analysis_keeps_its_whole_traceback_in_the_log_and_the_database(tmp_path, caplog):
    import logging

    (tmp_path / "calls").mkdir()
    sf.write(str(tmp_path / "calls" / "a.wav"), [0.1, -0.1] * 8000, 16000)
    db = tmp_path / "t.db"
    lines: list[str] = []
    with caplog.at_level(logging.INFO, logger="tonecoach"):
        res = run_batch([str(tmp_path / "calls")], BatchOptions(db_url=f"sqlite:///{db}"), analyzer=_BrokenAnalyzer(),
                        echo=lines.append)
    (f,) = res.files
    assert f.status == "failed" and f.error.startswith("internal error (KeyError") and "\n" not in f.error
    assert len(lines) == 1 and "Traceback" not in lines[0]  # the user's line stays one line
    con = sqlite3.connect(db)
    try:
        (stored,) = con.execute("SELECT error FROM batch_items WHERE status = 'failed'").fetchone()
    finally:
        con.close()
    assert stored.startswith(f.error + "\nTraceback (most recent call last):")
    last_frame = [ln for ln in stored.splitlines() if ln.startswith("  File ")][-1]
    assert "in _deep_inside_the_analysis" in last_frame and stored.strip().endswith("no such table entry for a.wav'")
    assert "in _deep_inside_the_analysis" in caplog.text and "Traceback" in caplog.text
