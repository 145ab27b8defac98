"""The labels of an evaluation: one row per call, in a CSV or TSV file.

Columns (a header row names them; only ``file`` and ``agent`` are needed):

``file``
    the call's audio, relative to the calls' folder
``agent``
    who the agent is: ``left`` / ``right`` (the channel of a stereo call),
    ``first`` / ``second`` (the first or second voice to speak, as
    ``first speaker`` in prose), ``at:0:12`` or ``at:12.5`` (the voice
    speaking at that moment), ``ref:CSR`` or ``[CSR]`` (that speaker of the
    reference transcript), or tonecoach's own name (``S1``, ``S2``...)
``reference``
    a reference transcript (any format of :mod:`tonecoach.evaluate.references`);
    when empty, a file beside the audio with the same name and a known
    suffix (.json, .srt, .stm, .txt) is used; ``none`` when that file is no
    transcript (notes about the call, say)
``rttm``
    speaker turns for the diarization error rate, when the reference has none
``tone_rating``, ``wording_rating``
    a person's rating of the agent's tone and wording, 1-5
``note``
    anything; copied to the results

The ``roles.tsv`` of a labelled call set (``file``, ``agent``, ``note``) is
read as it is: a label this cannot interpret (a name, "see .txt") leaves the
call out of the agent accuracy, and the results say so.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ToneCoachError
from .references import clock_seconds

__all__ = ["AgentLabel", "CallLabel", "parse_agent_label", "read_labels", "REFERENCE_SUFFIXES"]

REFERENCE_SUFFIXES = (".json", ".srt", ".stm", ".txt")


@dataclass(frozen=True)
class AgentLabel:
    """``kind``: channel, order, at, ref, name or unknown; ``value`` what it names."""

    kind: str
    value: str | int | float
    text: str

    @property
    def usable(self) -> bool:
        return self.kind != "unknown"


@dataclass(frozen=True)
class CallLabel:
    file: str
    agent: AgentLabel
    reference: str | None = None
    rttm: str | None = None
    tone_rating: float | None = None
    wording_rating: float | None = None
    note: str = ""


_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3}


def parse_agent_label(text: str) -> AgentLabel:
    """Interpret the ``agent`` column (see the module docstring)."""
    t = (text or "").strip()
    low = t.lower()
    if low in ("left", "right"):
        return AgentLabel("channel", low, t)
    m = re.fullmatch(r"(first|1st|second|2nd|third|3rd)(\s+(speaker|voice))?", low)
    if m:
        return AgentLabel("order", _ORDINALS[m.group(1)], t)
    m = re.fullmatch(r"at[:\s]\s*([\d:.]+)\s*s?", low)
    if m:
        try:
            return AgentLabel("at", clock_seconds(m.group(1)), t)
        except ValueError:
            return AgentLabel("unknown", t, t)
    m = re.fullmatch(r"ref:\s*(.+)|\[([^\]]+)\]", t)
    if m:
        return AgentLabel("ref", (m.group(1) or m.group(2)).strip(), t)
    if re.fullmatch(r"S\d+", t):
        return AgentLabel("name", t, t)
    return AgentLabel("unknown", t, t)


def _rating(value: str | None, where: str) -> float | None:
    if value is None or not str(value).strip():
        return None
    try:
        r = float(value)
    except ValueError:
        raise ToneCoachError(f"{where}: a rating must be a number from 1 to 5, not {value!r}") from None
    if not 1 <= r <= 5:
        raise ToneCoachError(f"{where}: a rating must be from 1 to 5, not {r:g}")
    return r


def read_labels(path: str | Path) -> list[CallLabel]:
    """Read a labels CSV/TSV (the delimiter is taken from the header line)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ToneCoachError(f"could not read the labels {p}: {exc}") from None
    lines = text.splitlines()
    if not lines:
        raise ToneCoachError(f"{p}: the labels file is empty")
    delim = "\t" if "\t" in lines[0] else ","
    reader = csv.DictReader(lines, delimiter=delim)
    cols = {c.strip().lower() for c in (reader.fieldnames or []) if c}
    rows = list(reader)
    if not {"file", "agent"} <= cols:
        raise ToneCoachError(f"{p}: the header must name at least the columns 'file' and 'agent' (it has: "
                             f"{', '.join(sorted(cols)) or 'nothing'})")
    out = []
    for n, row in enumerate(rows, start=2):
        if None in row:
            raise ToneCoachError(f"{p} line {n}: more fields than the header names (put a field that holds "
                                 f"the delimiter in double quotes)")
        r = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        if not r.get("file"):
            continue
        where = f"{p} line {n}"
        out.append(CallLabel(
            file=r["file"], agent=parse_agent_label(r.get("agent", "")), reference=r.get("reference") or None,
            rttm=r.get("rttm") or None, tone_rating=_rating(r.get("tone_rating"), where),
            wording_rating=_rating(r.get("wording_rating"), where), note=r.get("note", ""),
        ))
    return out
