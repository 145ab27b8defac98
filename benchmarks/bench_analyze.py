"""Speed and memory of the analysis, against plain faster-whisper on the same file.

For each test call (at least 60 s) it times, over several runs: decoding,
transcription, prosody, scoring and the whole analysis (once as the tone
analysis alone, once with speaker separation and wording scores), and in the same run
plain sequential faster-whisper transcription of the same samples with the
same model and word timestamps. It prints medians and real-time factors
(seconds of processing per second of audio). With ``--memory`` it also
measures the peak resident memory of analysing a 30-minute call in a fresh
process.

With ``--cold`` it measures as a user runs it: whole fresh processes, run by
run interleaved, of ``tonecoach analyze FILE --json ...`` against a plain
faster-whisper script (same ``base`` int8 model, word timestamps, VAD, every
channel of the file, detected language), once with the sequential decoder,
once with faster-whisper's batched pipeline, and once with the batched
pipeline after finding the language and with tonecoach's filler prompt where
it has one for that language (the same decoding work as tonecoach's
transcription stage: the prompt makes Whisper write the "um"s and "uh"s the
plain pipeline leaves out, some 16% more tokens on English calls). The calls: a mono call of
several voices (at least 150 s), a stereo 8 kHz call (at least 180 s) and a
non-English call, from ``../shared/data/realcalls``. It prints each stage's
time from the report, the process start and model loads (the rest of the
wall time), the peak memory of each process and the ratios.

    .venv/bin/python benchmarks/bench_analyze.py [--runs 3] [--memory]
    .venv/bin/python benchmarks/bench_analyze.py --cold [--runs 3] [FILE ...]
"""

from __future__ import annotations

import argparse
import json
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

from tonecoach.analysis.audio import load  # noqa: E402
from tonecoach.analyzer import Analyzer  # noqa: E402

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


# -- whole cold processes (--cold) ------------------------------------------------------------

PLAIN_SCRIPT = r"""
import sys, time
t0 = time.perf_counter()
sys.path.insert(0, sys.argv[1])
from faster_whisper import BatchedInferencePipeline, WhisperModel
from tonecoach.analysis.asr import FILLER_PROMPTS
from tonecoach.analysis.audio import load
from tonecoach.models import resolve_whisper_model
model = WhisperModel(resolve_whisper_model("base").path, device="cpu", compute_type="int8")
t1 = time.perf_counter()
a = load(sys.argv[2])
words = 0
for y in ([a.mono] if a.channels == 1 else list(a.samples)):
    if sys.argv[3] == "batched":
        segs, info = BatchedInferencePipeline(model).transcribe(y, batch_size=4, beam_size=5, word_timestamps=True,
                                                               vad_filter=True)
    elif sys.argv[3] == "batched-prompt":
        # as tonecoach decodes: the language first, then the filler prompt where it has one for that language
        lang = model.detect_language(y, vad_filter=True)[0]
        segs, info = BatchedInferencePipeline(model).transcribe(y, batch_size=4, beam_size=5, word_timestamps=True,
                                                               vad_filter=True, language=lang,
                                                               initial_prompt=FILLER_PROMPTS.get(lang))
    else:
        segs, info = model.transcribe(y, beam_size=5, word_timestamps=True, vad_filter=True)
    words += sum(len(s.words or ()) for s in segs)
print("PLAIN", t1 - t0, time.perf_counter() - t1, words, info.language)
"""


#: The plain faster-whisper scripts: sequential, batched, and batched after the language and tonecoach's filler prompt
#: (the same decoding work as tonecoach's transcription stage, which writes the fillers the plain pipeline leaves out).
PLAIN_MODES = ("sequential", "batched", "batched-prompt")

#: The analysis in a fresh process with some of its options changed (for --breakdown): what the transcription
#: stage costs with nothing running beside it, and without the filler prompt.
ANALYZE_SCRIPT = r"""
import json, sys
from dataclasses import replace
sys.path.insert(0, sys.argv[1])
from tonecoach.analyzer import Analyzer, AnalyzerOptions
o = AnalyzerOptions(run_ahead=False)
if sys.argv[3] == "no-fillers":
    o = replace(o, transcription=replace(o.transcription, keep_fillers=False))
r = Analyzer(o).analyze(sys.argv[2])
print("TIMINGS", json.dumps(r.timings_s))
"""

#: The variants of --breakdown: label, then the argument ANALYZE_SCRIPT reads.
BREAKDOWN = [("analyze, nothing run ahead", "alone"), ("... and no filler prompt", "no-fillers")]


