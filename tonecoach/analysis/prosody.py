"""Prosody features: pure functions over samples and word timings, librosa-style.

The stage (at the end): :func:`tracks_of` (pitch and energy of each signal, run beside the transcription)
and :func:`measure_call` (each turn's and each speaker's prosody); :func:`phrases` cuts the agent's long
turns into phrases with their own prosody, for feedback.

Arrays in, a small frozen dataclass out, keyword-only options, units in the
names. No I/O, no model state. Every function tolerates empty and all-silent
input and answers NaN/None fields instead of raising.

The pitch tracker is a vectorised YIN (de Cheveigné & Kawahara 2002): an
FFT-based difference function and the cumulative-mean-normalised difference
(CMNDF) with parabolic interpolation give each frame a few f0 candidates (its
deepest CMNDF minima). Octave errors are avoided rather than folded back
afterwards: a Viterbi path picks one candidate or "unvoiced" per frame, paying
the CMNDF value plus a small cost per octave below ``fmax_hz``, a cost per
octave of f0 change between frames and one per voicing switch; quiet frames
(relative to the loudest) make "unvoiced" cheaper and the quietest are never
voiced. Short pieces lying far above the surrounding pitch and voiced runs
shorter than three frames are then dropped. The CMNDF value at the chosen lag
is the frame's aperiodicity. It costs about 0.2 s per 60 s of 16 kHz audio on
two cores.
"""

from __future__ import annotations

import logging
import math
import unicodedata
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any, Mapping, Protocol, Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import fft as sfft

from ..report import Segment, Speaker
from .turns import join_words, split_phrases

if TYPE_CHECKING:
    from .channels import Channel

__all__ = [
    "PitchTrack", "PitchStats", "EnergyTrack", "EnergyStats", "RateStats", "PauseStats", "TurnProsody",
    "pitch_track", "pitch_stats", "energy_track", "energy_stats", "count_syllables", "speaking_rate",
    "pause_stats", "end_intonation", "clipping_ratio", "snr_estimate_db", "turn_prosody",
    "ProsodyOptions", "CallProsody", "tracks_of", "measure_call", "speaker_prosody", "phrases",
]

logger = logging.getLogger("tonecoach")

_FLOOR_DB = -120.0  # level given to digitally silent frames
_NAN = float("nan")
_YIN_WINDOW_PERIODS = 1.5  # YIN integration window, in periods of the lowest f0
_QUIET_PENALTY = 0.2  # how much cheaper "unvoiced" gets in the quietest third of the range
_OUTLIER_MAX_FRAMES = 5  # pieces of track at most this long ...
_OUTLIER_SEMITONES = 9.0  # ... lying this far above the surrounding pitch are dropped


class _WordLike(Protocol):
    text: str
    start_s: float
    end_s: float


def _mono(y: Any) -> np.ndarray:
    """Samples as a finite 1-D float array; 2-D input is mixed down along its shorter axis."""
    y = np.asarray(y, dtype=np.float64 if np.asarray(y).dtype == np.float64 else np.float32)
    if y.ndim == 0:
        y = y.reshape(1)
    elif y.ndim > 1:
        y = y.reshape(y.shape[0], -1) if y.ndim > 2 else y
        y = y.mean(axis=int(np.argmin(y.shape)))
    if y.size and not np.all(np.isfinite(y)):
        y = np.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0)
    return y


def _frames(y: np.ndarray, frame_len: int, hop: int) -> np.ndarray:
    """Centred frames, shape ``(1 + len(y) // hop, frame_len)``; frame ``i`` is centred on sample ``i * hop``."""
    n = 1 + len(y) // hop
    half = frame_len // 2
    pad = np.pad(y, (half, frame_len - half + hop))
    return sliding_window_view(pad, frame_len)[::hop][:n]


def _slice_mask(times_s: np.ndarray, start_s: float, end_s: float) -> np.ndarray:
    return (times_s >= start_s) & (times_s < end_s)


# ----------------------------------------------------------------------------- pitch


@dataclass(frozen=True)
class PitchTrack:
    """One f0 value per frame.

    Attributes
    ----------
    times_s : np.ndarray, shape (n,)
        Frame centre times in seconds, relative to the start of ``y``.
    f0_hz : np.ndarray, shape (n,)
        Fundamental frequency, NaN where unvoiced.
    voiced : np.ndarray, shape (n,), bool
    hop_s : float
    aperiodicity : np.ndarray, shape (n,)
        YIN's CMNDF value at the chosen lag (0 = perfectly periodic, ~1 = noise).
    """

    times_s: np.ndarray
    f0_hz: np.ndarray
    voiced: np.ndarray
    hop_s: float
    aperiodicity: np.ndarray | None = None

    def slice(self, start_s: float, end_s: float) -> "PitchTrack":
        """The frames whose time lies in ``[start_s, end_s)`` (times are kept, not shifted)."""
        m = _slice_mask(self.times_s, start_s, end_s)
        ap = None if self.aperiodicity is None else self.aperiodicity[m]
        return PitchTrack(self.times_s[m], self.f0_hz[m], self.voiced[m], self.hop_s, ap)


