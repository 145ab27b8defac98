"""The :class:`Analyzer`: one call in, one materialised :class:`CallReport` out.

It composes the stages (audio -> speakers -> transcription -> prosody ->
scoring -> report), loads the Whisper model lazily on first use and keeps no
per-call state, so one instance serves many calls (and threads).
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
from typing import Any, Callable, Sequence

import numpy as np

from . import prosody as P
from ._version import __version__
from .agent import decide_agent, is_unsure, unsure_message
from .asr import Transcriber, TranscriptionOptions
from .audio import Audio, AudioOptions, load
from .conversation import analyze_conversation, merge_feedback
from .diarize import DiarizationOptions, Diarizer, assign_words
from .errors import ToneCoachError
from .report import AgentDecision, AudioInfo, CallReport, LanguageInfo, Segment, Speaker, Timeline, Word
from .scoring import Rubric, dead_air_gaps, load_rubric, score_tone, tone_feedback
from .speakers import (
    apply_mask,
    build_turns,
    channel_relation,
    dominance_mask,
    drop_echoed_words,
    is_bleed,
    join_words,
    split_phrases,
    turn_segments,
)
from .wording.call import WordingOptions
from .wording.model import WordingModel

__all__ = ["Analyzer", "AnalyzerOptions", "Progress"]

log = logging.getLogger("tonecoach")

#: progress(fraction 0..1, what is happening)
Progress = Callable[[float, str], None]

NO_SPEECH = "no speech detected"


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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Channel:
    """One party's view of the audio: raw samples, and which frames are its own (not bleed)."""

    id: str
    index: int | None
    raw: np.ndarray
    keep: np.ndarray | None = None  # per 20 ms frame; None = all

    def for_asr(self, sr: int) -> np.ndarray:
        """What to transcribe: the raw samples with the other party's bleed muted (made when needed, not kept)."""
        return self.raw if self.keep is None else apply_mask(self.raw, self.keep, sr=sr)


