"""The labelled text sets of the wording models, loaded the same way for training and evaluation.

Two folders:

* ``../shared/data/text`` (or ``$TONECOACH_SHARED_DATA/text``): Stanford
  politeness (Wikipedia), Yeomans receptiveness, TyDiP (7 languages), and the
  customer-service chats;
* an extra folder (``--extra`` or ``$TONECOACH_EXTRA_TEXT``) with public sets
  taken from GitHub; ``models/WORDING_MODEL_CARD.md`` names each file's
  repository, commit, path and licence. A set whose file is absent is skipped.

Every set becomes a :class:`Corpus` with binary labels (1 = polite / warm /
positive). Continuous scales follow the politeness paper's protocol: the top
against the bottom quartile. Large sets are sub-sampled with seed 0 so that a
run on two cores stays within minutes.
"""

from __future__ import annotations

import csv
import json
import os
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SEED = 0
TYDIP = ("af", "es", "fr", "hi", "ko", "ta", "vi")
#: sentiment sets: language -> (train file or None, test file)
SENTIMENT = {
    "en": ("sentiment_en_train.csv", "sentiment_en_test.csv"),
    "he": ("sentiment_he_train.csv", "sentiment_he_test.csv"),
    "lv": ("sentiment_lv_train.csv", "sentiment_lv_test.csv"),
    "ro": (None, "sentiment_ro_test.csv"),
    "de": (None, "sentiment_de_test.csv"),
    "es": (None, "sentiment_es_test.csv"),
    "bg": (None, "sentiment_bg_test.csv"),
    "hr": (None, "sentiment_hr_test.csv"),
    "sk": (None, "sentiment_sk_test.csv"),
    "ko": (None, "sentiment_ko_test.csv"),
    "vi": (None, "sentiment_vi_test.csv"),
}
_SUBSAMPLE = {"sentiment_en_train": 2000, "sentiment_he_train": 1000}
_TEST_MAX = 500


@dataclass(frozen=True)
class Corpus:
    """One labelled set: texts, binary labels (1 = polite / warm / positive), and what it measures."""

    name: str
    construct: str  # politeness, warmth, sentiment
    language: str
    texts: list[str]
    labels: np.ndarray
    score: np.ndarray | None = None  # the continuous scale, when there is one
    source: str = ""
    meta: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.texts)


def shared_text_dir() -> Path:
    env = os.environ.get("TONECOACH_SHARED_DATA")
    return (Path(env) if env else ROOT.parent / "shared" / "data") / "text"


def extra_text_dir() -> Path | None:
    env = os.environ.get("TONECOACH_EXTRA_TEXT")
    return Path(env) if env else None


def _rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _subsample(n_items: int, n: int) -> list[int]:
    idx = list(range(n_items))
    random.Random(SEED).shuffle(idx)
    return sorted(idx[:n])


def quartiles(score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the bottom and top quartiles of ``score`` and their labels (1 = top)."""
    q1, q3 = np.percentile(score, [25, 75])
    sel = np.where((score <= q1) | (score >= q3))[0]
    return sel, (score[sel] >= q3).astype(int)


def _stanford(path: Path, name: str, *, keep_all: bool) -> Corpus:
    rows = _rows(path)
    texts = [r["Request"] for r in rows]
    score = np.array([float(r["Normalized Score"]) for r in rows])
    sel, y = quartiles(score)
    if keep_all:  # the full scale stays for ridge training; labels mark the quartile items
        lab = np.full(len(texts), -1)
        lab[sel] = y
        return Corpus(name, "politeness", "en", texts, lab, score, source=path.name)
    return Corpus(name, "politeness", "en", [texts[i] for i in sel], y, score[sel], source=path.name)


def load_corpora(shared: Path | None = None, extra: Path | None = None) -> dict[str, Corpus]:
    """Every labelled set found, by name (see the module docstring)."""
    shared = shared or shared_text_dir()
    extra = extra if extra is not None else extra_text_dir()
    out: dict[str, Corpus] = {}
    p = shared / "stanford_politeness_wikipedia.annotated.csv"
    if p.is_file():
        out["wiki"] = _stanford(p, "wiki", keep_all=True)
    p = (extra / "stanford_politeness_stackexchange.annotated.csv") if extra else None
    if p and p.is_file():
        out["stackexchange"] = _stanford(p, "stackexchange", keep_all=False)
    p = shared / "yeomans_receptive_train.csv"
    if p.is_file():
        rows = _rows(p)
        texts, score = [r["text"] for r in rows], np.array([float(r["receptive"]) for r in rows])
        sel, y = quartiles(score)
        out["receptive"] = Corpus("receptive", "warmth", "en", [texts[i] for i in sel], y, score[sel], source=p.name)
    for lang in TYDIP:
        p = shared / "tydip" / f"{lang}_test_binary.csv"
        if p.is_file():
            rows = _rows(p)
            out[f"tydip_{lang}"] = Corpus(f"tydip_{lang}", "politeness", lang, [r["sentence"] for r in rows],
                                          np.array([int(float(r["score"]) > 0) for r in rows]),
                                          np.array([float(r["score"]) for r in rows]), source=f"tydip/{p.name}")
    for lang, files in SENTIMENT.items():
        for split, fname in zip(("train", "test"), files):
            p = (extra / fname) if (extra and fname) else None
            if not (p and p.is_file()):
                continue
            rows = _rows(p)
            name = f"sentiment_{lang}_{split}"
            n = _SUBSAMPLE.get(name, _TEST_MAX if split == "test" else len(rows))
            keep = _subsample(len(rows), n) if n < len(rows) else range(len(rows))
            out[name] = Corpus(name, "sentiment", lang, [rows[i]["text"] for i in keep],
                               np.array([int(rows[i]["label"]) for i in keep]), source=p.name)
    pairs = load_pairs()
    if pairs:
        out["agent_pairs"] = Corpus("agent_pairs", "politeness", "en", [t for pr in pairs for t in pr],
                                    np.array([1, 0] * len(pairs)), source="benchmarks/data/agent_pairs_en.tsv")
    return out


def load_pairs(path: Path = ROOT / "benchmarks" / "data" / "agent_pairs_en.tsv") -> list[tuple[str, str]]:
    """The hand-written (polite, blunt) agent phrasings; empty when the file is absent."""
    if not path.is_file():
        return []
    rows = [ln.rstrip("\n").split("\t") for ln in path.read_text(encoding="utf-8").splitlines()]
    return [(r[0], r[1]) for r in rows if len(r) == 2 and not r[0].startswith("#")]


def chat_turns(shared: Path | None = None) -> list[tuple[str, str, str]]:
    """(chat id, role, text) of the customer-service chats (ABCD sample, Azure sample); no politeness labels."""
    shared = shared or shared_text_dir()
    out: list[tuple[str, str, str]] = []
    p = shared / "abcd_sample.json"
    if p.is_file():
        for conv in json.loads(p.read_text(encoding="utf-8")):
            for role, text in conv.get("original", ()):
                if role in ("agent", "customer") and text.strip():
                    out.append((f"abcd-{conv['convo_id']}", role, text))
    p = shared / "azure_Json_input_customer_support.json"
    if p.is_file():
        d = json.loads(p.read_text(encoding="utf-8"))
        for conv in d["analysisInput"]["conversations"]:
            for it in conv["conversationItems"]:
                if it.get("text", "").strip():
                    out.append((f"azure-{conv['id'][:8]}", it["participantId"].lower(), it["text"]))
    return out
