"""Politeness and warmth scores: small linear heads on all-MiniLM-L6-v2 sentence embeddings.

The heads (``models/wording_heads.json``, written by
``scripts/train_wording.py``; see ``models/WORDING_MODEL_CARD.md``) are plain
weights over three feature blocks (:mod:`tonecoach.wording.features`): the
sentence embedding, the marker categories and word n-gram TF-IDF. A head's
raw output is mapped to [0, 1] by a logistic calibration fitted on the
training data: the score is the probability that the text belongs to the top
rather than the bottom quartile of its training scale (politeness: the
Stanford Politeness Corpus' normalised score; warmth: rated conversational
receptiveness). 1 is most polite / warmest.

The encoder is the bundled MiniLM (English). Text longer than
``max_chunk_words`` is scored in chunks and the chunk scores averaged,
weighted by their word counts, so a 10,000-word turn is scored whole rather
than cut at the encoder's 256 tokens.
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
from .features import l2_normalize, marker_vector, tfidf_vector

__all__ = ["HEADS_FORMAT", "default_heads_path", "Head", "WordingHeads", "WordingModelOptions", "WordingModel",
           "chunk_words"]

log = logging.getLogger("tonecoach")

HEADS_FORMAT = "tonecoach-wording-heads/1"
_BLOCKS = ("embedding", "markers", "tfidf")


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
class Head:
    """One linear head: ``sigmoid(a * (w . x + intercept) + b)`` over the named blocks."""

    name: str
    blocks: tuple[str, ...]
    coef: Mapping[str, np.ndarray]
    intercept: float
    calibration: tuple[float, float]
    tfidf_index: Mapping[str, int] = field(default_factory=dict)
    tfidf_idf: np.ndarray | None = None
    ngram_range: tuple[int, int] = (1, 2)
    description: str = ""

    def raw(self, emb: np.ndarray, markers: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Linear output for ``n`` texts: ``emb`` (n, 384) normalised, ``markers`` (n, k)."""
        out = np.full(len(texts), self.intercept, dtype=np.float64)
        if "embedding" in self.blocks:
            out += emb @ self.coef["embedding"]
        if "markers" in self.blocks:
            out += markers @ self.coef["markers"]
        if "tfidf" in self.blocks and self.tfidf_idf is not None:
            w = self.coef["tfidf"]
            out += np.array([tfidf_vector(t, index=self.tfidf_index, idf=self.tfidf_idf, ngram_range=self.ngram_range) @ w
                             for t in texts])
        return out

    def probability(self, raw: np.ndarray) -> np.ndarray:
        a, b = self.calibration
        z = np.clip(a * raw + b, -60.0, 60.0)
        return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True)
class WordingHeads:
    """The politeness and warmth heads, the encoder they expect and the marker categories they read."""

    path: str
    version: str
    encoder: str
    embedding_dim: int
    marker_categories: tuple[str, ...]
    heads: Mapping[str, Head]
    meta: Mapping[str, Any] = field(default_factory=dict)

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
        if data.get("format") != HEADS_FORMAT:
            raise ModelNotAvailableError(f"'{p}' is not a {HEADS_FORMAT} file (format {data.get('format')!r})")
        cats = tuple(data["marker_categories"])
        dim = int(data["encoder"]["dim"])
        heads = {}
        for name, h in data["heads"].items():
            blocks = tuple(h["blocks"])
            if not set(blocks) <= set(_BLOCKS):
                raise ModelNotAvailableError(f"'{p}': head {name!r} has unknown blocks {blocks}")
            coef = {b: np.asarray(h["coef"][b], dtype=np.float64) for b in blocks}
            tf = h.get("tfidf") or {}
            vocab = tf.get("vocabulary") or []
            expected = {"embedding": dim, "markers": len(cats), "tfidf": len(vocab)}
            for b in blocks:
                if coef[b].shape != (expected[b],):
                    raise ModelNotAvailableError(f"'{p}': head {name!r} block {b} has {coef[b].shape[0]} weights, "
                                                 f"expected {expected[b]}")
            heads[name] = Head(
                name=name, blocks=blocks, coef=coef, intercept=float(h["intercept"]),
                calibration=(float(h["calibration"]["a"]), float(h["calibration"]["b"])),
                tfidf_index={w: i for i, w in enumerate(vocab)},
                tfidf_idf=np.asarray(tf["idf"], dtype=np.float64) if vocab else None,
                ngram_range=tuple(tf.get("ngram_range", (1, 2))),  # type: ignore[arg-type]
                description=str(h.get("description", "")),
            )
        for need in ("politeness", "warmth"):
            if need not in heads:
                raise ModelNotAvailableError(f"'{p}' has no {need!r} head")
        return cls(path=str(p), version=str(data.get("version", "")), encoder=str(data["encoder"]["name"]),
                   embedding_dim=dim, marker_categories=cats, heads=heads, meta=dict(data.get("meta") or {}))


