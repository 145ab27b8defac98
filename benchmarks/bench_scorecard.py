"""What answering the QA scorecard costs a batch.

On the calls of ``bench_batch.py`` (N distinct copies of the 65 s stereo
sample, made in a temporary folder), it measures:

1. ``tonecoach batch --workers 1`` with the default scorecard against
   ``--scorecard none``, each into a fresh database, interleaved, ``--repeat``
   times (medians): wall and CPU time (user + system of the command and its workers: far less
   disturbed by other programs than wall time); the whole cost as a user pays it (the scorecard loaded in
   the worker, answered on each report, its answers stored);
2. the same two commands again on the now-scored calls (every file
   ``already_scored``): there the scorecard is answered on each stored report
   in the main process, which is all a rerun with a new scorecard costs;
3. inside one process: the time to load the bundled scorecard, and to answer
   it on each report (median of 50), against the report's own analysis time.

    .venv/bin/python benchmarks/bench_scorecard.py                  # 8 calls, base, 3 repeats
    .venv/bin/python benchmarks/bench_scorecard.py --calls 4 --repeat 1 --model tiny.en

Run it on a quiet machine; the wall-time difference of (1) is small next to
run-to-run noise, which is why (3) is measured too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_batch import make_calls, run  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=8)
    ap.add_argument("--model", default="base")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    tc = [sys.executable, "-m", "tonecoach"]
    with tempfile.TemporaryDirectory(prefix="bench_scorecard_") as tmp:
        tmp = Path(tmp)
        calls = tmp / "calls"
        calls.mkdir()
        audio_s = make_calls(calls, args.calls)
        print(f"{args.calls} calls, {audio_s / 60:.1f} min of audio, model {args.model}, "
              f"{len(os.sched_getaffinity(0))} cores, load average {os.getloadavg()[0]:.1f} at start", flush=True)
        modes = {"default scorecard": [], "--scorecard none": ["--scorecard", "none"]}
        first: dict[str, list[float]] = {m: [] for m in modes}
        rerun: dict[str, list[float]] = {m: [] for m in modes}
        cpu1: dict[str, list[float]] = {m: [] for m in modes}
        cpu2: dict[str, list[float]] = {m: [] for m in modes}
        run(tc + ["batch", str(calls), "--db", str(tmp / "warm.db"), "--model", args.model, "--workers", "1",
                  "--progress", "never"])  # warm the page cache (models, torch)
        jsonl = tmp / "reports.jsonl"
        for k in range(args.repeat):
            for name, extra in modes.items():
                db = tmp / f"{k}_{name.replace(' ', '_').strip('-')}.db"
                cmd = tc + ["batch", str(calls), "--db", str(db), "--model", args.model, "--workers", "1",
                            "--progress", "never", *extra]
                wall, out, _, cpu = run(cmd + ["--jsonl", str(jsonl)] if k == 0 and not extra else cmd)
                if f"{args.calls} scored" not in out:
                    sys.exit(f"not every call was scored:\n{out}")
                first[name].append(wall)
                cpu1[name].append(cpu)
                wall2, out2, _, cpu_2 = run(cmd)
                cpu2[name].append(cpu_2)
                if f"{args.calls} already scored" not in out2:
                    sys.exit(f"the rerun scored something:\n{out2}")
                rerun[name].append(wall2)
                print(f"  run {k + 1}: {name:<20} batch {wall:6.1f} s, rerun {wall2:5.2f} s", flush=True)

        med = statistics.median
        print(f"\n{'':<22} {'batch wall s':>13} {'batch CPU s':>12} {'rerun wall s':>13} {'rerun CPU s':>12}  (medians)")
        for name in modes:
            print(f"{name:<22} {med(first[name]):13.2f} {med(cpu1[name]):12.2f} {med(rerun[name]):13.2f} "
                  f"{med(cpu2[name]):12.2f}")
        c1 = med(cpu1["default scorecard"]) - med(cpu1["--scorecard none"])
        c2 = med(cpu2["default scorecard"]) - med(cpu2["--scorecard none"])
        print(f"CPU difference: batch {c1:+.2f} s ({100 * c1 / med(cpu1['--scorecard none']):+.1f}%, "
              f"{1000 * c1 / args.calls:+.0f} ms per call), rerun {c2:+.2f} s ({1000 * c2 / args.calls:+.0f} ms per call)")
        d1 = statistics.median(first["default scorecard"]) - statistics.median(first["--scorecard none"])
        d2 = statistics.median(rerun["default scorecard"]) - statistics.median(rerun["--scorecard none"])
        print(f"difference: batch {d1:+.2f} s ({100 * d1 / statistics.median(first['--scorecard none']):+.1f}%), "
              f"rerun {d2:+.2f} s ({1000 * d2 / args.calls:+.0f} ms per call)")

        # (3) in one process
        t = time.perf_counter()
        from tonecoach.report import CallReport
        from tonecoach.scorecard import evaluate, load_scorecard

        card = load_scorecard()
        load_s = time.perf_counter() - t
        per, analysis = [], []
        for line in jsonl.read_text().splitlines():
            r = CallReport.from_dict(json.loads(line))
            ts = []
            for _ in range(50):
                t0 = time.perf_counter()
                evaluate(card, r)
                ts.append(time.perf_counter() - t0)
            per.append(statistics.median(ts))
            analysis.append(float(r.timings_s.get("total") or 0.0))
        m, an = statistics.median(per), statistics.median(analysis)
        print(f"\nin one process: loading the bundled scorecard (with its imports) {load_s:.2f} s; answering it "
              f"{1000 * m:.1f} ms per call (median), {100 * m / an:.2f}% of the analysis ({an:.1f} s per call)")
        print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
