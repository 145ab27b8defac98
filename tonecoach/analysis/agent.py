"""Which speaker is the agent: decided from the whole call's evidence, with a calibrated confidence.

:func:`choose_agent` is the stage: a person's choice (``--agent-channel``, ``--agent-speaker``) or
:func:`decide_agent` over the voices heard, and each speaker's role from it (:func:`role`).

The evidence is data (``data/agent_cues.toml``, per language): who offers
help, who names the company or speaks for it, who asks the other for their
details (name, account number, date of birth...), who thanks the other for
calling or waiting, who apologises for the company, who says they will check
something, against who states a need ("I'm looking for", "my order hasn't
arrived") or thanks the other for their help. Beside the phrases, two pieces
of evidence need no language: who asks most of the questions, and who speaks
first (the weakest). Greetings that both sides say carry no weight.

Each kind of evidence has a weight in log-odds units; the probability that
each speaker is the agent is the softmax of their summed scores, so with
two speakers the confidence is ``sigmoid(score difference)``. Every cue found
is kept as :class:`~tonecoach.report.AgentEvidence` (speaker, time, phrase,
weight), so a person can see why, and a decision below ``unsure_below``
(0.8 by default) is flagged as unsure in every front end.
"""

from __future__ import annotations

import bisect
import math
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Sequence

from ..errors import ToneCoachError
from ..render.fmt import clock
from ..report import AgentDecision, AgentEvidence, Segment

if TYPE_CHECKING:
    from .channels import Channel

__all__ = ["AgentCues", "load_agent_cues", "find_cues", "decide_agent", "speaker_scores", "is_unsure", "unsure_message",
           "question_owners", "AgentOptions", "AgentChoice", "choose_agent", "role"]

_CUES = Path(__file__).resolve().parents[1] / "data" / "agent_cues.toml"
_QUESTION = re.compile(r"[?？¿;؟]")


@dataclass(frozen=True)
class CueKind:
    name: str
    weight: float
    label: str


@dataclass(frozen=True)
class AgentCues:
    """The evidence of ``agent_cues.toml``: kinds with weights, patterns per language, decision settings."""

    kinds: Mapping[str, CueKind]
    patterns: Mapping[str, tuple[tuple[str, re.Pattern], ...]]  # language -> ((kind, compiled pattern), ...)
    temperature: float
    repeat_bonus: float
    repeat_cap: int
    unsure_below: float
    single_voice_customer_below: Mapping[str, float]
    questions_weight: float
    questions_full: int
    first_speaker_weight: float
    version: str
    path: str

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.patterns)


def _compile(pattern: str, prefix: str, where: str) -> re.Pattern:
    try:
        return re.compile(r"(?<!\w)" + (f"(?:{prefix})?" if prefix else "") + f"(?:{pattern})" + r"(?!\w)")
    except re.error as exc:
        raise ToneCoachError(f"{where}: the pattern {pattern!r} is not a valid regular expression ({exc})") from None


@lru_cache(maxsize=4)
def load_agent_cues(path: str | None = None) -> AgentCues:
    """Read and check an agent-cue file (the bundled one by default)."""
    p = Path(path) if path else _CUES
    try:
        with open(p, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ToneCoachError(f"could not read the agent cues {p}: {exc}") from None
    try:
        dec, free = data["decision"], data["language_free"]
        kinds = {k: CueKind(k, float(v["weight"]), str(v["label"])) for k, v in data["kinds"].items()}
        prefixes = data.get("word_prefix", {})
        patterns = {}
        for lang, by_kind in data.get("cues", {}).items():
            out = []
            for kind, phrases in by_kind.items():
                if kind not in kinds:
                    raise ToneCoachError(f"{p}: [cues.{lang}] names the kind '{kind}', which [kinds] does not define")
                out.extend((kind, _compile(ph, prefixes.get(lang, ""), f"{p} [cues.{lang}] {kind}")) for ph in phrases)
            patterns[lang] = tuple(out)
        return AgentCues(
            kinds=kinds, patterns=patterns, temperature=float(dec["temperature"]), repeat_bonus=float(dec["repeat_bonus"]),
            repeat_cap=int(dec["repeat_cap"]), unsure_below=float(dec["unsure_below"]),
            single_voice_customer_below={k: float(v) for k, v in dec["single_voice_customer_below"].items()},
            questions_weight=float(free["questions_weight"]), questions_full=int(free["questions_full"]),
            first_speaker_weight=float(free["first_speaker_weight"]), version=str(data.get("version", "?")), path=str(p),
        )
    except KeyError as exc:
        raise ToneCoachError(f"{p}: the key {exc} is missing") from None


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text.lower()).replace("’", "'").replace("‘", "'")
    return re.sub(r"[^\w\s']", " ", text)


