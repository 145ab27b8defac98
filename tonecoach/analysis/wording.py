"""The wording stage: what the agent said, scored by :mod:`tonecoach.wording` (which holds the models and rules).

:func:`score_wording` checks the transcript (turns written in the wrong script are decoded again with the
language forced), translates the turns of a call not in English where asked, and scores the wording: the
report's ``content`` and the feedback it adds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from ..report import FeedbackItem, Segment, Speaker, ToneResult
from ..rubric import Rubric
from ..wording.call import WordingOptions
from .turns import redacted

if TYPE_CHECKING:
    from .channels import Channel

__all__ = ["Wording", "WordingOptions", "score_wording"]


@dataclass(frozen=True)
class Wording:
    """The wording stage's result.

    Attributes
    ----------
    content : mapping
        The report's ``content`` (the content score, the customer's sentiment, each turn's wording).
    feedback : tuple of FeedbackItem
        The call's feedback with the wording's added, in time order.
    warnings : tuple of str
    """

    content: Mapping[str, Any]
    feedback: tuple[FeedbackItem, ...]
    warnings: tuple[str, ...] = ()


def score_wording(segments: Sequence[Segment], speakers: Sequence[Speaker], *, language: str | None, transcriber: Any,
                  model: Any, rubric: Rubric, tone: ToneResult, feedback: Sequence[FeedbackItem],
                  channels: Mapping[str, Channel], sr: int, asr_segments: Mapping[str, Any] | None = None,
                  options: WordingOptions | None = None, redact: bool = True) -> Wording:
    """Transcript checks (re-decoding turns in the wrong script), markers, model scores, content score.

    ``feedback`` is what the call has been told so far (tone, conversation); ``channels`` maps each speaker
    to its channel (re-decoding and translation read its samples); ``redact`` masks re-decoded text.
    """
    from ..wording.analysis import analyze_wording, translate_turns
    from ..wording.reliability import ReliabilityOptions, check_turns, redecode_turns

    options = options or WordingOptions()
    warnings: list[str] = []
    roles = {s.id: s.role for s in speakers}
    checks, redecoded = None, {}
    if options.check_transcript:
        ropts = ReliabilityOptions.from_rubric(rubric.data)
        checks = check_turns(segments, language=language or "en", asr=asr_segments, options=ropts)
        again = redecode_turns(transcriber, segments, checks, channels, sr=sr, language=language or "en", options=ropts)
        for i, (seg, chk) in again.items():
            redecoded[i], checks[i] = (redacted([seg])[0] if redact else seg), chk
        if again:
            warnings.append(f"{len(again)} turn(s) were written in the wrong script and decoded again with the "
                            f"language forced ({language})")
    translations = None
    if options.translate and language and language != "en":
        translations = translate_turns(transcriber, segments, roles, channels, sr=sr, language=language,
                                       redact=redact, warnings=warnings)
    content, extra = analyze_wording(segments, roles=roles, language=language, model=model, translations=translations,
                                     rubric=rubric, tone=tone, warnings=warnings, feedback=feedback, checks=checks,
                                     redecoded=redecoded)
    told = sorted([*feedback, *extra], key=lambda i: (i.start_s, i.category))
    return Wording(content, tuple(told), tuple(warnings))
