"""What the web app does, without the web: analyse an upload as a user, play a moment, re-take a line.

:class:`Coach` holds the one shared :class:`~tonecoach.analyzer.Analyzer`
(created on first use, so the server starts fast) and the
:class:`~tonecoach.store.Store`. Every method takes the logged-in
:class:`~tonecoach.store.accounts.Account` and goes through
:mod:`tonecoach.store.access`, so the permission rule holds whichever front
end calls it (the UI, Gradio's API, a test).

Analyses run at most ``workers`` at a time (a semaphore here, and the Gradio
queue in front of it), so simultaneous uploads wait their turn instead of
loading more models or filling memory. An upload is decoded, and its length
checked against ``max_duration_s``, before its analysis starts; a played
moment decodes only the moment.
"""

from __future__ import annotations

import collections
import logging
import math
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..errors import AudioError, AudioTooLongError, ToneCoachError
from ..report import CallReport
from ..store import Store, access, audio_path, sha256_file, store_audio
from ..store.accounts import Account

__all__ = ["Coach", "CoachOptions", "Retake", "RetakeRow", "UploadError", "parse_size"]

log = logging.getLogger("tonecoach")

#: progress(fraction 0..1, what is happening)
Progress = Callable[[float, str], None]

#: how a person's choice of the agent names the automatic one in ``agent.reason`` (for people to read; the
#: report keeps it in ``agent.automatic_choice`` and who set it in ``agent.set_by``)
AUTOMATIC = "the automatic choice was "


class UploadError(ToneCoachError):
    """An upload that cannot be taken: too large, not audio, missing."""


def parse_size(text: str | int) -> int:
    """``"200MB"``, ``"1.5 GB"``, ``"500k"`` or a number of bytes -> bytes."""
    if isinstance(text, int):
        return text
    s = str(text).strip().lower().replace(" ", "").removesuffix("b").removesuffix("i")
    mult = {"k": 1024, "m": 1024**2, "g": 1024**3}.get(s[-1:] if s else "", 1)
    num = s[:-1] if mult != 1 else s
    try:
        value = float(num)
    except ValueError:
        raise ToneCoachError(f"not a size: {text!r} (write e.g. 200MB)") from None
    if not (value > 0 and math.isfinite(value)):
        raise ToneCoachError(f"a size must be positive, not {text!r}")
    return int(value * mult)


def _mb(n: int) -> str:
    return f"{n / 1024**2:.0f} MB" if n >= 1024**2 else f"{n / 1024:.0f} kB"


@dataclass(frozen=True)
class CoachOptions:
    """Options of the web app's work.

    Attributes
    ----------
    max_upload_bytes : int
        Larger uploads are refused before anything is decoded (default 200 MB).
    workers : int
        Analyses run at once; more wait in the queue (default 1: one CPU-bound
        analysis uses the cores well, and memory stays at one analysis).
    clip_margin_s : float
        Seconds of context played before and after a flagged moment.
    max_duration_s : float
        Longer recordings are refused, as decoded, before their analysis
        starts (default 60 min; a small file can hold hours of near-silence).
    """

    max_upload_bytes: int = 200 * 1024**2
    workers: int = 1
    clip_margin_s: float = 0.75
    max_duration_s: float = 3600.0


@dataclass(frozen=True)
class RetakeRow:
    label: str
    field: str
    unit: str
    before: float | None
    after: float | None
    target_low: float | None
    target_high: float | None
    points_before: float | None
    points_after: float | None
    flagged: bool


@dataclass(frozen=True)
class Retake:
    """A re-recorded line beside the original: the same tone metrics, before and after."""

    feedback_index: int
    category: str
    line_before: str
    line_after: str
    rows: tuple[RetakeRow, ...]
    warnings: tuple[str, ...] = ()
    wording: tuple[str, ...] = ()  # for a wording item: is the phrase gone from the take?


