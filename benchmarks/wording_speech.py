#!/usr/bin/env python3
"""Non-English speech: direct scoring of the transcript versus scoring Whisper's English translation.

    .venv/bin/python benchmarks/wording_speech.py            # the Polish call of ../shared/data/realcalls

The Polish contact-centre call (``axon_pl_1735556115_custservice``) comes
with a timestamped Polish transcript and an English translation per turn
(the vendor's; not known to be checked by a person). Each reference turn's
audio is transcribed by Whisper (``base``, Polish forced) and translated by
Whisper (the ``translate`` task), then:

* **direct**: the multilingual heads read Whisper's Polish transcript;
* **translation**: the English heads read Whisper's English translation;
* **reference**: the English heads read the vendor's English translation,
  the nearest thing to a label this call has.

It prints, per score, the Spearman correlation of direct and of translation
with the reference across turns, the seconds each costs, and for the
transcript checks (tonecoach/wording/reliability.py) the word error rate of
the turns they pass against the turns they flag.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import wording_data as D  # noqa: E402

CALL = "axon_pl_1735556115_custservice"


def reference_turns(txt: Path) -> list[dict]:
    """(start_s, end_s, pl, en) per turn from the vendor's text file (blocks 'HH:MM:SS' then the turn)."""
    text = txt.read_text(encoding="utf-8")
    def blocks(section: str) -> list[tuple[float, str]]:
        part = text.split(f"{section} transcription", 1)[1]
        part = part.split(" transcription", 1)[0] if section == "EN" else part
        out = []
        for m in re.finditer(r"(\d\d):(\d\d):(\d\d)\n(.+?)(?=\n\s*\n\d\d:\d\d:\d\d|\n\s*\n[A-Z][A-Z] transcription|\Z)", part, re.S):
            h, mi, s, body = m.groups()
            out.append((3600 * int(h) + 60 * int(mi) + int(s), re.sub(r"\n\s*[A-Z]{2}$", "", body.strip()).strip()))
        return out
    en, pl = blocks("EN"), blocks("PL")
    en_by = dict(en)
    turns = []
    for i, (t, body) in enumerate(pl):
        end = pl[i + 1][0] if i + 1 < len(pl) else t + 15
        if t in en_by:
            turns.append({"start_s": float(t), "end_s": float(end), "pl": body, "en": en_by[t]})
    return turns


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=D.shared_text_dir().parent / "realcalls")
    ap.add_argument("--model", default="base", help="Whisper model")
    ap.add_argument("--min-words", type=int, default=3)
    ap.add_argument("--json", type=Path, help="also write every turn here")
    args = ap.parse_args(argv)
    audio_p, txt_p = args.data / f"{CALL}.mp3", args.data / f"{CALL}.txt"
    if not audio_p.is_file():
        print(f"(no {audio_p}: nothing to measure)")
        return 0
    from scipy.stats import spearmanr

    from tonecoach.analysis.asr import Transcriber, TranscriptionOptions
    from tonecoach.analysis.audio import load
    from tonecoach.report import Segment
    from tonecoach.wording.markers import find_markers
    from tonecoach.wording.model import WordingModel
    from tonecoach.wording.reliability import turn_reliability

    turns = [t for t in reference_turns(txt_p) if len(t["pl"].split()) >= args.min_words]
    audio = load(str(audio_p))
    y, sr = audio.mono, audio.sample_rate
    tr = Transcriber(TranscriptionOptions(model=args.model, engine="sequential"))
    model = WordingModel()
    t_asr = t_tr = 0.0
    rows = []
    for t in turns:
        clip = y[int(t["start_s"] * sr): int(t["end_s"] * sr)]
        if len(clip) < sr:
            continue
        a = time.perf_counter()
        asr = tr.transcribe(clip, language="pl")
        b = time.perf_counter()
        en = tr.transcribe(clip, language="pl", task="translate")
        c = time.perf_counter()
        t_asr += b - a
        t_tr += c - b
        if not asr.text.strip() or not en.text.strip():
            continue
        seg = Segment(t["start_s"], t["end_s"], "S", asr.text, asr.words)
        chk = turn_reliability(0, seg, language="pl", asr=[(s.start_s, s.end_s, s.avg_logprob) for s in asr.segments])
        rows.append({**t, "asr_pl": asr.text, "asr_en": en.text, "reliable": chk.reliable, "reasons": chk.reasons,
                     "mean_word_probability": chk.mean_word_probability, "avg_logprob": chk.avg_logprob})
    print(f"{len(rows)} turns of {CALL} ({len(turns)} reference turns of {args.min_words}+ words)")
    if not rows:
        return 0

    def scores(texts, lang):
        return model.score(texts, [[m.category for m in find_markers(x, language=lang)] for x in texts], language=lang)

    ref = scores([r["en"] for r in rows], "en")
    direct = scores([r["asr_pl"] for r in rows], "pl")
    direct_ref = scores([r["pl"] for r in rows], "pl")
    trans = scores([r["asr_en"] for r in rows], "en")
    rng = np.random.default_rng(0)
    for label, keep in (("all turns", [True] * len(rows)), ("turns that pass the transcript checks", [r["reliable"] for r in rows])):
        idx = np.flatnonzero(keep)
        print(f"\n{label} ({len(idx)}): Spearman with the reference English; [95% bootstrap interval of direct - translation]")
        print(f"{'score':<12}{'direct (ASR pl)':>17}{'translation':>13}{'direct (ref pl)':>17}{'difference':>24}")
        for k in ("politeness", "warmth", "sentiment"):
            r0 = np.array([ref[i][k] for i in idx])
            d, t_, dr = (np.array([s[i][k] for i in idx]) for s in (direct, trans, direct_ref))
            boots = []
            for _ in range(1000):
                b = rng.integers(0, len(idx), len(idx))
                boots.append(spearmanr(d[b], r0[b])[0] - spearmanr(t_[b], r0[b])[0])
            lo, hi = np.nanpercentile(boots, [2.5, 97.5])
            print(f"{k:<12}{spearmanr(d, r0)[0]:>17.3f}{spearmanr(t_, r0)[0]:>13.3f}{spearmanr(dr, r0)[0]:>17.3f}"
                  f"{f'[{lo:+.2f}, {hi:+.2f}]':>24}")
    print(f"\nWhisper time over these turns: transcription {t_asr:.1f} s, the extra translation pass {t_tr:.1f} s "
          f"({t_tr / max(t_asr, 1e-9):.0%} more)")
    try:
        import jiwer
    except ImportError:
        return 0
    def norm(s):
        return re.sub(r"[^\w\s]", " ", s.lower())
    wer = [jiwer.wer(norm(r["pl"]), norm(r["asr_pl"])) for r in rows]
    ok = [w for w, r in zip(wer, rows) if r["reliable"]]
    bad = [w for w, r in zip(wer, rows) if not r["reliable"]]
    print(f"\ntranscript checks: {len(ok)} turns pass (median WER against the reference {np.median(ok) if ok else float('nan'):.2f}), "
          f"{len(bad)} flagged (median WER {np.median(bad) if bad else float('nan'):.2f})")
    for r, w in zip(rows, wer):
        if not r["reliable"]:
            print(f"   {r['start_s']:>6.0f} s  WER {w:.2f}  {'; '.join(r['reasons'])[:110]}")
    mp = np.array([r["mean_word_probability"] or 0.0 for r in rows])
    print(f"   Spearman of mean word probability with WER across turns: {spearmanr(mp, wer)[0]:.3f}")
    for cut in (0.45, 0.55, 0.65):
        sel = mp >= cut
        print(f"   mean word probability >= {cut}: {int(sel.sum())} turns, median WER {np.median(np.array(wer)[sel]) if sel.any() else float('nan'):.2f}")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "wer": wer}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
