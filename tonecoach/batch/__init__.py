"""``tonecoach batch``: score an archive of calls into the store, in parallel, resumably.

    from tonecoach.batch import BatchOptions, run_batch
    from tonecoach.render.batch import summary_lines

    result = run_batch(["archive/"], BatchOptions(workers=2, csv_path="calls.csv"))
    print(summary_lines(result)[0], result.failed)

Stages: :mod:`.scan` (inputs to audio files and content hashes),
:mod:`.backends` (in-process, worker processes or Ray actors, each with its
own Analyzer, see :mod:`.worker`), :mod:`.runner` (the one writer: one
transaction per file), :mod:`.export` (CSV, JSONL, the QA summary page that
:mod:`tonecoach.render.batch` renders),
:mod:`.cli` (the subcommand).

The names below are imported lazily: a worker process imports
:mod:`.worker` without numpy or the models, so that it can set its thread
limits first, and ``tonecoach --help`` stays fast.
"""

from __future__ import annotations

__all__ = ["BatchOptions", "BatchResult", "CallSummary", "FileResult", "default_workers", "run_batch"]


def __getattr__(name: str):
    if name in __all__:
        from . import runner

        return getattr(runner, name)
    raise AttributeError(name)