class Analyzer:
    """Analyse calls. Thread-safe; the Whisper model is loaded once, on first use."""

    def __init__(self, options: AnalyzerOptions | None = None, *, transcriber: Transcriber | None = None,
                 rubric: Rubric | None = None, wording_model=None):
        self.options = options or AnalyzerOptions()
        if self.options.agent_channel not in ("auto", "left", "right"):
            raise ToneCoachError(f"--agent-channel must be auto, left or right, not '{self.options.agent_channel}'")
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
        prog = progress or (lambda f, m: None)
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        prog(0.0, "decoding")
        audio = load(source, sample_rate=sample_rate, options=self.options.audio)
        timings["decode"] = time.perf_counter() - t0
        with _Ahead(self.options.run_ahead and not audio.is_silent) as ahead:
            return self._analyze(audio, ahead, timings, t0, prog, label=label, agent_speaker=agent_speaker,
                                 scorecard=scorecard)

    def _analyze(self, audio: Audio, ahead: "_Ahead", timings: dict[str, float], t0: float, prog: Progress, *,
                 label: str | None, agent_speaker: str | None, scorecard) -> CallReport:
        warnings = list(audio.warnings)
        channels, mode_note = self._channels(audio)
        if mode_note:
            warnings.append(mode_note)
        sr = audio.sample_rate
        # what needs only the audio starts now, beside the transcription (in this order, one at a time)
        one_voice_track = len(channels) == 1 and channels[0].index is None
        if one_voice_track and self.options.diarization.enabled:
            ahead.start("diarize", self.diarizer.diarize, channels[0].raw, sr=sr)
        ahead.start("tracks", self._raw_tracks, [c.raw for c in channels], sr)
        preload = getattr(self.wording_model, "load", None)
        if self.options.wording.enabled and preload is not None:
            ahead.start("wording encoder", preload)

        # transcription, channel by channel
        t1 = time.perf_counter()
        words_by: dict[str, list[Word]] = {c.id: [] for c in channels}
        lang, lang_p = self.options.transcription.language, 1.0 if self.options.transcription.language else 0.0
        dropped: list[str] = []
        asr_segments: dict[str, list[tuple[float, float, float]]] = {}  # per channel, for the transcript checks
        if not audio.is_silent:
            order = sorted(channels, key=lambda c: -float(np.dot(c.raw, c.raw)))
            for k, ch in enumerate(order):
                span = 0.85 / len(order)
                base = 0.05 + k * span
                tr = self.transcriber.transcribe(
                    ch.for_asr(sr), language=lang,
                    progress=lambda f, b=base, s=span: prog(b + s * f, "transcribing"),
                )
                if tr.language and not self.options.transcription.language and k == 0:
                    lang, lang_p = tr.language, tr.language_probability
                dropped.extend(tr.dropped)
                asr_segments[ch.id] = [(x.start_s, x.end_s, x.avg_logprob) for x in tr.segments]
                ws = list(tr.words)
                if len(channels) == 2:
                    other = next(c for c in channels if c.id != ch.id)
                    kept = [w for w in ws if not is_bleed(w, ch.raw, other.raw, sr=sr, margin_db=self.options.bleed_margin_db)]
                    if len(kept) < len(ws):
                        log.info("%s: dropped %d word(s) heard only as bleed", ch.id, len(ws) - len(kept))
                    ws = kept
                words_by[ch.id] = ws
            if len(channels) == 2:
                (l_id, l_raw), (r_id, r_raw) = ((c.id, c.raw) for c in channels)
                before = len(words_by[l_id]) + len(words_by[r_id])
                words_by[l_id], words_by[r_id] = drop_echoed_words(words_by[l_id], words_by[r_id], l_raw, r_raw, sr=sr)
                if len(words_by[l_id]) + len(words_by[r_id]) < before:
                    log.info("dropped %d word(s) heard on both channels", before - len(words_by[l_id]) - len(words_by[r_id]))
        timings["transcribe"] = time.perf_counter() - t1
        if dropped:
            warnings.append(f"{len(dropped)} stretch(es) of likely invented text were dropped (silence or noise)")
        n_words = sum(len(v) for v in words_by.values())
        if n_words == 0:
            warnings.append(NO_SPEECH)

        # one channel: who spoke when (tonecoach.diarize); each word gets one speaker
        dia = None
        # a mono recording (not the one live channel of a two-channel call: that is one party)
        if len(channels) == 1 and channels[0].index is None and n_words and self.options.diarization.enabled:
            prog(0.88, "telling speakers apart")
            dia, timings["diarize"] = ahead.result("diarize")
            by_voice = assign_words(words_by[channels[0].id], dia)
            if len(by_voice) > 1:
                words_by = by_voice
                channels = [replace(channels[0], id=s) for s in by_voice]

        # speakers and turns
        prog(0.9, "measuring prosody")
        t2 = time.perf_counter()
        turns = build_turns(words_by, max_gap_s=self.options.max_turn_gap_s)
        segs = turn_segments(turns)
        forced = agent_speaker or self.options.agent_speaker
        agent = self._agent(channels, segs, forced, lang)
        if is_unsure(agent):
            warnings.append(unsure_message(agent))
        if forced and forced not in {c.id for c in channels}:
            warnings.append(f"--agent-speaker {forced} names no speaker of this call "
                            f"({', '.join(c.id for c in channels)}); the agent was chosen from the evidence")
        tracks = {}
        if n_words:
            by_raw, timings["pitch_energy"] = ahead.result("tracks")
            tracks = {c.id: by_raw[id(c.raw)] for c in channels}
        by_id = {c.id: c for c in channels}
        segs = [replace(s, prosody=P.turn_prosody(by_id[s.speaker].raw, sr=sr, words=s.words, start_s=s.start_s,
                                                  end_s=s.end_s, pitch=tracks[s.speaker][0],
                                                  energy=tracks[s.speaker][1], language=lang).to_dict()) for s in segs]
        speakers = []
        for c in channels:
            mine = [s for s in segs if s.speaker == c.id]
            role = _role(c.id, agent, [c.id for c in channels])
            sp = _speaker_prosody(c, mine, tracks.get(c.id), sr, language=lang) if mine else {}
            speakers.append(Speaker(id=c.id, role=role, talk_time_s=round(sum(s.end_s - s.start_s for s in mine), 2),
                                    channel=c.index, prosody=sp))
        timings["prosody"] = time.perf_counter() - t2

        # scoring
        t3 = time.perf_counter()
        agent_sp = next((s for s in speakers if s.role == "agent"), None)
        conv = analyze_conversation(segs, agent.speaker, duration_s=audio.duration_s, samples=audio.mono, sr=sr,
                                    overlaps=[(o.start_s, o.end_s, o.speakers) for o in (dia.overlaps if dia else ())],
                                    language=lang, rubric=self.rubric) if n_words else None
        values, evidence = _tone_values(agent_sp, segs, self.rubric, conv)
        tone = score_tone(values, self.rubric, evidence=evidence)
        units = _phrases(segs, agent.speaker, by_id, tracks, sr, self.options.phrase_max_s, language=lang) if n_words else []
        feedback = tone_feedback(segs, agent.speaker, self.rubric, call_end_s=audio.duration_s, units=units) if n_words else []
        feedback = merge_feedback(feedback, conv)
        snr = (agent_sp.prosody.get("snr_db") if agent_sp else None)
        if snr is not None and snr < 10:
            warnings.append(f"noisy recording (SNR about {snr:.0f} dB): pitch and energy figures are less reliable")
        if lang_p and lang_p < 0.5 and not self.options.transcription.language:
            warnings.append(f"language detection is unsure ({lang} at {lang_p:.0%}); consider --language")
        if self.options.redact and n_words:
            segs = _redact(segs)
        timeline = _timeline(channels, tracks, segs, audio.duration_s, self.options.timeline_max_points)
        timings["score"] = time.perf_counter() - t3

        # wording: the content side (a separate step: tonecoach/wording, tonecoach/content.py, tonecoach/balance.py)
        content = None
        if self.options.wording.enabled and n_words:
            prog(0.95, "scoring the wording")
            t4 = time.perf_counter()
            content, extra_fb = self._wording_step(segs, speakers, lang, by_id, sr, tone, warnings, feedback,
                                                   asr_segments=asr_segments)
            feedback = sorted([*feedback, *extra_fb], key=lambda i: (i.start_s, i.category))
            timings["wording"] = time.perf_counter() - t4
        if self.options.run_ahead:
            timings["waited_for_ahead"] = ahead.waited_s  # diarize and pitch_energy ran beside the transcription
        timings["total"] = time.perf_counter() - t0
        prog(1.0, "done")
        models = {"asr": self.transcriber.describe() if n_words or not audio.is_silent else {"name": self.options.transcription.model},
                  "pitch": "YIN with octave-jump correction (tonecoach.prosody)"}
        if dia is not None:
            models["speakers"] = f"Silero VAD (faster-whisper) + {self.diarizer.model_name}"
        report = CallReport(
            audio=AudioInfo(path=label or audio.path, duration_s=round(audio.duration_s, 3),
                            sample_rate=audio.source_sample_rate, channels=audio.source_channels, codec=audio.codec),
            language=LanguageInfo(code=lang, probability=round(float(lang_p), 4), forced=bool(self.options.transcription.language)),
            models=models,
            speakers=tuple(speakers),
            segments=tuple(segs),
            tone=tone,
            feedback=tuple(feedback),
            warnings=tuple(warnings),
            timings_s={k: round(v, 3) for k, v in timings.items()},
            agent=agent,
            options={**self.options.to_dict(), "agent_speaker": forced, "rubric_version": self.rubric.version, "rubric_path": self.rubric.path},
            timeline=timeline,
            conversation=None if conv is None else conv.section(diarization=dia.to_dict() if dia else None),
            content=content,
            tonecoach_version=__version__,
            created_at=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        )
        return _with_scorecard(report, scorecard or self.scorecard, t0)

    # -- stages -----------------------------------------------------------------------------
    def _wording_step(self, segs, speakers, lang, channels_by_id, sr, tone, warnings, feedback, asr_segments=None):
        """Transcript checks (re-decoding turns in the wrong script), markers, model scores, content score."""
        from .wording.analysis import analyze_wording, translate_turns
        from .wording.reliability import ReliabilityOptions, check_turns, redecode_turns

        roles = {s.id: s.role for s in speakers}
        opts = self.options.wording
        checks, redecoded = None, {}
        if opts.check_transcript:
            ropts = ReliabilityOptions.from_rubric(self.rubric.data)
            checks = check_turns(segs, language=lang or "en", asr=asr_segments, options=ropts)
            again = redecode_turns(self.transcriber, segs, checks, channels_by_id, sr=sr, language=lang or "en", options=ropts)
            for i, (seg, chk) in again.items():
                redecoded[i], checks[i] = (_redact([seg])[0] if self.options.redact else seg), chk
            if again:
                warnings.append(f"{len(again)} turn(s) were written in the wrong script and decoded again with the "
                                f"language forced ({lang})")
        translations = None
        if opts.translate and lang and lang != "en":
            translations = translate_turns(self.transcriber, segs, roles, channels_by_id, sr=sr, language=lang,
                                           redact=self.options.redact, warnings=warnings)
        return analyze_wording(segs, roles=roles, language=lang, model=self.wording_model, translations=translations,
                               rubric=self.rubric, tone=tone, warnings=warnings, feedback=feedback, checks=checks,
                               redecoded=redecoded)

    def _channels(self, audio: Audio) -> tuple[list[_Channel], str | None]:
        if audio.channels == 1:
            return [_Channel("S1", None, audio.samples[0])], None
        left, right = audio.samples[0], audio.samples[1]
        rel = channel_relation(left, right)
        if rel == "identical":
            return [_Channel("S1", None, audio.mono)], "both channels carry the same signal; analysed as mono"
        if rel == "one-silent":
            idx = 0 if np.mean(left**2) >= np.mean(right**2) else 1
            y = audio.samples[idx]
            name = "left" if idx == 0 else "right"
            return [_Channel(name, idx, y)], f"only the {name} channel has sound; analysed as one speaker"
        sr, m = audio.sample_rate, self.options.bleed_margin_db
        keep_l, keep_r = dominance_mask(left, right, sr=sr, margin_db=m), dominance_mask(right, left, sr=sr, margin_db=m)
        return [
            _Channel("left", 0, left, keep_l),
            _Channel("right", 1, right, keep_r),
        ], None

    def _agent(self, channels: Sequence[_Channel], segs: Sequence[Segment], forced: str | None, language: str | None
               ) -> AgentDecision:
        """The agent: ``--agent-channel``, ``--agent-speaker``, or the call's evidence (:mod:`tonecoach.agent`)."""
        ids = [c.id for c in channels]
        side = self.options.agent_channel
        if len(ids) > 1 and side in ids and forced not in ids:
            return AgentDecision(side, "option", f"--agent-channel {side}", 1.0)
        # a channel without a word (the agent on hold, say) is nobody to coach: decide among the voices heard
        heard = [c for c in channels if any(s.speaker == c.id for s in segs)] or list(channels)
        if forced in ids and forced not in {c.id for c in heard}:
            heard = list(channels)
        # one voice on one channel of a two-channel call may be either party; a one-voice recording is practice
        single = "stereo" if len(heard) == 1 and heard[0].index is not None else "mono"
        return decide_agent(segs, [c.id for c in heard], language=language, forced=forced, single_voice=single)

    def _raw_tracks(self, signals: Sequence[np.ndarray], sr: int) -> dict[int, tuple[P.PitchTrack, P.EnergyTrack]]:
        """Pitch and energy tracks of each signal, by ``id`` (the speakers diarized from one signal share it)."""
        return {id(y): (P.pitch_track(y, sr=sr, fmin_hz=self.options.pitch_fmin_hz, fmax_hz=self.options.pitch_fmax_hz),
                        P.energy_track(y, sr=sr)) for y in signals}