def _cue_languages(cues: AgentCues, language: str | None) -> tuple[str, ...]:
    if language is None:
        return cues.languages
    return (language,) if language in cues.patterns else ()


def find_cues(segments: Sequence[Segment], cues: AgentCues, language: str | None) -> list[AgentEvidence]:
    """Every cue phrase said in the call, with its speaker and time (the word where it starts)."""
    langs = _cue_languages(cues, language)
    found: list[AgentEvidence] = []
    for seg in segments:
        if seg.words:
            pieces = [_norm(w.text) for w in seg.words]
            text, offsets, pos = "", [], 0
            for piece in pieces:
                offsets.append(pos)
                text += piece + " "
                pos += len(piece) + 1
            times = [w.start_s for w in seg.words]
        else:
            text, offsets, times = " ".join(_norm(seg.text).split()), [0], [seg.start_s]
        hits: list[tuple[int, int, AgentEvidence]] = []
        for lang in langs:
            for kind, pat in cues.patterns[lang]:
                for m in pat.finditer(text):
                    i = max(0, bisect.bisect_right(offsets, m.start()) - 1)
                    phrase = " ".join(m.group(0).split())
                    hits.append((m.start(), m.end(), AgentEvidence(seg.speaker, kind, phrase, round(times[i], 2),
                                                                   cues.kinds[kind].weight)))
        # one phrase is one piece of evidence: of overlapping matches the weightiest counts
        taken: list[tuple[int, int]] = []
        for a, b, e in sorted(hits, key=lambda h: (-abs(h[2].weight), h[0])):
            if all(b <= x or a >= y for x, y in taken):
                taken.append((a, b))
                found.append(e)
    uniq: dict[tuple, AgentEvidence] = {}
    for e in found:
        uniq.setdefault((e.speaker, e.kind, e.start_s), e)
    return sorted(uniq.values(), key=lambda e: e.start_s)


def question_owners(segments: Sequence[Segment], ids: Sequence[str]) -> tuple[dict[str, int], dict[str, float]]:
    """Questions per speaker, and when each speaker's first one starts.

    A question is a sentence ending in a question mark, over the words of
    the whole call in time order, and belongs to the speaker who said most
    of its words: a change of speaker placed a word too late ("...the
    purchase date of the" / "car? Yes...") does not hand the question over.
    """
    words = sorted(((w, s.speaker) for s in segments for w in s.words), key=lambda x: x[0].start_s)
    counts = {i: 0 for i in ids}
    first: dict[str, float] = {}
    if not words:  # turns without word timings: count per turn
        for s in segments:
            if s.speaker in counts:
                k = len(_QUESTION.findall(s.text))
                counts[s.speaker] += k
                if k:
                    first.setdefault(s.speaker, s.start_s)
        return counts, first
    sentence: list[tuple] = []
    for w, spk in words:
        if sentence and w.start_s - sentence[-1][0].end_s > 2.0:
            sentence = []  # a long silence ends a sentence Whisper left open
        sentence.append((w, spk))
        t = w.text.rstrip("\"')»”")
        if t.endswith((".", "!", "…", "。")):
            sentence = []
        elif _QUESTION.search(t[-1:] if t else ""):
            tally: dict[str, int] = {}
            for _, s2 in sentence:
                tally[s2] = tally.get(s2, 0) + 1
            owner = max(tally, key=lambda k: (tally[k], k == spk))
            if owner in counts:
                counts[owner] += 1
                first.setdefault(owner, sentence[0][0].start_s)
            sentence = []
    return counts, first


