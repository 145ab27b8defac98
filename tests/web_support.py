"""Helpers of the web app tests: reports without models, a fast stand-in Analyzer, test audio, a running server."""

from __future__ import annotations

import io
import socket
import threading
import time
import uuid
import wave
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from tonecoach.analysis.asr import TranscriptionOptions
from tonecoach.analysis.audio import load
from tonecoach.analysis.scoring import load_rubric
from tonecoach.analyzer import AnalyzerOptions
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
    """Decodes for real (so "not audio" is decided by :func:`tonecoach.analysis.audio.load`), then returns a canned report.

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


def ensure_user(store, name: str, *, role: str, team: str | None, password: str | None = None):
    """The account ``name`` with this role and team, made when missing; its password goes in ``PASSWORDS``.

    All web tests share one server and one user table, so a module that picks a name another module already
    holds with a different team would silently test the other team's rule. That is refused here, by name.
    """
    from tonecoach.store.accounts import add_user, get_account

    PASSWORDS.setdefault(name, password or f"{name}-secret-1")
    acc = get_account(store, name)
    if acc is None:
        add_user(store, name, role=role, team=team, password=PASSWORDS[name])
        acc = get_account(store, name)
    elif (acc.role, acc.team) != (role, team):
        raise AssertionError(f"test user {name!r} is already {acc.role} of team {acc.team!r} (another test module "
                             f"made it); this module wants {role} of {team!r}: pick another name")
    return acc


@pytest.fixture(scope="session")
def web_server(tmp_path_factory):
    """The real app (tiny.en, English) on a free port, with agents ann (north) and bob (south) and their leads.

    Yields a namespace: ``url``, ``coach``, ``store``, ``data_dir``, ``admin_password`` (from the file a fresh
    install writes it to), ``printed`` (what the start printed), ``sessions`` and ``throttle`` (the guards).
    """
    pytest.importorskip("gradio")
    from tonecoach.store.accounts import ADMIN_PASSWORD_FILE, add_user
    from tonecoach.web.server import ServeOptions, prepare, start

    data = tmp_path_factory.mktemp("webdata")
    opts = ServeOptions(port=free_port(), data_dir=str(data), model="tiny.en", language="en")
    out = io.StringIO()
    app = prepare(opts, out=out)
    printed = out.getvalue()
    pw_file = data / ADMIN_PASSWORD_FILE
    admin_password = pw_file.read_text().split("password: ", 1)[1].split()[0] if pw_file.exists() else None
    coach = app.coach
    for name, role, team in (("ann", "agent", "north"), ("lee", "team_lead", "north"), ("bob", "agent", "south"),
                             ("carl", "team_lead", "south")):
        add_user(coach.store, name, role=role, team=team, password=PASSWORDS[name])
    running = start(app)
    yield SimpleNamespace(url=running.url, coach=coach, store=coach.store, admin_password=admin_password,
                          printed=printed, data_dir=data, sessions=app.web.sessions, throttle=app.web.throttle,
                          files=app.web.files)
    running.close()
    coach.store.close()


# -- a browser, as an attacker or a victim would drive one -------------------------------------


class CallError(Exception):
    """A Gradio event that was refused at the queue (``status``) or failed in its handler (``status`` None)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class Browser:
    """An HTTP client of the running app that sends what a user's browser sends: cookies, ``Origin``, ``Host``.

    ``host`` is the ``Host`` header (the site's name behind a proxy); ``site`` is the origin the page came from
    (the ``Origin`` of every unsafe request; None sends none, as a script outside a browser would);
    ``address`` is the client address a proxy on this machine passes in ``X-Forwarded-For``. Cookies are
    kept by name and always sent, Secure ones included, as a browser on the site's https address would.
    """

    def __init__(self, url: str, *, host: str | None = None, site: str | None = "auto", address: str | None = None):
        import httpx

        self.url = url if url.endswith("/") else url + "/"
        base = {}
        if host:
            base["Host"] = host
        if address:
            base["X-Forwarded-For"] = address
        self.site = (f"https://{host}" if host else self.url.rstrip("/")) if site == "auto" else site
        self.http = httpx.Client(base_url=self.url, headers=base, timeout=300, follow_redirects=False)
        self.cookies: dict[str, str] = {}
        self.last_login = None
        self.session_hash = uuid.uuid4().hex[:12]  # one page: its event state (State, dropdown choices) is kept

    def _headers(self, extra: dict | None, origin) -> dict:
        h = {}
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        o = self.site if origin == "site" else origin
        if o:
            h["Origin"] = o
        h.update(extra or {})
        return h

    def _keep(self, r):
        for k, v in r.cookies.items():
            self.cookies[k] = v
        return r

    def get(self, path: str, *, origin=None, headers=None, **kw):
        return self._keep(self.http.get(path, headers=self._headers(headers, origin), **kw))

    def post(self, path: str, *, origin="site", headers=None, **kw):
        return self._keep(self.http.post(path, headers=self._headers(headers, origin), **kw))

    def login(self, name: str, password: str | None = None, *, origin="site"):
        r = self.post("login", data={"username": name, "password": password or PASSWORDS[name]}, origin=origin)
        self.last_login = r
        return r

    def logged_in(self) -> bool:
        return self.get("gradio_api/login_check").status_code == 200

    def upload(self, path: Path, name: str | None = None) -> str:
        """Upload a file as the browser's audio component does; returns its path on the server."""
        with open(path, "rb") as fh:
            r = self.post("gradio_api/upload", files={"files": (name or path.name, fh, "application/octet-stream")})
        assert r.status_code == 200, (r.status_code, r.text)
        return r.json()[0]

    def submit(self, api_name: str, *data) -> str:
        """Join the queue for an event; returns its id, or raises :class:`CallError` with the refusal."""
        # the page's events (ui_*) share its session, where Gradio keeps their state; API calls have one each, as
        # Gradio streams a session's messages to one reader
        session = self.session_hash if api_name.startswith("ui_") else uuid.uuid4().hex[:12]
        r = self.post(f"gradio_api/call/{api_name}", json={"data": list(data), "session_hash": session})
        if r.status_code != 200:
            try:
                detail = r.json().get("detail", r.text)
            except ValueError:
                detail = r.text
            raise CallError(str(detail), r.status_code)
        return r.json()["event_id"]

    def result(self, api_name: str, event_id: str):
        """The outputs of a submitted event, or :class:`CallError` with the handler's message."""
        import json

        r = self.get(f"gradio_api/call/{api_name}/{event_id}")
        event = None
        for line in r.text.splitlines():
            if line.startswith("event: "):
                event = line[7:].strip()
            elif line.startswith("data: ") and event in ("complete", "error"):
                data = json.loads(line[6:])
                if event == "error":
                    raise CallError(str(data))
                return data
        raise CallError(f"no result: {r.status_code} {r.text[:300]}", r.status_code)

    def call(self, api_name: str, *data):
        return self.result(api_name, self.submit(api_name, *data))


