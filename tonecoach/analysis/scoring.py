"""Rubric-driven tone scoring: metrics -> points -> score, and timestamped feedback.

The rubric (``tonecoach/data/rubric.toml`` or a file given by the user, read
and checked by :mod:`tonecoach.rubric`) holds every target range, weight and
threshold; this module only applies it, so a team tunes its rubric without
touching code. Every number produced carries
the evidence behind it: the measured value, the target and where the target
comes from.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from ..render.fmt import clock
from ..report import FeedbackItem, Segment, Severity, ToneResult, format_target
from ..rubric import DEFAULT_RUBRIC, Rubric, load_rubric, metric_points, score_metrics
from ..rules import TONE_RULES
from .conversation import Conversation, merge_feedback
from .prosody import Tracks, phrases

if TYPE_CHECKING:
    from .channels import Channel

__all__ = ["Rubric", "load_rubric", "metric_points", "pace_target", "score_tone", "tone_feedback", "DEFAULT_RUBRIC",
           "ScoreOptions", "Scored", "score_call", "tone_values"]


def _fmt(v: float | None, unit: str) -> str:
    if v is None or not math.isfinite(v):
        return "not measured"
    return f"{v:.1f} {unit}" if abs(v) < 1000 else f"{v:.0f} {unit}"


def score_tone(values: Mapping[str, float | None], rubric: Rubric, *, evidence: Mapping[str, str] | None = None) -> ToneResult:
    """Score the agent's tone from call-level metric values.

    Parameters
    ----------
    values : mapping field name -> measured value (see each rubric metric's ``field``)
    evidence : mapping field name -> what the value was measured over
    """
    def describe(v: float | None, m: Mapping[str, Any]) -> str:
        return f"{_fmt(v, m['unit'])} against a target of {format_target(float(m['low']), float(m['high']), m['unit'])}"

    score, scored = score_metrics(rubric.tone_metrics, values, describe=describe, evidence=evidence, digits=3)
    return ToneResult(score=score, metrics=tuple(scored), rubric_version=rubric.version)


def _item(seg_start, seg_end, category, severity, message, evidence, speaker, suggestion=None) -> FeedbackItem:
    return FeedbackItem(start_s=round(seg_start, 2), end_s=round(seg_end, 2), category=category, severity=severity,
                        message=message, evidence=evidence, speaker=speaker, suggestion=suggestion)


def pace_target(rubric: Rubric) -> str:
    """The speaking-rate target of the rubric as people read it ("120-160 wpm")."""
    return TONE_RULES["too_fast"].target(rubric)


def _checks(p: Mapping[str, Any], voiced_s: float, rubric: Rubric) -> list[tuple[str, str, dict]]:
    """(category, severity, evidence) for each tone rule one piece of speech breaks."""
    out = []
    wpm = p.get("words_per_minute")
    if wpm is not None:
        r = rubric.feedback("too_fast")
        if wpm > r["wpm_above"]:
            out.append(("too_fast", Severity.MAJOR if wpm > r["major_above"] else TONE_RULES["too_fast"].severity,
                        {"value": round(wpm, 1), "threshold": r["wpm_above"], "unit": "wpm", "target": pace_target(rubric)}))
        r = rubric.feedback("too_slow")
        if wpm < r["wpm_below"]:
            out.append(("too_slow", TONE_RULES["too_slow"].severity, {"value": round(wpm, 1), "threshold": r["wpm_below"], "unit": "wpm"}))
    sd = p.get("pitch_sd_semitones")
    r = rubric.feedback("monotone")
    if sd is not None and voiced_s >= rubric.feedback()["min_voiced_s"] and sd < r["semitones_below"]:
        out.append(("monotone", Severity.MAJOR if sd < r["major_below"] else TONE_RULES["monotone"].severity,
                    {"value": round(sd, 2), "threshold": r["semitones_below"], "unit": "semitones",
                     "voiced_s": round(voiced_s, 1)}))
    db = p.get("energy_dbfs")
    r = rubric.feedback("low_energy")
    if db is not None and db < r["dbfs_below"]:
        out.append(("low_energy", TONE_RULES["low_energy"].severity, {"value": round(db, 1), "threshold": r["dbfs_below"], "unit": "dBFS"}))
    clip = p.get("clipping_ratio")
    r = rubric.feedback("shouting")
    if (clip is not None and clip * 100 > r["clipping_percent_over"]) or (db is not None and db > r["dbfs_over"]):
        out.append(("shouting", TONE_RULES["shouting"].severity, {
            "value": round(clip * 100, 2) if clip is not None else None, "unit": "% clipped",
            "threshold_percent": r["clipping_percent_over"], "energy_dbfs": None if db is None else round(db, 1),
            "threshold_dbfs": r["dbfs_over"]}))
    return out


def _told(category: str, found: list[tuple[Segment, str, dict]], agent: str | None) -> FeedbackItem:
    """One feedback item for a run of consecutive pieces that break the same rule."""
    first, last = found[0][0], found[-1][0]
    values = [ev["value"] for _, _, ev in found if ev.get("value") is not None]
    rule = TONE_RULES[category]
    unit = rule.unit
    if category == "shouting":
        v = "the signal clips or is near full scale"
    elif len(values) > 1 and min(values) != max(values):
        v = f"{min(values):.{1 if unit == 'semitones' else 0}f}-{max(values):.{1 if unit == 'semitones' else 0}f} {unit}"
    else:
        v = f"{values[0]:.{1 if unit == 'semitones' else 0}f} {unit}" if values else "not measured"
    when = f"at {clock(first.start_s)}" if len(found) == 1 else \
        f"from {clock(first.start_s)} to {clock(last.end_s)} ({len(found)} phrases in a row)"
    evidence = dict(found[0][2]) if len(found) == 1 else {
        **{k: v for k, v in found[0][2].items() if k != "value"},
        "value": max(values, key=lambda x: abs(x - float(found[0][2].get("threshold") or 0))) if values else None,
        "moments": [{"start_s": round(sg.start_s, 2), "end_s": round(sg.end_s, 2), "value": ev.get("value")} for sg, _, ev in found],
    }
    evidence["words"] = sum(len(sg.words) for sg, _, _ in found)
    severity = Severity.MAJOR if any(sev == Severity.MAJOR for _, sev, _ in found) else rule.severity
    return _item(first.start_s, last.end_s, category, severity, rule.message(when=when, value=v), evidence, agent)


def tone_feedback(segments: Sequence[Segment], agent: str | None, rubric: Rubric, *, call_end_s: float | None = None,
                  units: Sequence[Segment] | None = None) -> list[FeedbackItem]:
    """Timestamped tone feedback for the agent's speech and for the call's silences.

    Categories: ``too_fast``, ``too_slow``, ``monotone``, ``low_energy``,
    ``dead_air``, ``rushed_ending``, ``shouting``. Each item's evidence holds
    the measured value, the threshold and the unit; consecutive phrases that
    break the same rule are told once, with each moment in ``evidence["moments"]``.

    Parameters
    ----------
    segments : the call's turns (all speakers), for dead air
    units : the agent's speech cut into the pieces to judge, each with its
        own prosody (long turns cut into phrases, so feedback points at a
        moment, not a minute); default: the agent's turns.
    """
    fb = rubric.feedback()
    min_words, min_s = fb["min_turn_words"], fb["min_turn_s"]
    agent_turns = [s for s in segments if s.speaker == agent]
    pieces = [u for u in units if u.speaker == agent] if units is not None else agent_turns
    judged = [s for s in pieces if len(s.words) >= min_words and s.end_s - s.start_s >= min_s]
    runs: dict[str, list[tuple[Segment, str, dict]]] = {}
    items: list[FeedbackItem] = []
    for s in judged:
        voiced_s = (s.prosody.get("voiced_ratio") or 0.0) * (s.end_s - s.start_s)
        broken = {cat: (sev, ev) for cat, sev, ev in _checks(s.prosody, voiced_s, rubric)}
        for cat in list(runs):
            if cat not in broken:  # the run of this rule ends here
                items.append(_told(cat, runs.pop(cat), agent))
        for cat, (sev, ev) in broken.items():
            runs.setdefault(cat, []).append((s, sev, ev))
    items.extend(_told(cat, found, agent) for cat, found in runs.items())
    # rushed ending: the agent's closing words against the agent's own earlier pace, or over the too-fast limit
    if len(judged) >= 2 and agent_turns and judged[-1].end_s >= agent_turns[-1].end_s:
        last = judged[-1]
        earlier = [s.prosody.get("words_per_minute") for s in judged[:-1] if s.prosody.get("words_per_minute")]
        lw = last.prosody.get("words_per_minute")
        r = rubric.feedback("rushed_ending")
        limit = rubric.feedback("too_fast")["wpm_above"]
        if earlier and lw:
            med = statistics.median(earlier)
            if lw > med * r["ratio_over"] or lw > limit:
                why = f"against {med:.0f} wpm earlier in the call" if lw > med * r["ratio_over"] else \
                    f"over the {limit:g} wpm limit ({med:.0f} wpm earlier in the call)"
                items.append(_item(last.start_s, last.end_s, "rushed_ending", TONE_RULES["rushed_ending"].severity,
                                   f"Rushed ending at {clock(last.start_s)}: {lw:.0f} wpm {why}. "
                                   "Slow the closing down: it is what the caller remembers.",
                                   {"value": round(lw, 1), "median_wpm_before": round(med, 1), "ratio": round(lw / med, 2),
                                    "threshold_ratio": r["ratio_over"], "threshold_wpm": limit, "unit": "wpm"}, agent))
    items.extend(dead_air(segments, rubric))
    items.sort(key=lambda i: (i.start_s, i.category))
    return items


def dead_air_gaps(segments: Sequence[Segment], *, over_s: float) -> list[tuple[float, float]]:
    """Gaps longer than ``over_s`` between consecutive words of anyone in the call."""
    words = sorted((w for s in segments for w in s.words), key=lambda w: w.start_s)
    gaps = []
    end = None
    for w in words:
        if end is not None and w.start_s - end > over_s:
            gaps.append((end, w.start_s))
        end = w.end_s if end is None else max(end, w.end_s)
    return gaps


def dead_air(segments: Sequence[Segment], rubric: Rubric) -> list[FeedbackItem]:
    r = rubric.feedback("dead_air")
    over, major = r["seconds_over"], r["major_over"]
    out = []
    for a, b in dead_air_gaps(segments, over_s=over):
        out.append(_item(a, b, "dead_air", Severity.MAJOR if b - a > major else TONE_RULES["dead_air"].severity,
                         f"Dead air at {clock(a)}: {b - a:.1f} s with nobody speaking. Fill long waits: say what you are doing.",
                         {"value": round(b - a, 1), "threshold": over, "unit": "s"}, None))
    return out


# -- the stage: the agent's tone over the whole call -------------------------------------------------


@dataclass(frozen=True)
class ScoreOptions:
    """How the call's tone is scored (the targets themselves are the rubric's).

    Attributes
    ----------
    phrase_max_s : float
        Agent turns longer than this are judged phrase by phrase (sentences or pauses), so tone feedback
        points at a moment.
    """

    phrase_max_s: float = 12.0


@dataclass(frozen=True)
class Scored:
    """The scoring stage's result: the tone score, the call's feedback so far (tone and conversation), warnings."""

    tone: ToneResult
    feedback: tuple[FeedbackItem, ...]
    warnings: tuple[str, ...] = ()


def score_call(segments: Sequence[Segment], speakers: Sequence[Any], agent: str | None, *, rubric: Rubric,
               conversation: Conversation | None, channels: Sequence[Channel], tracks: Mapping[str, Tracks], sr: int,
               duration_s: float, language: str | None, options: ScoreOptions = ScoreOptions()) -> Scored:
    """Score the agent's tone (:func:`score_tone`) and tell the call's feedback (:func:`tone_feedback`, by
    phrase, with the conversation's merged in). ``speakers`` are the report's speakers, ``agent`` the agent's id."""
    heard = bool(segments)
    agent_sp = next((s for s in speakers if s.role == "agent"), None)
    values, evidence = tone_values(agent_sp, segments, rubric, conversation)
    tone = score_tone(values, rubric, evidence=evidence)
    by_id = {c.id: c for c in channels}
    units = phrases(segments, agent, by_id, tracks, sr, options.phrase_max_s, language=language) if heard else []
    feedback = tone_feedback(segments, agent, rubric, call_end_s=duration_s, units=units) if heard else []
    feedback = merge_feedback(feedback, conversation)
    warnings = []
    snr = (agent_sp.prosody.get("snr_db") if agent_sp else None)
    if snr is not None and snr < 10:
        warnings.append(f"noisy recording (SNR about {snr:.0f} dB): pitch and energy figures are less reliable")
    return Scored(tone, tuple(feedback), tuple(warnings))


def tone_values(agent: Any, segs: Sequence[Segment], rubric: Rubric, conv: Conversation | None = None) -> tuple[dict, dict]:
    """The agent's call-level metric values (its speaker prosody and the dead air) and what each was measured over."""
    if agent is None or not agent.prosody:
        return {}, {}
    p = dict(agent.prosody)
    over = rubric.feedback("dead_air")["seconds_over"]
    if conv is not None:  # holds are not dead air
        p["dead_air_count"] = float(len(conv.metrics["dead_air"]))
    else:
        p["dead_air_count"] = float(len(dead_air_gaps(segs, over_s=over))) if segs else None
    n_turns = sum(1 for s in segs if s.speaker == agent.id)
    talk = p.get("talk_time_s") or 0.0
    ev = {
        "words_per_minute": f"{p.get('n_words', 0)} words over {talk:.1f} s of the agent's {n_turns} turn(s)",
        "pitch_sd_semitones": f"over {talk * (p.get('voiced_ratio') or 0):.1f} s of voiced agent speech"
                              + (f", median {p['pitch_median_hz']:.0f} Hz" if p.get("pitch_median_hz") else ""),
        "energy_dbfs": "RMS of the agent's active frames",
        "energy_sd_db": "spread of the agent's active frames",
        "pauses_over_2s_per_min": f"{p.get('pause_count_over_2s', 0)} pause(s) over 2 s inside the agent's turns",
        "clipping_percent": "share of the agent's samples at full scale",
        "dead_air_count": f"gaps over {over:g} s between any words in the call, holds aside",
    }
    return p, ev