def _yin(y: np.ndarray, sr: int, tau_min: int, tau_max: int, hop: int, threshold: float, n_cand: int = 5,
         win_periods: float = 1.0, chunk: int = 1024):
    """YIN over centred frames.

    Returns the classic YIN pick (lag, CMNDF value), each frame's ``n_cand``
    deepest CMNDF minima (lags with parabolic refinement and values, ``inf``
    where absent; shapes (n, n_cand)) and the frame RMS (n,).
    """
    win = int(round(tau_max * win_periods))  # integration window W
    frame_len = win + tau_max
    frames = _frames(y, frame_len, hop)
    nfft = sfft.next_fast_len(frame_len, real=True)
    n = frames.shape[0]
    k = min(n_cand, tau_max - tau_min)
    pick_lag, pick_val, rms = np.empty(n), np.empty(n), np.empty(n)
    c_lag, c_val = np.empty((n, k)), np.empty((n, k))
    taus = np.arange(tau_max + 1)
    for a in range(0, n, chunk):
        x = np.asarray(frames[a:a + chunk], dtype=np.float64)
        x = x - x.mean(axis=1, keepdims=True)
        m = x.shape[0]
        spec_x = sfft.rfft(x, nfft, axis=1, workers=-1)
        spec_w = sfft.rfft(x[:, :win], nfft, axis=1, workers=-1)
        corr = sfft.irfft(spec_x * np.conj(spec_w), nfft, axis=1, workers=-1)[:, : tau_max + 1]
        csum = np.concatenate([np.zeros((m, 1)), np.cumsum(x * x, axis=1)], axis=1)
        energy = csum[:, win: win + tau_max + 1] - csum[:, : tau_max + 1]  # energy of x[tau : tau + W]
        diff = np.maximum(energy[:, :1] + energy - 2.0 * corr, 0.0)
        cum = np.cumsum(diff[:, 1:], axis=1)
        cmndf = np.ones_like(diff)
        ok = cum > 1e-9 * (energy[:, :1] + 1e-30)
        cmndf[:, 1:] = np.where(ok, diff[:, 1:] * taus[1:] / np.where(ok, cum, 1.0), 1.0)
        d = cmndf[:, tau_min - 1: tau_max + 1]  # one extra lag either side for minima and interpolation
        inner = d[:, 1:-1]
        is_min = (inner < d[:, :-2]) & (inner <= d[:, 2:])
        below = is_min & (inner < threshold)
        best = np.where(below.any(axis=1), np.argmax(below, axis=1), np.argmin(inner, axis=1))
        rows = np.arange(m)[:, None]
        cidx = np.argpartition(np.where(is_min, inner, np.inf), k - 1, axis=1)[:, :k]
        for idx, lag_out, val_out in ((best[:, None], None, None), (cidx, c_lag, c_val)):
            y0, y1, y2 = d[rows, idx], d[rows, idx + 1], d[rows, idx + 2]
            den = y0 - 2.0 * y1 + y2
            shift = np.clip(np.where(den > 1e-12, 0.5 * (y0 - y2) / np.where(den > 1e-12, den, 1.0), 0.0), -1, 1)
            if lag_out is None:
                pick_lag[a:a + m], pick_val[a:a + m] = (tau_min + idx + shift)[:, 0], y1[:, 0]
            else:
                lag_out[a:a + m] = tau_min + idx + shift
                val_out[a:a + m] = np.where(is_min[rows, idx], np.clip(y1, 0.0, 1.0), np.inf)
        rms[a:a + m] = np.sqrt(energy[:, 0] / win)
    return pick_lag, np.clip(pick_val, 0.0, 1.0), c_lag, c_val, rms


def _drop_short_runs(voiced: np.ndarray, min_len: int) -> np.ndarray:
    v = voiced.copy()
    edges = np.flatnonzero(np.diff(np.concatenate([[0], v.astype(np.int8), [0]])))
    for s, e in zip(edges[::2], edges[1::2]):
        if e - s < min_len:
            v[s:e] = False
    return v


