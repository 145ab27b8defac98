"""Answer a scorecard on one call: yes / no / not applicable, each with its evidence.

:func:`evaluate` is pure over a :class:`~tonecoach.report.CallReport` (the
transcript, the conversation metrics, the wording markers), so a scorecard
can be answered again on a stored report, with a newer scorecard, without
analysing the audio again.

How a phrase criterion is answered, in order:

1. ``where`` gives the windows of the call it looks at (the opening, the
   closing, after the customer's first complaint, around each hold); a call
   without that moment answers "not applicable";
2. ``applies_if``: none of its phrases in those windows -> "not applicable";
3. ``no_if``: one of its phrases -> "no", quoting it;
4. ``yes_if``: one of its phrases -> "yes", quoting it (around holds: every
   hold needs one, else "no", naming the hold without);
5. otherwise the criterion's ``otherwise`` answer, saying what was not found
   where.

A metric criterion is "yes" inside its ``min``/``max`` range, "no" outside,
and "not applicable" when the call does not allow the measure.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from ..render.fmt import clock
from ..report import ContentResult
from ..wording.lexicon import load_lexicon, normalize_language
from ..wording.markers import find_markers
from .metrics import METRICS
from .schema import Criterion, PhraseSet, Scorecard, tracker_name

__all__ = ["Answer", "ScorecardResult", "evaluate"]

_WHERE_TEXT = {"anywhere": "in the call", "opening": "in the opening", "closing": "in the closing",
               "after_complaint": "after the customer's complaint", "around_hold": "around the hold"}


@dataclass(frozen=True)
class Answer:
    """One criterion's answer on one call.

    ``evidence`` items hold ``quote`` (the words, in context), ``phrase``
    (what matched), ``start_s``/``end_s``, ``speaker``, and for metrics
    ``value`` and ``unit``.
    """

    id: str
    question: str
    group: str
    answer: str
    reason: str
    evidence: tuple[Mapping[str, Any], ...] = ()
    weight: float = 1.0
    critical: bool = False
    unsure: bool = False
    basis: str = "phrases"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["evidence"] = [dict(e) for e in self.evidence]
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Answer:
        return cls(id=str(d["id"]), question=str(d.get("question", "")), group=str(d.get("group", "")),
                   answer=str(d["answer"]), reason=str(d.get("reason", "")),
                   evidence=tuple(dict(e) for e in d.get("evidence") or ()), weight=float(d.get("weight", 1.0)),
                   critical=bool(d.get("critical", False)), unsure=bool(d.get("unsure", False)),
                   basis=str(d.get("basis", "phrases")))


@dataclass(frozen=True)
class ScorecardResult:
    """A scorecard answered on one call.

    ``score`` is the weighted share (0-100) of the applicable criteria
    answered yes (None when none applied); ``passed`` says whether it reaches
    the scorecard's ``target`` with no critical criterion failed.
    """

    name: str
    version: str
    digest: str
    source: str
    language: str | None
    answers: tuple[Answer, ...]
    score: float | None
    target: float | None = None
    passed: bool | None = None
    critical_failed: tuple[str, ...] = ()
    team: str | None = None
    counts: Mapping[str, int] = field(default_factory=dict)

    def answer(self, cid: str) -> Answer | None:
        return next((a for a in self.answers if a.id == cid), None)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "digest": self.digest, "source": self.source,
                "team": self.team, "language": self.language, "score": self.score, "target": self.target,
                "passed": self.passed, "critical_failed": list(self.critical_failed), "counts": dict(self.counts),
                "answers": [a.to_dict() for a in self.answers]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ScorecardResult:
        return cls(name=str(d.get("name", "")), version=str(d.get("version", "")), digest=str(d.get("digest", "")),
                   source=str(d.get("source", "")), language=d.get("language"),
                   answers=tuple(Answer.from_dict(a) for a in d.get("answers") or ()), score=d.get("score"),
                   target=d.get("target"), passed=d.get("passed"), critical_failed=tuple(d.get("critical_failed") or ()),
                   team=d.get("team"), counts=dict(d.get("counts") or {}))


# -- hits: where a phrase or marker occurs ---------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    t: float
    end: float
    speaker: str
    phrase: str
    quote: str


_SENT_END = re.compile(r"[.!?…]\s")


def _quote(text: str, a: int, b: int, room: int = 70) -> str:
    """The sentence around ``text[a:b]``, trimmed to about ``room`` characters each side."""
    lo = 0
    for m in _SENT_END.finditer(text, 0, a):
        lo = m.end()
    m = _SENT_END.search(text, b)
    hi = m.start() + 1 if m else len(text)
    lo, hi = max(lo, a - room), min(hi, b + room)
    if lo > 0 and text[lo - 1] not in " \n":
        sp = text.find(" ", lo)
        lo = sp + 1 if 0 <= sp < a else lo
    if hi < len(text) and text[hi - 1] != " ":
        sp = text.rfind(" ", b, hi)
        hi = sp if sp > b else hi
    return ("…" if lo > 0 else "") + text[lo:hi].strip() + ("…" if hi < len(text) else "")


class _Call:
    """What the evaluation needs from a report, computed once."""

    def __init__(self, report, card: Scorecard):
        self.report = report
        content = report.content
        self.language = normalize_language(report.language.code or (content.language if content else None) or "") or None
        self.segments = list(report.segments)
        ag = report.agent.speaker if report.agent else None
        if ag is None:
            a = report.agent_speaker
            ag = a.id if a else None
        self.agent = ag
        words = [(w.start_s, w.end_s) for s in self.segments for w in s.words]
        self.first_word = min((a for a, _ in words), default=min((s.start_s for s in self.segments), default=None))
        self.last_word = max((b for _, b in words), default=max((s.end_s for s in self.segments), default=None))
        self.agent_first = min((s.words[0].start_s if s.words else s.start_s for s in self.segments if s.speaker == ag),
                               default=None)
        self.tracked = self._tracked(card)
        self.markers = self._markers(content)  # lexicon markers: criteria use them, and complaints are found with them

    def who(self, speaker: str) -> str:
        return "agent" if speaker == self.agent else "customer"

    def _found(self, lex) -> dict[str, list[_Hit]]:
        """Every match of ``lex``'s categories in the call's turns, by category."""
        out: dict[str, list[_Hit]] = {}
        for s in self.segments:
            for m in find_markers(s.text, language=self.language or "en", words=s.words, lexicon=lex):
                t = m.start_s if m.start_s is not None else s.start_s
                out.setdefault(m.category, []).append(
                    _Hit(t, m.end_s if m.end_s is not None else t, s.speaker, m.text, _quote(s.text, m.char_start, m.char_end)))
        return out

    def _tracked(self, card: Scorecard) -> dict[str, list[_Hit]]:
        lex = card.trackers.get(self.language or "")
        return self._found(lex) if lex is not None and lex.categories else {}

    def _markers(self, content: ContentResult | None) -> dict[str, list[_Hit]]:
        """Lexicon markers per category: from the report's wording when it has them, else found here."""
        out: dict[str, list[_Hit]] = {}
        turns = content.turns if content is not None else None
        if turns:
            for t in turns:
                i = t.get("segment")
                if not isinstance(i, int) or not 0 <= i < len(self.segments):
                    continue
                s = self.segments[i]
                for m in t.get("markers") or ():
                    st = m.get("start_s")
                    st = float(st) if isinstance(st, (int, float)) else s.start_s
                    en = m.get("end_s")
                    en = float(en) if isinstance(en, (int, float)) else st
                    cs, ce = m.get("char_start"), m.get("char_end")
                    quote = _quote(s.text, cs, ce) if isinstance(cs, int) and isinstance(ce, int) else str(m.get("text", ""))
                    out.setdefault(str(m.get("category")), []).append(_Hit(st, en, s.speaker, str(m.get("text", "")), quote))
            return out
        lex = load_lexicon(self.language) if self.language else None
        return self._found(lex) if lex is not None else out

    def hits(self, owner: str, kind: str, ps: PhraseSet, speaker: str) -> list[_Hit]:
        found = list(self.tracked.get(tracker_name(owner, kind), ()))
        for cat in ps.markers:
            found.extend(self.markers.get(cat, ()))
        if speaker != "any":
            found = [h for h in found if (h.speaker == self.agent) == (speaker == "agent")]
        return sorted(found, key=lambda h: h.t)


