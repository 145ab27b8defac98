"""The parties of a call, one per channel, and the bleed between them.

On a two-channel call each channel is one party. Telephone hybrids leak each
party faintly into the other channel ("bleed"): :func:`dominance_mask` finds
the frames where a channel is much quieter than the other, so that bleed is
muted before transcription and words heard only as bleed are dropped after it
(:func:`is_bleed`); a word heard on both channels at once stays on the louder
one (:func:`drop_echoed_words`). :func:`split_channels` is the stage; which party is the agent is decided in
:mod:`tonecoach.analysis.agent`.
"""

from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from ..report import Word

if TYPE_CHECKING:
    from .audio import Audio

__all__ = [
    "frame_db",
    "dominance_mask",
    "apply_mask",
    "is_bleed",
    "drop_echoed_words",
    "channel_relation",
    "Channel",
    "ChannelOptions",
    "Channels",
    "keep_own_words",
    "split_channels",
]

log = logging.getLogger("tonecoach")

_BLOCK = 1 << 16  # frames (or 16 x this many samples) per block in whole-channel arithmetic


def frame_db(y: np.ndarray, *, sr: int, hop_s: float = 0.02) -> np.ndarray:
    """RMS level of non-overlapping frames in dBFS, shape (n_frames,)."""
    hop = max(1, int(round(hop_s * sr)))
    n = len(y) // hop
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    frames = np.ascontiguousarray(y[: n * hop], dtype=np.float32).reshape(n, hop)
    ms = np.empty(n, dtype=np.float64)
    for a in range(0, n, _BLOCK):  # in blocks: no full-length float64 copy of a 3-hour channel
        block = frames[a: a + _BLOCK].astype(np.float64)
        ms[a: a + _BLOCK] = np.einsum("ij,ij->i", block, block) / hop
    return (10 * np.log10(np.maximum(ms, 1e-14))).astype(np.float32)


def dominance_mask(
    own: np.ndarray, other: np.ndarray, *, sr: int, hop_s: float = 0.02, margin_db: float = 20.0, hangover_s: float = 0.2
) -> np.ndarray:
    """Frames where ``own`` carries its own party, not bleed from ``other``.

    A frame is bleed when the own channel is more than ``margin_db`` quieter
    than the other channel (hybrid bleed is typically 20-30 dB down, while a
    party talking over the other is rarely 20 dB quieter); bleed frames are
    dilated by ``hangover_s`` over frames still 15 dB or more below the other
    channel, so the other party's word edges are covered too. Returns a boolean array, one value per ``hop_s`` frame
    (True = keep).
    """
    a, b = frame_db(own, sr=sr, hop_s=hop_s), frame_db(other, sr=sr, hop_s=hop_s)
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    bleed = a < b - margin_db
    k = int(round(hangover_s / hop_s))
    if k > 0 and bleed.any():
        kernel = np.ones(2 * k + 1)
        dilated = np.convolve(bleed.astype(float), kernel, mode="same") > 0
        # only extend the mask over frames that are not clearly the own party's
        bleed = bleed | (dilated & (a < b - (margin_db - 5.0)))
    return ~bleed


def apply_mask(y: np.ndarray, keep: np.ndarray, *, sr: int, hop_s: float = 0.02, fade_s: float = 0.01) -> np.ndarray:
    """Mute the frames of ``y`` where ``keep`` is False, with short fades (no clicks)."""
    hop = max(1, int(round(hop_s * sr)))
    gain = np.repeat(keep.astype(np.float32), hop)
    if len(gain) < len(y):
        gain = np.concatenate([gain, np.full(len(y) - len(gain), gain[-1] if len(gain) else 1.0, np.float32)])
    gain = gain[: len(y)]
    f = max(1, int(fade_s * sr))
    gain = np.convolve(gain, np.full(f, 1.0 / f, dtype=np.float32), mode="same")
    gain *= y
    return gain


