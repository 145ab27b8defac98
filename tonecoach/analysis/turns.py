"""Turns: each speaker's words cut into turns, turns ordered in time, long turns cut into phrases."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from ..report import Segment, Word

__all__ = ["TurnOptions", "Turns", "build_turns", "find_turns", "join_words", "redacted", "split_phrases",
           "turn_segments"]

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


# -- the stage --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TurnOptions:
    """How words become turns.

    Attributes
    ----------
    max_gap_s : float
        A silence longer than this ends a speaker's turn.
    """

    max_gap_s: float = 3.0


@dataclass(frozen=True)
class Turns:
    """The call's turns in time order (the turns stage's result): one :class:`Segment` each, no prosody yet."""

    segments: tuple[Segment, ...]
    warnings: tuple[str, ...] = ()


def find_turns(words_by_speaker: dict[str, Sequence[Word]], *, options: TurnOptions = TurnOptions()) -> Turns:
    """Each speaker's words cut into turns (:func:`build_turns`), as segments in time order."""
    return Turns(tuple(turn_segments(build_turns(words_by_speaker, max_gap_s=options.max_gap_s))))


def redacted(segments: Sequence[Segment]) -> list[Segment]:
    """The turns with card numbers, phone numbers and e-mail addresses masked in their text and words."""
    from ..redact import redact_text, redact_words

    out = []
    for s in segments:
        text, _ = redact_text(s.text)
        out.append(replace(s, text=text, words=tuple(redact_words(s.words))))
    return out
