"""Yardsticks for checking tonecoach against references: text normalisation for WER, Praat's pitch.

Used by the tests and the benchmarks; nothing here runs during an analysis.
:func:`praat_pitch` needs ``praat-parselmouth`` (a test dependency);
:func:`spliced_call` uses ``scipy``, a dependency of the package.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["FILLER_WORDS", "SPLICE_CALLS", "SPLICE_VOICES", "normalise_text", "praat_pitch", "spliced_call", "wer_normaliser"]

#: Hesitations that references leave out; word error rates are counted without them.
FILLER_WORDS = frozenset({"um", "umm", "uh", "uhm", "hmm", "mm", "mhm", "er", "erm", "ah"})


def normalise_text(text: str) -> str:
    """Lower case, no punctuation, hyphens split, filler words removed (as Whisper's English normaliser does)."""
    text = text.lower().replace("-", " ")
    text = re.sub(r"[^\w\s']", " ", text)
    return " ".join(w for w in text.split() if w not in FILLER_WORDS)


def wer_normaliser(language: str | None):
    """Whisper's own text normaliser for word error rates: English spelling, numbers and contractions, or basic.

    English text goes through Whisper's ``EnglishTextNormalizer`` (the one
    the Whisper paper reports WER with: "one double two" and "122" compare
    equal, "I'm" and "I am" too, hesitations are dropped); other languages
    through its ``BasicTextNormalizer`` (case, punctuation, brackets).
    Both ship with ``transformers``.
    """
    from transformers.models.whisper.english_normalizer import BasicTextNormalizer, EnglishTextNormalizer

    norm = EnglishTextNormalizer({}) if language in (None, "en") else BasicTextNormalizer()

    def apply(text: str) -> str:
        return " ".join(w for w in norm(text).split() if w not in FILLER_WORDS)

    return apply


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


# -- calls spliced from recordings of different people (speaker separation, out of sample) ------------------

SPLICE_SR = 16000
SPLICE_VOICES = {"OSR": "OSR_us_000_0034_8k.wav", "JFK": "whisper_jfk.flac", "LS1995": "librispeech-1995-1837-0001.wav",
                 "LS1272": "leopard_test_en.wav"}
SPLICE_CALLS = [("OSR", "JFK"), ("OSR", "LS1995"), ("LS1995", "LS1272"), ("JFK", "LS1272"), ("OSR", "JFK", "LS1995")]


def _phone_band(y):
    from scipy.signal import butter, sosfiltfilt

    return sosfiltfilt(butter(6, [300, 3400], btype="band", fs=SPLICE_SR, output="sos"), y)


def _speech_pieces(y, *, min_gap_s=0.3, min_len_s=0.5, lo_s=1.5, hi_s=4.0) -> list[tuple[int, int]]:
    """Stretches of speech (frames within 35 dB of the loudest), cut at their quietest frame into lo-hi s turns."""
    hop = int(0.02 * SPLICE_SR)
    n = len(y) // hop
    db = 10 * np.log10(np.array([np.mean(y[i * hop:(i + 1) * hop] ** 2) for i in range(n)]) + 1e-12)
    on = db > db.max() - 35
    bridge = int(min_gap_s / 0.02)
    spans, i = [], 0
    while i < n:
        if not on[i]:
            i += 1
            continue
        j = i
        while j < n and (on[j] or on[j:j + bridge].any()):
            j += 1
        if (j - i) * 0.02 >= min_len_s:
            spans.append((i * hop, j * hop))
        i = j
    out = []
    for a, b in spans:
        while (b - a) / SPLICE_SR > hi_s:
            w = y[a + int(lo_s * SPLICE_SR): a + int(hi_s * SPLICE_SR)]
            e = [np.mean(w[k:k + hop] ** 2) for k in range(0, len(w) - hop, hop)]
            cut = a + int(lo_s * SPLICE_SR) + int(np.argmin(e)) * hop
            out.append((a, cut))
            a = cut
        out.append((a, b))
    return out


def spliced_call(speech_dir, voices, seed: int, *, max_turns: int = 16, telephone: bool = True,
                 overlap_every: int = 0, order: list[int] | None = None):
    """A call spliced from real recordings of different people: (mono 16 kHz float32 samples, reference spans).

    Each voice of ``voices`` (keys of :data:`SPLICE_VOICES`, files in
    ``speech_dir``) is cut at its pauses into 1.5-4 s turns and levelled to
    -20 dBFS; the voices take turns in order with 0.2-0.9 s gaps (``seed``);
    the call gets noise at -50 dBFS and (``telephone``) a 300-3400 Hz band. The
    reference spans ``(start_s, end_s, voice)`` are where each turn was put.
    With ``overlap_every`` n, every n-th turn starts 0.4-1.2 s before the one
    before it ends (both voices at once, as in overtalk). ``order`` gives the
    voice of each turn (indices into ``voices``) instead of taking turns in
    order: ``[0, 1, 0, 1, 2, 1, 2, 1]`` is a transfer, the third voice taking
    over from the first half-way.
    """
    from pathlib import Path

    from .analysis.audio import load

    rng = np.random.default_rng(seed)
    src = []
    for v in voices:
        y = load(str(Path(speech_dir) / SPLICE_VOICES[v])).mono
        y = _phone_band(y) if telephone else y
        src.append((y, _speech_pieces(y)))
    used = [0] * len(src)
    placed: list[tuple[int, np.ndarray]] = []
    ref, pos, k = [], int(0.3 * SPLICE_SR), 0
    while len(ref) < max_turns and any(used[v] < len(src[v][1]) for v in range(len(src))):
        if order is not None:
            if k >= len(order):
                break
            v = order[k]
        else:
            v = k % len(src)
        k += 1
        if used[v] >= len(src[v][1]):
            continue
        a, b = src[v][1][used[v]]
        used[v] += 1
        seg = src[v][0][a:b]
        seg = seg / (np.sqrt(np.mean(seg ** 2)) + 1e-9) * 0.1  # -20 dBFS
        start = pos
        if overlap_every and placed and len(ref) % overlap_every == 0:
            prev_start, prev = placed[-1]
            back = int(rng.uniform(0.4, 1.2) * SPLICE_SR)
            start = max(prev_start + int(0.5 * SPLICE_SR), prev_start + len(prev) - back)
        placed.append((start, seg))
        ref.append((start / SPLICE_SR, (start + len(seg)) / SPLICE_SR, voices[v]))
        pos = max(pos, start + len(seg)) + int(rng.uniform(0.2, 0.9) * SPLICE_SR)
    y = np.zeros(pos)
    for start, seg in placed:
        y[start:start + len(seg)] += seg
    y = y + rng.normal(0, 10 ** (-50 / 20), len(y))
    y = _phone_band(y) if telephone else y
    return y.astype(np.float32), ref
