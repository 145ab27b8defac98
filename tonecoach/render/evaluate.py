"""An evaluation's results as text for the terminal and as a self-contained HTML page."""

from __future__ import annotations

from typing import Any

from .fmt import esc

__all__ = ["format_text", "format_html"]


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"


def _num(x: float | None, fmt: str = ".2f") -> str:
    return "-" if x is None else format(x, fmt)


def _acc(a: dict) -> str:
    return f"{a['correct']}/{a['n']} ({_pct(a['accuracy'])})" if a["n"] else "no labelled calls"


def _rows(result: dict[str, Any]) -> list[list[str]]:
    rows = []
    for c in result["calls"]:
        if c.get("error"):
            rows.append([c["file"], "error: " + c["error"], "", "", "", "", ""])
            continue
        a = c["agent"]
        verdict = "-" if a["correct"] is None else ("right" if a["correct"] else "WRONG")
        rows.append([
            c["file"],
            f"{a['chosen']} ({a['method']}, {_pct(a['confidence'])}{', unsure' if a['unsure'] else ''})",
            f"{a['labelled'] or '?'}: {verdict}",
            _num((c.get("wer") or {}).get("wer")),
            _num((c.get("der") or {}).get("der")),
            f"{c['voices']}" + (f"/{c['reference']['voices']}" if (c.get("reference") or {}).get("voices") else ""),
            f"{c.get('repeated_words', 0)}" + (f"/{c['reference']['repeated_words']}" if c.get("reference") else ""),
        ])
    return rows


HEAD = ["call", "agent chosen (method, confidence)", "labelled agent", "WER", "DER", "voices (ref)", "repeats (ref)"]


def format_text(result: dict[str, Any]) -> str:
    rows = _rows(result)
    widths = [max(len(HEAD[i]), *(len(r[i]) for r in rows)) for i in range(len(HEAD))]
    out = ["  ".join(h.ljust(w) for h, w in zip(HEAD, widths))]
    out += ["  ".join(v.ljust(w) for v, w in zip(r, widths)) for r in rows]
    s = result["summary"]
    ag = s["agent"]
    out.append("")
    out.append(f"Agent decision: {_acc(ag['all'])} right; stereo {_acc(ag['stereo'])}, mono {_acc(ag['mono'])}.")
    out.append(f"  said sure: {_acc(ag['sure'])}; said unsure (a person should check): {_acc(ag['unsure'])}")
    cal = ag["calibration"]
    if cal["n"]:
        out.append(f"  calibration (confidence -> how often right): ECE {_num(cal['ece'], '.3f')}, Brier {_num(cal['brier'], '.3f')}")
        for b in cal["bins"]:
            if b["n"]:
                out.append(f"    {b['from']:.1f}-{b['to']:.1f}: {b['n']} call(s), mean confidence {b['confidence']:.2f}, "
                           f"right {b['accuracy']:.0%}")
    if ag["not_judged"]:
        out.append(f"  not judged (no usable agent label): {', '.join(ag['not_judged'])}")
    w, d = s["wer"], s["der"]
    if w["n"]:
        out.append(f"Word error rate: mean {w['mean']:.3f} over {w['n']} call(s) (from {w['min']:.3f} to {w['max']:.3f})")
    if d["n"]:
        out.append(f"Diarization error rate: mean {d['mean']:.3f} over {d['n']} call(s) (from {d['min']:.3f} to {d['max']:.3f}; "
                   "no collar, overlap scored)")
    out.append(f"Doubled words (the same word twice over the same moment, one speaker): {s['doubled_words']}")
    rw = s["repeated_words"]
    out.append(f"Words repeating the word before them: {rw['tonecoach']} in tonecoach's transcripts, "
               f"{rw['reference']} in the references")
    for k in ("tone", "wording"):
        r = s["ratings"].get(k)
        if r:
            out.append(f"Correlation with people's {k} ratings: Spearman {_num(r['spearman'])}, Pearson {_num(r['pearson'])} "
                       f"over {r['n']} call(s)")
    if s["failed"]:
        out.append(f"{s['failed']} call(s) could not be evaluated (see the table).")
    return "\n".join(out)


def format_html(result: dict[str, Any]) -> str:
    e = esc
    rows = "".join("<tr>" + "".join(f"<td>{e(v)}</td>" for v in r) + "</tr>" for r in _rows(result))
    head = "".join(f"<th>{e(h)}</th>" for h in HEAD)
    summary = "".join(f"<p>{e(line)}</p>" if not line.startswith("    ") else f"<p class=bin>{e(line.strip())}</p>"
                      for line in format_text(result).split("\n\n", 1)[-1].splitlines() if line.strip())
    reasons = "".join(f"<li><b>{e(c['file'])}</b>: {e(c['agent']['reason'] or '')}</li>" for c in result["calls"]
                      if c.get("agent"))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>tonecoach evaluation</title>
<style>
:root {{ color-scheme: light dark; }}
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; background: #fff; color: #1a1a1a; }}
table {{ border-collapse: collapse; font-size: 0.9rem; }}
th, td {{ border: 1px solid #bbb; padding: 0.3rem 0.5rem; text-align: left; }}
th {{ background: #eef; }}
.bin {{ margin: 0 0 0 1.5rem; }}
@media (prefers-color-scheme: dark) {{ body {{ background: #161616; color: #eee; }} th {{ background: #2a2a40; }} }}
</style></head><body>
<h1>tonecoach evaluation</h1>
<p>Calls in {e(result['folder'])}, labels from {e(result['labels'])}.</p>
<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>
<h2>Summary</h2>{summary}
<h2>Why each agent was chosen</h2><ul>{reasons}</ul>
</body></html>
"""
