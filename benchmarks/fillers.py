"""How many filler words ("um", "uh") the transcription keeps, with and without the filler prompt.

The truth comes from samples/manifest.json (the script each sample was
synthesised from); the evaluation recordings in ../shared/data are read
speech with no fillers, so they only show that the prompt costs no accuracy
(see tests/test_real_speech.py).

    .venv/bin/python benchmarks/fillers.py
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tonecoach.asr import Transcriber, TranscriptionOptions  # noqa: E402
from tonecoach.audio import load  # noqa: E402

FILLERS = {"um", "uh", "umm", "uhm", "erm", "er", "hmm"}


def count(text: str) -> int:
    return sum(1 for w in re.findall(r"[\w']+", text.lower()) if w in FILLERS)


def main() -> None:
    manifest = json.loads((ROOT / "samples" / "manifest.json").read_text())
    engines = {flag: Transcriber(TranscriptionOptions(keep_fillers=flag)) for flag in (True, False)}
    totals = {True: 0, False: 0}
    truth_total = 0
    print(f"{'file':<28} {'truth':>5} {'prompt':>7} {'plain':>6}")
    for entry in manifest["files"]:
        truth = sum(count(t["text"]) for t in entry["turns"])
        if not truth:
            continue
        audio = load(str(ROOT / entry["path"]))
        got = {}
        for flag, tr in engines.items():
            n = 0
            for ch in range(audio.channels):
                n += count(tr.transcribe(audio.samples[ch]).text)
            got[flag] = n
            totals[flag] += min(n, truth)
        truth_total += truth
        print(f"{entry['file']:<28} {truth:>5} {got[True]:>7} {got[False]:>6}")
    print(f"recovered: with the filler prompt {totals[True]}/{truth_total}, without {totals[False]}/{truth_total}")


if __name__ == "__main__":
    main()
