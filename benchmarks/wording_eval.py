#!/usr/bin/env python3
"""Evaluate the wording scores: politeness accuracy, warmth correlation, speed, and the lexicons by example.

    .venv/bin/python benchmarks/wording_eval.py              # everything (needs ../shared/data/text)
    .venv/bin/python benchmarks/wording_eval.py --skip-cv    # speed and examples only

Prints:
1. politeness accuracy under the protocol of Danescu-Niculescu-Mizil et al.
   2013 (top vs bottom quartile, 10-fold CV) for the shipped configuration and
   the plain-embedding baseline, with the pooled confusion matrix;
2. the correlation of warmth with the receptiveness rating on held-out folds,
   next to VADER's;
3. utterances per second of `score-text` (markers + model, batched) on this
   machine, with torch limited to 2 threads;
4. for each language, example sentences with the markers found, so a reader
   can judge the lexicons.

Embeddings are cached (see scripts/train_wording.py), so a second run is fast.
Timings on a shared machine are indicative only.
"""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


def evaluate_models(data: Path) -> None:
    import train_wording as T

    from tonecoach.wording.lexicon import load_lexicon
    from tonecoach.wording.model import WordingModel, WordingModelOptions

    model = WordingModel(WordingModelOptions(), heads=T._placeholder_heads())
    cats = sorted(load_lexicon("en").categories)
    texts, score = T.load_politeness(data)
    E, M = T.embeddings(texts, model), T.marker_matrix(texts, cats)
    print("1. Politeness, paper protocol (top vs bottom quartile of the normalised score, 10-fold CV, seed 0)")
    for label, blocks, train_on in (("MiniLM embedding, logistic regression", ("embedding",), "quartiles"),
                                    ("embedding + markers, logistic regression", ("embedding", "markers"), "quartiles"),
                                    ("shipped: embedding + markers + TF-IDF, ridge", ("embedding", "markers", "tfidf"), "all")):
        r = T.politeness_cv(texts, score, E, M, blocks, train_on=train_on)
        print(f"   {label:<48} {100 * r['accuracy_mean']:.1f}% ± {100 * r['accuracy_sd']:.1f}  (n={r['n']})")
    cm = r["confusion"]
    print("   confusion matrix of the shipped model (pooled over folds):")
    print("                      predicted impolite  predicted polite")
    print(f"   true impolite     {cm[0][0]:>18}  {cm[0][1]:>16}")
    print(f"   true polite       {cm[1][0]:>18}  {cm[1][1]:>16}")
    rt, rs = T.load_receptive(data)
    Er, Mr = T.embeddings(rt, model), T.marker_matrix(rt, cats)
    w = T.warmth_cv(rt, rs, Er, Mr, ("embedding", "markers"))
    v = T.correlations(T.vader_scores(rt), rs)
    print("\n2. Warmth against rated receptiveness (Yeomans et al. 2020), held-out folds (10-fold CV)")
    print(f"   shipped warmth head   Pearson r = {w['pearson']:.3f}  Spearman = {w['spearman']:.3f}  "
          f"(per fold {w['fold_pearson_mean']:.3f} ± {w['fold_pearson_sd']:.3f})")
    print(f"   VADER compound        Pearson r = {v['pearson']:.3f}  Spearman = {v['spearman']:.3f}")


def speed(n_lines: int) -> None:
    import torch

    from tonecoach.wording.model import WordingModel
    from tonecoach.wording.score_text import score_lines

    torch.set_num_threads(2)
    pairs = [ln.split("\t") for ln in (ROOT / "benchmarks" / "data" / "agent_pairs_en.tsv").read_text().splitlines()
             if ln and not ln.startswith("#")]
    base = [t for p in pairs for t in p]
    lines = [f"{base[i % len(base)]} (ref {i})" for i in range(n_lines)]  # distinct lines, phone-utterance length
    model = WordingModel()
    list(score_lines(lines[:64], model=model))  # load the encoder outside the timing
    t = time.perf_counter()
    rows = list(score_lines(lines, model=model))
    dt = time.perf_counter() - t
    assert len(rows) == n_lines
    t = time.perf_counter()
    from tonecoach.wording.markers import find_markers

    for s in lines:
        find_markers(s)
    dm = time.perf_counter() - t
    print(f"\n3. Speed: {n_lines} lines, torch threads = {torch.get_num_threads()}")
    print(f"   score-text (markers + model, batched): {n_lines / dt:.0f} lines/s = {60 * n_lines / dt:.0f} lines/min")
    print(f"   markers alone: {n_lines / dm:.0f} lines/s")


def examples() -> None:
    from tonecoach.wording.markers import find_markers

    ex = tomllib.loads((ROOT / "benchmarks" / "data" / "wording_examples.toml").read_text(encoding="utf-8"))
    print("\n4. Example sentences and the markers found (+ helps, - hurts, . neutral)")
    for lang, items in ex.items():
        print(f"\n   [{lang}]")
        for it in items:
            ms = find_markers(it["text"], language=lang)
            sign = {"helps": "+", "hurts": "-", "neutral": "."}
            found = "; ".join(f"{sign[m.effect]}{m.category}: \u201c{m.text}\u201d" for m in ms) or "(none)"
            print(f"   {it['text']}\n      {found}")
            sug = [m for m in ms if m.suggestion]
            if sug:
                print(f"      try: {sug[0].suggestion}")


def main(argv=None) -> int:
    import train_wording as T

    ap = argparse.ArgumentParser(description="evaluate tonecoach's wording scores")
    ap.add_argument("--data", type=Path, default=T.default_data_dir())
    ap.add_argument("--skip-cv", action="store_true", help="skip the cross-validation (speed and examples only)")
    ap.add_argument("--lines", type=int, default=2000, help="lines for the speed test")
    args = ap.parse_args(argv)
    if not args.skip_cv:
        if (args.data / T.POLITENESS_CSV).is_file():
            evaluate_models(args.data)
        else:
            print(f"(no evaluation data in {args.data}: skipping 1 and 2)")
    speed(args.lines)
    examples()
    return 0


if __name__ == "__main__":
    sys.exit(main())
