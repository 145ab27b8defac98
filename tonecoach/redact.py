"""Mask personal data in transcripts: payment cards, phone numbers, e-mail addresses.

Pure functions over text (and over word sequences, keeping their timestamps);
no I/O, no model. The patterns are compiled once at import.

What is masked
--------------
``[CARD]``
    A run of 13-19 digits, optionally grouped with single spaces or dashes
    (``4111 1111 1111 1111``, ``4111-1111-1111-1111``, ``3782 822463 10005``),
    that passes the Luhn check.
``[PHONE]``
    * a number written with a leading ``+`` and 8-15 digits in all
      (``+371 26 123 456``, ``+44 20 7946 0958``, ``+1 (555) 123-4567``);
    * otherwise a run of 8-12 digits, grouped or not, with spaces, dashes, dots
      or brackets (``(555) 123-4567``, ``020 7946 0958``, ``555.123.4567``,
      ``5551234567``).
``[EMAIL]``
    ``name@example.com``, and the spoken form Whisper writes,
    ``anna dot berzina at example dot com`` (the address must end in a common
    top-level domain, and the name before "at" must not be a pronoun or a
    filler word such as "me" or "look").

What is deliberately left alone
-------------------------------
* Short numbers ("order 5", "room 12"), years ("2024"), times ("10:30"),
  money ("$1,250.00", "1.250,00 €", "10 000 000 euros"), decimals ("3.14159265"), dates
  ("2024-01-15", "15.01.2024"), lists of years ("2023 2024") and numbers glued
  to letters ("ID-12345678", "A12345678").
* **Luhn-invalid 13-19 digit numbers are not cards.** Such a number is a
  phone only if it looks like one: a leading ``+`` and at most 15 digits (the
  E.164 limit). So a Luhn-invalid 16-digit number such as
  ``1234 5678 9012 3456`` is left as it is: it cannot be a phone number and
  is not a valid card. The cost: a card number that Whisper mis-heard by one
  digit stays visible.
* Numbers spelt out in words ("four one one one ...") and 7-digit local
  numbers ("555-1234") are not detected.

When in doubt between false positives and leaks, the 8-12 digit rule errs on
the side of masking: an unseparated order number of that length is masked as
``[PHONE]``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from .report import Word

__all__ = ["CARD", "EMAIL", "KINDS", "PHONE", "redact_text", "redact_words"]

CARD = "[CARD]"
PHONE = "[PHONE]"
EMAIL = "[EMAIL]"
#: The kinds :func:`redact_text` counts, in the order they are looked for.
KINDS = ("email", "card", "phone")
_TAGS = {"email": EMAIL, "card": CARD, "phone": PHONE}

# A written e-mail address; ``\w`` lets non-ASCII letters into names.
_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,24}(?![\w@])")

# The spoken form: "anna dot berzina at example dot com".
_TLDS = (
    "com|org|net|edu|gov|mil|int|info|biz|io|co|me|app|dev|eu|uk|us|ca|au|de|fr|es|it|nl|be|ch|at|"
    "se|no|dk|fi|pl|cz|lv|lt|ee|ru|ua|il|in|jp|cn|br|mx|ie|pt|gr|tr|za|nz"
)
_NOT_A_NAME = (
    "me|us|you|him|her|them|it|we|i|they|this|that|these|those|look|looked|looking|is|was|be|are|"
    "were|here|there|home|work|least|all|once|first|last|the|a|an|and|or|but|so|call|email|e-mail|"
    "address|arrive|arrived|stay|stayed|meet|see|is|am|just|only|back|out|up|down"
)
_SPOKEN_EMAIL_RE = re.compile(
    rf"""
    \b(?!(?:{_NOT_A_NAME})\b)
    [\w+-]+(?:(?:\s+dot\s+|\.|\s+underscore\s+|_)[\w+-]+)*   # name
    \s+at\s+
    [\w-]+(?:(?:\s+dot\s+|\.)[\w-]+)*                        # domain labels
    (?:\s+dot\s+|\.)(?:{_TLDS})\b                           # top-level domain
    """,
    re.IGNORECASE | re.VERBOSE,
)

# A candidate number: digit groups joined by one or two spaces, a dash (spaces around
# it allowed) or a dot (no spaces: "26123456. 5 minutes" is two numbers),
# optionally with a leading "+" and bracketed groups. It must not be glued to a word,
# a currency sign, a decimal/time/date separator or another number.
_NUMBER_RE = re.compile(
    r"""
    (?<![\w$€£¥+.,:/\\-])
    (?:\+\s?)?
    \(?\d+\)?
    (?:(?:[ \t]{1,2}|[ \t]?-[ \t]?|\.)\(?\d+\)?|(?<=\))\(?\d+\)?)*
    (?![\w%$€£¥]|[.,:/]\d)
    """,
    re.VERBOSE,
)
_ISO_DATE_RE = re.compile(r"\d{4}[-.]\d{1,2}[-.]\d{1,2}")
_DMY_DATE_RE = re.compile(r"\d{1,2}[-.]\d{1,2}[-.]\d{4}")
_GROUP_RE = re.compile(r"\d+")
# Money written with spaces as thousands separators: "10 000 000 euros", "EUR 12 500 000".
_CURRENCY = r"(?:€|\$|£|¥|eur|euros?|usd|dollars?|gbp|pounds?|cents?|rubles?|roubles?|zł|zloty|kr)"
_MONEY_AFTER_RE = re.compile(rf"\s?{_CURRENCY}(?!\w)", re.IGNORECASE)
_MONEY_BEFORE_RE = re.compile(rf"(?<!\w){_CURRENCY}\s?$", re.IGNORECASE)


def _luhn_ok(digits: str) -> bool:
    """True when the digit string passes the Luhn (mod 10) check."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _classify_number(s: str) -> str | None:
    """``"card"``, ``"phone"`` or ``None`` for one candidate matched by ``_NUMBER_RE``."""
    groups = _GROUP_RE.findall(s)
    digits = "".join(groups)
    n = len(digits)
    plus = s.startswith("+")
    card_shaped = not plus and "(" not in s and "." not in s
    if card_shaped and 13 <= n <= 19 and _luhn_ok(digits):
        return "card"
    if plus:
        return "phone" if 8 <= n <= 15 else None
    if not 8 <= n <= 12:
        return None
    if _ISO_DATE_RE.fullmatch(s) or _DMY_DATE_RE.fullmatch(s):
        return None
    if s.count(".") == 1 and not re.search(r"[ \t\-()]", s):  # a decimal number
        return None
    if len(groups) > 1 and all(len(g) == 4 and 1900 <= int(g) <= 2099 for g in groups):  # "2023 2024"
        return None
    return "phone"


