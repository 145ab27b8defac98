"""Who speaks when, for channel-separated calls, and which party is the agent.

On a two-channel call each channel is one party. Telephone hybrids leak each
party faintly into the other channel ("bleed"): :func:`dominance_mask` finds
the frames where a channel is much quieter than the other, so that bleed is
muted before transcription and words heard only as bleed are dropped after it
(:func:`is_bleed`). :func:`choose_agent` decides which party is the agent from
what each says first (greetings, the company phrase) and who speaks first,
and says how it decided.
"""

from __future__ import annotations

import bisect
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from .report import AgentDecision, Segment, Word

__all__ = [
    "frame_db",
    "dominance_mask",
    "apply_mask",
    "is_bleed",
    "channel_relation",
    "choose_agent",
    "build_turns",
    "split_phrases",
    "AgentCue",
]

_CUES = Path(__file__).resolve().parent / "data" / "agent_cues.toml"


def frame_db(y: np.ndarray, *, sr: int, hop_s: float = 0.02) -> np.ndarray:
    """RMS level of non-overlapping frames in dBFS, shape (n_frames,)."""
    hop = max(1, int(round(hop_s * sr)))
    n = len(y) // hop
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    frames = y[: n * hop].reshape(n, hop).astype(np.float64)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    return (20 * np.log10(np.maximum(rms, 1e-7))).astype(np.float32)


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
    gain = np.convolve(gain, np.ones(f) / f, mode="same").astype(np.float32)
    return (y * gain).astype(np.float32)


def is_bleed(word: Word, own: np.ndarray, other: np.ndarray, *, sr: int, margin_db: float = 20.0) -> bool:
    """True when a word heard in ``own`` is louder in ``other``: it is the other party's bleed."""
    i, j = int(word.start_s * sr), max(int(word.end_s * sr), int(word.start_s * sr) + 1)
    seg_a, seg_b = own[i:j], other[i:j]
    if len(seg_a) == 0:
        return False
    ea = 10 * np.log10(np.mean(seg_a.astype(np.float64) ** 2) + 1e-14)
    eb = 10 * np.log10(np.mean(seg_b.astype(np.float64) ** 2) + 1e-14)
    return bool(ea < eb - margin_db)


def channel_relation(left: np.ndarray, right: np.ndarray) -> str:
    """``"separate"``, ``"identical"`` (the same signal twice) or ``"one-silent"``."""
    el, er = float(np.mean(left**2)), float(np.mean(right**2))
    if min(el, er) < 1e-10 or 10 * np.log10((min(el, er) + 1e-14) / (max(el, er) + 1e-14)) < -40:
        return "one-silent"
    diff = float(np.mean((left - right) ** 2))
    if diff < 1e-3 * max(el, er):
        return "identical"
    n = min(len(left), len(right))
    if n > 0:
        c = float(np.corrcoef(left[:n], right[:n])[0, 1]) if np.std(left) > 0 and np.std(right) > 0 else 0.0
        if c > 0.98:
            return "identical"
    return "separate"


# -- the agent --------------------------------------------------------------------------


@dataclass(frozen=True)
class AgentCue:
    language: str
    kind: str
    pattern: re.Pattern


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text.lower())
    return re.sub(r"[^\w\s']", " ", text)


def _load_cues() -> list[AgentCue]:
    with open(_CUES, "rb") as fh:
        data = tomllib.load(fh)
    cues = []
    for lang, kinds in data.get("cues", {}).items():
        for kind, phrases in kinds.items():
            for p in phrases:
                cues.append(AgentCue(lang, kind, re.compile(r"(?<!\w)" + p + r"(?!\w)", re.IGNORECASE)))
    return cues


def choose_agent(opening: dict[str, str], first_start_s: dict[str, float], *, weights: dict[str, float] | None = None) -> AgentDecision:
    """Decide which speaker is the agent.

    Parameters
    ----------
    opening : dict speaker id -> the text of that speaker's opening (first ~30 s)
    first_start_s : dict speaker id -> when that speaker first speaks (inf if never)

    The speaker whose opening has the most agent cues (greetings to a caller,
    the company phrase, "how can I help") is the agent; with no cues or a tie,
    whoever speaks first is (agents usually answer with a greeting).
    """
    weights = weights or {"company_greeting": 3.0, "offer_help": 2.0, "self_intro": 2.0, "greeting": 0.5}
    cues = _load_cues()
    scores: dict[str, float] = {}
    hits: dict[str, list[str]] = {}
    for spk, text in opening.items():
        t = _norm(text)
        found = []
        for cue in cues:
            m = cue.pattern.search(t)
            if m:
                found.append((cue.kind, m.group(0)))
        uniq = {(k, s) for k, s in found}
        scores[spk] = sum(weights.get(k, 1.0) for k, _ in uniq)
        hits[spk] = sorted({s.strip() for _, s in uniq})
    ranked = sorted(scores, key=lambda s: (-scores[s], first_start_s.get(s, float("inf"))))
    if not ranked:
        return AgentDecision(None, "none", "no speech in any channel", 0.0)
    best = ranked[0]
    second = scores[ranked[1]] if len(ranked) > 1 else 0.0
    if scores[best] > second:
        margin = scores[best] - second
        conf = min(0.95, 0.6 + 0.1 * margin)
        quoted = ", ".join(f"'{h}'" for h in hits[best][:3])
        return AgentDecision(best, "greeting", f"{best} opens with agent phrases ({quoted})", round(conf, 2))
    speakers = [s for s in first_start_s if np.isfinite(first_start_s[s])]
    if not speakers:
        return AgentDecision(ranked[0], "default", "nobody speaks; first channel assumed", 0.3)
    first = min(speakers, key=lambda s: first_start_s[s])
    return AgentDecision(first, "first-speaker", f"no greeting phrases told them apart; {first} speaks first "
                         f"(at {first_start_s[first]:.1f} s)", 0.55)