def speaker_scores(segments: Sequence[Segment], speaker_ids: Sequence[str], cues: AgentCues, language: str | None
                   ) -> tuple[dict[str, float], list[AgentEvidence]]:
    """Each speaker's agent score (log-odds units) and the evidence behind it, language-free evidence included."""
    ids = list(speaker_ids)
    evidence = [e for e in find_cues(segments, cues, language) if e.speaker in ids]
    scores = {i: 0.0 for i in ids}
    for i in ids:
        for kind in {e.kind for e in evidence if e.speaker == i}:
            hits = sum(1 for e in evidence if e.speaker == i and e.kind == kind)
            scores[i] += cues.kinds[kind].weight * (1 + cues.repeat_bonus * (min(hits, cues.repeat_cap) - 1))
    n = len(ids)
    if n > 1:
        qs, first_q = question_owners(segments, ids)
        total = sum(qs.values())
        if total:
            reach = min(1.0, total / cues.questions_full)
            for i in ids:
                w = cues.questions_weight * reach * (qs[i] / total - 1.0 / n)
                if abs(w) >= 0.05:
                    scores[i] += w
                    evidence.append(AgentEvidence(i, "questions", f"asks {qs[i]} of the call's {total} questions",
                                                  round(first_q.get(i, 0.0), 2), round(w, 2)))
        starts = {i: min((s.start_s for s in segments if s.speaker == i), default=math.inf) for i in ids}
        first = min(ids, key=lambda i: starts[i])
        if math.isfinite(starts[first]) and cues.first_speaker_weight:
            scores[first] += cues.first_speaker_weight
            evidence.append(AgentEvidence(first, "first_speaker", "speaks first", round(starts[first], 2),
                                          cues.first_speaker_weight))
    return scores, sorted(evidence, key=lambda e: e.start_s)


def _softmax(scores: Mapping[str, float], temperature: float) -> dict[str, float]:
    m = max(scores.values())
    ex = {k: math.exp((v - m) / temperature) for k, v in scores.items()}
    z = sum(ex.values())
    return {k: v / z for k, v in ex.items()}


def _describe(evidence: Sequence[AgentEvidence], speaker: str, cues: AgentCues, n: int = 3, sign: int = 1) -> str:
    """The speaker's strongest phrase evidence in words: one per kind, agent-like (``sign`` 1) or customer-like (-1)."""
    mine = [e for e in evidence if e.speaker == speaker and e.weight * sign > 0 and e.kind in cues.kinds]
    seen, parts = set(), []
    for e in sorted(mine, key=lambda e: (-abs(e.weight), e.start_s)):
        if e.kind in seen:
            continue
        seen.add(e.kind)
        parts.append(f"{cues.kinds[e.kind].label} ('{e.text}' at {clock(e.start_s)})")
        if len(parts) == n:
            break
    return "; ".join(parts)


