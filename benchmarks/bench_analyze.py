"""Speed and memory of the analysis, against plain faster-whisper on the same file.

For each test call (at least 60 s) it times, over several runs: decoding,
transcription, prosody, scoring and the whole analysis (once as the tone
analysis alone, once with speaker separation and wording scores), and in the same run
plain sequential faster-whisper transcription of the same samples with the
same model and word timestamps. It prints medians and real-time factors
(seconds of processing per second of audio). With ``--memory`` it also
measures the peak resident memory of analysing a 30-minute call in a fresh
process.

    .venv/bin/python benchmarks/bench_analyze.py [--runs 3] [--memory]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tonecoach.analyzer import Analyzer  # noqa: E402
from tonecoach.audio import load  # noqa: E402

SHARED = Path(os.environ.get("TONECOACH_SHARED_DATA") or ROOT.parent / "shared" / "data")
REAL_CLIPS = ["whisper_jfk.flac", "librispeech-1995-1837-0001.wav", "leopard_test_en.wav", "OSR_us_000_0034_8k.wav"]


def real_speech_call(tmp: Path) -> Path | None:
    """The four English evaluation clips joined into one >60 s mono call (0.7 s gaps)."""
    if not (SHARED / "speech_en").is_dir():
        return None
    import soundfile as sf

    parts = []
    for c in REAL_CLIPS:
        parts.append(load(str(SHARED / "speech_en" / c)).mono)
        parts.append(np.zeros(int(0.7 * 16000), np.float32))
    out = tmp / "real_speech_concat.wav"
    sf.write(str(out), np.concatenate(parts), 16000)
    return out


def plain_faster_whisper(path: Path, model_dir: str, threads: int) -> float:
    from faster_whisper import WhisperModel

    model = _MODELS.setdefault(model_dir, WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=threads))
    samples = load(str(path)).mono
    t = time.perf_counter()
    segments, _ = model.transcribe(samples, beam_size=5, word_timestamps=True)
    list(segments)
    return time.perf_counter() - t


_MODELS: dict = {}


def bench(path: Path, runs: int, analyzers: dict[str, Analyzer]) -> None:
    """Time each analyzer configuration and plain faster-whisper, interleaved run by run."""
    duration = load(str(path)).duration_s
    for a in analyzers.values():
        a.analyze(str(path))  # warm-up: model load, caches
    stages: dict[str, dict[str, list[float]]] = {name: {} for name in analyzers}
    plain: list[float] = []
    first = next(iter(analyzers.values()))
    for _ in range(runs):
        for name, a in analyzers.items():
            r = a.analyze(str(path))
            for k, v in r.timings_s.items():
                stages[name].setdefault(k, []).append(v)
        plain.append(plain_faster_whisper(path, first.transcriber.resolved.path, first.transcriber.options.cpu_threads))
    p = statistics.median(plain)
    print(f"\n{path.name}: {duration:.1f} s of audio, {runs} runs, medians")
    print(f"  {'plain fw':<12} {p:7.2f} s   RTF {p / duration:.3f}   (sequential faster-whisper, base int8, word timestamps)")
    for name, st in stages.items():
        print(f"  [{name}]")
        for k, v in st.items():
            print(f"    {k:<10} {statistics.median(v):7.2f} s   RTF {statistics.median(v) / duration:.3f}")
        total = statistics.median(st["total"])
        print(f"    ratio analysis / plain transcription: {total / p:.2f}")


def peak_memory_30min(sample: Path) -> None:
    """Tile a sample call to 30 minutes and analyse it in a fresh process; report its peak RSS."""
    import soundfile as sf

    a = load(str(sample))
    reps = int(np.ceil(1800 / a.duration_s))
    y = np.tile(a.samples, (1, reps))[:, : 1800 * 16000]
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "thirty_minutes.flac"
        sf.write(str(p), y.T, 16000)
        # the child reports its own peak: RUSAGE_CHILDREN would be the largest of every child this process ever had
        code = ("import resource, sys, time; sys.path.insert(0, %r); from tonecoach.analyzer import Analyzer; "
                "t=time.time(); r=Analyzer().analyze(%r); "
                "print('%%.1f s, %%d segments, peak %%d' %% (time.time()-t, len(r.segments), "
                "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))" % (str(ROOT), str(p)))
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        line = out.stdout.strip()
        if out.returncode != 0 or " peak " not in line:
            print(f"\n30-minute call: failed: {out.stderr.strip()[-300:]}")
            return
        head, peak_kb = line.rsplit(", peak ", 1)
        kind = "stereo" if a.channels == 2 else "mono"
        print(f"\n30-minute call ({sample.name} tiled, {kind}): {head}")
        print(f"  peak resident memory: {int(peak_kb) / 1024:.0f} MB  (target <= 1536 MB)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--memory", action="store_true", help="also measure peak memory on a 30-minute call")
    ap.add_argument("files", nargs="*", help="calls to time (default: the stereo sample and the joined real clips)")
    args = ap.parse_args()
    print(f"cores: {os.cpu_count()}, python {sys.version.split()[0]}")
    from tonecoach.analyzer import AnalyzerOptions
    from tonecoach.diarize import DiarizationOptions
    from tonecoach.wording.call import WordingOptions

    tone_only = Analyzer(AnalyzerOptions(diarization=DiarizationOptions(enabled=False), wording=WordingOptions(enabled=False)))
    full = Analyzer(transcriber=tone_only.transcriber)
    # "tone" is decode + transcription + prosody + tone scoring (target: no slower than plain transcription);
    # "full" adds speaker separation on mono calls and the wording scores
    analyzers = {"tone": tone_only, "full": full}
    with tempfile.TemporaryDirectory() as d:
        files = [Path(f) for f in args.files]
        if not files:
            files = [ROOT / "samples" / "stereo_call_8k.wav"]
            real = real_speech_call(Path(d))
            if real:
                files.insert(0, real)
        for f in files:
            bench(f, args.runs, analyzers)
        if args.memory:
            peak_memory_30min(ROOT / "samples" / "stereo_call_8k.wav")  # two channels
            if files and files[0].name == "real_speech_concat.wav":
                peak_memory_30min(files[0])  # one channel: speaker separation runs too


if __name__ == "__main__":
    main()
