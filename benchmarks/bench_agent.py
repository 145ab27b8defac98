"""Who is the agent, on labelled dialogues that played no part in choosing the cues: accuracy and calibration.

The decision (``tonecoach.analysis.agent``) reads turns; here the turns come from
role-labelled customer-service dialogues in text, so thousands of decisions
can be checked in seconds (on recorded calls, ``tonecoach evaluate`` does
the same through transcription and speaker separation):

* ``../shared/data/text/abcd_sample.json``: 3 ABCD chats (ASAPP, MIT), agent and customer turns;
* ``../shared/data/text/azure_Json_input_customer_support.json``: one support chat (Azure samples, MIT);
* Taskmaster-4 coffee-ordering dialogues (Google, CC BY 4.0), ``user`` and ``assistant``, when a copy of the
  repository google-research-datasets/Taskmaster is given with ``--taskmaster DIR`` (a git directory or a
  checkout); 6,500 dialogues, most only 2-6 turns long. Files data_00-03 were read while writing the
  English request phrases ("can I get a...", "can I help you"); the figures printed come from data_04-07,
  which were not looked at.

Each dialogue is decided twice, as written and with the roles' first turn
removed when the agent speaks first (so that speaking first cannot carry
it). Prints accuracy, the share flagged unsure, and the reliability table.

    python benchmarks/bench_agent.py [--taskmaster /path/to/Taskmaster] [--limit 2000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tonecoach.analysis.agent import decide_agent, is_unsure  # noqa: E402
from tonecoach.evaluate.metrics import calibration  # noqa: E402
from tonecoach.report import Segment, Word  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "text"


def segments(turns: list[tuple[str, str]]) -> list[Segment]:
    """Turns as segments with made-up word timings (0.3 s a word, 0.5 s between turns)."""
    out, t = [], 0.0
    for spk, text in turns:
        toks = text.split()
        if not toks:
            continue
        ws = tuple(Word(tok, round(t + 0.3 * i, 2), round(t + 0.3 * (i + 1), 2), 0.9) for i, tok in enumerate(toks))
        out.append(Segment(ws[0].start_s, ws[-1].end_s, spk, text, ws))
        t = ws[-1].end_s + 0.5
    return out


def abcd() -> list[list[tuple[str, str]]]:
    p = DATA / "abcd_sample.json"
    if not p.exists():
        return []
    return [[(r, t) for r, t in d["original"] if r in ("agent", "customer")] for d in json.loads(p.read_text())]


def azure() -> list[list[tuple[str, str]]]:
    p = DATA / "azure_Json_input_customer_support.json"
    if not p.exists():
        return []
    d = json.loads(p.read_text(encoding="utf-8"))
    out = []
    for c in d["analysisInput"]["conversations"]:
        out.append([("agent" if i["participantId"].lower() == "agent" else "customer", i["text"]) for i in c["conversationItems"]])
    return out


def taskmaster(folder: str | None, limit: int, part=range(4, 8)) -> list[list[tuple[str, str]]]:
    if not folder:
        return []
    root = Path(folder)
    files = [f"TM-4-2024/data/data_{k:02d}.json" for k in part]
    out = []
    for f in files:
        if (root / f).is_file():
            text = (root / f).read_text(encoding="utf-8")
        else:  # a bare git directory
            r = subprocess.run(["git", "--git-dir", str(root), "show", f"HEAD:{f}"], capture_output=True, text=True)
            if r.returncode:
                continue
            text = r.stdout
        for d in json.loads(text):
            turns = [("agent" if u["speaker"] == "assistant" else "customer", u["text"]) for u in d["utterances"]]
            if {r for r, _ in turns} == {"agent", "customer"}:
                out.append(turns)
            if len(out) >= limit:
                return out
    return out


def run(name: str, dialogues: list[list[tuple[str, str]]]) -> None:
    if not dialogues:
        print(f"{name}: not available")
        return
    for variant in ("as written", "agent's opening turn removed"):
        pairs, unsure, methods = [], 0, {}
        for turns in dialogues:
            if variant != "as written":
                if turns[0][0] != "agent":
                    continue
                turns = turns[1:]
                if {r for r, _ in turns} != {"agent", "customer"}:
                    continue
            d = decide_agent(segments(turns), ["agent", "customer"], language="en")
            pairs.append((d.confidence, d.speaker == "agent"))
            unsure += is_unsure(d)
            methods[d.method] = methods.get(d.method, 0) + 1
        if not pairs:
            continue
        cal = calibration(pairs)
        acc = sum(ok for _, ok in pairs) / len(pairs)
        print(f"{name}, {variant}: {len(pairs)} dialogues, right {acc:.1%}, flagged unsure {unsure / len(pairs):.0%}, "
              f"methods {methods}; ECE {cal['ece']:.3f}, Brier {cal['brier']:.3f}")
        for b in cal["bins"]:
            if b["n"]:
                print(f"    confidence {b['from']:.1f}-{b['to']:.1f}: {b['n']:5d}, mean {b['confidence']:.2f}, right {b['accuracy']:.0%}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--taskmaster", default=None, help="a copy of google-research-datasets/Taskmaster (checkout or git dir)")
    ap.add_argument("--limit", type=int, default=2000, help="Taskmaster dialogues to read (default 2000)")
    a = ap.parse_args()
    run("ABCD sample chats", abcd())
    run("Azure support chat", azure())
    run("Taskmaster-4 coffee orders", taskmaster(a.taskmaster, a.limit))


if __name__ == "__main__":
    main()
