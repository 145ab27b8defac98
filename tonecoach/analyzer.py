"""The :class:`Analyzer`: one call in, one materialised :class:`CallReport` out.

It runs the stages of :mod:`tonecoach.analysis` in order, each as a named step (:mod:`tonecoach.analysis.steps`
gives each step its share of the progress bar and its key in ``timings_s``): decode -> channels -> transcribe ->
diarize -> turns -> agent -> pitch_energy -> prosody -> conversation -> score -> wording -> scorecard. It loads
the Whisper model lazily on first use and keeps no per-call state, so one instance serves many calls (and
threads).
"""

from __future__ import annotations

import datetime as _dt
import logging
import math
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable

import numpy as np

from ._version import __version__
from .analysis.agent import AgentChoice, AgentOptions, choose_agent
from .analysis.asr import NO_SPEECH, Heard, Transcriber, TranscriptionOptions, transcribe_channels
from .analysis.audio import Audio, AudioOptions, load
from .analysis.channels import ChannelOptions, Channels, split_channels
from .analysis.conversation import analyze_conversation
from .analysis.diarize import DiarizationOptions, Diarizer, Voices, split_voices
from .analysis.prosody import CallProsody, ProsodyOptions, measure_call, tracks_of
from .analysis.scoring import Rubric, Scored, ScoreOptions, load_rubric, score_call
from .analysis.steps import Progress, Steps
from .analysis.turns import TurnOptions, find_turns, redacted
from .analysis.wording import Wording, score_wording
from .report import AudioInfo, CallReport, LanguageInfo, Timeline
from .wording.call import WordingOptions
from .wording.model import WordingModel

__all__ = ["Analyzer", "AnalyzerOptions", "NO_SPEECH", "Progress"]

log = logging.getLogger("tonecoach")


@dataclass(frozen=True)
class AnalyzerOptions:
    """Options of a whole analysis; recorded in every report.

    Attributes
    ----------
    agent_channel : {"auto", "left", "right"}
        Which channel of a stereo call is the agent.
    agent_speaker : str or None
        Which speaker is the agent (``S1``, ``S2``... on a mono call,
        ``left``/``right`` on a stereo one); None decides from the evidence.
    diarization : DiarizationOptions
        How a mono call is split into speakers (``enabled=False``: one speaker).
    redact : bool
        Mask card numbers, phone numbers and e-mail addresses in stored text.
    rubric_path : str or None
        A rubric TOML file; None for the bundled default.
    max_turn_gap_s : float
        A silence longer than this ends a speaker's turn.
    phrase_max_s : float
        Agent turns longer than this are judged phrase by phrase (sentences
        or pauses), so tone feedback points at a moment.
    scorecard : bool
        Answer a QA scorecard on every call (:mod:`tonecoach.scorecard`).
    scorecard_path : str or None
        The scorecard TOML; None for the bundled default.
    run_ahead : bool
        Start the work that needs only the audio (speaker separation of a
        mono call, pitch and energy tracks, loading the wording encoder) in
        a second thread while Whisper transcribes, which leaves room on the
        CPU. Results are the same either way; False runs each in its place.
    run_ahead_max_s : float
        Calls longer than this (seconds) run nothing ahead. The work beside
        the transcription holds memory while the decoder is at its own peak,
        and that grows with the call: a 30-minute stereo call peaked at
        1600-1730 MB with it and 1457 MB without, against 1290 MB at 15
        minutes and 1362 MB at 20 minutes with it. Running ahead saves 6-8%
        of a 4-minute call's time and 4% of a 30-minute one's.
    """

    transcription: TranscriptionOptions = field(default_factory=TranscriptionOptions)
    audio: AudioOptions = field(default_factory=AudioOptions)
    agent_channel: str = "auto"
    agent_speaker: str | None = None
    diarization: DiarizationOptions = field(default_factory=DiarizationOptions)
    redact: bool = True
    rubric_path: str | None = None
    pitch_fmin_hz: float = 65.0
    pitch_fmax_hz: float = 400.0
    max_turn_gap_s: float = 3.0
    phrase_max_s: float = 12.0
    bleed_margin_db: float = 20.0
    timeline_max_points: int = 4000
    wording: WordingOptions = field(default_factory=WordingOptions)
    scorecard: bool = True
    scorecard_path: str | None = None
    run_ahead: bool = True
    run_ahead_max_s: float = 1200.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    # -- each stage's options, from these (the report records these, not those) ---------------------
    @property
    def channel_options(self) -> ChannelOptions:
        return ChannelOptions(bleed_margin_db=self.bleed_margin_db)

    @property
    def turn_options(self) -> TurnOptions:
        return TurnOptions(max_gap_s=self.max_turn_gap_s)

    @property
    def agent_options(self) -> AgentOptions:
        return AgentOptions(channel=self.agent_channel, speaker=self.agent_speaker)

    @property
    def prosody_options(self) -> ProsodyOptions:
        return ProsodyOptions(pitch_fmin_hz=self.pitch_fmin_hz, pitch_fmax_hz=self.pitch_fmax_hz)

    @property
    def score_options(self) -> ScoreOptions:
        return ScoreOptions(phrase_max_s=self.phrase_max_s)