def _viterbi(local: np.ndarray, st: np.ndarray, unvoiced_cost: np.ndarray, jump_cost: float, vu_cost: float,
             block: int = 2048) -> np.ndarray:
    """Cheapest path through per-frame f0 candidates plus an unvoiced state.

    ``local`` (n, k): cost of each candidate; ``st`` (n, k): its pitch in
    semitones. State ``k`` is unvoiced (cost ``unvoiced_cost``). Moving
    between candidates costs ``jump_cost`` per octave, switching voicing
    ``vu_cost``. Returns the chosen state per frame, shape (n,).
    """
    n, k = local.shape
    loc = np.concatenate([local, np.broadcast_to(unvoiced_cost, (n,))[:, None]], axis=1)
    back = np.zeros((n, k + 1), dtype=np.int16)
    acc = loc[0].copy()
    cols = np.arange(k + 1)
    for b0 in range(1, n, block):
        b1 = min(n, b0 + block)
        trans = np.empty((b1 - b0, k + 1, k + 1))
        trans[:, :k, :k] = jump_cost / 12.0 * np.abs(st[b0 - 1:b1 - 1, :, None] - st[b0:b1, None, :])
        trans[:, :k, k] = vu_cost
        trans[:, k, :k] = vu_cost
        trans[:, k, k] = 0.0
        for t in range(b0, b1):
            tot = acc[:, None] + trans[t - b0]
            bt = tot.argmin(axis=0)
            back[t] = bt
            acc = tot[bt, cols] + loc[t]
    path = np.empty(n, dtype=np.int64)
    path[-1] = int(acc.argmin())
    for t in range(n - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


def _drop_outlier_pieces(st: np.ndarray, voiced: np.ndarray, hop_s: float, max_frames: int, max_dev: float,
                         step: float = 4.0, context_s: float = 1.5) -> np.ndarray:
    """Unvoice short, continuous pieces of track lying more than ``max_dev`` semitones above the surrounding voiced pitch."""
    idx = np.flatnonzero(voiced)
    if idx.size < 2 * max_frames:
        return voiced
    brk = np.flatnonzero((np.diff(idx) > 1) | (np.abs(np.diff(st[idx])) > step)) + 1
    starts, ends = np.r_[0, brk], np.r_[brk, idx.size]
    out, ctx = voiced.copy(), int(round(context_s / hop_s))
    for s, e in zip(starts, ends):
        if e - s > max_frames:
            continue
        lo, hi = np.searchsorted(idx, [idx[s] - ctx, idx[e - 1] + ctx])
        around = np.r_[st[idx[lo:s]], st[idx[e:hi]]]
        if around.size >= 2 * max_frames and np.median(st[idx[s:e]]) - np.median(around) > max_dev:
            out[idx[s:e]] = False
    return out


def pitch_track(
    y: np.ndarray,
    *,
    sr: int,
    fmin_hz: float = 65.0,
    fmax_hz: float = 400.0,
    hop_s: float = 0.01,
    threshold: float = 0.15,
    max_aperiodicity: float = 0.5,
    silence_db: float = 35.0,
    octave_cost: float = 0.05,
    jump_cost: float = 0.35,
    voicing_cost: float = 0.2,
    min_run_frames: int = 3,
) -> PitchTrack:
    """Track f0 with YIN candidates and a Viterbi path.

    Each frame's deepest CMNDF minima are f0 candidates (cost: the CMNDF value
    plus ``octave_cost`` per octave below ``fmax_hz``); an unvoiced state costs
    ``max_aperiodicity`` (less in quiet frames). The cheapest path pays
    ``jump_cost`` per octave of f0 change between frames and ``voicing_cost``
    per voiced/unvoiced switch, which removes most octave errors. Short pieces
    far (> 9 semitones) above the surrounding pitch and voiced runs shorter
    than ``min_run_frames`` are dropped.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono samples, float, full scale = 1.0.
    sr : int
        Sample rate in Hz.
    fmin_hz, fmax_hz : float
        Search range of f0.
    hop_s : float
        Frame hop; frame ``i`` is centred on ``i * hop_s``.
    threshold : float
        YIN's absolute threshold (for the ``aperiodicity`` of unvoiced frames).
    max_aperiodicity : float
        Frames whose best candidate has a larger CMNDF value are unvoiced.
    silence_db : float
        Frames more than this far below the loud frames (99th percentile of
        frame level) are unvoiced; the last third of that range is penalised.

    Returns
    -------
    PitchTrack
        ``aperiodicity`` is the CMNDF value of the chosen candidate, or of
        YIN's own pick in unvoiced frames.
    """
    y = _mono(y)
    hop = max(1, int(round(hop_s * sr))) if sr > 0 else 1
    if y.size == 0 or sr <= 0:
        e = np.zeros(0)
        return PitchTrack(e, e.copy(), np.zeros(0, bool), hop / max(sr, 1), e.copy())
    hop_s = hop / sr
    fmax_hz = min(fmax_hz, sr / 4.0)
    tau_min = max(2, int(math.floor(sr / fmax_hz)))
    tau_max = max(tau_min + 2, int(math.ceil(sr / fmin_hz)) + 1)
    lag, aper, c_lag, c_val, rms = _yin(y, sr, tau_min, tau_max, hop, threshold, win_periods=_YIN_WINDOW_PERIODS)
    times = np.arange(len(lag)) * hop_s
    rel = 20.0 * np.log10(np.maximum(rms, 1e-6))  # -120 dBFS floor
    gate = rel > -90.0
    rel = rel - np.percentile(rel, 99)
    gate &= rel > -silence_db
    quiet = np.clip((rel + silence_db * 2 / 3) / (-silence_db / 3), 0.0, 1.0)  # 0 loud .. 1 at the floor
    unvoiced = max_aperiodicity - _QUIET_PENALTY * quiet
    c_st = 12.0 * np.log2(sr / c_lag)
    present = np.isfinite(c_val) & gate[:, None]
    local = c_val + octave_cost * np.log2(c_lag / tau_min)
    local = np.where(present, local, 1e6)
    j = _viterbi(local, np.where(present, c_st, 0.0), unvoiced, jump_cost, voicing_cost)
    r, k = np.arange(len(j)), c_lag.shape[1]
    voiced = j < k
    jj = np.minimum(j, k - 1)
    f0 = sr / c_lag[r, jj]
    aper = np.where(voiced, c_val[r, jj], aper)
    voiced &= (f0 >= fmin_hz * 0.97) & (f0 <= fmax_hz * 1.03)
    st = 12.0 * np.log2(f0)
    voiced = _drop_outlier_pieces(st, voiced, hop_s, max_frames=_OUTLIER_MAX_FRAMES, max_dev=_OUTLIER_SEMITONES)
    voiced = _drop_short_runs(voiced, min_run_frames)
    f0 = np.where(voiced, f0, np.nan)
    return PitchTrack(times, f0, voiced, hop_s, aper)


@dataclass(frozen=True)
class PitchStats:
    """Summary of a pitch track; NaN fields when fewer than ``min_voiced_frames`` are voiced."""

    median_hz: float
    sd_semitones: float
    range_semitones: float  # 5th-95th percentile span
    voiced_ratio: float
    n_voiced_frames: int


def pitch_stats(track: PitchTrack, *, min_voiced_frames: int = 10) -> PitchStats:
    """Median, spread (SD and 5-95 % range of 12*log2(f0)) and voiced share of a track."""
    n = len(track.f0_hz)
    f0 = track.f0_hz[track.voiced & np.isfinite(track.f0_hz)]
    ratio = len(f0) / n if n else _NAN
    if len(f0) < max(1, min_voiced_frames):
        return PitchStats(_NAN, _NAN, _NAN, float(ratio), int(len(f0)))
    st = 12.0 * np.log2(f0)
    p5, p95 = np.percentile(st, [5, 95])
    return PitchStats(float(np.median(f0)), float(np.std(st)), float(p95 - p5), float(ratio), int(len(f0)))


# ----------------------------------------------------------------------------- energy


@dataclass(frozen=True)
class EnergyTrack:
    """Frame levels: ``times_s`` (n,) frame centres, ``level_db`` (n,) dBFS of each frame's RMS (floor -120)."""

    times_s: np.ndarray
    level_db: np.ndarray
    hop_s: float

    def slice(self, start_s: float, end_s: float) -> "EnergyTrack":
        """The frames whose time lies in ``[start_s, end_s)``."""
        m = _slice_mask(self.times_s, start_s, end_s)
        return EnergyTrack(self.times_s[m], self.level_db[m], self.hop_s)


def energy_track(y: np.ndarray, *, sr: int, hop_s: float = 0.01, frame_s: float = 0.025) -> EnergyTrack:
    """RMS level per centred frame in dBFS (a full-scale sine is -3.0 dBFS).

    Parameters
    ----------
    y : np.ndarray, shape (n,)
    sr : int
    hop_s, frame_s : float
        Hop and frame length in seconds.
    """
    y = _mono(y)
    hop = max(1, int(round(hop_s * sr))) if sr > 0 else 1
    if y.size == 0 or sr <= 0:
        return EnergyTrack(np.zeros(0), np.zeros(0), hop / max(sr, 1))
    frame_len = max(1, int(round(frame_s * sr)))
    n = 1 + len(y) // hop
    starts = np.arange(n) * hop - frame_len // 2  # frame i covers y[starts[i] : starts[i] + frame_len], zero outside
    lo = np.clip(starts, 0, len(y))
    hi = np.clip(starts + frame_len, 0, len(y))
    c = _cumulative_square_at(y, np.concatenate([lo, hi]))
    ms = np.maximum(c[n:] - c[:n], 0.0) / frame_len
    level = 10.0 * np.log10(np.maximum(ms, 10 ** (_FLOOR_DB / 10)))
    return EnergyTrack(starts / sr, level, hop / sr)


def _cumulative_square_at(y: np.ndarray, pos: np.ndarray, *, block: int = 1 << 20) -> np.ndarray:
    """``sum(y[:p] ** 2)`` for each ``p`` in ``pos`` (in float64), block by block.

    The same numbers as indexing ``cumsum(y ** 2)``, without a full-length
    float64 copy of the signal (a 3-hour channel would need 1.4 GB of them).
    """
    order = np.argsort(pos, kind="stable")
    p = pos[order]
    out = np.zeros(len(p), dtype=np.float64)
    carry = 0.0
    for a in range(0, len(y), block):
        b = min(len(y), a + block)
        cs = np.cumsum(np.square(y[a:b], dtype=np.float64))
        i, j = np.searchsorted(p, a, side="right"), np.searchsorted(p, b, side="right")
        out[i:j] = carry + cs[p[i:j] - a - 1]
        carry += float(cs[-1])
    res = np.empty_like(out)
    res[order] = out
    return res


@dataclass(frozen=True)
class EnergyStats:
    """Loudness of the active frames (within 30 dB of the loudest frame)."""

    level_dbfs: float  # mean power of the active frames, in dBFS
    sd_db: float  # SD of the active frames' levels
    peak_dbfs: float  # the loudest frame's RMS level


def energy_stats(track: EnergyTrack, *, active_range_db: float = 30.0) -> EnergyStats:
    """Level, variability and peak of a track's active frames; NaN fields when it is silent."""
    lv = np.asarray(track.level_db, dtype=np.float64)
    lv = lv[lv > _FLOOR_DB + 1e-6]
    if lv.size == 0:
        return EnergyStats(_NAN, _NAN, _NAN)
    peak = float(lv.max())
    act = lv[lv >= peak - active_range_db]
    level = float(10.0 * np.log10(np.mean(10.0 ** (act / 10.0))))
    return EnergyStats(level, float(np.std(act)), peak)


def clipping_ratio(y: np.ndarray, *, threshold: float = 0.999) -> float:
    """Share of samples that are clipped, in [0, 1]; NaN for empty input.

    A sample counts when ``|y| >= threshold`` (full scale = 1.0), or when it is
    part of a flat-topped run of at least 3 equal samples at the signal's peak
    magnitude (clipping that happened before a gain change), provided the peak
    is above -20 dBFS.
    """
    y = _mono(y)
    if y.size == 0:
        return _NAN
    a = np.abs(y)
    hit = a >= threshold
    peak = float(a.max())
    if peak >= 0.1 and y.size >= 3:
        ext = a >= peak - max(1.0 / 32768, 1e-6 * peak)
        same = np.concatenate([[False], np.abs(np.diff(y)) <= 1e-7])  # equals the previous sample
        run_end = ext[2:] & ext[1:-1] & ext[:-2] & same[2:] & same[1:-1]
        flat = np.zeros_like(hit)
        for k in range(3):
            flat[k: len(y) - 2 + k] |= run_end
        hit |= flat
    return float(hit.mean())


def snr_estimate_db(y: np.ndarray, *, sr: int, frame_s: float = 0.025, hop_s: float = 0.01) -> float:
    """Rough signal-to-noise ratio in dB from the frame-power distribution.

    Method: the power of 25 ms frames (digitally silent frames ignored); the
    10th percentile is taken as the noise power N, the 95th as speech plus
    noise S + N, and the result is ``10 * log10((S + N - N) / N)``. This
    assumes the signal pauses at least 10 % of the time (speech does); a
    continuous signal reads near 0 dB. N is floored at -100 dBFS so clean
    digital audio gives a large finite value. NaN for empty or silent input.
    """
    tr = energy_track(y, sr=sr, hop_s=hop_s, frame_s=frame_s)
    p = 10.0 ** (tr.level_db[tr.level_db > _FLOOR_DB + 1e-6] / 10.0)
    if p.size < 3:
        return _NAN
    noise, loud = np.percentile(p, [10, 95])
    noise = max(noise, 1e-10)
    return float(10.0 * np.log10(max(loud - noise, 1e-10 * noise) / noise))


# ----------------------------------------------------------------------------- words

_CJK = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF))
_EXTRA_VOWELS = set("øœæıаеёиоуыэюяіїєўαεηιουωάέήίόύώϊϋΐΰ")


