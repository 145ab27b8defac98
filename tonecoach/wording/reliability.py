"""Can a turn's transcript be trusted? Whisper's own confidence and a script check, per turn.

A turn's wording is scored only from a transcript worth scoring. For every
turn, :func:`turn_reliability` looks at

* Whisper's average log-probability of the segments the turn's words came
  from (Whisper itself re-decodes a segment below -1.0);
* the turn's word probabilities: their mean, and the share of words below
  ``low_word_probability``;
* the writing system: the letters of a Hebrew turn must be Hebrew, of a
  Polish one Latin, and so on (:data:`EXPECTED_SCRIPT`). Whisper ``base``
  sometimes writes Hebrew or other languages in Latin transliteration or in
  another script; such a turn is decoded again with the language forced
  (:func:`redecode_turns`) and kept only if the new text passes.

A turn that fails is not scored; the report says why. The thresholds are
data (``[content.transcript]`` of the rubric) and :class:`ReliabilityOptions`.
"""

from __future__ import annotations

import logging
import math
import unicodedata
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ..errors import ToneCoachError
from ..report import Segment, Word

__all__ = ["EXPECTED_SCRIPT", "ReliabilityOptions", "TurnReliability", "script_of", "script_shares", "foreign_share", "turn_reliability",
           "check_turns", "redecode_turns"]

log = logging.getLogger("tonecoach")

#: The writing system each language is written in (languages not listed are not checked).
EXPECTED_SCRIPT: Mapping[str, str] = {
    **{c: "Latin" for c in ("en", "lv", "lt", "pl", "ro", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "no", "nb", "fi",
                            "et", "cs", "sk", "sl", "hr", "bs", "hu", "tr", "af", "ca", "eu", "gl", "id", "ms", "vi", "sq",
                            "is", "ga", "cy", "mt", "sw", "tl", "uz", "az")},
    **{c: "Cyrillic" for c in ("ru", "uk", "be", "bg", "mk", "sr", "kk", "mn", "tg")},
    "he": "Hebrew", "yi": "Hebrew", "ar": "Arabic", "fa": "Arabic", "ur": "Arabic", "ps": "Arabic", "el": "Greek",
    "hi": "Devanagari", "mr": "Devanagari", "ne": "Devanagari", "bn": "Bengali", "ta": "Tamil", "te": "Telugu",
    "th": "Thai", "ka": "Georgian", "hy": "Armenian", "ko": "Hangul", "ja": "Japanese", "zh": "Han",
}
_SCRIPT_NAMES = ("LATIN", "CYRILLIC", "HEBREW", "ARABIC", "GREEK", "DEVANAGARI", "BENGALI", "TAMIL", "TELUGU", "THAI",
                 "GEORGIAN", "ARMENIAN", "HANGUL", "HIRAGANA", "KATAKANA", "CJK")
_JAPANESE = {"Hiragana", "Katakana", "Han"}


def script_of(ch: str) -> str | None:
    """The writing system of one letter ("Latin", "Hebrew", "Han", ...), or None for a non-letter."""
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    for s in _SCRIPT_NAMES:
        if name.startswith(s) or f" {s} " in f" {name} ":
            return "Han" if s == "CJK" else s.capitalize()
    return "Other"


def script_shares(text: str) -> dict[str, float]:
    """Share of the letters of ``text`` in each writing system (empty for a text without letters)."""
    counts: dict[str, int] = {}
    for ch in text:
        s = script_of(ch)
        if s:
            counts[s] = counts.get(s, 0) + 1
    n = sum(counts.values())
    return {k: v / n for k, v in sorted(counts.items(), key=lambda kv: -kv[1])} if n else {}


def _word_script(word: str) -> str | None:
    shares = script_shares(word)
    return next(iter(shares)) if shares else None


