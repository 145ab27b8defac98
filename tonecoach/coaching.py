"""What a coach says first: plain labels, one figure per measurement, the summary, the lines to re-take.

Pure functions over a :class:`~tonecoach.report.CallReport`, shared by the
HTML report and the web app, so both say the same thing in the same words:

- :func:`fmt` writes every measurement with one precision per unit (words per
  minute whole, semitones and decibels to one decimal), wherever it appears;
- :func:`feedback_views` turns the feedback into items for people (a plain
  label, the figures that matter with what each one measures, the rest behind
  "details"), sorted by severity then time, with a row for every summary item
  that the rules did not flag as a moment (a missing greeting);
- :func:`summary` picks the three things to work on first, each with its
  moment and the points it would gain, and one thing that went well;
- :func:`agent_doubt` says when the choice of the agent was unsure;
- :func:`retake_lines` lists the sentences and phrases worth recording again.

Nothing here measures: every number comes from the report.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .render.fmt import band, clock
from .report import CallReport, FeedbackItem, MetricScore, Segment
from .rules import CONVERSATION_RULES, TONE_RULES, category_field, category_metric, metric_categories

__all__ = [
    "AgentDoubt",
    "FeedbackView",
    "Line",
    "Summary",
    "SummaryItem",
    "agent_doubt",
    "category_label",
    "clock",
    "feedback_views",
    "finite",
    "fmt",
    "retake_lines",
    "retake_verdict",
    "summary",
    "target_text",
    "verdict",
]

#: decimals per unit: one precision for a unit everywhere it is shown
UNIT_DIGITS = {"wpm": 0, "semitones": 1, "dB": 1, "dBFS": 1, "%": 0, "% clipped": 1, "per min": 1, "count": 0, "s": 1,
               "/100": 0, "per 100 words": 1, "Hz": 0}

#: plain words for the rules' categories, from the registries of :mod:`tonecoach.rules` (wording
#: categories take their lexicon's label)
LABELS = {
    **{c: r.label for c, r in TONE_RULES.items()},
    **{c: r.label for c, r in CONVERSATION_RULES.items()},
    "tone_content_mismatch": "Voice and words disagree",
}
_MISMATCH = {"kind_words_poor_delivery": "Kind words, flat delivery", "warm_tone_blunt_words": "Warm voice, blunt words"}

#: the tone metric (rubric name) each tone category is about, and the prosody field it measures
#: (both from the one registry, :data:`tonecoach.rules.TONE_RULES`)
CATEGORY_METRIC = category_metric()
CATEGORY_FIELD = category_field()
_EXTREME = {"too_fast": "fastest phrase", "too_slow": "slowest phrase", "monotone": "flattest phrase",
            "low_energy": "quietest phrase"}
_PHRASE = {"too_fast": "this phrase", "too_slow": "this phrase", "monotone": "this phrase", "low_energy": "this phrase"}
#: a summary metric and the feedback categories that show it as moments
METRIC_CATEGORIES = {
    **metric_categories(),
    "blunt": ("wording_blame", "wording_dismissive", "wording_over_promise"),
    "negative_framing": ("wording_negative_framing",),
    "fillers": ("wording_filler",),
    "politeness": ("wording_direct_question", "wording_direct_request", "wording_you_start"),
}
SEVERITY_RANK = {"major": 0, "minor": 1, "info": 2}
#: evidence kept out of the figures and shown behind "details"
_DETAIL_KEYS = ("pattern", "segment", "words", "marker", "source", "moments", "voiced_s", "kind", "phrases")


def finite(v: Any) -> float | None:
    """``v`` as a finite float (numpy scalars too), or ``None``."""
    if v is None or isinstance(v, bool):
        return None
    if hasattr(v, "item") and callable(v.item):  # numpy scalar
        v = v.item()
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


_finite = finite


def _number(f: float, unit: str, *, bound: bool = False) -> str:
    digits = 0 if bound and f == int(f) else UNIT_DIGITS.get(unit, 0 if abs(f) >= 100 or f == int(f) else 1)
    text = f"{f:.{digits}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text.replace("-", "−")


def fmt(value: Any, unit: str | None = "") -> str:
    """A measurement as people read it, with its unit: ``196 wpm``, ``0.6 semitones``, ``−31.0 dBFS``."""
    f = _finite(value)
    if f is None:
        return value if isinstance(value, str) else "—"
    unit = unit or ""
    text = _number(f, unit)
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def target_text(low: Any, high: Any, unit: str | None = "") -> str:
    """A target range: ``120–160 wpm``, ``at least 1 count``, ``−32 to −10 dBFS``."""
    lo, hi = _finite(low), _finite(high)
    unit = unit or ""
    if lo is None and hi is None:
        return ""
    u = "" if not unit else unit if unit == "%" else f" {unit}"
    if hi is None or hi >= 1000:
        return f"at least {_number(lo, unit, bound=True)}{u}"
    if lo is None:
        return f"at most {_number(hi, unit, bound=True)}{u}"
    if lo == hi:
        return f"{_number(lo, unit, bound=True)}{u}"
    sep = " to " if lo < 0 or hi < 0 else "–"
    return f"{_number(lo, unit, bound=True)}{sep}{_number(hi, unit, bound=True)}{u}"


def verdict(score: Any) -> str:
    """A score in plain words: ``good`` (80 and over), ``getting there`` (60-79), ``needs work`` (:func:`~tonecoach.render.fmt.band`)."""
    return band(score).label


def _humanise(name: str) -> str:
    s = name.replace("_", " ").strip()
    return s[:1].upper() + s[1:] if s else name


def _marker_labels(report: CallReport) -> dict[str, str]:
    out: dict[str, str] = {}
    for t in report.content.turns if report.content is not None else ():
        if isinstance(t, Mapping):
            for m in t.get("markers") or ():
                if isinstance(m, Mapping) and m.get("category") and m.get("label"):
                    out.setdefault(str(m["category"]), str(m["label"]))
    return out


def category_label(fb: FeedbackItem, report: CallReport | None = None, *, _markers: Mapping[str, str] | None = None) -> str:
    """The plain label of a feedback item ("Dismissive phrase", "Speaking too fast")."""
    cat = fb.category
    if cat == "tone_content_mismatch":
        return _MISMATCH.get(str(fb.evidence.get("kind")), LABELS[cat])
    if cat in LABELS:
        return LABELS[cat]
    if cat.startswith("wording_"):
        name = cat.removeprefix("wording_")
        markers = _markers if _markers is not None else (_marker_labels(report) if report is not None else {})
        return markers.get(str(fb.evidence.get("marker") or name)) or _humanise(name)
    return _humanise(cat)


def _metric(report: CallReport, name: str):
    return next((m for m in report.tone.metrics if m.name == name), None)


def _content_metrics(report: CallReport) -> dict[str, MetricScore]:
    return {m.name: m for m in report.content.metrics if m.name} if report.content is not None else {}


def _agent_id(report: CallReport) -> str | None:
    a = report.agent
    if a is not None and a.speaker:
        return a.speaker
    sp = report.agent_speaker
    return sp.id if sp else None


# -- feedback for people -------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackView:
    """One feedback item as people read it.

    ``index`` is the item's place in ``report.feedback``; None for a row made
    from a summary item the rules did not flag as a moment (``metric`` names it).
    ``figures`` are the measurements that matter, each saying what it measures;
    ``details`` the rest of the evidence (search pattern, segment, moments).
    """

    index: int | None
    start_s: float
    end_s: float
    category: str
    label: str
    severity: str
    finding: str
    figures: tuple[str, ...] = ()
    suggestion: str | None = None
    details: tuple[tuple[str, str], ...] = ()
    speaker: str | None = None
    metric: str | None = None

    @property
    def when(self) -> str:
        a, b = clock(self.start_s), clock(self.end_s)
        return a if a == b else f"{a}–{b}"

    @property
    def key(self) -> str:
        """A stable id: ``fb-3`` for report.feedback[3], ``m-greeting`` for a summary metric's row."""
        return f"fb-{self.index}" if self.index is not None else f"m-{self.metric}"

    @property
    def moment(self) -> tuple[float, float]:
        """The stretch to play: the most telling phrase of a run of phrases, else the item's span."""
        return self._moment

    _moment: tuple[float, float] = field(default=(0.0, 0.0), repr=False, compare=False)


