"""Finding the files of a batch: inputs to paths, paths to audio (by a header probe) and content hashes.

Inputs are files, folders (walked recursively, following symbolic links, each
real folder once, so link loops end) or glob patterns (``**`` for any depth).
Names that start with a dot are not collected from folders (``.DS_Store``,
``._x.wav``, a data directory such as ``.tonecoach-data``).

A file is audio when PyAV finds an audio stream in its header. A file that
PyAV cannot read but whose extension says audio (``.wav``, ``.mp3``...) is
still sent for analysis, so that the one audio boundary (:func:`tonecoach.analysis.audio.load`)
says what is wrong with it; any other file is skipped as not audio.
"""

from __future__ import annotations

import errno
import glob
import logging
import os
import re
import stat
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..store.files import sha256_stream

__all__ = ["AUDIO_EXTENSIONS", "ScannedFile", "expand_inputs", "probe_file", "scan"]

log = logging.getLogger("tonecoach")

#: Extensions taken as audio even when the header probe fails (then the analysis reports the error).
AUDIO_EXTENSIONS = frozenset({
    ".wav", ".wave", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".mp4", ".aac", ".wma", ".amr", ".webm",
    ".aif", ".aiff", ".aifc", ".au", ".snd", ".gsm", ".3gp", ".caf", ".mka", ".ac3", ".spx", ".vox", ".ulaw", ".alaw",
})


@dataclass(frozen=True)
class ScannedFile:
    """One input file after the scan.

    ``kind`` is ``"audio"`` (to analyse), ``"not_audio"`` (skipped) or
    ``"failed"`` (unreadable: ``error`` says why). ``path`` is as found (relative
    if the input was); ``abspath`` identifies it in the database.
    ``duration_s`` comes from the header and may be None; ``modified`` is the
file's modification time (the call's date on the QA summary page).
    """

    path: str
    abspath: str
    kind: str
    sha256: str | None = None
    size_bytes: int | None = None
    duration_s: float | None = None
    error: str | None = None
    modified: float | None = None

    @property
    def folder(self) -> str:
        """The name of the folder the file is in (the agent, with ``--agent-from folder``)."""
        return Path(self.abspath).parent.name


def _has_magic(s: str) -> bool:
    return any(c in s for c in "*?[")


def expand_inputs(inputs: Sequence[str], *, exclude: Iterable[str | os.PathLike] = ()) -> tuple[list[str], list[ScannedFile]]:
    """Input arguments to file paths (in a stable order, each real file once) and input errors.

    Returns
    -------
    files : list of str
    errors : list of ScannedFile
        Inputs that name nothing (``kind="failed"``).
    """
    excluded = {os.path.realpath(p) for p in exclude}
    seen_real: set[str] = set()
    files: list[str] = []
    errors: list[ScannedFile] = []

    def add(p: str) -> None:
        real = os.path.realpath(p)
        if real in excluded or real in seen_real:
            return
        seen_real.add(real)
        files.append(p)

    for inp in inputs:
        if os.path.lexists(inp):
            targets = [inp]
        elif _has_magic(inp):
            targets = sorted(glob.glob(inp, recursive=True))
            if not targets:
                errors.append(ScannedFile(inp, os.path.abspath(inp), "failed", error="no file matches this pattern"))
                continue
        else:
            errors.append(ScannedFile(inp, os.path.abspath(inp), "failed", error="no such file or folder"))
            continue
        for t in targets:
            if os.path.isdir(t):
                if os.path.realpath(t) in excluded:
                    continue
                for f in _walk(t, excluded):
                    add(f)
            else:
                add(t)
    return files, errors


def _walk(top: str, excluded: set[str]) -> Iterator[str]:
    """Files under ``top``, sorted, following links to folders but entering each real folder once."""
    visited: set[tuple[int, int]] = set()
    stack = [top]
    while stack:
        d = stack.pop()
        try:
            st = os.stat(d)
        except OSError:
            continue
        key = (st.st_dev, st.st_ino)
        if key in visited:
            log.info("not entering %s again (a link back to a folder already walked)", d)
            continue
        visited.add(key)
        try:
            with os.scandir(d) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            log.warning("cannot list %s: %s", d, exc.strerror or exc)
            continue
        subdirs = []
        for e in entries:
            if e.name.startswith("."):
                continue
            try:
                is_dir = e.is_dir(follow_symlinks=True)
            except OSError:
                is_dir = False
            if is_dir:
                if os.path.realpath(e.path) not in excluded:
                    subdirs.append(e.path)
            else:
                yield e.path  # files, and links that lead nowhere (reported by the probe)
        stack.extend(reversed(subdirs))


def _open_for_read(path: str) -> BinaryIO:
    """Open a file for reading (a seam for tests: root can read files whatever their mode)."""
    return open(path, "rb")


def _probe_stream(fh: BinaryIO) -> tuple[bool, float | None, str | None]:
    """(has an audio stream, duration from the header in s or None, why not)."""
    import av

    try:
        with av.open(fh, mode="r", metadata_errors="ignore") as c:
            if not c.streams.audio:
                return False, None, "no audio stream"
            s = c.streams.audio[0]
            dur = None
            if s.duration is not None and s.time_base is not None:
                dur = float(s.duration * s.time_base)
            elif c.duration is not None:
                dur = c.duration / 1_000_000.0
            return True, (dur if dur is not None and dur >= 0 else None), None
    except Exception as exc:  # noqa: BLE001 - any failure to parse means "not audio as far as the probe can tell"
        msg = re.sub(r"^\[Errno -?\d+\]\s*", "", str(exc)).split(":")[0].strip()
        return False, None, msg or type(exc).__name__


def _os_error(path: str, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "it is a symbolic link loop"
    if exc.errno == errno.ENOENT and os.path.islink(path):
        return f"it is a broken symbolic link (to '{os.readlink(path)}')"
    return f"cannot read '{path}': {exc.strerror or exc}"


def probe_file(path: str) -> ScannedFile:
    """Classify one file and hash its content (audio only). Never raises for a bad file."""
    ap = os.path.abspath(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        return ScannedFile(path, ap, "failed", error=_os_error(path, exc))
    if not stat.S_ISREG(st.st_mode):
        return ScannedFile(path, ap, "not_audio", error="not a regular file")
    audio_ext = Path(path).suffix.lower() in AUDIO_EXTENSIONS
    if st.st_size == 0 and not audio_ext:
        return ScannedFile(path, ap, "not_audio", size_bytes=0, error="empty file")
    try:
        fh = _open_for_read(path)
    except OSError as exc:
        return ScannedFile(path, ap, "failed", size_bytes=st.st_size, error=_os_error(path, exc))
    try:
        with fh:
            ok, dur, why = _probe_stream(fh) if st.st_size else (False, None, "empty file")
            if not ok and not audio_ext:
                return ScannedFile(path, ap, "not_audio", size_bytes=st.st_size, error=f"not audio ({why})")
            fh.seek(0)
            digest, size = sha256_stream(fh)
    except OSError as exc:
        return ScannedFile(path, ap, "failed", size_bytes=st.st_size, error=_os_error(path, exc))
    return ScannedFile(path, ap, "audio", sha256=digest, size_bytes=size, duration_s=dur, modified=st.st_mtime)


def scan(inputs: Sequence[str], *, exclude: Iterable[str | os.PathLike] = (), threads: int = 4) -> list[ScannedFile]:
    """Expand the inputs and probe every file (in a few threads: hashing and header reads are I/O)."""
    files, errors = expand_inputs(inputs, exclude=exclude)
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        probed = list(pool.map(probe_file, files))
    return errors + probed
