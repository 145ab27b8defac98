"""Lazy model loads: once per object whatever the threads, and no process-wide side effects (no model is loaded here)."""

from __future__ import annotations

import os
import sys
import threading
import time
import types

import pytest

from tonecoach.models import ResolvedModel


def _together(fn, n: int = 8) -> list:
    """Run ``fn`` in ``n`` threads released at the same moment; their results."""
    start, out = threading.Barrier(n), []

    def run():
        start.wait()
        out.append(fn())

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return out


class _Counter:
    def __init__(self):
        self.n = 0
        self._lock = threading.Lock()

    def slow(self, result):
        with self._lock:
            self.n += 1
        time.sleep(0.05)  # a real load takes seconds: long enough for every other thread to arrive
        return result


def test_whisper_model_loads_once_from_many_threads(monkeypatch):
    import faster_whisper

    from tonecoach.analysis import asr

    resolves, loads, pipelines = _Counter(), _Counter(), _Counter()
    monkeypatch.setattr(asr, "resolve_whisper_model",
                        lambda name, **kw: resolves.slow(ResolvedModel(name, "/nowhere", "local")))

    class FakeWhisper:
        def __init__(self, path, **kw):
            loads.slow(None)

    class FakePipeline:
        def __init__(self, model):
            pipelines.slow(None)
            self.model = model

    monkeypatch.setattr(faster_whisper, "WhisperModel", FakeWhisper)
    monkeypatch.setattr(faster_whisper, "BatchedInferencePipeline", FakePipeline)
    tr = asr.Transcriber()
    models = _together(tr._load)
    streams = asr.decode_layout(tr.options)[0]  # one pipeline per decoding stream, all on the one model
    assert (resolves.n, loads.n, pipelines.n) == (1, 1, streams)
    assert len(models) == 8 and all(m is models[0] for m in models)
    assert all(p.model._whisper is models[0] for p in tr._pipelines) and len(tr._pipelines) == streams


def test_wording_encoder_and_heads_load_once_from_many_threads(monkeypatch):
    from tonecoach.wording import encoders
    from tonecoach.wording import model as wm

    heads_loads, encoder_loads = _Counter(), _Counter()
    heads = types.SimpleNamespace(encoder="multilingual-e5-small")
    monkeypatch.setattr(wm.WordingHeads, "load", classmethod(lambda cls, path=None: heads_loads.slow(heads)))
    monkeypatch.setattr(encoders, "load_encoder", lambda name, **kw: encoder_loads.slow(object()))
    m = wm.WordingModel(wm.WordingModelOptions(encoder="multilingual-e5-small"))
    assert all(h is heads for h in _together(lambda: m.heads))
    assert heads_loads.n == 1
    encs = _together(m._load_encoder)
    assert encoder_loads.n == 1 and all(e is encs[0] for e in encs)


def test_sentence_model_load_leaves_the_environment_alone(monkeypatch):
    """Loading a local sentence model asks for local files only; HF_HUB_OFFLINE is not set for the whole process."""
    from tonecoach.wording.encoders import SentenceTransformerEncoder

    seen = []

    class FakeST:
        def __init__(self, path, **kw):
            seen.append(kw)

        def get_sentence_embedding_dimension(self):
            return 384

    st = types.ModuleType("sentence_transformers")
    st.SentenceTransformer = FakeST
    hf_logging = types.SimpleNamespace(disable_progress_bar=lambda: None)
    tf, tf_utils = types.ModuleType("transformers"), types.ModuleType("transformers.utils")
    tf_utils.logging = hf_logging
    tf.utils = tf_utils
    for name, mod in {"sentence_transformers": st, "transformers": tf, "transformers.utils": tf_utils}.items():
        monkeypatch.setitem(sys.modules, name, mod)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    before = dict(os.environ)
    enc = SentenceTransformerEncoder("/some/folder", name="all-MiniLM-L6-v2", source="bundled:x==1")
    assert enc.dim == 384
    assert dict(os.environ) == before
    assert seen[-1].get("local_files_only") is True
    SentenceTransformerEncoder("org/model", name="org/model", source="hub")
    assert dict(os.environ) == before and seen[-1].get("local_files_only") is False


@pytest.mark.slow  # loads torch and the bundled MiniLM
def test_real_bundled_sentence_model_leaves_the_environment_alone(monkeypatch):
    pytest.importorskip("sentence_transformers")
    from tonecoach.errors import ModelNotAvailableError
    from tonecoach.wording.encoders import load_encoder

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    before = dict(os.environ)
    try:
        enc = load_encoder("all-MiniLM-L6-v2")
    except ModelNotAvailableError as exc:
        pytest.skip(f"the bundled sentence model is not installed: {exc}")
    assert enc.encode(["thank you for calling"]).shape == (1, enc.dim)
    assert dict(os.environ) == before