# -- windows ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Window:
    start: float
    end: float
    label: str
    anchor: Mapping[str, Any] | None = None  # the moment that opened it (a complaint, a hold), as evidence


def _complaints(call: _Call, card: Scorecard) -> list[_Hit]:
    found = [h for h in call.markers.get("complaint", ()) if h.speaker != call.agent]
    ps = card.moments.get("complaint")
    if ps is not None:
        found += call.hits("complaint", "moment", ps, ps.speaker)
    return sorted(found, key=lambda h: h.t)


def _holds(call: _Call, card: Scorecard) -> list[_Window]:
    """One window per hold: measured holds and the agent's requests to hold, merged when close."""
    w = card.where
    before, after = w["hold_before_s"], w["hold_after_s"]
    conv = call.report.conversation
    moments: list[tuple[float, dict[str, Any]]] = []
    for h in conv.holds if conv is not None else ():
        if isinstance(h.start_s, (int, float)):
            moments.append((float(h.start_s), {"start_s": float(h.start_s), "end_s": h.end_s,
                                               "quote": None, "moment": f"{h.kind or 'silent'} hold of "
                                               f"{float(h.duration_s or 0):.0f} s"}))
    ps = card.moments.get("hold")
    if ps is not None:
        for hit in call.hits("hold", "moment", ps, ps.speaker):
            moments.append((hit.t, {"start_s": round(hit.t, 2), "end_s": round(hit.end, 2), "quote": hit.quote,
                                    "phrase": hit.phrase, "speaker": hit.speaker, "moment": "request to hold"}))
    moments.sort(key=lambda m: m[0])
    out: list[_Window] = []
    for t, ev in moments:
        if out and t - out[-1].end <= 0:  # inside the previous hold's window: the same hold
            continue
        out.append(_Window(t - before, t + after, f"the hold at {clock(t)}", ev))
    return out


