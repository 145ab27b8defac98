"""The command line: exit codes, one-line errors, summaries and written reports."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tonecoach import cli
from tonecoach.errors import ToneCoachError

ROOT = Path(__file__).resolve().parents[1]
WARM = ROOT / "samples" / "warm_agent.flac"


@pytest.fixture()
def fast_analyzer(monkeypatch, analyzer):
    """Reuse the session's loaded model instead of loading Whisper again per CLI call."""
    monkeypatch.setattr(cli, "_analyzer_from", lambda args: _with(args, analyzer))
    return analyzer


def _with(args, analyzer):
    from dataclasses import replace

    from tonecoach.analyzer import Analyzer

    opts = replace(analyzer.options, agent_channel=args.agent_channel, redact=args.redact)
    return Analyzer(opts, transcriber=analyzer.transcriber)


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_usage_errors_exit_2():
    assert run([])[0] == 2
    assert run(["analyze"])[0] == 2
    assert run(["analyze", "x.wav", "--agent-channel", "middle"])[0] == 2
    assert run(["frobnicate"])[0] == 2


def test_missing_file_is_one_line_error_and_exit_1(fast_analyzer, tmp_path):
    code, out, err = run(["analyze", str(tmp_path / "nope.wav")])
    assert code == 1
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "no such file" in lines[0] and "Traceback" not in err


def test_good_and_bad_files_together(fast_analyzer, tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    outdir = tmp_path / "reports"
    code, out, err = run(["analyze", str(WARM), str(bad), "--json", str(outdir), "--html", str(outdir)])
    assert code == 1
    assert "Tone score:" in out and "1 of 2 file(s) analysed, 1 failed" in out
    assert "bad.wav" in err and "not an audio file" in err and "Traceback" not in err
    data = json.loads((outdir / "warm_agent.json").read_text())
    assert data["schema_version"] and data["tone"]["score"] is not None
    html = (outdir / "warm_agent.html").read_text()
    assert "<svg" in html and not (outdir / "bad.json").exists()
    assert not list(outdir.glob("*.part"))


def test_json_to_stdout(fast_analyzer):
    code, out, err = run(["analyze", str(WARM), "--json", "-"])
    assert code == 0
    d = json.loads(out)
    assert d["audio"]["path"].endswith("warm_agent.flac")
    assert "Tone score:" in err  # the summary moves to stderr


def test_silence_file_succeeds_with_warning(fast_analyzer, tmp_path):
    p = tmp_path / "silence.wav"
    sf.write(str(p), np.zeros(16000 * 30, np.float32), 16000)
    code, out, err = run(["analyze", str(p)])
    assert code == 0 and "no speech detected" in out and "Tone score: n/a" in out


def test_console_script_runs_as_a_module():
    r = subprocess.run([sys.executable, "-m", "tonecoach", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and r.stdout.startswith("tonecoach ")


def test_agent_speaker_option_is_used_and_recorded(monkeypatch, analyzer, tmp_path):
    """--agent-speaker S2 on a mono call: S2 is the agent, the report says why; a name that is no speaker is a warning."""
    from dataclasses import replace

    from tonecoach.analyzer import Analyzer

    made = []

    def make(args):
        made.append(args.agent_speaker)
        opts = replace(analyzer.options, agent_speaker=args.agent_speaker)
        return Analyzer(opts, transcriber=analyzer.transcriber)

    monkeypatch.setattr(cli, "_analyzer_from", make)
    y, sr = sf.read(str(ROOT / "samples" / "two_voice_mono.flac"), dtype="float32")
    short = tmp_path / "short.wav"
    sf.write(str(short), y[: int(24.2 * sr)], sr)  # the first six turns
    code, out, err = run(["analyze", str(short), "--agent-speaker", "S2", "--json", str(tmp_path / "r.json")])
    assert code == 0, err
    d = json.loads((tmp_path / "r.json").read_text())
    assert d["agent"]["speaker"] == "S2" and d["agent"]["method"] == "option" and d["options"]["agent_speaker"] == "S2"
    assert {s["id"]: s["role"] for s in d["speakers"]} == {"S1": "customer", "S2": "agent"}
    assert "Agent: S2 (option" in out and "Conversation: agent talk" in out
    code, out, err = run(["analyze", str(short), "--agent-speaker", "S9", "--json", str(tmp_path / "r9.json")])
    d9 = json.loads((tmp_path / "r9.json").read_text())
    assert code == 0 and d9["agent"]["speaker"] == "S1" and d9["agent"]["method"] == "phrases"
    assert any("--agent-speaker S9 names no speaker" in w for w in d9["warnings"])
    assert made == ["S2", "S9"]


def test_beam_size_reaches_the_decoder_from_analyze_and_batch():
    """``--beam-size`` sets the decoder's beam for ``analyze`` and ``batch`` (and is kept in the report's options)."""
    from tonecoach.batch.cli import _options

    parser = cli.build_parser()
    assert cli._analyzer_from(parser.parse_args(["analyze", "x.wav"])).transcriber.options.beam_size == 5
    a = cli._analyzer_from(parser.parse_args(["analyze", "x.wav", "--beam-size", "3"]))
    assert a.transcriber.options.beam_size == 3 and a.options.to_dict()["transcription"]["beam_size"] == 3
    assert _options(parser.parse_args(["batch", "calls/", "--beam-size", "2"])).analyzer.transcription.beam_size == 2


@pytest.mark.parametrize("value", ["0", "11", "three", "2.5"])
def test_a_beam_size_out_of_range_is_a_usage_error(value, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.build_parser().parse_args(["analyze", "x.wav", "--beam-size", value])
    assert exc.value.code == 2
    assert f"--beam-size: a whole number from 1 to 10, not '{value}'" in capsys.readouterr().err


def test_transcription_options_refuse_a_beam_size_the_decoder_cannot_use():
    from tonecoach.analysis.asr import TranscriptionOptions

    for bad in (0, 11, 2.5, "3"):
        with pytest.raises(ToneCoachError, match="beam size must be a whole number from 1 to 10"):
            TranscriptionOptions(beam_size=bad)
    assert TranscriptionOptions(beam_size=1).beam_size == 1
