"""How accurate the analysis is on real speech nobody on this team made (../shared/data).

Prints, per clip:

- word error rate (jiwer, normalised text, fillers left out) of the whole
  analysis with the ``base`` model and the filler prompt, and of plain
  faster-whisper ``base`` on the same samples (so the prompt's cost shows);
- the pitch variability (SD in semitones) tonecoach measures against Praat's
  (two-pass, speaker-adapted range), the share of frames where both agree on
  voicing, the gross pitch error (off by over 20%) where both hear a voice,
  and Praat's plain single 65-400 Hz pass for comparison;
- pauses over 0.8 s in the Harvard sentences clip (10 sentences: 9 or more).

The tests assert the targets (WER <= 5%, SD within 0.5 semitone, voicing
agreement >= 85%); this prints the values.

    .venv/bin/python benchmarks/accuracy.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tonecoach.analysis import prosody as P  # noqa: E402
from tonecoach.analysis.audio import load  # noqa: E402
from tonecoach.analyzer import Analyzer  # noqa: E402
from tonecoach.evaluation import normalise_text, praat_pitch  # noqa: E402

SHARED = Path(os.environ.get("TONECOACH_SHARED_DATA") or ROOT.parent / "shared" / "data")
CLIPS = ["whisper_jfk.flac", "librispeech-1995-1837-0001.wav", "leopard_test_en.wav", "OSR_us_000_0034_8k.wav"]


def plain_text(path: Path, model_dir: str) -> str:
    from faster_whisper import WhisperModel

    model = _MODEL.setdefault("m", WhisperModel(model_dir, device="cpu", compute_type="int8"))
    segments, _ = model.transcribe(load(str(path)).mono, beam_size=5, word_timestamps=True)
    return " ".join(s.text for s in segments)


_MODEL: dict = {}


def main() -> None:
    import jiwer
    import parselmouth

    if not (SHARED / "speech_en").is_dir():
        sys.exit(f"{SHARED} is absent: nothing to measure")
    analyzer = Analyzer()
    print(f"{'clip':<34} {'WER':>6} {'plain':>6}   {'SD ours':>7} {'Praat':>6} {'diff':>6}  {'voicing':>7} {'GPE':>5}  "
          f"{'Praat 1-pass SD':>15}")
    for clip in CLIPS:
        path = SHARED / "speech_en" / clip
        ref = normalise_text(path.with_suffix(".txt").read_text())
        report = analyzer.analyze(str(path))
        wer = jiwer.wer(ref, normalise_text(report.transcript))
        wer_plain = jiwer.wer(ref, normalise_text(plain_text(path, analyzer.transcriber.resolved.path)))
        a = load(str(path))
        track = P.pitch_track(a.mono, sr=a.sample_rate)
        t, f0 = praat_pitch(a.mono, a.sample_rate, hop_s=track.hop_s)
        v = f0 > 0
        sd_praat = float(np.std(12 * np.log2(f0[v])))
        sd = P.pitch_stats(track).sd_semitones
        idx = np.clip(np.round(t / track.hop_s).astype(int), 0, len(track.voiced) - 1)
        agree = float(np.mean(track.voiced[idx] == v))
        both = track.voiced[idx] & v
        gpe = float(np.mean(np.abs(track.f0_hz[idx][both] / f0[both] - 1) > 0.2))
        single = parselmouth.Sound(a.mono.astype(np.float64), sampling_frequency=a.sample_rate).to_pitch(
            time_step=track.hop_s, pitch_floor=65.0, pitch_ceiling=400.0).selected_array["frequency"]
        sd_single = float(np.std(12 * np.log2(single[single > 0])))
        print(f"{clip:<34} {wer:6.1%} {wer_plain:6.1%}   {sd:7.2f} {sd_praat:6.2f} {sd - sd_praat:+6.2f}  {agree:7.1%} "
              f"{gpe:5.1%}  {sd_single:15.2f}")
        if clip.startswith("OSR_"):
            words = [w for s in report.segments for w in s.words]
            print(f"  Harvard sentences: {P.pause_stats(words, min_pause_s=0.8).count} pauses over 0.8 s (10 sentences)")


if __name__ == "__main__":
    main()
