"""How many filler words ("um", "uh", "like") the transcription keeps, with and without the filler prompt.

Two sets, each with the words known:

- the bundled samples (``samples/manifest.json`` holds the script each was
  synthesised from);
- a disfluent set synthesised here at run time with espeak-ng (three voices,
  two speeds): agent lines with "um", "uh", "er" and filler "like" in known
  places. Nothing is written into the repository.

The evaluation recordings in ../shared/data are read speech with no fillers:
tests/test_real_speech.py shows that the prompt costs them no accuracy.

For each set it prints the fillers in the truth, how many each setting
recovered (capped at the truth per line), and the word error rate of the
other words, so a gain in fillers is not bought with accuracy.

    .venv/bin/python benchmarks/fillers.py
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tonecoach.analysis.asr import Transcriber, TranscriptionOptions  # noqa: E402
from tonecoach.analyzer import Analyzer, AnalyzerOptions  # noqa: E402

FILLERS = {"um", "uh", "umm", "uhm", "erm", "er", "hmm"}

#: Disfluent agent lines; "like" counts as a filler only where it is marked "like,".
DISFLUENT = [
    "Um, let me just check that for you.",
    "So, uh, your bill went up because of the, um, estimated reading.",
    "I can, uh, book an engineer for, like, Tuesday morning.",
    "Er, could you give me your, um, account number please?",
    "It was, like, a one off charge, uh, from last month.",
    "Um, I'm sorry, uh, I didn't catch that.",
    "We can, um, spread the payment over, like, three months.",
    "Uh, yes, that's, um, the right address.",
    "So, like, the meter reading was, uh, higher than usual.",
    "Let me, um, put you through to, er, the billing team.",
]
VOICES = [("en-us", 150), ("en-us+f3", 170), ("en", 135)]


def count(text: str) -> int:
    """Filler tokens, plus "like" where it is set off as a filler ("like," / ", like")."""
    low = text.lower()
    n = sum(1 for w in re.findall(r"[\w']+", low) if w in FILLERS)
    return n + len(re.findall(r"(?:^|,\s*)like,", low))


def content_words(text: str) -> str:
    words = re.findall(r"[\w']+", re.sub(r"(?:^|,\s*)like,", ",", text.lower()))
    return " ".join(w for w in words if w not in FILLERS)


def wer(ref: str, hyp: str) -> float:
    import jiwer

    return jiwer.wer(ref, hyp) if ref else 0.0


def synthetic_set(tmp: Path) -> list[tuple[str, dict[str, str], Path]]:
    if not shutil.which("espeak-ng"):
        print("espeak-ng is not installed: skipping the synthetic disfluent set")
        return []
    out = []
    for v, (voice, speed) in enumerate(VOICES):
        for i, text in enumerate(DISFLUENT):
            wav = tmp / f"disfluent_{v}_{i}.wav"
            subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(wav), text], check=True)
            out.append((f"{voice}/{i}", {"S1": text}, wav))
    return out


def sample_set() -> list[tuple[str, dict[str, str], Path]]:
    """Each sample with the script of each speaker as the analyzer names them (left/right, or S1 for mono)."""
    manifest = json.loads((ROOT / "samples" / "manifest.json").read_text())
    out = []
    for e in manifest["files"]:
        names = ["left", "right"] if e.get("channels") == 2 else [None]
        texts = {n or "S1": " ".join(t["text"] for t in e["turns"] if t.get("channel") == n) for n in names}
        out.append((e["file"], texts, ROOT / e["path"]))
    return out


def evaluate(name: str, items, engines) -> None:
    """Print filler recall and the WER of the other words, per setting."""
    truth_total, got, errs = 0, {k: 0 for k in engines}, {k: [] for k in engines}
    for _label, texts, path in items:
        heard = {}
        for flag, tr in engines.items():
            # the whole analysis, so stereo channels are split and the other party's bleed is muted
            report = Analyzer(AnalyzerOptions(transcription=tr.options), transcriber=tr).analyze(str(path))
            heard[flag] = {sp: " ".join(s.text for s in report.segments if s.speaker == sp) for sp in texts}
        for sp, text in texts.items():
            truth = count(text)
            for flag in engines:
                got[flag] += min(count(heard[flag][sp]), truth)
                errs[flag].append(wer(content_words(text), content_words(heard[flag][sp])))
            truth_total += truth
    mean = {k: sum(v) / len(v) if v else 0.0 for k, v in errs.items()}
    print(f"{name:<26} fillers {truth_total:>3}   with prompt {got[True]:>3} ({got[True] / max(truth_total, 1):.0%}), "
          f"WER of other words {mean[True]:.1%}   without {got[False]:>3} ({got[False] / max(truth_total, 1):.0%}), "
          f"WER {mean[False]:.1%}")


def main() -> None:
    engines = {flag: Transcriber(TranscriptionOptions(keep_fillers=flag, language="en")) for flag in (True, False)}
    with tempfile.TemporaryDirectory() as tmp:
        evaluate("bundled samples", sample_set(), engines)
        items = synthetic_set(Path(tmp))
        if items:
            evaluate("synthetic disfluent lines", items, engines)


if __name__ == "__main__":
    main()
