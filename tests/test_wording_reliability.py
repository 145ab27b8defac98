"""Per-turn transcript checks: Whisper's confidence, the writing system, re-decoding, and what the report does with them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from tonecoach.analysis.scoring import load_rubric
from tonecoach.report import Segment, ToneResult, Word
from tonecoach.wording.analysis import analyze_wording
from tonecoach.wording.reliability import (
    ReliabilityOptions,
    check_turns,
    foreign_share,
    redecode_turns,
    script_shares,
    turn_reliability,
)

RUBRIC = load_rubric()
ROLES = {"A": "agent", "C": "customer"}


def seg(speaker: str, start: float, text: str, p: float = 0.9) -> Segment:
    words = tuple(Word(w, start + 0.4 * i, start + 0.4 * i + 0.3, p) for i, w in enumerate(text.split()))
    return Segment(start, words[-1].end_s if words else start, speaker, text, words, {})


def test_scripts_are_counted_by_words() -> None:
    assert script_shares("שלום Orange") == pytest.approx({"Hebrew": 4 / 10, "Latin": 6 / 10})
    assert foreign_share("shalom, ani mitzta'eret al ha'ikuv", "he") == (1.0, "Latin")
    assert foreign_share("שלום, אני דני מ-Orange, איך אפשר לעזור?", "he")[0] == pytest.approx(1 / 7)
    assert foreign_share("Dzień dobry, w czym mogę pomóc?", "pl") == (0.0, None)
    assert foreign_share("Здравствуйте, чем могу помочь", "lv")[1] == "Cyrillic"
    assert foreign_share("anything at all", "xx") == (0.0, None)  # a language not checked


def test_transliterated_hebrew_fails_and_hebrew_with_a_latin_name_passes() -> None:
    o = ReliabilityOptions()
    bad = turn_reliability(0, seg("A", 0, "shalom ani mitzta'eret al ha'ikuv"), language="he", options=o)
    assert not bad.reliable and "Latin script" in bad.reasons[0] and "not Hebrew" in bad.reasons[0]
    ok = turn_reliability(0, seg("A", 0, "שלום, אני דני מ-Orange, איך אפשר לעזור?"), language="he", options=o)
    assert ok.reliable and ok.reasons == ()
    short = turn_reliability(0, seg("A", 0, "OK"), language="he", options=o)  # too short to judge the script
    assert short.reliable


def test_whisper_confidence_thresholds() -> None:
    s = seg("A", 0.0, "one two three four five", p=0.2)
    r = turn_reliability(0, s, language="en", asr=[(0.0, 2.0, -1.4)])
    assert not r.reliable and r.avg_logprob == pytest.approx(-1.4) and r.mean_word_probability == pytest.approx(0.2)
    assert any("log-probability -1.40" in x for x in r.reasons) and any("mean word probability 0.20" in x for x in r.reasons)
    good = turn_reliability(0, seg("A", 0.0, "one two three four five", p=0.8), language="en", asr=[(0.0, 2.0, -0.3)])
    assert good.reliable
    # half the words unsure but the mean above the floor: the share rule decides
    mixed = Segment(0, 2, "A", "a b c d", tuple(Word(w, i, i + 0.5, p) for i, (w, p) in enumerate(zip("abcd", (0.1, 0.1, 0.1, 0.99)))))
    assert not turn_reliability(0, mixed, language="en", options=ReliabilityOptions(min_mean_word_probability=0.2)).reliable
    # rubric thresholds are data
    strict = ReliabilityOptions.from_rubric({"content": {"transcript": {"min_avg_logprob": -0.2}}})
    assert strict.min_avg_logprob == -0.2 and not turn_reliability(0, seg("A", 0, "x y z"), language="en",
                                                                   asr=[(0, 5, -0.3)], options=strict).reliable


def test_one_channel_segments_serve_every_diarized_speaker() -> None:
    segs = [seg("S1", 0.0, "hello there my friend"), seg("S2", 5.0, "hi how are you")]
    checks = check_turns(segs, language="en", asr={"S1": [(0.0, 10.0, -1.5)]})
    assert [c.reliable for c in checks] == [False, False]  # one channel: its segments cover both voices
    checks = check_turns(segs, language="en", asr={"S1": [(0.0, 3.0, -1.5)], "S2": [(5.0, 9.0, -0.2)]})
    assert [c.reliable for c in checks] == [False, True]


@dataclass
class Ch:
    samples: np.ndarray

    def for_asr(self, sr: int) -> np.ndarray:
        return self.samples


class FakeTranscriber:
    """Answers in Hebrew script when the language is forced, as Whisper does when told the language."""

    def __init__(self):
        self.calls = []

    def transcribe(self, samples, *, language=None, task=None, offset_s=0.0, **kw):
        self.calls.append(language)
        from tonecoach.analysis.asr import TranscribedSegment, Transcript

        words = tuple(Word(w, offset_s + 0.3 * i, offset_s + 0.3 * i + 0.2, 0.9) for i, w in enumerate("שלום אני מצטערת מאוד".split()))
        return Transcript((TranscribedSegment(words[0].start_s, words[-1].end_s, "שלום אני מצטערת מאוד", words, -0.3, 0.01),),
                          language, 1.0)


def test_wrong_script_is_decoded_again_with_the_language_forced() -> None:
    segs = [seg("A", 1.0, "shalom ani mitzta'eret meod"), seg("C", 5.0, "תודה רבה לך")]
    checks = check_turns(segs, language="he")
    assert [c.reliable for c in checks] == [False, True]
    fake = FakeTranscriber()
    again = redecode_turns(fake, segs, checks, {"A": Ch(np.zeros(16000 * 8, np.float32))}, sr=16000, language="he")
    assert fake.calls == ["he"] and list(again) == [0]
    new, chk = again[0]
    assert new.text == "שלום אני מצטערת מאוד" and chk.reliable and chk.redecoded
    assert new.start_s == segs[0].start_s and new.words[0].start_s == pytest.approx(0.8)  # offset by the turn's start


def test_unreliable_turns_are_not_scored_and_the_content_score_weighs_nothing() -> None:
    segs = [seg("A", 0.0, "shalom ani mitzta'eret al ha'ikuv ze lo yikre shuv"), seg("C", 6.0, "זה לא מקובל בכלל!"),
            seg("A", 10.0, "תודה רבה")]
    checks = check_turns(segs, language="he")
    warnings: list[str] = []
    content, _ = analyze_wording(segs, roles=ROLES, language="he", model=None, translations=None, rubric=RUBRIC,
                                 tone=ToneResult(70.0), warnings=warnings, checks=checks)
    t0 = content.turns[0]
    assert t0["unscored"].startswith("transcript unreliable:") and "Latin script" in t0["unscored"]
    assert t0["markers"] == [] and t0["politeness"] is None and t0["transcript"]["reliable"] is False
    assert content.reliable is False and content.transcript.unreliable_share > 0.5
    assert content.overall.score == 70.0 and "weighted 0" in content.overall.combined
    assert content.overall.content_weight_used == 0.0 and content.to_dict()["overall"]["content_weight_used"] == 0.0
    assert any("content score unreliable" in w for w in warnings) and any("not scored for wording" in w for w in warnings)
    # the same call with a trustworthy transcript: content counts
    ok = [seg("A", 0.0, "שלום, אני מצטערת על העיכוב, זה לא יקרה שוב"), segs[1], segs[2]]
    c2, _ = analyze_wording(ok, roles=ROLES, language="he", model=None, translations=None, rubric=RUBRIC,
                            tone=ToneResult(70.0), warnings=[], checks=check_turns(ok, language="he"))
    assert c2.reliable is True and "weighted 0" not in c2.overall.combined
    assert "content_weight_used" not in c2.to_dict()["overall"]  # only when the content side was left out


def test_html_report_shows_unscored_turns_and_the_customer_turns_behind_the_shift(wording_model) -> None:
    from tonecoach.render.report import render_html
    from tonecoach.report import AudioInfo, CallReport, LanguageInfo, Speaker

    segs = [seg("A", 0.0, "Dzień dobry, w czym mogę pomóc?"), seg("C", 3.0, "To skandal, znowu nie działa internet!"),
            seg("A", 7.0, "Bardzo przepraszam, zaraz to naprawię."), seg("C", 11.0, "Dziękuję bardzo, jest pani wspaniała."),
            seg("A", 15.0, "Здравствуйте чем могу вам помочь сегодня")]
    checks = check_turns(segs, language="pl")
    assert [c.reliable for c in checks] == [True, True, True, True, False]  # Cyrillic in a Polish call
    content, fb = analyze_wording(segs, roles=ROLES, language="pl", model=wording_model, translations=None, rubric=RUBRIC,
                                  tone=ToneResult(60.0), warnings=[], checks=checks)
    cu = content.customer
    assert cu["trend"] == "improved" and cu["end"] > cu["start"]
    assert [t["text"] for t in cu["behind_shift"]["start"]] == ["To skandal, znowu nie działa internet!"]
    assert content.reliable is True  # one short agent turn of three is unreliable
    rep = CallReport(audio=AudioInfo("pl.wav", 20.0, 16000, 2), language=LanguageInfo("pl", 0.99), models={},
                     speakers=(Speaker("A", "agent", 12.0, 0), Speaker("C", "customer", 8.0, 1)), segments=tuple(segs),
                     tone=ToneResult(60.0), feedback=tuple(fb), content=content)
    page = render_html(rep)
    assert "Turns not scored" in page and "Cyrillic script" in page
    assert "To skandal, znowu nie działa internet!" in page and "the customer said" in page
