#!/usr/bin/env python3
"""Train the politeness and warmth heads on all-MiniLM-L6-v2 embeddings, reproducibly.

    .venv/bin/python scripts/train_wording.py                 # train, evaluate, write models/wording_heads.json
    .venv/bin/python scripts/train_wording.py --eval-only     # evaluate, write nothing

Data (``../shared/data/text``, or ``--data``):

* ``stanford_politeness_wikipedia.annotated.csv``: 4,353 Wikipedia talk-page
  requests with the normalised politeness score of Danescu-Niculescu-Mizil et
  al. 2013 (ACL). Protocol of the paper: the top and bottom quartiles of the
  score, binary, 10-fold cross-validation.
* ``yeomans_receptive_train.csv``: 2,860 written replies in policy
  disagreements with the standardised rating of conversational receptiveness
  (Yeomans, Minson, Collins, Chen & Gino 2020), the warmth signal.

Every split uses a fixed seed (0); embeddings are cached in
``~/.cache/tonecoach/emb`` (or ``$TONECOACH_CACHE/emb``), keyed by the model
name and the exact texts. Needs scikit-learn, scipy and vaderSentiment (the
``test`` extra). The results go to ``models/wording_results.json``, which the
model card quotes.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tonecoach.models import cache_dir  # noqa: E402
from tonecoach.wording.features import TOKEN_PATTERN, l2_normalize, marker_vector  # noqa: E402
from tonecoach.wording.lexicon import load_lexicon  # noqa: E402
from tonecoach.wording.markers import find_markers  # noqa: E402
from tonecoach.wording.model import HEADS_FORMAT, WordingHeads, WordingModel, WordingModelOptions  # noqa: E402

SEED = 0
FOLDS = 10
ENCODER = "all-MiniLM-L6-v2"
POLITENESS_CSV = "stanford_politeness_wikipedia.annotated.csv"
RECEPTIVE_CSV = "yeomans_receptive_train.csv"
#: Hyperparameters, fixed before the final run (alpha picked from {1, 3, 10} on the politeness folds).
RIDGE_ALPHA = 3.0
TFIDF_MIN_DF = 2
NGRAM_RANGE = (1, 2)
LR_C = 1.0


# -- data -------------------------------------------------------------------------------


def default_data_dir() -> Path:
    env = os.environ.get("TONECOACH_SHARED_DATA")
    return (Path(env) if env else ROOT.parent / "shared" / "data") / "text"


def load_politeness(data: Path) -> tuple[list[str], np.ndarray]:
    with open(data / POLITENESS_CSV, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [r["Request"] for r in rows], np.array([float(r["Normalized Score"]) for r in rows])


def load_receptive(data: Path) -> tuple[list[str], np.ndarray]:
    with open(data / RECEPTIVE_CSV, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [r["text"] for r in rows], np.array([float(r["receptive"]) for r in rows])


def load_pairs(path: Path = ROOT / "benchmarks" / "data" / "agent_pairs_en.tsv") -> list[tuple[str, str]]:
    """The hand-written (polite, blunt) agent phrasings; empty when the file is absent."""
    if not path.is_file():
        return []
    rows = [ln.rstrip("\n").split("\t") for ln in path.read_text(encoding="utf-8").splitlines()]
    return [(r[0], r[1]) for r in rows if len(r) == 2 and not r[0].startswith("#")]


def quartile_items(score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the bottom and top quartiles (the paper's binary task) and their labels (1 = top)."""
    q1, q3 = np.percentile(score, [25, 75])
    sel = np.where((score <= q1) | (score >= q3))[0]
    return sel, (score[sel] >= q3).astype(int)


# -- features ---------------------------------------------------------------------------