def _detail_value(k: str, v: Any, unit: str | None) -> str:
    if k == "moments" and isinstance(v, (list, tuple)):
        return "; ".join(f"{clock(m.get('start_s'))}–{clock(m.get('end_s'))} {fmt(m.get('value'), unit)}"
                         for m in v if isinstance(m, Mapping))
    if k == "words" and isinstance(v, (list, tuple)):
        return f"{v[0]} to {v[1]}" if len(v) == 2 else ", ".join(map(str, v))
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v)
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _figures(fb: FeedbackItem, report: CallReport) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    ev = dict(fb.evidence)
    unit = ev.get("unit") if isinstance(ev.get("unit"), str) else ""
    figures: list[str] = []
    used = {"unit", "target"}
    cat = fb.category
    metric = _metric(report, CATEGORY_METRIC.get(cat, "")) or _metric(report, CATEGORY_FIELD.get(cat, ""))
    if cat in _EXTREME and _finite(ev.get("value")) is not None:
        phrase = fmt(ev["value"], unit)
        many = len(ev.get("moments") or ()) > 1
        whole = fmt(metric.value, metric.unit) if metric is not None and _finite(metric.value) is not None else None
        if whole is not None and whole == phrase and not many:
            figures.append(f"{phrase} (your whole call: the same)")
        else:
            figures.append(f"{_EXTREME[cat] if many else _PHRASE[cat]}: {phrase}")
            if whole is not None:
                figures.append(f"your whole call: {whole}")
        if metric is not None and target_text(metric.target_low, metric.target_high, metric.unit):
            figures.append(f"target {target_text(metric.target_low, metric.target_high, metric.unit)}")
        used |= {"value", "threshold"}
    elif cat == "rushed_ending":
        figures.append(f"closing phrase: {fmt(ev.get('value'), 'wpm')}")
        if ev.get("median_wpm_before") is not None:
            figures.append(f"earlier in the call: {fmt(ev.get('median_wpm_before'), 'wpm')}")
        used |= {"value", "median_wpm_before", "ratio", "threshold_ratio"}
    elif cat.startswith("wording_"):
        said = ev.get("phrase") or ev.get("value")
        if said and str(said) not in fb.message:  # the message quotes it already, as a rule
            figures.append(f"you said: “{said}”")
        used |= {"value", "phrase", "marker"}
    elif cat == "tone_content_mismatch":
        if ev.get("value") and str(ev["value"]) not in fb.message:  # the message says it, as a rule
            figures.append(str(ev["value"]))
        for k, u, what in (("pitch_sd_semitones", "semitones", "pitch spread in this turn"),
                           ("words_per_minute", "wpm", "pace in this turn")):
            if _finite(ev.get(k)) is not None:
                figures.append(f"{what}: {fmt(ev[k], u)}")
                used.add(k)
        used |= {"value", "kind"}
    elif _finite(ev.get("value")) is not None:
        figures.append(f"measured: {fmt(ev['value'], unit)}")
        if _finite(ev.get("threshold")) is not None:
            figures.append(f"flagged from {fmt(ev['threshold'], unit)}")
        used |= {"value", "threshold"}
    details = []
    for k, v in ev.items():
        if k in used or v is None or isinstance(v, Mapping) or v == [] or v == "":
            continue
        details.append((k.replace("_", " "), _detail_value(k, v, unit)))
    details.sort(key=lambda kv: (kv[0] not in [d.replace("_", " ") for d in _DETAIL_KEYS], kv[0]))
    return tuple(figures), tuple(details)


