"""Conversation metrics team leads ask for, and which speaker is the agent.

Over a call's turns (one speaker each, from stereo channels or from
:mod:`tonecoach.analysis.diarize` on mono audio) :func:`analyze_conversation`
measures the agent's share of talk time, the longest agent monologue, agent
interruptions (starting while the customer is mid-sentence; backchannels
such as "mhm" do not count), overtalk, response latency after the customer
stops, dead air, holds (music or long silence) and the agent's questions.
Each rubric threshold it passes (``[conversation.*]`` in the rubric, with
the published source of each figure) becomes a timestamped
:class:`~tonecoach.report.FeedbackItem` whose evidence holds the value, the
threshold and the source.

Everything here is a pure function; audio enters only as an array, to tell
music on hold from silence.
"""

from __future__ import annotations

import re
import statistics
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ..render.fmt import clock
from ..report import (
    ConversationMetrics,
    FeedbackItem,
    HoldSpan,
    Interruption,
    Overlap,
    ResponseLatency,
    Segment,
    Span,
)
from ..rubric import Rubric, load_rubric
from ..rules import CONVERSATION_RULES

__all__ = [
    "Conversation",
    "Hold",
    "analyze_conversation",
    "is_backchannel",
    "speech_overlaps",
    "find_holds",
    "merge_feedback",
]

_DATA = Path(__file__).resolve().parents[1] / "data"
_SENTENCE_END = re.compile(r"[.?!。？！]['\"]?$")


# -- rubric ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _bundled() -> Rubric:
    return load_rubric()


def _as_rubric(rubric: Rubric | Mapping[str, Any] | None) -> Rubric:
    """``rubric`` as a :class:`~tonecoach.rubric.Rubric`: the bundled one for None, a mapping checked as a whole rubric."""
    if rubric is None:
        return _bundled()
    return rubric if isinstance(rubric, Rubric) else Rubric(data=rubric, path="<mapping>")


# -- backchannels ------------------------------------------------------------------------


@lru_cache(maxsize=None)
def _backchannels(language: str) -> frozenset[str]:
    with open(_DATA / "backchannels.toml", "rb") as fh:
        data = tomllib.load(fh)["backchannels"]
    return frozenset(_norm(p) for p in data.get(language, ()))


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text.lower()).replace("-", " ")
    return " ".join(re.sub(r"[^\w\s']", " ", text).split())


def is_backchannel(text: str, *, language: str | None = "en", max_words: int = 3) -> bool:
    """True when ``text`` is only backchannel words ("mhm", "yeah, okay"), at most ``max_words`` of them.

    The phrase lists per language are in ``tonecoach/data/backchannels.toml``;
    English ones are always accepted too (calls mix them in).
    """
    words = _norm(text).split()
    if not words or len(words) > max_words:
        return False
    known = _backchannels(language or "en") | _backchannels("en")
    i = 0
    while i < len(words):  # cover the words with phrases of up to three words
        for n in (3, 2, 1):
            if " ".join(words[i: i + n]) in known:
                i += n
                break
        else:
            return False
    return True


# -- time spans --------------------------------------------------------------------------


