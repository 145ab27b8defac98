"""``tonecoach batch``: discovery, skipping, duplicates, bad files, exports, progress, worker processes.

Short snippets (3-4 s) of the bundled samples and the bundled tiny.en model keep this fast. Most tests analyse
in this process with one shared Analyzer; one test runs real worker processes.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tonecoach import cli
from tonecoach.batch import BatchOptions, run_batch, runner, scan
from tonecoach.batch import cli as batch_cli
from tonecoach.batch.backends import InlineBackend
from tonecoach.report import CallReport

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


def snippet(dest: Path, source: str = "warm_agent.flac", start_s: float = 0.0, dur_s: float = 3.0,
            fmt: str | None = None) -> Path:
    y, sr = sf.read(str(SAMPLES / source), dtype="float32")
    dest.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(dest), y[int(start_s * sr): int((start_s + dur_s) * sr)], sr, format=fmt)
    return dest


@pytest.fixture(scope="module")
def tiny():
    from tonecoach.analysis.asr import TranscriptionOptions
    from tonecoach.analyzer import Analyzer, AnalyzerOptions

    return Analyzer(AnalyzerOptions(transcription=TranscriptionOptions(model="tiny.en")))


@pytest.fixture()
def inline(monkeypatch, tiny):
    """Run the CLI's batches in this process with the shared tiny.en Analyzer (no worker start-up per test)."""
    monkeypatch.setattr(runner, "_make_backend", lambda opts, analyzer: InlineBackend(tiny))
    return tiny


def run_cli(argv):
    if argv and "--model" not in argv:
        argv = [*argv, "--model", "tiny.en"]
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["batch", *argv], stdout=out, stderr=err)  # `tonecoach batch ...`
    return code, out.getvalue(), err.getvalue()


