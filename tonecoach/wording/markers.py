"""Explainable wording markers: which phrases of an utterance help or hurt, and where.

>>> ms = find_markers("I'm so sorry, let me fix it for you.", language="en")
>>> [(m.category, m.text) for m in ms]  # doctest: +SKIP
[('apology', "I'm so sorry"), ('ownership', 'let me fix')]

Each :class:`Marker` carries its span as token indices (``token_start`` to
``token_end``, end exclusive), character offsets into the text, and, when the
caller passes word timestamps, ``start_s``/``end_s``.
"""

from __future__ import annotations

import bisect
import difflib
import logging
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Mapping, Protocol, Sequence

from ._text import Token, tokenize
from .lexicon import Category, Lexicon, PatternEntry, _PTok, load_lexicon

__all__ = ["TimedWord", "Marker", "find_markers", "count_words"]

log = logging.getLogger("tonecoach")

_OPEN_PUNCT = set(",;:\u2014\u2013(\"\u201c\u201e\u00ab")
_CLOSE_PUNCT = set(",;:.!?\u2026\u2014\u2013)\"\u201d\u00bb")


class TimedWord(Protocol):
    """Anything with ``text``, ``start_s`` and ``end_s`` (e.g. :class:`tonecoach.report.Word`)."""

    text: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Marker:
    """One wording marker found in an utterance.

    ``token_start``/``token_end`` index the utterance's tokens (end
    exclusive); ``char_start``/``char_end`` the text (end exclusive).
    ``start_s``/``end_s`` are set when word timestamps were given.
    ``effect`` is ``helps``, ``hurts`` or ``neutral``; ``suggestion`` a
    rewording from the phrasebook for hurting phrases.
    """

    category: str
    label: str
    effect: str
    group: str
    text: str
    pattern: str
    token_start: int
    token_end: int
    char_start: int
    char_end: int
    start_s: float | None = None
    end_s: float | None = None
    suggestion: str | None = None
    suggestion_why: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if self.start_s is None:
            d.pop("start_s")
            d.pop("end_s")
        if self.suggestion is None:
            d.pop("suggestion")
            d.pop("suggestion_why")
        return d


# -- index over a lexicon --------------------------------------------------------------


@dataclass(frozen=True)
class _Index:
    by_literal: Mapping[str, tuple[tuple[Category, PatternEntry], ...]]
    by_initial: Mapping[str, tuple[tuple[Category, PatternEntry], ...]]
    anywhere: tuple[tuple[Category, PatternEntry], ...]
    regexes: tuple[tuple[Category, PatternEntry], ...]


_INDEXES: dict[int, tuple[Lexicon, _Index]] = {}


def _index(lex: Lexicon) -> _Index:
    hit = _INDEXES.get(id(lex))
    if hit is not None and hit[0] is lex:
        return hit[1]
    lit: dict[str, list] = {}
    ini: dict[str, list] = {}
    anywhere: list = []
    regexes: list = []
    for cat in lex.categories.values():
        for e in cat.entries:
            if e.regex is not None:
                regexes.append((cat, e))
                continue
            first = e.toks[0]
            if first.optional:
                anywhere.append((cat, e))
                continue
            for w in first.lits:
                lit.setdefault(w, []).append((cat, e))
            for p in first.prefixes:
                ini.setdefault(p[0], []).append((cat, e))
    idx = _Index(
        {k: tuple(v) for k, v in lit.items()},
        {k: tuple(v) for k, v in ini.items()},
        tuple(anywhere),
        tuple(regexes),
    )
    _INDEXES[id(lex)] = (lex, idx)
    return idx


# -- matching --------------------------------------------------------------------------


def _match(toks: Sequence[_PTok], k: int, forms: Sequence[tuple[str, ...]], j: int, lim: int) -> int:
    """Longest end (exclusive) of a match of ``toks[k:]`` at token ``j``, or -1."""
    if k == len(toks):
        return j
    pt = toks[k]
    best = -1
    if pt.gap:
        for g in range(0, pt.gap + 1):
            if j + g > lim:
                break
            best = max(best, _match(toks, k + 1, forms, j + g, lim))
        return best
    if pt.optional:
        best = _match(toks, k + 1, forms, j, lim)
    if j < lim and pt.matches(forms[j]):
        best = max(best, _match(toks, k + 1, forms, j + 1, lim))
    return best


