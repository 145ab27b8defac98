#!/usr/bin/env python3
"""Synthesise the practice calls in ``samples/`` with espeak-ng and sox.

Every file is synthetic speech (espeak-ng, en-us voices) for a fictional
company, "Northwind Energy".  The script is deterministic: espeak-ng and
sox (run with ``-R`` and no dither) give the same output on every run, gaps
come from fixed lists or a seeded generator, and the noise floors use fixed
seeds.  Turn start/end times in ``samples/manifest.json`` are computed from
the actual lengths of the generated segments as they are concatenated.

Samples and what each one is meant to demonstrate
--------------------------------------------------
``warm_agent.flac`` (mono, 16 kHz, ~28 s)
    A warm, well-paced agent: clear greeting with the company name and the
    agent's name, empathy ("I'm so sorry your bill was higher..."), ownership
    ("I'll book a free meter check myself"), a polite closing.  About 140 words per minute measured as
    script words over speaking time, lively intonation (SSML
    ``<prosody range="x-high">`` plus a raised base pitch), pauses of
    0.5-0.7 s between sentences, level about -20 dBFS RMS.  One sentence
    holds two fillers ("um", "uh") and another a ~0.55 s mid-sentence
    hesitation (SSML <break>), so filler and hesitation detection can be
    measured; the manifest gives the hesitation's times.
    Should score clearly better on tone than ``flat_rushed_agent``.

``flat_rushed_agent.flac`` (mono, 16 kHz, ~23 s)
    The same kind of billing call said badly: monotone (SSML
    ``range="20%"``), rushed (about 205 words per minute, gaps under 0.15 s),
    quiet (about -32 dBFS RMS), blunt wording ("What do you want.", "It's
    our policy.", "There's nothing I can do.", "You should have read the
    contract."), no greeting and a clipped ending: the last word ("bye") is
    cut off half-way, with no fade and no trailing silence.

``stereo_call_8k.wav`` (stereo, 8 kHz, 16-bit PCM, ~65 s)
    A full two-party call for diarisation-by-channel and for benchmarks that
    need a call of at least 60 s.  Agent (en-us+f3) on the LEFT channel,
    customer (en-us+m3) on the RIGHT.  The agent greets first, the customer
    is annoyed about a bill, the agent apologises, takes ownership,
    resolves and closes.  Telephone band-limited (sox ``sinc 300-3400``)
    before resampling to 8 kHz, gaps of 0.3-1.0 s between turns, channel
    bleed of each party onto the other channel at -30 dB (as on a telephone
    hybrid) and a seeded noise floor at about -60 dBFS.  Each party is
    levelled to about -20/-21 dBFS over its own turns; rare peaks pass a soft
    limiter (espeak-ng output has a high crest factor).

``customer_first_stereo.wav`` (stereo, 8 kHz, 16-bit PCM, ~15 s)
    A short call where the customer speaks first ("Hello? Hi, I'm calling
    about my order.") and the agent is on the RIGHT channel; the agent then
    greets with the company phrase.  Used to test automatic agent-channel
    detection by greeting rather than by who speaks first or by position.

``two_voice_mono.flac`` (mono, 8 kHz, 16-bit FLAC, ~30 s)
    A two-party call on ONE channel, as many call archives are: agent
    (en-us+Annie) and customer (en-gb+Mario) mixed together, telephone band,
    gaps of 0.4-0.8 s between turns, short customer backchannels ("Mhm.",
    "Okay."), a -65 dBFS noise floor.  For speaker separation on mono
    audio: the manifest's turns are the truth the diarization must recover.

``manifest.json``
    Machine-readable truth: per file the path, description, sample rate,
    channels, agent channel, every turn's exact script text, speaker, and
    start/end time in seconds in the output file, the intended
    characteristics and the figures measured on the generated audio.

Pitch range technique: espeak-ng's ``-p`` sets the base pitch; the pitch
*range* is set with SSML (``-m``) ``<prosody range="...">``, which was
verified by measurement (librosa pyin): on the same sentence ``range="x-high"``
gives ~3.6 semitones of F0 standard deviation, the default ~2.2 and
``range="20%"`` ~0.5.  The generated files measure ~4 st (warm) and ~0.6 st
(flat).  (A custom voice-variant file with ``pitch BASE RANGE`` cannot be
passed to ``-v`` as a path; it would have to be installed into the espeak-ng
data directory, so it is not used.)

Regenerate with::

    .venv/bin/python scripts/make_samples.py            # writes samples/
    .venv/bin/python scripts/make_samples.py --out DIR
    .venv/bin/python scripts/make_samples.py --only two_voice_mono   # one file; the others stay as they are
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from xml.sax.saxutils import escape

try:
    import numpy as np
    import soundfile as sf
except ImportError as exc:  # pragma: no cover - environment problem
    sys.stderr.write(
        f"make_samples: missing Python package ({exc.name}); install the project's dependencies (numpy, soundfile) in .venv\n"
    )
    sys.exit(2)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "samples"

COMPANY = "Northwind Energy"
AGENT_VOICE = "en-us+f3"
CUSTOMER_VOICE = "en-us+m3"

# Hesitations inside a sentence are written "[pause 400]" in the scripts
# below: they become an SSML <break time="400ms"/> and are dropped from the
# text stored in the manifest.
PAUSE_RE = re.compile(r"\s*\[pause (\d+)\]\s*")
WORD_RE = re.compile(r"[A-Za-z0-9']+")

SEED = 20240521
MONO_NOISE_DBFS: float | None = -90.0  # seeded ~1 LSB floor: no exact digital silence


# ---------------------------------------------------------------- tools ----


class ToolError(RuntimeError):
    pass


def check_tools() -> None:
    """Exit with a clear message if espeak-ng or sox is not installed."""
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        pkgs = " ".join(missing)
        sys.stderr.write(
            "make_samples: required program(s) not found on PATH: "
            f"{', '.join(missing)}.\n"
            f"On Debian/Ubuntu install them with:  sudo apt-get install {pkgs}\n"
            "(Debian packages: 'espeak-ng' provides espeak-ng, 'sox' provides sox.)\n"
        )
        sys.exit(2)


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ToolError(f"command failed ({proc.returncode}): {' '.join(cmd[:3])} ...\n{proc.stderr.strip()}")


# -------------------------------------------------------------- helpers ----


def clean_text(text: str) -> str:
    """Script text as spoken, without pause markers (used in the manifest)."""
    return PAUSE_RE.sub(" ", text).strip()


def count_words(text: str) -> int:
    return len(WORD_RE.findall(clean_text(text)))


def to_ssml(text: str, pitch_range: str) -> str:
    parts = PAUSE_RE.split(text)
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            out.append(escape(part.strip()))
        else:
            out.append(f'<break time="{int(part)}ms"/>')
    body = " ".join(p for p in out if p)
    return f'<speak><prosody range="{pitch_range}">{body}</prosody></speak>'


def dbfs(x: np.ndarray) -> float:
    """RMS level in dBFS (full-scale square wave = 0 dBFS, sine = -3 dBFS)."""
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))
    return 20.0 * np.log10(max(rms, 1e-12))


def frame_activity(x: np.ndarray, sr: int, rel_db: float) -> tuple[np.ndarray, int]:
    """Per-10 ms-frame flags: frame RMS above ``rel_db`` below the loudest frame."""
    hop = int(sr * 0.01)
    n = len(x) // hop
    rms = np.sqrt(np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1))
    return rms > rms.max() * 10 ** (rel_db / 20.0), hop


def cut_inside_last_word(x: np.ndarray, sr: int, keep_frac: float) -> np.ndarray:
    """Cut the utterance part-way through its last word (the last run of
    active frames, bridging gaps up to 40 ms), with no fade: a clipped ending."""
    active, hop = frame_activity(x, sr, -30.0)
    idx = np.flatnonzero(active)
    end = idx[-1] + 1
    start = idx[-1]
    for i in idx[::-1]:
        if start - i > 4:
            break
        start = i
    cut = int((start + keep_frac * (end - start)) * hop)
    return x[:cut]


def longest_pause(x: np.ndarray, sr: int, rel_db: float = -40.0) -> tuple[float, float]:
    """(start, end) in seconds of the longest silent run inside ``x``."""
    active, hop = frame_activity(x, sr, rel_db)
    best = (0, 0)
    run_start = None
    for i, a in enumerate(list(active) + [True]):
        if not a and run_start is None:
            run_start = i
        elif a and run_start is not None:
            if i - run_start > best[1] - best[0]:
                best = (run_start, i)
            run_start = None
    return best[0] * hop / sr, best[1] * hop / sr


def trim(x: np.ndarray, sr: int, rel_db: float = -45.0, margin_s: float = 0.02) -> np.ndarray:
    """Cut leading/trailing silence (frames 45 dB below the loudest frame)."""
    hop = int(sr * 0.01)
    n = len(x) // hop
    frames = x[: n * hop].reshape(n, hop)
    rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))
    thr = rms.max() * 10 ** (rel_db / 20.0)
    active = np.flatnonzero(rms > thr)
    if active.size == 0:
        return x
    margin = int(sr * margin_s)
    start = max(0, active[0] * hop - margin)
    end = min(len(x), (active[-1] + 1) * hop + margin)
    return x[start:end]


@dataclass
class Synth:
    tmp: Path
    counter: int = 0

    def say(
        self,
        text: str,
        *,
        voice: str,
        rate: int,
        pitch: int,
        pitch_range: str,
        sr: int,
        telephone: bool = False,
    ) -> np.ndarray:
        """Synthesise one utterance, resample to ``sr``, trim silence."""
        self.counter += 1
        raw = self.tmp / f"u{self.counter:03d}_raw.wav"
        out = self.tmp / f"u{self.counter:03d}.wav"
        _run(
            [
                "espeak-ng",
                "-v",
                voice,
                "-s",
                str(rate),
                "-p",
                str(pitch),
                "-m",
                "-w",
                str(raw),
                to_ssml(text, pitch_range),
            ]
        )
        effects = ["sinc", "300-3400"] if telephone else []
        # -R: repeatable; -D: no dither; float output so nothing is quantised
        # until the final file is written.
        _run(["sox", "-R", "-D", str(raw), "-e", "floating-point", "-b", "32", str(out)] + effects + ["rate", "-v", str(sr)])
        audio, got_sr = sf.read(out, dtype="float64")
        assert got_sr == sr, (got_sr, sr)
        if audio.ndim > 1:
            audio = audio.mean(axis=1)
        return trim(audio, sr)


@dataclass
class Turn:
    speaker: str  # "agent" | "customer"
    text: str
    start: int = 0  # samples
    end: int = 0
    audio: np.ndarray | None = field(default=None, repr=False)
    truncated: bool = False


def turns_to_manifest(turns: list[Turn], sr: int, channel_of: dict | None) -> list[dict]:
    rows = []
    for t in turns:
        row = {
            "speaker": t.speaker,
            "text": clean_text(t.text),
            "start": round(t.start / sr, 3),
            "end": round(t.end / sr, 3),
            "words": count_words(t.text),
        }
        if channel_of is not None:
            row["channel"] = channel_of[t.speaker]
        if t.truncated:
            row["truncated"] = True
        rows.append(row)
    return rows


def speech_wpm(turns: list[Turn], sr: int, speaker: str = "agent") -> float:
    words = sum(count_words(t.text) for t in turns if t.speaker == speaker)
    secs = sum((t.end - t.start) / sr for t in turns if t.speaker == speaker)
    return 60.0 * words / secs


def region_dbfs(x: np.ndarray, turns: list[Turn], speaker: str) -> float:
    parts = [x[t.start : t.end] for t in turns if t.speaker == speaker]
    return dbfs(np.concatenate(parts))


def pitch_sd_semitones(x: np.ndarray, sr: int) -> float | None:
    """F0 standard deviation in semitones over voiced frames (librosa pyin)."""
    try:
        import librosa
    except ImportError:
        return None
    if sr != 16000:
        x = librosa.resample(x, orig_sr=sr, target_sr=16000)
        sr = 16000
    f0, voiced, _ = librosa.pyin(x.astype(np.float32), fmin=60.0, fmax=500.0, sr=sr, frame_length=1024)
    f0 = f0[voiced & np.isfinite(f0)]
    if f0.size < 10:
        return None
    st = 12.0 * np.log2(f0 / np.median(f0))
    return round(float(np.std(st)), 2)


def noise(n: int, level_dbfs: float, rng: np.random.Generator, channels: int = 1) -> np.ndarray:
    shape = (n,) if channels == 1 else (n, channels)
    return rng.standard_normal(shape) * 10 ** (level_dbfs / 20.0)


def soft_limit(x: np.ndarray, threshold: float = 0.6, ceiling: float = 0.94) -> np.ndarray:
    """Smoothly compress the rare samples above ``threshold`` so that nothing
    exceeds ``ceiling`` (a telephone-style peak limiter; espeak-ng output has
    a high crest factor).  Samples below the threshold are untouched."""
    a = np.abs(x)
    over = a > threshold
    if not over.any():
        return x
    span = ceiling - threshold
    y = x.copy()
    y[over] = np.sign(x[over]) * (threshold + span * np.tanh((a[over] - threshold) / span))
    return y


def write_pcm16(path: Path, x: np.ndarray, sr: int, fmt: str) -> None:
    peak = float(np.max(np.abs(x)))
    if peak > 0.999:
        raise RuntimeError(f"{path.name}: would clip (peak {peak:.3f})")
    if fmt == "FLAC":
        sf.write(path, x, sr, subtype="PCM_16", format=fmt, compression_level=1.0)
    else:
        sf.write(path, x, sr, subtype="PCM_16", format=fmt)


# -------------------------------------------------------------- scripts ----

WARM_SCRIPT = [
    ("Good morning, thank you for calling Northwind Energy, my name is Anna, how can I help you today?"),
    "I'm so sorry your bill was higher than you expected.",
    "Let me see, um, your March reading is, uh, higher than usual.",
    "What I'll do [pause 700] is book a free meter check myself.",
    "Thanks for your patience, have a lovely day.",
]
WARM_GAPS = [0.6, 0.5, 0.7, 0.55]  # seconds between sentences

FLAT_SCRIPT = [
    "Northwind Energy. What do you want.",
    "Account number.",
    "Yeah, the bill is correct, the reading is the reading, that's it.",
    "It's our policy. There's nothing I can do.",
    "You should have read the contract.",
    "You can book a meter check online yourself, it costs forty dollars.",
    "No, I can't waive that, it's not my department, I just take the calls.",
    "Call back another time if you want to complain.",
    "Anything else. No. Right, bye.",
]
FLAT_GAPS = [0.1, 0.12, 0.08, 0.1, 0.11, 0.09, 0.1, 0.12]

STEREO_SCRIPT = [
    ("agent", "Thank you for calling Northwind Energy, this is Anna speaking, how can I help?"),
    ("customer", ("Hi. My bill is nearly three hundred dollars, double what I normally pay. I'm fed up.")),
    ("agent", ("I'm really sorry about that, I can hear how frustrating this is. Could I take your account number?")),
    ("customer", "Four seven two, nine one eight."),
    ("agent", ("Thanks, Mister Patel. We used an estimated reading this month, not your actual one.")),
    ("customer", "So you just made up a number? That's ridiculous."),
    ("agent", ("You're right, that shouldn't have happened. I'll fix it now, what does your meter say?")),
    ("customer", "Five eight three one two."),
    ("agent", ("I've corrected the bill to one hundred and forty dollars, and added a twenty dollar credit.")),
    ("customer", "Okay, that's better, thanks."),
    ("agent", "You're welcome. Is there anything else I can help with today?"),
    ("customer", "No, that's everything."),
    ("agent", "Thanks for calling Northwind Energy, Mister Patel. Have a lovely evening."),
]

CUSTOMER_FIRST_SCRIPT = [
    ("customer", "Hello? Hi, I'm calling about my order."),
    ("agent", ("Thank you for calling Northwind Energy, this is Anna speaking, how can I help?")),
    ("customer", "My thermostat hasn't arrived."),
    ("agent", "Sorry about that, let me check."),
]

#: the agent has put the caller on hold and never comes back: only the customer speaks
CUSTOMER_ONLY_SCRIPT = [
    ("customer", "Hello? Hello, is anyone there?"),
    ("customer", "I'm calling about my order, it still hasn't arrived."),
    ("customer", "I have been waiting on hold for ten minutes now."),
    ("customer", "I need to change my delivery address. Can you help me?"),
]

MONO_CALL_SCRIPT = [
    ("agent", "Thank you for calling Northwind Energy, this is Maria, how can I help you today?"),
    ("customer", "Hi, I moved house last week and I need to move my account to the new address."),
    ("agent", "Of course, I can do that for you. Could I have your account number, please?"),
    ("customer", "Yes, it's six one four, two two nine."),
    ("agent", "Thank you, Miss Novak. And what is the new address?"),
    ("customer", "Twelve Harbour Street, Springfield."),
    ("agent", "Lovely. I've moved your account, and the first bill there will come in May."),
    ("customer", "Mhm."),
    ("agent", "Is there anything else I can help with?"),
    ("customer", "No, that's all, thanks."),
    ("agent", "You're welcome, have a good day."),
    ("customer", "Okay."),
]
MONO_CALL_GAPS = [0.6, 0.5, 0.8, 0.4, 0.7, 0.5, 0.45, 0.6, 0.5, 0.7, 0.4]

# Voice settings per style.  rate = espeak-ng -s (espeak's own words per
# minute, which is not the same as words over speaking time: -s 140 measured
# ~170 wpm over speech time, so the values below are set lower), pitch = -p
# base pitch (0-99), pitch_range = SSML <prosody range>.
WARM_VOICE = {"voice": AGENT_VOICE, "rate": 121, "pitch": 55, "pitch_range": "x-high"}
FLAT_VOICE = {"voice": AGENT_VOICE, "rate": 195, "pitch": 40, "pitch_range": "20%"}
CALL_AGENT_VOICE = {"voice": AGENT_VOICE, "rate": 140, "pitch": 55, "pitch_range": "x-high"}
CALL_CUSTOMER_VOICE = {"voice": CUSTOMER_VOICE, "rate": 165, "pitch": 50, "pitch_range": "medium"}
# the mono call uses two other voices, so that tests can mix its parties with the stereo call's
MONO_AGENT_VOICE = {"voice": "en-us+Annie", "rate": 175, "pitch": 50, "pitch_range": "x-high"}
MONO_CUSTOMER_VOICE = {"voice": "en-gb+Mario", "rate": 175, "pitch": 40, "pitch_range": "medium"}


# ---------------------------------------------------------------- build ----


def assemble_mono(turns: list[Turn], gaps: list[float], sr: int, lead: float, tail: float) -> np.ndarray:
    pieces = [np.zeros(round(lead * sr))]
    pos = len(pieces[0])
    for i, t in enumerate(turns):
        t.start = pos
        pieces.append(t.audio)
        pos += len(t.audio)
        t.end = pos
        if i < len(gaps):
            g = np.zeros(round(gaps[i] * sr))
            pieces.append(g)
            pos += len(g)
    pieces.append(np.zeros(round(tail * sr)))
    return np.concatenate(pieces)


def make_mono(
    synth: Synth,
    out: Path,
    name: str,
    script: list[str],
    gaps: list[float],
    voice: dict,
    target_dbfs: float,
    *,
    clip_end: float | None,
    description: str,
    characteristics: dict,
    rng: np.random.Generator,
) -> dict:
    sr = 16000
    turns = [Turn("agent", text, audio=synth.say(text, sr=sr, **voice)) for text in script]
    if clip_end is not None:
        last = turns[-1]
        last.audio = cut_inside_last_word(last.audio, sr, clip_end)
        last.truncated = True
    tail = 0.0 if clip_end is not None else 0.4
    x = assemble_mono(turns, gaps, sr, lead=0.3, tail=tail)
    x = soft_limit(x * 10 ** ((target_dbfs - dbfs(x)) / 20.0))
    if MONO_NOISE_DBFS is not None:
        x += noise(len(x), MONO_NOISE_DBFS, rng)
    path = out / f"{name}.flac"
    write_pcm16(path, x, sr, "FLAC")
    x, _ = sf.read(path, dtype="float64")  # measure what was written

    wpm = speech_wpm(turns, sr)
    gap_list = [round((b.start - a.end) / sr, 3) for a, b in pairwise(turns)]
    measured = {
        "duration_s": round(len(x) / sr, 3),
        "rms_dbfs": round(dbfs(x), 2),
        "speech_rms_dbfs": round(region_dbfs(x, turns, "agent"), 2),
        "peak_dbfs": round(20 * np.log10(np.max(np.abs(x))), 2),
        "words": sum(count_words(t.text) for t in turns),
        "speech_time_s": round(sum(t.end - t.start for t in turns) / sr, 3),
        "wpm_over_speech_time": round(wpm, 1),
        "gaps_s": gap_list,
        "pitch_sd_semitones": pitch_sd_semitones(x, sr),
    }
    hes = characteristics.get("hesitation")
    if hes is not None:
        t = turns[hes["turn"]]
        a, b = longest_pause(x[t.start : t.end], sr)
        hes["start"] = round(t.start / sr + a, 3)
        hes["end"] = round(t.start / sr + b, 3)
    return {
        "path": rel_path(path),
        "file": path.name,
        "description": description,
        "sample_rate": sr,
        "channels": 1,
        "agent_channel": None,
        "characteristics": characteristics,
        "measured": measured,
        "turns": turns_to_manifest(turns, sr, None),
    }


def make_stereo(
    synth: Synth,
    out: Path,
    name: str,
    script: list[tuple[str, str]],
    agent_channel: str,
    *,
    description: str,
    characteristics: dict,
    rng: np.random.Generator,
    bleed_db: float = -30.0,
    noise_dbfs: float = -60.0,
    agent_dbfs: float = -20.0,
    customer_dbfs: float = -21.0,
    fmt: str = "WAV",
) -> dict:
    sr = 8000
    voices = {"agent": CALL_AGENT_VOICE, "customer": CALL_CUSTOMER_VOICE}
    turns = [Turn(spk, text, audio=synth.say(text, sr=sr, telephone=True, **voices[spk])) for spk, text in script]
    gaps = [round(float(rng.uniform(0.3, 1.0)), 2) for _ in turns[1:]]
    lead, tail = 0.5, 0.6
    pos = round(lead * sr)
    for i, t in enumerate(turns):
        t.start = pos
        t.end = pos + len(t.audio)
        pos = t.end + (round(gaps[i] * sr) if i < len(gaps) else 0)
    n = pos + round(tail * sr)

    tracks = {"agent": np.zeros(n), "customer": np.zeros(n)}
    for t in turns:
        tracks[t.speaker][t.start : t.end] += t.audio
    speaking = {t.speaker for t in turns}
    for spk, level in (("agent", agent_dbfs), ("customer", customer_dbfs)):
        if spk not in speaking:  # a party that never speaks (on hold): its channel carries only bleed and noise
            continue
        cur = region_dbfs(tracks[spk], turns, spk)
        tracks[spk] = soft_limit(tracks[spk] * 10 ** ((level - cur) / 20.0))

    g = 10 ** (bleed_db / 20.0)
    other = {"agent": "customer", "customer": "agent"}
    ch_party = {agent_channel: "agent", ("right" if agent_channel == "left" else "left"): "customer"}
    cols = []
    for ch in ("left", "right"):
        own = ch_party[ch]
        cols.append(tracks[own] + g * tracks[other[own]])
    x = np.stack(cols, axis=1) + noise(n, noise_dbfs, rng, channels=2)

    path = out / f"{name}.{fmt.lower()}"
    write_pcm16(path, x, sr, fmt)
    x, _ = sf.read(path, dtype="float64")

    idx = {"left": 0, "right": 1}
    channel_of = {"agent": agent_channel, "customer": other_channel(agent_channel)}
    sep = {}
    for spk in ("agent", "customer"):
        if spk not in speaking:
            sep[spk] = None
            continue
        own = region_dbfs(x[:, idx[channel_of[spk]]], turns, spk)
        oth = region_dbfs(x[:, idx[channel_of[other[spk]]]], turns, spk)
        sep[spk] = round(own - oth, 2)
    first = turns[0]
    quiet = x[: first.start]
    measured = {
        "duration_s": round(len(x) / sr, 3),
        "rms_dbfs": {"left": round(dbfs(x[:, 0]), 2), "right": round(dbfs(x[:, 1]), 2)},
        "agent_speech_rms_dbfs": round(region_dbfs(x[:, idx[agent_channel]], turns, "agent"), 2) if "agent" in speaking else None,
        "customer_speech_rms_dbfs": round(region_dbfs(x[:, idx[channel_of["customer"]]], turns, "customer"), 2),
        "noise_floor_dbfs": round(dbfs(quiet), 2),
        "separation_db_during_agent_turns": sep["agent"],
        "separation_db_during_customer_turns": sep["customer"],
        "gaps_s": [round((b.start - a.end) / sr, 3) for a, b in pairwise(turns)],
        "agent_wpm_over_speech_time": round(speech_wpm(turns, sr, "agent"), 1) if "agent" in speaking else None,
        "customer_wpm_over_speech_time": round(speech_wpm(turns, sr, "customer"), 1),
    }
    return {
        "path": rel_path(path),
        "file": path.name,
        "description": description,
        "sample_rate": sr,
        "channels": 2,
        "agent_channel": agent_channel,
        "characteristics": characteristics,
        "measured": measured,
        "turns": turns_to_manifest(turns, sr, channel_of),
    }


def make_mono_call(
    synth: Synth,
    out: Path,
    name: str,
    script: list[tuple[str, str]],
    gaps: list[float],
    *,
    description: str,
    characteristics: dict,
    rng: np.random.Generator,
    noise_dbfs: float = -65.0,
    agent_dbfs: float = -20.0,
    customer_dbfs: float = -22.0,
) -> dict:
    """Two parties on one telephone-band channel (8 kHz), turns taken in order with ``gaps``."""
    sr = 8000
    voices = {"agent": MONO_AGENT_VOICE, "customer": MONO_CUSTOMER_VOICE}
    turns = [Turn(spk, text, audio=synth.say(text, sr=sr, telephone=True, **voices[spk])) for spk, text in script]
    lead, tail = 0.5, 0.6
    pos = round(lead * sr)
    for i, t in enumerate(turns):
        t.start = pos
        t.end = pos + len(t.audio)
        pos = t.end + (round(gaps[i] * sr) if i < len(gaps) else 0)
    n = pos + round(tail * sr)
    tracks = {"agent": np.zeros(n), "customer": np.zeros(n)}
    for t in turns:
        tracks[t.speaker][t.start : t.end] += t.audio
    for spk, level in (("agent", agent_dbfs), ("customer", customer_dbfs)):
        tracks[spk] = tracks[spk] * 10 ** ((level - region_dbfs(tracks[spk], turns, spk)) / 20.0)
    x = soft_limit(tracks["agent"] + tracks["customer"]) + noise(n, noise_dbfs, rng)

    path = out / f"{name}.flac"
    write_pcm16(path, x, sr, "FLAC")
    x, _ = sf.read(path, dtype="float64")
    measured = {
        "duration_s": round(len(x) / sr, 3),
        "agent_speech_rms_dbfs": round(region_dbfs(x, turns, "agent"), 2),
        "customer_speech_rms_dbfs": round(region_dbfs(x, turns, "customer"), 2),
        "noise_floor_dbfs": round(dbfs(x[: turns[0].start]), 2),
        "gaps_s": [round((b.start - a.end) / sr, 3) for a, b in pairwise(turns)],
        "agent_talk_s": round(sum(t.end - t.start for t in turns if t.speaker == "agent") / sr, 3),
        "customer_talk_s": round(sum(t.end - t.start for t in turns if t.speaker == "customer") / sr, 3),
    }
    return {
        "path": rel_path(path),
        "file": path.name,
        "description": description,
        "sample_rate": sr,
        "channels": 1,
        "agent_channel": None,
        "characteristics": characteristics,
        "measured": measured,
        "turns": turns_to_manifest(turns, sr, None),
    }


def rel_path(path: Path) -> str:
    """Path as stored in the manifest: relative to the repository root when
    the output lies inside it (``samples/x.flac``), else just the file name
    (``file`` is always the name relative to the manifest's folder)."""
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return path.name


def other_channel(ch: str) -> str:
    return "right" if ch == "left" else "left"


def build_two_voice_mono(synth: Synth, out: Path) -> dict:
    return make_mono_call(
        synth,
        out,
        "two_voice_mono",
        MONO_CALL_SCRIPT,
        MONO_CALL_GAPS,
        description=(
            "Two-party call on ONE channel (mono, 8 kHz telephone band): agent (en-us+Annie) moves a "
            "customer's (en-gb+Mario) account to a new address; turns alternate with 0.4-0.8 s gaps, "
            "the customer answers two turns with a backchannel (Mhm., Okay.)."
        ),
        characteristics={
            "agent_voice": MONO_AGENT_VOICE,
            "customer_voice": MONO_CUSTOMER_VOICE,
            "first_speaker": "agent",
            "speakers": 2,
            "backchannel_turns": [7, 11],
            "gap_range_s": [0.4, 0.8],
            "noise_floor_dbfs": -65.0,
            "band_hz": [300, 3400],
        },
        rng=np.random.default_rng([SEED, 4]),  # one stream per file
    )


def build_customer_only_stereo(synth: Synth, out: Path) -> dict:
    return make_stereo(
        synth,
        out,
        "customer_only_stereo",
        CUSTOMER_ONLY_SCRIPT,
        "right",
        description=(
            "A two-channel call where only the customer (LEFT) speaks: the agent's channel (RIGHT) carries "
            "nothing but the customer's -30 dB bleed and noise, as when the agent has left the caller on hold. "
            "Nobody in it should be coached as the agent."
        ),
        characteristics={
            "customer_voice": CUSTOMER_VOICE,
            "first_speaker": "customer",
            "agent_speaks": False,
            "gap_range_s": [0.3, 1.0],
            "bleed_db": -30.0,
            "noise_floor_dbfs": -60.0,
            "band_hz": [300, 3400],
        },
        rng=np.random.default_rng([SEED, 5]),  # one stream per file
        fmt="FLAC",
    )


#: files that can be built on their own with --only (the others are built together)
SINGLE_BUILDERS = {"two_voice_mono": build_two_voice_mono, "customer_only_stereo": build_customer_only_stereo}


def build_only(out: Path, name: str) -> dict:
    """Build one file and put its entry into the existing manifest, leaving every other file alone."""
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / "manifest.json"
    if not manifest_path.is_file():
        raise ToolError(f"--only needs an existing {manifest_path}; run without --only first")
    manifest = json.loads(manifest_path.read_text())
    with tempfile.TemporaryDirectory(prefix="tonecoach-samples-") as tmp:
        entry = SINGLE_BUILDERS[name](Synth(Path(tmp)), out)
    files = [f for f in manifest["files"] if f["file"] != entry["file"]]
    manifest["files"] = files + [entry]
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    return {**manifest, "files": [entry]}


def build(out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    files = []
    with tempfile.TemporaryDirectory(prefix="tonecoach-samples-") as tmp:
        synth = Synth(Path(tmp))
        files.append(
            make_mono(
                synth,
                out,
                "warm_agent",
                WARM_SCRIPT,
                WARM_GAPS,
                WARM_VOICE,
                -20.0,
                clip_end=None,
                description=(
                    "Warm, well-paced agent (mono): greeting with company and agent name, "
                    "empathy, ownership, polite closing; lively pitch, natural pauses, "
                    "two fillers (um, uh) in one sentence and one short hesitation."
                ),
                characteristics={
                    "style": "warm",
                    "target_wpm": 142,
                    "target_wpm_range": [135, 150],
                    "target_rms_dbfs": -20.0,
                    "pause_between_sentences_s": [0.4, 0.8],
                    "fillers": ["um", "uh"],
                    "filler_count": 2,
                    "filler_turn": 2,
                    # start/end: the measured silence (frames 40 dB below the
                    # turn's loudest) inside that turn, in file seconds
                    "hesitation": {"turn": 3, "ssml_break_ms": 700},
                    "greeting": True,
                    "polite_closing": True,
                    "espeak": WARM_VOICE,
                    "expected_tone_rank": 1,
                },
                rng=np.random.default_rng([SEED, 0]),  # one stream per file
            )
        )
        files.append(
            make_mono(
                synth,
                out,
                "flat_rushed_agent",
                FLAT_SCRIPT,
                FLAT_GAPS,
                FLAT_VOICE,
                -32.0,
                clip_end=0.5,
                description=(
                    "Flat, rushed, quiet agent (mono): monotone, about 200 wpm, very short "
                    "gaps, blunt wording, no greeting or polite closing, clipped ending "
                    "(last utterance cut off abruptly)."
                ),
                characteristics={
                    "style": "flat",
                    "target_wpm": 205,
                    "target_wpm_range": [190, 215],
                    "target_rms_dbfs": -32.0,
                    "pause_between_sentences_s": [0.05, 0.15],
                    "fillers": [],
                    "filler_count": 0,
                    "blunt_phrases": [
                        "What do you want.",
                        "It's our policy.",
                        "There's nothing I can do.",
                        "You should have read the contract.",
                    ],
                    "greeting": False,
                    "polite_closing": False,
                    "clipped_ending": True,
                    "espeak": FLAT_VOICE,
                    "expected_tone_rank": 2,
                },
                rng=np.random.default_rng([SEED, 1]),  # one stream per file
            )
        )
        files.append(
            make_stereo(
                synth,
                out,
                "stereo_call_8k",
                STEREO_SCRIPT,
                "left",
                description=(
                    "Two-party billing complaint call, agent LEFT (en-us+f3), customer "
                    "RIGHT (en-us+m3); agent greets first, apologises, takes ownership, "
                    "resolves and closes. Telephone band (300-3400 Hz), 8 kHz, -30 dB "
                    "channel bleed, -60 dBFS noise floor."
                ),
                characteristics={
                    "agent_voice": AGENT_VOICE,
                    "customer_voice": CUSTOMER_VOICE,
                    "first_speaker": "agent",
                    "agent_style": "warm",
                    "agent_target_wpm": 150,
                    "gap_range_s": [0.3, 1.0],
                    "bleed_db": -30.0,
                    "noise_floor_dbfs": -60.0,
                    "band_hz": [300, 3400],
                    "customer_mood": "annoyed",
                    "outcome": "resolved",
                },
                rng=np.random.default_rng([SEED, 2]),  # one stream per file
            )
        )
        files.append(
            make_stereo(
                synth,
                out,
                "customer_first_stereo",
                CUSTOMER_FIRST_SCRIPT,
                "right",
                description=(
                    "Short call where the customer (LEFT) speaks first and the agent "
                    "(RIGHT) then greets with the company phrase; for agent-channel "
                    "detection by greeting."
                ),
                characteristics={
                    "agent_voice": AGENT_VOICE,
                    "customer_voice": CUSTOMER_VOICE,
                    "first_speaker": "customer",
                    "agent_style": "warm",
                    "agent_target_wpm": 150,
                    "gap_range_s": [0.3, 1.0],
                    "bleed_db": -30.0,
                    "noise_floor_dbfs": -60.0,
                    "band_hz": [300, 3400],
                    "agent_greeting_turn": 1,
                },
                rng=np.random.default_rng([SEED, 3]),  # one stream per file
            )
        )
        files.append(build_two_voice_mono(synth, out))
        files.append(build_customer_only_stereo(synth, out))
    manifest = {
        "generator": "scripts/make_samples.py",
        "tts": "espeak-ng (synthetic speech)",
        "company": COMPANY,
        "seed": SEED,
        "level_convention": "dBFS = 20*log10(RMS), full-scale square wave = 0 dBFS",
        "wpm_convention": "script words / summed turn durations (speech time) * 60",
        "pitch_sd_convention": "std of 12*log2(f0/median f0) over librosa.pyin voiced frames at 16 kHz",
        "expected_ordering": {
            "tone": [files[0]["path"], files[1]["path"]],
            "note": "warm_agent should score better than flat_rushed_agent on tone",
        },
        "files": files,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output directory (default: samples/ in the repository)",
    )
    ap.add_argument("--only", choices=sorted(SINGLE_BUILDERS), help="build only this file and update its manifest entry")
    args = ap.parse_args(argv)
    check_tools()
    try:
        manifest = build_only(args.out, args.only) if args.only else build(args.out)
    except ToolError as exc:
        sys.stderr.write(f"make_samples: {exc}\n")
        return 1
    for f in manifest["files"]:
        m = f["measured"]
        print(f"{f['path']}: {m['duration_s']:.1f} s, {f['sample_rate']} Hz, {f['channels']} ch")
    return 0


if __name__ == "__main__":
    sys.exit(main())
