"""How the agent sounded versus what they said: per-turn mismatches, priorities and the summary.

Pure functions over the report's segments (with their prosody), the per-turn
wording and the scored metrics:

* :func:`tone_content_mismatches`: kind words said flat, rushed or loud, and a
  lively voice carrying blunt words, per agent turn, with the evidence of both
  sides;
* :func:`priorities`: the metrics that cost the most overall points, in order
  (each metric's share of the overall score times what it lacks of 100);
* :func:`summary`: the tone/content balance in words and the three things to
  work on first.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from ..render.fmt import clock
from ..report import FeedbackItem, MetricScore, Segment
from ..rubric import Rubric
from ..rules import category_metric, conversation_rule
from .call import TurnWording

__all__ = ["tone_content_mismatches", "priorities", "summary"]


def _turn_delivery(p: Mapping[str, Any], rubric: Rubric) -> tuple[list[str], dict[str, Any]]:
    """What was wrong with the delivery of one turn (flat, rushed, loud), with the measured values."""
    problems, ev = [], {}
    sd, wpm, db, clip = p.get("pitch_sd_semitones"), p.get("words_per_minute"), p.get("energy_dbfs"), p.get("clipping_ratio")
    mono = rubric.feedback("monotone")["semitones_below"]
    fast = rubric.feedback("too_fast")["wpm_above"]
    loud = rubric.feedback("shouting")
    if sd is not None and sd < mono:
        problems.append(f"flat ({sd:.1f} semitones of pitch spread, under {mono:g})")
        ev["pitch_sd_semitones"] = round(sd, 2)
    if wpm is not None and wpm > fast:
        problems.append(f"rushed ({wpm:.0f} words per minute, over {fast:g})")
        ev["words_per_minute"] = round(wpm, 1)
    if (db is not None and db > loud["dbfs_over"]) or (clip is not None and 100 * clip > loud["clipping_percent_over"]):
        problems.append("loud (near full scale or clipping)")
        ev["energy_dbfs"] = None if db is None else round(db, 1)
    return problems, ev


def tone_content_mismatches(segments: Sequence[Segment], turns: Sequence[TurnWording], rubric: Rubric) -> list[FeedbackItem]:
    """Agent turns where tone and words disagree, as feedback items of category ``tone_content_mismatch``."""
    mm = rubric.content("mismatch")
    min_words = rubric.feedback()["min_turn_words"]
    kind_cats, blunt_cats = set(mm["kind_categories"]), set(mm["blunt_categories"])
    kind_over, blunt_under = mm["kind_model_over"], mm["blunt_model_under"]
    lively = mm["lively_semitones_over"]
    rate = rubric.tone_metrics["speaking_rate"]
    out = []
    for t in turns:
        if t.role != "agent" or t.n_words < min_words or t.segment >= len(segments):
            continue
        p = segments[t.segment].prosody or {}
        kind = [m for m in t.markers if m.category in kind_cats and m.effect == "helps"]
        blunt = [m for m in t.markers if m.category in blunt_cats and m.effect == "hurts"]
        model_kind = max(t.politeness or 0.0, t.warmth or 0.0) >= kind_over
        model_blunt = t.politeness is not None and t.politeness <= blunt_under
        words_ev = {"politeness": None if t.politeness is None else round(t.politeness, 3),
                    "warmth": None if t.warmth is None else round(t.warmth, 3)}
        problems, ev = _turn_delivery(p, rubric)
        if (kind or model_kind) and problems and not blunt:
            said = f'"{kind[0].text}"' if kind else "kind words"
            out.append(FeedbackItem(
                start_s=round(t.start_s, 2), end_s=round(t.end_s, 2), category="tone_content_mismatch", severity="minor",
                message=f"At {clock(t.start_s)} you said {said}, but it sounded {' and '.join(problems)}. "
                        "Let your voice carry the words: slow down, lift the key word.",
                evidence={"kind": "kind_words_poor_delivery", "value": "; ".join(problems), "phrases": [m.text for m in kind],
                          **words_ev, **ev},
                speaker=t.speaker,
            ))
            continue
        sd, wpm = p.get("pitch_sd_semitones"), p.get("words_per_minute")
        in_pace = wpm is not None and rate["low"] <= wpm <= rate["high"]
        if (blunt or model_blunt) and sd is not None and sd >= lively and in_pace:
            said = (f'the words were blunt: "{blunt[0].text}"' if blunt
                    else f"the words scored as blunt (politeness {t.politeness:.2f})")
            out.append(FeedbackItem(
                start_s=round(t.start_s, 2), end_s=round(t.end_s, 2), category="tone_content_mismatch", severity="minor",
                message=f"At {clock(t.start_s)} your voice was warm ({sd:.1f} semitones, {wpm:.0f} wpm) but {said}. "
                        "A friendly voice does not undo blunt words.",
                evidence={"kind": "warm_tone_blunt_words", "value": said, "phrases": [m.text for m in blunt], **words_ev,
                          "pitch_sd_semitones": round(sd, 2), "words_per_minute": round(wpm, 1)},
                speaker=t.speaker, suggestion=blunt[0].suggestion if blunt else None,
            ))
    return out


#: Feedback categories that a score metric already covers (so a "work on first" list names each problem once).
_COVERED_BY = {**category_metric(), "blame": "blunt", "dismissive": "blunt", "over_promise": "blunt",
               "negative_framing": "negative_framing", "filler": "fillers"}
_SEVERITY = {"major": 0, "minor": 1}


def _feedback_label(category: str) -> str:
    """A feedback category in plain words: a conversation rule's label ("Slow to answer"), else the name spelt out."""
    rule = conversation_rule(category)
    return rule.label if rule is not None else category.replace("_", " ").capitalize()


