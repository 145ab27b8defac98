"""The web app under 4 simultaneous uploads: wall time and the server's peak memory.

Starts ``tonecoach serve`` in a separate process (a fresh data directory),
logs in with gradio_client, and measures:

1. one upload on its own (the model loads here), then the server's peak
   resident memory (VmHWM);
2. four users uploading four different calls at the same moment: the wall
   time until all four reports are back, each report's own queue-to-result
   time, and the server's peak memory afterwards.

With the queue (one analysis at a time, one shared model) the peak after four
simultaneous uploads should be close to the peak after one.

    .venv/bin/python benchmarks/bench_web.py [--model base|tiny.en]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
FOUR = ["warm_agent.flac", "flat_rushed_agent.flac", "stereo_call_8k.wav", "customer_first_stereo.wav"]


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, proc: subprocess.Popen, timeout_s: float = 120.0) -> None:
    t0 = time.time()
    while time.time() - t0 < timeout_s:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not start")


class Server:
    """``tonecoach serve`` in its own process, on a fresh data directory with four agents."""

    def __init__(self, model: str, users: list[str]):
        self.tmp = Path(tempfile.mkdtemp(prefix="tc-bench-web-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        for u in users:
            subprocess.run([sys.executable, "-m", "tonecoach", "users", "--data-dir", str(self.tmp), "add", u, "--role",
                            "agent", "--team", "bench", "--password-stdin"], input="bench-password\n", text=True,
                           check=True, capture_output=True, cwd=ROOT)
        env = {**os.environ, "TONECOACH_ADMIN_PASSWORD": "bench-password"}
        self.proc = subprocess.Popen([sys.executable, "-m", "tonecoach", "serve", "--port", str(self.port), "--data-dir",
                                      str(self.tmp), "--model", model], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        wait_for(self.port, self.proc)

    def peak_mb(self) -> float:
        return vm_hwm_mb(self.proc.pid)

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="base")
    args = ap.parse_args()
    from gradio_client import Client, handle_file

    from tonecoach.analysis.audio import load

    users = ["a1", "a2", "a3", "a4"]
    durations = {n: load(SAMPLES / n).duration_s for n in FOUR}
    print(f"model {args.model}; {os.cpu_count()} CPUs; audio: " + ", ".join(f"{n} {d:.0f} s" for n, d in durations.items()))

    # 1. the four calls one after another, by one user: the memory one analysis at a time needs
    srv = Server(args.model, users)
    try:
        c = Client(srv.url, auth=("a1", "bench-password"), verbose=False)
        idle = srv.peak_mb()
        t0 = time.perf_counter()
        for n in FOUR:
            c.predict(handle_file(str(SAMPLES / n)), api_name="/analyze")
        t_seq = time.perf_counter() - t0
        seq_peak = srv.peak_mb()
    finally:
        srv.close()
    print(f"server peak RSS before any analysis:            {idle:6.0f} MB")
    print(f"four calls one after another (one user):        {t_seq:6.1f} s; peak RSS {seq_peak:6.0f} MB")

    # 2. a fresh server, four users uploading at the same moment
    srv = Server(args.model, users)
    try:
        clients = [Client(srv.url, auth=(u, "bench-password"), verbose=False) for u in users]
        done: dict[str, float] = {}
        t0 = time.perf_counter()
        jobs = []
        for cl, n in zip(clients, FOUR):
            j = cl.submit(handle_file(str(SAMPLES / n)), api_name="/analyze")
            j.add_done_callback(lambda _f, n=n: done.__setitem__(n, time.perf_counter() - t0))
            jobs.append((n, j))
        results = {n: j.result(timeout=1800) for n, j in jobs}
        t_par = max(done.values())
        par_peak = srv.peak_mb()
    finally:
        srv.close()
    print(f"four users uploading at once (queued):          {t_par:6.1f} s; peak RSS {par_peak:6.0f} MB "
          f"({par_peak - seq_peak:+.0f} MB against one at a time)")
    for n in sorted(done, key=done.get):
        print(f"  {n:<28} back after {done[n]:6.1f} s  report {results[n]['report_id']}  tone {results[n]['tone_score']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
