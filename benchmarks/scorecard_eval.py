"""How often the default scorecard answers a call as a person reading its transcript does.

It answers the scorecard on JSON reports of the calls in ../shared/data/realcalls
(made beforehand with ``tonecoach analyze ... --json DIR/``: Whisper base on two
cores takes several minutes for the ten calls, so the reports are kept outside
the repository) and compares each answer with one person's reading
(``benchmarks/data/scorecard_realcalls_labels.toml``). Criteria that need the
audio (``-`` in the labels) are not counted.

    .venv/bin/tonecoach analyze ../shared/data/realcalls/*.wav ../shared/data/realcalls/*.mp3 --json /tmp/realcalls/
    .venv/bin/python benchmarks/scorecard_eval.py /tmp/realcalls
    .venv/bin/python benchmarks/scorecard_eval.py /tmp/realcalls --agent-fixed /tmp/realcalls-agent --scorecard my.toml

``--agent-fixed DIR`` takes, for the calls it holds, reports analysed with the
real agent given (``--agent-speaker``), to tell the scorecard's mistakes from
a wrong choice of agent. It prints one line per call and criterion where the
two differ, the agreement per criterion and overall, and the evaluation time
per call (median).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tonecoach.report import CallReport  # noqa: E402
from tonecoach.scorecard import evaluate, load_scorecard  # noqa: E402

LABELS = ROOT / "benchmarks" / "data" / "scorecard_realcalls_labels.toml"
SHORT = {"yes": "yes", "no": "no", "not_applicable": "n/a"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reports", help="folder of JSON reports (<call>.json)")
    ap.add_argument("--agent-fixed", metavar="DIR", help="folder of reports analysed with the real agent given")
    ap.add_argument("--scorecard", default=None, help="scorecard TOML (default: the bundled one)")
    ap.add_argument("--labels", default=str(LABELS))
    ap.add_argument("--repeat", type=int, default=20, help="evaluations per call for the timing (default 20)")
    args = ap.parse_args(argv)

    card = load_scorecard(args.scorecard)
    labels = tomllib.loads(Path(args.labels).read_text(encoding="utf-8"))["calls"]
    fixed = Path(args.agent_fixed) if args.agent_fixed else None
    rows = []  # (call, criterion, person, machine, reason, fixed agent?)
    times = []
    for call, want in sorted(labels.items()):
        path = Path(args.reports) / f"{call}.json"
        fixed_agent = False
        if fixed is not None and (fixed / f"{call}.json").is_file():
            path, fixed_agent = fixed / f"{call}.json", True
        if not path.is_file():
            print(f"missing report: {path}", file=sys.stderr)
            continue
        report = CallReport.from_json(path.read_text(encoding="utf-8"))
        res = evaluate(card, report)
        t = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            evaluate(card, report)
            t.append(time.perf_counter() - t0)
        times.append((statistics.median(t), report.audio.duration_s, len(report.segments)))
        for cid, person in want.items():
            a = res.answer(cid)
            if a is None or person == "-":
                continue
            rows.append((call, cid, person, a.answer, a.reason, fixed_agent))

    print(f"scorecard: {card.name} {card.version}; {len(rows)} answers compared on {len({r[0] for r in rows})} calls")
    print("\ndisagreements (person -> tonecoach):")
    for call, cid, person, got, reason, fx in rows:
        if person != got:
            print(f"  {call:34} {cid:26} {SHORT[person]:>4} -> {SHORT[got]:<4} {reason[:110]}{' [agent given]' if fx else ''}")
    print("\nper criterion (agree / compared):")
    for cid in card.ids:
        rs = [r for r in rows if r[1] == cid]
        if rs:
            n = sum(1 for r in rs if r[2] == r[3])
            print(f"  {cid:26} {n:2d} / {len(rs):2d}")
    agree = sum(1 for r in rows if r[2] == r[3])
    print(f"\nagreement: {agree} of {len(rows)} answers ({100 * agree / max(1, len(rows)):.0f}%)")
    yes_no = [r for r in rows if r[2] != "not_applicable" and r[3] != "not_applicable"]
    if yes_no:
        a2 = sum(1 for r in yes_no if r[2] == r[3])
        print(f"  where both answered yes or no: {a2} of {len(yes_no)}")
    if times:
        med = statistics.median(t for t, _, _ in times)
        per_min = statistics.median(t / (d / 60.0) for t, d, _ in times if d)
        print(f"\nevaluation time: median {1000 * med:.1f} ms per call ({1000 * per_min:.1f} ms per minute of audio), "
              f"max {1000 * max(t for t, _, _ in times):.1f} ms; medians of {args.repeat} runs per call")
    return 0


if __name__ == "__main__":
    sys.exit(main())
