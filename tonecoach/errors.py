"""The project's one exception tree.

Every error a user can cause (a bad file, a missing model, a bad option) is a
:class:`ToneCoachError` whose message says what went wrong and what to do.
Front ends catch ``ToneCoachError`` and print its message; anything else is a
bug.
"""

from __future__ import annotations

__all__ = [
    "ToneCoachError",
    "AudioError",
    "AudioDecodeError",
    "AudioTooLongError",
    "AudioTooShortError",
    "ModelNotAvailableError",
    "RubricError",
]


class ToneCoachError(Exception):
    """Base class of every error tonecoach raises on purpose."""


class AudioError(ToneCoachError):
    """The audio input is missing, unreadable or unusable."""


class AudioDecodeError(AudioError):
    """The input could not be decoded as audio."""


class AudioTooLongError(AudioError):
    """The input is longer than the configured maximum duration."""


class AudioTooShortError(AudioError):
    """The input is too short to analyse."""


class ModelNotAvailableError(ToneCoachError):
    """A requested model cannot be loaded (not bundled, not local, no network)."""


class RubricError(ToneCoachError):
    """The rubric file is missing, malformed or inconsistent."""
