"""Wording markers: lexicons per language, spans, timestamps and the bad inputs the issue names."""

from __future__ import annotations

import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from tonecoach.errors import RubricError
from tonecoach.wording.lexicon import available_languages, load_lexicon, normalize_language
from tonecoach.wording.markers import count_words, find_markers

ROOT = Path(__file__).resolve().parents[1]
LANGS = ("en", "pl", "lv", "lt", "ro", "he")
EXAMPLES = tomllib.loads((ROOT / "benchmarks" / "data" / "wording_examples.toml").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class W:
    text: str
    start_s: float
    end_s: float


def cats(text: str, lang: str = "en") -> set[str]:
    return {m.category for m in find_markers(text, language=lang)}


def test_every_language_has_a_lexicon_and_phrasebook() -> None:
    assert set(LANGS) <= set(available_languages())
    en = load_lexicon("en")
    for lang in LANGS:
        lex = load_lexicon(lang)
        assert lex is not None and lex.language == lang
        assert set(lex.categories) == set(en.categories), lang
        for c in lex.categories.values():
            assert c.effect == en.categories[c.name].effect, (lang, c.name)
            assert c.entries, (lang, c.name)
            if c.effect == "hurts":
                # every hurting phrase has a rewording in that language's phrasebook
                for e in c.entries:
                    key = e.suggestion or c.suggestion
                    assert key and lex.phrasebook.get(key) is not None, (lang, c.name, e.source)


@pytest.mark.parametrize("lang", LANGS)
def test_examples_find_the_expected_markers(lang: str) -> None:
    for ex in EXAMPLES[lang]:
        ms = find_markers(ex["text"], language=lang)
        found = {m.category for m in ms}
        assert set(ex["expect"]) <= found, (ex["text"], found)
        if not ex["expect"]:
            assert not [m for m in ms if m.effect == "hurts"], (ex["text"], ms)
        for m in ms:
            # the span points at the text the marker shows
            assert ex["text"][m.char_start:m.char_end] == m.text
            assert 0 <= m.token_start < m.token_end


def test_hurting_markers_carry_the_phrasebook_rewording() -> None:
    m = next(m for m in find_markers("It's our policy.", language="en") if m.category == "dismissive")
    assert m.suggestion == "Here's what I can do for you: ..."
    assert m.effect == "hurts" and m.suggestion_why
    pl = next(m for m in find_markers("Taka jest polityka firmy.", language="pl") if m.category == "dismissive")
    assert pl.suggestion.startswith("Oto, co mogę")
    helps = find_markers("Thank you so much.", language="en")
    assert helps and all(m.suggestion is None for m in helps)


def test_word_spans_and_timestamps() -> None:
    text = "Well, it's our policy, sorry."
    words = [W("Well,", 10.0, 10.3), W("it's", 10.4, 10.6), W("our", 10.6, 10.8), W("policy,", 10.8, 11.3),
             W("sorry.", 11.5, 12.0)]
    ms = find_markers(text, language="en", words=words)
    pol = next(m for m in ms if m.category == "dismissive")
    assert (pol.token_start, pol.token_end) == (1, 4)
    assert pol.start_s == pytest.approx(10.4) and pol.end_s == pytest.approx(11.3)
    d = pol.to_dict()
    assert d["start_s"] == pytest.approx(10.4) and d["text"] == "it's our policy"


def test_negation_and_context_rules() -> None:
    assert "empathy" not in cats("Nie rozumiem, o co chodzi.", "pl")
    assert "negative_framing" in cats("Nie. To niemożliwe.", "pl")
    assert "filler" not in cats("I'd like to help.")
    assert "filler" in cats("It was, like, broken.")
    assert "negative_framing" not in cats("No problem at all.")
    assert "closing" not in cats("I'll take care of it.")
    # Hebrew proclitics are stripped, but "מאה" (hundred) is not the filler "אה"
    assert "gratitude" in cats("ותודה", "he")
    assert "filler" not in cats("מאה שקלים", "he")


def test_diacritics_fold_where_the_lexicon_says_so() -> None:
    assert {"gratitude", "apology"} <= cats("Va multumesc, imi pare rau.", "ro")
    assert "gratitude" in cats("Mulţumesc", "ro")  # old cedilla letter
    assert "gratitude" in cats("dziekuje", "pl")


# -- bad input --------------------------------------------------------------------------


def test_empty_and_whitespace_give_no_markers() -> None:
    assert find_markers("", language="en") == ()
    assert find_markers("   \t\n ", language="en") == ()
    assert count_words("  ") == 0


def test_ten_thousand_word_turn() -> None:
    sentence = "I'm sorry, it's our policy, there's nothing I can do, but thank you for your patience. "  # 16 words
    text = sentence * 625  # 10,000 words
    assert count_words(text) == 10_000
    t = time.perf_counter()
    ms = find_markers(text, language="en", words=[W(w, i * 0.3, i * 0.3 + 0.25) for i, w in enumerate(text.split())])
    took = time.perf_counter() - t
    by = {}
    for m in ms:
        by[m.category] = by.get(m.category, 0) + 1
    assert by["dismissive"] == 2 * 625 and by["empathy"] == 625
    assert ms[-1].end_s == pytest.approx((10_000 - 1) * 0.3 + 0.25)
    assert took < 120  # generous: only guards against quadratic blow-ups on a loaded machine


def test_mixed_scripts_emoji_and_rtl() -> None:
    ms = find_markers("Thanks 🙏 שלום спасибо, sorry!! 😀", language="en")
    assert [m.category for m in ms] == ["gratitude", "apology"]
    assert ms[0].text == "Thanks" and ms[1].text == "sorry"
    he = find_markers("תודה רבה 🙂 ו-Thank you", language="he")
    assert he and he[0].text == "תודה"
    assert he[0].char_start == 0


def test_language_without_a_lexicon_gives_no_markers() -> None:
    assert load_lexicon("de") is None
    assert find_markers("Vielen Dank, das ist unsere Richtlinie.", language="de") == ()
    assert normalize_language("he-IL") == "he" and normalize_language("iw") == "he" and normalize_language(None) == ""


def test_malformed_lexicon_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "xx.toml"
    bad.write_text('[categories.a]\neffect = "helps"\npatterns = ["x*"]\n', encoding="utf-8")
    with pytest.raises(RubricError, match="too short"):
        load_lexicon("xx", path=bad)
    bad.write_text("[categories.a\n", encoding="utf-8")
    with pytest.raises(RubricError, match="TOML"):
        load_lexicon("xx", path=bad)
