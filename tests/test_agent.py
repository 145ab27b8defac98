"""Who is the agent: whole-call evidence per language, weights as data, a confidence that says when it is unsure."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tonecoach.analysis.agent import decide_agent, find_cues, is_unsure, load_agent_cues, unsure_message
from tonecoach.errors import ToneCoachError
from tonecoach.report import AgentDecision, Segment, Word


def turn(speaker: str, start: float, text: str, rate: float = 0.35) -> Segment:
    toks = text.split()
    words = tuple(Word(t, round(start + i * rate, 3), round(start + (i + 1) * rate, 3), 0.9) for i, t in enumerate(toks))
    return Segment(words[0].start_s, words[-1].end_s, speaker, text, words)


def test_a_callers_hello_does_not_outweigh_the_agents_whole_call():
    """The failure seen on real stereo calls: the caller opened with 'hello' and was coached as the agent."""
    segs = [
        turn("left", 0.4, "Hello?"),
        turn("right", 1.8, "Hi, customer service, how can I help you?"),
        turn("left", 4.4, "Hi, I'm looking for a guest house in the south of the city."),
        turn("right", 9.0, "Sure. Please tell me what you need. Do you need free parking?"),
        turn("left", 13.0, "Yes, and free wifi."),
        turn("right", 15.0, "Could you please tell me your ID? And your name?"),
        turn("left", 18.0, "It's 4471, John Smith."),
        turn("right", 20.0, "Thank you. Do you want me to book it? For how many nights?"),
        turn("left", 24.0, "Two nights. Thank you for your help."),
    ]
    d = decide_agent(segs, ["left", "right"], language="en")
    assert d.speaker == "right" and d.method == "phrases"
    assert d.confidence >= 0.95 and not is_unsure(d)
    kinds = {(e.speaker, e.kind) for e in d.evidence}
    assert {("right", "offer_help"), ("right", "company"), ("right", "asks_details"), ("left", "states_need"),
            ("left", "thanks_for_help")} <= kinds
    # greetings carry no weight: neither "hello" nor "hi" is evidence
    assert not [e for e in d.evidence if e.text in ("hello", "hi")]
    # each piece of evidence has its speaker, time and weight; offer_help at the word where it starts
    (help_,) = [e for e in d.evidence if e.kind == "offer_help"]
    assert help_.text == "how can i help" and help_.start_s == pytest.approx(1.8 + 3 * 0.35, abs=0.01)
    assert help_.weight > 0 and all(e.weight < 0 for e in d.evidence if e.kind in ("states_need", "thanks_for_help"))
    assert math.isclose(sum(d.probabilities.values()), 1.0, abs_tol=0.01)
    assert "offers help" in d.reason and d.reason.startswith("right:")


def test_greetings_alone_say_nothing_and_the_choice_is_unsure():
    segs = [turn("S1", 0.0, "Hello."), turn("S2", 1.5, "Hi, good morning."), turn("S1", 3.0, "Okay."),
            turn("S2", 4.0, "Right.")]
    d = decide_agent(segs, ["S1", "S2"], language="en")
    assert d.method == "language-free" and d.speaker == "S1"  # speaking first, the weakest evidence, decides
    assert 0.5 < d.confidence < 0.65 and is_unsure(d)
    assert "speaks first" in d.reason
    msg = unsure_message(d)
    assert msg.startswith("Is S1 the agent? tonecoach is not sure (")


def test_an_agent_who_never_says_a_cue_word_gets_a_low_confidence_choice():
    segs = [turn("A", 0.0, "Yeah."), turn("B", 1.0, "So what happened then?"), turn("A", 3.0, "It broke."),
            turn("B", 5.0, "When? Last week?"), turn("A", 7.0, "Monday."), turn("B", 8.0, "Which model is it?")]
    d = decide_agent(segs, ["A", "B"], language="en")
    assert d.speaker == "B" and d.method == "language-free"  # B asks every question
    assert d.confidence < load_agent_cues().unsure_below and is_unsure(d)
    assert any(e.kind == "questions" and e.speaker == "B" for e in d.evidence)
    assert "no agent or customer phrases were found" in d.reason and "asks 4 of the call's 4 questions" in d.reason


def test_a_language_without_cues_falls_back_and_says_so():
    segs = [turn("S1", 0.0, "Guten Tag, wie kann ich Ihnen helfen?"), turn("S2", 2.0, "Ich habe ein Problem.")]
    d = decide_agent(segs, ["S1", "S2"], language="de")
    assert d.method == "language-free" and "no agent phrases are known for 'de'" in d.reason
    assert not [e for e in d.evidence if e.kind in load_agent_cues().kinds]


@pytest.mark.parametrize("lang, agent_text, customer_text", [
    ("lv", "Labdien, paldies, ka zvanāt. Kā es varu jums palīdzēt?", "Labdien, es gribu atcelt pasūtījumu."),
    ("lt", "Laba diena, dėkojame, kad skambinate. Kuo galiu jums padėti?", "Laba diena, norėčiau atšaukti užsakymą."),
    ("pl", "Dzień dobry, dziękuję za telefon. W czym mogę pomóc?", "Dzień dobry, dzwonię w sprawie zamówienia."),
    ("ro", "Bună ziua, vă mulțumim că ați sunat. Cu ce vă pot ajuta?", "Bună ziua, aș dori să anulez comanda."),
    ("ro", "Buna ziua, va multumim ca ati sunat. Cu ce va pot ajuta?", "Buna ziua, as dori sa anulez comanda."),
    ("he", "שלום, תודה שהתקשרת לשירות הלקוחות. במה אוכל לעזור?", "שלום, אני רוצה לבטל הזמנה."),
    ("en", "Good morning, thank you for calling Northwind, how may I help?", "Good morning, I'd like to cancel my order."),
])
def test_cues_in_each_language_find_the_agent_even_when_the_customer_speaks_first(lang, agent_text, customer_text):
    segs = [turn("S1", 0.0, customer_text), turn("S2", 4.0, agent_text)]
    d = decide_agent(segs, ["S1", "S2"], language=lang)
    assert d.speaker == "S2" and d.method == "phrases" and d.confidence >= 0.9, d
    assert any(e.speaker == "S1" and e.kind == "states_need" for e in d.evidence), d.evidence


def test_hebrew_cues_allow_a_prefix_letter():
    # "ולשירות הלקוחות" (and-to-the service): the prefix letter does not hide the company cue
    found = find_cues([turn("S1", 0.0, "הגעת ולשירות הלקוחות")], load_agent_cues(), "he")
    assert [e.kind for e in found] == ["company"]


def test_one_voice_on_one_channel_that_sounds_like_the_customer_is_not_coached():
    """The agent is on hold the whole time: only the customer's channel has speech."""
    segs = [turn("left", 0.0, "Hello? I'm calling about my order, it hasn't arrived."),
            turn("left", 20.0, "I have a problem with my account too. Can you help me?")]
    d = decide_agent(segs, ["left"], language="en", single_voice="stereo")
    assert d.speaker is None and d.method == "customer-only"
    assert "sounds like the customer" in d.reason and "no agent speech to coach" in d.reason
    assert is_unsure(d)


