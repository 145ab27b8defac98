"""Throughput of ``tonecoach batch`` against scoring the same calls one after another with ``tonecoach analyze``.

It makes N distinct calls of 60 s or more in a temporary folder (nothing is
written into the repository): each is ``samples/stereo_call_8k.wav`` (a 65 s
stereo agent-and-customer call) with a different tail of faint noise appended,
so every file has its own content hash and costs the same to analyse. Then, in
one run, it times these commands as a user would run them (start-up and
model loading included), each batch into a fresh database:

- ``tonecoach analyze FILE...`` (one process, one model, the files one after another);
- ``tonecoach batch --workers 1``;
- ``tonecoach batch --workers 2``;
- ``tonecoach batch --ray --workers 2`` (a local Ray instance, started and stopped by the command).

It prints wall time, audio hours per wall hour, the ratio to the sequential
run, the peak resident memory per worker process (from the batch summary;
for ``analyze``, of its one process) and the CPU time spent per minute of
audio (which, unlike wall time, hardly depends on what else the machine runs). With ``--repeat R`` the
commands run R times, interleaved, and the medians count. Before any timing,
each command runs once on a single short call (``--warmup``, on by default),
so that every mode finds torch, Ray and the models in the page cache: the
first Ray start after a reboot reads several hundred MB from disk and took
21 s instead of 2.5 s here, which is a cold disk, not Ray's throughput.

    .venv/bin/python benchmarks/bench_batch.py                 # or: make bench-batch
    .venv/bin/python benchmarks/bench_batch.py --calls 8 --model base --repeat 3
    .venv/bin/python benchmarks/bench_batch.py --no-ray --model tiny.en   # a quick look

Targets (issue 6): ``--workers 2`` at least 1.3x the sequential throughput on
2 cores; Ray (local) within 10 % of ``--workers 2``. Run it on a quiet machine:
other programs on the same cores skew every figure.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "samples" / "stereo_call_8k.wav"
SEQUENTIAL = "analyze, one after another"


def make_calls(folder: Path, n: int) -> float:
    """N distinct calls (>= 60 s each) in ``folder``; returns their total duration in seconds."""
    y, sr = sf.read(str(SOURCE), dtype="int16", always_2d=True)
    total = 0.0
    for i in range(n):
        rng = np.random.default_rng(1000 + i)
        tail = rng.normal(0, 3, size=(int(sr * (0.5 + 0.1 * i)), y.shape[1])).astype(np.int16)  # about -80 dBFS
        call = np.concatenate([y, tail])
        sf.write(str(folder / f"call_{i:02d}.wav"), call, sr, subtype="PCM_16")
        total += len(call) / sr
    assert total / n >= 60.0, "each call must last 60 s or more"
    return total


def run(cmd: list[str]) -> tuple[float, str, float, float]:
    """Run a command; (wall s, its output, its own peak RSS in MiB, CPU s of it and the children it waited for)."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{out}")
    return wall, out, usage.ru_maxrss / 1024.0, usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=8, help="number of calls (default 8)")
    ap.add_argument("--model", default="base", help="Whisper model (default base)")
    ap.add_argument("--repeat", type=int, default=1, help="run each command this many times; medians count")
    ap.add_argument("--no-ray", action="store_true", help="skip the Ray run")
    ap.add_argument("--no-warmup", dest="warmup", action="store_false",
                    help="skip the untimed first run of each command on one short call")
    args = ap.parse_args()

    tc = [sys.executable, "-m", "tonecoach"]
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        tmp = Path(tmp)
        calls = tmp / "calls"
        calls.mkdir()
        audio_s = make_calls(calls, args.calls)
        files = sorted(str(p) for p in calls.iterdir())
        print(f"{args.calls} calls, {audio_s / 60:.1f} min of audio ({audio_s / args.calls:.1f} s each), model "
              f"{args.model}, {len(os.sched_getaffinity(0))} cores, load average {os.getloadavg()[0]:.1f} at start",
              flush=True)

        def batch(tag: str, *extra: str):
            return lambda k: tc + ["batch", str(calls), "--db", str(tmp / f"{tag}_{k}.db"), "--model", args.model,
                                   "--progress", "never", *extra]

        modes = {
            SEQUENTIAL: lambda k, fs=files: tc + ["analyze", *fs, "--model", args.model, "-q", "--progress", "never"],
            "batch --workers 1": batch("w1", "--workers", "1"),
            "batch --workers 2": batch("w2", "--workers", "2"),
        }
        if not args.no_ray:
            modes["batch --ray (local) --workers 2"] = batch("ray", "--workers", "2", "--ray")
        if args.warmup:
            warm = tmp / "warm"
            warm.mkdir()
            y, sr = sf.read(str(SOURCE), dtype="int16", always_2d=True)
            sf.write(str(warm / "warm.wav"), y[: sr * 10], sr, subtype="PCM_16")
            t = time.perf_counter()
            for name, cmd in modes.items():
                if name == SEQUENTIAL:
                    run(cmd("warm", [str(warm / "warm.wav")]))
                else:
                    run([str(warm) if a == str(calls) else a for a in cmd("warm")])
            print(f"  warm-up (each command once on a 10 s call): {time.perf_counter() - t:.1f} s", flush=True)
        walls: dict[str, list[float]] = {m: [] for m in modes}
        rss: dict[str, float] = {}
        cpus: dict[str, list[float]] = {m: [] for m in modes}
        for k in range(args.repeat):
            for name, cmd in modes.items():
                wall, out, own_rss, cpu = run(cmd(k))
                walls[name].append(wall)
                cpus[name].append(cpu)
                m = re.search(r"peak memory per worker: (\d+) MiB \(max\)", out)
                rss[name] = max(rss.get(name, 0.0), float(m.group(1)) if m else own_rss)
                if name != SEQUENTIAL and f"{args.calls} scored" not in out:
                    sys.exit(f"{name}: not every call was scored:\n{out}")
                print(f"  run {k + 1}: {name:<34} {wall:7.1f} s", flush=True)

        print(f"\n{'mode':<34} {'wall s':>8} {'audio h / wall h':>17} {'vs sequential':>14} {'peak RSS/worker':>16} "
              f"{'CPU s / audio min':>18}")
        base = statistics.median(walls[SEQUENTIAL])
        for name, ws in walls.items():
            w = statistics.median(ws)
            cpu = statistics.median(cpus[name]) / (audio_s / 60)
            print(f"{name:<34} {w:8.1f} {audio_s / w:17.2f} {base / w:13.2f}x {rss[name]:12.0f} MiB {cpu:18.1f}")
        print("(CPU s: user + system time of the command and the processes it waited for; Ray's own daemons and "
              "actors are not all counted)")
        w2 = statistics.median(walls["batch --workers 2"])
        print(f"\n--workers 2 / sequential throughput: {base / w2:.2f} (target >= 1.3)")
        if "batch --ray (local) --workers 2" in walls:
            r = w2 / statistics.median(walls["batch --ray (local) --workers 2"])
            print(f"Ray (local) / --workers 2 throughput: {r:.2f} (target >= 0.9)")
        print(f"load average {os.getloadavg()[0]:.1f} at the end (other programs on the machine skew timings)")


if __name__ == "__main__":
    main()