def _is_vowel(ch: str) -> bool:
    base = unicodedata.normalize("NFD", ch)[0]
    return base in "aeiouy" or ch in _EXTRA_VOWELS or base in _EXTRA_VOWELS


def _english_adjust(word: str, n: int) -> int:
    if n <= 1:
        return n
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and len(word) > 2 and not _is_vowel(word[-2]):
        return n - 1
    if word.endswith("ed") and len(word) > 3 and word[-3] not in "td" and not _is_vowel(word[-3]):
        return n - 1
    if word.endswith("es") and len(word) > 3 and word[-3] not in "sxzhcg" and not _is_vowel(word[-3]):
        return n - 1
    return n


def count_syllables(text: str, *, language: str | None = None) -> int:
    """Estimate the number of syllables in ``text``.

    Latin, Cyrillic and Greek scripts count vowel groups (diacritics are
    folded, so Polish ą/ę, Latvian ā/ē/ī/ū, Lithuanian ų/ė, Romanian ă/â/î all
    count). A vowel-less Latin word of two or more letters ("hmm") counts 1.
    Han, kana and Hangul count one per character; other letters (Hebrew,
    Arabic, ...) one per two letters; digits about 1.5 each. ``language="en"``
    adds English silent-e/-ed/-es rules.
    """
    total = 0.0
    for word in str(text or "").lower().split():
        groups, prev, latin_letters, other, digits = 0, False, 0, 0, 0
        for ch in word:
            if ch.isdigit():
                digits += 1
                prev = False
                continue
            if not ch.isalpha():
                prev = False
                continue
            cp = ord(ch)
            if any(lo <= cp <= hi for lo, hi in _CJK):
                total += 1
                prev = False
            elif _is_vowel(ch):
                groups += 0 if prev else 1
                prev = True
            elif "LATIN" in unicodedata.name(ch, "") or "CYRILLIC" in unicodedata.name(ch, "") \
                    or "GREEK" in unicodedata.name(ch, ""):
                latin_letters += 1
                prev = False
            else:
                other += 1
                prev = False
        if language and language.lower().startswith("en"):
            groups = _english_adjust("".join(c for c in word if c.isalpha()), groups)
        if groups == 0 and latin_letters >= 2:
            groups = 1
        total += groups + math.ceil(other / 2) + 1.5 * digits
    return int(round(total))


