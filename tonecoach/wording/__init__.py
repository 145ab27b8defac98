"""What the agent said: phrase markers per language, politeness and warmth scores, per-turn wording.

* :func:`find_markers` finds the helping and hurting phrases of an utterance
  from the per-language lexicons in ``tonecoach/data/lexicons``;
* :class:`WordingModel` scores politeness, warmth and sentiment (0-1) with
  small calibrated heads on the bundled multilingual-e5-small embeddings, in
  the text's own language;
* :mod:`~tonecoach.wording.reliability` decides whether a turn's transcript
  can be scored at all;
* :func:`turn_wording` does both for every turn of a call;
* :mod:`~tonecoach.wording.content` scores the content side from the rubric,
  :mod:`~tonecoach.wording.balance` weighs tone against content;
  :func:`~tonecoach.wording.analysis.analyze_wording` composes them into the
  report's ``content`` side.
"""

from .call import TurnWording, WordingOptions, turn_wording
from .lexicon import available_languages, load_lexicon, load_phrasebook
from .markers import Marker, find_markers
from .model import WordingModel, WordingModelOptions

__all__ = [
    "Marker",
    "TurnWording",
    "WordingModel",
    "WordingModelOptions",
    "WordingOptions",
    "available_languages",
    "find_markers",
    "load_lexicon",
    "load_phrasebook",
    "turn_wording",
]
