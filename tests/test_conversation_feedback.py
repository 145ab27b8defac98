"""The conversation feedback, word for word: one call per category, its severity, span and message.

These pin what a team lead reads for each conversation category, so the
measures and the rule registry behind them can be reorganised without the
wording drifting.
"""

from __future__ import annotations

import pytest

from tonecoach.analysis.conversation import analyze_conversation
from tonecoach.analysis.scoring import load_rubric
from tonecoach.report import Segment, Word


def turn(speaker: str, start: float, text: str, *, end: float) -> Segment:
    toks = text.split()
    step = (end - start) / len(toks)
    words = tuple(Word(t, round(start + i * step, 3), round(start + (i + 1) * step, 3), 0.9) for i, t in enumerate(toks))
    return Segment(words[0].start_s, words[-1].end_s, speaker, text, words)


def feedback(segs, duration, category, **kw):
    c = analyze_conversation(segs, "A", duration_s=duration, **kw)
    return [(f.severity, f.start_s, f.end_s, f.message, f.speaker) for f in c.feedback if f.category == category]


def test_talk_share_major_and_minor():
    major = [turn("A", 0.0, "word " * 40, end=20.0), turn("C", 20.5, "ok fine then", end=22.0)]
    assert feedback(major, 23.0, "talk_ratio_high") == [
        ("major", 0.0, 23.0, "The agent talked 93% of the time. Ask and listen more: the best calls are nearer 43% agent talk.",
         "A")]
    minor = [turn("A", 0.0, "word " * 14, end=7.0), turn("C", 7.5, "ok fine then", end=10.0)]
    assert feedback(minor, 11.0, "talk_ratio_high") == [
        ("minor", 0.0, 11.0, "The agent talked 74% of the time. Ask and listen more: the best calls are nearer 43% agent talk.",
         "A")]


def test_long_monologue():
    segs = [turn("A", float(t), "word " * 20, end=t + 9.0) for t in range(0, 130, 10)]
    segs.append(turn("C", 135.0, "okay thank you very much", end=137.0))
    assert feedback(segs, 140.0, "long_monologue") == [
        ("minor", 0.0, 129.0, "Monologue at 0:00: 129 s without letting the customer in. Check in with a question.", "A")]


def test_interruption():
    segs = [turn("C", 5.5, "then I called and nobody could", end=8.0),
            turn("A", 6.0, "let me stop you there I can see the problem", end=10.0)]
    assert feedback(segs, 11.0, "interruption") == [
        ("minor", 6.0, 8.0, "Interruption at 0:06: the agent started while the customer was mid-sentence. Let them finish.",
         "A")]


def test_overtalk_after_a_finished_sentence():
    segs = [turn("C", 0.0, "Fine. Thanks.", end=3.0), turn("A", 1.6, "Okay let me update the address for you now", end=6.0)]
    assert feedback(segs, 7.0, "interruption") == []
    assert feedback(segs, 7.0, "overtalk") == [
        ("minor", 1.6, 3.0, "Overtalk at 0:01: 1.4 s of talking over the customer.", "A")]


def test_slow_response():
    segs = [turn("C", 4.0, "what is my balance", end=5.0), turn("A", 9.0, "it is forty dollars?", end=10.0)]
    assert feedback(segs, 11.0, "slow_response") == [
        ("minor", 5.0, 9.0, "Slow response at 0:05: 4.0 s before the agent answered. Acknowledge at once, even if you need "
                            "time to look something up.", "A")]


def test_holds_short_long_and_many():
    segs = [turn("A", 200.0 * i, "are you still there?", end=200.0 * i + 10.0) for i in range(5)]
    segs += [turn("A", 860.0, "ok", end=861.0), turn("C", 861.5, "bye", end=862.0)]
    long = ("major", 10.0, 200.0, "Hold at 0:10: 190 s of silence. Check back with the customer at least every 2 minutes.", None)
    assert feedback(segs, 900.0, "long_hold")[0] == long
    assert len(feedback(segs, 900.0, "long_hold")) == 4
    assert feedback(segs, 900.0, "hold") == [
        ("info", 810.0, 860.0, "Hold at 13:30: 50 s of silence. Ask before holding and thank the customer after.", None),
        ("info", 862.0, 900.0, "Hold at 14:22: 38 s of silence. Ask before holding and thank the customer after.", None)]
    assert feedback(segs, 900.0, "many_holds") == [
        ("minor", 10.0, 900.0, "6 holds in one call; more than 3 leaves the customer waiting too often.", None)]
    # a rubric whose long hold is 90 s checks back "every 90 s"
    team = load_rubric().updated({"conversation": {"hold": {"long_over_s": 90.0}}})
    assert feedback(segs, 900.0, "long_hold", rubric=team)[0][3].endswith("at least every 90 s.")


def test_few_questions():
    none = [turn("A", 0.0, "Your bill is correct.", end=2.0), turn("C", 3.0, "Fine.", end=80.0)]
    assert feedback(none, 90.0, "few_questions") == [
        ("info", 0.0, 90.0, "The agent asked no questions. Ask what the customer needs and check that it is solved.", "A")]
    one = [turn("A", 0.0, "Is that all?", end=2.0), turn("C", 3.0, "Fine.", end=80.0)]
    team = load_rubric().updated({"conversation": {"questions": {"min_count": 3}}})
    assert feedback(one, 90.0, "few_questions", rubric=team)[0][3] == (
        "The agent asked only 1 question, fewer than 3. Ask what the customer needs and check that it is solved.")
    two = [turn("A", 0.0, "Is that all? Sure?", end=2.0), turn("C", 3.0, "Fine.", end=80.0)]
    assert "only 2 questions, fewer than 3" in feedback(two, 90.0, "few_questions", rubric=team)[0][3]


@pytest.mark.parametrize("agent", [None, "Z"])
def test_no_agent_gives_no_agent_feedback(agent):
    segs = [turn("A", 0.0, "word " * 40, end=20.0), turn("C", 20.5, "ok fine then", end=22.0)]
    c = analyze_conversation(segs, agent, duration_s=90.0)
    assert c.metrics["agent_talk_ratio"] is None and c.metrics["agent_questions"] is None
    assert [f.category for f in c.feedback] == ["hold"]  # the 68 s of silence after the call is a hold, no agent needed
