"""The report's scorecard in a few lines of text, as ``tonecoach analyze`` and ``tonecoach scorecard evaluate`` print it."""

from __future__ import annotations

from ..render.fmt import clock

__all__ = ["scorecard_lines"]


def scorecard_lines(sc) -> list[str]:
    """The scorecard in a few lines: the score against the target, then each "no" with its reason and time."""
    if not isinstance(sc, dict) or not sc.get("answers"):
        return []
    n = sc.get("counts") or {}
    applicable = int(n.get("yes", 0)) + int(n.get("no", 0))
    score = sc.get("score")
    head = f"  Scorecard ({sc.get('name')} {sc.get('version')}): "
    if score is None:
        head += "no criterion applies to this call"
    else:
        head += f"{score:.0f}% on {applicable} applicable criteria ({n.get('yes', 0)} yes, {n.get('no', 0)} no"
        head += f", {n.get('not_applicable', 0)} not applicable)"
        if sc.get("target") is not None:
            head += f", target {sc['target']:g}%: " + ("passed" if sc.get("passed") else "not passed")
        if sc.get("critical_failed"):
            head += f"; critical: {', '.join(sc['critical_failed'])}"
    out = [head]
    for a in sc["answers"]:
        if a.get("answer") != "no":
            continue
        ev = next((e for e in a.get("evidence") or () if isinstance(e, dict) and e.get("start_s") is not None), None)
        at = f" [{clock(ev['start_s'])}]" if ev else ""
        out.append(f"    no{at}  {a.get('question')} {a.get('reason')}" + (" (signals only)" if a.get("unsure") else ""))
    return out