def is_bleed(word: Word, own: np.ndarray, other: np.ndarray, *, sr: int, margin_db: float = 20.0) -> bool:
    """True when a word heard in ``own`` is louder in ``other``: it is the other party's bleed."""
    i, j = int(word.start_s * sr), max(int(word.end_s * sr), int(word.start_s * sr) + 1)
    seg_a, seg_b = own[i:j], other[i:j]
    if len(seg_a) == 0:
        return False
    ea = 10 * np.log10(np.mean(seg_a.astype(np.float64) ** 2) + 1e-14)
    eb = 10 * np.log10(np.mean(seg_b.astype(np.float64) ** 2) + 1e-14)
    return bool(ea < eb - margin_db)


def drop_echoed_words(words_a: Sequence[Word], words_b: Sequence[Word], a: np.ndarray, b: np.ndarray, *,
                      sr: int, min_overlap: float = 0.5) -> tuple[list[Word], list[Word]]:
    """Keep a word heard on both channels at the same time only on the channel where it is louder.

    Crosstalk that is less than the bleed margin down is transcribed on both
    channels; the same word (same letters, overlapping by ``min_overlap`` of
    the shorter) then belongs to the party on whose channel it is louder.
    Returns the two word lists with the echoes removed.
    """
    def norm(t: str) -> str:
        return re.sub(r"[^\w']", "", t.lower())

    def level(y: np.ndarray, w: Word) -> float:
        i, j = int(w.start_s * sr), max(int(w.end_s * sr), int(w.start_s * sr) + 1)
        seg = y[i:j].astype(np.float64)
        return float(np.mean(seg ** 2)) if len(seg) else 0.0

    drop_a: set[int] = set()
    drop_b: set[int] = set()
    order_b = sorted(range(len(words_b)), key=lambda k: words_b[k].start_s)
    sorted_starts = [words_b[k].start_s for k in order_b]
    for i, wa in enumerate(words_a):
        lo = bisect.bisect_left(sorted_starts, wa.start_s - 5.0)
        for k in order_b[lo:]:
            wb = words_b[k]
            if wb.start_s > wa.end_s:
                break
            overlap = min(wa.end_s, wb.end_s) - max(wa.start_s, wb.start_s)
            shorter = max(1e-3, min(wa.end_s - wa.start_s, wb.end_s - wb.start_s))
            if overlap / shorter >= min_overlap and norm(wa.text) == norm(wb.text) != "":
                if level(a, wa) >= level(b, wb):
                    drop_b.add(k)
                else:
                    drop_a.add(i)
    return ([w for i, w in enumerate(words_a) if i not in drop_a], [w for k, w in enumerate(words_b) if k not in drop_b])


def channel_relation(left: np.ndarray, right: np.ndarray) -> str:
    """``"separate"``, ``"identical"`` (the same signal twice) or ``"one-silent"``."""
    n = min(len(left), len(right))
    if n == 0:
        return "one-silent"
    # sums in float64, block by block: no full-length temporaries on a long call
    sl = sr_ = sll = srr = slr = 0.0
    for a in range(0, n, 16 * _BLOCK):
        x, y = left[a: min(n, a + 16 * _BLOCK)].astype(np.float64), right[a: min(n, a + 16 * _BLOCK)].astype(np.float64)
        sl, sr_, sll, srr, slr = sl + x.sum(), sr_ + y.sum(), sll + x @ x, srr + y @ y, slr + x @ y
    el, er = sll / n, srr / n
    if min(el, er) < 1e-10 or 10 * np.log10((min(el, er) + 1e-14) / (max(el, er) + 1e-14)) < -40:
        return "one-silent"
    diff = el + er - 2.0 * slr / n  # mean of (left - right) ** 2
    if diff < 1e-3 * max(el, er):
        return "identical"
    var_l, var_r = el - (sl / n) ** 2, er - (sr_ / n) ** 2
    c = (slr / n - sl * sr_ / n**2) / np.sqrt(var_l * var_r) if var_l > 0 and var_r > 0 else 0.0
    return "identical" if c > 0.98 else "separate"


