"""Decoding a call's windows in parallel streams: how the cores are shared out, and that it hears the same words."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from conftest import SAMPLES

from tonecoach.analysis.asr import Transcriber, TranscriptionOptions, decode_layout, split_windows
from tonecoach.errors import ToneCoachError


@pytest.mark.parametrize("options, cores, layout", [
    (TranscriptionOptions(), 2, (2, 1)),  # the default on two cores: two streams of one thread
    (TranscriptionOptions(), 1, (1, 0)),  # one core: one stream, the threads left to CTranslate2
    (TranscriptionOptions(), 16, (4, 4)),  # at most four streams by default, the cores shared between them
    (TranscriptionOptions(cpu_threads=1), 16, (1, 1)),  # a batch worker given one core keeps to it
    (TranscriptionOptions(cpu_threads=4), 16, (4, 1)),
    (TranscriptionOptions(decode_streams=1), 2, (1, 0)),  # one batch at a time, as faster-whisper's pipeline
    (TranscriptionOptions(decode_streams=3, cpu_threads=2), 16, (3, 1)),  # never under one thread a stream
    (TranscriptionOptions(engine="sequential"), 2, (1, 0)),  # the sequential decoder has one stream
    (TranscriptionOptions(device="cuda"), 2, (1, 0)),
])
def test_the_decoder_shares_the_cores_between_its_streams(options, cores, layout):
    assert decode_layout(options, cores) == layout


@pytest.mark.parametrize("bad", [-1, 17, 2.5, "2", True, None])
def test_a_number_of_streams_the_decoder_cannot_use_is_refused(bad):
    with pytest.raises(ToneCoachError, match="decode_streams must be a whole number from 0"):
        TranscriptionOptions(decode_streams=bad)


@pytest.mark.parametrize("bad", [-2, 1.5, "4"])
def test_a_thread_count_the_decoder_cannot_use_is_refused(bad):
    with pytest.raises(ToneCoachError, match="cpu_threads must be a whole number"):
        TranscriptionOptions(cpu_threads=bad)


def test_windows_are_shared_out_in_runs_as_even_as_they_can_be():
    assert split_windows(9, 2) == [range(0, 5), range(5, 9)]
    assert split_windows(10, 4) == [range(0, 3), range(3, 6), range(6, 8), range(8, 10)]
    assert split_windows(1, 4) == [range(0, 1)]  # never an empty stream
    assert split_windows(0, 2) == []
    runs = split_windows(23, 3)
    assert [k for r in runs for k in r] == list(range(23))  # every window once, in order


def _long_call() -> np.ndarray:
    """Three bundled samples one after another: about 90 s of speech, more than one stream's share of windows."""
    from tonecoach.analysis.audio import load

    parts = [load(str(SAMPLES / n)).mono for n in ("warm_agent.flac", "flat_rushed_agent.flac", "two_voice_mono.flac")]
    return np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)


@pytest.mark.slow
def test_two_streams_decode_at_the_same_time_and_hear_the_same_words_as_one(monkeypatch):
    """With two streams two batches are in the decoder at once, and the words are one stream's words. Only the
    time of the first word or two of the second stream may differ: faster-whisper trims a long first word after a
    pause, and that stream starts from the end of the speech before it rather than from its last word's end."""
    from faster_whisper import BatchedInferencePipeline

    x = _long_call()
    one = Transcriber(TranscriptionOptions(decode_streams=1, cpu_threads=2, batch_size=4))
    two = Transcriber(TranscriptionOptions(decode_streams=2, cpu_threads=2, batch_size=4))
    in_flight, most = [0], [0]
    lock = threading.Lock()
    real = BatchedInferencePipeline.forward

    def counted(self, *a, **kw):
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        try:
            return real(self, *a, **kw)
        finally:
            with lock:
                in_flight[0] -= 1

    monkeypatch.setattr(BatchedInferencePipeline, "forward", counted)
    seen: list[float] = []
    alone = one.transcribe(x, language="en")
    assert most[0] == 1
    together = two.transcribe(x, language="en", progress=seen.append)
    assert most[0] == 2  # before: one batch at a time
    a = [(w.text, w.start_s, w.end_s) for w in alone.words]
    b = [(w.text, w.start_s, w.end_s) for w in together.words]
    assert len(a) > 150 and [w[0] for w in a] == [w[0] for w in b]
    moved = [(p, q) for p, q in zip(a, b) if p != q]
    assert len(moved) <= 2 and all(abs(p[1] - q[1]) < 0.6 and abs(p[2] - q[2]) < 0.6 for p, q in moved)
    assert seen == sorted(seen) and seen[0] == 0.0 and seen[-1] == 1.0 and len(seen) > 3


@pytest.mark.slow
def test_a_stream_that_fails_fails_the_transcription_with_its_own_error(monkeypatch):
    """An error in one stream reaches the caller (the other stream finishes first), and no thread is left behind."""
    from faster_whisper import BatchedInferencePipeline

    x = _long_call()
    two = Transcriber(TranscriptionOptions(decode_streams=2, cpu_threads=2, batch_size=4))
    real = BatchedInferencePipeline.forward

    def second_fails(self, features, tokenizer, meta, options):
        if self is two._pipelines[1]:
            raise MemoryError("out of memory in the second stream")
        return real(self, features, tokenizer, meta, options)

    monkeypatch.setattr(BatchedInferencePipeline, "forward", second_fails)
    before = {t.name for t in threading.enumerate()}
    with pytest.raises(MemoryError, match="second stream"):
        two.transcribe(x, language="en")
    assert not {t.name for t in threading.enumerate()} - before
    assert two._pipeline.model._kept == []  # the kept encodings went with the failed decode
