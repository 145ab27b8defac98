"""The re-take drill's "before": a line of the call measured again from the stored audio, as the analysis did.

The feedback names phrases (a run of flagged phrases, the sentence a phrase
was said in); the report keeps the prosody of whole turns only. So the
line's tone metrics are measured here on the stored call: the agent's channel
(or the mono signal), the whole channel's pitch and loudness tracks with the
analysis's own settings, then the line's span. The figure the feedback showed
for the line (its phrase's pace, say) is kept as it was shown, so a re-take
compares against the number the agent read.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..analysis import prosody as P
from ..analysis.audio import load
from ..coaching import Line
from ..report import CallReport

__all__ = ["line_prosody"]

log = logging.getLogger("tonecoach")


def line_prosody(report: CallReport, line: Line, audio_path: Path | None, *, fmin_hz: float = 65.0,
                 fmax_hz: float = 400.0) -> tuple[dict[str, Any], str | None]:
    """The line's prosody (``TurnProsody.to_dict()`` fields) and a note when it could not be measured so.

    Without the stored audio the turn's own prosody stands in, and the note says so.
    """
    turn = next((s for s in report.segments if s.speaker == line.speaker and s.start_s <= line.start_s + 1e-6
                 and line.end_s <= s.end_s + 1e-6), None)
    fallback = dict(turn.prosody) if turn is not None else {}
    note = None
    values: dict[str, Any] = {}
    if audio_path is not None and audio_path.is_file() and line.words:
        try:
            audio = load(audio_path)
            sp = next((s for s in report.speakers if s.id == line.speaker), None)
            ch = sp.channel if sp is not None else None
            y = audio.samples[ch] if ch is not None and audio.channels > 1 and 0 <= ch < audio.channels else audio.mono
            sr = audio.sample_rate
            pitch = P.pitch_track(y, sr=sr, fmin_hz=fmin_hz, fmax_hz=fmax_hz)
            energy = P.energy_track(y, sr=sr)
            values = P.turn_prosody(y, sr=sr, words=line.words, start_s=line.start_s, end_s=line.end_s, pitch=pitch,
                                    energy=energy, language=report.language.code).to_dict()
        except Exception:  # noqa: BLE001 - a damaged stored file: say so, compare with the turn
            log.exception("measuring the line %s again failed", line.key)
            values = {}
    if not values:
        values = fallback
        note = "the call's audio was not at hand, so the other figures are those of the whole turn"
    for _, field, value in line.focus:
        if field and value is not None:
            values[field] = value
    return values, note
