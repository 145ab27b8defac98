"""The conversation side of the HTML report: talk share, monologues, interruptions, silences, questions.

Each row shows the measured value, the rubric threshold that would flag it,
and the moments behind it, from the report's ``conversation``.
"""

from __future__ import annotations

from typing import Any

from ..report import ConversationMetrics
from .fmt import clock, esc

__all__ = ["conversation_section"]


def _s(v: Any) -> str:
    return f"{v:.1f} s" if isinstance(v, (int, float)) else "—"


def _at(items: Any, key: str = "start_s", limit: int = 8) -> str:
    times = [getattr(i, key) for i in items or ()]
    shown = ", ".join(clock(t) for t in times[:limit])
    return ("at " + shown + (f" and {len(times) - limit} more" if len(times) > limit else "")) if times else ""


def _rows(c: ConversationMetrics) -> list[tuple[str, str, str, str]]:
    """(metric, value, flagged when, evidence) for each conversation metric."""
    th = c.thresholds
    agent = c.agent
    talk = c.talk_time_s
    ratio = c.agent_talk_ratio
    lat = c.response_latency_s
    rows = [
        ("Agent's share of the talk", f"{ratio:.0%}" if isinstance(ratio, (int, float)) else "—",
         f"over {th.get('talk_ratio.share_above', 0.65):.0%} (best calls near {th.get('talk_ratio.target', 0.43):.0%})",
         "; ".join(f"{k}{' (agent)' if k == agent else ''}: {_s(v)}" for k, v in talk.items())),
        ("Longest agent monologue", _s(c.longest_agent_monologue_s),
         f"over {th.get('monologue.seconds_over', 120):g} s",
         f"from {clock(c.longest_agent_monologue_at_s)}" if c.longest_agent_monologue_at_s is not None else ""),
        ("Agent interruptions", str(c.agent_interruptions), "each one (backchannels never count)",
         _at([i for i in c.interruptions if i.speaker == agent], key="at_s")),
        ("Overtalk", f"{_s(c.overtalk_s)} (agent started {_s(c.agent_overtalk_s)})",
         f"agent-started, {th.get('overtalk.seconds_at_least', 1.0):g} s or more", _at(c.overlaps)),
        ("Response after the customer stops",
         f"median {_s(lat.median)}, worst {_s(lat.worst)}" if lat.count else "—",
         f"over {th.get('response_latency.seconds_over', 3.0):g} s",
         f"worst at {clock(lat.worst_at_s)}, {lat.count} responses" if lat.count else ""),
        ("Dead air", f"{_s(c.dead_air_s)} ({(c.dead_air_share or 0):.0%} of the call)",
         f"gaps over {th.get('dead_air_over_s', 5.0):g} s", _at(c.dead_air)),
        ("Holds", f"{len(c.holds)}, {_s(c.hold_s)}",
         f"over {th.get('hold.long_over_s', 120):g} s, or more than {th.get('hold.count_over', 3):g}", _at(c.holds)),
        ("Agent questions", f"{c.agent_questions}"
         + (f" ({c.agent_questions_per_min:.1f} a minute)" if isinstance(c.agent_questions_per_min, (int, float)) else ""),
         f"fewer than {th.get('questions.min_count', 1):g} in a call over {th.get('questions.min_call_s', 60):g} s", ""),
    ]
    return rows


def conversation_section(report: Any) -> str:
    """A ``<section>`` with the conversation metrics, or ``""`` when the report has none."""
    c = getattr(report, "conversation", None)
    if c is None:
        return ""
    body = "".join(
        f'<tr><th scope="row">{esc(m)}</th><td class="num" data-label="Value">{esc(v)}</td>'
        f'<td data-label="Flagged when">{esc(t)}</td><td class="ev" data-label="Evidence">{esc(ev)}</td></tr>'
        for m, v, t, ev in _rows(c)
    )
    return ('<section id="conversation"><h2>Conversation</h2><table class="metrics"><thead><tr>'
            '<th scope="col">Metric</th><th scope="col">Value</th><th scope="col">Flagged when</th>'
            f'<th scope="col">Evidence</th></tr></thead><tbody>{body}</tbody></table></section>')