class _Ahead:
    """Work started before its result is needed, in one second thread; or, when not enabled, run where needed.

    ``start(name, fn, ...)`` queues ``fn``; ``result(name)`` returns ``(value, seconds fn took)`` and re-raises
    what ``fn`` raised; ``waited_s`` is how long the analysis waited for such results. Leaving the ``with`` block waits for a running job and drops queued ones (a call with no
    words never needs its speaker separation), so no thread outlives the analysis.
    """

    def __init__(self, enabled: bool):
        self._pool = (ThreadPoolExecutor(1, thread_name_prefix="tonecoach-ahead", initializer=_yield_to_transcription)
                      if enabled else None)
        self._jobs: dict[str, Any] = {}
        self.waited_s = 0.0

    def start(self, name: str, fn: Callable, *args, **kwargs) -> None:
        job = (fn, args, kwargs)
        self._jobs[name] = self._pool.submit(_timed, *job) if self._pool else job

    def result(self, name: str) -> tuple[Any, float]:
        job = self._jobs.pop(name)
        if not isinstance(job, Future):
            return _timed(*job)
        t = time.perf_counter()
        try:
            return job.result()
        finally:
            self.waited_s += time.perf_counter() - t

    def __enter__(self) -> "_Ahead":
        return self

    def __exit__(self, *exc) -> None:
        if self._pool:
            self._pool.shutdown(wait=True, cancel_futures=True)


