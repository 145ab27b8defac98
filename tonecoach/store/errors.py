"""The store's errors: part of the project's one exception tree."""

from __future__ import annotations

from ..errors import ToneCoachError

__all__ = ["StoreError", "StoreLockedError"]


class StoreError(ToneCoachError):
    """The database or the data directory cannot be used; the message says why."""


class StoreLockedError(StoreError):
    """Another program holds the database's write lock for longer than the busy timeout."""
