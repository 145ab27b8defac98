"""The wording stage of a call, as the Analyzer runs it: transcript checks, per-turn wording, content side.

:func:`translate_turns` asks Whisper for an English translation of each agent
turn of a non-English call (the ``translate`` task on the turn's audio; only
with ``--translate``); :func:`analyze_wording` composes the per-turn wording,
the content score, the customer's sentiment, the rewording feedback, the
tone/content mismatches, the overall score and the summary into the report's
``content`` section (:class:`tonecoach.report.ContentResult`). When most of the agent's words come from turns whose
transcript failed its checks, the content score is marked unreliable and
weighs nothing in the overall score.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping, Sequence

from ..errors import ModelNotAvailableError, ToneCoachError
from ..report import ContentResult, FeedbackItem, OverallScore, Segment, ToneResult, TranscriptReliability
from ..rubric import Rubric
from .balance import priorities, summary, tone_content_mismatches
from .call import turn_wording
from .content import content_values, customer_sentiment, overall_score, rewording_feedback, score_content
from .lexicon import available_languages, normalize_language
from .model import WordingModel

__all__ = ["translate_turns", "analyze_wording"]

log = logging.getLogger("tonecoach")

_PAD_S = 0.2


def translate_turns(transcriber, segments: Sequence[Segment], roles: Mapping[str, str], channels: Mapping[str, Any], *,
                    sr: int, language: str, redact: bool = True, warnings: list[str] | None = None) -> dict[int, str]:
    """English translations of the agent's turns: segment index -> text (turns that failed are left out).

    ``channels`` maps a speaker id to an object whose ``for_asr(sr)`` gives
    the samples that speaker's words were recognised from.
    """
    out: dict[int, str] = {}
    samples: dict[str, Any] = {}
    failed = 0
    for i, s in enumerate(segments):
        ch = channels.get(s.speaker)
        if roles.get(s.speaker) != "agent" or ch is None or not s.text.strip():
            continue
        a, b = max(0, int((s.start_s - _PAD_S) * sr)), int((s.end_s + _PAD_S) * sr)
        try:
            if s.speaker not in samples:
                samples[s.speaker] = ch.for_asr(sr)
            tr = transcriber.transcribe(samples[s.speaker][a:b], language=language, task="translate")
        except ToneCoachError as exc:
            failed += 1
            log.info("translation of turn %d failed: %s", i, exc)
            continue
        text = tr.text.strip()
        if redact and text:
            from ..redact import redact_text

            text, _ = redact_text(text)
        if text:
            out[i] = text
        else:
            failed += 1
    if failed and warnings is not None:
        warnings.append(f"{failed} agent turn(s) could not be translated to English; their model scores use the original text")
    return out


def analyze_wording(segments: Sequence[Segment], *, roles: Mapping[str, str], language: str | None,
                    model: WordingModel | None, translations: Mapping[int, str] | None, rubric: Rubric,
                    tone: ToneResult, warnings: list[str],
                    feedback: Sequence[FeedbackItem] = (), checks: Sequence[Any] | None = None,
                    redecoded: Mapping[int, Segment] | None = None) -> tuple[ContentResult, list[FeedbackItem]]:
    """The report's ``content`` section and the wording feedback items (rewordings and mismatches).

    ``feedback`` is what the call has been told so far (tone, conversation):
    it can fill the "work on first" list when few score metrics cost points.
    ``checks`` (one per segment) and ``redecoded`` come from
    :mod:`tonecoach.wording.reliability`.
    """
    lang = normalize_language(language) or "en"
    model_info: dict[str, Any] = {}
    kw = dict(roles=roles, language=lang, translations=translations, checks=checks, redecoded=redecoded)
    try:
        turns = turn_wording(segments, model=model, warnings=warnings, **kw)
        if model is not None:
            model_info = model.describe()
    except ModelNotAvailableError as exc:
        warnings.append(f"wording model unavailable ({exc}); content is scored from phrase markers only")
        turns = turn_wording(segments, model=None, **kw)
    agent_turns = [t for t in turns if t.role == "agent"]
    reliability = transcript_reliability(turns, rubric)
    if reliability["unscored_turns"]:
        warnings.append(f"{reliability['unscored_turns']} turn(s) not scored for wording: their transcript is unreliable "
                        "(see each turn's 'unscored')")
    values, evidence = content_values(turns, rubric)
    score, metrics = score_content(values, rubric, evidence=evidence)
    if not reliability["reliable"]:
        warnings.append(f"content score unreliable: {reliability['reason']}; it weighs nothing in the overall score")
    overall = overall_score(tone.score, score if reliability["reliable"] else None, rubric)
    if not reliability["reliable"] and score is not None:
        overall["combined"] += " (content unreliable, weighted 0)"
        overall["content_weight_used"] = 0.0
    rewording = rewording_feedback(turns, rubric)
    mismatches = tone_content_mismatches(segments, turns, rubric)
    tops = priorities(tone.metrics, metrics if reliability["reliable"] else [], overall,
                      feedback=[*feedback, *rewording, *mismatches])
    content = ContentResult(
        score=score,
        reliable=reliability["reliable"],
        transcript=TranscriptReliability(**reliability),
        metrics=tuple(metrics),
        overall=OverallScore(**overall),
        summary=summary(tone.score, score if reliability["reliable"] else None, overall, tops),
        customer=customer_sentiment(turns, rubric, segments=segments),
        language=lang,
        lexicon=lang in available_languages(),
        scores="markers and model" if lang in available_languages() else "model only (no lexicon for this language)",
        via_translation=any(t.via_translation for t in agent_turns),
        model=model_info,
        turns=tuple(t.to_dict() for t in turns),
        rewording_count=len(rewording),
        mismatch_count=len(mismatches),
        rubric_version=rubric.version,
    )
    return content, [*rewording, *mismatches]


def transcript_reliability(turns, rubric: Rubric) -> dict[str, Any]:
    """Whether the content score can be trusted: the share of the agent's words in turns left unscored."""
    limit = rubric.content("transcript")["max_unreliable_agent_word_share"]
    agent = [x for x in turns if x.role == "agent"]
    words = sum(x.n_words for x in agent)
    bad = sum(x.n_words for x in agent if x.unscored)
    share = bad / words if words else 0.0
    out: dict[str, Any] = {"unscored_turns": sum(1 for x in turns if x.unscored), "agent_words": words,
                           "agent_words_unreliable": bad, "unreliable_share": round(share, 3), "limit": limit,
                           "reliable": share <= limit}
    out["reason"] = (f"{share:.0%} of the agent's words are in turns whose transcript failed its checks (limit {limit:.0%})"
                     if share > limit else "")
    return out