def _moment_of(fb: FeedbackItem) -> tuple[float, float]:
    moments = [m for m in fb.evidence.get("moments") or () if isinstance(m, Mapping) and _finite(m.get("value")) is not None]
    if len(moments) > 1:
        best = next((m for m in moments if _finite(m.get("value")) == _finite(fb.evidence.get("value"))), moments[0])
        return float(best["start_s"]), float(best["end_s"])
    return fb.start_s, fb.end_s


def _view(i: int, fb: FeedbackItem, report: CallReport, markers: Mapping[str, str]) -> FeedbackView:
    figures, details = _figures(fb, report)
    return FeedbackView(index=i, start_s=fb.start_s, end_s=fb.end_s, category=fb.category,
                        label=category_label(fb, _markers=markers), severity=fb.severity, finding=fb.message.strip(),
                        figures=figures, suggestion=fb.suggestion, details=details, speaker=fb.speaker,
                        _moment=_moment_of(fb))


def _agent_turns(report: CallReport) -> list[Segment]:
    agent = _agent_id(report)
    return sorted((s for s in report.segments if s.speaker == agent), key=lambda s: s.start_s)


_OPENING_S = 8.0  # how much of an opening or a closing to play


def _metric_moment(report: CallReport, name: str) -> tuple[float, float] | None:
    """Where a call-level content metric shows: the opening for a greeting, the end for a closing, the least
    polite (or warm) turn for politeness and warmth, else the agent's first turn."""
    turns = _agent_turns(report)
    if not turns:
        return None
    if name in ("closing", "ownership"):
        t = turns[-1]
        return max(t.start_s, t.end_s - _OPENING_S), t.end_s
    elif name in ("politeness", "warmth"):
        scored = [(x.get(name), x.get("start_s"), x.get("end_s")) for x in (report.content.turns if report.content else ())
                  if isinstance(x, Mapping) and x.get("role") == "agent" and _finite(x.get(name)) is not None]
        if scored:
            _, a, b = min(scored, key=lambda v: v[0])
            return float(a), float(b)
        t = turns[0]
    else:
        t = turns[0]
    return t.start_s, min(t.end_s, t.start_s + _OPENING_S)


