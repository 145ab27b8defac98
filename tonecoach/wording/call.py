"""The wording of a whole call, turn by turn: markers in the spoken language, model scores in English.

:func:`turn_wording` is pure over the call's segments: each turn gets its
markers (from the lexicon of the call's language, with word timestamps), and
its politeness and warmth from the wording model, scored on:

* the turn's own text when the call is in English;
* the English translation of the turn (Whisper's translate task, done by the
  Analyzer), marked ``via_translation``, for any other language;
* the turn's own text otherwise (no translation available or
  ``--no-translate``), marked ``model_input = "untranslated"``: the heads
  were trained on English, so such scores are less reliable.

A language without a lexicon still gets model scores, marked
``lexicon = false`` (model-only).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from ..errors import ToneCoachError
from ..report import Segment
from .lexicon import load_lexicon, normalize_language
from .markers import Marker, count_words, find_markers
from .model import WordingModel, WordingModelOptions

__all__ = ["WordingOptions", "TurnWording", "turn_wording"]

log = logging.getLogger("tonecoach")


@dataclass(frozen=True)
class WordingOptions:
    """Options of the wording stage; recorded in every report.

    Attributes
    ----------
    enabled : bool
        Score the wording at all (markers, model scores, content score).
    translate : bool
        For non-English calls, score the model on Whisper's English
        translation of the agent's turns (``--no-translate`` turns it off).
    model : WordingModelOptions
        The encoder and the heads.
    """

    enabled: bool = True
    translate: bool = True
    model: WordingModelOptions = field(default_factory=WordingModelOptions)


@dataclass(frozen=True)
class TurnWording:
    """The wording of one turn (a segment of the report)."""

    segment: int
    speaker: str
    role: str
    start_s: float
    end_s: float
    n_words: int
    markers: tuple[Marker, ...]
    politeness: float | None
    warmth: float | None
    model_input: str  # "original", "translation", "untranslated", "none"
    translation: str | None = None

    @property
    def via_translation(self) -> bool:
        return self.model_input == "translation"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "segment": self.segment, "speaker": self.speaker, "role": self.role,
            "start_s": round(self.start_s, 2), "end_s": round(self.end_s, 2), "n_words": self.n_words,
            "politeness": None if self.politeness is None else round(self.politeness, 3),
            "warmth": None if self.warmth is None else round(self.warmth, 3),
            "model_input": self.model_input, "via_translation": self.via_translation,
            "markers": [m.to_dict() for m in self.markers],
        }
        if self.translation is not None:
            d["translation"] = self.translation
        return d


def turn_wording(
    segments: Sequence[Segment],
    *,
    roles: Mapping[str, str],
    language: str | None,
    model: WordingModel | None,
    translations: Mapping[int, str] | None = None,
    warnings: list[str] | None = None,
) -> list[TurnWording]:
    """Markers and model scores for every segment.

    Parameters
    ----------
    segments : the report's segments (text and timed words)
    roles : speaker id -> "agent" / "customer" / "unknown"
    language : the call's ISO 639-1 code (None: treated as English)
    model : the wording model, or None to skip model scores
    translations : segment index -> English translation (non-English calls)
    warnings : a list to append user-facing warnings to
    """
    lang = normalize_language(language) or "en"
    translations = translations or {}
    try:
        lexicon = load_lexicon(lang)
    except ToneCoachError as exc:
        lexicon = None
        if warnings is not None:
            warnings.append(f"the {lang} marker lexicon could not be loaded ({exc}); wording scores are model-only")
    inputs: list[str] = []
    kinds: list[str] = []
    for i, s in enumerate(segments):
        if lang == "en":
            inputs.append(s.text)
            kinds.append("original")
        elif translations.get(i, "").strip():
            inputs.append(translations[i])
            kinds.append("translation")
        else:
            inputs.append(s.text)
            kinds.append("untranslated")
    markers = [find_markers(s.text, language=lang, words=s.words, lexicon=lexicon) if lexicon else () for s in segments]
    # the heads read marker categories of the text they score: English markers on a translation
    model_cats = [
        [m.category for m in (find_markers(inputs[i], language="en") if kinds[i] == "translation" else markers[i])]
        for i in range(len(segments))
    ]
    scores: list[dict[str, float | None]] = [{"politeness": None, "warmth": None} for _ in segments]
    if model is not None and segments:
        scores = model.score(inputs, model_cats)
    out = []
    for i, s in enumerate(segments):
        sc = scores[i]
        kind = kinds[i] if sc["politeness"] is not None else "none"
        out.append(TurnWording(
            segment=i, speaker=s.speaker, role=roles.get(s.speaker, "unknown"), start_s=s.start_s, end_s=s.end_s,
            n_words=count_words(s.text), markers=tuple(markers[i]), politeness=sc["politeness"], warmth=sc["warmth"],
            model_input=kind, translation=translations.get(i) if kinds[i] == "translation" else None,
        ))
    if warnings is not None:
        if lexicon is None and lang != "en":
            warnings.append(f"no marker lexicon for language '{lang}': wording scores are model-only (no phrase markers)")
        if any(t.model_input == "untranslated" for t in out):
            warnings.append(f"wording model scores come from untranslated {lang} text; the model was trained on English, "
                            "so they are less reliable (translation is off or failed)")
    return out
