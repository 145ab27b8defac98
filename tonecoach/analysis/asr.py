"""Speech recognition with faster-whisper: words with timestamps, language, VAD, guards.

:class:`Transcriber` wraps one loaded ``WhisperModel`` (int8 on the CPU by
default) and turns a mono 16 kHz array into a :class:`Transcript`. It keeps
the filler words that Whisper normally drops ("um", "uh") by conditioning the
decoder on a prompt that contains them, and guards against invented text on
silence and noise: Silero VAD first, then Whisper's own no-speech and
log-probability tests per segment, then a list of known hallucinations.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
from dataclasses import asdict, dataclass, field
from typing import Callable, Iterator, Sequence

import numpy as np

from ..cores import available_cores
from ..errors import ModelNotAvailableError, ToneCoachError
from ..models import ResolvedModel, resolve_whisper_model
from ..report import Word

# faster-whisper's input rate; tonecoach.analysis.audio resamples every call to it
from .audio import TARGET_SAMPLE_RATE as SAMPLE_RATE
from .channels import ChannelOptions, Channels, keep_own_words

__all__ = ["BEAM_SIZES", "TranscriptionOptions", "Transcript", "TranscribedSegment", "Transcriber", "FILLER_PROMPTS", "replace_words",
           "dedupe_segments", "Heard", "NO_SPEECH", "transcribe_channels"]

log = logging.getLogger("tonecoach")

#: Prompts that make Whisper write disfluencies instead of cleaning them up.
#: Whisper imitates the style of its prompt; a prompt full of hesitations keeps
#: "um" and "uh" in the transcript.
FILLER_PROMPTS = {
    "en": "Umm, let me think, uh, like, hmm... Okay, so, um, here's what I, uh, mean.",
}

#: The beam sizes the decoder accepts (smallest, largest).
BEAM_SIZES = (1, 10)

#: At most this many decoding streams when their number is left to the cores (``decode_streams=0``).
MAX_AUTO_STREAMS = 4
#: The most decoding streams one can ask for.
MAX_STREAMS = 16

#: Text Whisper is known to invent on silence or noise (subtitle credits and the like).
HALLUCINATIONS = (
    "thank you for watching",
    "thanks for watching",
    "subtitles by",
    "please subscribe",
    "amara.org",
    "like and subscribe",
)


@dataclass(frozen=True)
class TranscriptionOptions:
    """How to transcribe.

    Attributes
    ----------
    model : str
        ``base`` (bundled, multilingual), ``tiny.en`` (bundled), a CTranslate2
        folder, or a hub name (needs ``allow_download``).
    language : str or None
        ISO code to force, or None to detect.
    engine : {"batched", "sequential"}
        faster-whisper's batched pipeline (faster on CPU) or the plain
        sequential decoder.
    keep_fillers : bool
        Condition on a disfluent prompt so "um"/"uh" are transcribed.
    batch_size : int
        Chunks decoded at once by the batched pipeline, all streams together
        (each of ``decode_streams`` streams decodes batches of
        ``batch_size // streams``, at least 1), so the decoder's memory does
        not grow with the streams. 4 is as fast as 8 on two cores and needs
        about 0.4 GB less memory.
    beam_size : int
        Hypotheses the decoder keeps (1 to 10). 5, the default, is Whisper's
        own. 3 decodes English calls about 8% faster; on the ten real calls it
        gave the same word error rate (mean 0.284 against 0.287), but it kept
        86% of the fillers of ``benchmarks/fillers.py`` against 93%, and on the
        Polish call it repeated words more often (46 against 20).
    cpu_threads : int
        CPU threads the decoder may use in all (0: every core this process
        may run on).
    decode_streams : int
        With the batched engine on the CPU, how many of the call's windows
        are decoded at the same time, each stream on its share of
        ``cpu_threads`` (see :func:`decode_layout`). 0, the default: one
        stream per core, at most 4. CTranslate2 gains little from a second
        thread on one batch of this small model, so on two cores two streams
        of one thread decode a call in about 0.6 of the time of one stream
        of two threads, with the same words. 1 decodes one batch at a time.
    """

    model: str = "base"
    language: str | None = None
    task: str = "transcribe"
    compute_type: str = "int8"
    device: str = "cpu"
    cpu_threads: int = 0
    decode_streams: int = 0
    engine: str = "batched"
    batch_size: int = 4
    beam_size: int = 5
    keep_fillers: bool = True
    vad_filter: bool = True
    vad_min_silence_ms: int = 500
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4
    min_word_probability: float = 0.0
    allow_download: bool = False

    def __post_init__(self):
        if not (isinstance(self.beam_size, int) and BEAM_SIZES[0] <= self.beam_size <= BEAM_SIZES[1]):
            raise ToneCoachError(f"the beam size must be a whole number from {BEAM_SIZES[0]} to {BEAM_SIZES[1]}, "
                                 f"not {self.beam_size!r}")
        if not (isinstance(self.decode_streams, int) and not isinstance(self.decode_streams, bool)
                and 0 <= self.decode_streams <= MAX_STREAMS):
            raise ToneCoachError(f"decode_streams must be a whole number from 0 (one per core) to {MAX_STREAMS}, "
                                 f"not {self.decode_streams!r}")
        if not (isinstance(self.cpu_threads, int) and not isinstance(self.cpu_threads, bool) and self.cpu_threads >= 0):
            raise ToneCoachError(f"cpu_threads must be a whole number, 0 for every core, not {self.cpu_threads!r}")

    def to_dict(self) -> dict:
        return asdict(self)


def decode_layout(options: TranscriptionOptions, cores: int | None = None) -> tuple[int, int]:
    """``(streams, threads per stream)``: how the decoder spreads over the cores it may use.

    Several streams only with the batched engine on the CPU; each gets an
    equal share of ``cpu_threads`` (or of ``cores``, by default the cores this
    process may use), at least one thread. One stream keeps
    ``cpu_threads`` as given (0 lets CTranslate2 choose).
    """
    if options.engine != "batched" or options.device != "cpu":
        return 1, options.cpu_threads
    budget = options.cpu_threads or cores or available_cores()
    streams = options.decode_streams or min(MAX_AUTO_STREAMS, budget)
    if streams == 1:
        return 1, options.cpu_threads
    return streams, max(1, budget // streams)


def split_windows(n: int, streams: int) -> list[range]:
    """The decoder's ``n`` windows in at most ``streams`` runs of consecutive windows, as even as they can be."""
    streams = max(1, min(streams, n))
    size, extra = divmod(n, streams)
    out, start = [], 0
    for i in range(streams):
        end = start + size + (1 if i < extra else 0)
        out.append(range(start, end))
        start = end
    return [r for r in out if len(r)]


@dataclass(frozen=True)
class TranscribedSegment:
    start_s: float
    end_s: float
    text: str
    words: tuple[Word, ...]
    avg_logprob: float
    no_speech_prob: float


@dataclass(frozen=True)
class Transcript:
    """What Whisper heard in one channel."""

    segments: tuple[TranscribedSegment, ...]
    language: str | None
    language_probability: float
    dropped: tuple[str, ...] = field(default_factory=tuple)

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(w for s in self.segments for w in s.words)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments).strip()


