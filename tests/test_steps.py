"""The analysis's steps (tonecoach.analysis.steps): one table gives the progress bar and the timings."""

from __future__ import annotations

import numpy as np
import pytest

from tonecoach.analysis.steps import STEPS, TIMINGS, Steps, span

SR = 16000


def test_the_shares_cover_the_bar_once_in_order():
    assert sum(s.share for s in STEPS) == pytest.approx(1.0)
    ends = [span(s.name) for s in STEPS]
    assert ends[0][0] == 0.0 and ends[-1][1] == pytest.approx(1.0)
    assert all(a[1] == pytest.approx(b[0]) for a, b in zip(ends, ends[1:]))
    assert {s.timing for s in STEPS if s.timing} <= set(TIMINGS)
    with pytest.raises(KeyError, match="no analysis step named 'nap'"):
        span("nap")


def test_the_web_progress_bar_reads_the_transcriptions_place_from_the_table():
    from tonecoach.web import progress

    assert (progress.TRANSCRIBE_FROM, progress.TRANSCRIBE_TO) == span("transcribe") == (0.05, pytest.approx(0.9))


class _Ahead:
    def result(self, name):
        return {"ran": name}, 2.5


def test_steps_show_progress_and_add_their_time_to_their_key():
    seen, heard = [], []

    class Hook:
        def started(self, step):
            heard.append(("started", step))

        def finished(self, step, result, seconds):
            heard.append(("finished", step, result))

    steps = Steps(lambda f, m: seen.append((round(f, 3), m)), hooks=(Hook(),))
    assert steps("decode", lambda x: x + 1, 1) == 2
    inside = steps.within("transcribe")
    inside(0.0), inside(0.0), inside(0.5)  # the same point twice is shown once
    steps("turns", lambda: None)
    steps("agent", lambda: None)  # no message of its own: the bar stays where it is
    assert steps.ahead("pitch_energy", _Ahead()) == {"ran": "pitch_energy"}
    steps.done()
    assert seen == [(0.0, "decoding"), (0.05, "transcribing"), (0.475, "transcribing"), (0.9, "measuring prosody"),
                    (1.0, "done")]
    assert heard[:2] == [("started", "decode"), ("finished", "decode", 2)]
    t = steps.timings_s(waited_for_ahead=0.25)
    # turns, agent and the wait for the tracks count as "prosody"; the tracks' own time as "pitch_energy"
    assert list(t) == ["decode", "pitch_energy", "prosody", "waited_for_ahead", "total"]
    assert t["pitch_energy"] == 2.5 and t["waited_for_ahead"] == 0.25 and t["total"] >= t["prosody"]


class _Words:
    """A transcriber that hears the same words on every channel and reports its progress (no Whisper)."""

    def __init__(self, text: str = "thank you for calling how can I help you today"):
        from tonecoach.report import Word

        self.words = tuple(Word(t, 0.5 + i * 0.45, 0.5 + i * 0.45 + 0.35, 0.95) for i, t in enumerate(text.split()))

    def transcribe(self, samples, *, language=None, progress=None, **kw):
        from tonecoach.analysis.asr import TranscribedSegment, Transcript

        if progress:
            progress(0.0)
            progress(1.0)
        seg = TranscribedSegment(self.words[0].start_s, self.words[-1].end_s, " ".join(w.text for w in self.words),
                                 self.words, -0.2, 0.01)
        return Transcript((seg,), "en", 0.99)

    def describe(self) -> dict:
        return {"name": "words"}


@pytest.mark.parametrize("run_ahead", [True, False])
def test_an_analysis_moves_the_bar_forward_through_each_channel_and_keeps_its_timing_keys(run_ahead):
    from tonecoach.analysis.diarize import DiarizationOptions
    from tonecoach.analyzer import Analyzer, AnalyzerOptions
    from tonecoach.wording.call import WordingOptions

    t = np.arange(int(SR * 7.0)) / SR
    left = 0.2 * np.sin(2 * np.pi * 160 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
    right = 0.05 * np.sin(2 * np.pi * 233 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 2 * t))
    stereo = np.stack([left, right], axis=1).astype(np.float32)
    opts = AnalyzerOptions(diarization=DiarizationOptions(enabled=False), wording=WordingOptions(enabled=False),
                           scorecard=False, run_ahead=run_ahead)
    seen = []
    r = Analyzer(opts, transcriber=_Words()).analyze(stereo, sample_rate=SR, progress=lambda f, m: seen.append((f, m)))
    assert [s.id for s in r.speakers] == ["left", "right"]
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and seen[0] == (0.0, "decoding") and seen[-1] == (1.0, "done")
    # each channel its half of the transcription's share, louder channel first
    assert [round(f, 3) for f, m in seen if m == "transcribing"] == [0.05, 0.475, 0.9]
    assert "measuring prosody" in [m for _, m in seen]
    expected = ["decode", "transcribe", "pitch_energy", "prosody", "score", *(["waited_for_ahead"] if run_ahead else []),
                "total"]
    assert list(r.timings_s) == expected