@dataclass(frozen=True)
class WordingModelOptions:
    """Options of the wording model.

    Attributes
    ----------
    encoder : str
        ``all-MiniLM-L6-v2`` (bundled), a sentence-transformers folder, or a
        hub name (needs ``allow_download``). Must match the heads' encoder.
    heads_path : str or None
        A heads JSON file; None for ``models/wording_heads.json``.
    batch_size : int
        Sentences per encoder batch.
    max_chunk_words : int
        Longer texts are scored in chunks of this many words.
    """

    encoder: str = "all-MiniLM-L6-v2"
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

    def __init__(self, options: WordingModelOptions | None = None, *, heads: WordingHeads | None = None):
        self.options = options or WordingModelOptions()
        self._heads = heads
        self._encoder = None
        self._resolved = None
        self._lock = threading.Lock()

    @property
    def heads(self) -> WordingHeads:
        if self._heads is None:
            self._heads = WordingHeads.load(self.options.heads_path)
        return self._heads

    def _load_encoder(self):
        if self._encoder is None:
            from ..models import resolve_sentence_model

            self._resolved = resolve_sentence_model(self.options.encoder, allow_download=self.options.allow_download)
            if self._resolved.source != "hub":
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
            try:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()  # a library prints no bars of its own on the user's terminal
                self._encoder = SentenceTransformer(self._resolved.path, device="cpu")
            except ImportError:
                raise ModelNotAvailableError("wording scores need sentence-transformers: pip install sentence-transformers") from None
            except (OSError, ValueError, RuntimeError) as exc:
                raise ModelNotAvailableError(f"could not load the sentence model at {self._resolved.path}: {exc}") from None
        return self._encoder

    def describe(self) -> dict[str, Any]:
        h = self.heads
        r = self._resolved
        return {"encoder": h.encoder, "encoder_source": r.source if r else None, "heads": h.path, "heads_version": h.version}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised sentence embeddings, shape ``(len(texts), dim)``."""
        if not texts:
            return np.zeros((0, self.heads.embedding_dim))
        enc = self._load_encoder()
        with self._lock:
            e = enc.encode(list(texts), batch_size=self.options.batch_size, convert_to_numpy=True, show_progress_bar=False)
        return l2_normalize(np.asarray(e, dtype=np.float64))

    def score(self, texts: Sequence[str], marker_categories: Sequence[Sequence[str]]) -> list[dict[str, float | None]]:
        """Politeness and warmth in [0, 1] for each text (None for a text with no words).

        ``marker_categories[i]`` lists the category of every marker found in
        ``texts[i]`` (by the lexicon of its language; see :func:`find_markers`).
        """
        heads = self.heads
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
        out: list[dict[str, float | None]] = [{"politeness": None, "warmth": None} for _ in texts]
        if not pieces:
            return out
        emb = self.embed(pieces)
        # marker counts belong to the whole text; each chunk gets its text's counts scaled by its word share
        totals = np.zeros(len(texts))
        for o, w in zip(owner, weight):
            totals[o] += w
        counts = [np.expm1(marker_vector(cats, heads.marker_categories)) for cats in marker_categories]
        mk = np.stack([np.log1p(counts[o] * (w / totals[o])) for o, w in zip(owner, weight)])
        for name in ("politeness", "warmth"):
            h = heads.heads[name]
            p = h.probability(h.raw(emb, mk, pieces))
            acc = np.zeros(len(texts))
            for o, w, v in zip(owner, weight, p):
                acc[o] += w * v
            for i in set(owner):
                out[i][name] = float(acc[i] / totals[i]) if totals[i] > 0 else None
        return out

