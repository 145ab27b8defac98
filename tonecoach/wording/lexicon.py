"""Per-language marker lexicons and phrasebooks, loaded from TOML data files.

A lexicon (``tonecoach/data/lexicons/{lang}.toml``) lists marker
*categories* (gratitude, empathy, blame, ...) with an effect (``helps``,
``hurts``, ``neutral``) and the phrases that signal them. A phrasebook
(``tonecoach/data/phrasebook/{lang}.toml``) holds the suggested rewording for
hurting phrases. Both are data: a team tunes them without touching code.

Phrase syntax (one phrase = words separated by spaces, matched on whole
tokens, case-insensitively, within one sentence):

``word``
    the token itself ("no" never matches inside "know");
``stem*``
    any token starting with ``stem`` (inflection: "przeprasz*");
``a|b*|c``
    any of the alternatives;
``word?``
    an optional token;
``~`` / ``~N``
    up to 2 / N arbitrary tokens ("i am ~ sorry");
``(a b|c d)`` / ``(a b)?``
    a group of multi-word alternatives (optional with ``?``), expanded into
    one phrase per alternative ("(i'll|i will) take care of").

An entry is a phrase string or a table ``{ p = "...", ... }`` (or
``{ re = "..." }`` for a regular expression over the text) with optional
conditions: ``start = true`` (at a sentence start), ``punct = true`` (set off
by punctuation: "like," as a filler), ``question = true`` (in a sentence
ending with "?"), ``not_after = [phrases]`` / ``not_before = [phrases]``
(excluded contexts: "like" after "I'd"), ``punct_after = true`` (followed by
punctuation or the sentence end: a bare "No."), ``s = "key"`` (phrasebook entry).
"""

from __future__ import annotations

import functools
import logging
import os
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

from ..errors import RubricError
from ._text import fold_diacritics, normalize_token

__all__ = [
    "EFFECTS",
    "Suggestion",
    "Phrasebook",
    "PatternEntry",
    "Category",
    "Lexicon",
    "normalize_language",
    "available_languages",
    "load_lexicon",
    "load_phrasebook",
]

log = logging.getLogger("tonecoach")

EFFECTS = ("helps", "hurts", "neutral")
_ALIASES = {"iw": "he", "lit": "lt", "lav": "lv", "pol": "pl", "ron": "ro", "rum": "ro", "heb": "he", "eng": "en"}
_DEFAULT_GAP = 2


def normalize_language(language: str | None) -> str:
    """``"en-US"`` -> ``"en"``, ``"IW"`` -> ``"he"``; empty or None -> ``""``."""
    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    return _ALIASES.get(code, code)


# -- phrasebook ----------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """A suggested rewording (``say``) and why it works (``why``)."""

    key: str
    say: str
    why: str = ""


@dataclass(frozen=True)
class Phrasebook:
    language: str
    suggestions: Mapping[str, Suggestion] = field(default_factory=dict)

    def get(self, key: str | None) -> Suggestion | None:
        return self.suggestions.get(key) if key else None


# -- compiled patterns ---------------------------------------------------------------


@dataclass(frozen=True)
class _PTok:
    """One compiled pattern word: literal forms, prefixes, or a gap."""

    lits: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    optional: bool = False
    gap: int = 0

    def matches(self, forms: tuple[str, ...]) -> bool:
        for f in forms:
            if f in self.lits or any(f.startswith(p) for p in self.prefixes):
                return True
        return False


@dataclass(frozen=True)
class PatternEntry:
    """One compiled phrase (or regular expression) of a category."""

    source: str
    toks: tuple[_PTok, ...] = ()
    regex: re.Pattern[str] | None = None
    start: bool = False
    punct: bool = False
    punct_after: bool = False
    question: bool = False
    not_after: tuple[tuple[_PTok, ...], ...] = ()
    not_before: tuple[tuple[_PTok, ...], ...] = ()
    suggestion: str | None = None


@dataclass(frozen=True)
class Category:
    """A marker category: its effect, group, label and phrases."""

    name: str
    effect: str
    group: str
    label: str
    description: str
    weight: float
    suggestion: str | None
    suppresses: tuple[str, ...]
    entries: tuple[PatternEntry, ...]


@dataclass(frozen=True)
class Lexicon:
    """A compiled lexicon for one language (see the module docstring)."""

    language: str
    name: str
    version: str
    categories: Mapping[str, Category]
    phrasebook: Phrasebook
    char_map: Mapping[str, str] = field(default_factory=dict)
    fold: bool = False
    strip_prefixes: frozenset[str] = frozenset()
    max_prefix_strip: int = 0
    min_stripped_length: int = 2
    source: str = ""

    def forms(self, norm: str) -> tuple[str, ...]:
        """The token's matching forms: itself, then with proclitic prefixes stripped (Hebrew)."""
        if not self.strip_prefixes:
            return (norm,)
        out = [norm]
        for k in range(1, self.max_prefix_strip + 1):
            if len(norm) - k < self.min_stripped_length or norm[k - 1] not in self.strip_prefixes:
                break
            out.append(norm[k:])
        return tuple(out)

    def regex_text(self, text: str) -> str:
        """A same-length normalised copy of ``text`` for the regular-expression entries."""
        out = []
        for c in text:
            c2 = c.translate(_REGEX_APOS)
            c2 = self.char_map.get(c2, c2)
            if self.fold:
                f = fold_diacritics(c2)
                c2 = f if len(f) == 1 else c2
            out.append(c2 if len(c2) == 1 else c)
        return "".join(out)