def embeddings(texts: list[str], model: WordingModel) -> np.ndarray:
    """L2-normalised MiniLM embeddings, cached on disk by the exact texts."""
    key = hashlib.sha256((ENCODER + "\n" + "\x00".join(texts)).encode()).hexdigest()[:20]
    folder = cache_dir() / "emb"
    path = folder / f"{key}.npy"
    if path.is_file():
        e = np.load(path)
    else:
        t = time.perf_counter()
        enc = model._load_encoder()
        e = enc.encode(texts, batch_size=32, convert_to_numpy=True, show_progress_bar=False).astype(np.float32)
        folder.mkdir(parents=True, exist_ok=True)
        np.save(path, e)
        print(f"  embedded {len(texts)} texts in {time.perf_counter() - t:.0f} s (cached in {path})", file=sys.stderr)
    return l2_normalize(e.astype(np.float64))


def marker_matrix(texts: list[str], categories: list[str]) -> np.ndarray:
    return np.stack([marker_vector([m.category for m in find_markers(t, language="en")], categories) for t in texts])


def tfidf(min_df: int = TFIDF_MIN_DF):
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(ngram_range=NGRAM_RANGE, min_df=min_df, sublinear_tf=True, lowercase=True,
                           token_pattern=TOKEN_PATTERN, dtype=np.float64)


def stack(blocks: list) -> "object":
    from scipy.sparse import csr_matrix, hstack

    return hstack([b if hasattr(b, "tocsr") else csr_matrix(b) for b in blocks]).tocsr()


# -- models -----------------------------------------------------------------------------


class Fitted:
    """A fitted head: a ridge regression (or logistic regression) over chosen blocks, plus its TF-IDF."""

    def __init__(self, blocks: tuple[str, ...], kind: str = "ridge"):
        self.blocks, self.kind = blocks, kind
        self.vec = None
        self.est = None

    def _x(self, items, E, M, texts, fit: bool):
        parts = []
        if "embedding" in self.blocks:
            parts.append(E[items])
        if "markers" in self.blocks:
            parts.append(M[items])
        if "tfidf" in self.blocks:
            docs = [texts[i] for i in items]
            if fit:
                self.vec = tfidf()
                parts.append(self.vec.fit_transform(docs))
            else:
                parts.append(self.vec.transform(docs))
        return stack(parts)

    def fit(self, items, target, E, M, texts):
        from sklearn.linear_model import LogisticRegression, Ridge

        X = self._x(items, E, M, texts, fit=True)
        self.est = Ridge(alpha=RIDGE_ALPHA) if self.kind == "ridge" else LogisticRegression(C=LR_C, max_iter=5000)
        self.est.fit(X, target)
        return self

    def raw(self, items, E, M, texts) -> np.ndarray:
        X = self._x(items, E, M, texts, fit=False)
        if self.kind == "ridge":
            return self.est.predict(X)
        return self.est.decision_function(X)

    def coefficients(self, dim: int, k: int) -> dict[str, np.ndarray]:
        w = np.ravel(self.est.coef_)
        out, pos = {}, 0
        for b, n in (("embedding", dim), ("markers", k), ("tfidf", len(self.vec.vocabulary_) if self.vec else 0)):
            if b in self.blocks:
                out[b] = w[pos:pos + n]
                pos += n
        return out


def fit_calibration(raw: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """A 1-D logistic map raw -> P(top quartile), fitted on out-of-fold outputs."""
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1e4, max_iter=1000).fit(raw.reshape(-1, 1), labels)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


# -- evaluation -------------------------------------------------------------------------


