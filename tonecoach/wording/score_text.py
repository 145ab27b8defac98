"""``tonecoach score-text``: one utterance per line in, one JSON object per line out.

Each output line is ``{"text", "politeness", "warmth", "markers": [...]}``
plus ``language``, ``lexicon`` (false: no lexicon for the language, scores
are model-only), ``model_input`` and, for lines that could not be scored,
``warning``. Scores are in [0, 1] (1 = most polite / warmest), or null for a
line without words. Lines are scored in batches, so the encoder sees many
sentences at once. Output order is input order; nothing is dropped.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Iterable, Iterator, TextIO

from .lexicon import available_languages, load_lexicon, normalize_language
from .markers import find_markers
from .model import WordingModel

__all__ = ["score_lines", "run_score_text", "BATCH_LINES"]

BATCH_LINES = 256
#: a line with more than this share of undecodable or control characters is not text
_MAX_JUNK = 0.1


def _junk_share(line: str) -> float:
    if not line:
        return 0.0
    bad = sum(1 for c in line if c == "\ufffd" or (unicodedata.category(c) == "Cc" and c not in "\t"))
    return bad / len(line)


def _batches(lines: Iterable[str], n: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for line in lines:
        batch.append(line.rstrip("\r\n"))
        if len(batch) >= n:
            yield batch
            batch = []
    if batch:
        yield batch


def score_lines(lines: Iterable[str], *, language: str = "en", model: WordingModel | None = None,
                batch_lines: int = BATCH_LINES) -> Iterator[dict]:
    """Score each line; yields one result dict per input line, in order."""
    lang = normalize_language(language) or "en"
    model = model or WordingModel()
    lexicon = load_lexicon(lang)
    has_lex = lang in available_languages()
    kind = "original" if lang == "en" else "untranslated"
    for batch in _batches(lines, batch_lines):
        junk = [_junk_share(t) > _MAX_JUNK for t in batch]
        texts = ["" if j else t for t, j in zip(batch, junk)]
        markers = [find_markers(t, language=lang, lexicon=lexicon) if lexicon else () for t in texts]
        scores = model.score(texts, [[m.category for m in ms] for ms in markers])
        for t, j, ms, sc in zip(batch, junk, markers, scores):
            row = {"text": t, "politeness": _r(sc["politeness"]), "warmth": _r(sc["warmth"]),
                   "markers": [m.to_dict() for m in ms], "language": lang, "lexicon": has_lex,
                   "model_input": kind if sc["politeness"] is not None else "none"}
            if j:
                row["warning"] = "not text (binary data or not UTF-8); not scored"
            elif sc["politeness"] is None:
                row["warning"] = "no words to score"
            elif lang != "en":
                row["warning"] = f"model scores of untranslated {lang} text are less reliable (the heads were trained on English)"
            yield row


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def run_score_text(stream: TextIO, out: TextIO, *, language: str = "en", model: WordingModel | None = None) -> int:
    """Read ``stream`` line by line and write JSON lines to ``out``. Returns the exit status (0)."""
    for row in score_lines(stream, language=language, model=model):
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    out.flush()
    return 0