def _sorted_words(words: Sequence[_WordLike] | None) -> list[_WordLike]:
    ws = [w for w in (words or ()) if str(getattr(w, "text", "")).strip()
          and math.isfinite(float(w.start_s)) and math.isfinite(float(w.end_s))]
    return sorted(ws, key=lambda w: (float(w.start_s), float(w.end_s)))


def _gaps(ws: list[_WordLike]) -> list[tuple[float, float]]:
    out, end = [], None
    for w in ws:
        if end is not None and float(w.start_s) > end:
            out.append((end, float(w.start_s)))
        end = float(w.end_s) if end is None else max(end, float(w.end_s))
    return out


@dataclass(frozen=True)
class PauseStats:
    """Silent gaps between consecutive words of at least ``min_pause_s``."""

    count: int
    mean_s: float  # NaN when there is no pause
    longest_s: float  # 0.0 when words but no pause, NaN when no words
    count_over_2s: int
    pauses: tuple[tuple[float, float], ...]


def pause_stats(words: Sequence[_WordLike], *, min_pause_s: float = 0.25) -> PauseStats:
    """Pauses between consecutive words (each word: ``.text``, ``.start_s``, ``.end_s``)."""
    ws = _sorted_words(words)
    ps = tuple((a, b) for a, b in _gaps(ws) if b - a >= min_pause_s)
    d = np.array([b - a for a, b in ps])
    if not ps:
        return PauseStats(0, _NAN, 0.0 if ws else _NAN, 0, ())
    return PauseStats(len(ps), float(d.mean()), float(d.max()), int(np.sum(d > 2.0)), ps)