_REGEX_APOS = str.maketrans({"\u2019": "'", "\u02bc": "'", "\u2018": "'"})


def _norm_word(word: str, char_map: Mapping[str, str], fold: bool) -> str:
    return normalize_token(word, char_map=char_map, fold=fold)


_GROUP_RE = re.compile(r"\(([^()]*)\)(\??)")


def _expand(phrase: str, where: str) -> list[str]:
    """Expand ``(a b|c)`` groups into separate phrases."""
    m = _GROUP_RE.search(phrase)
    if m is None:
        if "(" in phrase or ")" in phrase:
            raise RubricError(f"{where}: unbalanced or nested parentheses in {phrase!r}")
        return [" ".join(phrase.split())]
    alts = [a.strip() for a in m.group(1).split("|")]
    if m.group(2):
        alts.append("")
    out: list[str] = []
    for a in alts:
        out.extend(_expand(phrase[: m.start()] + " " + a + " " + phrase[m.end() :], where))
    return out


def _compile_phrase(phrase: str, where: str, char_map: Mapping[str, str], fold: bool) -> tuple[_PTok, ...]:
    toks: list[_PTok] = []
    for raw in phrase.split():
        if raw.startswith("~"):
            n = raw[1:]
            if n and not n.isdigit():
                raise RubricError(f"{where}: bad gap {raw!r} in phrase {phrase!r}; write ~ or ~N")
            toks.append(_PTok(gap=int(n) if n else _DEFAULT_GAP))
            continue
        optional = raw.endswith("?") and len(raw) > 1
        if optional:
            raw = raw[:-1]
        lits: set[str] = set()
        prefixes: list[str] = []
        for alt in raw.split("|"):
            if not alt:
                raise RubricError(f"{where}: empty alternative in phrase {phrase!r}")
            if alt.endswith("*"):
                stem = _norm_word(alt[:-1], char_map, fold)
                if len(stem) < 2:
                    raise RubricError(f"{where}: stem {alt!r} in {phrase!r} is too short (2 letters at least)")
                prefixes.append(stem)
            else:
                lits.add(_norm_word(alt, char_map, fold))
        toks.append(_PTok(lits=frozenset(lits), prefixes=tuple(prefixes), optional=optional))
    if not toks:
        raise RubricError(f"{where}: empty phrase")
    if toks[0].gap or toks[-1].gap:
        raise RubricError(f"{where}: phrase {phrase!r} may not start or end with a gap")
    if all(t.optional for t in toks if not t.gap):
        raise RubricError(f"{where}: phrase {phrase!r} has no required word")
    return tuple(toks)


def _compile_context(items: Any, where: str, char_map: Mapping[str, str], fold: bool) -> tuple[tuple[_PTok, ...], ...]:
    if items is None:
        return ()
    if isinstance(items, str):
        items = [items]
    out = []
    for it in items:
        for ph in _expand(str(it), where):
            toks = _compile_phrase(ph, where, char_map, fold)
            if any(t.gap or t.optional for t in toks):
                raise RubricError(f"{where}: context phrase {it!r} may not use gaps or optional words")
            out.append(toks)
    return tuple(out)


_ENTRY_KEYS = {"p", "re", "start", "punct", "punct_after", "question", "not_after", "not_before", "s", "note"}


def _compile_entry(raw: Any, where: str, char_map: Mapping[str, str], fold: bool) -> list[PatternEntry]:
    if isinstance(raw, str):
        return [PatternEntry(source=raw, toks=_compile_phrase(p, where, char_map, fold)) for p in _expand(raw, where)]
    if not isinstance(raw, Mapping):
        raise RubricError(f"{where}: an entry must be a phrase string or a table, not {type(raw).__name__}")
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        raise RubricError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_ENTRY_KEYS)}")
    if ("p" in raw) == ("re" in raw):
        raise RubricError(f"{where}: an entry table needs exactly one of 'p' (phrase) or 're' (regex)")
    common = dict(
        start=bool(raw.get("start", False)),
        punct=bool(raw.get("punct", False)),
        punct_after=bool(raw.get("punct_after", False)),
        question=bool(raw.get("question", False)),
        not_after=_compile_context(raw.get("not_after"), where, char_map, fold),
        not_before=_compile_context(raw.get("not_before"), where, char_map, fold),
        suggestion=raw.get("s"),
    )
    if "re" in raw:
        try:
            rx = re.compile(str(raw["re"]), re.IGNORECASE)
        except re.error as e:
            raise RubricError(f"{where}: bad regular expression {raw['re']!r}: {e}") from e
        return [PatternEntry(source="re:" + str(raw["re"]), regex=rx, **common)]
    src = str(raw["p"])
    return [PatternEntry(source=src, toks=_compile_phrase(p, where, char_map, fold), **common) for p in _expand(src, where)]