def _timed_child(cmd: list[str]) -> tuple[float, int, str]:
    """Run ``cmd`` under ``os.wait4``: wall time (s), the child's own peak resident memory (KB), its stdout."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[:4])} ... failed: {err.read().strip()[-400:]}")
        return wall, int(usage.ru_maxrss), out.read()


def cold_calls(tmp: Path) -> list[tuple[str, Path]]:
    """The three calls of the cold benchmark (labelled real calls), the non-English one cut to 180 s."""
    real = SHARED / "realcalls"
    if not real.is_dir():
        return []
    import soundfile as sf

    out = [("mono, several voices", real / "aws_pca_auto0_chrisl_mono.wav"),
           ("stereo 8 kHz", real / "aws_lca_autorepairs49_stereo.wav")]
    pl = real / "axon_pl_1735556115_custservice.mp3"
    if pl.exists():
        a = load(str(pl))
        cut = tmp / "polish_call_180s.flac"
        sf.write(str(cut), a.mono[: 180 * a.sample_rate], a.sample_rate)
        out.append(("Polish, mono", cut))
    return [(k, p) for k, p in out if p.exists()]


def bench_cold(calls: list[tuple[str, Path]], runs: int, tmp: Path, *, breakdown: bool = False) -> None:
    tonecoach = str(Path(sys.executable).with_name("tonecoach"))
    script = tmp / "plain_faster_whisper.py"
    script.write_text(PLAIN_SCRIPT)
    variant = tmp / "analyze_variant.py"
    variant.write_text(ANALYZE_SCRIPT)
    print("whole fresh processes, interleaved run by run; medians; peak = the process's own peak resident memory")
    for kind, path in calls:
        duration = load(str(path)).duration_s
        res: dict[str, list] = {"analyze": [], **{m: [] for m in PLAIN_MODES}, **{k: [] for _, k in BREAKDOWN}}
        for _ in range(runs):
            js = tmp / "report.json"
            wall, peak, _ = _timed_child([tonecoach, "analyze", str(path), "--json", str(js), "--quiet", "--progress", "never"])

            res["analyze"].append((wall, peak, json.loads(js.read_text())["timings_s"]))
            for mode in PLAIN_MODES:
                wall, peak, out = _timed_child([sys.executable, str(script), str(ROOT), str(path), mode])
                _, load_s, tr_s, words, lang = next(x for x in out.splitlines() if x.startswith("PLAIN")).split()
                res[mode].append((wall, peak, {"load": float(load_s), "transcribe": float(tr_s)}))
            for _, key in BREAKDOWN if breakdown else ():
                wall, peak, out = _timed_child([sys.executable, str(variant), str(ROOT), str(path), key])
                res[key].append((wall, peak, json.loads(next(x for x in out.splitlines() if x.startswith("TIMINGS"))[8:])))
        med = lambda rows, f: statistics.median(f(r) for r in rows)  # noqa: E731
        a_wall, seq_wall, bat_wall = (med(res[k], lambda r: r[0]) for k in ("analyze", "sequential", "batched"))
        print(f"\n{kind}: {path.name}, {duration:.0f} s of audio, {runs} runs")
        print(f"  plain sequential faster-whisper  {seq_wall:6.1f} s  (model load {med(res['sequential'], lambda r: r[2]['load']):.1f}, "
              f"transcription {med(res['sequential'], lambda r: r[2]['transcribe']):.1f})  peak {med(res['sequential'], lambda r: r[1]) / 1024:.0f} MB")
        print(f"  plain batched faster-whisper     {bat_wall:6.1f} s  (model load {med(res['batched'], lambda r: r[2]['load']):.1f}, "
              f"transcription {med(res['batched'], lambda r: r[2]['transcribe']):.1f})  peak {med(res['batched'], lambda r: r[1]) / 1024:.0f} MB")
        print(f"  plain batched + filler prompt    {med(res['batched-prompt'], lambda r: r[0]):6.1f} s  (transcription "
              f"{med(res['batched-prompt'], lambda r: r[2]['transcribe']):.1f}: the language found first, then decoded "
              f"after tonecoach's filler prompt where it has one)")
        stages = sorted({k for r in res["analyze"] for k in r[2]}, key=list(res["analyze"][0][2]).index)
        total = med(res["analyze"], lambda r: r[2].get("total", 0.0))
        print(f"  tonecoach analyze                {a_wall:6.1f} s  peak {med(res['analyze'], lambda r: r[1]) / 1024:.0f} MB")
        for k in stages:
            if k != "total":
                print(f"    {k:<22} {med(res['analyze'], lambda r, k=k: r[2].get(k, 0.0)):6.2f} s")
        print(f"    {'process start, imports':<22} {a_wall - total:6.2f} s  (the wall time outside the analysis)")
        bat_tr = med(res["batched"], lambda r: r[2]["transcribe"])
        print(f"  ratio analyze / plain sequential: {a_wall / seq_wall:.2f}   analyze / plain batched: {a_wall / bat_wall:.2f}   "
              f"transcription stage / batched transcription: "
              f"{med(res['analyze'], lambda r: r[2].get('transcribe', 0.0)) / bat_tr:.2f}   "
              f"... / batched with the same prompt: "
              f"{med(res['analyze'], lambda r: r[2].get('transcribe', 0.0)) / med(res['batched-prompt'], lambda r: r[2]['transcribe']):.2f}")
        for label, key in BREAKDOWN if breakdown else ():
            tr = med(res[key], lambda r: r[2].get("transcribe", 0.0))
            print(f"  {label:<31}  {med(res[key], lambda r: r[0]):6.1f} s  (transcription stage {tr:.1f}: "
                  f"{tr / bat_tr:.2f} of batched; whole / plain sequential {med(res[key], lambda r: r[0]) / seq_wall:.2f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--memory", action="store_true", help="also measure peak memory on a 30-minute call")
    ap.add_argument("--cold", action="store_true", help="whole fresh processes against plain faster-whisper scripts")
    ap.add_argument("--breakdown", action="store_true",
                    help="with --cold: also the analysis with nothing run beside the transcription, and that "
                         "without the filler prompt (where the transcription stage's time goes)")
    ap.add_argument("files", nargs="*", help="calls to time (default: the stereo sample and the joined real clips)")
    args = ap.parse_args()
    print(f"cores: {os.cpu_count()}, python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f}")
    if args.cold:
        with tempfile.TemporaryDirectory() as d:
            calls = [(Path(f).name, Path(f)) for f in args.files] or cold_calls(Path(d))
            if not calls:
                print("no calls: give files, or put ../shared/data/realcalls beside the repository")
                return
            bench_cold(calls, args.runs, Path(d), breakdown=args.breakdown)
        return
    from tonecoach.analysis.diarize import DiarizationOptions
    from tonecoach.analyzer import AnalyzerOptions
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