def _metric_row(report: CallReport, side: str, name: str) -> FeedbackView | None:
    """A feedback row for a summary metric that no rule flagged as a moment (no greeting, no ownership)."""
    if side == "tone":
        m = _metric(report, name)
        if m is None:
            return None
        label, value, unit, lo, hi, score, evidence = m.label, m.value, m.unit, m.target_low, m.target_high, m.score, m.evidence
    else:
        cm = _content_metrics(report).get(name)
        if cm is None:
            return None
        label, value, unit = cm.label or _humanise(name), cm.value, cm.unit or ""
        lo, hi, score, evidence = cm.target_low, cm.target_high, cm.score, cm.evidence or ""
    where = _metric_moment(report, name)
    if where is None:
        return None
    tail = str(evidence).split("; ", 1)[1] if "; " in str(evidence) else ""
    sev = "major" if (_finite(score) or 0.0) < 40 else "minor"
    if unit == "%" or _finite(value) is None:  # a yes/no check (a greeting, a closing): its evidence says it
        why = tail or str(evidence) or label
        finding = why[:1].upper() + why[1:].rstrip(".") + "."
    else:
        finding = (f"Measured {fmt(value, unit)} against a target of {target_text(lo, hi, unit)}"
                   + (f" ({tail.rstrip('.')})." if tail else "."))
    figures: list[str] = []
    return FeedbackView(index=None, start_s=where[0], end_s=where[1], category=f"{side}:{name}", label=label,
                        severity=sev, finding=finding, figures=tuple(figures), metric=name,
                        speaker=_agent_id(report), _moment=where)


def _order(v: FeedbackView) -> tuple[int, float, str]:
    return SEVERITY_RANK.get(v.severity, 3), v.start_s, v.label


def feedback_views(report: CallReport) -> list[FeedbackView]:
    """Every feedback item for people, plus a row for each "work on first" metric with none, sorted by
    severity then time."""
    markers = _marker_labels(report)
    views = [_view(i, fb, report, markers) for i, fb in enumerate(report.feedback)]
    for w in _work_items(report):
        if w.get("side") in ("tone", "content") and _match(views, w) is None:
            row = _metric_row(report, str(w.get("side")), str(w.get("metric")))
            if row is not None:
                views.append(row)
    return sorted(views, key=_order)


def _match(views: Sequence[FeedbackView], w: Mapping[str, Any]) -> FeedbackView | None:
    """The feedback row of a "work on first" item: a rule's own item (side "feedback"), the items of its
    metric's categories, or the row made for the metric."""
    name = str(w.get("metric"))
    if w.get("side") == "feedback":
        hits = [v for v in views if v.category == name]
        at = _finite(w.get("at_s"))
        exact = [v for v in hits if at is not None and abs(v.start_s - at) < 0.05]
        return (exact or sorted(hits, key=_order) or [None])[0]
    cats = METRIC_CATEGORIES.get(name, ())
    hits = [v for v in views if v.category in cats or v.metric == name]
    return min(hits, key=_order) if hits else None