def foreign_share(text: str, language: str) -> tuple[float, str | None]:
    """Share of the words written outside the language's script, and the main foreign script.

    Counted by words, not letters, so one long Latin name in a Hebrew turn
    weighs as one word. 0 and None when the language is not checked.
    """
    want = EXPECTED_SCRIPT.get(language)
    scripts = [s for s in (_word_script(w) for w in text.split()) if s]
    if not want or not scripts:
        return 0.0, None
    ok = _JAPANESE if want == "Japanese" else {want}
    foreign = [s for s in scripts if s not in ok]
    if not foreign:
        return 0.0, None
    return len(foreign) / len(scripts), max(set(foreign), key=foreign.count)


@dataclass(frozen=True)
class ReliabilityOptions:
    """When a turn's transcript is too unsure to score.

    Attributes
    ----------
    min_avg_logprob : float
        Whisper's average token log-probability of the turn's segments below
        this fails (Whisper's own re-decoding threshold is -1.0).
    min_mean_word_probability : float
        The mean probability of the turn's words below this fails.
    low_word_probability, max_low_word_share : float
        A turn where more than ``max_low_word_share`` of the words have a
        probability under ``low_word_probability`` fails.
    max_foreign_script_share : float
        More than this share of the words written outside the language's
        script fails (a few Latin words in a Hebrew turn are names and brands),
        for turns of at least ``min_words_for_script`` words.
    min_words_for_probability : int
        Word-probability tests apply from this many words (one unsure "mhm"
        says little).
    """

    min_avg_logprob: float = -1.0
    min_mean_word_probability: float = 0.45
    low_word_probability: float = 0.3
    max_low_word_share: float = 0.5
    max_foreign_script_share: float = 0.5
    min_words_for_script: int = 3
    min_words_for_probability: int = 3

    @classmethod
    def from_rubric(cls, data: Any) -> "ReliabilityOptions":
        """The options of a rubric's ``[content.transcript]`` (a :class:`~tonecoach.analysis.scoring.Rubric` or its TOML as a dict)."""
        data = getattr(data, "data", data)
        t = ((data or {}).get("content", {}) or {}).get("transcript", {}) or {}
        names = set(cls.__dataclass_fields__)
        return cls(**{k: type(getattr(cls, k))(v) for k, v in t.items() if k in names})


@dataclass(frozen=True)
class TurnReliability:
    """How far one turn's transcript can be trusted, with the measures behind it."""

    segment: int
    reliable: bool
    reasons: tuple[str, ...]
    avg_logprob: float | None
    mean_word_probability: float | None
    low_word_share: float | None
    foreign_script_share: float
    foreign_script: str | None
    redecoded: bool = False

    def to_dict(self) -> dict[str, Any]:
        r = lambda v: None if v is None else round(float(v), 3)  # noqa: E731
        d = {"reliable": self.reliable, "reasons": list(self.reasons), "avg_logprob": r(self.avg_logprob),
             "mean_word_probability": r(self.mean_word_probability), "low_word_share": r(self.low_word_share),
             "foreign_script_share": r(self.foreign_script_share)}
        if self.foreign_script:
            d["foreign_script"] = self.foreign_script
        if self.redecoded:
            d["redecoded"] = True
        return d


AsrSegment = tuple[float, float, float]  # start_s, end_s, avg_logprob


def _turn_logprob(seg: Segment, asr: Sequence[AsrSegment]) -> float | None:
    """Whisper's average log-probability over the segments that overlap the turn, weighted by the overlap."""
    num = den = 0.0
    for a, b, lp in asr:
        ov = min(b, seg.end_s) - max(a, seg.start_s)
        if ov > 0 and math.isfinite(lp):
            num += ov * lp
            den += ov
    return num / den if den > 0 else None


