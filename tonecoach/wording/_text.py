"""Unicode-aware tokenisation for the wording markers.

A token is a run of word characters (letters, digits, combining marks),
optionally joined by apostrophes or hyphens ("can't", "s-ar",
"permiteți-mi"). Each token keeps its character offsets in the original
text, the sentence it belongs to, and the text between it and its
neighbours (to tell "like," from "I'd like").

Matching compares *normalised* token forms: NFKC, case-folded, typographic
apostrophes made ASCII, Hebrew points removed, plus per-language character
maps and optional diacritic folding (Romanian text is often typed without
diacritics).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Mapping

__all__ = ["Token", "tokenize", "normalize_token", "fold_diacritics"]

# Combining marks that Python's ``\w`` does not match: Latin combining
# diacritics (decomposed input), Hebrew points and cantillation, Arabic
# harakat, extended marks.
_MARKS = "\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7\u0610-\u061a\u064b-\u065f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_WORD = rf"[\w{_MARKS}]+"
_JOINERS = "'\u2019\u02bc\u2018\\-\u2010\u2011\u05be"  # apostrophes, hyphens, Hebrew maqaf
_TOKEN_RE = re.compile(rf"{_WORD}(?:[{_JOINERS}]{_WORD})*")
# A sentence ends at "!", "?", "…" (and CJK/Arabic forms), at a newline, or
# at a full stop followed by a space ("2.4" and "e.g" do not end one).
_SENTENCE_END_RE = re.compile(r"[!?\u2026\u061f\u3002\uff01\uff1f\n]|\.[^\w]*\s")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "\u2018": "'", "\u2010": "-", "\u2011": "-"})
_HEBREW_POINTS_RE = re.compile("[\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7]")


@dataclass(frozen=True)
class Token:
    """One word of an utterance.

    ``start``/``end`` are character offsets into the original text (``end``
    exclusive); ``norm`` is the normalised form used for matching;
    ``sentence`` the 0-based sentence index; ``before``/``after`` the raw text
    between this token and the previous/next one (or the text edge).
    """

    text: str
    norm: str
    start: int
    end: int
    sentence: int
    before: str
    after: str


def fold_diacritics(s: str) -> str:
    """Remove combining marks after NFD decomposition ("ă" -> "a", "ț" -> "t")."""
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))


def normalize_token(s: str, *, char_map: Mapping[str, str] | None = None, fold: bool = False) -> str:
    """The matching form of a token or pattern word.

    NFKC, case-folded, apostrophes and hyphens made ASCII, Hebrew points
    removed, then ``char_map`` applied and, when ``fold``, diacritics removed.
    """
    s = unicodedata.normalize("NFKC", s).translate(_APOSTROPHES).casefold()
    s = _HEBREW_POINTS_RE.sub("", s)
    if char_map:
        s = "".join(char_map.get(c, c) for c in s)
    if fold:
        s = fold_diacritics(s)
    return s


def tokenize(text: str, *, char_map: Mapping[str, str] | None = None, fold: bool = False) -> tuple[Token, ...]:
    """Split ``text`` into :class:`Token` objects with offsets and sentence indices.

    Sentences end at ``! ? …`` (and their CJK/Arabic forms), a newline, or
    a full stop followed by white space ("2.4" does not end a sentence).
    """
    spans = [(m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]
    tokens: list[Token] = []
    sentence = 0
    prev_end = 0
    for i, (s, e) in enumerate(spans):
        gap = text[prev_end:s]
        if i > 0 and _SENTENCE_END_RE.search(gap):
            sentence += 1
        nxt = spans[i + 1][0] if i + 1 < len(spans) else len(text)
        raw = text[s:e]
        tokens.append(
            Token(
                text=raw,
                norm=normalize_token(raw, char_map=char_map, fold=fold),
                start=s,
                end=e,
                sentence=sentence,
                before=gap,
                after=text[e:nxt],
            )
        )
        prev_end = e
    return tuple(tokens)