def decide_agent(segments: Sequence[Segment], speaker_ids: Sequence[str], *, language: str | None = None,
                 forced: str | None = None, cues: AgentCues | None = None, single_voice: str = "mono") -> AgentDecision:
    """Which speaker is the agent, from the whole call, with the evidence and a calibrated confidence.

    Parameters
    ----------
    segments : turns of the call, each with one speaker
    speaker_ids : the call's speakers
    language : the call's language (its cue phrases are used); None tries every language's cues
    forced : a speaker named by the user (``--agent-speaker``); wins when it names a speaker of the call
    single_voice : ``"mono"`` (a one-voice recording: a practice call unless its words say customer) or
        ``"stereo"`` (one channel of a two-channel call is silent: the voice may be either party)
    """
    cues = cues or load_agent_cues()
    ids = list(speaker_ids)
    note = ""
    if forced:
        if forced in ids:
            return AgentDecision(forced, "option", f"--agent-speaker {forced}", 1.0)
        note = f" (--agent-speaker {forced} names no speaker of this call: {', '.join(ids) or 'none'})"
    if not ids:
        return AgentDecision(None, "none", "no speech in the call" + note, 0.0)
    langs = _cue_languages(cues, language)
    lang_note = "" if langs else f"; no agent phrases are known for '{language}', so only the language-free evidence counted"
    scores, evidence = speaker_scores(segments, ids, cues, language)
    if len(ids) == 1:
        only = ids[0]
        s = scores[only]
        if s <= cues.single_voice_customer_below.get(single_voice, min(cues.single_voice_customer_below.values())):
            why = _describe(evidence, only, cues, sign=-1) or "customer phrases"
            return AgentDecision(None, "customer-only",
                                 f"only one voice ({only}) speaks, and it sounds like the customer: {why}; "
                                 f"no agent speech to coach{lang_note}{note}", round(_sigmoid(-s), 2),
                                 evidence=tuple(evidence), probabilities={only: round(_sigmoid(s), 3)})
        if single_voice == "mono":
            return AgentDecision(only, "single-speaker", "one speaker in the recording: taken as the agent (practice call)"
                                 + note, 1.0, evidence=tuple(evidence))
        p = _sigmoid(s)
        why = _describe(evidence, only, cues)
        return AgentDecision(only, "single-speaker", f"only {only} has speech in this two-channel call; taken as the agent"
                             + (f": {why}" if why else ", though nothing it says marks an agent") + lang_note + note,
                             round(max(p, 0.5), 2), evidence=tuple(evidence), probabilities={only: round(p, 3)})
    probs = _softmax(scores, cues.temperature)
    best = max(ids, key=lambda i: (probs[i], -ids.index(i)))
    p = probs[best]
    phrase_kinds = {e.kind for e in evidence if e.kind in cues.kinds}
    method = "phrases" if phrase_kinds else "language-free"
    why = _describe(evidence, best, cues)
    others = [e for e in evidence if e.speaker != best and e.kind in cues.kinds and e.weight < 0]
    if others:
        cust = _describe(others, others[0].speaker, cues, n=1, sign=-1)
        why = f"{why}; {others[0].speaker} {cust}" if why else f"{others[0].speaker} {cust}"
    if not why:
        lf = [e for e in evidence if e.speaker == best and e.kind not in cues.kinds and e.weight > 0]
        why = ("no agent or customer phrases were found; " if langs else "") + (
            ", ".join(e.text for e in lf) or "nothing told the speakers apart")
    reason = f"{best}: {why}{lang_note}{note}"
    return AgentDecision(best, method, reason, round(p, 2), evidence=tuple(evidence),
                         probabilities={i: round(probs[i], 3) for i in ids})


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def is_unsure(decision: AgentDecision, cues: AgentCues | None = None) -> bool:
    """True when a person should check the automatic choice: below ``unsure_below``, or no agent found in a voice.

    Never for a person's choice (``option``) or a call with no speech.
    """
    if decision.method in ("option", "none"):
        return False
    if decision.method == "customer-only":
        return True
    if decision.method == "single-speaker" and decision.confidence >= 1.0:
        return False
    return decision.confidence < (cues or load_agent_cues()).unsure_below