# -- turns ------------------------------------------------------------------------------


def build_turns(words_by_speaker: dict[str, Sequence[Word]], *, max_gap_s: float = 1.5) -> list[tuple[str, list[Word]]]:
    """Cut each speaker's words into turns and order the turns in time.

    A speaker's turn ends after a silence longer than ``max_gap_s``, or when
    another speaker says a whole word inside the gap (the floor changed
    hands). Turns of different speakers may overlap (overtalk). Returns
    (speaker, words) sorted by start time.
    """
    starts = {spk: sorted(w.start_s for w in ws) for spk, ws in words_by_speaker.items()}
    ends = {spk: sorted(w.end_s for w in ws) for spk, ws in words_by_speaker.items()}

    def other_spoke(spk: str, a: float, b: float) -> bool:
        for o in starts:
            if o == spk:
                continue
            i = bisect.bisect_left(starts[o], a)
            if i < len(starts[o]) and starts[o][i] < b and bisect.bisect_right(ends[o], b) > bisect.bisect_left(ends[o], a):
                return True
        return False

    turns: list[tuple[str, list[Word]]] = []
    for spk, ws in words_by_speaker.items():
        cur: list[Word] = []
        for w in sorted(ws, key=lambda w: w.start_s):
            if cur and (w.start_s - cur[-1].end_s > max_gap_s or other_spoke(spk, cur[-1].end_s, w.start_s)):
                turns.append((spk, cur))
                cur = []
            cur.append(w)
        if cur:
            turns.append((spk, cur))
    turns.sort(key=lambda t: (t[1][0].start_s, t[0]))
    return turns


def join_words(words: Sequence[Word]) -> str:
    """Text of a word run, with the spacing Whisper's tokens imply."""
    return " ".join(w.text for w in words).strip()


def turn_segments(turns: list[tuple[str, list[Word]]]) -> list[Segment]:
    return [Segment(start_s=ws[0].start_s, end_s=ws[-1].end_s, speaker=spk, text=join_words(ws), words=tuple(ws))
            for spk, ws in turns]


_SENTENCE_END = (".", "?", "!", "…", "。", "؟")


def split_phrases(words: Sequence[Word], *, max_s: float = 12.0, min_s: float = 3.0, pause_s: float = 0.5) -> list[list[Word]]:
    """Cut one long turn into phrases a coach can point at.

    A phrase ends at the end of a sentence (the word carries ., ? or !) or
    at a pause of at least ``pause_s``, once it is ``min_s`` long; a stretch
    longer than ``max_s`` with no such place is cut at its longest pause.
    A turn no longer than ``max_s`` is one phrase. Returns word runs in
    order; together they hold every word once.
    """
    ws = list(words)
    if not ws or ws[-1].end_s - ws[0].start_s <= max_s:
        return [ws] if ws else []
    out: list[list[Word]] = []
    cur: list[Word] = []
    for i, w in enumerate(ws):
        cur.append(w)
        nxt = ws[i + 1] if i + 1 < len(ws) else None
        if nxt is None:
            break
        long_enough = w.end_s - cur[0].start_s >= min_s
        boundary = w.text.rstrip("\"')»”").endswith(_SENTENCE_END) or nxt.start_s - w.end_s >= pause_s
        if long_enough and boundary:
            out.append(cur)
            cur = []
        elif nxt.end_s - cur[0].start_s > max_s and len(cur) > 1:
            gaps = [cur[j + 1].start_s - cur[j].end_s for j in range(len(cur) - 1)]
            cut = int(np.argmax(gaps)) + 1
            out.append(cur[:cut])
            cur = cur[cut:]
    if cur:
        if out and cur[-1].end_s - cur[0].start_s < min_s / 2 and cur[-1].end_s - out[-1][0].start_s <= max_s:
            out[-1].extend(cur)  # a short tail joins the phrase before it
        else:
            out.append(cur)
    return out
