"""``tonecoach scorecard``: check a scorecard file, answer one on stored reports, set a team's.

    tonecoach scorecard check my.toml                 # every problem, with its line; exit 1 if any
    tonecoach scorecard metrics                       # the metrics a criterion can test
    tonecoach scorecard evaluate report.json ...      # answer a scorecard on JSON reports (no new analysis)
    tonecoach scorecard set --team north my.toml      # the team's new scorecard (the old one stays if it is bad)
    tonecoach scorecard show --team north             # the scorecard in force, as TOML

Front end only: the work is in :mod:`tonecoach.scorecard` and :mod:`tonecoach.store.scorecards`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TextIO

from .errors import ToneCoachError
from .scorecard.lines import scorecard_lines

__all__ = ["add_scorecard_parser", "cmd_scorecard"]


def add_scorecard_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("scorecard", help="QA scorecards: check a file, answer one on reports, set a team's",
                              description="QA scorecards: questions every call is checked for, answered yes / no / "
                                          "not applicable with the quote and time behind each answer.")
    sub = p.add_subparsers(dest="scorecard_command", metavar="ACTION", required=True)
    c = sub.add_parser("check", help="check a scorecard file; every problem is listed with its line")
    c.add_argument("file", nargs="?", default=None, help="the TOML file (default: the bundled scorecard)")
    sub.add_parser("metrics", help="list the metrics a criterion can test")
    e = sub.add_parser("evaluate", help="answer a scorecard on JSON reports (tonecoach analyze --json)")
    e.add_argument("reports", nargs="+", metavar="REPORT.json")
    e.add_argument("--scorecard", default=None, metavar="TOML", help="default: the bundled scorecard")
    e.add_argument("--json", action="store_true", help="print each result as one JSON line")
    for name, helptext in (("set", "make a file the team's scorecard (a new revision)"),
                           ("show", "print the scorecard in force for a team (default: the bundled one)")):
        x = sub.add_parser(name, help=helptext)
        x.add_argument("--team", required=name == "set", default=None)
        x.add_argument("--data-dir", default=None, metavar="DIR", help="as for serve")
        x.add_argument("--db", default=None, metavar="URL|FILE", help="as for batch")
        if name == "set":
            x.add_argument("file", metavar="TOML")
    p.set_defaults(func=cmd_scorecard)
    return p


def _store(args):
    from .store import Store

    return Store(args.db, data_dir=args.data_dir)


def cmd_scorecard(args, stdout: TextIO, stderr: TextIO) -> int:
    from .scorecard import METRICS, evaluate, load_scorecard

    what = args.scorecard_command
    try:
        if what == "check":
            card = load_scorecard(args.file)
            langs = ", ".join(card.languages)
            print(f"{args.file or 'the bundled scorecard'}: {card.name} {card.version}, {len(card.criteria)} criteria, "
                  f"languages {langs}: OK", file=stdout)
            return 0
        if what == "metrics":
            for m in METRICS.values():
                print(f"{m.name:28} {m.unit:14} {m.label}" + (f": {m.help}" if m.help else ""), file=stdout)
            return 0
        if what == "evaluate":
            from .report import CallReport

            card = load_scorecard(args.scorecard)
            failed = 0
            for path in args.reports:
                try:
                    report = CallReport.from_json(Path(path).read_text(encoding="utf-8"))
                except (OSError, ValueError, KeyError, ToneCoachError) as exc:
                    failed += 1
                    print(f"tonecoach: error: {path}: not a tonecoach report ({exc})", file=stderr)
                    continue
                res = evaluate(card, report).to_dict()
                if args.json:
                    print(json.dumps({"file": path, **res}, ensure_ascii=False), file=stdout)
                else:
                    print(path, file=stdout)
                    for line in scorecard_lines(res):
                        print(line, file=stdout)
            return 1 if failed else 0
        from .store.scorecards import current_scorecard, save_scorecard, scorecard_text

        with _store(args) as store:
            if what == "set":
                text = Path(args.file).read_text(encoding="utf-8")
                row = save_scorecard(store, text, team=args.team, source=args.file)
                print(f"team {args.team}: scorecard {row.name} {row.version}, revision {row.revision}", file=stdout)
                return 0
            from .store.accounts import Account

            row = current_scorecard(store, args.team)
            _, text = scorecard_text(store, Account(0, "cli", "admin", None, None), args.team)
            print(f"# {('team ' + row.team) if row.team else 'default'}: revision {row.revision}, "
                  f"saved {row.created_at:%Y-%m-%d %H:%M} UTC", file=stdout)
            stdout.write(text if text.endswith("\n") else text + "\n")
            return 0
    except ToneCoachError as exc:
        print(f"tonecoach scorecard: error: {exc}", file=stderr)
        return 1
    except (OSError, UnicodeDecodeError) as exc:
        print(f"tonecoach scorecard: error: {exc}", file=stderr)
        return 1
