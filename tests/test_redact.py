"""Tests for tonecoach.redact: exact outputs for each kind, positive and negative."""

from __future__ import annotations

import pytest

from tonecoach.redact import _luhn_ok, redact_text, redact_words
from tonecoach.report import Word


def _counts(card: int = 0, phone: int = 0, email: int = 0) -> dict[str, int]:
    return {"email": email, "card": card, "phone": phone}


# ----------------------------------------------------------------------------- cards


@pytest.mark.parametrize(
    "text, expected",
    [
        ("My card is 4111 1111 1111 1111, thanks.", "My card is [CARD], thanks."),
        ("4111-1111-1111-1111", "[CARD]"),
        ("number 4111111111111111.", "number [CARD]."),
        ("amex 3782 822463 10005 ok", "amex [CARD] ok"),  # 15 digits, 4-6-5 grouping
        ("visa 4012 8888 8888 1881", "visa [CARD]"),
        ("4222222222222", "[CARD]"),  # 13-digit Visa
    ],
)
def test_card_numbers_are_masked(text: str, expected: str) -> None:
    assert redact_text(text) == (expected, _counts(card=1))


@pytest.mark.parametrize(
    "text",
    [
        "1234 5678 9012 3456",  # Luhn-invalid, 16 digits: not a card, too long for a phone
        "4111 1111 1111 1112",  # one digit off a valid card
        "4111111111111112",
    ],
)
def test_luhn_invalid_16_digits_are_left_alone(text: str) -> None:
    assert redact_text(text) == (text, _counts())


def test_luhn_invalid_with_plus_is_a_phone_if_it_fits_e164() -> None:
    # 13 digits after "+" cannot be a card (cards are never written with "+") but can be a phone
    assert redact_text("+371 2612 3456 789") == ("[PHONE]", _counts(phone=1))
    # 16 digits with "+": longer than any phone number, not a card either
    assert redact_text("+1234 5678 9012 3456") == ("+1234 5678 9012 3456", _counts())


def test_luhn() -> None:
    assert _luhn_ok("4111111111111111")
    assert _luhn_ok("79927398713")
    assert not _luhn_ok("4111111111111112")
    assert not _luhn_ok("1234567890123456")


# ----------------------------------------------------------------------------- phones


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Call me on +371 26 123 456 please", "Call me on [PHONE] please"),
        ("+371 2612 3456", "[PHONE]"),
        ("London office +44 20 7946 0958.", "London office [PHONE]."),
        ("US line (555) 123-4567, ext 5", "US line [PHONE], ext 5"),
        ("+1 (555) 123-4567", "[PHONE]"),
        ("call 555-123-4567. Thanks", "call [PHONE]. Thanks"),
        ("020 7946 0958", "[PHONE]"),
        ("555.123.4567", "[PHONE]"),
        ("my number is 26123456.", "my number is [PHONE]."),
        ("5551234567", "[PHONE]"),
        ("(call 555 123 4567)", "(call [PHONE])"),
        ("26 123 456 or 26 654 321", "[PHONE] or [PHONE]"),
    ],
)
def test_phone_numbers_are_masked(text: str, expected: str) -> None:
    out, counts = redact_text(text)
    assert out == expected
    assert counts == _counts(phone=expected.count("[PHONE]"))


@pytest.mark.parametrize(
    "text",
    [
        "order 5 arrived in 2024",
        "see you at 10:30 or 14:45:10",
        "that will be $1,250.00 or 1.250,00 €",
        "the bill is 10 000 000 euros",
        "EUR 12 500 000 in total",
        "pi is 3.14159265",
        "on 2024-01-15 or 15.01.2024",
        "in 2023 2024 2025",
        "ticket ID-12345678 or A12345678",
        "room 12 floor 3 at 10 30",
        "555-1234",  # seven digits: a local number, deliberately not masked
        "up 12% to 12345678%",
    ],
)
def test_non_phone_numbers_are_left_alone(text: str) -> None:
    assert redact_text(text) == (text, _counts())


# ----------------------------------------------------------------------------- e-mail


