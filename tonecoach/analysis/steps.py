"""The steps of one call's analysis, in order: each one's share of the progress bar, and where its time is counted.

:data:`STEPS` is the one table: the progress bar's fraction at each step's start is the sum of the shares
before it, and a step's ``timing`` names the key of the report's ``timings_s`` its time adds to (those keys
are read by the benchmarks and the README, so several steps may add to one). :class:`Steps` runs the steps
and reports each one: ``started(step)`` moves the progress bar (the web app's
:class:`tonecoach.web.progress.Tracker` reads it), ``finished(step, result, seconds)`` counts its time.
This module imports no stage, so the progress bar can read the table cheaply.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Protocol

__all__ = ["Progress", "STEPS", "Step", "StepHook", "Steps", "TIMINGS", "span"]

#: progress(fraction 0..1, what is happening)
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Step:
    """One named step of the analysis.

    Attributes
    ----------
    name : str
        What the analyzer calls it.
    share : float
        Its share of the whole progress bar, 0..1 (the shares add up to 1).
    message : str or None
        What the progress bar says while it runs; None keeps the message before it.
    timing : str or None
        The ``timings_s`` key its wall time adds to; None counts it in ``total`` only.
    """

    name: str
    share: float
    message: str | None
    timing: str | None


#: The steps in the order they run. Transcription is most of the work; "diarize" and "pitch_energy" mostly
#: wait for work started beside the transcription, so their own time is counted under their name
#: (:meth:`Steps.ahead`), wherever it ran.
STEPS: tuple[Step, ...] = (
    Step("decode", 0.05, "decoding", "decode"),
    Step("channels", 0.0, None, None),
    Step("transcribe", 0.85, "transcribing", "transcribe"),
    Step("diarize", 0.0, "telling speakers apart", None),
    Step("turns", 0.0, "measuring prosody", "prosody"),
    Step("agent", 0.0, None, "prosody"),
    Step("pitch_energy", 0.0, None, "prosody"),
    Step("prosody", 0.05, None, "prosody"),
    Step("conversation", 0.0, None, "score"),
    Step("score", 0.0, None, "score"),
    Step("redact", 0.0, None, "score"),
    Step("timeline", 0.0, None, "score"),
    Step("wording", 0.05, "scoring the wording", "wording"),
    Step("scorecard", 0.0, None, "scorecard"),
)
_BY_NAME = {s.name: s for s in STEPS}
#: The keys of a report's ``timings_s``, in the order it lists them.
TIMINGS = ("decode", "transcribe", "diarize", "pitch_energy", "prosody", "score", "wording", "waited_for_ahead",
           "total", "scorecard")


def span(name: str) -> tuple[float, float]:
    """Where step ``name`` starts and ends on the progress bar's 0..1 scale."""
    start = 0.0
    for s in STEPS:
        if s.name == name:
            return start, min(1.0, start + s.share)
        start += s.share
    raise KeyError(f"no analysis step named {name!r}")


class StepHook(Protocol):
    """What hears of each step: ``started`` before it runs, ``finished`` after, with its result and wall time."""

    def started(self, step: str) -> None: ...

    def finished(self, step: str, result: Any, seconds: float) -> None: ...


class Steps:
    """Runs one analysis's steps by name; progress and timings come from :data:`STEPS`, nowhere else.

    ``steps("transcribe", fn, *args, **kwargs)`` runs ``fn`` as that step and returns its result;
    ``steps.within("transcribe")`` is a ``progress(0..1)`` callback for the work inside a step.
    """

    def __init__(self, progress: Progress | None = None, *, hooks: tuple[StepHook, ...] = ()):
        self._progress = progress
        self._hooks = hooks
        self._shown: tuple[float, str] | None = None
        self._t0 = time.perf_counter()
        self.timings: dict[str, float] = {}

    def __call__(self, name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.started(name)
        t = time.perf_counter()
        result = fn(*args, **kwargs)
        self.finished(name, result, time.perf_counter() - t)
        return result

    def ahead(self, name: str, ahead: Any) -> Any:
        """Step ``name`` as the result of the work started under that name beside the transcription
        (``ahead.result(name)``); its own time, wherever it ran, is counted under ``name``."""
        self.started(name)
        t = time.perf_counter()
        result, own_s = ahead.result(name)
        self.timings[name] = own_s
        self.finished(name, result, time.perf_counter() - t)
        return result

    # -- the hook --------------------------------------------------------------------------
    def started(self, step: str) -> None:
        s = _BY_NAME[step]
        if s.message is not None:
            self._show(span(step)[0], s.message)
        for h in self._hooks:
            h.started(step)

    def finished(self, step: str, result: Any, seconds: float) -> None:
        key = _BY_NAME[step].timing
        if key is not None:
            self.timings[key] = self.timings.get(key, 0.0) + seconds
        for h in self._hooks:
            h.finished(step, result, seconds)

    def within(self, step: str) -> Callable[[float], None]:
        """``progress(fraction of step done)``, shown on the whole bar with the step's message."""
        a, b = span(step)
        message = _BY_NAME[step].message or step

        def progress(f: float) -> None:
            self._show(a + (b - a) * f, message)

        return progress

    def done(self) -> None:
        self._show(1.0, "done")

    def timings_s(self, *, waited_for_ahead: float | None = None) -> dict[str, float]:
        """The report's ``timings_s``: each key's seconds so far, and ``total`` since these steps began."""
        out = dict(self.timings)
        if waited_for_ahead is not None:
            out["waited_for_ahead"] = waited_for_ahead
        out["total"] = time.perf_counter() - self._t0
        order = {k: i for i, k in enumerate(TIMINGS)}
        return {k: round(out[k], 3) for k in sorted(out, key=lambda k: order.get(k, len(order)))}

    def _show(self, fraction: float, message: str) -> None:
        if self._progress is not None and self._shown != (fraction, message):
            self._shown = (fraction, message)
            self._progress(fraction, message)