class Analyzer:
    """Analyse calls. Thread-safe; the Whisper model is loaded once, on first use."""

    def __init__(self, options: AnalyzerOptions | None = None, *, transcriber: Transcriber | None = None,
                 rubric: Rubric | None = None, wording_model=None):
        self.options = options or AnalyzerOptions()
        self.options.agent_options  # noqa: B018 - checks --agent-channel now, not on the first call
        self.transcriber = transcriber or Transcriber(self.options.transcription)
        self.rubric = rubric or load_rubric(self.options.rubric_path)
        self.diarizer = Diarizer(self.options.diarization)
        # the wording model loads its encoder on first use
        self.wording_model = wording_model or WordingModel(self.options.wording.model)
        self.scorecard = _load_scorecard(self.options)

    # -- public -----------------------------------------------------------------------------
    def analyze(self, source: Any, *, sample_rate: int | None = None, progress: Progress | None = None,
                label: str | None = None, agent_speaker: str | None = None, scorecard=None) -> CallReport:
        """Analyse one call: a path, bytes, an array (with ``sample_rate``) or a Gradio tuple.

        ``agent_speaker`` names the agent for this call only (as
        ``AnalyzerOptions.agent_speaker`` does for every call): the web app
        uses it when a person corrects the automatic choice. ``scorecard``
        (a :class:`tonecoach.scorecard.Scorecard`, e.g. a team's) is answered
        instead of the analyzer's own.

        Raises
        ------
        ToneCoachError
            For input that cannot be analysed; the message says why.
        """
        o = self.options
        step = Steps(progress)
        audio = step("decode", load, source, sample_rate=sample_rate, options=o.audio)
        sr = audio.sample_rate
        run_ahead = o.run_ahead and not audio.is_silent and audio.duration_s <= o.run_ahead_max_s
        with _Ahead(run_ahead) as ahead:
            parts = step("channels", split_channels, audio, options=o.channel_options)
            self._start_ahead(ahead, parts, sr)
            heard = step("transcribe", transcribe_channels, self.transcriber, parts, sr=sr, is_silent=audio.is_silent,
                         options=o.transcription, channel_options=o.channel_options,
                         progress=step.within("transcribe"))
            voices = self._voices(step, ahead, parts, heard)
            turns = step("turns", find_turns, voices.words, options=o.turn_options)
            agent = step("agent", choose_agent, voices.channels, turns.segments, language=heard.language,
                         options=o.agent_options, speaker=agent_speaker)
            tracks = step.ahead("pitch_energy", ahead) if heard.n_words else {}
            pro = step("prosody", measure_call, voices.channels, turns.segments, tracks, roles=agent.roles, sr=sr,
                       language=heard.language)
            conv = step("conversation", self._conversation, audio, voices, pro, agent, heard.language
                        ) if heard.n_words else None
            scored = step("score", score_call, pro.segments, pro.speakers, agent.decision.speaker, rubric=self.rubric,
                          conversation=conv, channels=voices.channels, tracks=pro.tracks, sr=sr,
                          duration_s=audio.duration_s, language=heard.language, options=o.score_options)
            segs = step("redact", redacted, pro.segments) if o.redact and heard.n_words else list(pro.segments)
            timeline = step("timeline", _timeline, voices.channels, pro.tracks, segs, audio.duration_s,
                            o.timeline_max_points)
            wording = step("wording", self._wording, segs, pro, scored, voices, heard, sr
                           ) if o.wording.enabled and heard.n_words else None
            waited = ahead.waited_s if run_ahead else None  # diarize and pitch_energy ran beside the transcription
        report = self._report(audio, parts, heard, voices, agent, pro, conv, scored, segs, timeline, wording, label=label)
        card = scorecard or self.scorecard
        answered = step("scorecard", _answer, card, report) if card is not None else None
        step.done()
        return replace(report, scorecard=answered, timings_s=step.timings_s(waited_for_ahead=waited))

    # -- steps ------------------------------------------------------------------------------
    def _start_ahead(self, ahead: "_Ahead", parts: Channels, sr: int) -> None:
        """What needs only the audio starts now, beside the transcription (in this order, one at a time).

        The wording encoder loads first at the normal priority (any threads it makes are the wording stage's
        later); speaker separation and the pitch and energy tracks then run in the background (:class:`_Ahead`).
        """
        preload = getattr(self.wording_model, "load", None)
        if self.options.wording.enabled and preload is not None:
            ahead.start("wording encoder", preload)
        if parts.one_voice_track and self.options.diarization.enabled:
            ahead.start("diarize", self.diarizer.diarize, parts.channels[0].raw, sr=sr, background=True)
        ahead.start("pitch_energy", tracks_of, [c.raw for c in parts.channels], sr=sr,
                    options=self.options.prosody_options, background=True)

    def _voices(self, step: Steps, ahead: "_Ahead", parts: Channels, heard: Heard) -> Voices:
        """Who spoke each word: on a mono recording with words, the voices diarization told apart."""
        if not (parts.one_voice_track and heard.n_words and self.options.diarization.enabled):
            return split_voices(heard.words, parts.channels, None)
        return split_voices(heard.words, parts.channels, step.ahead("diarize", ahead))

    def _conversation(self, audio: Audio, voices: Voices, pro: CallProsody, agent: AgentChoice,
                      language: str | None):
        dia = voices.diarization
        return analyze_conversation(pro.segments, agent.decision.speaker, duration_s=audio.duration_s,
                                    samples=audio.mono, sr=audio.sample_rate,
                                    overlaps=[(o.start_s, o.end_s, o.speakers) for o in (dia.overlaps if dia else ())],
                                    language=language, rubric=self.rubric)

    def _wording(self, segs, pro: CallProsody, scored: Scored, voices: Voices, heard: Heard, sr: int) -> Wording:
        return score_wording(segs, pro.speakers, language=heard.language, transcriber=self.transcriber,
                             model=self.wording_model, rubric=self.rubric, tone=scored.tone, feedback=scored.feedback,
                             channels={c.id: c for c in voices.channels}, sr=sr, asr_segments=heard.segments,
                             options=self.options.wording, redact=self.options.redact)

    def _report(self, audio: Audio, parts: Channels, heard: Heard, voices: Voices, agent: AgentChoice, pro: CallProsody, conv,
                scored: Scored, segs, timeline, wording: Wording | None, *, label: str | None) -> CallReport:
        o = self.options
        dia = voices.diarization
        models = {"asr": self.transcriber.describe() if heard.n_words or not audio.is_silent else {"name": o.transcription.model},
                  "pitch": "YIN with octave-jump correction (tonecoach.analysis.prosody)"}
        if dia is not None:
            models["speakers"] = f"Silero VAD (faster-whisper) + {self.diarizer.model_name}"
        warnings = [*audio.warnings, *parts.warnings, *heard.warnings, *voices.warnings, *agent.warnings, *pro.warnings,
                    *(conv.warnings if conv else ()), *scored.warnings, *heard.language_warnings,
                    *(wording.warnings if wording else ())]
        return CallReport(
            audio=AudioInfo(path=label or audio.path, duration_s=round(audio.duration_s, 3),
                            sample_rate=audio.source_sample_rate, channels=audio.source_channels, codec=audio.codec),
            language=LanguageInfo(code=heard.language, probability=round(float(heard.language_probability), 4),
                                  forced=heard.language_forced),
            models=models,
            speakers=pro.speakers,
            segments=tuple(segs),
            tone=scored.tone,
            feedback=wording.feedback if wording else scored.feedback,
            warnings=tuple(warnings),
            agent=agent.decision,
            options={**o.to_dict(), "agent_speaker": agent.forced, "rubric_version": self.rubric.version,
                     "rubric_path": self.rubric.path},
            timeline=timeline,
            conversation=None if conv is None else conv.section(diarization=dia.to_dict() if dia else None),
            content=wording.content if wording else None,
            tonecoach_version=__version__,
            created_at=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        )


