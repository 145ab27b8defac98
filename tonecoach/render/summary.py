"""One call's report as plain text for the terminal: what ``tonecoach analyze`` prints after each file."""

from __future__ import annotations

from ..report import CallReport, ConversationMetrics, format_target
from ..scorecard.lines import scorecard_lines
from .fmt import clock

__all__ = ["format_summary"]


def format_summary(report: CallReport) -> str:
    """A readable, plain-text summary of one report."""
    a = report.audio
    lang = f"{report.language.code or '?'}" + ("" if report.language.forced else f" {report.language.probability:.0%}")
    kind = "stereo" if a.channels == 2 else "mono"
    lines = [f"{a.path}  ({clock(a.duration_s)}, {a.sample_rate} Hz, {kind}, {len(report.speakers)} speaker(s), language {lang})"]
    unsure = ""
    if report.agent:
        from ..analysis.agent import is_unsure, unsure_message

        if is_unsure(report.agent):
            unsure = unsure_message(report.agent)
            lines.append(f"  !! {unsure}")
        elif len(report.speakers) > 1:
            lines.append(f"  Agent: {report.agent.speaker} ({report.agent.method}, {report.agent.confidence:.0%} confidence: "
                         f"{report.agent.reason})")
    lines.extend(_conversation_lines(report.conversation))
    score = report.tone.score
    lines.append(f"  Tone score: {'n/a' if score is None else f'{score:.0f}/100'}")
    content = report.content
    if content is not None and content.score is not None:
        via = " (model scores via English translation)" if content.via_translation else ""
        if content.reliable is False:
            via += " - UNRELIABLE transcript, weighs nothing in the overall score"
        lines.append(f"  Content score: {content.score:.0f}/100{via}")
    overall = report.overall_score
    if overall is not None:
        lines.append(f"  Overall score: {overall:.0f}/100 ({content.overall.combined})")
    for m in report.tone.metrics:
        if m.value is None:
            val = "not measured"
        else:
            val = f"{m.value:.1f} {m.unit}"
        tgt = format_target(m.target_low, m.target_high)
        pts = "  -" if m.score is None else f"{m.score:3.0f}"
        lines.append(f"    {m.label:<32} {val:>16}   target {tgt:<14} {pts}")
    if report.feedback:
        lines.append("  Feedback:")
        for f in report.feedback:
            lines.append(f"    {clock(f.start_s)}-{clock(f.end_s)}  [{f.severity}] {f.message}")
            if f.suggestion:
                lines.append(f"        Try: {f.suggestion}")
    elif score is not None:
        lines.append("  Feedback: nothing to flag on tone.")
    lines.extend(scorecard_lines(report.scorecard))
    summ = content.summary if content is not None else {}
    if summ.get("work_on_first_text"):
        lines.append("  Work on first:")
        lines.extend(f"    {t}" for t in summ["work_on_first_text"])
    if summ.get("balance"):
        lines.append(f"  {summ['balance']}")
    for w in report.warnings:
        if w != unsure:  # said above the scores already
            lines.append(f"  Warning: {w}")
    return "\n".join(lines)


def _conversation_lines(c: ConversationMetrics | None) -> list[str]:
    """One or two lines of conversation metrics (only what a two-sided call has)."""
    if c is None or c.agent_talk_ratio is None:
        return []
    lat = c.response_latency_s
    parts = [f"agent talk {c.agent_talk_ratio:.0%}"]
    if c.longest_agent_monologue_s is not None:
        parts.append(f"longest monologue {c.longest_agent_monologue_s:.0f} s")
    parts.append(f"interruptions {c.agent_interruptions}")
    parts.append(f"overtalk {c.overtalk_s:.1f} s")
    if lat.median is not None:
        parts.append(f"response {lat.median:.1f} s median, {lat.worst:.1f} s worst")
    parts.append(f"dead air {c.dead_air_s:.0f} s, holds {len(c.holds)}, "
                 f"questions {c.agent_questions}")
    return ["  Conversation: " + ", ".join(parts)]
