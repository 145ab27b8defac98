"""Where a batch's analyses run: in this process, in worker processes, or on Ray actors.

Every backend has the same shape: ``start()``, then ``run(tasks)`` yields
``(task, outcome)`` pairs as analyses finish (a worker process has at most
its next file queued, a Ray actor one file at a time, so memory stays
bounded whatever the size of the batch), then ``close()``. Outcomes are the dicts of :meth:`AnalyzerWorker.analyze`.
"""

from __future__ import annotations

import abc
import logging
import os
import pickle
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..cores import available_cores
from ..errors import ToneCoachError
from .worker import AnalyzerWorker, Task, process_analyze, process_init, process_ready

__all__ = ["CRASHED", "Backend", "InlineBackend", "ProcessBackend", "RayBackend", "available_cores"]

log = logging.getLogger("tonecoach")

CRASHED = ("the worker process died while analysing this file (out of memory, or a crash in a native library); "
           "it was tried twice")


class Backend(abc.ABC):
    """Where analyses run: in this process, in worker processes, or on Ray actors."""

    name = "backend"
    workers = 1
    threads = 1

    def start(self) -> None:
        pass

    @abc.abstractmethod
    def run(self, tasks: Iterable[Task]) -> Iterator[tuple[Task, dict[str, Any]]]:
        """Analyse the tasks; yield each task with its result as it finishes (in any order)."""

    def close(self, *, cancel: bool = False) -> None:
        pass

    def describe(self) -> str:
        return f"{self.workers} {self.name} x {self.threads} thread(s)"


class InlineBackend(Backend):
    """Analyse in this process, one file after another (``--workers 0``; tests)."""

    name = "in-process"

    def __init__(self, analyzer=None, options=None, threads: int = 0):
        self._analyzer = analyzer
        self._options = options
        self.threads = threads or available_cores()
        self._worker: AnalyzerWorker | None = None

    def start(self) -> None:
        if self._analyzer is None:
            from ..analyzer import Analyzer

            self._analyzer = Analyzer(self._options)
        self._worker = AnalyzerWorker(b"", self.threads, analyzer=self._analyzer)

    def run(self, tasks):
        assert self._worker is not None
        for t in tasks:
            out = self._worker.analyze(t)
            yield t, out


class ProcessBackend(Backend):
    """N worker processes (spawned, not forked), each with its own Analyzer loaded once."""

    name = "process(es)"

    def __init__(self, workers: int, options, *, threads: int):
        self.workers = max(1, int(workers))
        self.threads = max(1, int(threads))
        self._blob = pickle.dumps(options)
        self.max_in_flight = 2 * self.workers  # each worker has its next file queued, no more
        self._ex: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        import multiprocessing as mp

        return ProcessPoolExecutor(self.workers, mp_context=mp.get_context("spawn"), initializer=process_init,
                                   initargs=(self._blob, self.threads, os.getpid()))

    def start(self) -> None:
        self._ex = self._new_pool()
        # start every worker now, so the models load while the first files are queued
        for _ in range(self.workers):
            self._ex.submit(process_ready)

    def _restart(self) -> None:
        log.warning("a worker process died; starting new workers")
        self._ex.shutdown(wait=False, cancel_futures=True)
        self._ex = self._new_pool()

    def run(self, tasks):
        """Yield ``(task, outcome)`` as files finish.

        When a worker dies (killed for memory, a crash in a native library),
        the pool is lost with every file in flight. Those files cannot be told
        apart, so each is tried once more, alone, in a new pool: a file that
        kills its worker twice is reported with :data:`CRASHED` and the
        batch goes on.
        """
        it = iter(tasks)
        pending: dict[Future, tuple[Task, int]] = {}
        retry: deque[tuple[Task, int]] = deque()
        while True:
            while len(pending) < self.max_in_flight and not any(n > 1 for _, n in pending.values()):
                if retry:
                    if pending:
                        break
                    t, n = retry.popleft()
                else:
                    t = next(it, None)
                    if t is None:
                        break
                    n = 1
                try:
                    pending[self._ex.submit(process_analyze, t)] = (t, n)
                except BrokenProcessPool:  # not sent: it keeps its count and goes first into the new pool
                    retry.appendleft((t, n))
                    if not pending:
                        self._restart()
                    break
            if not pending:
                if retry:
                    continue
                return
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            lost: list[tuple[Task, int]] = []
            for f in done:
                t, n = pending.pop(f)
                try:
                    out = f.result()
                except BrokenProcessPool:
                    lost.append((t, n))
                    continue
                yield t, out
            if not lost:
                continue
            for f, (t, n) in list(pending.items()):  # the rest of the broken pool: keep what finished
                if f.done() and not f.cancelled() and f.exception() is None:
                    yield t, f.result()
                else:
                    lost.append((t, n))
            pending.clear()
            self._restart()
            for t, n in lost:
                if n >= 2:
                    yield t, {"error": CRASHED, "report_json": None, "pid": None, "rss_mb": None}
                else:
                    retry.append((t, n + 1))

    def close(self, *, cancel: bool = False) -> None:
        ex, self._ex = self._ex, None
        if ex is None:
            return
        if cancel:
            procs = list(getattr(ex, "_processes", {}).values())
            ex.shutdown(wait=False, cancel_futures=True)
            for p in procs:  # our own workers, by handle
                try:
                    p.terminate()
                except Exception:  # noqa: BLE001 - already gone
                    pass
            for p in procs:
                try:
                    p.join(timeout=5)
                except Exception:  # noqa: BLE001
                    pass
        ex.shutdown(wait=True)  # the workers are gone: this only joins the pool's own thread and queues


