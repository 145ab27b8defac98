"""Audio kept in the data directory, named by content hash, never by a user-supplied name."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import BinaryIO

from ..render.fmt import write_atomic
from .errors import StoreError

__all__ = ["AUDIO_DIR", "audio_path", "sha256_bytes", "sha256_file", "sha256_stream", "store_audio", "sweep_stale_temp"]

AUDIO_DIR = "audio"
_CHUNK = 1 << 20
_TMP_PREFIX = ".tmp-"


def sha256_bytes(data: bytes | bytearray | memoryview) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_stream(fh: BinaryIO) -> tuple[str, int]:
    """SHA-256 (hex) and size in bytes of what is left in a binary stream."""
    h = hashlib.sha256()
    n = 0
    while True:
        block = fh.read(_CHUNK)
        if not block:
            break
        h.update(block)
        n += len(block)
    return h.hexdigest(), n


def sha256_file(path: str | os.PathLike) -> str:
    """SHA-256 (hex) of a file's bytes."""
    with open(path, "rb") as fh:
        return sha256_stream(fh)[0]


def audio_path(data_dir: str | os.PathLike, sha256: str) -> Path:
    """Where audio with this hash lives: ``<data_dir>/audio/<first 2 hex>/<sha256>``."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise StoreError(f"not a SHA-256 hex digest: {sha256!r}")
    return Path(data_dir) / AUDIO_DIR / sha256[:2] / sha256


def store_audio(data_dir: str | os.PathLike, source: bytes | bytearray | memoryview | str | os.PathLike) -> Path:
    """Copy audio into the data directory under its content hash; return where it is.

    Parameters
    ----------
    data_dir : path
        The data directory (created if needed).
    source : bytes or path
        The audio's bytes, or a file to copy. The file's name is not used.

    Returns
    -------
    Path
        ``<data_dir>/audio/ab/abcd...`` (no extension: the name is the hash).
        Storing the same content twice writes it once.

    The copy is written to a temporary file in the same folder, flushed to
    disk and renamed into place, so a crash never leaves a partial file under
    a hash name.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        digest = sha256_bytes(data)
        dest = audio_path(data_dir, digest)
        if dest.exists() and dest.stat().st_size == len(data):
            return dest
        return _atomic_write(dest, lambda fh: fh.write(data))
    src = Path(source)
    try:
        with open(src, "rb") as fh:
            digest, size = sha256_stream(fh)
            dest = audio_path(data_dir, digest)
            if dest.exists() and dest.stat().st_size == size:
                return dest
            fh.seek(0)
            return _atomic_write(dest, lambda out: _copy(fh, out, digest))
    except OSError as exc:
        raise StoreError(f"cannot store '{src}': {exc.strerror or exc}") from None


def _copy(src: BinaryIO, dst: BinaryIO, expected: str) -> None:
    h = hashlib.sha256()
    while True:
        block = src.read(_CHUNK)
        if not block:
            break
        h.update(block)
        dst.write(block)
    if h.hexdigest() != expected:
        raise StoreError("the file changed while it was being copied; try again")


def _atomic_write(dest: Path, write) -> Path:
    """``write(fh)`` into ``dest`` whole or not at all, readable by the owner only (see :func:`write_atomic`)."""
    return Path(write_atomic(dest, write, private=True, temp_prefix=_TMP_PREFIX))


def sweep_stale_temp(data_dir: str | os.PathLike, *, max_age_s: float = 3600.0) -> int:
    """Delete the temporary copies that a killed process left in ``<data_dir>/audio`` (older than ``max_age_s``).

    A copy in progress is renamed into place within seconds, so a ``.tmp-``
    file an hour old belongs to a process that was killed mid-copy (SIGKILL,
    a power cut). Returns how many were deleted. Called when a batch or the
    web app starts.
    """
    root = Path(data_dir) / AUDIO_DIR
    if not root.is_dir():
        return 0
    cutoff = time.time() - max_age_s
    n = 0
    for p in root.glob(f"*/{_TMP_PREFIX}*"):
        try:
            if p.is_file() and p.stat().st_mtime < cutoff:
                p.unlink()
                n += 1
        except OSError:  # gone meanwhile, or not ours to delete: leave it
            continue
    return n