# -- the summary ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryItem:
    """One line of the coaching summary: what, the moment to play, the points it would gain."""

    label: str
    side: str
    why: str
    points: float | None = None
    start_s: float | None = None
    end_s: float | None = None
    feedback: str | None = None  # the FeedbackView.key it belongs to


@dataclass(frozen=True)
class Summary:
    work_on: tuple[SummaryItem, ...]
    went_well: SummaryItem | None


def _work_items(report: CallReport) -> list[Mapping[str, Any]]:
    work = report.content.work_on_first if report.content is not None else ()
    return [w for w in work if isinstance(w, Mapping) and w.get("metric")]


def _tone_work(report: CallReport, n: int) -> list[dict[str, Any]]:
    """Without a content side: the tone metrics that would gain most (weight x missing points)."""
    scored = [m for m in report.tone.metrics if _finite(m.score) is not None and (m.score or 0) < 100]
    total = sum(m.weight for m in report.tone.metrics if _finite(m.score) is not None) or 1.0
    gain = sorted(((100 - m.score) * m.weight / total, m) for m in scored)[::-1]
    return [{"side": "tone", "metric": m.name, "label": m.label, "points": round(g, 1)} for g, m in gain[:n] if g > 0.05]


def _went_well(report: CallReport) -> SummaryItem | None:
    agent = _agent_id(report)
    good = ("empathy", "apology", "gratitude", "ownership", "greeting", "closing")
    for t in report.content.turns if report.content is not None else ():
        if not isinstance(t, Mapping) or (agent and t.get("speaker") not in (agent, None)) or t.get("role") not in ("agent", None):
            continue
        for m in t.get("markers") or ():
            if isinstance(m, Mapping) and m.get("effect") == "helps" and m.get("category") in good and m.get("text"):
                a, b = m.get("start_s", t.get("start_s")), m.get("end_s", t.get("end_s"))
                return SummaryItem(label=str(m.get("label") or _humanise(str(m["category"]))), side="content",
                                   why=f"you said “{m['text']}”", start_s=_finite(a), end_s=_finite(b))
    best = []
    for m in report.tone.metrics:
        if band(m.score).name == "good" and m.weight > 0:
            best.append((m.score, m.weight, m.label, fmt(m.value, m.unit), target_text(m.target_low, m.target_high, m.unit)))
    for name, m in _content_metrics(report).items():
        if band(m.score).name == "good" and (m.weight or 0) > 0 and m.unit != "%":
            best.append((m.score, m.weight or 0, m.label or name, fmt(m.value, m.unit),
                         target_text(m.target_low, m.target_high, m.unit)))
    if not best:
        return None
    score, _, label, value, target = max(best, key=lambda b: (b[0], b[1]))
    return SummaryItem(label=label, side="tone", why=f"{value}, on target" + (f" ({target})" if target else ""))


def summary(report: CallReport, views: Sequence[FeedbackView] | None = None, *, n: int = 3) -> Summary:
    """The three things to work on first (content summary's order; tone metrics alone when there is no content
    side), each tied to its feedback row and moment, and one thing that went well."""
    views = list(views) if views is not None else feedback_views(report)
    work = _work_items(report) or _tone_work(report, n)
    items = []
    for w in work[:n]:
        row = _match(views, w)
        why = row.figures[0] if row is not None and row.figures else (row.finding if row is not None else "")
        a, b = row.moment if row is not None else (None, None)
        label = row.label if row is not None else str(w.get("label") or _humanise(str(w.get("metric"))))
        items.append(SummaryItem(label=label, side=str(w.get("side") or ""),
                                 why=why, points=_finite(w.get("points")), start_s=a, end_s=b,
                                 feedback=row.key if row is not None else None))
    return Summary(work_on=tuple(items), went_well=_went_well(report))


# -- who is the agent ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AgentDoubt:
    """An automatic choice of the agent made with little confidence, and the speakers to switch to."""

    speaker: str
    name: str
    confidence: float
    first_words: str
    reason: str
    method: str
    evidence: tuple[str, ...]
    others: tuple[tuple[str, str], ...]  # (speaker id, display name)


def speaker_name(sid: str) -> str:
    """A speaker as the app names it: the channel in capitals (LEFT), a voice by its id (S2)."""
    return sid.upper() if sid in ("left", "right") else sid


