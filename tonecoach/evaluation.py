"""Yardsticks for checking tonecoach against references: text normalisation for WER, Praat's pitch.

Used by the tests and the benchmarks; nothing here runs during an analysis.
:func:`praat_pitch` needs ``praat-parselmouth`` (a test dependency).
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["FILLER_WORDS", "normalise_text", "praat_pitch"]

#: Hesitations that references leave out; word error rates are counted without them.
FILLER_WORDS = frozenset({"um", "umm", "uh", "uhm", "hmm", "mm", "mhm", "er", "erm", "ah"})


def normalise_text(text: str) -> str:
    """Lower case, no punctuation, hyphens split, filler words removed (as Whisper's English normaliser does)."""
    text = text.lower().replace("-", " ")
    text = re.sub(r"[^\w\s']", " ", text)
    return " ".join(w for w in text.split() if w not in FILLER_WORDS)


def praat_pitch(y: np.ndarray, sr: int, *, hop_s: float = 0.01, floor_hz: float = 65.0,
                ceiling_hz: float = 400.0) -> tuple[np.ndarray, np.ndarray]:
    """Praat's pitch with the speaker-adapted two-pass range (De Looze & Hirst 2008; Hirst 2011).

    A first pass from ``floor_hz`` to ``ceiling_hz`` gives the quartiles Q1
    and Q3 of the voiced frames; the second pass runs from 0.75 * Q1 to
    1.5 * Q3, as phoneticians do to keep Praat's own octave errors out.

    Returns
    -------
    times_s, f0_hz : np.ndarray, shape (n,)
        Frame times and f0, 0 where Praat finds no voice.
    """
    import parselmouth

    snd = parselmouth.Sound(np.asarray(y, dtype=np.float64), sampling_frequency=sr)
    p1 = snd.to_pitch(time_step=hop_s, pitch_floor=floor_hz, pitch_ceiling=ceiling_hz)
    f1 = p1.selected_array["frequency"]
    if not np.any(f1 > 0):
        return p1.xs(), f1
    q1, q3 = np.percentile(f1[f1 > 0], [25, 75])
    p2 = snd.to_pitch(time_step=hop_s, pitch_floor=0.75 * q1, pitch_ceiling=1.5 * q3)
    return p2.xs(), p2.selected_array["frequency"]
