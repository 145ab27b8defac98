"""How many CPU cores this process may use (its affinity, not the machine's count)."""

from __future__ import annotations

import os

__all__ = ["available_cores"]


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)