def read_csv(path) -> dict[str, dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return {Path(r["file"]).name: r for r in csv.DictReader(fh)}


@pytest.fixture()
def mixed(tmp_path, monkeypatch):
    """Audio in two agent folders, a duplicate, text, a zero-byte file, truncated files and an unreadable one."""
    d = tmp_path / "calls"
    snippet(d / "anna" / "a1.wav", start_s=0.0)
    snippet(d / "anna" / "a2.flac", start_s=3.0)
    snippet(d / "bob" / "b1.wav", source="flat_rushed_agent.flac", start_s=0.0)
    shutil.copy(d / "anna" / "a1.wav", d / "bob" / "same_as_a1.wav")
    (d / "notes.txt").write_text("call notes, not audio\n")
    (d / "README.md").write_text("# archive\n")
    (d / "empty.wav").write_bytes(b"")
    full = snippet(tmp_path / "full.flac", start_s=6.0, dur_s=4.0).read_bytes()
    (d / "bob" / "cut.flac").write_bytes(full[: len(full) // 2])  # the header says 4 s, about half is there
    wav = snippet(tmp_path / "full.wav", start_s=6.0, dur_s=4.0).read_bytes()
    (d / "bob" / "header_only.wav").write_bytes(wav[:60])
    locked = snippet(d / "anna" / "locked.wav", start_s=9.0)
    (d / ".hidden.wav").write_bytes(wav)  # dot-files are not collected from folders
    _unreadable(monkeypatch, locked)
    return d


def _unreadable(monkeypatch, path: Path) -> None:
    """Make ``path`` unreadable: chmod 000, or (as root, who reads anything) make opening it fail the same way."""
    path.chmod(0)
    if os.access(path, os.R_OK):  # root: simulate the permission error at the one place the batch opens files
        real = scan._open_for_read

        def deny(p):
            if Path(p).name == path.name:
                raise PermissionError(13, "Permission denied", str(p))
            return real(p)

        monkeypatch.setattr(scan, "_open_for_read", deny)


def test_mixed_folder(inline, mixed, tmp_path):
    db = tmp_path / "t.db"
    code, out, err = run_cli([str(mixed), "--db", str(db), "--csv", str(tmp_path / "o.csv"), "--agent-from", "folder"])
    assert code == 1  # some files failed
    rows = read_csv(tmp_path / "o.csv")
    status = {k: r["status"] for k, r in rows.items()}
    assert status == {
        "a1.wav": "scored", "a2.flac": "scored", "b1.wav": "scored", "cut.flac": "scored",
        "same_as_a1.wav": "duplicate", "notes.txt": "not_audio", "README.md": "not_audio",
        "empty.wav": "failed", "header_only.wav": "failed", "locked.wav": "failed",
    }
    assert "empty (0 bytes)" in rows["empty.wav"]["error"]
    assert "Permission denied" in rows["locked.wav"]["error"]
    assert "0.00 s long" in rows["header_only.wav"]["error"]  # a header and no samples
    assert "truncated" in rows["cut.flac"]["warnings"] and 1.0 < float(rows["cut.flac"]["duration_s"]) < 3.0
    assert rows["same_as_a1.wav"]["duplicate_of"].endswith("a1.wav")
    assert rows["same_as_a1.wav"]["tone_score"] == rows["a1.wav"]["tone_score"] != ""
    assert rows["same_as_a1.wav"]["sha256"] == rows["a1.wav"]["sha256"]
    assert rows["a1.wav"]["agent"] == "anna" and rows["b1.wav"]["agent"] == "bob"
    # one line per failure on stderr, no traceback; the summary counts
    assert "Traceback" not in err
    assert sum(1 for line in err.splitlines() if line.startswith("tonecoach: error:")) == 3
    assert "10 file(s): 4 scored, 3 skipped (0 already scored, 2 not audio, 1 duplicate content), 3 failed" in out
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM reports").fetchone() == (4,)
    assert dict(con.execute("SELECT status, count(*) FROM batch_items GROUP BY status").fetchall()) == {
        "scored": 4, "duplicate": 1, "not_audio": 2, "failed": 3}
    assert con.execute("SELECT error, attempts FROM batch_items WHERE path LIKE '%empty.wav'").fetchone()[1] == 1
    assert sorted(n for (n,) in con.execute("SELECT name FROM users")) == ["anna", "bob"]
    con.close()


def test_rerun_scores_only_what_is_missing(inline, tmp_path):
    d = tmp_path / "calls"
    snippet(d / "one.wav", start_s=0.0)
    snippet(d / "two.wav", start_s=3.0)
    db = str(tmp_path / "t.db")
    assert run_cli([str(d), "--db", db])[0] == 0
    con = sqlite3.connect(db)
    before = con.execute("SELECT id, recording_id, created_at FROM reports ORDER BY id").fetchall()
    snippet(d / "three.wav", start_s=6.0)
    (d / "bad.mp3").write_bytes(b"\xff\xfb" + b"garbage" * 10)
    code, out, _ = run_cli([str(d), "--db", db, "--csv", str(tmp_path / "o.csv")])
    assert code == 1
    assert "4 file(s): 1 scored, 2 skipped (2 already scored, 0 not audio, 0 duplicate content), 1 failed" in out
    rows = read_csv(tmp_path / "o.csv")
    assert {k: r["status"] for k, r in rows.items()} == {
        "one.wav": "already_scored", "two.wav": "already_scored", "three.wav": "scored", "bad.mp3": "failed"}
    assert rows["one.wav"]["tone_score"] != "" and rows["one.wav"]["report_id"] == str(before[0][0])
    assert con.execute("SELECT id, recording_id, created_at FROM reports ORDER BY id").fetchall()[:2] == before
    # a third run: the failure is retried (attempts 2), nothing else is analysed again
    code, out, _ = run_cli([str(d), "--db", db])
    assert code == 1 and "0 scored" in out and "3 already scored" in out
    assert con.execute("SELECT count(*) FROM reports").fetchone() == (3,)
    assert con.execute("SELECT attempts FROM batch_items WHERE path LIKE '%bad.mp3'").fetchone() == (2,)
    con.close()


def test_other_model_or_rubric_version_scores_again(tiny, tmp_path):
    d = tmp_path / "calls"
    snippet(d / "one.wav")
    db = str(tmp_path / "t.db")
    r1 = run_batch([str(d)], BatchOptions(db_url=db), analyzer=tiny)
    rubric = tmp_path / "rubric.toml"
    text = (ROOT / "tonecoach" / "data" / "rubric.toml").read_text()
    rubric.write_text(text.replace(f'version = "{tiny.rubric.version}"', 'version = "test-2"', 1))
    from dataclasses import replace

    from tonecoach.analyzer import Analyzer

    other = Analyzer(replace(tiny.options, rubric_path=str(rubric)), transcriber=tiny.transcriber)
    r2 = run_batch([str(d)], BatchOptions(db_url=db), analyzer=other)
    assert [f.status for f in r1.files] == [f.status for f in r2.files] == ["scored"]
    assert r2.rubric_version == "test-2"
    con = sqlite3.connect(db)
    assert sorted(con.execute("SELECT rubric_version FROM reports").fetchall()) == sorted(
        [(tiny.rubric.version,), ("test-2",)])
    con.close()


def test_globs_links_and_symlink_loops(tmp_path):
    d = tmp_path / "arch"
    a = snippet(d / "x" / "a.wav", dur_s=1.0)
    snippet(d / "x" / "y" / "b.flac", dur_s=1.0)
    (d / "x" / "y" / "up").symlink_to(d, target_is_directory=True)  # a folder link back up: a loop
    (d / "x" / "alias.wav").symlink_to(a)  # a second name for the same file
    loop = d / "loop.wav"
    loop.symlink_to(loop)  # a link to itself
    (d / "dangling.wav").symlink_to(d / "nowhere.wav")
    files, errors = scan.expand_inputs([str(d), str(d / "x" / "*.wav"), str(tmp_path / "none*.wav"),
                                        str(tmp_path / "missing.wav")])
    names = sorted(Path(f).name for f in files)
    assert names == ["a.wav", "b.flac", "dangling.wav", "loop.wav"]  # each real file once, the walk ends
    assert [(Path(e.path).name, e.error) for e in errors] == [
        ("none*.wav", "no file matches this pattern"), ("missing.wav", "no such file or folder")]
    probed = {Path(f).name: scan.probe_file(f) for f in files}
    assert probed["loop.wav"].kind == "failed" and "symbolic link loop" in probed["loop.wav"].error
    assert probed["dangling.wav"].kind == "failed" and "broken symbolic link" in probed["dangling.wav"].error
    assert probed["a.wav"].kind == "audio" and probed["a.wav"].duration_s == pytest.approx(1.0, abs=0.01)
    assert probed["b.flac"].sha256 and len(probed["b.flac"].sha256) == 64


def test_a_symlink_loop_given_as_input(inline, tmp_path):
    loop = tmp_path / "loop.wav"
    loop.symlink_to(loop)
    code, out, err = run_cli([str(loop), "--db", str(tmp_path / "t.db")])
    assert code == 1 and "symbolic link loop" in err and "Traceback" not in err
    assert "1 file(s): 0 scored" in out and "1 failed" in out


def test_probe_recognises_audio_by_content_not_name(tmp_path):
    snippet(tmp_path / "call.dat", dur_s=1.0, fmt="WAV")  # audio under an odd name
    (tmp_path / "fake.txt").write_bytes(b"\x00" * 2000)
    (tmp_path / "broken.wav").write_text("this is not audio")
    got = {Path(f.path).name: f.kind for f in scan.scan([str(tmp_path)])}
    # a .wav that is not audio is still analysed, so that the audio boundary says what is wrong with it
    assert got == {"call.dat": "audio", "fake.txt": "not_audio", "broken.wav": "audio"}


def test_exports_csv_jsonl_html(inline, tmp_path):
    d = tmp_path / "calls"
    snippet(d / "anna" / "a.wav", start_s=0.0, dur_s=4.0)
    snippet(d / "bob" / "b.wav", source="flat_rushed_agent.flac", start_s=2.0, dur_s=4.0)
    shutil.copy(d / "bob" / "b.wav", d / "bob" / "b_copy.wav")
    (d / "bob" / "bad.wav").write_text("junk")
    paths = {k: str(tmp_path / f"out.{k}") for k in ("csv", "jsonl", "html")}
    code, out, _ = run_cli([str(d), "--db", str(tmp_path / "t.db"), "--csv", paths["csv"], "--jsonl", paths["jsonl"],
                            "--summary-html", paths["html"], "--agent-from", "folder"])
    assert code == 1
    rows = read_csv(paths["csv"])
    from tonecoach.batch.export import csv_columns
    from tonecoach.scorecard import load_scorecard

    assert list(next(iter(rows.values())).keys()) == list(csv_columns(load_scorecard()))
    lines = [json.loads(x) for x in Path(paths["jsonl"]).read_text().splitlines()]
    assert [Path(x["batch"]["file"]).name for x in lines] == ["a.wav", "b.wav", "b_copy.wav"]
    for x in lines:
        rep = CallReport.from_dict(x)  # each line is a full report
        row = rows[Path(x["batch"]["file"]).name]
        assert float(row["tone_score"]) == pytest.approx(rep.tone.score, abs=0.05)
        assert float(row["duration_s"]) == pytest.approx(rep.audio.duration_s, abs=0.01)
        agent = rep.agent_speaker
        assert float(row["speaking_rate_wpm"]) == pytest.approx(agent.prosody["words_per_minute"], abs=0.05)
        assert float(row["pitch_variability_semitones"]) == pytest.approx(agent.prosody["pitch_sd_semitones"], abs=0.005)
        assert float(row["energy_dbfs"]) == pytest.approx(agent.prosody["energy_dbfs"], abs=0.05)
        assert row["language"] == rep.language.code == "en" and row["model"] == "tiny.en"
        # QA can filter on how sure the agent choice was and how it was made
        assert float(row["agent_confidence"]) == pytest.approx(rep.agent.confidence, abs=0.005)
        assert row["agent_method"] == rep.agent.method != ""
    assert lines[2]["batch"]["status"] == "duplicate" and lines[2]["batch"]["report_id"] == lines[1]["batch"]["report_id"]
    page = Path(paths["html"]).read_text()
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page and "<link" not in page
    assert "anna" in page and "bob" in page and "bad.wav" in page
    assert "HTML: " + paths["html"] in out


def test_summary_html_distributions_and_categories():
    from tonecoach.batch.runner import BatchResult, CallSummary, FileResult
    from tonecoach.render.batch import render_summary_html

    def call(rid, score, cats):
        return CallSummary(rid, 60.0, "en", "base", "r1", "left", {"tone_score": score, "content_score": None},
                           None, tuple(cats), ())

    files = [
        FileResult("a/1.wav", "scored", "1" * 64, agent="anna", call=call(1, 91.0, ["too_fast"])),
        FileResult("a/2.wav", "scored", "2" * 64, agent="anna", call=call(2, 55.0, ["too_fast", "too_fast", "monotone"])),
        FileResult("a/2b.wav", "duplicate", "2" * 64, agent="anna", call=call(2, 55.0, ["too_fast", "too_fast", "monotone"])),
        FileResult("b/<b>.wav", "already_scored", "3" * 64, agent="<script>bob</script>", call=call(3, 35.0, ["monotone"])),
        FileResult("c/x.wav", "scored", "4" * 64, agent=None, call=call(4, 75.0, [])),
        FileResult("c/bad.wav", "failed", error="could not decode 'c/bad.wav' <oops>"),
    ]
    page = render_summary_html(BatchResult(files, "base", "r1", "2 processes"))
    assert "<script>" not in page and "&lt;script&gt;bob&lt;/script&gt;" in page and "&lt;oops&gt;" in page
    assert "4 call(s) with a report, 3 agent(s)" in page  # the duplicate counts once
    assert "median 65, mean 64" in page  # of 91, 55, 35, 75
    # anna: 2 calls, median 73, min-max 55-91; feedback categories counted per call
    assert "<td>anna</td><td class='n'>2</td><td class='n'>73</td><td class='n'>73</td><td class='n'>55–91</td>" in page
    assert "<tr><td>monotone</td><td class='n'>2</td><td class='n'>50%</td><td class='n'>2</td></tr>" in page
    assert "<tr><td>too_fast</td><td class='n'>2</td><td class='n'>50%</td><td class='n'>3</td></tr>" in page
    assert "(no agent)" in page
    stripped = page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http" not in stripped and "url(" not in stripped and "@import" not in stripped


def test_progress_bar_shows_files_audio_and_throughput(inline, tmp_path):
    d = tmp_path / "calls"
    snippet(d / "one.wav")
    snippet(d / "two.wav", start_s=3.0)
    code, _, err = run_cli([str(d), "--db", str(tmp_path / "t.db"), "--progress", "always"])
    assert code == 0
    assert "2/2 files" in err and "0.1/0.1 min of audio" in err and "audio h/h" in err and "100%" in err


def test_usage_errors_and_the_ray_flag_before_inputs(monkeypatch, tmp_path):
    assert run_cli([])[0] == 2
    assert run_cli(["x.wav", "--workers", "-1"])[0] == 2
    assert run_cli(["x.wav", "--agent-from", "team"])[0] == 2
    seen = {}

    def fake(inputs, opts, **kw):
        seen.update(inputs=inputs, ray=opts.ray_address, workers=opts.workers)
        return runner.BatchResult([], "m", "r", "none")

    monkeypatch.setattr(runner, "run_batch", fake)
    assert run_cli(["--ray", str(tmp_path), "more.wav"])[0] == 0
    assert seen == {"inputs": [str(tmp_path), "more.wav"], "ray": "local", "workers": None}  # None: sized by the backend
    assert run_cli([str(tmp_path), "--ray", "ray://head:10001", "--workers", "3"])[0] == 0
    assert seen["ray"] == "ray://head:10001" and seen["workers"] == 3 and seen["inputs"] == [str(tmp_path)]


def test_batch_is_a_subcommand_of_the_main_cli():
    args = cli.build_parser().parse_args(["batch", "a.wav", "dir/", "--workers", "2", "--csv", "o.csv",
                                          "--model", "tiny.en"])
    assert args.func is batch_cli.cmd_batch and args.inputs == ["a.wav", "dir/"] and args.workers == 2
    assert args.csv == "o.csv" and args.model == "tiny.en" and args.ray is None


def test_copy_audio_into_the_data_dir(inline, tmp_path):
    d = tmp_path / "calls"
    f = snippet(d / "one.wav")
    data = tmp_path / "data"
    code, _, _ = run_cli([str(d), "--data-dir", str(data), "--copy-audio"])
    assert code == 0
    con = sqlite3.connect(data / "tonecoach.db")  # the default database lives in the data dir
    sha, stored, name = con.execute("SELECT sha256, stored_path, original_name FROM recordings").fetchone()
    con.close()
    assert stored == f"audio/{sha[:2]}/{sha}" and name == "one.wav"
    assert (data / stored).read_bytes() == f.read_bytes()


@pytest.mark.slow  # starts worker processes, each with a Whisper model
def test_worker_processes(tmp_path):
    """Two real worker processes, each with its own model and its share of the cores."""
    d = tmp_path / "calls"
    for i in range(3):
        snippet(d / f"c{i}.wav", start_s=3.0 * i, dur_s=2.5)
    noise = np.random.default_rng(0).normal(0, 0.1, 8000).astype("float32")
    sf.write(str(d / "noise.wav"), noise, 16000)  # 0.5 s: at the minimum length
    from tonecoach.analysis.asr import TranscriptionOptions
    from tonecoach.analyzer import AnalyzerOptions

    opts = BatchOptions(analyzer=AnalyzerOptions(transcription=TranscriptionOptions(model="tiny.en")),
                        db_url=str(tmp_path / "t.db"), workers=2)
    res = run_batch([str(d)], opts)
    assert [f.status for f in res.files] == ["scored"] * 4
    assert res.backend.startswith("2 process(es)")
    assert 1 <= len(res.worker_peak_rss_mb) <= 2
    assert all(100 < mb < 3000 for mb in res.worker_peak_rss_mb.values())
    from tonecoach.batch.backends import available_cores

    rep = CallReport.from_json(sqlite3.connect(tmp_path / "t.db").execute("SELECT report_json FROM reports").fetchone()[0])
    assert rep.options["transcription"]["cpu_threads"] == max(1, available_cores() // 2)


def test_scorecard_columns_answers_in_the_database_and_a_bad_scorecard(inline, tmp_path):
    from sqlalchemy import func, select

    from tonecoach.scorecard import load_scorecard
    from tonecoach.store import Report, Store
    from tonecoach.store.qa import ScorecardAnswer

    card = load_scorecard()
    d = tmp_path / "calls"
    snippet(d / "anna" / "a.wav", start_s=0.0, dur_s=4.0)
    snippet(d / "bob" / "b.wav", source="flat_rushed_agent.flac", start_s=2.0, dur_s=4.0)
    db, out_csv = str(tmp_path / "t.db"), str(tmp_path / "out.csv")
    code, _, _ = run_cli([str(d), "--db", db, "--csv", out_csv, "--agent-from", "folder"])
    assert code == 0
    rows = read_csv(out_csv)
    with Store(db) as store, store.session() as s:
        n = s.scalar(select(func.count()).select_from(ScorecardAnswer))
        stored = {(r.report_id, r.criterion_id): r.answer for r in s.scalars(select(ScorecardAnswer))}
    assert n == 2 * len(card.criteria)
    for row in rows.values():
        rid = int(row["report_id"])
        for cid in card.ids:
            want = {"yes": "yes", "no": "no", "not_applicable": "n/a"}[stored[(rid, cid)]]
            assert row[f"qa_{cid}"] == want
        assert 0.0 <= float(row["scorecard_score"]) <= 100.0 and row["scorecard_passed"] in ("yes", "no")
    # run again: every file already scored, the same answers, nothing stored twice
    code, _, _ = run_cli([str(d), "--db", db, "--csv", out_csv, "--agent-from", "folder"])
    again = read_csv(out_csv)
    assert code == 0 and {r["status"] for r in again.values()} == {"already_scored"}
    assert all(again[k][f"qa_{c}"] == rows[k][f"qa_{c}"] for k in rows for c in card.ids)
    with Store(db) as store, store.session() as s:
        assert s.scalar(select(func.count()).select_from(ScorecardAnswer)) == n
    # another scorecard answered on the stored reports, without analysing them again
    mine = tmp_path / "mine.toml"
    mine.write_text('version = "1"\nlanguages = ["en"]\n[[criteria]]\nid = "calm"\nquestion = "Calm?"\n'
                    'metric = "longest_dead_air_s"\nmax = 10\n', encoding="utf-8")
    code, _, _ = run_cli([str(d), "--db", db, "--csv", out_csv, "--scorecard", str(mine)])
    cols = list(next(iter(read_csv(out_csv).values())).keys())
    assert code == 0 and cols[-3:] == ["scorecard_score", "scorecard_passed", "qa_calm"]
    code, _, _ = run_cli([str(d), "--db", db, "--csv", out_csv, "--scorecard", "none"])
    assert code == 0 and not any(c.startswith("qa_") for c in next(iter(read_csv(out_csv).values())))
    # a bad scorecard stops the batch before anything is scored, naming the line
    mine.write_text(mine.read_text().replace("longest_dead_air_s", "silence"), encoding="utf-8")
    snippet(d / "anna" / "new.wav", start_s=5.0, dur_s=3.0)
    with Store(db) as store:
        before = store.count(Report)
    code, _, err = run_cli([str(d), "--db", db, "--scorecard", str(mine)])
    assert code == 1 and "line 6: criterion 'calm': unknown metric 'silence'" in err
    with Store(db) as store:
        assert store.count(Report) == before == 2


def test_summary_html_scorecard_pass_rates_per_criterion_agent_and_week():
    import datetime as dt

    from tonecoach.batch.runner import BatchResult, CallSummary, FileResult
    from tonecoach.render.batch import render_summary_html
    from tonecoach.scorecard import parse_scorecard

    card = parse_scorecard('version = "7"\nname = "north"\nlanguages = ["en"]\ntarget = 60\n'
                           '[[criteria]]\nid = "greet"\nquestion = "Greeted?"\n[criteria.yes_if]\nen = ["hello"]\n'
                           '[[criteria]]\nid = "calm"\nquestion = "Calm?"\nmetric = "longest_dead_air_s"\nmax = 10\n')

    def call(rid, greet, calm, score, passed):
        return CallSummary(rid, 60.0, "en", "base", "r1", "left", {"tone_score": 70.0}, None, (), (),
                           {"score": score, "passed": passed, "answers": {"greet": greet, "calm": calm}})

    w1 = dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC).timestamp()  # ISO week 2026-W45
    w2 = dt.datetime(2026, 11, 10, 12, tzinfo=dt.UTC).timestamp()  # 2026-W46
    files = [
        FileResult("a/1.wav", "scored", "1" * 64, agent="anna", call=call(1, "yes", "yes", 100.0, True), modified=w1),
        FileResult("a/2.wav", "scored", "2" * 64, agent="anna", call=call(2, "no", "yes", 50.0, False), modified=w2),
        FileResult("b/3.wav", "scored", "3" * 64, agent="bob", call=call(3, "no", "not_applicable", 0.0, False), modified=w2),
        FileResult("b/3b.wav", "duplicate", "3" * 64, agent="bob", call=call(3, "no", "not_applicable", 0.0, False),
                   modified=w2),
    ]
    res = BatchResult(files, "base", "r1", "inline")
    res.scorecard = card
    page = render_summary_html(res)
    assert "Scorecard: north 7" in page and "target 60%: 1 of 3 call(s) passed" in page
    # greet: 1 yes, 2 no -> 33%; calm: 2 yes, 1 n/a -> 100% (n/a does not count)
    assert "<td class='n'>1</td><td class='n'>2</td><td class='n'>0</td><td class='n'>33%</td>" in page
    assert "<td class='n'>2</td><td class='n'>0</td><td class='n'>1</td><td class='n'>100%</td>" in page
    assert "<tr><td>anna</td><td class='n'>2</td><td class='n'>75</td><td class='n'>1 of 2</td><td>greet (1)</td></tr>" in page
    assert "<tr><td>bob</td><td class='n'>1</td><td class='n'>0</td><td class='n'>0 of 1</td><td>greet (1)</td></tr>" in page
    assert "<th class='n'>2026-W45</th><th class='n'>2026-W46</th>" in page
    assert "<tr><td><code>greet</code></td><td class='n'>100%</td><td class='n'>0%</td></tr>" in page
    assert "<tr><td><b>mean score</b></td><td class='n'><b>100</b></td><td class='n'><b>25</b></td></tr>" in page