class Transcriber:
    """One loaded Whisper model, safe to share between threads (calls are serialised)."""

    def __init__(self, options: TranscriptionOptions | None = None):
        self.options = options or TranscriptionOptions()
        self._model = None
        self._pipeline = None
        self._pipelines: list = []
        self._resolved: ResolvedModel | None = None
        self._lock = threading.Lock()
        self._load_lock = threading.RLock()  # the model is loaded (and its weights checked) once, whichever thread asks first

    # -- loading -----------------------------------------------------------------------
    @property
    def resolved(self) -> ResolvedModel:
        if self._resolved is None:
            with self._load_lock:
                if self._resolved is None:
                    self._resolved = resolve_whisper_model(self.options.model, allow_download=self.options.allow_download)
        return self._resolved

    def _load(self):
        if self._model is None:
            with self._load_lock:
                if self._model is None:
                    self._load_locked()
        return self._model

    def _load_locked(self) -> None:
        from faster_whisper import BatchedInferencePipeline, WhisperModel

        opts = self.options
        streams, threads = decode_layout(opts)
        try:
            model = WhisperModel(
                self.resolved.path,
                device=opts.device,
                compute_type=opts.compute_type,
                cpu_threads=threads,
                num_workers=streams,  # CTranslate2 runs this many calls at once; the weights are loaded once
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelNotAvailableError(f"could not load the Whisper model at {self.resolved.path}: {exc}") from None
        kept = _KeptEncoding(model)
        # one pipeline per stream: a pipeline carries the last word's end from one batch to the next
        self._pipelines = [BatchedInferencePipeline(kept) for _ in range(streams)]
        self._pipeline = self._pipelines[0]
        self._model = model  # last: another thread that sees the model also sees its pipelines

    @property
    def is_multilingual(self) -> bool:
        return bool(self._load().model.is_multilingual)

    def describe(self) -> dict:
        r = self.resolved
        return {"name": r.name, "source": r.source, "path": r.path, "sha256": r.sha256,
                "compute_type": self.options.compute_type, "engine": self.options.engine}

    # -- transcription ------------------------------------------------------------------
    def transcribe(
        self,
        samples: np.ndarray,
        *,
        language: str | None = None,
        task: str | None = None,
        offset_s: float = 0.0,
        progress: Callable[[float], None] | None = None,
    ) -> Transcript:
        """Transcribe mono 16 kHz float32 samples.

        Parameters
        ----------
        samples : np.ndarray, shape (n,)
        language : str, optional
            Overrides ``options.language``.
        task : {"transcribe", "translate"}, optional
        offset_s : float
            Added to every timestamp.
        progress : callable, optional
            Called with the fraction of the audio done, 0..1: 0 when decoding
            starts, then as segments are decoded.
        """
        opts = self.options
        model = self._load()
        language = language or opts.language
        if language and not model.model.is_multilingual and language != "en":
            raise ToneCoachError(
                f"the model '{opts.model}' is English-only and cannot transcribe '{language}'; use --model base"
            )
        if not model.model.is_multilingual:
            language = "en"
        if language and language not in model.supported_languages:
            raise ToneCoachError(f"unknown language code '{language}'; use an ISO 639-1 code such as en, lv, lt, pl, ro, he")
        duration = len(samples) / float(SAMPLE_RATE)
        samples = np.ascontiguousarray(samples, dtype=np.float32)
        speech = detected = None
        if opts.vad_filter and (opts.engine == "batched"
                                or opts.keep_fillers and (language is None or language in FILLER_PROMPTS)):
            # once: for the decoder's chunks, the language and the stretches the prompt skipped
            speech = self._speech(samples)
        if opts.keep_fillers and language is None:
            # the filler prompt is English: the language decides whether it is used, so it is known first
            with self._lock:
                detected = self._detect_language(samples, speech)
            language = detected[0]
        prompt = FILLER_PROMPTS.get(language) if opts.keep_fillers else None
        kwargs = dict(
            language=language,
            task=task or opts.task,
            beam_size=opts.beam_size,
            word_timestamps=True,
            vad_filter=opts.vad_filter,
            vad_parameters={"min_silence_duration_ms": opts.vad_min_silence_ms},
            initial_prompt=prompt,
            no_speech_threshold=opts.no_speech_threshold,
            log_prob_threshold=opts.log_prob_threshold,
            compression_ratio_threshold=opts.compression_ratio_threshold,
        )
        with self._lock:
            if progress:
                progress(0.0)  # decoding this audio starts now (a progress bar can say "transcribing")
            try:
                raw, info = self._decode(samples, kwargs, duration, progress, speech=speech)
            finally:
                self._keep_encodings([])  # used by the decode, or dropped if it failed before using it
            kept, dropped = _keep_segments(raw, opts, offset_s)
            if prompt and opts.engine == "batched":
                kept = self._recover_skipped(samples, kept, kwargs, offset_s, speech=speech)
        kept = dedupe_segments(kept)
        if progress:
            progress(1.0)
        if dropped:
            log.info("dropped %d segment(s) as likely hallucinations", len(dropped))
        lang, lang_p = detected or (info.language, info.language_probability)
        return Transcript(
            segments=tuple(kept),
            language=lang,
            language_probability=float(lang_p or 0.0),
            dropped=tuple(dropped),
        )

    def _speech(self, samples: np.ndarray) -> list[dict]:
        """Silero VAD's speech stretches (in samples), with the options faster-whisper's batched pipeline uses for
        its own VAD (none longer than the decoder's 30 s window)."""
        from faster_whisper.vad import VadOptions, get_speech_timestamps

        window = self._model.feature_extractor.chunk_length
        return get_speech_timestamps(samples, VadOptions(min_silence_duration_ms=self.options.vad_min_silence_ms,
                                                         max_speech_duration_s=window))

    def _detect_language(self, samples: np.ndarray, speech: list[dict] | None) -> tuple[str, float]:
        """The language of the speech and its probability.

        With the batched engine and voice activity known, it is read off the
        decoder's own first batch of windows (:meth:`_language_of_first_batch`),
        whose encoding the decoder then reuses. Otherwise it is the language of
        the first 30 s of speech, as faster-whisper's pipeline finds it.
        """
        from faster_whisper.vad import collect_chunks

        model = self._model
        if speech and self.options.engine == "batched" and self.options.vad_filter:
            return self._language_of_first_batch(samples, speech)
        if speech:
            samples = np.concatenate(collect_chunks(samples, speech)[0])
        lang, prob, _ = model.detect_language(audio=samples[: model.feature_extractor.n_samples])
        return lang, float(prob)

    def _language_of_first_batch(self, samples: np.ndarray, speech: list[dict]) -> tuple[str, float]:
        """The language of the decoder's first batches of windows, each window weighted by its seconds of speech.

        The windows are those :meth:`_decode_speech` decodes first: the first
        batch of each decoding stream (``batch_size`` windows of at most 30 s
        of speech in all), so up to two minutes where faster-whisper's
        pipeline listens to 30 s. The streams' batches are
        encoded at the same time, and their encodings are kept for the decoder
        (:class:`_KeptEncoding`), so finding the language costs no encoder
        pass of its own.
        """
        from faster_whisper.audio import pad_or_trim
        from faster_whisper.vad import collect_chunks

        model = self._model
        chunks, _ = collect_chunks(samples, speech, max_duration=model.feature_extractor.chunk_length)
        size = self._stream_batch()
        firsts = [chunks[r.start: min(r.stop, r.start + size)] for r in split_windows(len(chunks), len(self._streams()))]

        def encode(batch: list[np.ndarray]):
            # the features exactly as BatchedInferencePipeline.transcribe makes them
            features = np.stack([pad_or_trim(model.feature_extractor(c)[..., :-1]) for c in batch])
            return features, model.encode(features)

        encoded = _in_parallel([lambda b=b: encode(b) for b in firsts])
        weights = np.array([len(c) for batch in firsts for c in batch], dtype=np.float64)
        weights /= weights.sum()
        ranked = [r for _, enc in encoded for r in model.model.detect_language(enc)]
        votes: dict[str, float] = {}
        for w, langs in zip(weights, ranked):
            for token, p in langs:
                votes[token[2:-2]] = votes.get(token[2:-2], 0.0) + w * p  # "<|en|>" -> "en"
        self._keep_encodings(encoded)
        lang = max(votes, key=votes.get)
        return lang, float(votes[lang])

    def _keep_encodings(self, pairs: list[tuple[np.ndarray, object]]) -> None:
        """Hand the pipelines' encoder calls encodings of these features made already ([]: nothing kept)."""
        kept = getattr(self._pipeline, "model", None)
        if isinstance(kept, _KeptEncoding):
            kept.keep_all(pairs)

    def _streams(self) -> list:
        """The batched pipelines, one per decoding stream (loaded)."""
        return self._pipelines or [self._pipeline]

    def _stream_batch(self) -> int:
        """Windows in one stream's batch: ``batch_size`` shared between the streams."""
        return max(1, self.options.batch_size // len(self._streams()))

    def _decode(self, samples, kwargs, duration, progress, *, speech: list[dict] | None = None, **extra):
        opts = self.options
        if opts.engine == "batched" and speech is not None and kwargs.get("vad_filter") and not extra:
            segments, info = self._decode_speech(samples, speech, kwargs, progress=progress)
            if not isinstance(segments, Iterator):  # decoded by several streams, which told the progress already
                return segments, info
        elif opts.engine == "batched":
            segments, info = self._pipeline.transcribe(samples, batch_size=opts.batch_size, **{**kwargs, **extra})
        else:
            segments, info = self._model.transcribe(samples, condition_on_previous_text=False, **{**kwargs, **extra})
        out = []
        for seg in segments:
            if progress and duration > 0:
                progress(min(1.0, seg.end / duration))
            out.append(seg)
        return out, info

    def _decode_speech(self, samples: np.ndarray, speech: list[dict], kwargs: dict,
                       progress: Callable[[float], None] | None = None):
        """The batched pipeline on voice activity found once (``speech``, from :meth:`_speech`).

        What faster-whisper's pipeline does with ``vad_filter=True``, without
        running Silero VAD a second time: the speech is cut into the same
        windows of at most 30 s of speech (``collect_chunks``), decoded as
        clips of the speech-only audio, and its times are mapped back to the
        call's (``restore_speech_timestamps``). The decoder sees the same
        samples, so the words are the same. With several decoding streams the
        windows are shared out between them (:meth:`_decode_streams`).
        """
        from faster_whisper.transcribe import restore_speech_timestamps
        from faster_whisper.vad import collect_chunks

        if not speech:
            return [], _NoSpeech(kwargs.get("language"))
        chunks, meta = collect_chunks(samples, speech, max_duration=self._model.feature_extractor.chunk_length)
        voiced = np.concatenate(chunks)
        del chunks  # one copy of the speech while it is decoded, as in the pipeline's own path
        # clip times in seconds, a quarter sample inside each edge so that faster-whisper's int(t * rate) lands on it
        clips = [{"start": (m["offset"] * SAMPLE_RATE + 0.25) / SAMPLE_RATE,
                  "end": ((m["offset"] + m["duration"]) * SAMPLE_RATE + 0.25) / SAMPLE_RATE} for m in meta]
        args = {**kwargs, "vad_filter": False}
        args.pop("vad_parameters", None)
        runs = split_windows(len(clips), len(self._streams()))
        if len(runs) == 1:
            segments, info = self._pipeline.transcribe(voiced, batch_size=self.options.batch_size,
                                                       clip_timestamps=clips, **args)
            return restore_speech_timestamps(segments, speech, SAMPLE_RATE), info
        segments, info = self._decode_streams(voiced, clips, runs, args, progress)
        return list(restore_speech_timestamps(segments, speech, SAMPLE_RATE)), info

    def _decode_streams(self, voiced: np.ndarray, clips: list[dict], runs: list[range], args: dict,
                        progress: Callable[[float], None] | None):
        """Decode runs of consecutive windows at the same time, one stream each; the segments in the call's order.

        Each stream is the batched pipeline on its own windows (so each
        window is decoded as it would be alone: no window is conditioned on
        another). CTranslate2 runs the streams' calls in parallel, each on its
        share of the cores. This thread only waits, and reports progress as
        the seconds of speech decoded so far.
        """
        pipelines = self._streams()
        events: queue.Queue = queue.Queue()
        total = sum(c["end"] - c["start"] for c in clips) or 1.0
        infos: list = [None] * len(runs)

        def stream(i: int, run: range) -> None:
            try:
                pipe = pipelines[i]
                # the end of the speech just before this run, as one pipeline decoding every window would carry it
                pipe.last_speech_timestamp = clips[run.start - 1]["end"] if run.start else 0.0
                segments, infos[i] = pipe.transcribe(voiced, batch_size=self._stream_batch(),
                                                     clip_timestamps=[clips[k] for k in run], **args)
                for seg in segments:
                    events.put((i, seg))
                events.put((i, None))
            except BaseException as exc:  # handed to the waiting thread, which raises it
                events.put((i, exc))

        threads = [threading.Thread(target=stream, args=(i, r), name=f"tonecoach-decode-{i}", daemon=True)
                   for i, r in enumerate(runs)]
        for t in threads:
            t.start()
        got: list[list] = [[] for _ in runs]
        done_s = [0.0] * len(runs)
        failure = None
        running = len(runs)
        while running:
            i, item = events.get()
            if item is None or isinstance(item, BaseException):
                running -= 1
                if isinstance(item, BaseException) and failure is None:
                    failure = item
                continue
            got[i].append(item)
            done_s[i] = max(done_s[i], item.end - clips[runs[i].start]["start"])
            if progress:
                progress(min(1.0, sum(done_s) / total))
        for t in threads:
            t.join()
        if failure is not None:
            raise failure
        return [seg for segs in got for seg in segs], infos[0]

    def _recover_skipped(self, samples: np.ndarray, kept: list[TranscribedSegment], kwargs: dict,
                         offset_s: float, *, speech: list[dict] | None = None) -> list[TranscribedSegment]:
        """Re-decode, without the filler prompt, speech the prompted pass skipped.

        A prompt occasionally makes Whisper drop the start of a chunk (seen on
        fast, flat speech). Voice activity tells where speech is; a stretch of
        it is decoded again without the prompt when it shows a skip
        (:func:`_looks_skipped`: almost no words, or too few words *and* a
        second or more of speech with no word near it), and where the second
        pass found clearly more words, its words replace
        the first pass's words *of that stretch* (:func:`replace_words`): a
        segment of the first pass that runs past the stretch keeps only its
        words outside it, so no word is ever taken from both passes.
        """
        sr = SAMPLE_RATE
        vad = self._speech(samples) if speech is None else speech
        spans = _merge([(t["start"] / sr, t["end"] / sr) for t in vad], gap_s=1.0, max_s=28.0)
        words = [(w.start_s - offset_s, w.end_s - offset_s) for seg in kept for w in seg.words]
        voiced = [(t["start"] / sr, t["end"] / sr) for t in vad]
        suspicious = [(a, b) for a, b in spans if _looks_skipped(a, b, words, voiced)]
        if not suspicious:
            return kept
        log.info("re-decoding %d stretch(es) without the filler prompt", len(suspicious))
        clips = [{"start": a, "end": b} for a, b in suspicious]
        again_raw, _ = self._decode(samples, {**kwargs, "initial_prompt": None, "vad_filter": False}, 0.0, None,
                                    clip_timestamps=clips)
        again, _ = _keep_segments(again_raw, self.options, offset_s)
        out = list(kept)
        for a, b in suspicious:
            out = replace_words(out, again, a + offset_s - 0.2, b + offset_s + 0.2)
        return out


class _KeptEncoding:
    """A ``WhisperModel`` as ``BatchedInferencePipeline`` sees it, whose encoder hands back an encoding made earlier.

    :meth:`Transcriber._language_of_first_batch` encodes the decoder's first
    batch to find the language and :meth:`keep` s it; the next :meth:`encode`
    of the very same features returns it instead of encoding them again. Any
    other features are encoded as usual, so a kept encoding is never used for
    audio it was not made from, and used once. Streams decoding at the same
    time share it: another stream's features leave it for the stream whose
    first batch it is. Everything else is the model's own.
    """

    def __init__(self, model):
        self._whisper = model
        self._kept: list[tuple[np.ndarray, object]] = []
        self._lock = threading.Lock()

    def __getattr__(self, name: str):
        return getattr(self._whisper, name)

    def keep(self, features: np.ndarray | None, encoded) -> None:
        self.keep_all([] if features is None else [(features, encoded)])

    def keep_all(self, pairs: list[tuple[np.ndarray, object]]) -> None:
        """Keep these ``(features, encoding)`` pairs instead of any kept before."""
        with self._lock:
            self._kept = list(pairs)

    def encode(self, features: np.ndarray):
        with self._lock:
            for i, (mine, encoded) in enumerate(self._kept):
                if mine.shape == features.shape and np.array_equal(mine, features):
                    del self._kept[i]
                    return encoded
        return self._whisper.encode(features)


def _in_parallel(jobs: list[Callable[[], object]]) -> list:
    """Each job's result, the jobs run at the same time (one thread each; a single job runs here)."""
    if len(jobs) == 1:
        return [jobs[0]()]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(jobs), thread_name_prefix="tonecoach-encode") as pool:
        return list(pool.map(lambda job: job(), jobs))  # the first job's error, if any, is raised here


@dataclass(frozen=True)
class _NoSpeech:
    """The decoder's info for audio without voice activity (nothing was decoded)."""

    language: str | None
    language_probability: float = 0.0


#: Fewer recognised words than this per second of detected speech is slow
#: enough to look for a skip (conversational speech runs 2-3.5 words per second
#: of detected speech; 1.6 is about 100 wpm, the slow end of phone speech) ...
MIN_WORDS_PER_SPEECH_S = 1.6
#: ... and a skip shows as this much detected speech (seconds, in one piece)
#: with no recognised word within ``WORD_REACH_S`` of it. Slow, hesitant speech
#: has its words spread through its speech and leaves no such hole.
SKIPPED_SPEECH_S = 1.0
WORD_REACH_S = 0.5
#: Under this many words per second of speech (60 wpm) a stretch is re-decoded
#: whatever its holes: no conversation is that slow.
FEW_WORDS_PER_SPEECH_S = 1.0


def _looks_skipped(a: float, b: float, words: Sequence[tuple[float, float]],
                   voiced: Sequence[tuple[float, float]]) -> bool:
    """Whether the decoder seems to have skipped speech between ``a`` and ``b`` (seconds).

    ``words`` are the recognised words' ``(start, end)`` and ``voiced`` the
    voice-activity stretches, both in seconds of the decoded audio.
    """
    speech = b - a
    if speech < 2.0:
        return False
    n = sum(1 for s, e in words if a - 0.2 <= (s + e) / 2 <= b + 0.2)
    if n < FEW_WORDS_PER_SPEECH_S * speech:
        return True
    if n >= MIN_WORDS_PER_SPEECH_S * speech:
        return False
    return _longest_wordless_speech(a, b, words, voiced) >= SKIPPED_SPEECH_S


def _longest_wordless_speech(a: float, b: float, words: Sequence[tuple[float, float]],
                             voiced: Sequence[tuple[float, float]], step: float = 0.05) -> float:
    """The longest piece of detected speech in ``[a, b]`` farther than ``WORD_REACH_S`` from every word (seconds)."""
    t = np.arange(a, b, step)
    speech = np.zeros(len(t), bool)
    for s, e in voiced:
        if e >= a and s <= b:
            speech |= (t >= s) & (t <= e)
    near = np.zeros(len(t), bool)
    for s, e in words:
        if e >= a - WORD_REACH_S and s <= b + WORD_REACH_S:
            near |= (t >= s - WORD_REACH_S) & (t <= e + WORD_REACH_S)
    hole = np.concatenate(([0], (speech & ~near).astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(hole))
    return float((edges[1::2] - edges[::2]).max() * step) if len(edges) else 0.0


def _merge(spans: list[tuple[float, float]], *, gap_s: float, max_s: float) -> list[tuple[float, float]]:
    """Join speech spans closer than ``gap_s``, never making one longer than ``max_s``."""
    out: list[tuple[float, float]] = []
    for a, b in spans:
        if out and a - out[-1][1] <= gap_s and b - out[-1][0] <= max_s:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _rejection(seg, opts: TranscriptionOptions) -> str | None:
    """Why a segment looks invented, or None to keep it."""
    if seg.no_speech_prob > opts.no_speech_threshold and seg.avg_logprob < opts.log_prob_threshold:
        return f"no speech (p={seg.no_speech_prob:.2f}, logprob={seg.avg_logprob:.2f})"
    if seg.compression_ratio > opts.compression_ratio_threshold:
        return f"repetitive (compression ratio {seg.compression_ratio:.1f})"
    norm = re.sub(r"[^\w\s]", "", seg.text.lower()).strip()
    if any(h in norm for h in HALLUCINATIONS) and seg.avg_logprob < -0.5:
        return "known hallucination"
    if norm and seg.words and np.mean([w.probability for w in seg.words]) < 0.15:
        return "words too uncertain"
    return None


def _keep_segments(raw, opts: TranscriptionOptions, offset_s: float) -> tuple[list[TranscribedSegment], list[str]]:
    """faster-whisper's segments as :class:`TranscribedSegment`, likely inventions dropped (with the reason)."""
    kept: list[TranscribedSegment] = []
    dropped: list[str] = []
    for seg in raw:
        reason = _rejection(seg, opts)
        if reason:
            dropped.append(f"{seg.start:.1f}-{seg.end:.1f} s {reason}: {seg.text.strip()[:60]!r}")
            continue
        words = tuple(
            Word(w.word.strip(), round(w.start + offset_s, 3), round(w.end + offset_s, 3), round(float(w.probability), 4))
            for w in (seg.words or ())
            if w.word.strip() and w.probability >= opts.min_word_probability
        )
        if words:
            kept.append(TranscribedSegment(
                start_s=round(words[0].start_s, 3), end_s=round(words[-1].end_s, 3), text=seg.text.strip(), words=words,
                avg_logprob=float(seg.avg_logprob), no_speech_prob=float(seg.no_speech_prob),
            ))
    return kept, dropped


def _with_words(seg: TranscribedSegment, words: Sequence[Word]) -> TranscribedSegment:
    text = seg.text if len(words) == len(seg.words) else " ".join(w.text for w in words)
    return TranscribedSegment(start_s=words[0].start_s, end_s=words[-1].end_s, text=text, words=tuple(words),
                              avg_logprob=seg.avg_logprob, no_speech_prob=seg.no_speech_prob)


def replace_words(first: Sequence[TranscribedSegment], second: Sequence[TranscribedSegment], a_s: float, b_s: float,
                  *, min_gain: float = 1.25) -> list[TranscribedSegment]:
    """Take the words of ``second`` between ``a_s`` and ``b_s`` instead of those of ``first``, when clearly more.

    Two decodings of the same audio are joined word by word, never segment
    by segment: a word belongs to the stretch when its middle lies inside
    it. When ``second`` has at least ``min_gain`` times as many words there
    (and at least two more), the stretch's words of ``first`` are removed
    (a segment reaching past the stretch keeps its words outside) and those
    of ``second`` put in their place; otherwise ``first`` is kept as it is.
    Either way each moment of audio is transcribed by one pass only.
    """
    def inside(w: Word) -> bool:
        return a_s <= (w.start_s + w.end_s) / 2 <= b_s

    old = sum(1 for s in first for w in s.words if inside(w))
    new_segs = []
    for s in second:
        ws = [w for w in s.words if inside(w)]
        if ws:
            new_segs.append(_with_words(s, ws))
    new = sum(len(s.words) for s in new_segs)
    if not (new >= min_gain * old and new >= old + 2):
        return list(first)
    out: list[TranscribedSegment] = []
    for s in first:
        ws = [w for w in s.words if not inside(w)]
        if len(ws) == len(s.words):
            out.append(s)
            continue
        # a segment cut in two by the stretch becomes two segments
        before = [w for w in ws if (w.start_s + w.end_s) / 2 < a_s]
        after = [w for w in ws if (w.start_s + w.end_s) / 2 > b_s]
        out.extend(_with_words(s, part) for part in (before, after) if part)
    return sorted(out + new_segs, key=lambda s: s.start_s)


def _norm_word(text: str) -> str:
    return re.sub(r"[^\w']", "", text.lower())


def dedupe_segments(segments: Sequence[TranscribedSegment], *, min_overlap: float = 0.5) -> list[TranscribedSegment]:
    """Drop a word that repeats, at the same time, a word already kept (the same audio decoded twice).

    A word is a duplicate when an earlier kept word has the same letters
    (case and punctuation aside) and the two overlap in time by at least
    ``min_overlap`` of the shorter one. A word said twice in a row ("no,
    no") does not overlap itself and is kept.
    """
    kept_words: list[Word] = []
    out: list[TranscribedSegment] = []
    for seg in sorted(segments, key=lambda s: s.start_s):
        ws = []
        for w in seg.words:
            if not any(_same_word(w, k, min_overlap) for k in kept_words[-40:]):
                ws.append(w)
                kept_words.append(w)
        if len(ws) == len(seg.words):
            out.append(seg)
        elif ws:
            out.append(_with_words(seg, ws))
        kept_words.sort(key=lambda k: k.start_s)
    return out


def _same_word(a: Word, b: Word, min_overlap: float) -> bool:
    overlap = min(a.end_s, b.end_s) - max(a.start_s, b.start_s)
    shorter = max(1e-3, min(a.end_s - a.start_s, b.end_s - b.start_s))
    return overlap / shorter >= min_overlap and _norm_word(a.text) == _norm_word(b.text) != ""


# -- the stage: every channel of a call ------------------------------------------------------

NO_SPEECH = "no speech detected"


@dataclass(frozen=True)
class Heard:
    """What was heard on each channel of a call (the transcription stage's result).

    Attributes
    ----------
    words : dict channel id -> list of Word
        Each channel's words, the other party's bleed and echoes removed.
    language, language_probability : str or None, float
        The call's language: forced (probability 1), or detected on the loudest channel.
    language_forced : bool
        The language was given, not detected.
    segments : dict channel id -> list of (start_s, end_s, avg_logprob)
        Whisper's segments per channel, for the transcript checks of the wording stage.
    dropped : tuple of str
        Stretches of likely invented text that were dropped.
    warnings : tuple of str
        What the report should say about the transcription.
    """

    words: dict[str, list[Word]]
    language: str | None
    language_probability: float
    language_forced: bool = False
    segments: dict[str, list[tuple[float, float, float]]] = field(default_factory=dict)
    dropped: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def n_words(self) -> int:
        return sum(len(v) for v in self.words.values())

    @property
    def language_warnings(self) -> tuple[str, ...]:
        """A detected language Whisper was unsure of (the report lists this after the scoring's warnings)."""
        p = self.language_probability
        if p and p < 0.5 and not self.language_forced:
            return (f"language detection is unsure ({self.language} at {p:.0%}); consider --language",)
        return ()


def transcribe_channels(transcriber: Transcriber, channels: Channels, *, sr: int, is_silent: bool,
                        options: TranscriptionOptions, channel_options: ChannelOptions | None = None,
                        progress: Callable[[float], None] | None = None) -> Heard:
    """Transcribe each channel, loudest first (its language is the call's, unless ``options.language`` forces one).

    ``progress(fraction)`` goes from 0 to 1 over all channels, an equal share each.
    """
    chans = channels.channels
    words_by: dict[str, list[Word]] = {c.id: [] for c in chans}
    lang, lang_p = options.language, 1.0 if options.language else 0.0
    dropped: list[str] = []
    asr_segments: dict[str, list[tuple[float, float, float]]] = {}
    if not is_silent:
        order = sorted(chans, key=lambda c: -float(np.dot(c.raw, c.raw)))
        for k, ch in enumerate(order):
            def part(f: float, k: int = k) -> None:
                if progress is not None:
                    progress((k + f) / len(order))

            tr = transcriber.transcribe(ch.for_asr(sr), language=lang, progress=part)
            if tr.language and not options.language and k == 0:
                lang, lang_p = tr.language, tr.language_probability
            dropped.extend(tr.dropped)
            asr_segments[ch.id] = [(x.start_s, x.end_s, x.avg_logprob) for x in tr.segments]
            words_by[ch.id] = list(tr.words)
        words_by = keep_own_words(words_by, chans, sr=sr, options=channel_options or ChannelOptions())
    warnings = []
    if dropped:
        warnings.append(f"{len(dropped)} stretch(es) of likely invented text were dropped (silence or noise)")
    if not any(words_by.values()):
        warnings.append(NO_SPEECH)
    return Heard(words=words_by, language=lang, language_probability=lang_p, language_forced=bool(options.language),
                 segments=asr_segments, dropped=tuple(dropped), warnings=tuple(warnings))
