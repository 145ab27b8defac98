"""``tonecoach score-text``: one utterance per line in, one JSON object per line out.

Each output line is ``{"text", "politeness", "warmth", "sentiment", "markers": [...]}``
plus ``language``, ``lexicon`` (false: no lexicon for the language, scores
are model-only), ``model_input`` and, for a line that needs a word of
caution, ``warning``. Scores are in [0, 1] (1 = most polite / warmest / most
positive), or null for a line that could not be scored. The text is read in
its own language by the multilingual encoder (no translation). Lines are
scored in batches, so the encoder sees many sentences at once. Output order is
input order; nothing is dropped.

What a line can be, and what it gets:

* empty or white space only: no scores, "no words to score";
* emoji or symbols only: no scores, "no words to score (only emoji or symbols)";
* binary data or text that is not UTF-8: no scores, "not text";
* longer than ``LONG_LINE_CHARS``: scored in chunks of words, with a warning;
* several writing systems (e.g. Hebrew with Latin names, a Latin-script
  language mixed into a Hebrew line): scored, with a warning naming the
  scripts, since markers come from one language's lexicon.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Iterable, Iterator, TextIO

from .lexicon import available_languages, load_lexicon, normalize_language
from .markers import find_markers
from .model import WordingModel
from .reliability import EXPECTED_SCRIPT, script_shares

__all__ = ["score_lines", "run_score_text", "line_warnings", "BATCH_LINES", "LONG_LINE_CHARS"]

BATCH_LINES = 256
LONG_LINE_CHARS = 2000
#: a line with more than this share of undecodable or control characters is not text
_MAX_JUNK = 0.1
#: a second writing system counts when it holds at least this share of the letters
_MIXED_MIN = 0.1
_RTL = {"Hebrew", "Arabic"}


def _junk_share(line: str) -> float:
    if not line:
        return 0.0
    bad = sum(1 for c in line if c == "\ufffd" or (unicodedata.category(c) == "Cc" and c not in "\t"))
    return bad / len(line)


def _has_words(line: str) -> bool:
    return any(unicodedata.category(c)[0] in "LN" for c in line)


def line_warnings(line: str, language: str) -> tuple[bool, list[str]]:
    """Whether ``line`` can be scored, and the warnings it deserves (pure; see the module docstring)."""
    if _junk_share(line) > _MAX_JUNK:
        return False, ["not text (binary data or not UTF-8); not scored"]
    if not line.strip():
        return False, ["no words to score"]
    if not _has_words(line):
        return False, ["no words to score (only emoji or symbols)"]
    notes = []
    if len(line) > LONG_LINE_CHARS:
        notes.append(f"very long line ({len(line):,} characters): scored in chunks of words and averaged")
    shares = {k: v for k, v in script_shares(line).items() if v >= _MIXED_MIN}
    if len(shares) > 1:
        main = next(iter(shares))
        rest = ", ".join(f"{k} {v:.0%}" for k, v in shares.items())
        want = EXPECTED_SCRIPT.get(language)
        if main in _RTL and set(shares) - {main} == {"Latin"}:
            notes.append(f"right-to-left text with Latin-script words inside ({rest}); scored as {language}, "
                         f"markers from the {language} lexicon")
        else:
            notes.append(f"mixed writing systems ({rest}); the model reads every language, but markers come from the "
                         f"{language} lexicon only" + (f" ({language} is written in {want})" if want else ""))
    return True, notes


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
    for batch in _batches(lines, batch_lines):
        checked = [line_warnings(t, lang) for t in batch]
        texts = [t if ok else "" for t, (ok, _) in zip(batch, checked)]
        markers = [find_markers(t, language=lang, lexicon=lexicon) if lexicon and t else () for t in texts]
        scores = model.score(texts, [[m.category for m in ms] for ms in markers], language=lang)
        for t, (ok, notes), ms, sc in zip(batch, checked, markers, scores):
            row = {"text": t, "politeness": _r(sc.get("politeness")), "warmth": _r(sc.get("warmth")),
                   "sentiment": _r(sc.get("sentiment")), "markers": [m.to_dict() for m in ms], "language": lang,
                   "lexicon": has_lex, "model_input": "original" if sc.get("politeness") is not None else "none"}
            if ok and sc.get("politeness") is None:
                notes = [*notes, "no words to score"]
            if notes:
                row["warning"] = "; ".join(notes)
            yield row


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def run_score_text(stream: TextIO, out: TextIO, *, language: str = "en", model: WordingModel | None = None) -> int:
    """Read ``stream`` line by line and write JSON lines to ``out``. Returns the exit status (0)."""
    for row in score_lines(stream, language=language, model=model):
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    out.flush()
    return 0