def unsure_message(decision: AgentDecision) -> str:
    """What every front end says above the scores when the agent choice is unsure."""
    if decision.speaker is None:
        return f"no agent to coach: {decision.reason}"
    return (f"Is {decision.speaker} the agent? tonecoach is not sure ({decision.confidence:.0%}): {decision.reason}. "
            "If not, choose the agent's speaker (--agent-speaker, or 'Who is the agent?' in the web app).")


# -- the stage: the person's choice, or the evidence ---------------------------------------------

_SIDES = ("auto", "left", "right")


@dataclass(frozen=True)
class AgentOptions:
    """Who the agent is, where a person says so.

    Attributes
    ----------
    channel : {"auto", "left", "right"}
        Which channel of a stereo call is the agent.
    speaker : str or None
        Which speaker is the agent (``S1``, ``S2``... on a mono call, ``left``/``right`` on a stereo one);
        None decides from the evidence.
    """

    channel: str = "auto"
    speaker: str | None = None

    def __post_init__(self) -> None:
        if self.channel not in _SIDES:
            raise ToneCoachError(f"--agent-channel must be auto, left or right, not '{self.channel}'")


@dataclass(frozen=True)
class AgentChoice:
    """The agent stage's result: the decision, each speaker's role, the speaker a person named, what to warn about.

    Attributes
    ----------
    decision : AgentDecision
    roles : mapping speaker id -> {"agent", "customer", "unknown"}
        Every speaker of the call (:func:`role`).
    forced : str or None
        The speaker a person named (``--agent-speaker``, or for this call only), whether or not it is one.
    warnings : tuple of str
    """

    decision: AgentDecision
    roles: Mapping[str, str] = field(default_factory=dict)
    forced: str | None = None
    warnings: tuple[str, ...] = ()


def choose_agent(channels: Sequence[Channel], segments: Sequence[Segment], *, language: str | None,
                 options: AgentOptions = AgentOptions(), speaker: str | None = None) -> AgentChoice:
    """The agent: ``--agent-channel``, ``--agent-speaker`` (``speaker`` for this call, else ``options.speaker``),
    or the call's evidence (:func:`decide_agent`) among the voices heard."""
    forced = speaker or options.speaker
    ids = [c.id for c in channels]
    side = options.channel
    if len(ids) > 1 and side in ids and forced not in ids:
        decision = AgentDecision(side, "option", f"--agent-channel {side}", 1.0)
    else:
        # a channel without a word (the agent on hold, say) is nobody to coach: decide among the voices heard
        heard = [c for c in channels if any(s.speaker == c.id for s in segments)] or list(channels)
        if forced in ids and forced not in {c.id for c in heard}:
            heard = list(channels)
        # one voice on one channel of a two-channel call may be either party; a one-voice recording is practice
        single = "stereo" if len(heard) == 1 and heard[0].index is not None else "mono"
        decision = decide_agent(segments, [c.id for c in heard], language=language, forced=forced, single_voice=single)
    warnings = []
    if is_unsure(decision):
        warnings.append(unsure_message(decision))
    if forced and forced not in ids:
        warnings.append(f"--agent-speaker {forced} names no speaker of this call "
                        f"({', '.join(ids)}); the agent was chosen from the evidence")
    return AgentChoice(decision, {i: role(i, decision, ids) for i in ids}, forced, tuple(warnings))


def role(speaker: str, agent: AgentDecision, ids: Sequence[str]) -> str:
    """agent, customer or unknown: with three or more voices the least agent-like of the others is the customer."""
    if speaker == agent.speaker:
        return "agent"
    others = [i for i in ids if i != agent.speaker]
    if agent.method == "customer-only":  # the voice heard is the customer; a silent channel is nobody known
        return "customer" if speaker in agent.probabilities else "unknown"
    if len(ids) == 2:
        return "customer"
    if agent.probabilities and len(others) > 1:
        least = min(others, key=lambda i: (agent.probabilities.get(i, 1.0), others.index(i)))
        return "customer" if speaker == least else "unknown"
    return "unknown"