def _spans(text: str) -> list[tuple[int, int, str]]:
    """Non-overlapping ``(start, end, kind)`` spans to mask, sorted by start.

    E-mail addresses are found first, so digits inside an address are not
    taken for a phone number.
    """
    spans: list[tuple[int, int, str]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e, _ in spans)

    for rx in (_EMAIL_RE, _SPOKEN_EMAIL_RE):
        for m in rx.finditer(text):
            if free(m.start(), m.end()):
                spans.append((m.start(), m.end(), "email"))
    for m in _NUMBER_RE.finditer(text):
        a, b = m.start(), m.end()
        s = m.group()
        # a bracket only belongs to the number when it is balanced inside it
        if s.endswith(")") and s.count(")") > s.count("("):
            b -= 1
            s = s[:-1]
        if s.startswith("(") and s.count("(") > s.count(")"):
            a += 1
            s = s[1:]
        kind = _classify_number(s)
        if (
            kind == "phone"
            and not s.startswith("+")
            and (_MONEY_AFTER_RE.match(text, b) or _MONEY_BEFORE_RE.search(text, max(0, a - 8), a))
        ):
            kind = None
        if kind and free(a, b):
            spans.append((a, b, kind))
    spans.sort()
    return spans


def redact_text(text: str) -> tuple[str, dict[str, int]]:
    """Mask card numbers, phone numbers and e-mail addresses in a transcript.

    Parameters
    ----------
    text : str
        Transcript text.

    Returns
    -------
    redacted : str
        ``text`` with each match replaced by ``[CARD]``, ``[PHONE]`` or
        ``[EMAIL]`` (one tag per match, whatever its length).
    counts : dict of str to int
        How many of each kind were masked: keys ``"card"``, ``"phone"``,
        ``"email"``, always present.

    Examples
    --------
    >>> redact_text("Card 4111 1111 1111 1111, call +44 20 7946 0958.")
    ('Card [CARD], call [PHONE].', {'email': 0, 'card': 1, 'phone': 1})
    """
    counts = dict.fromkeys(KINDS, 0)
    out: list[str] = []
    pos = 0
    for a, b, kind in _spans(text):
        out.append(text[pos:a])
        out.append(_TAGS[kind])
        counts[kind] += 1
        pos = b
    out.append(text[pos:])
    return "".join(out), counts


def redact_words(words: Sequence[Word]) -> tuple[Word, ...]:
    """Mask the same data as :func:`redact_text` across a sequence of words.

    The words are joined (with a space unless a word already starts with
    whitespace, as faster-whisper's do), the joined text is searched, and every
    word that overlaps a match has the overlapping characters replaced by the
    tag; the rest of the word (a leading space, trailing punctuation) and its
    timestamps and probability are kept. So a card number read out as four
    words ``" 4111", " 1111", " 1111", " 1111."`` becomes
    ``" [CARD]", " [CARD]", " [CARD]", " [CARD]."``.

    Parameters
    ----------
    words : sequence of Word
        Recognised words in time order.

    Returns
    -------
    tuple of Word
        Same length and order as ``words``; unchanged words are the same objects.
    """
    words = tuple(words)
    starts: list[int] = []
    parts: list[str] = []
    pos = 0
    for i, w in enumerate(words):
        if i and not w.text[:1].isspace():
            parts.append(" ")
            pos += 1
        starts.append(pos)
        parts.append(w.text)
        pos += len(w.text)
    spans = _spans("".join(parts))
    if not spans:
        return words
    out = list(words)
    for i, w in enumerate(words):
        ws, we = starts[i], starts[i] + len(w.text)
        hits = [(max(a, ws) - ws, min(b, we) - ws, kind) for a, b, kind in spans if a < we and b > ws]
        if not hits:
            continue
        text = w.text
        for a, b, kind in reversed(hits):  # right to left, so earlier offsets stay valid
            # keep the word's own spacing: the separator inside a match stays outside the tag
            while a < b and text[a].isspace():
                a += 1
            while b > a and text[b - 1].isspace():
                b -= 1
            if a < b:
                text = text[:a] + _TAGS[kind] + text[b:]
        if text != w.text:
            out[i] = replace(w, text=text)
    return tuple(out)