#: How much lower the second thread's scheduling priority is than the analysis's (Linux ``nice`` steps).
AHEAD_NICENESS = 10


def _yield_to_transcription() -> None:
    """Lower this thread's priority: the transcription, the longest stage, keeps the cores it asks for, and the
    work run ahead (CPU-light, waited for only at the end) takes the time its decoder leaves idle. Linux sets
    niceness per thread; elsewhere, or where it is refused, the thread keeps its priority."""
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + AHEAD_NICENESS))
    except (AttributeError, OSError):  # no per-thread priority here (macOS, Windows)
        pass


def _timed(fn: Callable, args: tuple, kwargs: dict) -> tuple[Any, float]:
    t = time.perf_counter()
    return fn(*args, **kwargs), time.perf_counter() - t


# -- helpers (pure) ---------------------------------------------------------------------


def _role(speaker: str, agent: AgentDecision, ids: Sequence[str]) -> str:
    """agent, customer or unknown: with three or more voices the least agent-like of the others is the customer."""
    if speaker == agent.speaker:
        return "agent"
    others = [i for i in ids if i != agent.speaker]
    if agent.method == "customer-only":  # the voice heard is the customer; a silent channel is nobody known
        return "customer" if speaker in agent.probabilities else "unknown"
    if len(ids) == 2:
        return "customer"
    if agent.probabilities and len(others) > 1:
        least = min(others, key=lambda i: (agent.probabilities.get(i, 1.0), others.index(i)))
        return "customer" if speaker == least else "unknown"
    return "unknown"