def _windows(call: _Call, card: Scorecard, where: str) -> tuple[list[_Window], str | None]:
    """The stretches ``where`` names, or a reason the criterion does not apply."""
    w = card.where
    if where == "anywhere":
        return [_Window(-math.inf, math.inf, "in the call")], None
    if where == "opening":
        if call.agent_first is None:
            return [], "the agent did not speak"
        a = call.agent_first
        b = a + w["opening_s"]
        turns = [s for s in call.segments if s.speaker == call.agent]
        n = int(w.get("opening_turns", 2))
        if len(turns) > n:  # the agent's first turns only: a question a minute in is not a greeting
            b = min(b, turns[n].start_s - 0.01)
        return [_Window(a - 0.5, b, f"in the opening ({clock(a)}-{clock(b)})")], None
    if where == "closing":
        if call.last_word is None:
            return [], "nobody spoke"
        b = call.last_word
        a = max(0.0, b - w["closing_s"])
        return [_Window(a, b + 0.5, f"in the closing ({clock(a)}-{clock(b)})")], None
    if where == "after_complaint":
        c = _complaints(call, card)
        if not c:
            return [], "the customer did not complain"
        h = c[0]
        return [_Window(h.t, h.t + w["after_complaint_s"], f"after the complaint at {clock(h.t)}",
                        {"start_s": round(h.t, 2), "end_s": round(h.end, 2), "quote": h.quote, "phrase": h.phrase,
                         "speaker": h.speaker, "moment": "complaint"})], None
    if where == "around_hold":
        holds = _holds(call, card)
        return (holds, None) if holds else ([], "no hold in the call, and the agent asked for none")
    raise ValueError(where)  # pragma: no cover - checked by the schema


def _inside(hits: Sequence[_Hit], windows: Sequence[_Window]) -> list[_Hit]:
    return [h for h in hits if any(win.start <= h.t <= win.end for win in windows)]


def _ev(h: _Hit, call: _Call) -> dict[str, Any]:
    return {"quote": h.quote, "phrase": h.phrase, "start_s": round(h.t, 2), "end_s": round(h.end, 2),
            "speaker": h.speaker, "role": call.who(h.speaker)}


def _said(hits: Sequence[_Hit], call: _Call) -> str:
    h = hits[0]
    more = f" (and {len(hits) - 1} more)" if len(hits) > 1 else ""
    return f'the {call.who(h.speaker)} said "{h.phrase}" at {clock(h.t)}{more}'


def _what(ps: PhraseSet, c: Criterion) -> str:
    """"no agent identity check": what a phrase set looks for, by whom."""
    who = {"agent": "agent ", "customer": "customer ", "any": ""}[ps.speaker]
    if ps.label:
        what = ps.label
    else:
        kinds = (["phrase"] if ps.phrases else []) + [m.replace("_", " ") for m in ps.markers]
        what = " or ".join(kinds)
    return f"no {who}{what}"


# -- answers ---------------------------------------------------------------------------------


def _answer(c: Criterion, answer: str, reason: str, evidence: Sequence[Mapping[str, Any]] = ()) -> Answer:
    return Answer(id=c.id, question=c.question, group=c.group, answer=answer, reason=reason, evidence=tuple(evidence),
                  weight=c.weight, critical=c.critical, unsure=c.unsure, basis=c.basis)


def _metric_answer(c: Criterion, report) -> Answer:
    m = METRICS[c.metric]  # type: ignore[index]
    value, at_s, detail = m.read(report)
    unit = "" if m.unit in ("count", "") else f" {m.unit}"
    rng = (f"{c.min:g}{unit} or more" if c.max is None else f"{c.max:g}{unit} or less" if c.min is None
           else f"{c.min:g} to {c.max:g}{unit}")
    if value is None:
        return _answer(c, "not_applicable", f"not applicable: {m.label.lower()} not measured ({detail})" if detail
                       else f"not applicable: {m.label.lower()} not measured")
    ok = (c.min is None or value >= c.min) and (c.max is None or value <= c.max)
    reason = f"{m.label} {round(value, 1):g}{unit}; yes at {rng}" + (f" ({detail})" if detail else "")
    ev = {"value": round(value, 3), "unit": m.unit, "metric": m.name, "target": rng, "start_s": at_s, "quote": None}
    return _answer(c, "yes" if ok else "no", reason, [ev])