def priorities(tone_metrics: Sequence[MetricScore], content_metrics: Sequence[MetricScore], overall: Mapping[str, Any],
               *, top: int = 3, feedback: Sequence[FeedbackItem] = ()) -> list[dict[str, Any]]:
    """The metrics that cost the most overall points, largest first; then, to fill ``top``, the gravest feedback.

    A metric's cost is its share of the overall score (its side's weight
    times its weight within that side) times ``100 - its score``: the points
    the overall score would gain if that metric reached its target. When
    fewer than ``top`` metrics cost points, major then minor feedback items
    (earliest first, one per category, none about a metric already listed)
    fill the list, with ``points`` None: a talk share of 79% or an
    interruption costs no score points but is still worth working on.
    """
    out = []
    for side, metrics, w_side in (("tone", tone_metrics, overall["tone_weight"]),
                                  ("content", content_metrics, overall["content_weight"])):
        scored = [m for m in metrics if m.score is not None and m.weight > 0]
        total = sum(m.weight for m in scored)
        if not total:
            continue
        for m in scored:
            cost = float(w_side) * (m.weight / total) * (100.0 - float(m.score))
            if cost > 0.05:
                out.append({"side": side, "metric": m.name, "label": m.label, "points": round(cost, 1),
                            "score": m.score, "evidence": m.evidence})
    both = overall["tone_weight"] + overall["content_weight"]
    for p in out:
        p["points"] = round(p["points"] / both, 1) if both else p["points"]
    out.sort(key=lambda p: -p["points"])
    out = out[:top]
    listed = {p["metric"] for p in out}
    for f in sorted((f for f in feedback if f.severity in _SEVERITY), key=lambda f: (_SEVERITY[f.severity], f.start_s)):
        if len(out) >= top:
            break
        if f.category in listed or _COVERED_BY.get(f.category) in listed:
            continue
        listed.add(f.category)
        out.append({"side": "feedback", "metric": f.category, "label": _feedback_label(f.category),
                    "points": None, "score": None, "evidence": f.message, "at_s": f.start_s})
    return out


def summary(tone_score: float | None, content_score: float | None, overall: Mapping[str, Any],
            tops: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The balance between tone and content in words, and the three things to work on first."""
    wt, wc = overall["tone_weight"], overall["content_weight"]
    share = wt / (wt + wc) if wt + wc else 0.5
    balance = (f"On the phone the voice carries much of what a caller perceives, so tone counts for {share:.0%} of the "
               f"overall score and wording for {1 - share:.0%} (configurable in the rubric).")
    if tone_score is not None and content_score is not None:
        gap = tone_score - content_score
        if abs(gap) < 10:
            balance += f" This call: tone {tone_score:.0f} and content {content_score:.0f}, in balance."
        elif gap > 0:
            balance += f" This call: tone {tone_score:.0f} is ahead of content {content_score:.0f}: the words need more attention than the voice."
        else:
            balance += f" This call: content {content_score:.0f} is ahead of tone {tone_score:.0f}: the words are better than the way they were said."
    work = [f"{i}. {p['label']} ({p['side']}): worth {p['points']:.1f} points. {p['evidence']}" if p.get("points") is not None
            else f"{i}. {p['evidence']}" for i, p in enumerate(tops, 1)]
    return {"balance": balance, "work_on_first": list(tops), "work_on_first_text": work}
