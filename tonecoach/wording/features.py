"""Feature blocks of the wording heads, as pure functions (no model state).

A head scores an utterance from up to three blocks, concatenated:

``embedding``
    the all-MiniLM-L6-v2 sentence embedding, L2-normalised (384 values);
``markers``
    ``log(1 + count)`` of each marker category found by the lexicon of the
    text's language (the categories are the same in every language, so the
    block means the same thing for an English or a Polish line);
``tfidf``
    word unigram and bigram TF-IDF, computed exactly as scikit-learn's
    ``TfidfVectorizer(lowercase=True, sublinear_tf=True, norm="l2")`` with the
    head's vocabulary and IDF weights (so the runtime needs no scikit-learn).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Iterable, Mapping, Sequence

import numpy as np

__all__ = ["TOKEN_PATTERN", "ngrams", "tfidf_vector", "marker_vector", "l2_normalize", "vader_vector"]

#: Words for the TF-IDF block: a word character, then word characters or apostrophes.
TOKEN_PATTERN = r"(?u)\b\w[\w']*\b"
_TOKEN_RE = re.compile(TOKEN_PATTERN)


def ngrams(text: str, *, ngram_range: tuple[int, int] = (1, 2)) -> list[str]:
    """Lower-cased word n-grams joined by a space, in scikit-learn's order."""
    words = _TOKEN_RE.findall(text.lower())
    lo, hi = ngram_range
    out: list[str] = []
    if lo == 1:
        out.extend(words)
        lo = 2
    n_words = len(words)
    for n in range(lo, min(hi, n_words) + 1):
        out.extend(" ".join(words[i : i + n]) for i in range(n_words - n + 1))
    return out


def tfidf_vector(
    text: str, *, index: Mapping[str, int], idf: np.ndarray, ngram_range: tuple[int, int] = (1, 2)
) -> np.ndarray:
    """The sublinear, L2-normalised TF-IDF vector of ``text`` over ``index`` (shape ``(len(idf),)``)."""
    v = np.zeros(len(idf), dtype=np.float64)
    counts = Counter(g for g in ngrams(text, ngram_range=ngram_range) if g in index)
    for g, c in counts.items():
        j = index[g]
        v[j] = (1.0 + math.log(c)) * idf[j]
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v


def marker_vector(categories_found: Iterable[str], categories: Sequence[str]) -> np.ndarray:
    """``log(1 + count)`` per category, in the order of ``categories`` (unknown names are ignored)."""
    pos = {c: i for i, c in enumerate(categories)}
    v = np.zeros(len(categories), dtype=np.float64)
    for c in categories_found:
        i = pos.get(c)
        if i is not None:
            v[i] += 1.0
    return np.log1p(v)


def l2_normalize(x: np.ndarray) -> np.ndarray:
    """Rows of ``x`` (shape ``(n, d)``) scaled to unit length; zero rows stay zero."""
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(n > 0, n, 1.0)


_VADER = None


def vader_vector(text: str) -> np.ndarray:
    """VADER's compound, positive, negative and neutral shares of ``text`` (English valence lexicon, MIT)."""
    global _VADER
    if _VADER is None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        _VADER = SentimentIntensityAnalyzer()
    p = _VADER.polarity_scores(text)
    return np.array([p["compound"], p["pos"], p["neg"], p["neu"]], dtype=np.float64)