def politeness_cv(texts, score, E, M, blocks, *, kind="ridge", train_on="all") -> dict:
    """The paper's protocol: 10-fold CV over the quartile items, accuracy per fold.

    ``train_on="all"``: each fold's ridge is fitted on every text outside the
    test fold (the middle half too, with its continuous score), its threshold
    on the training quartile items; ``"quartiles"``: a logistic regression on
    the training quartile items only, as in the paper.
    """
    from sklearn.model_selection import StratifiedKFold

    sel, y = quartile_items(score)
    skf = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
    accs, pred_all, oof_raw = [], np.zeros(len(sel), int), np.zeros(len(sel))
    for tr, te in skf.split(np.zeros(len(sel)), y):
        if train_on == "all":
            keep = np.ones(len(texts), bool)
            keep[sel[te]] = False
            f = Fitted(blocks, "ridge").fit(np.flatnonzero(keep), score[keep], E, M, texts)
            a, b = fit_calibration(f.raw(sel[tr], E, M, texts), y[tr])
            r = f.raw(sel[te], E, M, texts)
            p = (a * r + b > 0).astype(int)
        else:
            f = Fitted(blocks, "logistic").fit(sel[tr], y[tr], E, M, texts)
            r = f.raw(sel[te], E, M, texts)
            p = (r > 0).astype(int)
        pred_all[te], oof_raw[te] = p, r
        accs.append(float(np.mean(p == y[te])))
    cm = [[int(np.sum((y == t) & (pred_all == q))) for q in (0, 1)] for t in (0, 1)]
    return {"blocks": list(blocks), "train_on": train_on, "accuracy_mean": float(np.mean(accs)),
            "accuracy_sd": float(np.std(accs)), "fold_accuracies": accs, "confusion": cm, "n": int(len(sel)),
            "_oof_raw": oof_raw}


def warmth_cv(texts, target, E, M, blocks) -> dict:
    """10-fold CV of a ridge on the receptiveness rating: Pearson and Spearman r of the pooled held-out predictions."""
    from scipy.stats import pearsonr, spearmanr
    from sklearn.model_selection import KFold

    kf = KFold(FOLDS, shuffle=True, random_state=SEED)
    pred = np.zeros(len(texts))
    rs = []
    for tr, te in kf.split(np.zeros(len(texts))):
        f = Fitted(blocks, "ridge").fit(tr, target[tr], E, M, texts)
        pred[te] = f.raw(te, E, M, texts)
        rs.append(float(pearsonr(pred[te], target[te])[0]))
    return {"blocks": list(blocks), "pearson": float(pearsonr(pred, target)[0]),
            "spearman": float(spearmanr(pred, target)[0]), "fold_pearson_mean": float(np.mean(rs)),
            "fold_pearson_sd": float(np.std(rs)), "n": len(texts), "_oof": pred}


def vader_scores(texts) -> np.ndarray:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    sia = SentimentIntensityAnalyzer()
    return np.array([sia.polarity_scores(t)["compound"] for t in texts])


def correlations(pred: np.ndarray, target: np.ndarray) -> dict:
    from scipy.stats import pearsonr, spearmanr

    sel, y = quartile_items(target)
    from sklearn.metrics import roc_auc_score

    return {"pearson": float(pearsonr(pred, target)[0]), "spearman": float(spearmanr(pred, target)[0]),
            "quartile_auc": float(roc_auc_score(y, pred[sel]))}


# -- the run ----------------------------------------------------------------------------