def _context_hits(
    phrases: Iterable[Sequence[_PTok]], forms: Sequence[tuple[str, ...]], at: int, lo: int, hi: int, before: bool
) -> bool:
    for ph in phrases:
        n = len(ph)
        s = at - n if before else at
        if s < lo or s + n > hi:
            continue
        if all(ph[i].matches(forms[s + i]) for i in range(n)):
            return True
    return False


def _conditions_ok(
    e: PatternEntry, tokens: Sequence[Token], forms: Sequence[tuple[str, ...]], s: int, t: int,
    sent_lo: Sequence[int], sent_hi: Sequence[int],
) -> bool:
    lo, hi = sent_lo[s], sent_hi[s]
    if e.start and s != lo:
        return False
    if e.punct:
        left = s == lo or any(c in _OPEN_PUNCT for c in tokens[s].before)
        right = t == hi or any(c in _CLOSE_PUNCT for c in tokens[t - 1].after)
        if not (left or right):
            return False
    if e.punct_after and not (t == hi or any(c in _CLOSE_PUNCT for c in tokens[t - 1].after)):
        return False
    if e.question and "?" not in tokens[hi - 1].after and "\u061f" not in tokens[hi - 1].after:
        return False
    if e.not_after and _context_hits(e.not_after, forms, s, lo, hi, before=True):
        return False
    if e.not_before and _context_hits(e.not_before, forms, t, lo, hi, before=False):
        return False
    return True


def _sentence_bounds(tokens: Sequence[Token]) -> tuple[list[int], list[int]]:
    lo = [0] * len(tokens)
    hi = [0] * len(tokens)
    start = 0
    for i in range(1, len(tokens) + 1):
        if i == len(tokens) or tokens[i].sentence != tokens[start].sentence:
            for j in range(start, i):
                lo[j], hi[j] = start, i
            start = i
    return lo, hi


def _raw_matches(lex: Lexicon, text: str, tokens: Sequence[Token]) -> list[tuple[Category, PatternEntry, int, int]]:
    idx = _index(lex)
    forms = [lex.forms(t.norm) for t in tokens]
    lo, hi = _sentence_bounds(tokens)
    found: list[tuple[Category, PatternEntry, int, int]] = []
    for j, fs in enumerate(forms):
        cands: list[tuple[Category, PatternEntry]] = list(idx.anywhere)
        for f in fs:
            cands.extend(idx.by_literal.get(f, ()))
            if f:
                cands.extend(idx.by_initial.get(f[0], ()))
        seen: set[int] = set()
        for cat, e in cands:
            if id(e) in seen:
                continue
            seen.add(id(e))
            end = _match(e.toks, 0, forms, j, hi[j])
            if end > j and _conditions_ok(e, tokens, forms, j, end, lo, hi):
                found.append((cat, e, j, end))
    if idx.regexes and tokens:
        rtext = lex.regex_text(text)
        ends = [tk.end for tk in tokens]
        starts = [tk.start for tk in tokens]
        for cat, e in idx.regexes:
            for m in e.regex.finditer(rtext):  # type: ignore[union-attr]
                # tokens overlapping [m.start(), m.end()): the first ending after the start, up to the last starting before the end
                s = bisect.bisect_right(ends, m.start())
                t = bisect.bisect_left(starts, m.end())
                if s >= t:
                    continue
                if tokens[s].sentence == tokens[t - 1].sentence and _conditions_ok(e, tokens, forms, s, t, lo, hi):
                    found.append((cat, e, s, t))
    return found


def _resolve(found: list[tuple[Category, PatternEntry, int, int]]) -> list[tuple[Category, PatternEntry, int, int]]:
    """Keep the longest of overlapping matches of one category; apply ``suppresses``."""
    found.sort(key=lambda x: (x[2], -(x[3] - x[2])))
    kept: list[tuple[Category, PatternEntry, int, int]] = []
    for m in found:
        if any(k[0].name == m[0].name and k[2] < m[3] and m[2] < k[3] for k in kept):
            continue
        kept.append(m)
    out = []
    for m in kept:
        if any(m[0].name in k[0].suppresses and k[2] < m[3] and m[2] < k[3] for k in kept if k is not m):
            continue
        out.append(m)
    return out