@dataclass(frozen=True)
class RateStats:
    """Speaking rate over the span from the first word's start to the last word's end."""

    words_per_minute: float
    syllables_per_s: float
    articulation_rate_syl_per_s: float  # syllables / (speaking time - pauses >= min_pause_s)
    n_words: int
    speaking_time_s: float
    n_syllables: int = 0


def speaking_rate(words: Sequence[_WordLike], *, min_pause_s: float = 0.25, language: str | None = None) -> RateStats:
    """Words per minute, syllables per second and articulation rate of a word list."""
    ws = _sorted_words(words)
    if not ws:
        return RateStats(_NAN, _NAN, _NAN, 0, 0.0, 0)
    t = max(float(w.end_s) for w in ws) - float(ws[0].start_s)
    syl = sum(count_syllables(w.text, language=language) for w in ws)
    if t <= 0:
        return RateStats(_NAN, _NAN, _NAN, len(ws), 0.0, syl)
    paused = sum(b - a for a, b in _gaps(ws) if b - a >= min_pause_s)
    art = syl / (t - paused) if t - paused > 0 else _NAN
    return RateStats(len(ws) * 60.0 / t, syl / t, art, len(ws), t, syl)


# ----------------------------------------------------------------------------- intonation


def end_intonation(
    track: PitchTrack, *, window_s: float = 0.6, threshold_semitones_per_s: float = 4.0, min_voiced_frames: int = 5
) -> tuple[str | None, float]:
    """Direction of the final pitch movement.

    Takes the voiced frames within ``window_s`` before the last voiced frame,
    fits semitones against time with a Theil-Sen (median of pairwise slopes)
    line, and returns ``("rising" | "falling" | "flat", slope_semitones_per_s)``,
    or ``(None, nan)`` with fewer than ``min_voiced_frames`` voiced frames.
    """
    v = track.voiced & np.isfinite(track.f0_hz)
    if v.sum() < min_voiced_frames:
        return None, _NAN
    t, f = track.times_s[v], track.f0_hz[v]
    m = t >= t[-1] - window_s
    t, st = t[m], 12.0 * np.log2(f[m])
    if len(t) < min_voiced_frames:
        return None, _NAN
    if len(t) > 80:  # keep the pairwise fit cheap
        idx = np.linspace(0, len(t) - 1, 80).astype(int)
        t, st = t[idx], st[idx]
    i, j = np.triu_indices(len(t), k=1)
    dt = t[j] - t[i]
    ok = dt > 0
    if not ok.any():
        return None, _NAN
    slope = float(np.median((st[j] - st[i])[ok] / dt[ok]))
    if slope >= threshold_semitones_per_s:
        return "rising", slope
    if slope <= -threshold_semitones_per_s:
        return "falling", slope
    return "flat", slope