def _load_scorecard(options: AnalyzerOptions):
    if not options.scorecard:
        return None
    from .scorecard import load_scorecard

    return load_scorecard(options.scorecard_path)


def _with_scorecard(report: CallReport, card, t0: float) -> CallReport:
    """The report with ``card`` answered on it (the scorecard reads only the report), timed."""
    if card is None:
        return report
    from .scorecard import evaluate

    t = time.perf_counter()
    result = evaluate(card, report).to_dict()
    timings = {**report.timings_s, "scorecard": round(time.perf_counter() - t, 3),
               "total": round(time.perf_counter() - t0, 3)}
    return replace(report, scorecard=result, timings_s=timings)


def _concat_tracks(tracks: Sequence[P.PitchTrack]) -> P.PitchTrack:
    if not tracks:
        return P.PitchTrack(np.zeros(0), np.zeros(0), np.zeros(0, bool), 0.01)
    return P.PitchTrack(
        times_s=np.concatenate([t.times_s for t in tracks]),
        f0_hz=np.concatenate([t.f0_hz for t in tracks]),
        voiced=np.concatenate([t.voiced for t in tracks]),
        hop_s=tracks[0].hop_s,
    )


def _speaker_prosody(ch: _Channel, segs: Sequence[Segment], tracks, sr: int, *, language: str | None = None) -> dict[str, Any]:
    """Whole-speaker prosody: rates over all turns' words (syllables counted by ``language``'s rule), pitch and energy
    over all turn frames."""
    pitch, energy = tracks
    words = [w for s in segs for w in s.words]
    talk = sum(s.end_s - s.start_s for s in segs)
    n_syl = sum(P.count_syllables(w.text, language=language) for w in words)
    pauses = [P.pause_stats(s.words) for s in segs]
    pause_time = sum(p.mean_s * p.count for p in pauses if p.count and math.isfinite(p.mean_s))
    pst = P.pitch_stats(_concat_tracks([pitch.slice(s.start_s, s.end_s) for s in segs]))
    e_sl = [energy.slice(s.start_s, s.end_s) for s in segs]
    est = P.energy_stats(P.EnergyTrack(np.concatenate([e.times_s for e in e_sl]), np.concatenate([e.level_db for e in e_sl]),
                                       energy.hop_s))
    spans = [ch.raw[int(s.start_s * sr): int(s.end_s * sr)] for s in segs]
    y = np.concatenate(spans) if spans else np.zeros(0, np.float32)
    over2 = sum(p.count_over_2s for p in pauses)
    out = {
        "words_per_minute": 60.0 * len(words) / talk if talk > 0 else None,
        "syllables_per_s": n_syl / talk if talk > 0 else None,
        "articulation_rate_syl_per_s": n_syl / (talk - pause_time) if talk - pause_time > 0 else None,
        "pause_count": sum(p.count for p in pauses),
        "pause_longest_s": max((p.longest_s for p in pauses if p.count), default=0.0),
        "pause_count_over_2s": over2,
        "pauses_over_2s_per_min": over2 / (talk / 60.0) if talk > 0 else None,
        "pitch_median_hz": pst.median_hz,
        "pitch_sd_semitones": pst.sd_semitones,
        "pitch_range_semitones": pst.range_semitones,
        "voiced_ratio": pst.voiced_ratio,
        "energy_dbfs": est.level_dbfs,
        "energy_sd_db": est.sd_db,
        "clipping_percent": 100.0 * P.clipping_ratio(y) if y.size else None,
        "snr_db": P.snr_estimate_db(ch.raw, sr=sr),
        "n_words": len(words),
        "talk_time_s": talk,
    }
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else (round(v, 4) if isinstance(v, float) else v))
            for k, v in out.items()}