@dataclass
class Coach:
    """The web app's work: analyse uploads as a user, read reports as a user, clips, re-takes."""

    store: Store
    analyzer_factory: Callable[[], object] | None = None
    options: CoachOptions = field(default_factory=CoachOptions)

    def __post_init__(self) -> None:
        self._analyzer = None
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max(1, self.options.workers))
        self._in_use: collections.Counter[str] = collections.Counter()

    def in_use(self, path: str) -> bool:
        """Is this file being analysed now (not to be swept from the upload cache)?"""
        with self._lock:
            return self._in_use[os.path.abspath(path)] > 0

    # -- the one analyzer -------------------------------------------------------------------
    @property
    def analyzer(self):
        """The shared Analyzer, created on first use."""
        if self._analyzer is None:
            with self._lock:
                if self._analyzer is None:
                    if self.analyzer_factory is not None:
                        self._analyzer = self.analyzer_factory()
                    else:
                        from ..analyzer import Analyzer

                        self._analyzer = Analyzer()
        return self._analyzer

    def _analyze(self, source, *, progress: Progress | None, label: str | None,
                 agent_speaker: str | None = None, check_length: bool = False) -> CallReport:
        prog = progress or (lambda f, m: None)
        prog(0.0, "waiting for a free analysis slot")
        extra = {"agent_speaker": agent_speaker} if agent_speaker else {}
        key = os.path.abspath(str(source))
        with self._lock:
            self._in_use[key] += 1
        try:
            with self._slots:
                if check_length:
                    prog(0.0, "checking the length")
                    self.check_length(source)
                return self.analyzer.analyze(source, progress=prog, label=label, **extra)
        finally:
            with self._lock:
                self._in_use[key] -= 1
                if self._in_use[key] <= 0:
                    del self._in_use[key]

    def check_length(self, source) -> float:
        """Decode a recording and return its length; :class:`AudioTooLongError` past ``max_duration_s``.

        Decoding stops at the limit, so a small file holding hours of audio
        costs at most the limit's worth of decoding, and no analysis.
        """
        from ..analysis.audio import AudioOptions, load

        limit = self.options.max_duration_s
        try:
            return load(source, options=AudioOptions(max_duration_s=limit)).duration_s
        except AudioTooLongError as exc:
            raise AudioTooLongError(str(exc).replace("(raise it with --max-duration)",
                                                     f"(the web app's limit is {limit / 60:.0f} min)")) from None

    # -- uploads ----------------------------------------------------------------------------
    def check_upload(self, path: str | os.PathLike | None) -> tuple[Path, int]:
        """The upload's path and size, or :class:`UploadError` (missing, empty, too large)."""
        if not path:
            raise UploadError("choose an audio file or record one first")
        p = Path(path)
        try:
            size = p.stat().st_size
        except OSError:
            raise UploadError("the upload did not arrive; try again") from None
        if size == 0:
            raise UploadError("the file is empty (0 bytes)")
        if size > self.options.max_upload_bytes:
            raise UploadError(f"the file is {_mb(size)}; the limit is {_mb(self.options.max_upload_bytes)}. "
                              "Trim the recording or export it compressed (mp3, opus).")
        return p, size

    def analyze_upload(self, viewer: Account, path: str | os.PathLike | None, *, original_name: str | None = None,
                       progress: Progress | None = None) -> int:
        """Analyse an uploaded file as ``viewer``'s and store it; returns the report id.

        Nothing is stored unless the analysis succeeds: a file that is not
        audio (decided by decoding it, not by its name), too large or too short
        raises :class:`ToneCoachError` and leaves no trace in the data
        directory or the database. Content that already has a report (same
        audio, model and rubric) is not analysed again.
        """
        p, size = self.check_upload(path)
        name = os.path.basename(original_name or p.name)[:200] or "recording"
        digest = sha256_file(p)
        a = self.analyzer
        model_name = a.options.transcription.model
        existing = self.store.find_report(digest, model_name, a.rubric.version)
        if existing is not None and audio_path(self.store.data_dir, digest).exists():
            rid = access.add_to_history(self.store, viewer, existing.id, original_name=name, source="upload")
            if progress:
                progress(1.0, "already analysed")
            return rid
        try:
            report = self._analyze(str(p), progress=progress, label=name, check_length=True)
        except ToneCoachError as exc:  # name the file as the user knows it, not by the server's temporary path
            raise type(exc)(str(exc).replace(str(p), name)) from None
        stored = store_audio(self.store.data_dir, p)
        rel = stored.relative_to(self.store.data_dir).as_posix()
        rid = access.save_upload(self.store, viewer, report, sha256=digest, original_name=name, size_bytes=size,
                                 stored_path=rel)
        log.info("%s uploaded %s: report %d, tone %s", viewer.name, name, rid, report.tone.score)
        return rid

    # -- reading ----------------------------------------------------------------------------
    def open(self, viewer: Account, report_id) -> tuple[access.Entry, CallReport, str | None] | None:
        return access.load_report(self.store, viewer, report_id)

    def clip(self, viewer: Account, report_id, start_s: float, end_s: float) -> tuple[int, np.ndarray] | None:
        """The stored audio from ``start_s`` to ``end_s`` (plus a margin) as ``(rate, int16 (n, channels))``.

        None when the report is not visible to ``viewer`` or its audio was not kept.
        """
        got = self.open(viewer, report_id)
        if got is None or not got[2]:
            return None
        path = self.store.data_dir / got[2]
        if not path.is_file():
            return None
        from ..analysis.audio import load_window

        m = self.options.clip_margin_s
        a, b = max(0.0, float(start_s) - m), float(end_s) + m
        if b <= a:
            return None
        try:
            audio = load_window(path, a, b)  # only the moment is decoded, however long the call
        except AudioError:
            return None
        y = np.clip(audio.samples.T, -1.0, 1.0)
        return audio.sample_rate, (y * 32767.0).astype(np.int16)

    def feedback_clip(self, viewer: Account, report_id, index: int) -> tuple[int, np.ndarray] | None:
        """The moment of feedback item ``index`` (0-based) of a visible report."""
        got = self.open(viewer, report_id)
        if got is None:
            return None
        fb = got[1].feedback
        if not (0 <= int(index) < len(fb)):
            return None
        return self.clip(viewer, report_id, fb[int(index)].start_s, fb[int(index)].end_s)

    # -- correcting the agent ---------------------------------------------------------------
    def set_agent(self, viewer: Account, report_id, speaker: str | None, *,
                  progress: Progress | None = None) -> tuple[int, bool]:
        """Analyse a report's stored audio again with ``speaker`` as the agent, and put it in the report's place.

        For a call where the automatic choice picked the wrong speaker (see the
        report's ``agent``). Everyone who may see the report may correct it.
        The report keeps its id, comments and review state; its ``agent``
        says who set it and what the automatic choice was. Only this owner's
        report changes: others who uploaded the same audio keep theirs. Returns
        ``(report id, changed)``: ``changed`` is False when ``speaker`` was the
        agent already.
        """
        got = self.open(viewer, report_id)
        if got is None:
            raise access.NotFoundError(access.NOT_FOUND)
        entry, report, rel = got
        ids = [s.id for s in report.speakers]
        if len(ids) < 2:
            raise UploadError("this recording has one speaker, who is the agent")
        if speaker not in ids:
            raise UploadError(f"pick one of the call's speakers ({', '.join(ids)})")
        before = report.agent
        if before is not None and before.speaker == speaker:
            return entry.report_id, False
        path = self.store.data_dir / rel if rel else None
        if path is None or not path.is_file():
            raise UploadError("the audio of this report was not kept in the data directory, so it cannot be analysed "
                              "again; run 'tonecoach analyze FILE --agent-speaker' on the original file")
        a, row = self.analyzer, self.store.get_report(entry.analysis_id)
        if row is not None and (row.model_name, row.rubric_version) != (a.options.transcription.model, a.rubric.version):
            raise UploadError(f"this report was made with the model {row.model_name} and rubric {row.rubric_version}; the "
                              f"app now runs {a.options.transcription.model} and rubric {a.rubric.version}. Upload the "
                              "call again to get a new report, then correct its agent")
        new = self._analyze(str(path), progress=progress, label=report.audio.path, agent_speaker=speaker)
        if new.agent is None or new.agent.speaker != speaker:
            raise ToneCoachError(f"the new analysis did not find the speaker {speaker} again "
                                 f"(it has {', '.join(s.id for s in new.speakers) or 'none'}); nothing was changed")
        if before is None:
            was = "none"
        elif before.set_by is not None:  # set by a person before: keep what the automatic choice had been
            was = before.automatic_choice or "none"
        else:
            was = before.described()
        new = replace(new, agent=replace(new.agent, reason=f"set to {speaker} by {viewer.name} in the web app; "
                                                           f"{AUTOMATIC}{was}",
                                         set_by=viewer.name, automatic=False, automatic_choice=was))
        access.replace_report(self.store, viewer, entry.report_id, new)
        log.info("%s set the agent of report %d to %s (tone %s)", viewer.name, entry.report_id, speaker, new.tone.score)
        return entry.report_id, True

    # -- the re-take drill ------------------------------------------------------------------
    def retake(self, viewer: Account, report_id, line, take_path: str | os.PathLike | None, *,
               progress: Progress | None = None) -> Retake:
        """Analyse a new recording of a flagged line and compare its tone metrics with the line's.

        ``line`` is a key of :func:`tonecoach.coaching.retake_lines` (a
        sentence or phrase), or a feedback index (that item's first line).
        The take is not stored: it is practice. The "before" figures are the
        line measured again on the stored call (:func:`tonecoach.web.drill.line_prosody`),
        with the figure the feedback showed kept as shown; the "after" figures
        are the same metrics over the whole take. A wording item is judged by
        whether the take says such a phrase again.
        """
        from ..coaching import retake_lines
        from .drill import line_prosody

        got = self.open(viewer, report_id)
        if got is None:
            raise access.NotFoundError(access.NOT_FOUND)
        _, report, rel = got
        lines = retake_lines(report)
        if isinstance(line, str) and not line.lstrip("-").isdigit():
            chosen = next((x for x in lines if x.key == line), None)
        else:
            i = int(line) if line not in (None, "") else -1
            chosen = next((x for x in lines if i in x.feedback), None) if 0 <= i < len(report.feedback) else None
        if chosen is None:
            raise UploadError("pick a flagged line first")
        p, _ = self.check_upload(take_path)
        try:
            take = self._analyze(str(p), progress=progress, label="re-take", check_length=True)
        except ToneCoachError as exc:  # the server's temporary path is no business of the user's
            raise type(exc)(str(exc).replace(str(p), "your take")) from None
        agent = take.agent_speaker
        after = dict(agent.prosody) if agent else {}
        a = self.analyzer
        fmin, fmax = (getattr(a.options, "pitch_fmin_hz", 65.0), getattr(a.options, "pitch_fmax_hz", 400.0))
        before, note = line_prosody(report, chosen, self.store.data_dir / rel if rel else None, fmin_hz=fmin, fmax_hz=fmax)
        focus = {f for _, f, _ in chosen.focus if f}
        rows = []
        from ..rubric import metric_points

        for m in a.rubric.tone_metrics.values():
            f = m["field"]
            if f not in before and f not in after:
                continue
            lo, hi, tol = float(m["low"]), float(m["high"]), float(m["tolerance"])
            b, af = _num(before.get(f)), _num(after.get(f))
            rows.append(RetakeRow(label=m["label"], field=f, unit=m["unit"], before=b, after=af, target_low=lo,
                                  target_high=hi, points_before=metric_points(b, lo, hi, tol),
                                  points_after=metric_points(af, lo, hi, tol), flagged=f in focus))
        rows.sort(key=lambda r: not r.flagged)
        wording = []
        for cat, _, _ in chosen.focus:
            if cat.startswith("wording_"):
                said = [fb for fb in take.feedback if fb.category == cat]
                what = cat.removeprefix("wording_").replace("_", " ")
                wording.append(f"the {what} is gone from your new take" if not said else
                               f"still there: “{said[0].evidence.get('phrase') or said[0].evidence.get('value')}”")
        warnings = tuple(take.warnings) + ((note,) if note else ())
        first = report.feedback[chosen.feedback[0]]
        return Retake(feedback_index=chosen.feedback[0], category=first.category, line_before=chosen.text,
                      line_after=take.transcript, rows=tuple(rows), warnings=warnings, wording=tuple(wording))


def _num(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None
