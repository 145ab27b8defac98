"""The wording of a whole call, turn by turn: markers and model scores, read straight from each turn's language.

:func:`turn_wording` is pure over the call's segments: each turn gets its
markers (from the lexicon of the call's language, with word timestamps), and
its politeness, warmth and sentiment from the wording model, which reads the
turn's own text in its own language (the multilingual encoder; checked on
TyDiP in seven languages, see ``models/WORDING_MODEL_CARD.md``).

Optionally (``--translate``) the agent's turns are scored on Whisper's English
translation instead, marked ``via_translation``. A turn whose transcript
failed the checks of :mod:`tonecoach.wording.reliability` gets no markers and
no scores, and says why. A language without a lexicon still gets model scores,
marked ``lexicon = false`` (model-only).
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
        For non-English calls, score the agent's turns on Whisper's English
        translation (``--translate``) instead of their own words. Off by
        default: direct scoring of the original text was as good on the
        evidence in the model card, and it saves one Whisper pass per turn.
    check_transcript : bool
        Check each turn's transcript (:mod:`tonecoach.wording.reliability`)
        and leave unreliable turns unscored.
    model : WordingModelOptions
        The encoder and the heads.
    """

    enabled: bool = True
    translate: bool = False
    check_transcript: bool = True
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
    model_input: str  # "original", "translation", "none"
    translation: str | None = None
    sentiment: float | None = None
    transcript: Mapping[str, Any] | None = None  # the reliability check of the turn's transcript
    unscored: str | None = None  # why the turn was not scored
    text: str | None = None  # the text scored when it differs from the segment's (re-decoded)

    @property
    def via_translation(self) -> bool:
        return self.model_input == "translation"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "segment": self.segment, "speaker": self.speaker, "role": self.role,
            "start_s": round(self.start_s, 2), "end_s": round(self.end_s, 2), "n_words": self.n_words,
            "politeness": None if self.politeness is None else round(self.politeness, 3),
            "warmth": None if self.warmth is None else round(self.warmth, 3),
            "sentiment": None if self.sentiment is None else round(self.sentiment, 3),
            "model_input": self.model_input, "via_translation": self.via_translation,
            "markers": [m.to_dict() for m in self.markers],
        }
        if self.translation is not None:
            d["translation"] = self.translation
        if self.transcript is not None:
            d["transcript"] = dict(self.transcript)
        if self.unscored:
            d["unscored"] = self.unscored
        if self.text is not None:
            d["text"] = self.text
        return d


def turn_wording(
    segments: Sequence[Segment],
    *,
    roles: Mapping[str, str],
    language: str | None,
    model: WordingModel | None,
    translations: Mapping[int, str] | None = None,
    warnings: list[str] | None = None,
    checks: Sequence[Any] | None = None,
    redecoded: Mapping[int, Segment] | None = None,
) -> list[TurnWording]:
    """Markers and model scores for every segment.

    Parameters
    ----------
    segments : the report's segments (text and timed words)
    roles : speaker id -> "agent" / "customer" / "unknown"
    language : the call's ISO 639-1 code (None: treated as English)
    model : the wording model, or None to skip model scores
    translations : segment index -> English translation (only with ``--translate``)
    warnings : a list to append user-facing warnings to
    checks : one :class:`~tonecoach.wording.reliability.TurnReliability` per segment, or None
    redecoded : segment index -> the turn decoded again with the language forced (its text replaces the first)
    """
    lang = normalize_language(language) or "en"
    translations = translations or {}
    redecoded = redecoded or {}
    try:
        lexicon = load_lexicon(lang)
    except ToneCoachError as exc:
        lexicon = None
        if warnings is not None:
            warnings.append(f"the {lang} marker lexicon could not be loaded ({exc}); wording scores are model-only")
    segs = [redecoded.get(i, s) for i, s in enumerate(segments)]
    ok = [checks is None or checks[i].reliable for i in range(len(segs))]
    inputs: list[str] = []
    kinds: list[str] = []
    langs: list[str] = []
    for i, s in enumerate(segs):
        if not ok[i]:
            inputs.append("")
            kinds.append("none")
        elif lang != "en" and translations.get(i, "").strip():
            inputs.append(translations[i])
            kinds.append("translation")
        else:
            inputs.append(s.text)
            kinds.append("original")
        langs.append("en" if kinds[-1] == "translation" else lang)
    markers = [find_markers(s.text, language=lang, words=s.words, lexicon=lexicon) if lexicon and ok[i] else ()
               for i, s in enumerate(segs)]
    # the heads read marker categories of the text they score: English markers on a translation
    model_cats = [
        [m.category for m in (find_markers(inputs[i], language="en") if kinds[i] == "translation" else markers[i])]
        for i in range(len(segs))
    ]
    scores: list[dict[str, float | None]] = [{} for _ in segs]
    if model is not None and segs:
        scores = model.score(inputs, model_cats, language=langs)
    out = []
    for i, s in enumerate(segs):
        sc = scores[i]
        kind = kinds[i] if sc.get("politeness") is not None else "none"
        chk = checks[i] if checks is not None else None
        why = None if ok[i] else "transcript unreliable: " + "; ".join(chk.reasons)  # type: ignore[union-attr]
        out.append(TurnWording(
            segment=i, speaker=s.speaker, role=roles.get(s.speaker, "unknown"), start_s=s.start_s, end_s=s.end_s,
            n_words=count_words(s.text), markers=tuple(markers[i]), politeness=sc.get("politeness"), warmth=sc.get("warmth"),
            model_input=kind, translation=translations.get(i) if kinds[i] == "translation" else None,
            sentiment=sc.get("sentiment"), transcript=chk.to_dict() if chk is not None else None, unscored=why,
            text=s.text if i in redecoded else None,
        ))
    if warnings is not None and lexicon is None and lang != "en":
        warnings.append(f"no marker lexicon for language '{lang}': wording scores are model-only (no phrase markers)")
    return out