@pytest.mark.parametrize(
    "text, expected",
    [
        ("write to anna.berzina@example.com today", "write to [EMAIL] today"),
        ("john1985+bills@mail.example.co.uk.", "[EMAIL]."),
        ("my email is anna at example dot com.", "my email is [EMAIL]."),
        ("anna dot berzina at gmail dot com dot au", "[EMAIL]"),
        ("it's john underscore smith at company dot lv", "it's [EMAIL]"),
        ("Anna At Example.Com", "[EMAIL]"),
    ],
)
def test_email_addresses_are_masked(text: str, expected: str) -> None:
    assert redact_text(text) == (expected, _counts(email=1))


@pytest.mark.parametrize(
    "text",
    [
        "meet me at google dot com",  # "me" is not a name
        "we arrived at noon",
        "look at this dot",
        "the @ sign",
        "price at 5 dot 50",
    ],
)
def test_non_emails_are_left_alone(text: str) -> None:
    assert redact_text(text) == (text, _counts())


def test_digits_inside_an_email_are_not_a_phone() -> None:
    assert redact_text("mail 26123456@example.com") == ("mail [EMAIL]", _counts(email=1))


def test_mixed_and_counts() -> None:
    text = "Card 4111 1111 1111 1111, phone +44 20 7946 0958, mail a@b.io, and 5551234567."
    assert redact_text(text) == (
        "Card [CARD], phone [PHONE], mail [EMAIL], and [PHONE].",
        _counts(card=1, phone=2, email=1),
    )


def test_empty_and_idempotent() -> None:
    assert redact_text("") == ("", _counts())
    once, _ = redact_text("4111 1111 1111 1111 and +371 26 123 456")
    assert redact_text(once) == (once, _counts())


def test_non_latin_text_is_untouched() -> None:
    text = "שלום, המספר שלי הוא 5"
    assert redact_text(text) == (text, _counts())
    assert redact_text("שלום +972 52 123 4567") == ("שלום [PHONE]", _counts(phone=1))


# ----------------------------------------------------------------------------- words


def _words(texts: list[str]) -> list[Word]:
    return [Word(t, 1.0 + i * 0.5, 1.0 + i * 0.5 + 0.4, 0.5 + i / 100) for i, t in enumerate(texts)]


def test_words_card_across_words_keeps_timestamps() -> None:
    words = _words([" My", " card", " is", " 4111", " 1111", " 1111", " 1111.", " Thanks"])
    out = redact_words(words)
    assert [w.text for w in out] == [" My", " card", " is", " [CARD]", " [CARD]", " [CARD]", " [CARD].", " Thanks"]
    assert [(w.start_s, w.end_s, w.probability) for w in out] == [(w.start_s, w.end_s, w.probability) for w in words]
    assert out[0] is words[0]  # untouched words are the same objects
    assert isinstance(out, tuple) and all(isinstance(w, Word) for w in out)


def test_words_without_leading_spaces_phone_and_spoken_email() -> None:
    words = _words(["phone", "+44", "20", "7946", "0958", "or", "anna", "at", "example", "dot", "com,", "bye"])
    out = redact_words(words)
    assert [w.text for w in out] == [
        "phone",
        "[PHONE]",
        "[PHONE]",
        "[PHONE]",
        "[PHONE]",
        "or",
        "[EMAIL]",
        "[EMAIL]",
        "[EMAIL]",
        "[EMAIL]",
        "[EMAIL],",
        "bye",
    ]
    assert [w.start_s for w in out] == [w.start_s for w in words]


def test_words_negative_cases_unchanged() -> None:
    words = _words([" in", " 2024", " at", " 10:30", " order", " 5", " 1234", " 5678", " 9012", " 3456"])
    assert redact_words(words) == tuple(words)
    assert redact_words([]) == ()


def test_words_agree_with_text() -> None:
    texts = [" Call", " (555)", " 123-4567", " or", " write", " to", " a.b@example.com."]
    out = redact_words(_words(texts))
    assert "".join(w.text for w in out) == " Call [PHONE] [PHONE] or write to [EMAIL]."
    assert redact_text("".join(texts))[0] == " Call [PHONE] or write to [EMAIL]."
