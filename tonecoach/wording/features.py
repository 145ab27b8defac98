"""Feature blocks of the wording heads, as pure functions (no model state).

A head scores an utterance from up to three blocks, concatenated:

``embedding``
    the multilingual-e5-small sentence embedding, L2-normalised (384 values);
``markers``
    ``log(1 + count)`` of each marker category found by the lexicon of the
    text's language (the categories are the same in every language);
``vader``
    VADER's compound, positive, negative and neutral shares (Hutto & Gilbert
    2014; English lexicon, MIT), for English text only.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

__all__ = ["marker_vector", "l2_normalize", "vader_vector"]


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
