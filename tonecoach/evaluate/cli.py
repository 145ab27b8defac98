"""``tonecoach evaluate FOLDER --labels labels.csv``: the command line of :mod:`tonecoach.evaluate`."""

from __future__ import annotations

import argparse
from typing import TextIO

from ..errors import ToneCoachError

__all__ = ["add_evaluate_parser", "cmd_evaluate"]


def add_evaluate_parser(sub) -> None:
    e = sub.add_parser(
        "evaluate", help="check tonecoach on your own labelled calls (agent choice, WER, DER, ratings)",
        description="Analyse a folder of labelled calls and measure tonecoach against the labels: how often it picks "
                    "the right agent and how well its confidence says so, the word error rate against reference "
                    "transcripts, the diarization error rate against reference speaker turns, and the correlation of "
                    "its scores with people's ratings. Calls are analysed without redaction, so that words can be "
                    "compared.")
    e.add_argument("folder", metavar="FOLDER", help="the calls' folder")
    e.add_argument("--labels", default=None, metavar="CSV",
                   help="labels: columns file, agent and optionally reference, rttm, tone_rating, wording_rating, note "
                        "(default: labels.csv, labels.tsv or roles.tsv in FOLDER)")
    e.add_argument("--json", default=None, metavar="PATH", help="write the results as JSON")
    e.add_argument("--html", default=None, metavar="PATH", help="write the results as an HTML page")
    e.add_argument("--reports", default=None, metavar="DIR", help="keep each call's report here (as <file>.json)")
    e.add_argument("--reuse", action="store_true", help="read reports kept in --reports instead of analysing again")
    e.add_argument("--model", default="base", help="Whisper model (as for analyze)")
    e.add_argument("--language", default=None, help="force the language (default: detect)")
    e.add_argument("--wording", action=argparse.BooleanOptionalAction, default=True,
                   help="score the wording too (needed for wording ratings; default: on)")
    e.set_defaults(func=cmd_evaluate)


def cmd_evaluate(args, stdout: TextIO, stderr: TextIO) -> int:
    from ..render.evaluate import format_html, format_text
    from .run import evaluate_calls, write_json

    def factory():
        from ..analysis.asr import TranscriptionOptions
        from ..analyzer import Analyzer, AnalyzerOptions
        from ..wording.call import WordingOptions

        return Analyzer(AnalyzerOptions(transcription=TranscriptionOptions(model=args.model, language=args.language),
                                        redact=False, wording=WordingOptions(enabled=args.wording)))

    def on_call(name: str, k: int, n: int) -> None:
        print(f"[{k + 1}/{n}] {name}", file=stderr, flush=True)

    try:
        result = evaluate_calls(args.folder, args.labels, factory, reports_dir=args.reports, reuse=args.reuse,
                                on_call=on_call)
        print(format_text(result), file=stdout)
        if args.json:
            write_json(result, args.json)
            print(f"JSON: {args.json}", file=stdout)
        if args.html:
            from pathlib import Path

            Path(args.html).parent.mkdir(parents=True, exist_ok=True)
            Path(args.html).write_text(format_html(result), encoding="utf-8")
            print(f"HTML: {args.html}", file=stdout)
    except ToneCoachError as exc:
        print(f"tonecoach: error: {exc}", file=stderr)
        return 1
    except OSError as exc:
        print(f"tonecoach: error: {exc}", file=stderr)
        return 1
    return 1 if result["summary"]["failed"] == result["summary"]["calls"] else 0
