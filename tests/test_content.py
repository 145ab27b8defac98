"""The content side: content score, customer sentiment, rewordings, tone/content mismatches, overall score, summary."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pytest

from tonecoach.analysis.scoring import load_rubric
from tonecoach.render.report import render_html
from tonecoach.report import AudioInfo, CallReport, LanguageInfo, MetricScore, Segment, Speaker, ToneResult, Word
from tonecoach.wording.analysis import analyze_wording, translate_turns
from tonecoach.wording.balance import priorities, summary, tone_content_mismatches
from tonecoach.wording.call import turn_wording
from tonecoach.wording.content import content_values, customer_sentiment, overall_score, rewording_feedback, score_content

RUBRIC = load_rubric()
ROLES = {"A": "agent", "C": "customer"}


def seg(speaker: str, start: float, text: str, prosody: dict | None = None) -> Segment:
    words = tuple(Word(w, start + 0.4 * i, start + 0.4 * i + 0.3, 0.9) for i, w in enumerate(text.split()))
    return Segment(start, words[-1].end_s if words else start, speaker, text, words, prosody or {})


GOOD = [
    seg("A", 0.0, "Thank you for calling Northwind, my name is Anna, how can I help you today?"),
    seg("C", 6.0, "My bill is wrong again, this is ridiculous and I'm fed up."),
    seg("A", 12.0, "I'm so sorry, I understand how frustrating that is. I'll take care of this personally right now."),
    seg("C", 20.0, "Okay, thank you, that's great."),
    seg("A", 24.0, "You're welcome. Is there anything else I can help with? Have a lovely day."),
    seg("C", 30.0, "No, that's all, thanks so much."),
]
BAD = [
    seg("A", 0.0, "Northwind. What do you want?"),
    seg("C", 3.0, "My bill is wrong again, this is ridiculous and I'm fed up."),
    seg("A", 8.0, "Calm down. It's our policy, there's nothing I can do. You should have read the contract, um, like, whatever."),
    seg("C", 16.0, "This is unacceptable, I want to cancel."),
    seg("A", 20.0, "No, I can't do that. I guarantee it's correct. Call back if you want to complain."),
    seg("C", 26.0, "Unbelievable, this is a waste of time."),
]


def turns_for(segments, model=None, language="en", translations=None, warnings=None):
    return turn_wording(segments, roles=ROLES, language=language, model=model, translations=translations, warnings=warnings)


def test_content_score_prefers_the_good_agent() -> None:
    vg, eg = content_values(turns_for(GOOD), RUBRIC)
    vb, eb = content_values(turns_for(BAD), RUBRIC)
    assert vg["greeting"] == 100.0 and vb["greeting"] == 0.0
    assert vg["closing"] == 100.0
    assert vg["empathy_when_upset"] == 100.0 and vb["empathy_when_upset"] == 0.0
    assert vg["blunt_per_100_words"] == 0.0 and vb["blunt_per_100_words"] > 5
    assert vg["ownership_count"] >= 1 and vb["ownership_count"] == 0
    assert "no empathy statement" in eb["empathy_when_upset"] and '"again"' in eb["empathy_when_upset"]
    sg, mg = score_content(vg, RUBRIC, evidence=eg)
    sb, mb = score_content(vb, RUBRIC, evidence=eb)
    assert sg is not None and sb is not None and sg > 85 and sb < 30
    by = {m.name: m for m in mb}
    assert by["blunt"].score == 0.0 and "Calm down" in by["blunt"].evidence
    assert by["politeness"].value is None  # no model: the model metrics carry no weight
    assert all(m.source for m in mb)


def test_rewording_for_every_flagged_phrase() -> None:
    items = rewording_feedback(turns_for(BAD), RUBRIC)
    flagged = [m for t in turns_for(BAD) if t.role == "agent" for m in t.markers if m.effect == "hurts"]
    assert len(items) == len(flagged) >= 8
    pol = next(i for i in items if i.evidence["phrase"] == "It's our policy")
    assert pol.suggestion == "Here's what I can do for you: ..." and pol.severity == "major"
    assert pol.start_s == pytest.approx(BAD[2].words[2].start_s)  # the timestamp of "It's"
    assert pol.message.startswith("At 0:08 you said")
    assert all(i.suggestion for i in items)


def test_customer_sentiment_turnaround() -> None:
    @dataclass
    class T:
        role: str
        n_words: int
        sentiment: float
        markers: tuple = ()
        start_s: float = 0.0
        end_s: float = 1.0
        segment: int = 0

    up = customer_sentiment([T("customer", 5, 0.1, segment=0), T("agent", 5, 0.5, segment=1), T("customer", 5, 0.2, segment=2),
                             T("customer", 5, 0.6, segment=3), T("customer", 5, 0.7, segment=4)], RUBRIC)
    assert up["trend"] == "improved" and up["start"] == pytest.approx(0.15) and up["end"] == pytest.approx(0.65)
    assert up["method"] == "sentiment head on each customer turn"
    assert [t["segment"] for t in up["turns"]] == [0, 2, 3, 4]  # every customer turn with its score
    assert [t["segment"] for t in up["behind_shift"]["start"]] == [0, 2]
    assert [t["sentiment"] for t in up["behind_shift"]["end"]] == [0.6, 0.7]
    down = customer_sentiment([T("customer", 5, 0.6), T("customer", 5, 0.1)], RUBRIC)
    assert down["trend"] == "worsened"
    assert customer_sentiment([T("customer", 5, 0.6)], RUBRIC) is None
    # without model scores: complaint markers decide
    ts = turns_for(BAD)
    c = customer_sentiment(ts, RUBRIC)
    assert c["method"] == "complaint markers" and c["complaints_start"] >= 1


def test_mismatches_both_ways() -> None:
    flat = {"pitch_sd_semitones": 0.8, "words_per_minute": 140.0, "energy_dbfs": -20.0}
    lively = {"pitch_sd_semitones": 3.5, "words_per_minute": 140.0, "energy_dbfs": -20.0}
    segs = [seg("A", 0.0, "I'm so sorry, I completely understand how frustrating this is.", flat),
            seg("A", 8.0, "You should have read the contract, there's nothing I can do.", lively),
            seg("A", 16.0, "I'm so sorry, I completely understand how frustrating this is.", lively)]
    items = tone_content_mismatches(segs, turns_for(segs), RUBRIC)
    kinds = [(i.start_s, i.evidence["kind"]) for i in items]
    assert kinds == [(0.0, "kind_words_poor_delivery"), (8.0, "warm_tone_blunt_words")]
    assert "flat (0.8 semitones" in items[0].message
    assert items[1].suggestion


def test_overall_priorities_and_summary() -> None:
    ov = overall_score(80.0, 40.0, RUBRIC)
    assert ov["score"] == pytest.approx(0.6 * 80 + 0.4 * 40) and ov["combined"] == "tone and content"
    assert overall_score(None, 40.0, RUBRIC)["score"] == 40.0
    assert overall_score(None, None, RUBRIC)["score"] is None
    tone = [MetricScore("speaking_rate", "Speaking rate", 200, "wpm", 120, 160, 20.0, 2.0, "s", "fast"),
            MetricScore("clipping", "Clipping", 0, "%", 0, 0.1, 100.0, 1.0, "s", "ok")]
    content = [MetricScore("empathy", "Empathy", 0, "%", 100, 100, 0.0, 20.0, "s", "none"),
               MetricScore("fillers", "Fillers", 5, "per 100 words", 0, 4, 75.0, 2.0, "s", "some")]
    tops = priorities(tone, content, ov)
    # speaking rate: 0.6 x 2/3 x 80 = 32; empathy: 0.4 x 20/22 x 100 = 36.4; fillers: 0.4 x 2/22 x 25 = 0.9
    assert [t["metric"] for t in tops] == ["empathy", "speaking_rate", "fillers"]
    assert tops[0]["points"] == pytest.approx(36.4, abs=0.1)
    s = summary(80.0, 40.0, ov, tops)
    assert "60%" in s["balance"] and "7%" not in s["balance"] and "55%" not in s["balance"]
    assert len(s["work_on_first_text"]) == 3 and s["work_on_first_text"][0].startswith("1. Empathy")


class FakeTranscriber:
    def __init__(self):
        self.calls = []

    def transcribe(self, samples, *, language=None, task=None, **kw):
        self.calls.append((language, task, len(samples)))

        class R:
            text = "I am very sorry, I understand your frustration. I will check it right away."
        return R()


@dataclass
class Ch:
    samples: np.ndarray

    def for_asr(self, sr: int) -> np.ndarray:
        return self.samples


def test_non_english_call_scores_on_the_translation_when_asked(wording_model) -> None:
    segs = [seg("A", 0.0, "Bardzo przepraszam, rozumiem pana frustrację. Zaraz to sprawdzę."),
            seg("C", 6.0, "To skandal, nadal nie działa!")]
    fake = FakeTranscriber()
    warnings: list[str] = []
    tr = translate_turns(fake, segs, ROLES, {"A": Ch(np.zeros(16000 * 10, np.float32))}, sr=16000, language="pl",
                         warnings=warnings)
    assert list(tr) == [0] and fake.calls[0][:2] == ("pl", "translate")
    tone = ToneResult(70.0)
    content, fb = analyze_wording(segs, roles=ROLES, language="pl", model=wording_model, translations=tr,
                                  rubric=RUBRIC, tone=tone, warnings=warnings)
    agent = content.turns[0]
    assert agent["via_translation"] and agent["model_input"] == "translation" and agent["translation"].startswith("I am")
    assert {m["category"] for m in agent["markers"]} >= {"apology", "empathy", "ownership"}  # Polish lexicon
    assert content.via_translation is True and content.lexicon is True
    assert content.overall.score is not None and content.score is not None
    # the default: the multilingual model reads the Polish text itself, no warning needed
    w2: list[str] = []
    c2, _ = analyze_wording(segs, roles=ROLES, language="pl", model=wording_model, translations=None, rubric=RUBRIC,
                            tone=tone, warnings=w2)
    assert c2.turns[0]["model_input"] == "original" and not c2.via_translation
    assert c2.turns[0]["politeness"] > 0.5 and not any("untranslated" in w for w in w2)
    cust = c2.turns[1]
    assert cust["sentiment"] is not None and cust["sentiment"] < c2.turns[0]["sentiment"]  # "To skandal" is negative


def test_language_without_lexicon_is_model_only(wording_model) -> None:
    segs = [seg("A", 0.0, "Guten Tag, vielen Dank für Ihren Anruf.")]
    warnings: list[str] = []
    content, _ = analyze_wording(segs, roles=ROLES, language="de", model=wording_model,
                                 translations={0: "Good day, thank you very much for your call."}, rubric=RUBRIC,
                                 tone=ToneResult(None), warnings=warnings)
    assert content.lexicon is False and content.scores.startswith("model only")
    assert content.turns[0]["markers"] == [] and content.turns[0]["politeness"] is not None
    assert any("no marker lexicon for language 'de'" in w for w in warnings)


def test_hebrew_report_renders_right_to_left() -> None:
    segs = [seg("A", 0.0, "שלום, אני מצטערת, זו המדיניות של החברה."), seg("C", 5.0, "זה לא מקובל!")]
    content, fb = analyze_wording(segs, roles=ROLES, language="he", model=None, translations=None, rubric=RUBRIC,
                                  tone=ToneResult(None), warnings=[])
    rep = CallReport(audio=AudioInfo("he.wav", 8.0, 16000, 2), language=LanguageInfo("he", 0.99), models={},
                     speakers=(Speaker("A", "agent", 4.0, 0), Speaker("C", "customer", 2.0, 1)), segments=tuple(segs),
                     tone=ToneResult(None), feedback=tuple(fb), content=content)
    page = render_html(rep)
    assert '<td class="text" dir="auto"' in page
    assert re.search(r'<mark class="hurts" title="[^"]+">זו המדיניות</mark>', page)
    assert "<bdi class=\"phrase\">זו המדיניות</bdi>" in page
    assert "<bdi>הנה מה שאני יכול/ה לעשות בשבילך: …</bdi>" in page  # the Hebrew rewording
    # the report survives a JSON round trip and renders identically
    assert render_html(CallReport.from_json(rep.to_json())) == page


@pytest.mark.slow
def test_sample_calls_content(sample_reports) -> None:
    warm, flat = sample_reports.get("warm_agent.flac"), sample_reports.get("flat_rushed_agent.flac")
    stereo = sample_reports.get("stereo_call_8k.wav")
    assert warm and flat and stereo, "the bundled samples are part of the repository"
    assert warm.content.score > flat.content.score + 20
    assert warm.content.overall.score > flat.content.overall.score
    cats = {f.category for f in flat.feedback}
    assert {"wording_dismissive", "wording_blame"} <= cats
    assert all(f.suggestion for f in flat.feedback if f.category.startswith("wording_"))
    c = stereo.content
    metrics = {m.name: m for m in c.metrics}
    assert metrics["greeting"].score == 100.0 and metrics["closing"].score == 100.0
    # the customer's complaint is found; whether the agent's empathy is depends on the ASR of this synthetic voice
    assert "customer upset at" in metrics["empathy"].evidence
    for t in c.turns:
        for m in t["markers"]:
            assert t["start_s"] - 0.5 <= m["start_s"] <= m["end_s"] <= t["end_s"] + 0.5
    assert c.customer is not None and c.summary["balance"]
    assert len(c.work_on_first) <= 3
    assert all(0 <= t["politeness"] <= 1 for t in c.turns if t["politeness"] is not None)


@pytest.mark.shared_data
@pytest.mark.slow
def test_real_german_speech_is_scored_directly(analyzer, shared_data) -> None:
    """German has no lexicon: markers are empty, the multilingual model reads the German transcript itself."""
    rep = analyzer.analyze(str(shared_data / "speech_multilingual" / "leopard_test_de.wav"))
    assert rep.language.code == "de"
    c = rep.content
    assert c.lexicon is False and c.scores.startswith("model only")
    agent = [t for t in c.turns if t["role"] == "agent"]
    assert agent and all(t["markers"] == [] for t in agent)
    assert c.via_translation is False
    t = agent[0]
    assert t["model_input"] == "original" and "translation" not in t and 0 <= t["politeness"] <= 1
    assert t["transcript"]["reliable"] is True and t["transcript"]["mean_word_probability"] > 0.5
    assert any("no marker lexicon for language 'de'" in w for w in rep.warnings)


def test_work_on_first_fills_up_with_the_gravest_feedback() -> None:
    from tonecoach.report import FeedbackItem, MetricScore
    from tonecoach.wording.balance import priorities, summary

    def metric(name, score, weight=1.0):
        return MetricScore(name=name, label=name.title(), value=1.0, unit="", target_low=0.0, target_high=1.0,
                           score=score, weight=weight, source="", evidence=f"{name} evidence")

    def fb(cat, sev, t):
        return FeedbackItem(start_s=t, end_s=t + 1, category=cat, severity=sev, message=f"{cat} at {t}", evidence={})

    overall = {"tone_weight": 0.6, "content_weight": 0.4}
    tone = [metric("speaking_rate", 100.0), metric("pitch_variability", 100.0)]
    content = [metric("empathy", 0.0), metric("blunt", 100.0)]
    feedback = [fb("too_fast", "minor", 12.0), fb("talk_ratio_high", "minor", 0.0), fb("interruption", "major", 30.0),
                fb("interruption", "major", 40.0), fb("direct_question", "info", 1.0)]
    tops = priorities(tone, content, overall, feedback=feedback)
    assert [p["metric"] for p in tops] == ["empathy", "interruption", "talk_ratio_high"]
    assert tops[0]["points"] > 0 and tops[1]["points"] is None and tops[1]["evidence"] == "interruption at 30.0"
    # a problem already listed as a metric is not listed again through its feedback
    slow = [metric("speaking_rate", 20.0), metric("pitch_variability", 100.0)]
    tops = priorities(slow, content, overall, feedback=[fb("too_fast", "major", 5.0)])
    assert [p["metric"] for p in tops] == ["speaking_rate", "empathy"]
    text = summary(50.0, 40.0, overall, priorities(tone, content, overall, feedback=feedback))["work_on_first_text"]
    assert text[1] == "2. interruption at 30.0"