def run(data: Path, *, write: bool) -> dict:
    np.random.seed(SEED)
    model = WordingModel(WordingModelOptions(encoder=ENCODER), heads=_placeholder_heads())
    cats = sorted(load_lexicon("en").categories)
    pol_texts, pol_score = load_politeness(data)
    rec_texts, rec_score = load_receptive(data)
    print(f"politeness: {len(pol_texts)} requests; receptiveness: {len(rec_texts)} replies", file=sys.stderr)
    Ep, Er = embeddings(pol_texts, model), embeddings(rec_texts, model)
    Mp, Mr = marker_matrix(pol_texts, cats), marker_matrix(rec_texts, cats)
    res: dict = {"seed": SEED, "folds": FOLDS, "encoder": ENCODER, "ridge_alpha": RIDGE_ALPHA,
                 "tfidf": {"min_df": TFIDF_MIN_DF, "ngram_range": list(NGRAM_RANGE)}, "politeness": {}, "warmth": {},
                 "out_of_domain": {}}

    # politeness, the paper's protocol
    E1, EM, EMT = ("embedding",), ("embedding", "markers"), ("embedding", "markers", "tfidf")
    runs = {
        "embedding_logreg_quartiles": (E1, "quartiles"),
        "markers_logreg_quartiles": (("markers",), "quartiles"),
        "embedding_markers_logreg_quartiles": (EM, "quartiles"),
        "embedding_markers_tfidf_logreg_quartiles": (EMT, "quartiles"),
        "embedding_ridge_all": (E1, "all"),
        "embedding_markers_ridge_all": (EM, "all"),
        "embedding_markers_tfidf_ridge_all": (EMT, "all"),
    }
    for name, (blocks, train_on) in runs.items():
        r = politeness_cv(pol_texts, pol_score, Ep, Mp, blocks, train_on=train_on)
        res["politeness"][name] = r
        print(f"  politeness {name:<42} {100 * r['accuracy_mean']:.1f}% ± {100 * r['accuracy_sd']:.1f}", file=sys.stderr)
    sel, y = quartile_items(pol_score)
    vp = vader_scores(pol_texts)
    res["politeness"]["vader_compound_threshold0"] = {"accuracy_mean": float(np.mean((vp[sel] > 0).astype(int) == y)), "n": int(len(sel))}

    # warmth: receptiveness, held-out folds
    vr = vader_scores(rec_texts)
    res["warmth"]["vader_compound"] = correlations(vr, rec_score)
    for name, blocks in {"embedding": E1, "embedding_markers": EM, "embedding_markers_tfidf": EMT}.items():
        r = warmth_cv(rec_texts, rec_score, Er, Mr, blocks)
        r.update({k: v for k, v in correlations(r["_oof"], rec_score).items() if k == "quartile_auc"})
        res["warmth"][name] = r
        print(f"  warmth {name:<30} r={r['pearson']:.3f} rho={r['spearman']:.3f}  (VADER r={res['warmth']['vader_compound']['pearson']:.3f})",
              file=sys.stderr)

    # the chosen heads, fitted on everything
    pol_blocks, warm_blocks = EMT, EM
    pol = Fitted(pol_blocks, "ridge").fit(np.arange(len(pol_texts)), pol_score, Ep, Mp, pol_texts)
    warm = Fitted(warm_blocks, "ridge").fit(np.arange(len(rec_texts)), rec_score, Er, Mr, rec_texts)
    pol_cal = fit_calibration(res["politeness"]["embedding_markers_tfidf_ridge_all"]["_oof_raw"], y)
    rsel, ry = quartile_items(rec_score)
    warm_cal = fit_calibration(res["warmth"]["embedding_markers"]["_oof"][rsel], ry)

    # out of domain: each head on the other corpus, against VADER
    ood = res["out_of_domain"]
    ood["politeness_head_on_receptiveness"] = correlations(pol.raw(np.arange(len(rec_texts)), Er, Mr, rec_texts), rec_score)
    ood["vader_on_receptiveness"] = res["warmth"]["vader_compound"]
    ood["warmth_head_on_politeness"] = correlations(warm.raw(np.arange(len(pol_texts)), Ep, Mp, pol_texts), pol_score)
    ood["vader_on_politeness"] = correlations(vp, pol_score)
    for name, blocks in {"embedding": E1, "embedding_markers": EM}.items():  # what the n-grams cost out of domain
        f = Fitted(blocks, "ridge").fit(np.arange(len(pol_texts)), pol_score, Ep, Mp, pol_texts)
        ood[f"politeness_head_{name}_on_receptiveness"] = correlations(f.raw(np.arange(len(rec_texts)), Er, Mr, rec_texts), rec_score)
    # the hand-written agent phrasings: does the polite / warm version of each pair score higher?
    pairs = load_pairs()
    if pairs:
        flat = [t for p in pairs for t in p]
        Ea, Ma = embeddings(flat, model), marker_matrix(flat, cats)
        idx = np.arange(len(flat))
        pr, wr, va = pol.raw(idx, Ea, Ma, flat), warm.raw(idx, Ea, Ma, flat), vader_scores(flat)
        n = len(pairs)
        res["agent_pairs"] = {"n": n, "politeness_wins": int(np.sum(pr[0::2] > pr[1::2])),
                              "warmth_wins": int(np.sum(wr[0::2] > wr[1::2])), "vader_wins": int(np.sum(va[0::2] > va[1::2]))}
        print(f"  agent pairs (polite > blunt, of {n}): politeness {res['agent_pairs']['politeness_wins']}, "
              f"warmth {res['agent_pairs']['warmth_wins']}, VADER {res['agent_pairs']['vader_wins']}", file=sys.stderr)
    for k, v in ood.items():
        print(f"  out of domain {k:<36} r={v['pearson']:.3f} AUC={v['quartile_auc']:.3f}", file=sys.stderr)

    heads = {
        "format": HEADS_FORMAT,
        "version": _dt.date.today().isoformat(),
        "encoder": {"name": ENCODER, "dim": int(Ep.shape[1]), "normalize": True},
        "marker_categories": cats,
        "meta": {"trained_by": "scripts/train_wording.py", "seed": SEED, "ridge_alpha": RIDGE_ALPHA,
                 "marker_lexicon": "tonecoach/data/lexicons/en.toml"},
        "heads": {
            "politeness": _head_json(pol, pol_cal, Ep.shape[1], len(cats),
                                     "Stanford Politeness Corpus (Wikipedia), normalised score; "
                                     "P(top quartile vs bottom quartile)"),
            "warmth": _head_json(warm, warm_cal, Ep.shape[1], len(cats),
                                 "Yeomans et al. 2020 receptiveness rating; P(top quartile vs bottom quartile)"),
        },
    }
    res["chosen"] = {"politeness": "embedding_markers_tfidf_ridge_all", "warmth": "embedding_markers"}
    if write:
        path = ROOT / "models" / "wording_heads.json"
        path.write_text(json.dumps(heads, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)", file=sys.stderr)
        # the runtime must reproduce the training-time outputs
        check = WordingModel(WordingModelOptions(heads_path=str(path)))
        idx = np.arange(0, len(pol_texts), 97)
        got = check.heads.heads["politeness"].raw(Ep[idx], Mp[idx], [pol_texts[i] for i in idx])
        want = pol.raw(idx, Ep, Mp, pol_texts)
        assert np.allclose(got, want, atol=1e-4), float(np.max(np.abs(got - want)))
        clean = {k: ({kk: {x: y for x, y in vv.items() if not x.startswith("_")} if isinstance(vv, dict) else vv
                      for kk, vv in v.items()} if isinstance(v, dict) else v) for k, v in res.items()}
        (ROOT / "models" / "wording_results.json").write_text(json.dumps(clean, indent=1) + "\n", encoding="utf-8")
    return res


def _round(a: np.ndarray) -> list[float]:
    return [float(f"{x:.6g}") for x in a]


def _head_json(f: Fitted, cal: tuple[float, float], dim: int, k: int, desc: str) -> dict:
    coef = f.coefficients(dim, k)
    out = {"blocks": list(f.blocks), "coef": {b: _round(w) for b, w in coef.items()},
           "intercept": float(np.ravel(f.est.intercept_)[0]) if np.ndim(f.est.intercept_) else float(f.est.intercept_),
           "calibration": {"a": cal[0], "b": cal[1]}, "description": desc}
    if f.vec is not None:
        vocab = sorted(f.vec.vocabulary_, key=f.vec.vocabulary_.get)
        out["tfidf"] = {"vocabulary": vocab, "idf": _round(f.vec.idf_), "ngram_range": list(NGRAM_RANGE),
                        "token_pattern": TOKEN_PATTERN, "sublinear_tf": True, "lowercase": True}
    return out


def _placeholder_heads() -> WordingHeads:
    """The encoder alone is needed while training; no heads file is read."""
    return WordingHeads(path="", version="", encoder=ENCODER, embedding_dim=384, marker_categories=(), heads={})


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=default_data_dir(), help="folder with the text sets")
    ap.add_argument("--eval-only", action="store_true", help="evaluate only; write no files")
    args = ap.parse_args(argv)
    if not (args.data / POLITENESS_CSV).is_file():
        print(f"train_wording: {args.data / POLITENESS_CSV} not found; pass --data", file=sys.stderr)
        return 1
    run(args.data, write=not args.eval_only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
