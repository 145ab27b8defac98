"""Reference material a QA team holds for its calls: who the agent is, what was said, who spoke when.

Readers for the formats found in labelled call sets, all turned into one
shape, :class:`Reference` (timed turns with an optional speaker):

* word timings as JSON (a list of ``{"speaker", "word", "start", "end"}``, as
  SpokenWOZ publishes them);
* SubRip ``.srt`` whose cues start with a speaker tag (``[CSR] ...``, ``[Customer] ...``);
* a speech-service transcription JSON with ``phrases`` (``speaker``, ``offset`` and ``duration`` in ms, ``text``);
* NIST ``.stm`` (``uri channel speaker start end words``) and ``.rttm`` (turns only, no words);
* a plain ``.txt`` transcript, optionally with ``HH:MM:SS`` lines starting each turn and
  ``<Language> transcription`` section headers (the section in the call's language is taken).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..errors import ToneCoachError

__all__ = ["RefTurn", "Reference", "read_reference"]

#: language names as section headers write them -> ISO codes
_SECTION_LANGS = {"en": "en", "english": "en", "pl": "pl", "polish": "pl", "lv": "lv", "latvian": "lv", "lt": "lt",
                  "lithuanian": "lt", "ro": "ro", "romanian": "ro", "he": "he", "hebrew": "he", "de": "de", "german": "de",
                  "es": "es", "spanish": "es", "fr": "fr", "french": "fr"}


@dataclass(frozen=True)
class RefTurn:
    start_s: float | None
    end_s: float | None
    speaker: str | None
    text: str


@dataclass(frozen=True)
class Reference:
    """A reference transcript: turns in time order, and what it can be used for."""

    path: str
    kind: str
    turns: tuple[RefTurn, ...]
    note: str = ""

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.turns if t.text)

    @property
    def has_text(self) -> bool:
        return any(t.text.strip() for t in self.turns)

    @property
    def has_speaker_times(self) -> bool:
        """True when every turn has a speaker, a start and an end (enough for a diarization error rate)."""
        return bool(self.turns) and all(t.speaker and t.start_s is not None and t.end_s is not None for t in self.turns)

    @property
    def speakers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.speaker for t in self.turns if t.speaker))


def clock_seconds(text: str) -> float:
    """``"1:02:03,5"``, ``"02:03"`` or ``"12.5"`` -> seconds."""
    parts = [float(p.replace(",", ".")) for p in text.strip().split(":")]
    s = 0.0
    for p in parts:
        s = s * 60 + p
    return s


def _words_json(data: list, path: str) -> Reference:
    turns: list[RefTurn] = []
    cur: list[dict] = []
    for w in sorted(data, key=lambda w: float(w["start"])):
        if cur and (w["speaker"] != cur[-1]["speaker"] or float(w["start"]) - float(cur[-1]["end"]) > 1.0):
            turns.append(RefTurn(float(cur[0]["start"]), float(cur[-1]["end"]), str(cur[0]["speaker"]),
                                 " ".join(str(x["word"]) for x in cur)))
            cur = []
        cur.append(w)
    if cur:
        turns.append(RefTurn(float(cur[0]["start"]), float(cur[-1]["end"]), str(cur[0]["speaker"]),
                             " ".join(str(x["word"]) for x in cur)))
    return Reference(path, "word timings", tuple(turns))


def _phrases_json(data: dict, path: str) -> Reference:
    turns = []
    for p in data["phrases"]:
        start = float(p.get("offset", p.get("offsetMilliseconds", 0))) / 1000.0
        dur = float(p.get("duration", p.get("durationMilliseconds", 0))) / 1000.0
        spk = p.get("speaker", p.get("channel"))
        turns.append(RefTurn(start, start + dur, None if spk is None else str(spk), str(p.get("text", ""))))
    return Reference(path, "transcription phrases", tuple(sorted(turns, key=lambda t: t.start_s or 0.0)),
                     note="machine transcription" if "combinedPhrases" in data else "")


def _srt(text: str, path: str) -> Reference:
    turns = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()):
        lines = [ln for ln in block.split("\n") if ln.strip()]
        times = next((ln for ln in lines if "-->" in ln), None)
        if times is None:
            continue
        a, b = (x.strip() for x in times.split("-->"))
        body = " ".join(lines[lines.index(times) + 1:])
        m = re.match(r"\s*\[([^\]]+)\]\s*(.*)", body)
        spk, body = (m.group(1), m.group(2)) if m else (None, body)
        turns.append(RefTurn(clock_seconds(a), clock_seconds(b), spk, body.strip()))
    return Reference(path, "srt", tuple(turns))


def _stm(text: str, path: str) -> Reference:
    turns = []
    for ln in text.splitlines():
        if not ln.strip() or ln.startswith(";;"):
            continue
        f = ln.split(maxsplit=5)
        if len(f) < 5:
            continue
        words = re.sub(r"<[^>]*>", " ", f[5]) if len(f) > 5 else ""
        turns.append(RefTurn(float(f[3]), float(f[4]), f[2], " ".join(words.split())))
    return Reference(path, "stm", tuple(sorted(turns, key=lambda t: t.start_s or 0.0)))


def _rttm(text: str, path: str) -> Reference:
    turns = []
    for ln in text.splitlines():
        f = ln.split()
        if len(f) >= 8 and f[0] == "SPEAKER":
            a = float(f[3])
            turns.append(RefTurn(a, a + float(f[4]), f[7], ""))
    return Reference(path, "rttm", tuple(sorted(turns, key=lambda t: t.start_s or 0.0)))


_TIME_LINE = re.compile(r"^\s*(\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)\s*$")
_SECTION = re.compile(r"^\s*([A-Za-z]+)\s+transcription\s*$", re.IGNORECASE)


def _txt(text: str, path: str, language: str | None) -> Reference:
    sections: dict[str | None, list[str]] = {}
    current: str | None = None
    for ln in text.splitlines():
        m = _SECTION.match(ln)
        if m:
            current = _SECTION_LANGS.get(m.group(1).lower(), m.group(1).lower())
            sections.setdefault(current, [])
            continue
        sections.setdefault(current, []).append(ln)
    if len(sections) > 1 or None not in sections:
        named = [k for k in sections if k is not None]
        pick = language if language in sections else (named[0] if named else None)
        lines, note = sections[pick], f"the {pick} section"
    else:
        lines, note = sections[None], ""
    turns: list[RefTurn] = []
    start: float | None = None
    buf: list[str] = []
    timed = any(_TIME_LINE.match(ln) for ln in lines)
    for ln in lines:
        m = _TIME_LINE.match(ln)
        if m:
            if buf:
                turns.append(RefTurn(start, None, None, " ".join(buf)))
            buf, start = [], clock_seconds(m.group(1))
        elif ln.strip() and (start is not None or not timed):
            buf.append(ln.strip())
    if buf:
        turns.append(RefTurn(start, None, None, " ".join(buf)))
    return Reference(path, "text", tuple(turns), note=note)


def read_reference(path: str | Path, *, language: str | None = None) -> Reference:
    """Read a reference transcript in any of the formats above (chosen by content and suffix).

    Raises
    ------
    ToneCoachError
        When the file is missing or in no format this reads.
    """
    p = Path(path)
    try:
        raw = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ToneCoachError(f"could not read the reference {p}: {exc}") from None
    suffix = p.suffix.lower()
    try:
        if suffix == ".json":
            data = json.loads(raw)
            if isinstance(data, list) and data and {"word", "start", "end"} <= set(data[0]):
                return _words_json(data, str(p))
            if isinstance(data, dict) and "phrases" in data:
                return _phrases_json(data, str(p))
            raise ToneCoachError(f"{p}: a JSON reference must be a list of word timings or hold 'phrases'")
        if suffix == ".srt":
            return _srt(raw, str(p))
        if suffix == ".stm":
            return _stm(raw, str(p))
        if suffix == ".rttm":
            return _rttm(raw, str(p))
        return _txt(raw, str(p), language)
    except (KeyError, ValueError, TypeError, IndexError) as exc:
        raise ToneCoachError(f"{p}: not a reference this reads ({type(exc).__name__}: {exc})") from None


def words_of(turns: Sequence[RefTurn]) -> str:
    return " ".join(t.text for t in turns if t.text)
