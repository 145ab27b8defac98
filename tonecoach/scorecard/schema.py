"""A QA scorecard as data: parse and check a scorecard TOML, naming the line of every mistake.

The file format is described at the top of ``tonecoach/data/scorecard.toml``
(the default scorecard). :func:`parse_scorecard` checks everything a team can
get wrong (an unknown key, metric or marker category, a malformed phrase or
regular expression, a duplicate criterion id, an empty question, phrases for
a language the team does not use) and raises one :class:`ScorecardError`
listing each problem with its line. Nothing is half-loaded: a caller that
keeps the previous scorecard on an error keeps it whole.

Phrases are compiled once, here, into one lexicon per language (the wording
lexicons' matcher, :mod:`tonecoach.wording.markers`), with that language's
normalisation (diacritic folding for lv/lt/pl/ro, Hebrew proclitic prefixes).
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import RubricError
from ..wording.lexicon import Category, Lexicon, Phrasebook, _compile_entry, available_languages, load_lexicon, normalize_language
from .metrics import METRICS

__all__ = [
    "ANSWERS",
    "DEFAULT_SCORECARD",
    "SPEAKERS",
    "WHERE",
    "Criterion",
    "PhraseSet",
    "Scorecard",
    "ScorecardError",
    "load_scorecard",
    "marker_categories",
    "parse_scorecard",
]

DEFAULT_SCORECARD = Path(__file__).resolve().parent.parent / "data" / "scorecard.toml"

#: The three answers a criterion can get.
ANSWERS = ("yes", "no", "not_applicable")
#: Whose words a phrase set looks at.
SPEAKERS = ("agent", "customer", "any")
#: Where in the call a criterion looks.
WHERE = ("anywhere", "opening", "closing", "after_complaint", "around_hold")
SET_KINDS = ("applies_if", "no_if", "yes_if")
MOMENTS = ("hold", "complaint")

_WHERE_DEFAULTS = {"opening_s": 30.0, "opening_turns": 2, "closing_s": 45.0, "after_complaint_s": 60.0,
                   "hold_before_s": 30.0, "hold_after_s": 15.0}
_TOP_KEYS = {"version", "name", "languages", "target", "where", "moments", "criteria", "description"}
_CRITERION_KEYS = {"id", "question", "group", "weight", "critical", "unsure", "speaker", "where", "otherwise", "note",
                   "metric", "min", "max", *SET_KINDS}
_ID = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_LANG = re.compile(r"^[a-z]{2,3}$")


class ScorecardError(RubricError):
    """A scorecard file that cannot be used; ``problems`` lists ``(line or None, message)``."""

    def __init__(self, source: str, problems: Sequence[tuple[int | None, str]]):
        self.source = source
        self.problems = tuple(problems)
        head = f"scorecard '{source}'" if source else "scorecard"
        lines = [f"line {n}: {m}" if n else m for n, m in self.problems]
        msg = f"{head}: {lines[0]}" if len(lines) == 1 else f"{head} has {len(lines)} problems:\n  " + "\n  ".join(lines)
        super().__init__(msg)

    @property
    def lines(self) -> tuple[int | None, ...]:
        return tuple(n for n, _ in self.problems)


# -- where things are in the text ------------------------------------------------------------


_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]?\s*(#.*)?$")


class _Lines:
    """Line numbers (1-based) of tables, keys and strings in a TOML text, for error messages."""

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.headers: list[tuple[int, bool, str]] = []  # (index, is_array, dotted name)
        for i, ln in enumerate(self.lines):
            m = _HEADER.match(ln)
            if m:
                name = ".".join(p.strip().strip("\"'") for p in m.group(2).split("."))
                self.headers.append((i, m.group(1) == "[[", name))

    def _end(self, start: int, inside: str | None) -> int:
        """Index of the next header after ``start`` that is not a sub-table of ``inside``."""
        for i, arr, name in self.headers:
            if i <= start:
                continue
            if inside is None or arr or not name.startswith(inside + "."):
                return i
        return len(self.lines)

    def top(self) -> tuple[int, int]:
        return 0, (self.headers[0][0] if self.headers else len(self.lines))

    def criterion(self, k: int) -> tuple[int, int] | None:
        """The span of the k-th ``[[criteria]]`` (its header line to the next criterion or other table)."""
        starts = [i for i, arr, name in self.headers if arr and name == "criteria"]
        if k >= len(starts):
            return None
        return starts[k], self._end(starts[k], "criteria")

    def table(self, name: str, within: tuple[int, int] | None = None) -> tuple[int, int] | None:
        lo, hi = within or (0, len(self.lines))
        for i, arr, n in self.headers:
            if lo <= i < hi and not arr and n == name:
                return i, self._end(i, None)
        return None

    def key(self, span: tuple[int, int] | None, key: str) -> int | None:
        if span is None:
            return None
        rx = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        for i in range(span[0], min(span[1], len(self.lines))):
            if rx.match(self.lines[i]):
                return i + 1
        return None

    def string(self, span: tuple[int, int] | None, s: str, from_line: int | None = None) -> int | None:
        """The first line at or after ``from_line`` in ``span`` holding the string ``s`` (as TOML writes it)."""
        if span is None:
            return None
        forms = {f'"{json.dumps(s, ensure_ascii=False)[1:-1]}"', f"'{s}'", f'"{s}"'}
        start = max(span[0], (from_line or 1) - 1)
        for i in range(start, min(span[1], len(self.lines))):
            if any(f in self.lines[i] for f in forms):
                return i + 1
        return None

    def head(self, span: tuple[int, int] | None) -> int | None:
        return span[0] + 1 if span else None


# -- the scorecard ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PhraseSet:
    """Phrases per language and lexicon marker categories that decide one part of a criterion.

    ``kind`` is ``applies_if``, ``no_if`` or ``yes_if``; ``speaker`` whose
    words count. ``phrases`` keeps the entries as written (per language).
    """

    kind: str
    speaker: str
    phrases: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    markers: tuple[str, ...] = ()
    line: int | None = None
    label: str = ""

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self.phrases))

    def covers(self, language: str) -> bool:
        """Can this set be checked on a call in ``language``? (its phrases have it, or it uses markers only)."""
        return language in self.phrases or (not self.phrases and bool(self.markers))


@dataclass(frozen=True)
class Criterion:
    """One question of the scorecard and how the call answers it."""

    id: str
    question: str
    group: str = "General"
    weight: float = 1.0
    critical: bool = False
    unsure: bool = False
    speaker: str = "agent"
    where: str = "anywhere"
    otherwise: str = "no"
    note: str = ""
    metric: str | None = None
    min: float | None = None
    max: float | None = None
    applies_if: PhraseSet | None = None
    no_if: PhraseSet | None = None
    yes_if: PhraseSet | None = None
    line: int | None = None

    @property
    def basis(self) -> str:
        """``metric``, ``markers`` (lexicon categories only) or ``phrases``."""
        if self.metric:
            return "metric"
        sets = [s for s in self.sets if s.kind != "applies_if"] or self.sets
        return "markers" if all(not s.phrases for s in sets) else "phrases"

    @property
    def sets(self) -> tuple[PhraseSet, ...]:
        return tuple(s for s in (self.applies_if, self.no_if, self.yes_if) if s is not None)


@dataclass(frozen=True)
class Scorecard:
    """A parsed, checked scorecard. ``digest`` is the SHA-256 of its text; ``text`` the TOML itself."""

    name: str
    version: str
    languages: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    target: float | None = None
    where: Mapping[str, float] = field(default_factory=lambda: dict(_WHERE_DEFAULTS))
    moments: Mapping[str, PhraseSet] = field(default_factory=dict)
    source: str = ""
    text: str = field(default="", repr=False)
    digest: str = ""
    trackers: Mapping[str, Lexicon] = field(default_factory=dict, repr=False, compare=False)

    def criterion(self, cid: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == cid), None)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.criteria)

    @property
    def uses_markers(self) -> bool:
        return any(s.markers for c in self.criteria for s in c.sets)

    def describe(self) -> dict[str, Any]:
        """Identity of the scorecard, as reports and the database record it."""
        return {"name": self.name, "version": self.version, "digest": self.digest[:16], "source": self.source}


def marker_categories() -> frozenset[str]:
    """Names of the marker categories of the bundled wording lexicons (any language)."""
    out: set[str] = set()
    for lang in available_languages():
        lex = load_lexicon(lang)
        if lex is not None:
            out.update(lex.categories)
    return frozenset(out)


def tracker_name(owner: str, kind: str) -> str:
    """The lexicon category a phrase set compiles to: ``"<criterion id>:<kind>"`` or ``"@<moment>"``."""
    return f"@{owner}" if kind == "moment" else f"{owner}:{kind}"


class _Checker:
    def __init__(self, text: str, source: str):
        self.text, self.source = text, source
        self.lines = _Lines(text)
        self.problems: list[tuple[int | None, str]] = []
        self.markers = marker_categories()

    def err(self, line: int | None, msg: str) -> None:
        self.problems.append((line, msg))

    # -- pieces ---------------------------------------------------------------------------
    def number(self, v: Any, line: int | None, what: str, *, positive: bool = False, minimum: float | None = None
               ) -> float | None:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            self.err(line, f"{what} must be a number, not {v!r}")
            return None
        v = float(v)
        if positive and not v > 0:
            self.err(line, f"{what} must be positive, not {v:g}")
            return None
        if minimum is not None and v < minimum:
            self.err(line, f"{what} must be at least {minimum:g}, not {v:g}")
            return None
        return v

    def choice(self, v: Any, options: Sequence[str], line: int | None, what: str, default: str) -> str:
        if v is None:
            return default
        if v not in options:
            self.err(line, f"{what} must be one of {', '.join(options)}, not {v!r}")
            return default
        return str(v)

    def phrase_set(self, raw: Any, kind: str, owner: str, span: tuple[int, int] | None, table: str,
                   default_speaker: str, languages: Sequence[str]) -> PhraseSet | None:
        tspan = self.lines.table(table, span)
        head = self.lines.head(tspan) or self.lines.head(span)
        label = f"moment '{owner}'" if kind == "moment" else f"criterion '{owner}' [{kind}]"
        if not isinstance(raw, Mapping):
            self.err(head, f"{label} must be a table of phrases per language")
            return None
        speaker = self.choice(raw.get("speaker"), SPEAKERS, self.lines.key(tspan, "speaker") or head,
                              f"{label} speaker", default_speaker)
        phrases: dict[str, tuple[Any, ...]] = {}
        markers: tuple[str, ...] = ()
        label_text = raw.get("label", "")
        if not isinstance(label_text, str):
            self.err(self.lines.key(tspan, "label") or head, f"{label} label must be text")
            label_text = ""
        for key, val in raw.items():
            line = self.lines.key(tspan, key) or head
            if key in ("speaker", "label"):
                continue
            if key == "markers":
                if not isinstance(val, list) or not all(isinstance(m, str) for m in val) or not val:
                    self.err(line, f"{label} markers must be a list of marker category names")
                    continue
                bad = [m for m in val if m not in self.markers]
                if bad:
                    self.err(line, f"{label}: unknown marker categor{'ies' if len(bad) > 1 else 'y'} "
                             f"{', '.join(repr(b) for b in bad)}; known: {', '.join(sorted(self.markers))}")
                markers = tuple(val)
                continue
            lang = normalize_language(key)
            if not _LANG.match(key) or lang != key:
                self.err(line, f"{label}: {key!r} is neither a language code (en, lv, lt, pl, ro, he...) nor "
                               "'markers', 'label' or 'speaker'")
                continue
            if lang not in languages:
                self.err(line, f"{label} has phrases for language '{lang}', which the team does not use "
                               f"(languages = [{', '.join(languages)}]); add it to `languages` or remove them")
                continue
            if not isinstance(val, list) or not val:
                self.err(line, f"{label} {lang}: give a list of phrases")
                continue
            phrases[lang] = tuple(val)
        if not phrases and not markers:
            self.err(head, f"{label} has no phrases and no markers")
            return None
        return PhraseSet(kind=kind, speaker=speaker, phrases=phrases, markers=markers, line=head, label=label_text.strip())

    def compile(self, card_sets: list[tuple[str, str, PhraseSet, tuple[int, int] | None, str]], languages: Sequence[str],
                version: str) -> dict[str, Lexicon]:
        """One lexicon per language over every phrase set; problems for bad phrases, with their line."""
        out: dict[str, Lexicon] = {}
        for lang in languages:
            base = load_lexicon(lang)
            char_map = dict(base.char_map) if base else {}
            fold = base.fold if base else False
            cats: dict[str, Category] = {}
            for owner, kind, ps, span, table in card_sets:
                entries = []
                raw = ps.phrases.get(lang)
                if not raw:
                    continue
                tspan = self.lines.table(table, span)
                key_line = self.lines.key(tspan, lang)
                label = f"moment '{owner}'" if kind == "moment" else f"criterion '{owner}' [{kind}] {lang}"
                for i, entry in enumerate(raw):
                    shown = entry if isinstance(entry, str) else (entry.get("re") or entry.get("p")) if isinstance(entry, Mapping) else None
                    line = (self.lines.string(tspan, str(shown), key_line) if shown else None) or key_line
                    if isinstance(entry, str) and not entry.strip():
                        self.err(line, f"{label} phrase {i + 1} is empty")
                        continue
                    try:
                        entries.extend(_compile_entry(entry, f"{label} phrase {i + 1}", char_map, fold))
                    except RubricError as exc:
                        self.err(line, str(exc))
                name = tracker_name(owner, kind)
                cats[name] = Category(name=name, effect="neutral", group="scorecard", label=name, description="",
                                      weight=1.0, suggestion=None, suppresses=(), entries=tuple(entries))
            out[lang] = Lexicon(
                language=lang, name="scorecard", version=version, categories=cats, phrasebook=Phrasebook(lang),
                char_map=char_map, fold=fold, strip_prefixes=base.strip_prefixes if base else frozenset(),
                max_prefix_strip=base.max_prefix_strip if base else 0,
                min_stripped_length=base.min_stripped_length if base else 2, source=self.source)
        return out

    # -- the whole file -------------------------------------------------------------------
    def run(self) -> Scorecard:
        try:
            data = tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as exc:
            m = re.search(r"line (\d+)", str(exc))
            raise ScorecardError(self.source, [(int(m.group(1)) if m else None, f"not valid TOML: {exc}")]) from None
        top = self.lines.top()
        for key in data:
            if key not in _TOP_KEYS:
                self.err(self.lines.key(top, key), f"unknown key {key!r}; allowed at the top: {', '.join(sorted(_TOP_KEYS))}")
        version = data.get("version")
        if not isinstance(version, (str, int, float)) or isinstance(version, bool) or not str(version).strip():
            self.err(self.lines.key(top, "version"), "the scorecard needs a `version` (e.g. version = \"2026.12-1\"); "
                     "bump it whenever you change the file")
            version = ""
        version = str(version).strip()
        name = str(data.get("name") or "scorecard").strip()
        raw_langs = data.get("languages")
        lang_line = self.lines.key(top, "languages")
        languages: list[str] = []
        if not isinstance(raw_langs, list) or not raw_langs or not all(isinstance(x, str) for x in raw_langs):
            self.err(lang_line, "`languages` must list the team's languages, e.g. languages = [\"en\", \"lv\"]")
        else:
            for x in raw_langs:
                code = normalize_language(x)
                if not _LANG.match(code):
                    self.err(lang_line, f"{x!r} in `languages` is not a language code (en, lv, lt, pl, ro, he...)")
                elif code not in languages:
                    languages.append(code)
        target = None
        if "target" in data:
            target = self.number(data["target"], self.lines.key(top, "target"), "`target` (percent of criteria passed)",
                                 minimum=0.0)
            if target is not None and target > 100:
                self.err(self.lines.key(top, "target"), "`target` is a percentage: 0 to 100")
                target = None

        where = dict(_WHERE_DEFAULTS)
        wspan = self.lines.table("where")
        raw_where = data.get("where") or {}
        if not isinstance(raw_where, Mapping):
            self.err(self.lines.head(wspan), "[where] must be a table")
            raw_where = {}
        for key, val in raw_where.items():
            line = self.lines.key(wspan, key) or self.lines.head(wspan)
            if key not in _WHERE_DEFAULTS:
                self.err(line, f"[where] has no setting {key!r}; known: {', '.join(_WHERE_DEFAULTS)}")
                continue
            v = self.number(val, line, f"[where] {key}", positive=True)
            if v is not None and key == "opening_turns" and v != int(v):
                self.err(line, f"[where] opening_turns must be a whole number, not {v:g}")
            elif v is not None:
                where[key] = int(v) if key == "opening_turns" else v

        sets: list[tuple[str, str, PhraseSet, tuple[int, int] | None, str]] = []
        moments: dict[str, PhraseSet] = {}
        raw_moments = data.get("moments") or {}
        if not isinstance(raw_moments, Mapping):
            self.err(None, "[moments] must be a table")
            raw_moments = {}
        for mname, raw in raw_moments.items():
            mspan = self.lines.table(f"moments.{mname}")
            if mname not in MOMENTS:
                self.err(self.lines.head(mspan), f"unknown moment [moments.{mname}]; known: {', '.join(MOMENTS)}")
                continue
            ps = self.phrase_set(raw, "moment", mname, mspan, f"moments.{mname}",
                                 "agent" if mname == "hold" else "customer", languages)
            if ps is not None:
                moments[mname] = ps
                sets.append((mname, "moment", ps, mspan, f"moments.{mname}"))

        criteria: list[Criterion] = []
        raw_criteria = data.get("criteria")
        if not isinstance(raw_criteria, list) or not raw_criteria:
            self.err(None, "the scorecard has no criteria: add [[criteria]] tables, each with an id and a question")
            raw_criteria = []
        seen: dict[str, int | None] = {}
        for k, raw in enumerate(raw_criteria):
            c = self.criterion(k, raw, seen, languages, sets)
            if c is not None:
                criteria.append(c)
        trackers = self.compile(sets, languages, version) if languages else {}
        if self.problems:
            raise ScorecardError(self.source, self.problems)
        return Scorecard(name=name, version=version, languages=tuple(languages), criteria=tuple(criteria), target=target,
                         where=where, moments=moments, source=self.source, text=self.text,
                         digest=hashlib.sha256(self.text.encode("utf-8")).hexdigest(), trackers=trackers)

    def criterion(self, k: int, raw: Any, seen: dict[str, int | None], languages: Sequence[str],
                  sets: list) -> Criterion | None:
        span = self.lines.criterion(k)
        head = self.lines.head(span)
        if not isinstance(raw, Mapping):
            self.err(head, f"criterion {k + 1} must be a table")
            return None
        line = lambda key: self.lines.key(span, key) or head  # noqa: E731
        for key in raw:
            if key not in _CRITERION_KEYS:
                self.err(line(key), f"criterion {k + 1}: unknown key {key!r}; allowed: {', '.join(sorted(_CRITERION_KEYS))}")
        cid = raw.get("id")
        if not isinstance(cid, str) or not _ID.match(cid):
            self.err(line("id"), f"criterion {k + 1} needs an id of lower-case letters, digits and _ "
                                 f"(e.g. id = \"greeting\"), not {cid!r}")
            cid = f"criterion_{k + 1}"
        elif cid in seen:
            first = seen[cid]
            self.err(line("id"), f"duplicate criterion id {cid!r}" + (f" (first used on line {first})" if first else ""))
        else:
            seen[cid] = line("id")
        name = f"criterion '{cid}'"
        question = raw.get("question")
        if not isinstance(question, str) or not question.strip():
            self.err(line("question"), f"{name} has an empty question: write what a reviewer is asked, "
                                       "e.g. question = \"Did the agent verify the caller's identity?\"")
            question = ""
        weight = 1.0
        if "weight" in raw:
            weight = self.number(raw["weight"], line("weight"), f"{name} weight", minimum=0.0) or 0.0
        speaker = self.choice(raw.get("speaker"), SPEAKERS, line("speaker"), f"{name} speaker", "agent")
        where = self.choice(raw.get("where"), WHERE, line("where"), f"{name} where", "anywhere")
        for flag in ("critical", "unsure"):
            if flag in raw and not isinstance(raw[flag], bool):
                self.err(line(flag), f"{name} {flag} must be true or false")
        parsed: dict[str, PhraseSet | None] = {}
        for kind in SET_KINDS:
            if kind in raw:
                ps = self.phrase_set(raw[kind], kind, cid, span, f"criteria.{kind}", speaker, languages)
                parsed[kind] = ps
                if ps is not None:
                    sets.append((cid, kind, ps, span, f"criteria.{kind}"))
        metric = raw.get("metric")
        lo = hi = None
        if metric is not None:
            if not isinstance(metric, str) or metric not in METRICS:
                self.err(line("metric"), f"{name}: unknown metric {metric!r}; known: {', '.join(sorted(METRICS))}")
            for b in ("min", "max"):
                if b in raw:
                    v = self.number(raw[b], line(b), f"{name} {b}")
                    lo, hi = (v, hi) if b == "min" else (lo, v)
            if "min" not in raw and "max" not in raw:
                self.err(line("metric"), f"{name}: a metric criterion needs min, max or both (the passing range)")
            if lo is not None and hi is not None and lo > hi:
                self.err(line("min"), f"{name}: min ({lo:g}) is above max ({hi:g})")
            if "no_if" in raw or "yes_if" in raw:
                self.err(line("metric"), f"{name}: a metric criterion is answered by its value; remove no_if / yes_if "
                                         "(applies_if may stay)")
            if where != "anywhere":
                self.err(line("where"), f"{name}: a metric is measured over the whole call; remove `where`")
        else:
            for b in ("min", "max"):
                if b in raw:
                    self.err(line(b), f"{name}: {b} needs a metric")
            if "no_if" not in raw and "yes_if" not in raw:
                self.err(head, f"{name} says nothing about how it is answered: give a metric, or [criteria.yes_if] / "
                               "[criteria.no_if] phrases or markers")
        default_otherwise = "yes" if ("no_if" in raw and "yes_if" not in raw) else (
            "not_applicable" if ("no_if" in raw and "yes_if" in raw) else "no")
        otherwise = self.choice(raw.get("otherwise"), ANSWERS, line("otherwise"), f"{name} otherwise", default_otherwise)
        return Criterion(id=cid, question=question.strip(), group=str(raw.get("group") or "General"), weight=weight,
                         critical=bool(raw.get("critical", False)), unsure=bool(raw.get("unsure", False)), speaker=speaker,
                         where=where, otherwise=otherwise, note=str(raw.get("note") or ""),
                         metric=metric if isinstance(metric, str) else None, min=lo, max=hi,
                         applies_if=parsed.get("applies_if"), no_if=parsed.get("no_if"), yes_if=parsed.get("yes_if"),
                         line=head)


def parse_scorecard(text: str, *, source: str = "") -> Scorecard:
    """Parse and check a scorecard's TOML text.

    Raises
    ------
    ScorecardError
        Listing every problem found, each with its line (1-based) where it
        has one: ``exc.problems``.
    """
    if not isinstance(text, str):
        raise ScorecardError(source, [(None, "a scorecard is TOML text")])
    return _Checker(text, source).run()


_CACHE: dict[tuple[str, int, int], Scorecard] = {}


def load_scorecard(path: str | Path | None = None) -> Scorecard:
    """Read a scorecard file (the bundled default when ``path`` is None); cached while the file is unchanged."""
    p = Path(path) if path else DEFAULT_SCORECARD
    try:
        st = p.stat()
        key = (str(p.resolve()), st.st_mtime_ns, st.st_size)
        hit = _CACHE.get(key)
        if hit is not None:
            return hit
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScorecardError(str(p), [(None, "file not found")]) from None
    except UnicodeDecodeError as exc:
        raise ScorecardError(str(p), [(None, f"not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    except OSError as exc:
        raise ScorecardError(str(p), [(None, f"cannot read it: {exc.strerror or exc}")]) from None
    card = parse_scorecard(text, source="default" if path is None else str(p))
    _CACHE[key] = card
    return card
