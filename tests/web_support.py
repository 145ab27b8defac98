"""Helpers of the web app tests: reports without models, a fast stand-in Analyzer, test audio, a running server."""

from __future__ import annotations

import io
import socket
import threading
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from tonecoach.analyzer import AnalyzerOptions
from tonecoach.asr import TranscriptionOptions
from tonecoach.audio import load
from tonecoach.report import (
    AgentDecision,
    AudioInfo,
    CallReport,
    FeedbackItem,
    LanguageInfo,
    MetricScore,
    Segment,
    Speaker,
    ToneResult,
    Word,
)
from tonecoach.scoring import load_rubric

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


def make_report(score: float | None = 70.0, *, content: dict | None = None, language: str = "en",
                duration_s: float = 30.0, wpm: float = 190.0, path: str = "call.wav", model: str = "fake") -> CallReport:
    """A complete one-speaker report with one flagged turn (too fast), built without any model."""
    words = tuple(Word(f"w{i}", 1.0 + i * 0.3, 1.25 + i * 0.3, 0.9) for i in range(20))
    turn = {"words_per_minute": wpm, "pitch_sd_semitones": 2.5, "energy_dbfs": -20.0, "energy_sd_db": 6.0,
            "pause_longest_s": 0.4, "n_words": 20}
    seg = Segment(1.0, 7.0, "S1", "thank you for calling how can I help you today", words, turn)
    fb = FeedbackItem(1.0, 7.0, "too_fast", "minor",
                      f"Too fast at 0:01: {wpm:.0f} words per minute. Slow down and let each point land.",
                      {"value": wpm, "threshold": 170.0, "unit": "wpm"}, "S1")
    return CallReport(
        audio=AudioInfo(path=path, duration_s=duration_s, sample_rate=16000, channels=1, codec="pcm_s16le"),
        language=LanguageInfo(language, 0.99),
        models={"asr": {"name": model}},
        speakers=(Speaker("S1", "agent", 6.0, None, {**turn, "words_per_minute": wpm}),),
        segments=(seg,),
        tone=ToneResult(score=score, metrics=(MetricScore("words_per_minute", "Speaking rate", wpm, "wpm", 120.0, 160.0,
                                                          40.0, 2.0, "rubric", "x"),), rubric_version="test-1"),
        feedback=(fb,),
        agent=AgentDecision("S1", "single-speaker", "one speaker", 1.0),
        content=content,
        tonecoach_version="0.1.0",
        created_at="2026-11-27T10:00:00+00:00",
    )


@dataclass
class FakeAnalyzer:
    """Decodes for real (so "not audio" is decided by :func:`tonecoach.audio.load`), then returns a canned report.

    ``delay_s`` makes each analysis take a while; ``fail`` raises in the middle;
    ``max_running`` records how many analyses ever ran at once.
    """

    delay_s: float = 0.0
    fail: BaseException | None = None
    wpm: float = 190.0
    options: AnalyzerOptions = field(default_factory=lambda: AnalyzerOptions(transcription=TranscriptionOptions(model="fake")))
    calls: int = 0
    running: int = 0
    max_running: int = 0

    def __post_init__(self):
        self.rubric = load_rubric()
        self._lock = threading.Lock()

    def analyze(self, source, *, sample_rate=None, progress=None, label=None) -> CallReport:
        audio = load(source)
        with self._lock:
            self.calls += 1
            self.running += 1
            self.max_running = max(self.max_running, self.running)
        try:
            if progress:
                progress(0.5, "transcribing")
            if self.delay_s:
                time.sleep(self.delay_s)
            if self.fail is not None:
                raise self.fail
            r = make_report(path=label or "x", duration_s=round(audio.duration_s, 3), wpm=self.wpm,
                            model=self.options.transcription.model)
            from dataclasses import replace

            return replace(r, tone=replace(r.tone, rubric_version=self.rubric.version))
        finally:
            with self._lock:
                self.running -= 1


def tone_wav(path: Path, *, seconds: float = 2.0, freq_hz: float = 220.0, gain: float = 0.3, sr: int = 16000) -> Path:
    """A mono 16-bit WAV of a sine tone (vary ``gain`` or ``freq_hz`` for different content)."""
    t = np.arange(int(seconds * sr)) / sr
    y = (gain * np.sin(2 * np.pi * freq_hz * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(y.tobytes())
    return path


def speech_clip(path: Path, *, source: Path = SAMPLES / "warm_agent.flac", start_s: float = 0.0, seconds: float = 6.0,
                gain: float = 1.0) -> Path:
    """A short WAV cut from a sample (real speech), scaled by ``gain`` so each clip has its own content hash."""
    a = load(source)
    y = a.samples[0][int(start_s * a.sample_rate): int((start_s + seconds) * a.sample_rate)] * gain
    pcm = (np.clip(y, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(a.sample_rate)
        w.writeframes(pcm.tobytes())
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PASSWORDS = {"ann": "ann-secret-1", "lee": "lee-secret-1", "bob": "bob-secret-1", "carl": "carl-secret-1"}


@pytest.fixture(scope="session")
def web_server(tmp_path_factory):
    """The real app (tiny.en, English) on a free port, with agents ann (north) and bob (south) and their leads.

    Yields a namespace: ``url``, ``coach``, ``store``, ``admin_password`` (printed once on this fresh install).
    """
    pytest.importorskip("gradio")
    from tonecoach.store.accounts import add_user
    from tonecoach.web.server import ServeOptions, launch, prepare

    data = tmp_path_factory.mktemp("webdata")
    opts = ServeOptions(port=free_port(), data_dir=str(data), model="tiny.en", language="en")
    out = io.StringIO()
    coach, demo = prepare(opts, out=out)
    printed = out.getvalue()
    admin_password = printed.split("password: ", 1)[1].split()[0] if "password: " in printed else None
    for name, role, team in (("ann", "agent", "north"), ("lee", "team_lead", "north"), ("bob", "agent", "south"),
                             ("carl", "team_lead", "south")):
        add_user(coach.store, name, role=role, team=team, password=PASSWORDS[name])
    _, url, _ = launch(demo, coach.store, opts, prevent_thread_lock=True, quiet=True)
    yield SimpleNamespace(url=url.rstrip("/") + "/", coach=coach, store=coach.store, admin_password=admin_password,
                          printed=printed, data_dir=data)
    demo.close()
    coach.store.close()
