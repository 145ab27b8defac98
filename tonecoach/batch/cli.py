"""``tonecoach batch``: score a whole archive of calls into the store, resumably.

Registered on the main parser (:mod:`tonecoach.cli`) by :func:`add_batch_parser`;
front end only: options in, :func:`tonecoach.batch.runner.run_batch`, summary out.
"""

from __future__ import annotations

import argparse
import logging
from typing import TextIO

from ..cli_options import add_beam_size
from ..errors import ToneCoachError

__all__ = ["add_batch_parser", "cmd_batch"]

log = logging.getLogger("tonecoach")

EPILOG = """\
Files already scored with the same model and rubric version are skipped, so an
interrupted batch is resumed by running the same command again. Two files with
the same content are scored once. Exit status: 0 when no file failed, 1 when
any failed (or the database could not be used), 2 on usage errors, 130 when
interrupted (everything finished before that is saved).

Agents: with --agent-from folder the agent is the name of the folder each file
is in (archive/anna/call1.wav -> anna), stored as a user of the database; with
--agent-from none (the default) it is the agent already linked to the
recording in the database, if any.

Put --ray after the inputs (or write --ray=ADDRESS): `batch calls/ --ray`
starts a local Ray instance, `batch calls/ --ray auto` joins the running cluster.
"""


def add_batch_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``batch`` subcommand on ``subparsers`` (from ``parser.add_subparsers()``)."""
    b = subparsers.add_parser(
        "batch", help="score many calls (files, folders, globs) into the database, resumably",
        description="Score many recorded calls in parallel into the tonecoach database, with CSV, JSONL and HTML "
                    "exports. Audio is recognised by its header; other files are listed as skipped.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    b.add_argument("inputs", nargs="*", metavar="INPUT", help="audio files, folders (searched recursively) or glob "
                   "patterns (quote them; ** for any depth)")
    b.add_argument("--db", metavar="URL|FILE", default=None, help="SQLAlchemy URL or SQLite file (default: "
                   "$TONECOACH_DB_URL, else DATA_DIR/tonecoach.db)")
    b.add_argument("--data-dir", metavar="DIR", default=None, help="data directory (default: $TONECOACH_DATA_DIR, "
                   "else ./.tonecoach-data)")
    b.add_argument("--csv", metavar="PATH", help="write one CSV row per input file here")
    b.add_argument("--jsonl", metavar="PATH", help="write the full reports here, one JSON object per line")
    b.add_argument("--summary-html", metavar="PATH", help="write a self-contained QA summary page here")
    b.add_argument("--workers", type=int, default=None, metavar="N", help="worker processes (or Ray actors), each "
                   "with its own model and CPUs/N threads (default: one process per core, at most 8, or one Ray actor "
                   "per CPU of the Ray cluster; 0: in this process)")
    b.add_argument("--ray", nargs="?", const="local", default=None, metavar="ADDRESS",
                   help="run the analyses on Ray actors: a local Ray instance, or the cluster at ADDRESS (auto, "
                   "ray://head:10001)")
    b.add_argument("--agent-from", choices=("none", "folder"), default="none",
                   help="who the agent of each call is, for the summary (default: none; see below)")
    b.add_argument("--model", default="base", help="Whisper model: base (bundled, default), tiny.en (bundled), "
                   "or a CTranslate2 folder")
    b.add_argument("--language", default=None, help="force the language (ISO code); default: detect")
    add_beam_size(b)
    b.add_argument("--agent-channel", choices=("auto", "left", "right"), default="auto",
                   help="which channel of a stereo call is the agent (default: auto)")
    b.add_argument("--redact", action=argparse.BooleanOptionalAction, default=True,
                   help="mask card numbers, phone numbers and e-mail addresses in stored text (default: on)")
    b.add_argument("--rubric", default=None, metavar="TOML", help="a rubric file (default: the bundled rubric)")
    b.add_argument("--scorecard", default=None, metavar="TOML|none",
                   help="the QA scorecard answered on every call: a CSV column per criterion and pass rates on the "
                        "summary page (default: the bundled scorecard; none: no scorecard)")
    b.add_argument("--max-duration", type=float, default=3 * 3600.0, metavar="SECONDS",
                   help="refuse longer files (default: 10800 = 3 h)")
    b.add_argument("--copy-audio", action="store_true", help="also copy each scored file into DATA_DIR/audio, "
                   "named by its content hash")
    b.add_argument("--db-timeout", type=float, default=30.0, metavar="SECONDS",
                   help="how long to wait for another program's database lock (default: 30)")
    b.add_argument("--progress", choices=("auto", "always", "never"), default="auto",
                   help="progress bar on stderr (default: on a terminal)")
    b.add_argument("-q", "--quiet", action="store_true", help="no summary on stdout")
    b.set_defaults(func=cmd_batch)
    return b


def _looks_like_ray_address(s: str) -> bool:
    return s in ("auto", "local") or "://" in s or ":" in s


def _options(args):
    from ..analysis.asr import TranscriptionOptions
    from ..analysis.audio import AudioOptions
    from ..analyzer import AnalyzerOptions
    from .runner import BatchOptions

    topts = TranscriptionOptions(model=args.model, language=args.language, beam_size=args.beam_size)
    aopts = AnalyzerOptions(transcription=topts, audio=AudioOptions(max_duration_s=args.max_duration),
                            agent_channel=args.agent_channel, redact=args.redact, rubric_path=args.rubric,
                            scorecard=args.scorecard != "none",
                            scorecard_path=None if args.scorecard in (None, "default", "none") else args.scorecard)
    return BatchOptions(
        analyzer=aopts, db_url=args.db, data_dir=args.data_dir,
        workers=args.workers,
        ray_address=args.ray, agent_from=args.agent_from, copy_audio=args.copy_audio,
        busy_timeout_s=args.db_timeout, csv_path=args.csv, jsonl_path=args.jsonl,
        summary_html_path=args.summary_html,
    )


def cmd_batch(args, stdout: TextIO, stderr: TextIO) -> int:
    """Run ``tonecoach batch``; returns the exit status."""
    inputs = list(args.inputs)
    if args.ray not in (None, "local") and not _looks_like_ray_address(args.ray):
        inputs.insert(0, args.ray)  # `batch --ray calls/`: argparse took the folder for the address
        args.ray = "local"
    if not inputs:
        print("tonecoach batch: error: give at least one INPUT (file, folder or glob pattern)", file=stderr)
        return 2
    if args.workers is not None and args.workers < 0:
        print("tonecoach batch: error: --workers must be 0 or more", file=stderr)
        return 2
    if args.max_duration <= 0 or args.db_timeout < 0:
        print("tonecoach batch: error: --max-duration must be positive and --db-timeout not negative", file=stderr)
        return 2
    from ..render.batch import summary_lines
    from .runner import run_batch

    show = args.progress == "always" or (args.progress == "auto" and hasattr(stderr, "isatty") and stderr.isatty())
    try:
        opts = _options(args)
        result = run_batch(inputs, opts, progress=stderr if show else None,
                           echo=lambda line: print(line, file=stderr, flush=True))
    except KeyboardInterrupt:
        print("tonecoach batch: interrupted; every file finished before is saved: run the same command again to "
              "score the rest", file=stderr)
        return 130
    except ToneCoachError as exc:
        print(f"tonecoach batch: error: {exc}", file=stderr)
        return 1
    except OSError as exc:  # an export path that cannot be written, a full disk
        print(f"tonecoach batch: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=stderr)
        return 1
    if not args.quiet:
        for line in summary_lines(result):
            print(line, file=stdout)
    return 1 if result.failed else 0
