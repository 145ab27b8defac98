"""The bundled practice calls in samples/ match their manifest and show what they claim to show.

Fast checks on the committed files only; no ASR.  Levels and pitch are measured here,
independently of the figures the generator stored in the manifest.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
MANIFEST = SAMPLES / "manifest.json"
WORD_RE = re.compile(r"[A-Za-z0-9']+")

EXPECTED = {
    # name: (sample_rate, channels, container, subtype, duration range s, agent_channel)
    "warm_agent.flac": (16000, 1, "FLAC", "PCM_16", (25.0, 35.0), None),
    "flat_rushed_agent.flac": (16000, 1, "FLAC", "PCM_16", (20.0, 30.0), None),
    "stereo_call_8k.wav": (8000, 2, "WAV", "PCM_16", (60.0, 75.0), "left"),
    "customer_first_stereo.wav": (8000, 2, "WAV", "PCM_16", (12.0, 18.0), "right"),
    "two_voice_mono.flac": (8000, 1, "FLAC", "PCM_16", (30.0, 45.0), None),
    "customer_only_stereo.flac": (8000, 2, "FLAC", "PCM_16", (12.0, 18.0), "right"),
}
STEREO = [n for n, e in EXPECTED.items() if e[1] == 2]
MONO = ["warm_agent.flac", "flat_rushed_agent.flac"]  # one agent each; two_voice_mono.flac is a two-party call


def dbfs(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64))) + 1e-12))


@pytest.fixture(scope="module")
def manifest() -> dict:
    assert MANIFEST.is_file(), "samples/manifest.json missing: run scripts/make_samples.py"
    return json.loads(MANIFEST.read_text())


@pytest.fixture(scope="module")
def entries(manifest) -> dict:
    return {f["file"]: f for f in manifest["files"]}


_AUDIO: dict[str, tuple[np.ndarray, int]] = {}


def audio(name: str) -> tuple[np.ndarray, int]:
    if name not in _AUDIO:
        _AUDIO[name] = sf.read(SAMPLES / name, dtype="float64")
    return _AUDIO[name]


def seg(x: np.ndarray, sr: int, start: float, end: float) -> np.ndarray:
    return x[round(start * sr) : round(end * sr)]


def wpm(turns: list[dict], speaker: str = "agent") -> float:
    words = sum(len(WORD_RE.findall(t["text"])) for t in turns if t["speaker"] == speaker)
    secs = sum(t["end"] - t["start"] for t in turns if t["speaker"] == speaker)
    return 60.0 * words / secs


def gaps(turns: list[dict]) -> list[float]:
    return [b["start"] - a["end"] for a, b in pairwise(turns)]


# ------------------------------------------------------------ files and format ----


def test_manifest_lists_every_sample_and_files_exist(entries):
    assert set(entries) == set(EXPECTED)
    for name, e in entries.items():
        assert (SAMPLES / name).is_file(), name
        assert e["path"] == f"samples/{name}"
        assert (ROOT / e["path"]).is_file()
        assert e["description"]
    assert (SAMPLES / "README.md").is_file()


@pytest.mark.parametrize("name", list(EXPECTED))
def test_format_matches_manifest(name, entries):
    sr, ch, container, subtype, (lo, hi), agent_ch = EXPECTED[name]
    info = sf.info(SAMPLES / name)
    e = entries[name]
    assert (info.samplerate, info.channels, info.format, info.subtype) == (sr, ch, container, subtype)
    assert (e["sample_rate"], e["channels"], e["agent_channel"]) == (sr, ch, agent_ch)
    assert lo <= info.duration <= hi, info.duration
    assert abs(e["measured"]["duration_s"] - info.duration) < 0.01


def test_samples_folder_stays_small():
    total = sum(p.stat().st_size for p in SAMPLES.iterdir() if p.is_file())
    assert total < 4.3e6, total  # ~3.9 MB: the durations asked for set the floor


# ------------------------------------------------------------- turns and times ----


@pytest.mark.parametrize("name", list(EXPECTED))
def test_turn_times_are_ordered_and_inside_the_file(name, entries):
    e = entries[name]
    x, sr = audio(name)
    dur = len(x) / sr
    turns = e["turns"]
    assert turns
    prev_end = 0.0
    for t in turns:
        assert t["speaker"] in {"agent", "customer"}
        assert t["text"].strip() and "[" not in t["text"]
        assert prev_end <= t["start"] < t["end"] <= dur + 1e-3, t
        prev_end = t["end"]
        if e["channels"] == 2:
            other = "right" if e["agent_channel"] == "left" else "left"
            assert t["channel"] == (e["agent_channel"] if t["speaker"] == "agent" else other)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_turns_hold_speech_and_gaps_are_quiet(name, entries):
    """The manifest times are true: speech inside turns, near-silence in the gaps."""
    e = entries[name]
    x, sr = audio(name)
    for t in e["turns"]:
        s = seg(x, sr, t["start"], t["end"])
        level = dbfs(s) if s.ndim == 1 else max(dbfs(s[:, 0]), dbfs(s[:, 1]))
        assert level > -40.0, (t, level)
    for a, b in zip(e["turns"], e["turns"][1:]):
        g = seg(x, sr, a["end"] + 0.01, b["start"] - 0.01)
        if len(g) == 0:
            continue
        level = dbfs(g) if g.ndim == 1 else max(dbfs(g[:, 0]), dbfs(g[:, 1]))
        assert level < -55.0, (a["end"], b["start"], level)


def test_speaker_order_and_greetings(entries):
    call = entries["stereo_call_8k.wav"]["turns"]
    assert call[0]["speaker"] == "agent"
    assert "thank you for calling northwind energy" in call[0]["text"].lower()
    assert {t["speaker"] for t in call} == {"agent", "customer"}
    assert all(a["speaker"] != b["speaker"] for a, b in pairwise(call))  # alternating

    first = entries["customer_first_stereo.wav"]["turns"]
    assert first[0]["speaker"] == "customer"
    assert first[0]["text"].startswith("Hello? Hi, I'm calling about my order.")
    agent_turns = [t for t in first if t["speaker"] == "agent"]
    assert "thank you for calling northwind energy" in agent_turns[0]["text"].lower()

    warm = entries["warm_agent.flac"]["turns"]
    assert warm[0]["text"].startswith(
        "Good morning, thank you for calling Northwind Energy, my name is Anna, how can I help you today?"
    )
    flat = " ".join(t["text"] for t in entries["flat_rushed_agent.flac"]["turns"])
    for phrase in ("What do you want.", "It's our policy.", "There's nothing I can do.", "You should have read the contract."):
        assert phrase in flat


# ------------------------------------------------------------------- stereo ----


@pytest.mark.parametrize("name", STEREO)
def test_channel_dominance_during_turns(name, entries):
    e = entries[name]
    x, sr = audio(name)
    idx = {"left": 0, "right": 1}
    for t in e["turns"]:
        s = seg(x, sr, t["start"], t["end"])
        own = dbfs(s[:, idx[t["channel"]]])
        other = dbfs(s[:, 1 - idx[t["channel"]]])
        # >= 20 dB separation, but the -30 dB hybrid bleed is really there (not silence)
        assert 20.0 <= own - other <= 40.0, (t["text"], own, other)


@pytest.mark.parametrize("name", STEREO)
def test_stereo_telephone_band_and_noise_floor(name, entries):
    e = entries[name]
    x, sr = audio(name)
    lead = x[: int(e["turns"][0]["start"] * sr) - int(0.05 * sr)]
    for c in (0, 1):
        assert -66.0 < dbfs(lead[:, c]) < -54.0  # ~-60 dBFS noise floor, no digital silence
    # band-limited speech: little energy below 200 Hz in the agent channel
    c = 0 if e["agent_channel"] == "left" else 1
    spec = np.abs(np.fft.rfft(x[:, c])) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / sr)
    low = spec[freqs < 200].sum() / spec[(freqs >= 300) & (freqs <= 3400)].sum()
    assert low < 0.01, low


# --------------------------------------------------------------------- mono ----


def test_levels_warm_louder_than_flat(entries):
    warm, _ = audio("warm_agent.flac")
    flat, _ = audio("flat_rushed_agent.flac")
    w, f = dbfs(warm), dbfs(flat)
    assert -21.5 < w < -18.5, w
    assert -33.5 < f < -30.5, f
    assert w - f >= 8.0
    for x in (warm, flat):
        assert np.max(np.abs(x)) < 0.999  # no clipping


def test_speaking_rates(entries):
    w = wpm(entries["warm_agent.flac"]["turns"])
    f = wpm(entries["flat_rushed_agent.flac"]["turns"])
    assert 135.0 <= w <= 150.0, w
    assert f >= 190.0, f
    assert f - w >= 40.0
    assert abs(entries["warm_agent.flac"]["measured"]["wpm_over_speech_time"] - w) < 0.5


def test_pauses(entries):
    assert all(0.4 <= g <= 0.8 for g in gaps(entries["warm_agent.flac"]["turns"]))
    assert all(g <= 0.15 for g in gaps(entries["flat_rushed_agent.flac"]["turns"]))
    for name in STEREO:
        assert all(0.3 <= g <= 1.0 for g in gaps(entries[name]["turns"])), name


def test_fillers_and_hesitation_in_warm_sample(entries):
    e = entries["warm_agent.flac"]
    ch = e["characteristics"]
    words = [w.lower() for w in WORD_RE.findall(e["turns"][ch["filler_turn"]]["text"])]
    assert "um" in words and "uh" in words
    all_words = [w.lower() for t in e["turns"] for w in WORD_RE.findall(t["text"])]
    assert sum(w in {"um", "uh"} for w in all_words) == ch["filler_count"] == 2

    hes = ch["hesitation"]
    turn = e["turns"][hes["turn"]]
    assert turn["start"] < hes["start"] < hes["end"] < turn["end"]
    assert 0.3 <= hes["end"] - hes["start"] <= 0.9
    x, sr = audio("warm_agent.flac")
    assert dbfs(seg(x, sr, hes["start"] + 0.02, hes["end"] - 0.02)) < -50.0

    flat_words = [w.lower() for t in entries["flat_rushed_agent.flac"]["turns"] for w in WORD_RE.findall(t["text"])]
    assert not {"um", "uh"} & set(flat_words)


def test_flat_sample_has_clipped_ending(entries):
    e = entries["flat_rushed_agent.flac"]
    x, sr = audio("flat_rushed_agent.flac")
    last = e["turns"][-1]
    assert last.get("truncated") is True
    assert abs(last["end"] - len(x) / sr) < 1e-3  # file ends where the speech is cut
    tail = x[-int(0.03 * sr) :]
    assert dbfs(tail) > dbfs(seg(x, sr, last["start"], last["end"])) - 15.0  # abrupt, no fade


def test_warm_has_wider_pitch_than_flat(manifest):
    librosa = pytest.importorskip("librosa")
    sd = {}
    for name in MONO:
        x, sr = audio(name)
        f0, voiced, _ = librosa.pyin(x.astype(np.float32), fmin=60.0, fmax=500.0, sr=sr, frame_length=1024, hop_length=512)
        f0 = f0[voiced & np.isfinite(f0)]
        assert f0.size > 200, name
        sd[name] = float(np.std(12.0 * np.log2(f0 / np.median(f0))))
    assert sd["warm_agent.flac"] >= 2.5, sd
    assert sd["flat_rushed_agent.flac"] <= 1.2, sd
    assert sd["warm_agent.flac"] - sd["flat_rushed_agent.flac"] >= 1.5, sd


def test_expected_ordering_and_styles(manifest, entries):
    assert manifest["expected_ordering"]["tone"] == ["samples/warm_agent.flac", "samples/flat_rushed_agent.flac"]
    assert entries["warm_agent.flac"]["characteristics"]["style"] == "warm"
    assert entries["flat_rushed_agent.flac"]["characteristics"]["style"] == "flat"


# ------------------------------------------------------------------- script ----


def test_generator_explains_missing_tools(tmp_path):
    """Without espeak-ng/sox on PATH the script names the Debian packages, no traceback."""
    env = dict(os.environ, PATH=str(tmp_path))  # an empty folder: no espeak-ng, no sox
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_samples.py"), "--out", str(tmp_path / "o")],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert "apt-get install espeak-ng sox" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_two_voice_mono_sample_alternates_two_parties(entries):
    e = entries["two_voice_mono.flac"]
    turns = e["turns"]
    assert turns[0]["speaker"] == "agent" and "thank you for calling northwind energy" in turns[0]["text"].lower()
    assert all(a["speaker"] != b["speaker"] for a, b in pairwise(turns))
    assert all(0.39 <= g <= 0.81 for g in gaps(turns))
    assert [turns[i]["text"] for i in e["characteristics"]["backchannel_turns"]] == ["Mhm.", "Okay."]
    assert e["characteristics"]["agent_voice"]["voice"] != e["characteristics"]["customer_voice"]["voice"]
