"""The content side of a call, kept importable here: it lives in :mod:`tonecoach.wording.content`.

It moved into the wording package so that the wording stage
(:mod:`tonecoach.wording.analysis`) and the scoring it composes no longer
import each other across packages (``python scripts/import_graph.py --check --packages``).
"""

from __future__ import annotations

from .wording.content import (  # noqa: F401 - re-exported
    __all__,
    content_values,
    customer_sentiment,
    overall_score,
    rewording_feedback,
    score_content,
)