def first_words(report: CallReport, sid: str, limit: int = 70) -> str:
    text = next((s.text for s in sorted(report.segments, key=lambda s: s.start_s) if s.speaker == sid), "").strip()
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _evidence_text(e: Any) -> str:
    """One piece of the agent decision's evidence as a line (an ``AgentEvidence``, or text)."""
    text = getattr(e, "text", None)
    if text is None:
        return str(e)
    who, at = getattr(e, "speaker", ""), clock(getattr(e, "start_s", None))
    return f"{at} {who}: {text}".strip()


def agent_doubt(report: CallReport, *, below: float = 0.8) -> AgentDoubt | None:
    """The agent choice when a person should check it, on a call with two or more speakers.

    The project's rule decides (:func:`tonecoach.analysis.agent.is_unsure`: under the cues' ``unsure_below``, 0.8 by
    default, or no agent found); ``below`` stands in where that rule cannot be read. Never for a person's choice.
    """
    a = report.agent
    if a is None or len(report.speakers) < 2:
        return None
    conf = _finite(getattr(a, "confidence", None))
    speaker = getattr(a, "speaker", None)
    method, reason = str(getattr(a, "method", "") or ""), str(getattr(a, "reason", "") or "")
    if conf is None or not getattr(a, "automatic", method != "option"):  # a person's choice is not doubted
        return None
    try:
        from .analysis.agent import is_unsure

        unsure = is_unsure(a)
    except Exception:  # noqa: BLE001 - an older decision or no cues: the plain threshold
        unsure = conf < below
    if not unsure:
        return None
    ev = getattr(a, "evidence", None)
    mine = [e for e in ev or () if getattr(e, "speaker", speaker) == speaker and (getattr(e, "weight", 1) or 0) > 0]
    evidence = tuple(_evidence_text(e) for e in mine[:3])
    others = tuple((s.id, speaker_name(s.id)) for s in report.speakers if s.id != speaker)
    return AgentDoubt(speaker=speaker or "", name=speaker_name(speaker) if speaker else "", confidence=conf,
                      first_words=first_words(report, speaker) if speaker else "", reason=reason, method=method,
                      evidence=evidence, others=others)