def test_one_voice_with_no_customer_cues_stays_the_agent():
    solo = [turn("S1", 0.0, "Thank you for calling, how can I help you today?")]
    practice = decide_agent(solo, ["S1"], language="en")
    assert practice.speaker == "S1" and practice.method == "single-speaker" and practice.confidence == 1.0
    neutral = decide_agent([turn("right", 0.0, "Okay, so the meeting is at noon.")], ["right"], language="en",
                           single_voice="stereo")
    assert neutral.speaker == "right" and neutral.confidence < 0.8 and is_unsure(neutral)
    assert "nothing it says marks an agent" in neutral.reason


def test_three_voices_keep_the_agent_role_on_the_agent():
    """A supervisor joins: three voices; the agent is the one with the agent's evidence, the customer the least agent-like."""
    segs = [turn("S1", 0.0, "Thank you for calling Northwind, my name is Anna, how can I help?"),
            turn("S2", 4.0, "Hi, I need to cancel my contract, I have a complaint."),
            turn("S1", 8.0, "I'm sorry to hear that. Could I have your account number please?"),
            turn("S2", 12.0, "It's 5521."),
            turn("S3", 15.0, "Hello, this is the supervisor, I'll take it from here. What's your name?"),
            turn("S2", 19.0, "John. Thank you for your help.")]
    d = decide_agent(segs, ["S1", "S2", "S3"], language="en")
    assert d.speaker == "S1" and set(d.probabilities) == {"S1", "S2", "S3"}
    assert d.probabilities["S2"] == min(d.probabilities.values())
    from tonecoach.analysis.agent import role

    assert [role(i, d, ["S1", "S2", "S3"]) for i in ("S1", "S2", "S3")] == ["agent", "customer", "unknown"]