def _tone_values(agent: Speaker | None, segs: Sequence[Segment], rubric: Rubric, conv=None) -> tuple[dict, dict]:
    if agent is None or not agent.prosody:
        return {}, {}
    p = dict(agent.prosody)
    over = rubric.feedback("dead_air")["seconds_over"]
    if conv is not None:  # holds are not dead air
        p["dead_air_count"] = float(len(conv.metrics["dead_air"]))
    else:
        p["dead_air_count"] = float(len(dead_air_gaps(segs, over_s=over))) if segs else None
    n_turns = sum(1 for s in segs if s.speaker == agent.id)
    talk = p.get("talk_time_s") or 0.0
    ev = {
        "words_per_minute": f"{p.get('n_words', 0)} words over {talk:.1f} s of the agent's {n_turns} turn(s)",
        "pitch_sd_semitones": f"over {talk * (p.get('voiced_ratio') or 0):.1f} s of voiced agent speech"
                              + (f", median {p['pitch_median_hz']:.0f} Hz" if p.get("pitch_median_hz") else ""),
        "energy_dbfs": "RMS of the agent's active frames",
        "energy_sd_db": "spread of the agent's active frames",
        "pauses_over_2s_per_min": f"{p.get('pause_count_over_2s', 0)} pause(s) over 2 s inside the agent's turns",
        "clipping_percent": "share of the agent's samples at full scale",
        "dead_air_count": f"gaps over {over:g} s between any words in the call, holds aside",
    }
    return p, ev


def _phrases(segs: Sequence[Segment], agent: str | None, channels, tracks, sr: int, max_s: float, *,
             language: str | None = None) -> list[Segment]:
    """The agent's turns, long ones cut into phrases, each with its own prosody (for feedback)."""
    out = []
    for s in segs:
        if s.speaker != agent:
            continue
        runs = split_phrases(s.words, max_s=max_s)
        if len(runs) <= 1:
            out.append(s)
            continue
        pitch, energy = tracks[s.speaker]
        for k, ws in enumerate(runs):
            a, b = ws[0].start_s, ws[-1].end_s
            pro = P.turn_prosody(channels[s.speaker].raw, sr=sr, words=ws, start_s=a, end_s=b, pitch=pitch, energy=energy,
                                 language=language).to_dict()
            # the pace of a phrase runs until the next phrase starts, so its pause counts as it does in the turn's pace
            until = runs[k + 1][0].start_s if k + 1 < len(runs) else b
            if until > a:
                pro["words_per_minute"] = 60.0 * len(ws) / (until - a)
                pro["syllables_per_s"] = sum(P.count_syllables(w.text, language=language) for w in ws) / (until - a)
            out.append(Segment(start_s=a, end_s=b, speaker=s.speaker, text=join_words(ws), words=tuple(ws), prosody=pro))
    return out


def _redact(segs: Sequence[Segment]) -> list[Segment]:
    from .redact import redact_text, redact_words

    out = []
    for s in segs:
        text, _ = redact_text(s.text)
        out.append(replace(s, text=text, words=tuple(redact_words(s.words))))
    return out


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
