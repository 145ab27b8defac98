"""Formatting shared by every renderer: clock times, HTML escaping, score bands, atomic writes.

This module imports nothing else of tonecoach, so the scorers and the
renderers alike can format with it without an import cycle.
"""

from __future__ import annotations

import html
import math
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable

__all__ = ["BAND_GOOD_FROM", "BAND_OK_FROM", "MISSING", "Band", "band", "clock", "esc", "md", "write_atomic"]

#: What :func:`clock` shows for a time that is missing or not a finite number.
MISSING = ""


def _finite(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def clock(seconds: Any) -> str:
    """A moment or a length of a call as a clock: ``m:ss`` under an hour, ``h:mm:ss`` from one hour.

    Parameters
    ----------
    seconds : the time in seconds; rounded down to the second, negative times show as ``0:00``

    Returns
    -------
    str
        ``"0:07"``, ``"2:05"``, ``"59:59"``, ``"1:02:05"``; :data:`MISSING` (``""``) for ``None``,
        a bool, a non-number or a non-finite number, so a caller can write ``clock(t) or "—"``
        where an empty cell would read wrong.
    """
    f = _finite(seconds)
    if f is None:
        return MISSING
    s = int(max(0.0, f))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def esc(value: Any) -> str:
    """``value`` as text for HTML, quotes included (:func:`html.escape` with ``quote=True``); ``None`` is ``""``."""
    return html.escape("" if value is None else str(value), quote=True)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&:=\"'])")


def md(text: Any) -> str:
    """``text`` for a Markdown component, shown as typed: every Markdown and HTML character escaped, on one line."""
    s = "" if text is None else str(text)
    s = re.sub(r"[\r\n\t]+", " ", s)
    return _MD_SPECIAL.sub(r"\\\1", s)


#: A score from this (out of 100) is in the "good" band ...
BAND_GOOD_FROM = 80.0
#: ... from this, below :data:`BAND_GOOD_FROM`, "getting there"; below it, "needs work".
BAND_OK_FROM = 60.0


@dataclass(frozen=True)
class Band:
    """Where a 0-100 score stands.

    Attributes
    ----------
    name : the CSS class the reports colour it with: ``good``, ``ok``, ``low``, or ``none`` when not measured
    label : the same in plain words: ``good``, ``getting there``, ``needs work``, ``not measured``
    """

    name: str
    label: str


_BANDS = {
    "good": Band("good", "good"),
    "ok": Band("ok", "getting there"),
    "low": Band("low", "needs work"),
    "none": Band("none", "not measured"),
}


def band(score: Any) -> Band:
    """The band of a 0-100 score: good from 80, getting there from 60, needs work below; none if not a number."""
    f = _finite(score)
    if f is None:
        return _BANDS["none"]
    return _BANDS["good" if f >= BAND_GOOD_FROM else "ok" if f >= BAND_OK_FROM else "low"]


def write_atomic(path: str | os.PathLike, data: str | bytes | Callable[[BinaryIO], Any], *,
                 private: bool = False, temp_prefix: str | None = None) -> str:
    """Write ``data`` to ``path`` whole or not at all, and return the path written.

    The data goes to a temporary file in the same folder (created if missing), is
    flushed and fsynced, then replaces ``path`` with :func:`os.replace`: a reader
    sees the old file or the new one, never half of one, and a failed write
    leaves no temporary file behind. Text is written as UTF-8,
    its newlines as they are.

    Parameters
    ----------
    path : the file to write
    data : text (written as UTF-8), bytes, or a function that writes to the open binary file (for a stream
        copied in blocks)
    private : create the file readable by its owner only (0600) whatever the umask (recordings, uploads)
    temp_prefix : the temporary file's name starts with this (default ``.<name>.``), for a sweep of the
        temporary files a killed process left behind
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f"{temp_prefix or f'.{p.name}.'}{secrets.token_hex(4)}.part")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o666)  # 0o666: the umask's permissions
        with os.fdopen(fd, "wb") as fh:
            if callable(data):
                data(fh)
            else:
                fh.write(data.encode("utf-8") if isinstance(data, str) else bytes(data))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return str(p)