def test_forced_speaker_and_no_speech():
    segs = [turn("S1", 0.0, "Thank you for calling Northwind Energy."), turn("S2", 2.0, "Hi.")]
    assert decide_agent(segs, ["S1", "S2"], forced="S2") == AgentDecision("S2", "option", "--agent-speaker S2", 1.0)
    bad = decide_agent(segs, ["S1", "S2"], forced="S7")
    assert bad.speaker == "S1" and "S7 names no speaker" in bad.reason
    none = decide_agent([], [])
    assert none.speaker is None and none.confidence == 0.0 and not is_unsure(none)


def test_repeating_a_cue_adds_less_than_a_new_kind_of_evidence():
    cues = load_agent_cues()
    once = decide_agent([turn("A", 0.0, "Let me check."), turn("B", 2.0, "Okay.")], ["A", "B"], language="en")
    many = decide_agent([turn("A", 0.0, "Let me check. Let me check. Let me check. Let me check. Let me check."),
                         turn("B", 4.0, "Okay.")], ["A", "B"], language="en")
    gain = math.log(many.confidence / (1 - many.confidence)) - math.log(once.confidence / (1 - once.confidence))
    w = cues.kinds["hold_notice"].weight
    assert gain == pytest.approx(w * cues.repeat_bonus * (cues.repeat_cap - 1), abs=0.15)


def test_a_broken_cue_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "cues.toml"
    with open(load_agent_cues().path, encoding="utf-8") as fh:
        text = fh.read()
    bad.write_text(text.replace('"how (can|may|might|could) (i|we) (help|assist)"', '"how (can"'), encoding="utf-8")
    with pytest.raises(ToneCoachError, match=r"cues.en\] offer_help: the pattern 'how \(can' is not a valid"):
        load_agent_cues(str(bad))
    missing = tmp_path / "missing.toml"
    missing.write_text(text.replace("temperature = 1.0\n", ""), encoding="utf-8")
    with pytest.raises(ToneCoachError, match="the key 'temperature' is missing"):
        load_agent_cues(str(missing))


def test_a_bad_agent_channel_is_refused_when_the_analyzer_is_made():
    from tonecoach.analysis.agent import AgentOptions
    from tonecoach.analyzer import Analyzer, AnalyzerOptions

    with pytest.raises(ToneCoachError, match="--agent-channel must be auto, left or right, not 'middle'"):
        AgentOptions(channel="middle")
    with pytest.raises(ToneCoachError, match="--agent-channel must be auto, left or right"):
        Analyzer(AnalyzerOptions(agent_channel="middle", scorecard=False))


def test_the_agent_stage_names_each_speakers_role_and_warns_of_a_speaker_not_in_the_call():
    from tonecoach.analysis.agent import AgentOptions, choose_agent
    from tonecoach.analysis.channels import Channel

    segs = [turn("left", 0.0, "Thank you for calling Northwind Energy, how can I help?"),
            turn("right", 3.0, "Hi, my bill is wrong.")]
    chans = [Channel("left", 0, np.zeros(10, np.float32)), Channel("right", 1, np.zeros(10, np.float32))]
    got = choose_agent(chans, segs, language="en", options=AgentOptions(channel="right"))
    assert got.decision.method == "option" and dict(got.roles) == {"left": "customer", "right": "agent"}
    odd = choose_agent(chans, segs, language="en", speaker="S9")
    assert odd.forced == "S9" and odd.decision.speaker == "left"
    assert any("--agent-speaker S9 names no speaker of this call (left, right)" in w for w in odd.warnings)
