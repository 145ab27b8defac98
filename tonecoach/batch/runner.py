"""The batch runner: scan, skip what is done, analyse the rest in workers, commit each result, summarise.

The main process is the only writer: each file's outcome (its recording, its
report and its batch items, or its failure) is committed in one transaction
as soon as it arrives, so an interrupted batch (Ctrl-C, ``kill -9``, a power
cut) loses at most the files in flight, and a rerun scores only what is
missing. Identity is the content hash: a content already scored with the same
ASR model and rubric version is skipped, and two files with the same content
are analysed once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

from ..analyzer import AnalyzerOptions
from ..errors import ToneCoachError
from ..report import CallReport
from ..store import ItemRecord, Store, StoreError, StoreLockedError
from ..store.files import store_audio, sweep_stale_temp
from .backends import Backend, InlineBackend, ProcessBackend, RayBackend, available_cores
from .progress import BatchProgress
from .results import STATUSES, BatchResult, CallSummary, FileResult, scorecard_of
from .scan import ScannedFile, scan
from .worker import Task

__all__ = [
    "AGENT_FROM",
    "STATUSES",
    "BatchOptions",
    "BatchResult",
    "CallSummary",
    "FileResult",
    "default_workers",
    "run_batch",
]

log = logging.getLogger("tonecoach")

AGENT_FROM = ("none", "folder")


def default_workers() -> int:
    """One worker per core, at most 8 (each holds its own Whisper model in memory)."""
    return min(8, available_cores())


@dataclass(frozen=True)
class BatchOptions:
    """Options of a batch run.

    Attributes
    ----------
    analyzer : AnalyzerOptions
        As for ``tonecoach analyze``; each worker's ``cpu_threads`` is set to
        its share of the cores.
    db_url, data_dir : str, optional
        See :class:`tonecoach.store.Store`.
    workers : int, optional
        Worker processes (or Ray actors); 0 analyses in this process. None:
        one process per core (at most 8), or one Ray actor per CPU of the
        Ray cluster.
    ray_address : str, optional
        None: no Ray. ``"local"``: start a local Ray instance. Else the address
        of a Ray cluster to join.
    agent_from : {"none", "folder"}
        Who the agent is, for the summary: ``"folder"`` takes the name of the
        folder the file is in (an archive with one folder per agent); ``"none"``
        uses the agent already linked to the recording in the database, if any.
    copy_audio : bool
        Copy each scored file into the data directory (named by its hash).
    busy_timeout_s : float
        How long to wait for another program's database lock.
    csv_path, jsonl_path, summary_html_path : str, optional
        Exports written at the end (see :mod:`tonecoach.batch.export`).
    """

    analyzer: AnalyzerOptions = field(default_factory=AnalyzerOptions)
    db_url: str | None = None
    data_dir: str | None = None
    workers: int | None = None
    ray_address: str | None = None
    agent_from: str = "none"
    copy_audio: bool = False
    busy_timeout_s: float = 30.0
    csv_path: str | None = None
    jsonl_path: str | None = None
    summary_html_path: str | None = None


# -- the run ----------------------------------------------------------------------------


def _analysis_identity(options: AnalyzerOptions, analyzer=None) -> tuple[str, str]:
    """(ASR model name, rubric version) that reports of this run will carry; raises if either is unusable."""
    if analyzer is not None:
        return analyzer.transcriber.resolved.name, analyzer.rubric.version
    from ..analysis.asr import Transcriber
    from ..rubric import load_rubric

    return Transcriber(options.transcription).resolved.name, load_rubric(options.rubric_path).version


def _make_backend(opts: BatchOptions, analyzer) -> Backend:
    if analyzer is not None:
        return InlineBackend(analyzer)
    if opts.ray_address:  # the actors and their threads are sized once the cluster's CPUs are known
        return RayBackend(opts.workers, opts.analyzer, address=opts.ray_address)
    n = default_workers() if opts.workers is None else max(0, int(opts.workers))
    if n == 0:
        return InlineBackend(options=opts.analyzer, threads=opts.analyzer.transcription.cpu_threads)
    threads = max(1, available_cores() // n)
    aopts = replace(opts.analyzer, transcription=replace(opts.analyzer.transcription, cpu_threads=threads))
    return ProcessBackend(n, aopts, threads=threads)


def run_batch(inputs: Sequence[str], options: BatchOptions | None = None, *, analyzer=None,
              progress: TextIO | None = None, echo: Callable[[str], None] | None = None,
              store: Store | None = None) -> BatchResult:
    """Score every audio file under ``inputs`` that is not scored yet; store and export the results.

    Parameters
    ----------
    inputs : sequence of str
        Files, folders (recursive) and glob patterns.
    options : BatchOptions
    analyzer : Analyzer, optional
        Analyse in this process with this analyzer (tests; no workers).
    progress : text stream, optional
        Where to draw the progress bar (None: no bar).
    echo : callable, optional
        Receives one line per failed file as it happens.
    store : Store, optional
        An open store (default: opened from ``options.db_url``/``data_dir``).

    Raises
    ------
    ToneCoachError
        When the batch cannot run at all (model or rubric unusable, database
        unusable or locked: :class:`~tonecoach.store.StoreLockedError`). What
        was committed before stays committed.
    KeyboardInterrupt
        After stopping the workers; every file finished before it is saved.
    """
    opts = options or BatchOptions()
    if opts.agent_from not in AGENT_FROM:
        raise ToneCoachError(f"--agent-from must be one of {', '.join(AGENT_FROM)}, not {opts.agent_from!r}")
    t_start = time.monotonic()
    model_name, rubric_version = _analysis_identity(opts.analyzer, analyzer)
    card = _batch_scorecard(opts.analyzer, analyzer)  # a bad scorecard file stops the batch before any work
    own_store = store is None
    if store is None:
        store = Store(opts.db_url, data_dir=opts.data_dir, busy_timeout_s=opts.busy_timeout_s)
    try:
        store.check_writable()
        qa = _QA(card, store)
        return _run(inputs, opts, store, analyzer, progress, echo, model_name, rubric_version, t_start, qa)
    finally:
        if own_store:
            store.close()


def _batch_scorecard(options: AnalyzerOptions, analyzer=None):
    """The scorecard of this run (the workers' analyzers answer the same one), or None with --scorecard none."""
    if analyzer is not None:
        return getattr(analyzer, "scorecard", None)
    if not options.scorecard:
        return None
    from ..scorecard import load_scorecard

    return load_scorecard(options.scorecard_path)


class _QA:
    """The run's scorecard: answered on each report (reusing a worker's answers), stored when the database knows it.

    Automatic answers are stored under the scorecard's row in ``scorecards``:
    the bundled default always has one; another file is stored only when a
    team's revision has the same text (``tonecoach scorecard set``).
    """

    def __init__(self, card, store: Store):
        self.card, self.store, self.row, self.seconds = card, store, None, 0.0
        if card is None:
            return
        from ..scorecard import load_scorecard
        from ..store.scorecards import default_scorecard_row, stored_revision

        self.row = default_scorecard_row(store) if card.digest == load_scorecard().digest else stored_revision(store, card.digest)
        if self.row is None:
            log.info("scorecard %s %s is not stored in the database: its answers go into the exports only",
                     card.name, card.version)

    def result(self, report: CallReport):
        """The scorecard answered on ``report`` (timed), or None without a scorecard."""
        if self.card is None:
            return None
        t = time.perf_counter()
        res = scorecard_of(report, self.card)
        self.seconds += time.perf_counter() - t
        return res

    def also(self, res):
        """For :meth:`Store.save_report`: store the answers in the report's own transaction."""
        if self.row is None or res is None:
            return None
        from ..store.scorecards import record_in

        return lambda s, saved: record_in(s, saved.report_id, self.row, res)

    def answer(self, report: CallReport, report_id: int, *, stored: set[int] | None = None):
        res = self.result(report)
        if self.row is not None and res is not None and (stored is None or report_id not in stored):
            from ..store.scorecards import record_answers

            record_answers(self.store, report_id, self.row, res)
        return res

    def stored_for(self, ids) -> set[int]:
        if self.row is None or not ids:
            return set()
        from ..store.scorecards import reports_with_answers

        return reports_with_answers(self.store, self.row, ids)


def _excluded(opts: BatchOptions, store: Store) -> list[str]:
    out = [str(store.data_dir)]
    db = store.engine.url.database if store.engine.url.get_backend_name() == "sqlite" else None
    if db:
        out += [db, db + "-wal", db + "-shm", db + "-journal"]
    out += [p for p in (opts.csv_path, opts.jsonl_path, opts.summary_html_path) if p]
    return out


def _run(inputs, opts: BatchOptions, store: Store, analyzer, progress, echo, model_name, rubric_version,
         t_start, qa: _QA) -> BatchResult:
    say = echo or (lambda line: None)
    if opts.copy_audio:
        sweep_stale_temp(store.data_dir)  # copies cut short by a batch that was killed
    scanned = scan(inputs, exclude=_excluded(opts, store))
    results: dict[str, FileResult] = {}  # by path, in scan order at the end
    earlier: dict[str, int] = {}  # sha256 -> id of a report made before this run
    agent_of = (lambda f: f.folder or None) if opts.agent_from == "folder" else (lambda f: None)

    # content groups: the first path of each content is analysed, the others are duplicates
    groups: dict[str, list[ScannedFile]] = {}
    for f in scanned:
        if f.kind == "audio":
            groups.setdefault(f.sha256, []).append(f)
    done = store.scored_hashes(model_name, rubric_version, groups)
    earlier.update(done)

    # outcomes known from the scan, committed in one transaction
    early: list[ItemRecord] = []
    for f in scanned:
        if f.kind == "not_audio":
            results[f.path] = FileResult(f.path, "not_audio", error=f.error)
            early.append(ItemRecord(f.abspath, "not_audio", error=f.error))
        elif f.kind == "failed":
            results[f.path] = FileResult(f.path, "failed", error=f.error)
            early.append(ItemRecord(f.abspath, "failed", error=f.error))
            say(f"tonecoach: error: {f.path}: {f.error}")
        elif f.sha256 in done:
            results[f.path] = FileResult(f.path, "already_scored", sha256=f.sha256, agent=agent_of(f))
            early.append(ItemRecord(f.abspath, "already_scored", sha256=f.sha256, report_id=done[f.sha256]))
    store.record_items(early, model_name=model_name, rubric_version=rubric_version)

    todo = [g for sha, g in groups.items() if sha not in done]
    todo.sort(key=lambda g: -(g[0].duration_s or 0.0))  # longest first: the last file to finish is a short one
    by_sha = {g[0].sha256: g for g in todo}
    tasks = [Task(g[0].path, g[0].sha256, g[0].duration_s) for g in todo]

    backend = _make_backend(opts, analyzer) if tasks else None
    result = BatchResult(files=[], model_name=model_name, rubric_version=rubric_version,
                         backend=backend.describe() if backend else "no workers (nothing to score)")
    bar = BatchProgress(progress, len(tasks), sum(t.duration_s or 0.0 for t in tasks)) if (progress and tasks) else None
    if bar is not None:
        say = (lambda line: bar.write(line)) if echo else say
    rss: dict[str, float] = {}
    cancelled = False
    try:
        if backend is not None:
            backend.start()
            result.backend = backend.describe()  # Ray sizes its actors to the cluster in start()
            for task, out in backend.run(tasks):
                group = by_sha[task.sha256]
                head, dups = group[0], group[1:]
                if out.get("pid") is not None and out.get("rss_mb"):
                    key = str(out["pid"])
                    rss[key] = max(rss.get(key, 0.0), float(out["rss_mb"]))
                dur = task.duration_s or 0.0
                if out.get("report_json"):
                    report = CallReport.from_json(out["report_json"])
                    dur = float(report.audio.duration_s)
                    _check_identity(report, model_name, rubric_version)
                    rid = _save_scored(store, opts, report, head, dups, results, agent_of, model_name, rubric_version,
                                       say, qa)
                    if rid is not None and results[head.path].status == "already_scored":
                        earlier[head.sha256] = rid  # another writer stored it meanwhile
                    if results[head.path].status == "scored":
                        result.audio_s_scored += dur
                else:
                    err = out.get("error") or "unknown error"
                    tb = out.get("traceback")
                    if tb:  # a bug: the user's line stays one line; the log (-v) and the database keep the traceback
                        log.info("%s: %s\n%s", head.path, err, tb.rstrip())
                    _save_failed(store, head, dups, err, results, model_name, rubric_version, say, detail=tb)
                if bar is not None:
                    bar.advance(dur, task.duration_s or 0.0)
    except StoreLockedError as exc:
        cancelled = True
        n = sum(1 for r in results.values() if r.status == "scored")
        raise StoreLockedError(f"{exc} ({n} file(s) scored in this run before that are saved; run the same command "
                               "again to score the rest)") from None
    except BaseException:
        cancelled = True
        raise
    finally:
        if bar is not None:
            bar.close()
        if backend is not None:
            backend.close(cancel=cancelled)

    # the figures of reports made earlier, read back from the database
    need = {earlier[f.sha256] for f in scanned if f.kind == "audio" and f.sha256 in earlier}
    summaries = _summaries(store, need, qa)
    agents = _recording_agents(store, need) if opts.agent_from == "none" else {}
    for f in scanned:
        r = results.get(f.path)
        if r is not None and r.status == "already_scored" and f.sha256 in earlier:
            rid = earlier[f.sha256]
            results[f.path] = replace(r, call=r.call or summaries.get(rid), agent=r.agent or agents.get(rid))
    result.files = [replace(results[f.path], modified=f.modified) for f in scanned if f.path in results]
    result.worker_peak_rss_mb = rss
    result.scorecard, result.scorecard_s = qa.card, qa.seconds
    result.wall_s = time.monotonic() - t_start
    from .export import write_exports

    result.exports = write_exports(result, store, csv_path=opts.csv_path, jsonl_path=opts.jsonl_path,
                                   html_path=opts.summary_html_path)
    return result


def _check_identity(report: CallReport, model_name: str, rubric_version: str) -> None:
    asr = report.models.get("asr") if isinstance(report.models, dict) else None
    got = (asr.get("name") if isinstance(asr, dict) else asr, report.tone.rubric_version)
    if got != (model_name, rubric_version):
        log.warning("a report was made with model %s and rubric %s, not %s and %s as expected; it is stored under "
                    "its own", got[0], got[1], model_name, rubric_version)


def _save_scored(store, opts, report, head: ScannedFile, dups, results, agent_of, model_name, rubric_version,
                 say, qa: _QA) -> int | None:
    """Commit one analysed file (and its duplicates); returns the report id, or None when it failed to save."""
    stored = None
    if opts.copy_audio:
        try:
            p = store_audio(store.data_dir, head.path)
            if p.name != head.sha256:
                raise StoreError("the file changed while it was being copied")
            stored = str(p.relative_to(store.data_dir))
        except StoreError as exc:
            _save_failed(store, head, dups, f"cannot copy the audio into the data directory: {exc}", results,
                         model_name, rubric_version, say)
            return None
    agent = agent_of(head)
    items = [ItemRecord(head.abspath, "scored", attempted=True)] + [ItemRecord(d.abspath, "duplicate") for d in dups]
    sc = qa.result(report)
    res = store.save_report(report, sha256=head.sha256, original_name=Path(head.path).name, size_bytes=head.size_bytes,
                            agent_name=agent, stored_path=stored, items=items, also=qa.also(sc))
    summary = CallSummary.of(report, res.report_id, sc)
    status = "scored" if res.created else "already_scored"
    results[head.path] = FileResult(head.path, status, sha256=head.sha256, agent=agent, call=summary)
    for d in dups:
        results[d.path] = FileResult(d.path, "duplicate", sha256=d.sha256, duplicate_of=head.path, agent=agent_of(d),
                                     call=summary)
    return res.report_id


def _save_failed(store, head: ScannedFile, dups, err: str, results, model_name, rubric_version, say,
                 detail: str | None = None):
    """Record a failed file (and its duplicates): ``err`` for the user, with ``detail`` (a traceback) in the database."""
    stored = f"{err}\n{detail.rstrip()}" if detail else err
    items = [ItemRecord(head.abspath, "failed", sha256=head.sha256, error=stored, attempted=True)]
    results[head.path] = FileResult(head.path, "failed", sha256=head.sha256, error=err)
    say(f"tonecoach: error: {head.path}: {err}")
    for d in dups:
        msg = f"same content as '{head.path}', which failed: {err}"
        items.append(ItemRecord(d.abspath, "failed", sha256=d.sha256, error=msg))
        results[d.path] = FileResult(d.path, "failed", sha256=d.sha256, error=msg, duplicate_of=head.path)
        say(f"tonecoach: error: {d.path}: {msg}")
    store.record_items(items, model_name=model_name, rubric_version=rubric_version)


def _summaries(store: Store, ids: set[int], qa: _QA) -> dict[int, CallSummary]:
    out: dict[int, CallSummary] = {}
    if not ids:
        return out
    from sqlalchemy import select

    from ..store.models import Report

    ordered = sorted(ids)
    stored = qa.stored_for(ordered)
    reports: list[tuple[int, CallReport]] = []
    with store.session() as s:
        for k in range(0, len(ordered), 200):
            for rid, js in s.execute(select(Report.id, Report.report_json).where(Report.id.in_(ordered[k:k + 200]))):
                try:
                    reports.append((rid, CallReport.from_json(js)))
                except (ToneCoachError, ValueError, KeyError) as exc:
                    log.warning("report %d in the database cannot be read: %s", rid, exc)
    for rid, report in reports:  # answered (and stored) outside the read session: SQLite has one writer
        out[rid] = CallSummary.of(report, rid, qa.answer(report, rid, stored=stored))
    return out


def _recording_agents(store: Store, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    from sqlalchemy import select

    from ..store.models import Recording, Report, User

    out: dict[int, str] = {}
    ordered = sorted(ids)
    with store.session() as s:
        for k in range(0, len(ordered), 500):
            q = (select(Report.id, User.name).join(Recording, Report.recording_id == Recording.id)
                 .join(User, Recording.agent_user_id == User.id).where(Report.id.in_(ordered[k:k + 500])))
            out.update({rid: name for rid, name in s.execute(q)})
    return out
