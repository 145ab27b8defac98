"""``tonecoach batch --ray``: the same analysis on Ray actors of a local Ray instance (two short files).

Starting Ray takes about 10 s on 2 cores, so this is marked slow; it is skipped when Ray is not installed.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import soundfile as sf

pytest.importorskip("ray")

from tonecoach.analysis.asr import TranscriptionOptions
from tonecoach.analyzer import AnalyzerOptions
from tonecoach.batch import BatchOptions, run_batch
from tonecoach.batch.backends import available_cores
from tonecoach.report import CallReport

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_local_ray_batch_two_files(tmp_path):
    import ray

    y, sr = sf.read(str(ROOT / "samples" / "warm_agent.flac"), dtype="float32")
    d = tmp_path / "calls"
    d.mkdir()
    sf.write(str(d / "a.wav"), y[: 2 * sr], sr)
    sf.write(str(d / "b.wav"), y[3 * sr: 5 * sr], sr)
    (d / "notes.txt").write_text("not audio")
    opts = BatchOptions(analyzer=AnalyzerOptions(transcription=TranscriptionOptions(model="tiny.en")),
                        db_url=str(tmp_path / "t.db"), workers=2, ray_address="local", csv_path=str(tmp_path / "o.csv"))
    res = run_batch([str(d)], opts)
    assert not ray.is_initialized()  # the local instance it started is stopped again
    assert [(Path(f.path).name, f.status) for f in res.files] == [("a.wav", "scored"), ("b.wav", "scored"),
                                                                   ("notes.txt", "not_audio")]
    assert res.backend.startswith(f"{min(2, available_cores())} Ray actor(s) (local)")
    assert res.worker_peak_rss_mb and all(v > 100 for v in res.worker_peak_rss_mb.values())
    con = sqlite3.connect(tmp_path / "t.db")
    rows = con.execute("SELECT model_name, report_json FROM reports ORDER BY id").fetchall()
    con.close()
    assert [m for m, _ in rows] == ["tiny.en", "tiny.en"]
    reports = [CallReport.from_json(js) for _, js in rows]
    assert all(r.tone.score is not None and r.transcript for r in reports)
    # the actors share this machine's CPUs: each runs Whisper with its share of the threads
    n = min(2, available_cores())
    assert {r.options["transcription"]["cpu_threads"] for r in reports} == {available_cores() // n}
    by_name = {Path(r.audio.path).name: r for r in reports}
    assert "good morning" in by_name["a.wav"].transcript.lower()
    # the results came back to the one writer: a rerun on the same database has nothing left to do
    again = run_batch([str(d)], BatchOptions(db_url=str(tmp_path / "t.db"), workers=0,
                                             analyzer=opts.analyzer))
    assert [f.status for f in again.files] == ["already_scored", "already_scored", "not_audio"]