# -- word timestamps -------------------------------------------------------------------


def _align_words(tokens: Sequence[Token], words: Sequence[TimedWord], lex: Lexicon | None) -> list[int | None]:
    """For each text token, the index of the timed word it came from (or None)."""
    wtoks: list[str] = []
    owner: list[int] = []
    for wi, w in enumerate(words):
        for tk in tokenize(str(getattr(w, "text", "") or "")):
            wtoks.append(tk.norm)
            owner.append(wi)
    a = [t.norm for t in tokens]
    out: list[int | None] = [None] * len(tokens)
    if a == wtoks:
        return list(owner)
    sm = difflib.SequenceMatcher(a=a, b=wtoks, autojunk=False)
    for blk in sm.get_matching_blocks():
        for k in range(blk.size):
            out[blk.a + k] = owner[blk.b + k]
    return out


def _span_times(s: int, t: int, owners: Sequence[int | None], words: Sequence[TimedWord]) -> tuple[float | None, float | None]:
    inside = [o for o in owners[s:t] if o is not None]
    if inside:
        return float(words[inside[0]].start_s), float(words[inside[-1]].end_s)
    left = next((owners[i] for i in range(s - 1, -1, -1) if owners[i] is not None), None)
    right = next((owners[i] for i in range(t, len(owners)) if owners[i] is not None), None)
    if left is None and right is None:
        return None, None
    st = float(words[left].end_s) if left is not None else float(words[right].start_s)  # type: ignore[index]
    en = float(words[right].start_s) if right is not None else float(words[left].end_s)  # type: ignore[index]
    return st, max(st, en)


# -- public ----------------------------------------------------------------------------


def count_words(text: str) -> int:
    """Number of word tokens in ``text`` (the denominator of rates per 100 words)."""
    return len(tokenize(text or ""))


def find_markers(
    text: str,
    *,
    language: str = "en",
    words: Sequence[TimedWord] | None = None,
    lexicon: Lexicon | None = None,
    time_offset_s: float = 0.0,
) -> tuple[Marker, ...]:
    """Find the wording markers of one utterance.

    Parameters
    ----------
    text : str
        The utterance, in its original language.
    language : str
        ISO 639-1 code; selects the lexicon. A language without a lexicon
        gives no markers.
    words : sequence of objects with ``text``, ``start_s``, ``end_s``, optional
        The utterance's timed words (ASR output); when given, each marker
        gets ``start_s``/``end_s`` (plus ``time_offset_s``).
    lexicon : Lexicon, optional
        A custom compiled lexicon instead of the bundled one.

    Returns
    -------
    tuple of Marker
        In text order.
    """
    lex = lexicon if lexicon is not None else load_lexicon(language)
    if lex is None or not text or not text.strip():
        return ()
    tokens = tokenize(text, char_map=lex.char_map, fold=lex.fold)
    if not tokens:
        return ()
    matches = _resolve(_raw_matches(lex, text, tokens))
    owners = _align_words(tokens, words, lex) if words else None
    out = []
    for cat, e, s, t in sorted(matches, key=lambda m: (m[2], m[3], m[0].name)):
        st = en = None
        if owners is not None and words:
            st, en = _span_times(s, t, owners, words)
            if st is not None:
                st, en = st + time_offset_s, en + time_offset_s  # type: ignore[operator]
        sugg = lex.phrasebook.get(e.suggestion or cat.suggestion) if cat.effect == "hurts" else None
        out.append(
            Marker(
                category=cat.name,
                label=cat.label,
                effect=cat.effect,
                group=cat.group,
                text=text[tokens[s].start : tokens[t - 1].end],
                pattern=e.source,
                token_start=s,
                token_end=t,
                char_start=tokens[s].start,
                char_end=tokens[t - 1].end,
                start_s=st,
                end_s=en,
                suggestion=sugg.say if sugg else None,
                suggestion_why=(sugg.why or None) if sugg else None,
            )
        )
    return tuple(out)