# -- the stage: one party per channel ------------------------------------------------------


@dataclass(frozen=True)
class ChannelOptions:
    """How the parties are told apart on a two-channel call.

    Attributes
    ----------
    bleed_margin_db : float
        A frame (or a word) this much quieter than on the other channel is the other party's bleed.
    """

    bleed_margin_db: float = 20.0


@dataclass(frozen=True)
class Channel:
    """One party's view of the audio: raw samples, and which frames are its own (not bleed)."""

    id: str
    index: int | None
    raw: np.ndarray
    keep: np.ndarray | None = None  # per 20 ms frame; None = all

    def for_asr(self, sr: int) -> np.ndarray:
        """What to transcribe: the raw samples with the other party's bleed muted (made when needed, not kept)."""
        return self.raw if self.keep is None else apply_mask(self.raw, self.keep, sr=sr)


@dataclass(frozen=True)
class Channels:
    """The call's channels, each one party (or, for a mono recording, one track of several voices)."""

    channels: tuple[Channel, ...]
    warnings: tuple[str, ...] = ()

    @property
    def one_voice_track(self) -> bool:
        """A mono recording (not the one live channel of a two-channel call: that is one party)."""
        return len(self.channels) == 1 and self.channels[0].index is None


def split_channels(audio: Audio, *, options: ChannelOptions = ChannelOptions()) -> Channels:
    """The parties of ``audio``: one mono track, one live channel, or two channels with their bleed found."""
    if audio.channels == 1:
        return Channels((Channel("S1", None, audio.samples[0]),))
    left, right = audio.samples[0], audio.samples[1]
    rel = channel_relation(left, right)
    if rel == "identical":
        return Channels((Channel("S1", None, audio.mono),), ("both channels carry the same signal; analysed as mono",))
    if rel == "one-silent":
        idx = 0 if np.mean(left**2) >= np.mean(right**2) else 1
        y = audio.samples[idx]
        name = "left" if idx == 0 else "right"
        return Channels((Channel(name, idx, y),), (f"only the {name} channel has sound; analysed as one speaker",))
    sr, m = audio.sample_rate, options.bleed_margin_db
    keep_l, keep_r = dominance_mask(left, right, sr=sr, margin_db=m), dominance_mask(right, left, sr=sr, margin_db=m)
    return Channels((Channel("left", 0, left, keep_l), Channel("right", 1, right, keep_r)))


def keep_own_words(words_by: dict[str, list[Word]], channels: Sequence[Channel], *, sr: int,
                   options: ChannelOptions = ChannelOptions()) -> dict[str, list[Word]]:
    """On a two-channel call, each channel's words without those heard only as the other party's bleed
    (:func:`is_bleed`) and without the echoes of words said on the other channel (:func:`drop_echoed_words`)."""
    if len(channels) != 2:
        return words_by
    out = dict(words_by)
    for ch in channels:
        other = next(c for c in channels if c.id != ch.id)
        ws = out[ch.id]
        kept = [w for w in ws if not is_bleed(w, ch.raw, other.raw, sr=sr, margin_db=options.bleed_margin_db)]
        if len(kept) < len(ws):
            log.info("%s: dropped %d word(s) heard only as bleed", ch.id, len(ws) - len(kept))
        out[ch.id] = kept
    (l_id, l_raw), (r_id, r_raw) = ((c.id, c.raw) for c in channels)
    before = len(out[l_id]) + len(out[r_id])
    out[l_id], out[r_id] = drop_echoed_words(out[l_id], out[r_id], l_raw, r_raw, sr=sr)
    if len(out[l_id]) + len(out[r_id]) < before:
        log.info("dropped %d word(s) heard on both channels", before - len(out[l_id]) - len(out[r_id]))
    return out
