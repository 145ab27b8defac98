"""The content side of a call: what the agent said, scored from the rubric, with its evidence.

Pure functions over the per-turn wording (:mod:`tonecoach.wording.call`) and
the rubric's ``[content.*]`` and ``[overall]`` tables:

* :func:`content_values` -> the metric values and their evidence;
* :func:`score_content` -> 0-100 with one :class:`MetricScore` per metric;
* :func:`customer_sentiment` -> the customer's sentiment per turn, at the start and the end;
* :func:`rewording_feedback` -> a timestamped item with a suggested rewording
  for every hurting phrase of the agent;
* :func:`overall_score` -> tone and content combined with the rubric's weights.

Tone-versus-content mismatches and the summary live in :mod:`tonecoach.wording.balance`.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from ..render.fmt import clock
from ..report import FeedbackItem, MetricScore
from ..rubric import Rubric, score_metrics
from .call import TurnWording

__all__ = ["content_values", "score_content", "customer_sentiment", "rewording_feedback", "overall_score"]


def _rules(rubric: Rubric) -> Mapping[str, Any]:
    return rubric.content("rules")


def _mean(xs: Sequence[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def content_values(turns: Sequence[TurnWording], rubric: Rubric) -> tuple[dict[str, float | None], dict[str, str]]:
    """Metric values of the agent's wording over the call, and what each was measured over."""
    r = _rules(rubric)
    agent = [t for t in turns if t.role == "agent"]
    customer = [t for t in turns if t.role == "customer"]
    words = sum(t.n_words for t in agent)
    cats = lambda ts, names: [m for t in ts for m in t.markers if m.category in set(names)]  # noqa: E731
    vals: dict[str, float | None] = {}
    ev: dict[str, str] = {}
    scored = [t for t in agent if t.politeness is not None]
    w = [max(1, t.n_words) for t in scored]
    if scored:
        vals["politeness"] = 100 * sum(t.politeness * k for t, k in zip(scored, w)) / sum(w)  # type: ignore[operator]
        vals["warmth"] = 100 * sum(t.warmth * k for t, k in zip(scored, w)) / sum(w)  # type: ignore[operator]
        via = sum(1 for t in scored if t.via_translation)
        how = f"{len(scored)} agent turn(s), weighted by words" + (f"; {via} scored on the English translation" if via else "")
        ev["politeness"] = ev["warmth"] = how
    min_words = r["min_agent_words"]
    if words >= min_words:
        for key, names, label in (("blunt_per_100_words", r["blunt_categories"], "blunt"),
                                  ("negative_per_100_words", r["negative_categories"], "negative"),
                                  ("fillers_per_100_words", r["filler_categories"], "filler")):
            found = cats(agent, names)
            vals[key] = 100.0 * len(found) / words
            shown = ", ".join(f'"{m.text}"' for m in found[:4]) + (" ..." if len(found) > 4 else "")
            ev[key] = f"{len(found)} {label} phrase(s) in {words} agent words" + (f": {shown}" if found else "")
        own = cats(agent, ["ownership"])
        vals["ownership_count"] = float(len(own))
        ev["ownership_count"] = (", ".join(f'"{m.text}" at {clock(m.start_s or 0)}' for m in own[:3])
                                 if own else "no phrase taking ownership of the next step")
    # empathy when the customer is upset: an empathy marker in an agent turn after the first complaint
    complaints = [(t, m) for t in customer for m in t.markers if m.category in set(r["complaint_categories"])]
    if complaints:
        first_t, first_m = complaints[0]
        later = [(t, m) for t in agent if t.start_s >= first_t.start_s
                 for m in t.markers if m.category in set(r["empathy_categories"])]
        vals["empathy_when_upset"] = 100.0 if later else 0.0
        ev["empathy_when_upset"] = (f'customer upset at {clock(first_t.start_s)} ("{first_m.text}"); '
                                    + (f'agent: "{later[0][1].text}" at {clock(later[0][0].start_s)}' if later
                                       else "no empathy statement from the agent after it"))
    if agent:
        first = agent[0].start_s
        opening = [t for t in agent if t.start_s - first <= r["opening_s"]][:2]
        g = [m for t in opening for m in t.markers if m.category == "greeting"]
        vals["greeting"] = 100.0 if g else 0.0
        ev["greeting"] = f'"{g[0].text}" at {clock(g[0].start_s or opening[0].start_s)}' if g else "no greeting in the agent's opening turn(s)"
        last = agent[-1].end_s
        closing = [t for t in agent if last - t.start_s <= r["closing_s"]][-2:]
        if len(agent) >= 2 or len(turns) > len(agent):
            c = [m for t in closing for m in t.markers if m.category == "closing"]
            vals["closing"] = 100.0 if c else 0.0
            ev["closing"] = f'"{c[-1].text}" at {clock(c[-1].start_s or closing[-1].start_s)}' if c else "no closing phrase in the agent's last turn(s)"
    return vals, ev