def _phrase_answer(c: Criterion, call: _Call, card: Scorecard) -> Answer:
    lang = call.language
    if not call.segments or (c.speaker == "agent" and call.agent_first is None):
        return _answer(c, "not_applicable", "not applicable: " + ("nobody spoke" if not call.segments
                                                                    else "the agent did not speak"))
    missing = [s for s in c.sets if not s.covers(lang or "")]
    if missing:
        where = f"'{lang}'" if lang else "an unknown language"
        have = sorted({x for s in missing for x in s.phrases})
        return _answer(c, "not_applicable", f"not answered: this scorecard has no phrases in {where} for it "
                       f"(it has {', '.join(have) or 'none'})")
    windows, why_not = _windows(call, card, c.where)
    if why_not:
        return _answer(c, "not_applicable", f"not applicable: {why_not}")
    where_text = windows[0].label if len(windows) == 1 else _WHERE_TEXT[c.where]
    anchors = [w.anchor for w in windows if w.anchor]
    if c.applies_if is not None:
        hits = _inside(call.hits(c.id, "applies_if", c.applies_if, c.applies_if.speaker), windows)
        yes = _inside(call.hits(c.id, "yes_if", c.yes_if, c.yes_if.speaker), windows) if c.yes_if else []
        if not hits and not yes:  # a "yes" shows it applied, whatever else was said
            what = c.applies_if.label or "phrase that makes it apply"
            return _answer(c, "not_applicable", f"not applicable: no {what} {where_text}")
    if c.no_if is not None:
        hits = _inside(call.hits(c.id, "no_if", c.no_if, c.no_if.speaker), windows)
        if hits:
            return _answer(c, "no", _said(hits, call), [_ev(h, call) for h in hits[:3]])
    if c.yes_if is not None:
        hits = call.hits(c.id, "yes_if", c.yes_if, c.yes_if.speaker)
        if c.where == "around_hold":
            per = [(w, _inside(hits, [w])) for w in windows]
            without = [w for w, hs in per if not hs]
            found = [hs[0] for _, hs in per if hs]
            if not without:
                return _answer(c, "yes", _said(found, call) if len(found) == 1 else
                               f"said for each of the {len(found)} holds", [_ev(h, call) for h in found[:3]])
            if c.otherwise != "yes":
                return _answer(c, c.otherwise, f"{_what(c.yes_if, c)} for {', '.join(w.label for w in without)}",
                               [dict(w.anchor) for w in without[:3] if w.anchor])
        else:
            inside = _inside(hits, windows)
            if inside:
                return _answer(c, "yes", _said(inside, call), [_ev(h, call) for h in inside[:3]])
    ps = c.yes_if or c.no_if
    text = _what(ps, c) + f" {where_text}" if ps is not None else where_text
    if c.otherwise == "yes":
        text = f"{_what(c.no_if, c)} {where_text}" if c.no_if is not None else text
    if c.otherwise == "not_applicable":
        text = f"not applicable: neither {'kind of signal' if c.no_if and c.yes_if else 'signal'} {where_text}"
    span = windows[0] if len(windows) == 1 and math.isfinite(windows[0].start) else None
    ev = ([{"quote": None, "start_s": round(max(0.0, span.start), 2), "end_s": round(span.end, 2), "window": where_text}]
          if span else [dict(a) for a in anchors[:3]])
    return _answer(c, c.otherwise, text, ev)


def evaluate(card: Scorecard, report, *, team: str | None = None) -> ScorecardResult:
    """Answer every criterion of ``card`` on ``report`` (a :class:`~tonecoach.report.CallReport`)."""
    call = _Call(report, card)
    answers = []
    for c in card.criteria:
        answers.append(_metric_answer(c, report) if c.metric else _phrase_answer(c, call, card))
    counts = {k: sum(1 for a in answers if a.answer == k) for k in ("yes", "no", "not_applicable")}
    applicable = [a for a in answers if a.answer != "not_applicable" and a.weight > 0]
    den = sum(a.weight for a in applicable)
    score = round(100.0 * sum(a.weight for a in applicable if a.answer == "yes") / den, 1) if den > 0 else None
    critical = tuple(a.id for a in answers if a.critical and a.answer == "no")
    passed = None if score is None else (not critical and (card.target is None or score >= card.target))
    return ScorecardResult(name=card.name, version=card.version, digest=card.digest[:16], source=card.source,
                           language=call.language, answers=tuple(answers), score=score, target=card.target,
                           passed=passed, critical_failed=critical, team=team, counts=counts)
