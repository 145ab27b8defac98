"""Politeness, warmth and sentiment scores: small calibrated linear heads on a multilingual sentence encoder.

The heads (``models/wording_heads.json``, written by
``scripts/train_wording.py``; see ``models/WORDING_MODEL_CARD.md``) are plain
weights over feature blocks (:mod:`tonecoach.wording.features`):

``embedding``
    the sentence embedding of the bundled multilingual-e5-small
    (:mod:`tonecoach.wording.encoders`), L2-normalised;
``markers``
    ``log(1 + count)`` of each marker category of the text's lexicon;
``vader``
    VADER's compound, positive, negative and neutral shares (English only).

Each score may have several heads, each for a set of languages ("*" for
any): text in a language is scored by the first head that lists it, else by
the "*" head. A head's linear output is mapped to [0, 1] by the calibration
fitted on out-of-fold outputs of its training data (Platt or isotonic); the
score is the probability that the text belongs to the top rather than the
bottom of its training scale (politeness: the Stanford Politeness Corpus;
warmth: rated conversational receptiveness; sentiment: positive versus
negative). 1 is most polite / warmest / most positive.

Text longer than ``max_chunk_words`` is scored in chunks and the chunk scores
averaged, weighted by their word counts, so a 10,000-word turn is scored
whole rather than cut at the encoder's 512 tokens.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from ..errors import ModelNotAvailableError
from .features import marker_vector, vader_vector

__all__ = ["HEADS_FORMAT", "SCORES", "default_heads_path", "Calibration", "Head", "WordingHeads", "WordingModelOptions",
           "WordingModel", "chunk_words"]

log = logging.getLogger("tonecoach")

HEADS_FORMAT = "tonecoach-wording-heads/2"
SCORES = ("politeness", "warmth", "sentiment")
_BLOCKS = ("embedding", "markers", "vader")
_VADER_DIM = 4


def default_heads_path() -> Path:
    """``$TONECOACH_WORDING_HEADS``, else ``models/wording_heads.json`` of the source tree, else the installed copy.

    A wheel installs ``models/`` as ``<prefix>/share/tonecoach/models/``.
    """
    env = os.environ.get("TONECOACH_WORDING_HEADS")
    if env:
        return Path(env)
    source = Path(__file__).resolve().parents[2] / "models" / "wording_heads.json"
    installed = Path(sys.prefix) / "share" / "tonecoach" / "models" / "wording_heads.json"
    return installed if not source.is_file() and installed.is_file() else source


@dataclass(frozen=True)
class Calibration:
    """Raw head output -> probability: ``platt`` (a logistic map) or ``isotonic`` (a monotone step map)."""

    method: str
    a: float = 1.0
    b: float = 0.0
    x: tuple[float, ...] = ()
    y: tuple[float, ...] = ()

    def __call__(self, raw: np.ndarray) -> np.ndarray:
        raw = np.asarray(raw, dtype=np.float64)
        if self.method == "isotonic":
            return np.interp(raw, np.asarray(self.x), np.asarray(self.y))
        z = np.clip(self.a * raw + self.b, -60.0, 60.0)
        return 1.0 / (1.0 + np.exp(-z))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Calibration":
        m = str(d.get("method", "platt"))
        if m == "isotonic":
            return cls("isotonic", x=tuple(float(v) for v in d["x"]), y=tuple(float(v) for v in d["y"]))
        if m != "platt":
            raise ValueError(f"unknown calibration {m!r}")
        return cls("platt", a=float(d["a"]), b=float(d["b"]))


@dataclass(frozen=True)
class Head:
    """One linear head: ``calibration(w . x + intercept)`` over the named blocks, for some languages."""

    score: str
    languages: tuple[str, ...]
    blocks: tuple[str, ...]
    coef: Mapping[str, np.ndarray]
    intercept: float
    calibration: Calibration
    description: str = ""

    def applies_to(self, language: str) -> bool:
        return language in self.languages or "*" in self.languages

    def raw(self, blocks: Mapping[str, np.ndarray]) -> np.ndarray:
        """Linear output for ``n`` texts; ``blocks[name]`` has shape ``(n, width)``."""
        n = next(iter(blocks.values())).shape[0]
        out = np.full(n, self.intercept, dtype=np.float64)
        for b in self.blocks:
            out += blocks[b] @ self.coef[b]
        return out

    def probability(self, blocks: Mapping[str, np.ndarray]) -> np.ndarray:
        return self.calibration(self.raw(blocks))


@dataclass(frozen=True)
class WordingHeads:
    """The heads of every score, the encoder they expect and the marker categories they read."""

    path: str
    version: str
    encoder: str
    embedding_dim: int
    marker_categories: tuple[str, ...]
    heads: tuple[Head, ...]
    meta: Mapping[str, Any] = field(default_factory=dict)

    def head_for(self, score: str, language: str) -> Head | None:
        """The head that scores ``score`` for ``language``: one that lists the language, else a "*" head."""
        cands = [h for h in self.heads if h.score == score]
        return next((h for h in cands if language in h.languages), next((h for h in cands if "*" in h.languages), None))

    @property
    def scores(self) -> tuple[str, ...]:
        return tuple(s for s in SCORES if any(h.score == s for h in self.heads))

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> "WordingHeads":
        """Read a heads file. Raises :class:`ModelNotAvailableError` when it is missing or malformed."""
        p = Path(path) if path else default_heads_path()
        if not p.is_file():
            raise ModelNotAvailableError(
                f"the wording heads file '{p}' does not exist; train it with scripts/train_wording.py "
                "or point TONECOACH_WORDING_HEADS at a copy"
            )
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelNotAvailableError(f"could not read the wording heads '{p}': {exc}") from None
        if not isinstance(data, dict) or data.get("format") != HEADS_FORMAT:
            got = data.get("format") if isinstance(data, dict) else type(data).__name__
            raise ModelNotAvailableError(f"'{p}' is not a {HEADS_FORMAT} file (format {got!r}); "
                                         "retrain it with scripts/train_wording.py")
        try:
            cats = tuple(data["marker_categories"])
            dim = int(data["encoder"]["dim"])
            width = {"embedding": dim, "markers": len(cats), "vader": _VADER_DIM}
            heads = []
            for i, h in enumerate(data["heads"]):
                blocks = tuple(h["blocks"])
                if not set(blocks) <= set(_BLOCKS):
                    raise ModelNotAvailableError(f"'{p}': head {i} has unknown blocks {blocks}")
                coef = {b: np.asarray(h["coef"][b], dtype=np.float64) for b in blocks}
                for b in blocks:
                    if coef[b].shape != (width[b],):
                        raise ModelNotAvailableError(f"'{p}': head {i} ({h['score']}) block {b} has {coef[b].shape} weights, "
                                                     f"expected {width[b]}")
                heads.append(Head(score=str(h["score"]), languages=tuple(h["languages"]), blocks=blocks, coef=coef,
                                  intercept=float(h["intercept"]), calibration=Calibration.from_dict(h["calibration"]),
                                  description=str(h.get("description", ""))))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelNotAvailableError(f"'{p}' is malformed ({type(exc).__name__}: {exc})") from None
        out = cls(path=str(p), version=str(data.get("version", "")), encoder=str(data["encoder"]["name"]),
                  embedding_dim=dim, marker_categories=cats, heads=tuple(heads), meta=dict(data.get("meta") or {}))
        for need in ("politeness", "warmth"):
            if out.head_for(need, "*") is None:
                raise ModelNotAvailableError(f"'{p}' has no head for {need!r} in every language")
        return out


@dataclass(frozen=True)
class WordingModelOptions:
    """Options of the wording model.

    Attributes
    ----------
    encoder : str
        ``multilingual-e5-small`` (bundled, the heads' encoder), ``all-MiniLM-L6-v2``
        (bundled, English), a sentence-transformers folder, or a hub name
        (needs ``allow_download``). Must match the heads' encoder.
    heads_path : str or None
        A heads JSON file; None for ``models/wording_heads.json``.
    batch_size : int
        Sentences per encoder batch.
    max_chunk_words : int
        Longer texts are scored in chunks of this many words.
    """

    encoder: str = "multilingual-e5-small"
    heads_path: str | None = None
    batch_size: int = 64
    max_chunk_words: int = 150
    allow_download: bool = False


def chunk_words(text: str, max_words: int) -> list[str]:
    """Split ``text`` on white space into pieces of at most ``max_words`` words (at least one piece)."""
    words = text.split()
    if len(words) <= max_words:
        return [text.strip()]
    return [" ".join(words[i : i + max_words]) for i in range(0, len(words), max_words)]


class WordingModel:
    """The encoder and the heads, loaded lazily on first use; thread-safe."""

    def __init__(self, options: WordingModelOptions | None = None, *, heads: WordingHeads | None = None, encoder=None):
        self.options = options or WordingModelOptions()
        self._heads = heads
        self._encoder = encoder
        self._lock = threading.RLock()  # reentrant: loading the encoder reads the heads

    @property
    def heads(self) -> WordingHeads:
        if self._heads is None:
            with self._lock:
                if self._heads is None:
                    self._heads = WordingHeads.load(self.options.heads_path)
        return self._heads

    def _load_encoder(self):
        if self._encoder is None:
            with self._lock:
                if self._encoder is None:
                    from .encoders import load_encoder

                    want = self.heads.encoder
                    if want not in (self.options.encoder, f"intfloat/{self.options.encoder}"):
                        raise ModelNotAvailableError(
                            f"the wording heads expect the encoder '{want}', not '{self.options.encoder}'")
                    self._encoder = load_encoder(self.options.encoder, allow_download=self.options.allow_download,
                                                 batch_size=self.options.batch_size)
        return self._encoder

    def load(self) -> None:
        """Load the heads and the encoder now (the Analyzer does it while Whisper transcribes)."""
        self._load_encoder()

    def describe(self) -> dict[str, Any]:
        h = self.heads
        enc = self._encoder
        return {"encoder": h.encoder, "encoder_source": getattr(enc, "source", None), "heads": h.path, "heads_version": h.version,
                "scores": list(h.scores)}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised sentence embeddings, shape ``(len(texts), dim)``."""
        if not texts:
            return np.zeros((0, self.heads.embedding_dim))
        return self._load_encoder().encode(list(texts))

    def score(self, texts: Sequence[str], marker_categories: Sequence[Sequence[str]], *,
              language: str | Sequence[str] = "en") -> list[dict[str, float | None]]:
        """Politeness, warmth (and sentiment, when the heads have it) in [0, 1] for each text.

        ``marker_categories[i]`` lists the category of every marker found in
        ``texts[i]`` (by the lexicon of its language; see :func:`find_markers`).
        ``language`` is one ISO 639-1 code for all texts or one per text; it
        picks the head. A text with no words gets None.
        """
        heads = self.heads
        langs = [language] * len(texts) if isinstance(language, str) else list(language)
        pieces: list[str] = []
        owner: list[int] = []
        weight: list[float] = []
        for i, t in enumerate(texts):
            if not t or not t.split():
                continue
            for c in chunk_words(t, self.options.max_chunk_words):
                pieces.append(c)
                owner.append(i)
                weight.append(float(len(c.split())))
        names = heads.scores
        out: list[dict[str, float | None]] = [{n: None for n in names} for _ in texts]
        if not pieces:
            return out
        emb = self.embed(pieces)
        totals = np.zeros(len(texts))
        for o, w in zip(owner, weight):
            totals[o] += w
        # marker counts belong to the whole text; each chunk gets its text's counts scaled by its word share
        counts = [np.expm1(marker_vector(cats, heads.marker_categories)) for cats in marker_categories]
        blocks: dict[str, np.ndarray] = {
            "embedding": emb,
            "markers": np.stack([np.log1p(counts[o] * (w / totals[o])) for o, w in zip(owner, weight)]),
        }
        if any("vader" in h.blocks for h in heads.heads):
            blocks["vader"] = np.stack([vader_vector(p) if langs[o] == "en" else np.zeros(_VADER_DIM)
                                        for p, o in zip(pieces, owner)])
        owner_a, weight_a = np.asarray(owner), np.asarray(weight)
        for name in names:
            prob = np.full(len(pieces), np.nan)
            for lang in set(langs[o] for o in owner):
                h = heads.head_for(name, lang)
                rows = np.flatnonzero(np.array([langs[o] == lang for o in owner]))
                if h is None or rows.size == 0:
                    continue
                prob[rows] = h.probability({b: v[rows] for b, v in blocks.items()})
            for i in set(owner):
                m = (owner_a == i) & np.isfinite(prob)
                if m.any():
                    out[i][name] = float(np.sum(prob[m] * weight_a[m]) / np.sum(weight_a[m]))
        return out