def score_content(values: Mapping[str, float | None], rubric: Rubric, *, evidence: Mapping[str, str] | None = None
                  ) -> tuple[float | None, list[MetricScore]]:
    """The content score (weighted mean of the metrics that apply) and one :class:`MetricScore` per metric."""
    def describe(v: float | None, m: Mapping[str, Any]) -> str:
        lo, hi = float(m["low"]), float(m["high"])
        target = f">= {lo:g}" if hi >= 1000 else f"{lo:g}" if lo == hi else f"{lo:g}-{hi:g}"
        val = "not applicable to this call" if v is None else f"{v:.1f} {m['unit']}"
        return f"{val} against a target of {target} {m['unit']}"

    return score_metrics(rubric.content_metrics, values, describe=describe, evidence=evidence, digits=2)


def customer_sentiment(turns: Sequence[TurnWording], rubric: Rubric, *, segments: Sequence[Any] | None = None
                       ) -> dict[str, Any] | None:
    """The customer's sentiment per turn, its mean over the first and the last turns, and whether it turned around.

    Sentiment is the sentiment head's P(positive) of each customer turn (a
    multilingual head validated on labelled sentiment sets; see the model
    card). Without model scores, complaint markers decide. ``turns`` lists
    every customer turn with its score, and ``behind_shift`` the turns of the
    two windows that the start and end values are means of, so a reader can
    see which words moved it. ``segments`` (the report's) adds each turn's text.
    """
    c = rubric.content("customer")
    n = c["turns_each_end"]
    cust = [t for t in turns if t.role == "customer" and t.n_words > 0 and not getattr(t, "unscored", None)]
    if len(cust) < 2:
        return None
    k = min(n, len(cust) // 2)
    start, end = cust[:k], cust[-k:]
    comp = lambda ts: sum(1 for t in ts for m in t.markers if m.category == "complaint")  # noqa: E731
    value = lambda t: getattr(t, "sentiment", None)  # noqa: E731
    sv = _mean([value(t) for t in start if value(t) is not None])
    ev_ = _mean([value(t) for t in end if value(t) is not None])

    def row(t) -> dict[str, Any]:
        d: dict[str, Any] = {"segment": t.segment, "start_s": round(float(t.start_s), 2),
                             "sentiment": None if value(t) is None else round(float(value(t)), 3)}
        if segments is not None and 0 <= t.segment < len(segments):
            txt = getattr(t, "text", None) or segments[t.segment].text
            d["text"] = txt if len(txt) <= 160 else txt[:157] + "..."
        return d

    out: dict[str, Any] = {
        "method": "sentiment head on each customer turn" if sv is not None and ev_ is not None else "complaint markers",
        "start": None if sv is None else round(sv, 3), "end": None if ev_ is None else round(ev_, 3),
        "start_window_s": [round(float(start[0].start_s), 2), round(float(start[-1].end_s), 2)],
        "end_window_s": [round(float(end[0].start_s), 2), round(float(end[-1].end_s), 2)],
        "complaints_start": comp(start), "complaints_end": comp(end),
        "turns": [row(t) for t in cust],
        "behind_shift": {"start": [row(t) for t in start], "end": [row(t) for t in end]},
    }
    if sv is not None and ev_ is not None:
        d = ev_ - sv
        out["change"] = round(d, 3)
    else:
        d = 0.15 * (comp(start) - comp(end))  # fewer complaint phrases at the end reads as improvement
    thr = c["unchanged_below"]
    out["trend"] = "improved" if d >= thr else "worsened" if d <= -thr else "unchanged"
    return out


def rewording_feedback(turns: Sequence[TurnWording], rubric: Rubric) -> list[FeedbackItem]:
    """One timestamped item per hurting phrase of the agent, with the phrasebook's rewording."""
    r = _rules(rubric)
    major, info = set(r["major_categories"]), set(r["info_categories"])
    items = []
    for t in turns:
        if t.role != "agent":
            continue
        for m in t.markers:
            if m.effect != "hurts":
                continue
            st = m.start_s if m.start_s is not None else t.start_s
            en = m.end_s if m.end_s is not None else t.end_s
            sev = "major" if m.category in major else "info" if m.category in info else "minor"
            msg = f'At {clock(st)} you said "{m.text}" ({m.label.lower()}).'
            if m.suggestion_why:
                msg += f" {m.suggestion_why}"
            items.append(FeedbackItem(
                start_s=round(st, 2), end_s=round(en, 2), category=f"wording_{m.category}", severity=sev, message=msg,
                evidence={"value": m.text, "phrase": m.text, "marker": m.category, "pattern": m.pattern, "segment": t.segment,
                          "words": [m.token_start, m.token_end]},
                speaker=t.speaker, suggestion=m.suggestion,
            ))
    return items


def overall_score(tone: float | None, content: float | None, rubric: Rubric) -> dict[str, Any]:
    """Tone and content combined with the rubric's ``[overall]`` weights (one side alone when the other is missing)."""
    o = rubric.overall
    wt, wc = o["tone_weight"], o["content_weight"]
    parts = [(s, w) for s, w in ((tone, wt), (content, wc)) if s is not None and w > 0]
    score = round(sum(s * w for s, w in parts) / sum(w for _, w in parts), 1) if parts else None
    note = ("tone and content" if len(parts) == 2 else "tone only" if tone is not None and content is None
            else "content only" if content is not None and tone is None else "nothing measured")
    return {"score": score, "tone_weight": wt, "content_weight": wc, "combined": note, "source": o["source"]}
