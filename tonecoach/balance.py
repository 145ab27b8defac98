"""Tone versus content, kept importable here: it lives in :mod:`tonecoach.wording.balance`.

It moved into the wording package so that the wording stage
(:mod:`tonecoach.wording.analysis`) and the scoring it composes no longer
import each other across packages (``python scripts/import_graph.py --check --packages``).
"""

from __future__ import annotations

from .wording.balance import (  # noqa: F401 - re-exported
    _COVERED_BY,
    __all__,
    priorities,
    summary,
    tone_content_mismatches,
)