class _Ahead:
    """Work started before its result is needed, in one second thread; or, when not enabled, run where needed.

    ``start(name, fn, ..., background=True)`` queues ``fn``; ``result(name)`` returns ``(value, seconds fn
    took)`` and re-raises what ``fn`` raised; ``waited_s`` is how long the analysis waited for such results.
    Leaving the ``with`` block waits for a running job and drops queued ones (a call with no words never needs
    its speaker separation), so no thread outlives the analysis.

    A ``background`` job runs at the lowest priority the system has (Linux ``SCHED_IDLE``: only on a core
    nothing else wants; elsewhere a higher niceness), so the transcription keeps the cores it asks for and the
    job takes what the decoder leaves idle. The step is one way (an unprivileged thread cannot take its priority
    back), so jobs that must keep a normal priority are started before the first background one. When the
    analysis has to wait for a background job, the thread is given its normal priority again where that is
    allowed (root), so nothing the analysis needs is left starving behind another process.
    """

    def __init__(self, enabled: bool):
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="tonecoach-ahead") if enabled else None
        self._jobs: dict[str, Any] = {}
        self._tid: int | None = None
        self.waited_s = 0.0

    def start(self, name: str, fn: Callable, *args, background: bool = False, **kwargs) -> None:
        job = (fn, args, kwargs)
        self._jobs[name] = self._pool.submit(self._run, background, *job) if self._pool else job

    def _run(self, background: bool, fn: Callable, args: tuple, kwargs: dict) -> tuple[Any, float]:
        self._tid = threading.get_native_id()
        if background:
            _to_background(self._tid)
        return _timed(fn, args, kwargs)

    def result(self, name: str) -> tuple[Any, float]:
        job = self._jobs.pop(name)
        if not isinstance(job, Future):
            return _timed(*job)
        t = time.perf_counter()
        if not job.done() and self._tid is not None:
            _to_foreground(self._tid)
        try:
            return job.result()
        finally:
            self.waited_s += time.perf_counter() - t

    def __enter__(self) -> "_Ahead":
        return self

    def __exit__(self, *exc) -> None:
        if self._pool:
            self._pool.shutdown(wait=True, cancel_futures=True)


