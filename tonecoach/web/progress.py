"""One progress bar for an analysis: the analyzer's own steps, and an estimate between them.

The analyzer reports real steps (decoding, each channel's transcription
starting and finishing, speakers, prosody, wording). Whisper decodes a
15 s to 3 min channel in one batch, so between "transcribing" starting and
ending there is no step to report. :class:`Tracker` moves the bar through
that stretch at the pace this server transcribed at before (seconds of work
per second of audio, measured on its last analyses), never past the next
real step, and says it is an estimate ("about 6 s left"). Real steps always
win: the bar never moves back.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ..analysis.steps import span

__all__ = ["Pace", "Tracker", "probe_audio"]

#: where the analyzer's transcription starts and ends on its 0..1 scale (the steps' table, tonecoach.analysis.steps)
TRANSCRIBE_FROM, TRANSCRIBE_TO = span("transcribe")


class Pace:
    """Seconds of transcription per second of audio and channel, from this server's last analyses."""

    def __init__(self, default: float = 0.25, keep: int = 7):
        self.default = default
        self._seen: deque[float] = deque(maxlen=keep)
        self._lock = threading.Lock()

    def add(self, transcribe_s: float | None, audio_s: float | None, channels: int = 1) -> None:
        if transcribe_s and audio_s and transcribe_s > 0 and audio_s > 0.5:
            with self._lock:
                self._seen.append(transcribe_s / (audio_s * max(1, channels)))

    def seconds_per_second(self) -> float:
        with self._lock:
            return statistics.median(self._seen) if self._seen else self.default

    @property
    def measured(self) -> bool:
        return bool(self._seen)


def probe_audio(path) -> tuple[float | None, int]:
    """An upload's duration and channel count from its header (for the estimate only; None when unknown).

    Nothing is decoded: the analysis decodes (and judges) the audio itself.
    """
    try:
        import av

        with av.open(str(path)) as c:
            stream = next((s for s in c.streams if s.type == "audio"), None)
            channels = int(getattr(stream.codec_context, "channels", 1) or 1) if stream is not None else 1
            if c.duration:
                return c.duration / 1_000_000, channels
            if stream is not None and stream.duration and stream.time_base:
                return float(stream.duration * stream.time_base), channels
            return None, channels
    except Exception:  # noqa: BLE001 - not audio, or an odd container: no estimate, the analysis will say why
        return None, 1


@dataclass
class _State:
    fraction: float = 0.0
    message: str = "starting"
    since: float = 0.0  # when the last real step came


class Tracker:
    """Runs ``work(report)`` in a thread and shows its progress through ``show(fraction, text)`` every ``tick_s``.

    ``audio_s`` and ``channels`` (from :func:`probe_audio`) size the estimate during transcription.
    """

    def __init__(self, show: Callable[[float, str], None], *, pace: Pace, audio_s: float | None, channels: int = 1,
                 tick_s: float = 0.3, clock: Callable[[], float] = time.monotonic):
        self.show, self.pace, self.audio_s, self.channels = show, pace, audio_s, max(1, int(channels or 1))
        self.tick_s, self.clock = tick_s, clock
        self._state = _State(since=clock())
        self._lock = threading.Lock()
        self._shown = -1.0

    def report(self, fraction: float, message: str) -> None:
        """The analyzer's progress callback (any thread)."""
        with self._lock:
            self._state = _State(max(self._state.fraction, min(1.0, max(0.0, float(fraction)))), message, self.clock())

    def estimate(self) -> tuple[float, str]:
        """What to show now: the real step, moved on by the estimate while a channel is transcribed."""
        with self._lock:
            st = self._state
        f, text = st.fraction, st.message
        if st.message == "transcribing" and self.audio_s and TRANSCRIBE_FROM <= f < TRANSCRIBE_TO:
            span = (TRANSCRIBE_TO - TRANSCRIBE_FROM) / self.channels  # each channel's share, as the analyzer splits it
            k = min(self.channels - 1, int((f - TRANSCRIBE_FROM + 1e-9) / span))
            end = TRANSCRIBE_FROM + (k + 1) * span
            expected = max(0.5, self.audio_s * self.pace.seconds_per_second() * (end - f) / span)
            done = min(0.95, (self.clock() - st.since) / expected)
            f = f + (end - f) * done
            left = max(0.0, expected * (1 - done))
            where = f" channel {k + 1} of {self.channels}" if self.channels > 1 else ""
            text = f"transcribing{where} (about {left:.0f} s left)" if done < 0.95 else f"transcribing{where}"
        return f, text

    def tick(self) -> None:
        f, text = self.estimate()
        f = max(f, self._shown)
        self._shown = f
        self.show(f, text)

    def run(self, work: Callable[[Callable[[float, str], None]], object]):
        """``work(callback)`` in a thread while this one shows progress; returns its result or raises its error."""
        out: dict[str, object] = {}

        def target():
            try:
                out["result"] = work(self.report)
            except BaseException as exc:  # noqa: BLE001 - handed back to the caller's thread
                out["error"] = exc

        t = threading.Thread(target=target, name="tonecoach-analysis", daemon=True)
        t.start()
        while t.is_alive():
            self.tick()
            t.join(self.tick_s)
        if "error" in out:
            raise out["error"]  # type: ignore[misc]
        return out.get("result")