def file_data(path: str, name: str | None = None) -> dict:
    """An uploaded file as an event's input (what the browser sends after the upload)."""
    return {"path": path, "orig_name": name or Path(path).name, "meta": {"_type": "gradio.FileData"}}


def quiet_flac(path: Path, *, minutes: float, sr: int = 8000, tone_at_s: tuple[float, ...] = (0.0,),
               declare_length: bool = False) -> Path:
    """Minutes of near-silence with a 5 s tone at each of ``tone_at_s``, as a FLAC of a few MB.

    Unless ``declare_length``, the header's sample count is zeroed ("unknown", as a streaming encoder leaves
    it), so only decoding tells how long the file is.
    """
    import soundfile as sf

    n = int(minutes * 60 * sr)
    y = np.zeros(n, dtype=np.int16)
    y[::997] = 1  # not digital silence
    t = np.arange(5 * sr) / sr
    for at in tone_at_s:
        a = int(at * sr)
        y[a: a + len(t)] = (6000 * np.sin(2 * np.pi * 220 * t[: max(0, min(len(t), n - a))])).astype(np.int16)
    sf.write(str(path), y, sr, subtype="PCM_16", format="FLAC")
    if not declare_length:
        b = bytearray(path.read_bytes())
        assert b[:4] == b"fLaC"
        off = 8 + 10  # STREAMINFO: 20 bits rate, 3 channels, 5 bits per sample, 36 bits total samples
        v = int.from_bytes(b[off:off + 8], "big") & ~((1 << 36) - 1)
        b[off:off + 8] = v.to_bytes(8, "big")
        path.write_bytes(bytes(b))
    return path