#: Where ``SCHED_IDLE`` is missing: how much lower the background thread's priority is (``nice`` steps).
AHEAD_NICENESS = 10


def _to_background(tid: int) -> None:
    """Give thread ``tid`` the lowest priority there is (see :class:`_Ahead`); where refused, leave it as it is."""
    try:
        if os.sched_getscheduler(tid) != os.SCHED_IDLE:
            os.sched_setscheduler(tid, os.SCHED_IDLE, os.sched_param(0))
        return
    except (AttributeError, OSError):  # no SCHED_IDLE here
        pass
    try:
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + AHEAD_NICENESS))
    except (AttributeError, OSError):  # no per-thread priority (Windows)
        pass


def _to_foreground(tid: int) -> None:
    """Thread ``tid`` back to the normal policy, where this process may (Linux as root); else nothing."""
    try:
        if os.sched_getscheduler(tid) == os.SCHED_IDLE:
            os.sched_setscheduler(tid, os.SCHED_OTHER, os.sched_param(0))
    except (AttributeError, OSError):
        pass


def _timed(fn: Callable, args: tuple, kwargs: dict) -> tuple[Any, float]:
    t = time.perf_counter()
    return fn(*args, **kwargs), time.perf_counter() - t


# -- helpers (pure) ---------------------------------------------------------------------


def _load_scorecard(options: AnalyzerOptions):
    if not options.scorecard:
        return None
    from .scorecard import load_scorecard

    return load_scorecard(options.scorecard_path)


def _answer(card, report: CallReport) -> dict[str, Any]:
    """``card`` answered on ``report`` (the scorecard reads only the report)."""
    from .scorecard import evaluate

    return evaluate(card, report).to_dict()


def _timeline(channels, tracks, segs, duration_s: float, max_points: int) -> Timeline:
    """Pitch and energy per speaker on a coarse grid, pitch shown only inside that speaker's turns."""
    if not tracks:
        return Timeline()
    hop = max(0.05, duration_s / max(1, max_points))
    grid = np.arange(0.0, duration_s, hop)
    pitch_hz: dict[str, tuple[float | None, ...]] = {}
    energy_db: dict[str, tuple[float | None, ...]] = {}
    for c in channels:
        pitch, energy = tracks[c.id]
        inside = np.zeros(len(grid), bool)
        for s in segs:
            if s.speaker == c.id:
                inside |= (grid >= s.start_s) & (grid < s.end_s)
        f0 = _resample_track(pitch.times_s, np.where(pitch.voiced, pitch.f0_hz, np.nan), grid, hop)
        f0[~inside] = np.nan
        db = _resample_track(energy.times_s, energy.level_db, grid, hop, how="max")
        pitch_hz[c.id] = tuple(None if not math.isfinite(v) else round(float(v), 1) for v in f0)
        energy_db[c.id] = tuple(None if not math.isfinite(v) else round(float(max(v, -90.0)), 1) for v in db)
    return Timeline(hop_s=round(hop, 4), times_s=tuple(round(float(t), 2) for t in grid), pitch_hz=pitch_hz,
                    energy_db=energy_db)


def _resample_track(times: np.ndarray, values: np.ndarray, grid: np.ndarray, hop: float, how: str = "median") -> np.ndarray:
    if len(times) == 0:
        return np.full(len(grid), np.nan)
    idx = np.clip(np.searchsorted(grid, times, side="right") - 1, 0, len(grid) - 1)
    out = np.full(len(grid), np.nan)
    order = np.argsort(idx, kind="stable")
    idx_s, val_s = idx[order], values[order]
    bounds = np.flatnonzero(np.diff(idx_s)) + 1
    for chunk_i, chunk_v in zip(np.split(idx_s, bounds), np.split(val_s, bounds)):
        v = chunk_v[np.isfinite(chunk_v)]
        if v.size:
            out[chunk_i[0]] = np.median(v) if how == "median" else np.max(v)
    return out