def _merge(spans: Sequence[tuple[float, float]], gap_s: float = 0.0) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + gap_s:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _intersect(x: Sequence[tuple[float, float]], y: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    out, i, j = [], 0, 0
    while i < len(x) and j < len(y):
        a, b = max(x[i][0], y[j][0]), min(x[i][1], y[j][1])
        if b > a:
            out.append((a, b))
        if x[i][1] < y[j][1]:
            i += 1
        else:
            j += 1
    return out


def _covered(a: float, b: float, spans: Sequence[tuple[float, float]], share: float = 0.5) -> bool:
    """Do ``spans`` cover at least ``share`` of ``[a, b]``?"""
    return b > a and sum(max(0.0, min(b, y) - max(a, x)) for x, y in spans) >= share * (b - a)


def speech_overlaps(segments: Sequence[Segment], *, bridge_s: float = 0.25) -> list[tuple[float, float, tuple[str, str]]]:
    """Stretches where two speakers' words overlap in time: ``[(start_s, end_s, (a, b)), ...]``.

    Each speaker's words are merged into talk spans (pauses under ``bridge_s``
    bridged) and the spans of every pair intersected. On a stereo call this
    is overtalk; on one channel the transcript holds one stream of words, so
    overlaps there come from :mod:`tonecoach.analysis.diarize` instead.
    """
    spans: dict[str, list[tuple[float, float]]] = {}
    for s in segments:
        spans.setdefault(s.speaker, []).extend((w.start_s, w.end_s) for w in s.words)
    act = {k: _merge(v, bridge_s) for k, v in spans.items()}
    ids = sorted(act)
    out = [(x, y, (a, b)) for i, a in enumerate(ids) for b in ids[i + 1:] for x, y in _intersect(act[a], act[b])]
    return sorted(out)


# -- holds -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hold:
    """A stretch without speech long enough to be a hold; ``kind`` is ``"music"`` or ``"silence"``."""

    start_s: float
    end_s: float
    kind: str
    level_dbfs: float | None

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


def _gap_kind(y: np.ndarray, sr: int, *, floor_dbfs: float = -50.0) -> tuple[str, float | None]:
    """``"music"`` when a stretch carries steady sound (music, tones) most of the time, else ``"silence"``."""
    hop = int(0.05 * sr)
    n = len(y) // hop
    if n < 4:
        return "silence", None
    db = 10 * np.log10(np.mean(y[: n * hop].reshape(n, hop).astype(np.float64) ** 2, axis=1) + 1e-12)
    med = float(np.median(db))
    sounding = float(np.mean(db > floor_dbfs))
    steady = float(np.mean(np.abs(db - med) < 10.0))
    return ("music" if sounding >= 0.7 and steady >= 0.7 else "silence"), round(med, 1)


def find_holds(gaps: Sequence[tuple[float, float]], samples: np.ndarray | None, *, sr: int = 16000,
               music_min_s: float = 10.0, silence_min_s: float = 30.0) -> list[Hold]:
    """Which gaps without words are holds: music or steady tones for ``music_min_s``, or silence for ``silence_min_s``.

    Parameters
    ----------
    gaps : sequence of (start_s, end_s)
        Stretches in which nobody says a word.
    samples : np.ndarray, shape (n,), or None
        The call's mono mix at ``sr``, to tell music from silence (None: every gap is silence).
    """
    out = []
    for a, b in gaps:
        if b - a < min(music_min_s, silence_min_s):
            continue
        kind, level = ("silence", None) if samples is None else _gap_kind(samples[int(a * sr): int(b * sr)], sr)
        if b - a >= (music_min_s if kind == "music" else silence_min_s):
            out.append(Hold(round(a, 2), round(b, 2), kind, level))
    return out


def _word_gaps(segments: Sequence[Segment], duration_s: float, min_s: float) -> list[tuple[float, float]]:
    """Gaps of at least ``min_s`` with nobody's words, the stretches before the first and after the last word included."""
    spans = _merge([(w.start_s, w.end_s) for s in segments for w in s.words])
    edges = [0.0] + [x for sp in spans for x in sp] + [duration_s]
    return [(edges[i], edges[i + 1]) for i in range(0, len(edges) - 1, 2) if edges[i + 1] - edges[i] >= min_s]


# -- turn-taking -------------------------------------------------------------------------


def _monologues(segs: Sequence[Segment], bc: Sequence[bool], agent: str, max_pause_s: float) -> list[tuple[float, float]]:
    """Stretches of agent turns with no customer turn between them (backchannels aside) and no pause over ``max_pause_s``."""
    out: list[list[float]] = []
    other_since = False
    for s, b in zip(segs, bc):
        if s.speaker != agent:
            other_since = other_since or not b
            continue
        if out and not other_since and s.start_s - out[-1][1] <= max_pause_s:
            out[-1][1] = max(out[-1][1], s.end_s)
        else:
            out.append([s.start_s, s.end_s])
        other_since = False
    return [(a, b) for a, b in out]


def _turn_at(segs: Sequence[Segment], speaker: str, a: float, b: float, tol: float = 0.3) -> Segment | None:
    """``speaker``'s earliest turn touching ``[a - tol, b + tol]``."""
    near = [s for s in segs if s.speaker == speaker and s.start_s <= b + tol and s.end_s >= a - tol]
    return min(near, key=lambda s: s.start_s) if near else None


def _started_by(segs: Sequence[Segment], a: float, b: float, pair: Sequence[str]) -> str | None:
    """Who came in on an overlap ``[a, b]``: of the two, the one whose turn began later.

    On one channel, where only one of them has transcribed words there, the
    one holding the floor is the other's listener: the speaker without a turn
    there came in.
    """
    turns = {p: _turn_at(segs, p, a, b) for p in pair}
    known = {p: t.start_s for p, t in turns.items() if t is not None}
    if len(known) == 2:
        return max(known, key=lambda p: (known[p], p))
    if len(known) == 1:
        return next(p for p in pair if p not in known)
    return None


def _mid_sentence(segs: Sequence[Segment], speaker: str, t: float) -> bool:
    """Was ``speaker`` mid-sentence at ``t``: their last word started before ``t`` does not end a sentence."""
    before = [w for s in segs if s.speaker == speaker for w in s.words if w.start_s < t]
    if not before:
        return False
    return not _SENTENCE_END.search(max(before, key=lambda w: w.start_s).text.strip())


def _latencies(segs: Sequence[Segment], bc: Sequence[bool], agent: str,
               holds: Sequence[tuple[float, float]]) -> list[tuple[float, float, float]]:
    """``(latency_s, customer_end_s, agent_start_s)`` for each customer turn the agent answers next.

    Customer backchannels are skipped; a gap that is mostly a hold is not a latency.
    """
    out = []
    for i, (s, b) in enumerate(zip(segs, bc)):
        if s.speaker == agent or b:
            continue
        nxt = next((t for t, tb in zip(segs[i + 1:], bc[i + 1:]) if t.speaker == agent or not tb), None)
        if nxt is None or nxt.speaker != agent or (holds and _covered(s.end_s, nxt.start_s, holds)):
            continue
        out.append((max(0.0, nxt.start_s - s.end_s), s.end_s, nxt.start_s))
    return out


def _questions(text: str) -> int:
    return len(re.findall(r"[?？¿]", text))


# -- the metrics -------------------------------------------------------------------------


@dataclass(frozen=True)
class Conversation:
    """Conversation metrics (``metrics``, JSON-ready), the feedback they give and the holds found."""

    metrics: Mapping[str, Any]
    feedback: tuple[FeedbackItem, ...] = ()
    holds: tuple[Hold, ...] = ()
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return dict(self.metrics)

    def section(self, *, diarization: Mapping[str, Any] | None = None) -> ConversationMetrics:
        """The report's ``conversation``: these metrics, typed, with what the speaker separation found."""
        m = self.metrics
        return ConversationMetrics(
            n_speakers=m["n_speakers"], agent=m["agent"], talk_time_s=dict(m["talk_time_s"]),
            agent_talk_ratio=m["agent_talk_ratio"], longest_agent_monologue_s=m["longest_agent_monologue_s"],
            longest_agent_monologue_at_s=m["longest_agent_monologue_at_s"],
            overlaps=tuple(Overlap(o["start_s"], o["end_s"], o["duration_s"], tuple(o["speakers"]), o["started_by"])
                           for o in m["overlaps"]),
            overtalk_s=m["overtalk_s"], agent_overtalk_s=m["agent_overtalk_s"],
            interruptions=tuple(Interruption(**e) for e in m["interruptions"]),
            agent_interruptions=m["agent_interruptions"], customer_interruptions=m["customer_interruptions"],
            dead_air=tuple(Span(**g) for g in m["dead_air"]), dead_air_s=m["dead_air_s"], dead_air_share=m["dead_air_share"],
            holds=tuple(HoldSpan(**h) for h in m["holds"]), hold_s=m["hold_s"],
            response_latency_s=ResponseLatency(**m["response_latency_s"]), agent_questions=m["agent_questions"],
            agent_questions_per_min=m["agent_questions_per_min"], thresholds=dict(m["thresholds"]),
            diarization=None if diarization is None else dict(diarization),
        )


def _every(seconds: float) -> str:
    """A period as the advice says it: "minute", "2 minutes", "90 s"."""
    if seconds >= 60 and seconds % 60 == 0:
        n = int(seconds // 60)
        return "minute" if n == 1 else f"{n} minutes"
    return f"{seconds:g} s"




@dataclass(frozen=True)
class _Call:
    """What every measure reads: the turns in time order, the speakers, the agent, which turns are backchannels.

    ``conv`` is the rubric's ``[conversation.*]`` lookup (:meth:`~tonecoach.rubric.Rubric.conversation`).
    """

    segs: tuple[Segment, ...]
    ids: tuple[str, ...]
    agent: str | None
    duration_s: float
    backchannel: tuple[bool, ...]
    conv: Callable[[str], Mapping[str, Any]]

    @property
    def two_sided(self) -> bool:
        """Is the agent one of two or more speakers (so that shares, monologues and latencies mean something)?"""
        return self.agent in self.ids and len(self.ids) > 1


#: what a measure gives: its ``metrics`` keys, and the feedback items of the thresholds it passes
_Measured = tuple[dict[str, Any], list[FeedbackItem]]


def _found(call: _Call, category: str, start_s: float, end_s: float, **finding: Any) -> FeedbackItem:
    """The feedback item of ``category``'s rule (:data:`~tonecoach.rules.CONVERSATION_RULES`) for a finding at ``start_s``.

    ``finding``: :meth:`~tonecoach.rules.ConversationRule.finding`'s value, threshold,
    evidence and message fields; ``at`` (the clock time of ``start_s``) comes with them.
    """
    rule = CONVERSATION_RULES[category]
    return rule.finding(call.conv(rule.section), start_s, end_s, agent=call.agent, at=clock(start_s), **finding)


def _talk_share(call: _Call) -> _Measured:
    """Each speaker's talk time (their turns merged, so overlapping turns count once) and the agent's share of it.

    Keys ``talk_time_s``, ``agent_talk_ratio``; ``talk_ratio_high`` feedback over
    ``[conversation.talk_ratio] share_above`` (major over ``major_above``).
    """
    agent, rule = call.agent, call.conv("talk_ratio")
    talk = {i: sum(b - a for a, b in _merge([(s.start_s, s.end_s) for s in call.segs if s.speaker == i])) for i in call.ids}
    total = sum(talk.values())
    ratio = talk[agent] / total if call.two_sided and total > 0 else None
    m = {"talk_time_s": {i: round(v, 2) for i, v in talk.items()}, "agent_talk_ratio": None if ratio is None else round(ratio, 3)}
    over, target = rule["share_above"], rule["target"]
    fb = []
    if ratio is not None and ratio > over:
        fb.append(_found(call, "talk_ratio_high", 0.0, call.duration_s, value=round(100 * ratio, 1),
                         threshold=round(100 * over, 1), measured=ratio, evidence={"target": round(100 * target, 1)},
                         share=ratio, target=target))
    return m, fb


def _monologue(call: _Call) -> _Measured:
    """The agent's monologues: agent turns with no customer turn between them (backchannels aside) and short pauses.

    Keys ``longest_agent_monologue_s``, ``longest_agent_monologue_at_s``;
    ``long_monologue`` feedback for each over ``[conversation.monologue] seconds_over``.
    """
    agent, rule = call.agent, call.conv("monologue")
    mono = _monologues(call.segs, call.backchannel, agent, rule["max_pause_s"]) if call.two_sided else []
    longest = max(mono, key=lambda x: x[1] - x[0], default=None)
    m = {"longest_agent_monologue_s": round(longest[1] - longest[0], 2) if longest else None,
         "longest_agent_monologue_at_s": round(longest[0], 2) if longest else None}
    over = rule["seconds_over"]
    fb = [_found(call, "long_monologue", a, b, value=round(b - a, 1), threshold=over, seconds=b - a)
          for a, b in mono if b - a > over]
    return m, fb


def _overlaps(call: _Call, overlaps: Sequence[tuple[float, float, tuple[str, str]]]) -> list[dict[str, Any]]:
    """Overlaps in the audio (``overlaps``, from diarization on mono calls) and of the words (stereo), and who came in."""
    return [{"start_s": round(a, 2), "end_s": round(b, 2), "duration_s": round(b - a, 2), "speakers": list(pair),
             "started_by": _started_by(call.segs, a, b, pair)}
            for a, b, pair in sorted(list(overlaps) + speech_overlaps(call.segs))]


def _interruptions(call: _Call, ovl: Sequence[Mapping[str, Any]]) -> _Measured:
    """Coming in on the other's speech (overlap of at least ``min_overlap_s``) while they are mid-sentence.

    A backchannel ("mhm") over the other's speech is listening, not
    interrupting. Keys ``interruptions``, ``agent_interruptions``,
    ``customer_interruptions``; ``interruption`` feedback for each of the agent's.
    """
    agent, rule = call.agent, call.conv("interruption")
    min_ov = rule["min_overlap_s"]
    events = []
    for o in ovl:
        who = o["started_by"]
        whom = next((p for p in o["speakers"] if p != who), None)
        if who is None or o["duration_s"] < min_ov:
            continue
        turn = _turn_at(call.segs, who, o["start_s"], o["end_s"])
        if turn is not None and call.backchannel[call.segs.index(turn)]:
            continue
        if _mid_sentence(call.segs, whom, o["start_s"]):
            events.append({"at_s": o["start_s"], "speaker": who, "interrupted": whom, "overlap_s": o["duration_s"]})
    m = {"interruptions": events,
         "agent_interruptions": sum(1 for e in events if agent is not None and e["speaker"] == agent) if agent else None,
         "customer_interruptions": sum(1 for e in events if e["interrupted"] == agent) if agent else None}
    fb = [_found(call, "interruption", e["at_s"], e["at_s"] + e["overlap_s"], value=e["overlap_s"], threshold=min_ov,
                 evidence={"interrupted": e["interrupted"]})
          for e in events if e["speaker"] == agent]
    return m, fb


def _overtalk(call: _Call, ovl: Sequence[Mapping[str, Any]], interruptions: Sequence[Mapping[str, Any]]) -> _Measured:
    """Talking at once: all overlaps, their total and the agent's share of them.

    Keys ``overlaps``, ``overtalk_s``, ``agent_overtalk_s``; ``overtalk`` feedback
    for each overlap the agent started of ``[conversation.overtalk] seconds_at_least``
    that is not already one of the agent's ``interruptions``.
    """
    agent, rule = call.agent, call.conv("overtalk")
    m = {"overlaps": list(ovl),
         "overtalk_s": round(sum(b - a for a, b in _merge([(o["start_s"], o["end_s"]) for o in ovl])), 2),
         "agent_overtalk_s": round(sum(o["duration_s"] for o in ovl if agent is not None and o["started_by"] == agent), 2)}
    at_least = rule["seconds_at_least"]
    flagged = {e["at_s"] for e in interruptions if e["speaker"] == agent}
    fb = [_found(call, "overtalk", o["start_s"], o["end_s"], value=o["duration_s"], threshold=at_least,
                 seconds=o["duration_s"])
          for o in ovl
          if agent is not None and o["started_by"] == agent and o["duration_s"] >= at_least and o["start_s"] not in flagged]
    return m, fb


def _silences(call: _Call, *, samples: np.ndarray | None, sr: int, dead_over_s: float) -> tuple[_Measured, list[Hold]]:
    """Gaps without words over ``dead_over_s``: holds (music, or long silence), and dead air (the rest inside the call).

    Keys ``dead_air``, ``dead_air_s``, ``dead_air_share``, ``holds``, ``hold_s``;
    ``hold`` (info) or ``long_hold`` (over ``[conversation.hold] long_over_s``)
    feedback per hold, ``many_holds`` over ``count_over``. Returns the holds too.
    """
    segs, duration_s, rule = call.segs, call.duration_s, call.conv("hold")
    gaps = _word_gaps(segs, duration_s, dead_over_s)
    holds = find_holds(gaps, samples, sr=sr, music_min_s=rule["music_min_s"], silence_min_s=rule["silence_min_s"])
    hold_spans = [(h.start_s, h.end_s) for h in holds]
    inner = [(a, b) for a, b in gaps if a > 0 and b < duration_s and not _covered(a, b, hold_spans)] if segs else []
    dead_s = round(sum(b - a for a, b in inner), 2)
    m = {"dead_air": [{"start_s": round(a, 2), "end_s": round(b, 2), "duration_s": round(b - a, 2)} for a, b in inner],
         "dead_air_s": dead_s, "dead_air_share": round(dead_s / duration_s, 4) if duration_s > 0 else None,
         "holds": [{"start_s": h.start_s, "end_s": h.end_s, "duration_s": round(h.duration_s, 2), "kind": h.kind,
                    "level_dbfs": h.level_dbfs} for h in holds],
         "hold_s": round(sum(h.duration_s for h in holds), 2)}
    long_hold, max_holds = rule["long_over_s"], rule["count_over"]
    fb = [_found(call, "long_hold" if h.duration_s > long_hold else "hold", h.start_s, h.end_s,
                 value=round(h.duration_s, 1), threshold=long_hold, evidence={"kind": h.kind},
                 seconds=h.duration_s, kind=h.kind, every=_every(long_hold))
          for h in holds]
    if len(holds) > max_holds:
        fb.append(_found(call, "many_holds", holds[0].start_s, holds[-1].end_s, value=len(holds), threshold=max_holds,
                         count=len(holds), limit=max_holds))
    return (m, fb), holds


def _response_latency(call: _Call, *, holds: Sequence[Hold], dead_over_s: float) -> _Measured:
    """How long the agent takes to answer once the customer stops (a gap that is mostly a hold does not count).

    Key ``response_latency_s`` (``count``, ``median``, ``worst``, ``worst_at_s``);
    ``slow_response`` feedback over ``[conversation.response_latency] seconds_over``
    up to ``dead_over_s`` (longer gaps are dead air, flagged as such).
    """
    agent, rule = call.agent, call.conv("response_latency")
    lat = _latencies(call.segs, call.backchannel, agent, [(h.start_s, h.end_s) for h in holds]) if call.two_sided else []
    worst = max(lat, default=None)
    m = {"response_latency_s": {"count": len(lat),
                                "median": round(statistics.median(x for x, _, _ in lat), 2) if lat else None,
                                "worst": round(worst[0], 2) if worst else None,
                                "worst_at_s": round(worst[1], 2) if worst else None}}
    slow = rule["seconds_over"]
    fb = [_found(call, "slow_response", a, b, value=round(x, 1), threshold=slow, seconds=x)
          for x, a, b in lat if slow < x <= dead_over_s]
    return m, fb


def _agent_questions(call: _Call) -> _Measured:
    """The agent's questions (question marks in their turns), in all and per minute.

    Keys ``agent_questions``, ``agent_questions_per_min``; ``few_questions``
    feedback under ``[conversation.questions] min_count`` in calls of ``min_call_s`` or more.
    """
    agent, duration_s, rule = call.agent, call.duration_s, call.conv("questions")
    q = sum(_questions(s.text) for s in call.segs if s.speaker == agent) if agent in call.ids else None
    m = {"agent_questions": q,
         "agent_questions_per_min": round(q / (duration_s / 60.0), 2) if q is not None and duration_s > 0 else None}
    q_min, q_call = rule["min_count"], rule["min_call_s"]
    fb = []
    if call.two_sided and duration_s >= q_call and q < q_min:
        asked = "no questions" if q == 0 else f"only {q} question{'s' if q != 1 else ''}, fewer than {q_min}"
        fb.append(_found(call, "few_questions", 0.0, duration_s, value=q, threshold=float(q_min), asked=asked))
    return m, fb


def _thresholds(conv: Callable[[str], Mapping[str, Any]], dead_over_s: float) -> dict[str, float]:
    """The rubric thresholds the measures used, flat (``"hold.long_over_s"``), for the report."""
    return {"dead_air_over_s": dead_over_s, "backchannel_max_words": float(conv("interruption")["backchannel_max_words"]),
            **{f"{t}.{k}": float(conv(t)[k]) for t, keys in _KEYS.items() for k in keys}}


def _call(segments: Sequence[Segment], agent: str | None, *, duration_s: float, language: str | None,
          conv: Callable[[str], Mapping[str, Any]]) -> _Call:
    """The turns in time order with their speakers and which are backchannels (up to ``backchannel_max_words``)."""
    segs = tuple(sorted(segments, key=lambda s: (s.start_s, s.speaker)))
    max_words = conv("interruption")["backchannel_max_words"]
    return _Call(segs=segs, ids=tuple(sorted({s.speaker for s in segs})), agent=agent, duration_s=duration_s,
                 backchannel=tuple(is_backchannel(s.text, language=language, max_words=max_words) for s in segs), conv=conv)


def analyze_conversation(
    segments: Sequence[Segment],
    agent: str | None,
    *,
    duration_s: float,
    samples: np.ndarray | None = None,
    sr: int = 16000,
    overlaps: Sequence[tuple[float, float, tuple[str, str]]] = (),
    language: str | None = None,
    rubric: Rubric | None = None,
) -> Conversation:
    """Measure the conversation and turn each rubric threshold it passes into feedback.

    Parameters
    ----------
    segments : sequence of Segment
        Turns, one speaker each, with their words.
    agent : str or None
        The agent's speaker id (None: only call-wide metrics).
    duration_s : float
        The call's length.
    samples : np.ndarray, shape (n,), optional
        The call's mono mix at ``sr``, to tell music holds from silence.
    overlaps : sequence of (start_s, end_s, (speaker, speaker))
        Overtalk found in the audio (:mod:`tonecoach.analysis.diarize` on mono calls);
        overlaps of the words themselves are added here.
    language : str, optional
        ISO 639-1 code, for the backchannel list.
    rubric : Rubric, optional
        The rubric whose ``[conversation.*]`` thresholds apply (default: the bundled rubric). A mapping
        is taken as a whole rubric's TOML and checked as one (:class:`~tonecoach.errors.RubricError`
        naming a missing key).

    Returns
    -------
    Conversation
        ``metrics`` keys: ``n_speakers``, ``agent``, ``talk_time_s``,
        ``agent_talk_ratio``, ``longest_agent_monologue_s`` (and ``_at_s``),
        ``overlaps``, ``overtalk_s``, ``agent_overtalk_s``, ``interruptions``,
        ``agent_interruptions``, ``customer_interruptions``,
        ``response_latency_s`` (``count``, ``median``, ``worst``,
        ``worst_at_s``), ``dead_air``, ``dead_air_s``, ``dead_air_share``,
        ``holds``, ``hold_s``, ``agent_questions``,
        ``agent_questions_per_min``, ``thresholds``.
    """
    rubric = _as_rubric(rubric)
    call = _call(segments, agent, duration_s=duration_s, language=language, conv=rubric.conversation)
    dead_over = rubric.feedback("dead_air")["seconds_over"]  # shared with tone feedback
    ovl = _overlaps(call, overlaps)
    interruptions = _interruptions(call, ovl)
    silences, holds = _silences(call, samples=samples, sr=sr, dead_over_s=dead_over)
    m: dict[str, Any] = {"n_speakers": len(call.ids), "agent": agent}
    fb: list[FeedbackItem] = []
    for part, items in (_talk_share(call), _monologue(call), _overtalk(call, ovl, interruptions[0]["interruptions"]),
                        interruptions, silences, _response_latency(call, holds=holds, dead_over_s=dead_over),
                        _agent_questions(call)):
        m.update(part)
        fb.extend(items)
    m["thresholds"] = _thresholds(rubric.conversation, dead_over)
    fb.sort(key=lambda f: (f.start_s, f.category))
    return Conversation(metrics=m, feedback=tuple(fb), holds=tuple(holds))


_KEYS = {
    "talk_ratio": ("target", "share_above", "major_above"),
    "monologue": ("seconds_over", "max_pause_s"),
    "interruption": ("min_overlap_s",),
    "overtalk": ("seconds_at_least",),
    "response_latency": ("seconds_over",),
    "hold": ("music_min_s", "silence_min_s", "long_over_s", "count_over"),
    "questions": ("min_count", "min_call_s"),
}


# -- the agent ---------------------------------------------------------------------------


# -- feedback ----------------------------------------------------------------------------


def merge_feedback(tone: Sequence[FeedbackItem], conversation: Conversation | None) -> list[FeedbackItem]:
    """Tone feedback plus conversation feedback, in time order; dead-air items that are holds are dropped."""
    if conversation is None:
        return list(tone)
    holds = [(h.start_s, h.end_s) for h in conversation.holds]
    kept = [f for f in tone if not (f.category == "dead_air" and _covered(f.start_s, f.end_s, holds))]
    return sorted(kept + list(conversation.feedback), key=lambda f: (f.start_s, f.category))
