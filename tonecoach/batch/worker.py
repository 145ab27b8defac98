"""The analysis side of a batch: one :class:`AnalyzerWorker` per worker process or Ray actor.

A worker loads its :class:`~tonecoach.analyzer.Analyzer` (and the Whisper
model) once, analyses the files it is given and returns plain data: the
report as JSON, or the error message (and, for an unexpected failure, its
traceback). It never touches the database: results
flow back to the one writer, the main process.

This module imports nothing heavy at the top, so a worker can limit its
native thread pools before numpy and CTranslate2 are loaded.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any

__all__ = ["AnalyzerWorker", "Task", "limit_threads", "peak_rss_mb", "process_analyze", "process_init"]

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


@dataclass(frozen=True)
class Task:
    """One file to analyse: where it is and the content hash it had when scanned."""

    path: str
    sha256: str
    duration_s: float | None = None


def limit_threads(n: int) -> None:
    """Give this process's OpenMP/BLAS pools ``n`` threads (before they are loaded)."""
    for var in _THREAD_VARS:
        os.environ[var] = str(max(1, n))


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MiB."""
    import resource

    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / (1024.0 * 1024.0) if sys.platform == "darwin" else kb / 1024.0


def _thread_lock_for_tqdm() -> None:
    """Give tqdm a thread lock in a worker process, before any progress bar is made.

    tqdm's first bar otherwise creates a multiprocessing lock (a POSIX
    semaphore) that a worker stopped on Ctrl-C never releases, and Python's
    resource tracker then warns about a "leaked semaphore" after the batch.
    A worker draws no bars, so a thread lock is all it needs.
    """
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm comes with faster-whisper
        return
    tqdm.set_lock(threading.RLock())


class AnalyzerWorker:
    """One Analyzer, loaded once; ``analyze(task)`` returns a dict, never raises for a bad file.

    Parameters
    ----------
    options_blob : bytes
        ``pickle.dumps(AnalyzerOptions)``: unpickled only after the thread
        limits are set.
    threads : int
        Native threads this worker may use (its share of the cores).
    """

    def __init__(self, options_blob: bytes, threads: int, *, analyzer: Any = None):
        self.load_error: str | None = None
        if analyzer is not None:  # in-process use (tests, --workers 0)
            self.analyzer = analyzer
            return
        limit_threads(threads)
        _thread_lock_for_tqdm()
        options = pickle.loads(options_blob)
        from ..analyzer import Analyzer
        from ..errors import ToneCoachError

        try:
            self.analyzer = Analyzer(options)
            _ = self.analyzer.transcriber.is_multilingual  # load the Whisper model now, once
        except ToneCoachError as exc:
            self.load_error = str(exc)

    def analyze(self, task: Task) -> dict[str, Any]:
        from ..errors import ToneCoachError
        from ..store.files import sha256_stream

        t0 = time.perf_counter()
        out: dict[str, Any] = {"pid": os.getpid(), "report_json": None, "error": None}
        try:
            if self.load_error:
                raise ToneCoachError(self.load_error)
            try:
                with open(task.path, "rb") as fh:
                    digest = sha256_stream(fh)[0]
            except OSError as exc:
                raise ToneCoachError(f"cannot read '{task.path}': {exc.strerror or exc}") from None
            if digest != task.sha256:
                raise ToneCoachError("the file changed after it was scanned; run the batch again to score its new content")
            report = self.analyzer.analyze(task.path)
            out["report_json"] = report.to_json(indent=None)
        except ToneCoachError as exc:
            out["error"] = str(exc)
        except MemoryError:
            out["error"] = "out of memory while analysing this file"
            out["traceback"] = traceback.format_exc()
        except Exception as exc:  # noqa: BLE001 - a bug: one line for the user, the whole traceback for the report
            out["error"] = f"internal error ({type(exc).__name__}: {exc}); please report it"
            out["traceback"] = traceback.format_exc()
        out["seconds"] = time.perf_counter() - t0
        out["rss_mb"] = peak_rss_mb()
        return out


# -- process pool entry points ----------------------------------------------------------

_WORKER: AnalyzerWorker | None = None


def _watch_parent(parent_pid: int, interval_s: float = 1.0) -> None:
    """Exit when the main process is gone (killed with SIGKILL, say), instead of idling as an orphan."""
    while True:
        time.sleep(interval_s)
        if os.getppid() != parent_pid:
            os._exit(1)


def process_init(options_blob: bytes, threads: int, parent_pid: int) -> None:
    """ProcessPoolExecutor initializer: ignore Ctrl-C (the main process handles it), load the model."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True, name="tonecoach-parent-watch").start()
    global _WORKER
    _WORKER = AnalyzerWorker(options_blob, threads)


def process_analyze(task: Task) -> dict[str, Any]:
    assert _WORKER is not None, "process_init did not run"
    return _WORKER.analyze(task)


def process_ready() -> int:
    """A no-op task: returns once this worker has loaded its model."""
    return os.getpid()