class RayBackend(Backend):
    """N Ray actors, each with its own Analyzer loaded once.

    ``address`` None or ``"local"`` starts a local Ray instance sized to this
    machine (no dashboard, a small object store) and stops it at the end; any
    other address (``"auto"``, ``"ray://head:10001"``, ``"head:6379"``) joins
    that cluster, where tonecoach must be installed on every node.

    Each actor reserves ``threads`` of the cluster's CPUs and runs Whisper with
    that many threads: the CPUs are shared evenly between at most as many
    actors as there are CPUs (asking for more would leave actors that Ray can
    never place, and their files would wait for ever).
    """

    name = "Ray actor(s)"

    def __init__(self, workers: int | None, options, *, address: str | None = None):
        self.workers = None if workers is None else max(1, int(workers))  # None: one per CPU of the cluster
        self.threads = 1
        self.address = None if address in (None, "", "local") else address
        self._options = options
        self._actors: list = []
        self._started_ray = False
        self._cls = None
        self._blob = b""

    def start(self) -> None:
        try:
            import ray
        except ImportError:
            raise ToneCoachError("--ray needs Ray: pip install 'ray>=2.9'") from None
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        if not ray.is_initialized():
            quiet = dict(log_to_driver=False, logging_level=logging.ERROR, include_dashboard=False)
            try:
                if self.address is None:
                    _export_pythonpath()
                    ray.init(num_cpus=available_cores(), object_store_memory=256 * 1024 * 1024, **quiet)
                else:
                    ray.init(address=self.address, **quiet)
            except Exception as exc:  # noqa: BLE001 - Ray's own errors: one line for the user
                where = f"the Ray cluster at {self.address}" if self.address else "a local Ray instance"
                raise ToneCoachError(f"cannot start {where}: {str(exc).splitlines()[0] if str(exc) else exc!r}") from None
            self._started_ray = True
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        node_cpus = max([int(n.get("Resources", {}).get("CPU", 0)) for n in ray.nodes() if n.get("Alive")] or [cpus])
        if self.workers is None:
            self.workers = cpus
        elif self.workers > cpus:
            log.warning("%d Ray actors asked for, but the cluster has %d CPU(s): using %d", self.workers, cpus, cpus)
            self.workers = cpus
        self.threads = max(1, min(cpus // self.workers, node_cpus))
        opts = self._options
        self._blob = pickle.dumps(replace(opts, transcription=replace(opts.transcription, cpu_threads=self.threads)))
        self._cls = ray.remote(num_cpus=self.threads, max_restarts=0)(_RayAnalyzer)
        self._actors = [self._new_actor() for _ in range(self.workers)]

    def _new_actor(self):
        return self._cls.remote(self._blob, self.threads)

    def run(self, tasks):
        import ray
        from ray.exceptions import RayActorError, RayError

        it = iter(tasks)
        idle = deque(self._actors)
        pending: dict[Any, tuple[Any, Task, int]] = {}
        retry: deque[tuple[Task, int]] = deque()

        def submit_more() -> None:
            while idle:
                if retry:
                    t, n = retry.popleft()
                else:
                    t = next(it, None)
                    if t is None:
                        return
                    n = 1
                a = idle.popleft()
                pending[a.analyze.remote(t)] = (a, t, n)

        submit_more()
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                a, t, n = pending.pop(ref)
                try:
                    out = ray.get(ref)
                except RayActorError:
                    a = self._new_actor()
                    self._actors.append(a)
                    if n >= 2:
                        out = {"error": CRASHED.replace("worker process", "Ray actor"), "report_json": None}
                    else:
                        retry.append((t, n + 1))
                        out = None
                except RayError as exc:
                    out = {"error": f"Ray error: {exc}".splitlines()[0], "report_json": None, "traceback": str(exc)}
                idle.append(a)
                if out is not None:
                    yield t, out
            submit_more()

    def close(self, *, cancel: bool = False) -> None:
        try:
            import ray
        except ImportError:  # pragma: no cover
            return
        for a in self._actors:
            try:
                ray.kill(a)
            except Exception:  # noqa: BLE001 - already gone
                pass
        self._actors = []
        if self._started_ray and ray.is_initialized():
            ray.shutdown()
            self._started_ray = False

    def describe(self) -> str:
        where = "local" if self.address is None else self.address
        return f"{self.workers} Ray actor(s) ({where}) x {self.threads} thread(s)"


class _RayAnalyzer:
    """Ray actor body: one AnalyzerWorker (the model is loaded in ``__init__``, once per actor)."""

    def __init__(self, options_blob: bytes, threads: int):
        self.worker = AnalyzerWorker(options_blob, threads)

    def analyze(self, task: Task) -> dict[str, Any]:
        return self.worker.analyze(task)


def _export_pythonpath() -> None:
    """Let local Ray workers import this tonecoach even when it is not installed (run from a checkout)."""
    root = str(Path(__file__).resolve().parents[2])
    parts = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if root not in parts:
        os.environ["PYTHONPATH"] = os.pathsep.join([root, *parts])