def turn_reliability(index: int, seg: Segment, *, language: str, asr: Sequence[AsrSegment] = (),
                     options: ReliabilityOptions = ReliabilityOptions(), redecoded: bool = False) -> TurnReliability:
    """Check one turn: Whisper's log-probability, its word probabilities and the script of its text."""
    o = options
    reasons: list[str] = []
    lp = _turn_logprob(seg, asr)
    probs = [float(w.probability) for w in seg.words]
    mean_p = sum(probs) / len(probs) if probs else None
    low = sum(1 for p in probs if p < o.low_word_probability) / len(probs) if probs else None
    if lp is not None and lp < o.min_avg_logprob:
        reasons.append(f"Whisper was unsure of the words (average log-probability {lp:.2f}, under {o.min_avg_logprob:g})")
    if len(probs) >= o.min_words_for_probability:
        if mean_p is not None and mean_p < o.min_mean_word_probability:
            reasons.append(f"mean word probability {mean_p:.2f}, under {o.min_mean_word_probability:g}")
        elif low is not None and low > o.max_low_word_share:
            reasons.append(f"{low:.0%} of the words have a probability under {o.low_word_probability:g}")
    fs, fscript = foreign_share(seg.text, language)
    if fs > o.max_foreign_script_share and len(seg.text.split()) >= o.min_words_for_script:
        want = EXPECTED_SCRIPT.get(language, "?")
        reasons.append(f"{fs:.0%} of the words are in {fscript} script, not {want} as {language} is written "
                       "(transliterated or another language)")
    return TurnReliability(index, not reasons, tuple(reasons), lp, mean_p, low, fs, fscript, redecoded)


def check_turns(segments: Sequence[Segment], *, language: str, asr: Mapping[str, Sequence[AsrSegment]] | None = None,
                options: ReliabilityOptions = ReliabilityOptions()) -> list[TurnReliability]:
    """:func:`turn_reliability` for every turn; ``asr`` maps a speaker (or the one channel) to its Whisper segments."""
    asr = asr or {}
    only = next(iter(asr.values())) if len(asr) == 1 else ()
    return [turn_reliability(i, s, language=language, asr=asr.get(s.speaker, only), options=options)
            for i, s in enumerate(segments)]


_PAD_S = 0.2


def redecode_turns(transcriber, segments: Sequence[Segment], checks: Sequence[TurnReliability],
                   channels: Mapping[str, Any], *, sr: int, language: str,
                   options: ReliabilityOptions = ReliabilityOptions()) -> dict[int, tuple[Segment, TurnReliability]]:
    """Decode again, with the language forced, the turns whose text is in the wrong script.

    Returns segment index -> (the re-decoded turn, its check) for the turns
    whose new text passes; the others are left as they were. ``channels``
    maps a speaker to an object whose ``for_asr(sr)`` gives the samples its
    words came from.
    """
    out: dict[int, tuple[Segment, TurnReliability]] = {}
    samples: dict[str, Any] = {}
    for c in checks:
        if c.reliable or c.foreign_script is None:
            continue
        s = segments[c.segment]
        ch = channels.get(s.speaker)
        if ch is None:
            continue
        a, b = max(0, int((s.start_s - _PAD_S) * sr)), int((s.end_s + _PAD_S) * sr)
        try:
            if s.speaker not in samples:
                samples[s.speaker] = ch.for_asr(sr)
            tr = transcriber.transcribe(samples[s.speaker][a:b], language=language, offset_s=max(0.0, s.start_s - _PAD_S))
        except ToneCoachError as exc:
            log.info("re-decoding turn %d failed: %s", c.segment, exc)
            continue
        words = tuple(Word(w.text, w.start_s, w.end_s, w.probability) for w in tr.words)
        text = tr.text.strip()
        if not text:
            continue
        new = Segment(start_s=s.start_s, end_s=s.end_s, speaker=s.speaker, text=text, words=words, prosody=s.prosody)
        asr = [(x.start_s, x.end_s, x.avg_logprob) for x in tr.segments]
        chk = turn_reliability(c.segment, new, language=language, asr=asr, options=options, redecoded=True)
        if chk.reliable:
            out[c.segment] = (new, chk)
    return out