# -- loading -------------------------------------------------------------------------


def _data_dir(kind: str) -> Path:
    env = os.environ.get("TONECOACH_LEXICON_DIR") if kind == "lexicons" else None
    if env:
        return Path(env)
    return Path(str(resources.files("tonecoach") / "data" / kind))


def available_languages() -> tuple[str, ...]:
    """Language codes that have a lexicon file, sorted."""
    d = _data_dir("lexicons")
    return tuple(sorted(p.stem for p in d.glob("*.toml"))) if d.is_dir() else ()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise RubricError(f"could not parse {path}: {e}. Fix the TOML syntax.") from e


def load_phrasebook(language: str, *, path: str | os.PathLike[str] | None = None) -> Phrasebook:
    """Load the phrasebook for ``language`` (empty when there is none)."""
    lang = normalize_language(language)
    p = Path(path) if path else _data_dir("phrasebook") / f"{lang}.toml"
    if not p.is_file():
        return Phrasebook(lang)
    data = _read_toml(p)
    out: dict[str, Suggestion] = {}
    for key, val in (data.get("suggestions") or {}).items():
        if not isinstance(val, Mapping) or "say" not in val:
            raise RubricError(f"{p}: suggestion {key!r} needs a 'say' text")
        out[key] = Suggestion(key=key, say=str(val["say"]), why=str(val.get("why", "")))
    return Phrasebook(lang, out)


def _build(data: Mapping[str, Any], source: str, phrasebook: Phrasebook) -> Lexicon:
    meta = data.get("meta") or {}
    char_map = {str(k): str(v) for k, v in (meta.get("char_map") or {}).items()}
    fold = bool(meta.get("fold_diacritics", False))
    cats: dict[str, Category] = {}
    for name, c in (data.get("categories") or {}).items():
        where = f"{source} [categories.{name}]"
        effect = str(c.get("effect", "neutral"))
        if effect not in EFFECTS:
            raise RubricError(f"{where}: effect {effect!r} is not one of {EFFECTS}")
        entries = tuple(
            pe
            for i, e in enumerate(c.get("patterns") or ())
            for pe in _compile_entry(e, f"{where} entry {i + 1}", char_map, fold)
        )
        sugg = c.get("suggestion")
        for e in entries:
            for key in (e.suggestion, sugg):
                if key and phrasebook.get(key) is None:
                    log.warning("%s: suggestion %r is not in the %s phrasebook", where, key, phrasebook.language)
        cats[name] = Category(
            name=name,
            effect=effect,
            group=str(c.get("group", "contact_centre")),
            label=str(c.get("label", name.replace("_", " "))),
            description=str(c.get("description", "")),
            weight=float(c.get("weight", 1.0)),
            suggestion=sugg,
            suppresses=tuple(c.get("suppresses") or ()),
            entries=entries,
        )
    for cat in cats.values():
        for s in cat.suppresses:
            if s not in cats:
                raise RubricError(f"{source}: category {cat.name!r} suppresses unknown category {s!r}")
    prefixes = meta.get("strip_prefixes") or ()
    return Lexicon(
        language=str(meta.get("language", phrasebook.language)),
        name=str(meta.get("name", "")),
        version=str(meta.get("version", "")),
        categories=cats,
        phrasebook=phrasebook,
        char_map=char_map,
        fold=fold,
        strip_prefixes=frozenset(normalize_token(p) for p in prefixes),
        max_prefix_strip=int(meta.get("max_prefix_strip", 2 if prefixes else 0)),
        min_stripped_length=int(meta.get("min_stripped_length", 2)),
        source=source,
    )


@functools.lru_cache(maxsize=32)
def _load_cached(lang: str, path: str | None, phrasebook_path: str | None) -> Lexicon | None:
    p = Path(path) if path else _data_dir("lexicons") / f"{lang}.toml"
    if not p.is_file():
        if path:
            raise RubricError(f"lexicon file {p} does not exist")
        return None
    data = _read_toml(p)
    pb = load_phrasebook(lang, path=phrasebook_path)
    return _build(data, str(p), pb)


def load_lexicon(
    language: str,
    *,
    path: str | os.PathLike[str] | None = None,
    phrasebook_path: str | os.PathLike[str] | None = None,
) -> Lexicon | None:
    """The compiled lexicon for ``language``, or ``None`` if the language has none.

    ``language`` is an ISO 639-1 code ("en", "lv", "he"; "en-GB" and "iw"
    work too). ``path``/``phrasebook_path`` load custom files instead of the
    bundled ones. Results are cached. Raises :class:`RubricError` for a
    malformed file.
    """
    lang = normalize_language(language)
    if not lang and not path:
        return None
    return _load_cached(lang, str(path) if path else None, str(phrasebook_path) if phrasebook_path else None)
