"""QA scorecards: what a good call must contain, as data, answered on every call with its evidence.

    from tonecoach.scorecard import load_scorecard, evaluate

    card = load_scorecard()                 # the bundled default (tonecoach/data/scorecard.toml), or a path
    result = evaluate(card, report)         # a CallReport -> ScorecardResult
    [(a.id, a.answer, a.reason) for a in result.answers]

A scorecard lists criteria, each a question answered yes / no / not
applicable from the call: phrase trackers per language, the lexicons' marker
categories, or a measured value (:data:`METRICS`), looked for in a part of
the call (opening, closing, after a complaint, around a hold). The format is
described in the default file; :func:`parse_scorecard` checks a file and
names the line of each problem (:class:`ScorecardError`).
"""

from .evaluate import Answer, ScorecardResult, evaluate
from .metrics import METRICS, Metric, metric_value
from .schema import (
    ANSWERS,
    DEFAULT_SCORECARD,
    SPEAKERS,
    WHERE,
    Criterion,
    PhraseSet,
    Scorecard,
    ScorecardError,
    load_scorecard,
    marker_categories,
    parse_scorecard,
)

__all__ = [
    "ANSWERS",
    "DEFAULT_SCORECARD",
    "METRICS",
    "SPEAKERS",
    "WHERE",
    "Answer",
    "Criterion",
    "Metric",
    "PhraseSet",
    "Scorecard",
    "ScorecardError",
    "ScorecardResult",
    "evaluate",
    "load_scorecard",
    "marker_categories",
    "metric_value",
    "parse_scorecard",
]
