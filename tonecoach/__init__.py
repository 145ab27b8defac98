"""tonecoach: coaching contact-centre agents on how they sound and what they say.

The public entry points::

    from tonecoach import Analyzer
    report = Analyzer().analyze("call.wav")
    print(report.tone.score)
"""

from __future__ import annotations

import logging

from ._version import __version__

logging.getLogger("tonecoach").addHandler(logging.NullHandler())

from .errors import ToneCoachError  # noqa: E402
from .report import CallReport  # noqa: E402


def __getattr__(name: str):
    # Analyzer pulls in numpy, librosa and faster-whisper: import it lazily so
    # `tonecoach --help` and report reading stay fast.
    if name in ("Analyzer", "AnalyzerOptions"):
        from . import analyzer

        return getattr(analyzer, name)
    raise AttributeError(name)


__all__ = ["Analyzer", "AnalyzerOptions", "CallReport", "ToneCoachError", "__version__"]