# -- the re-take drill ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """A sentence or phrase of the agent's worth recording again.

    ``focus`` holds, for each rule it broke, ``(category, prosody field or None, the value
    the feedback showed or None)``; ``feedback`` the indices of those items in ``report.feedback``.
    """

    key: str
    start_s: float
    end_s: float
    text: str
    speaker: str
    labels: tuple[str, ...]
    focus: tuple[tuple[str, str | None, float | None], ...]
    feedback: tuple[int, ...]
    words: tuple = ()

    @property
    def label(self) -> str:
        text = self.text if len(self.text) <= 80 else self.text[:77].rstrip() + "..."
        return f"{clock(self.start_s)}–{clock(self.end_s)} {' · '.join(self.labels)}: “{text}”"


_SENTENCE_END = (".", "?", "!", "…")
#: rules about the conversation (and dead air), not about how a line was said: nothing to record again
NOT_A_LINE = frozenset(CONVERSATION_RULES) | {"dead_air"}


def _words_in(report: CallReport, speaker: str | None, a: float, b: float):
    return [w for s in report.segments if s.speaker == speaker for w in s.words if w.end_s > a + 1e-6 and w.start_s < b - 1e-6]


def _sentence(seg: Segment, first: int, last: int, max_s: float):
    """The words of the sentence holding words ``first``..``last`` of ``seg`` (cut to ``max_s`` around them)."""
    ws = list(seg.words)
    if not ws:
        return []
    first, last = max(0, min(first, len(ws) - 1)), max(0, min(last, len(ws) - 1))
    a = first
    while a > 0 and not ws[a - 1].text.rstrip("\"')»”").endswith(_SENTENCE_END):
        a -= 1
    b = last
    while b < len(ws) - 1 and not ws[b].text.rstrip("\"')»”").endswith(_SENTENCE_END):
        b += 1
    while ws[b].end_s - ws[a].start_s > max_s and (a < first or b > last):
        if a < first and (ws[first].start_s - ws[a].start_s >= ws[b].end_s - ws[last].end_s or b <= last):
            a += 1
        else:
            b -= 1
    return ws[a: b + 1]


def _join(words) -> str:
    return " ".join(w.text.strip() for w in words).strip()


def retake_lines(report: CallReport, *, max_s: float = 12.0) -> list[Line]:
    """The agent's sentences and phrases the feedback is about, once each, in the order of the feedback.

    A run of flagged phrases gives a line per phrase; a wording item the
    sentence it was said in; a stretch longer than ``max_s`` (the whole call's
    talk share, a monologue) and moments without the agent's words give none.
    """
    agent = _agent_id(report)
    markers = _marker_labels(report)
    spans: dict[tuple[float, float], dict[str, Any]] = {}
    views = [v for v in feedback_views(report) if v.index is not None]
    for v in views:
        fb = report.feedback[v.index]
        if fb.speaker is None or fb.speaker != agent or fb.category in NOT_A_LINE:
            continue
        field_ = CATEGORY_FIELD.get(fb.category)
        unit = fb.evidence.get("unit") if isinstance(fb.evidence.get("unit"), str) else ""
        pieces: list[tuple[float, float, float | None, list]] = []
        moments = [m for m in fb.evidence.get("moments") or () if isinstance(m, Mapping)]
        if moments:
            for m in moments:
                a, b = _finite(m.get("start_s")), _finite(m.get("end_s"))
                if a is not None and b is not None and b - a <= max_s:
                    pieces.append((a, b, _finite(m.get("value")), _words_in(report, agent, a, b)))
        elif fb.category.startswith("wording_") and isinstance(fb.evidence.get("segment"), int) \
                and 0 <= fb.evidence["segment"] < len(report.segments):
            seg = report.segments[fb.evidence["segment"]]
            w = fb.evidence.get("words") or [0, 0]
            ws = _sentence(seg, int(w[0]), max(int(w[0]), int(w[-1]) - 1), max_s) if len(w) == 2 else []
            if ws:
                pieces.append((ws[0].start_s, ws[-1].end_s, None, ws))
        elif fb.end_s - fb.start_s <= max_s:
            pieces.append((fb.start_s, fb.end_s, _finite(fb.evidence.get("value")) if field_ else None,
                           _words_in(report, agent, fb.start_s, fb.end_s)))
        for _a, _b, value, ws in pieces:
            if not ws:
                continue
            key = (round(ws[0].start_s, 1), round(ws[-1].end_s, 1))
            line = spans.setdefault(key, {"start": ws[0].start_s, "end": ws[-1].end_s, "words": ws, "labels": [],
                                          "focus": [], "feedback": []})
            label = category_label(fb, _markers=markers)
            if field_ and value is not None and all(f != field_ for _, f, _ in line["focus"]):
                label = f"{label} ({fmt(value, unit)})"
            if label not in line["labels"]:
                line["labels"].append(label)
                line["focus"].append((fb.category, field_, value))
            if v.index not in line["feedback"]:
                line["feedback"].append(v.index)
    whole = {tuple(s.words): s.text for s in report.segments if s.words}
    out = []
    for n, (_, d) in enumerate(spans.items()):
        text = whole.get(tuple(d["words"])) or _join(d["words"])
        out.append(Line(key=f"L{n}-{d['feedback'][0]}", start_s=d["start"], end_s=d["end"], text=text.strip(),
                        speaker=agent or "", labels=tuple(d["labels"]), focus=tuple(d["focus"]),
                        feedback=tuple(d["feedback"]), words=tuple(d["words"])))
    return out


def retake_verdict(value_before: float | None, value_after: float | None, low: float | None, high: float | None) -> str:
    """``now on target``, ``closer to the target`` or ``not closer yet`` for one metric of a re-take."""
    a, lo, hi = _finite(value_after), _finite(low), _finite(high)
    if a is None or lo is None or hi is None:
        return "not measured"

    def off(v: float) -> float:
        return 0.0 if lo <= v <= hi else (lo - v if v < lo else v - hi)

    if off(a) == 0.0:
        return "now on target"
    b = _finite(value_before)
    if b is not None and off(a) < off(b):
        return "closer to the target"
    return "not closer yet"


_NUM_RE = re.compile(r"^[-−]?\d[\d.]*\s*\S*.*? against a target of [^;]+;\s*")


def evidence_tail(evidence: str) -> str:
    """A metric's evidence without its first clause (the value and target, already in their own columns)."""
    s = str(evidence or "")
    out = _NUM_RE.sub("", s, count=1)
    return out[:1].upper() + out[1:] if out != s else s