# ----------------------------------------------------------------------------- turns


@dataclass(frozen=True)
class TurnProsody:
    """Every prosody metric of one turn or one speaker; :meth:`to_dict` is JSON-ready."""

    words_per_minute: float
    syllables_per_s: float
    articulation_rate_syl_per_s: float
    pause_count: int
    pause_mean_s: float
    pause_longest_s: float
    pause_count_over_2s: int
    pitch_median_hz: float
    pitch_sd_semitones: float
    pitch_range_semitones: float
    voiced_ratio: float
    energy_dbfs: float
    energy_sd_db: float
    end_intonation: str | None
    end_slope_semitones_per_s: float
    clipping_ratio: float
    snr_db: float
    duration_s: float
    n_words: int

    def to_dict(self) -> dict[str, Any]:
        """Plain floats, ints, str and None (NaN and inf become None)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, (float, np.floating)):
                v = float(v) if math.isfinite(v) else None
            elif isinstance(v, (np.integer, np.bool_)):
                v = v.item()
            out[f.name] = v
        return out


def turn_prosody(
    y: np.ndarray,
    *,
    sr: int,
    words: Sequence[_WordLike],
    start_s: float,
    end_s: float,
    pitch: PitchTrack | None = None,
    energy: EnergyTrack | None = None,
    offset_s: float = 0.0,
    min_pause_s: float = 0.25,
    language: str | None = None,
) -> TurnProsody:
    """Prosody of the turn ``[start_s, end_s)`` of a channel.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        The whole channel; sample 0 is at time ``offset_s``.
    sr : int
    words : sequence of objects with ``.text``, ``.start_s``, ``.end_s``
        Words overlapping the turn are used (times on the same clock as ``start_s``).
    start_s, end_s : float
        The turn, in seconds on the call's clock.
    pitch, energy : PitchTrack, EnergyTrack, optional
        Whole-channel tracks (times relative to sample 0), sliced to the turn;
        computed on the turn's samples when absent. Computing them once per
        channel is what keeps many turns fast.
    offset_s : float
        Time of sample 0 on the call's clock.
    """
    y = _mono(y)
    a_s, b_s = start_s - offset_s, end_s - offset_s
    i0 = int(np.clip(round(a_s * sr), 0, len(y))) if sr > 0 else 0
    i1 = int(np.clip(round(b_s * sr), i0, len(y))) if sr > 0 else 0
    seg = y[i0:i1]
    ws = [w for w in _sorted_words(words) if float(w.end_s) > start_s and float(w.start_s) < end_s]
    rate = speaking_rate(ws, min_pause_s=min_pause_s, language=language)
    ps = pause_stats(ws, min_pause_s=min_pause_s)
    pt = pitch.slice(a_s, b_s) if pitch is not None else pitch_track(seg, sr=sr)
    et = energy.slice(a_s, b_s) if energy is not None else energy_track(seg, sr=sr)
    pst, est = pitch_stats(pt), energy_stats(et)
    direction, slope = end_intonation(pt)
    return TurnProsody(
        words_per_minute=rate.words_per_minute,
        syllables_per_s=rate.syllables_per_s,
        articulation_rate_syl_per_s=rate.articulation_rate_syl_per_s,
        pause_count=ps.count,
        pause_mean_s=ps.mean_s,
        pause_longest_s=ps.longest_s,
        pause_count_over_2s=ps.count_over_2s,
        pitch_median_hz=pst.median_hz,
        pitch_sd_semitones=pst.sd_semitones,
        pitch_range_semitones=pst.range_semitones,
        voiced_ratio=pst.voiced_ratio,
        energy_dbfs=est.level_dbfs,
        energy_sd_db=est.sd_db,
        end_intonation=direction,
        end_slope_semitones_per_s=slope,
        clipping_ratio=clipping_ratio(seg),
        snr_db=snr_estimate_db(seg, sr=sr) if sr > 0 else _NAN,
        duration_s=max(0.0, float(end_s - start_s)),
        n_words=rate.n_words,
    )


# -- the stage: a call's turns and speakers --------------------------------------------------------

#: A signal's pitch and energy tracks.
Tracks = tuple[PitchTrack, EnergyTrack]


@dataclass(frozen=True)
class ProsodyOptions:
    """How a call's prosody is measured.

    Attributes
    ----------
    pitch_fmin_hz, pitch_fmax_hz : float
        The pitch tracker's search range.
    """

    pitch_fmin_hz: float = 65.0
    pitch_fmax_hz: float = 400.0


@dataclass(frozen=True)
class CallProsody:
    """The prosody stage's result: the turns with their prosody, the speakers with theirs, and the tracks.

    Attributes
    ----------
    segments : tuple of Segment
        The turns, each with its ``prosody`` (:class:`TurnProsody` as a dict).
    speakers : tuple of Speaker
    tracks : dict speaker id -> (PitchTrack, EnergyTrack)
        Empty for a call with no words.
    warnings : tuple of str
    """

    segments: tuple[Segment, ...]
    speakers: tuple[Speaker, ...]
    tracks: Mapping[str, Tracks]
    warnings: tuple[str, ...] = ()


def tracks_of(signals: Sequence[np.ndarray], *, sr: int, options: ProsodyOptions = ProsodyOptions()) -> dict[int, Tracks]:
    """Pitch and energy tracks of each signal, by ``id`` (the speakers diarized from one signal share it)."""
    return {id(y): (pitch_track(y, sr=sr, fmin_hz=options.pitch_fmin_hz, fmax_hz=options.pitch_fmax_hz),
                    energy_track(y, sr=sr)) for y in signals}


def measure_call(channels: Sequence[Channel], segments: Sequence[Segment], by_signal: Mapping[int, Tracks], *,
                 roles: Mapping[str, str], sr: int, language: str | None) -> CallProsody:
    """Each turn's prosody and each speaker's (``by_signal`` from :func:`tracks_of`; empty when no words)."""
    tracks = {c.id: by_signal[id(c.raw)] for c in channels} if by_signal else {}
    by_id = {c.id: c for c in channels}
    segs = tuple(replace(s, prosody=turn_prosody(by_id[s.speaker].raw, sr=sr, words=s.words, start_s=s.start_s,
                                                 end_s=s.end_s, pitch=tracks[s.speaker][0], energy=tracks[s.speaker][1],
                                                 language=language).to_dict()) for s in segments)
    speakers = []
    for c in channels:
        mine = [s for s in segs if s.speaker == c.id]
        sp = speaker_prosody(c.raw, mine, tracks.get(c.id), sr, language=language) if mine else {}
        speakers.append(Speaker(id=c.id, role=roles[c.id], talk_time_s=round(sum(s.end_s - s.start_s for s in mine), 2),
                                channel=c.index, prosody=sp))
    return CallProsody(segs, tuple(speakers), tracks)


def _concat_tracks(tracks: Sequence[PitchTrack]) -> PitchTrack:
    if not tracks:
        return PitchTrack(np.zeros(0), np.zeros(0), np.zeros(0, bool), 0.01)
    return PitchTrack(
        times_s=np.concatenate([t.times_s for t in tracks]),
        f0_hz=np.concatenate([t.f0_hz for t in tracks]),
        voiced=np.concatenate([t.voiced for t in tracks]),
        hop_s=tracks[0].hop_s,
    )


def speaker_prosody(raw: np.ndarray, segs: Sequence[Segment], tracks: Tracks, sr: int, *,
                    language: str | None = None) -> dict[str, Any]:
    """Whole-speaker prosody: rates over all turns' words (syllables counted by ``language``'s rule), pitch and energy
    over all turn frames. ``raw`` is the speaker's signal."""
    pitch, energy = tracks
    words = [w for s in segs for w in s.words]
    talk = sum(s.end_s - s.start_s for s in segs)
    n_syl = sum(count_syllables(w.text, language=language) for w in words)
    pauses = [pause_stats(s.words) for s in segs]
    pause_time = sum(p.mean_s * p.count for p in pauses if p.count and math.isfinite(p.mean_s))
    pst = pitch_stats(_concat_tracks([pitch.slice(s.start_s, s.end_s) for s in segs]))
    e_sl = [energy.slice(s.start_s, s.end_s) for s in segs]
    est = energy_stats(EnergyTrack(np.concatenate([e.times_s for e in e_sl]), np.concatenate([e.level_db for e in e_sl]),
                                   energy.hop_s))
    spans = [raw[int(s.start_s * sr): int(s.end_s * sr)] for s in segs]
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
        "clipping_percent": 100.0 * clipping_ratio(y) if y.size else None,
        "snr_db": snr_estimate_db(raw, sr=sr),
        "n_words": len(words),
        "talk_time_s": talk,
    }
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else (round(v, 4) if isinstance(v, float) else v))
            for k, v in out.items()}


def phrases(segs: Sequence[Segment], agent: str | None, channels: Mapping[str, Any], tracks: Mapping[str, Tracks],
            sr: int, max_s: float, *, language: str | None = None) -> list[Segment]:
    """The agent's turns, long ones cut into phrases, each with its own prosody (for feedback).

    ``channels`` maps each speaker to its channel (anything with the speaker's samples as ``raw``).
    """
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
            pro = turn_prosody(channels[s.speaker].raw, sr=sr, words=ws, start_s=a, end_s=b, pitch=pitch, energy=energy,
                               language=language).to_dict()
            # the pace of a phrase runs until the next phrase starts, so its pause counts as it does in the turn's pace
            until = runs[k + 1][0].start_s if k + 1 < len(runs) else b
            if until > a:
                pro["words_per_minute"] = 60.0 * len(ws) / (until - a)
                pro["syllables_per_s"] = sum(count_syllables(w.text, language=language) for w in ws) / (until - a)
            out.append(Segment(start_s=a, end_s=b, speaker=s.speaker, text=join_words(ws), words=tuple(ws), prosody=pro))
    return out
