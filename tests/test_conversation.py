"""Conversation metrics on hand-built turns with known truth.

Pure functions only: no audio models. Each test builds turns whose talk
time, gaps and overlaps are known by construction and checks the numbers.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from tonecoach.analysis.conversation import (
    analyze_conversation,
    find_holds,
    is_backchannel,
    merge_feedback,
    speech_overlaps,
)
from tonecoach.analysis.scoring import load_rubric
from tonecoach.report import FeedbackItem, Segment, Word

SR = 16000


def turn(speaker: str, start: float, text: str, *, rate: float = 0.4, end: float | None = None) -> Segment:
    """A turn whose words start at ``start`` and last ``rate`` seconds each (or spread up to ``end``)."""
    toks = text.split()
    step = rate if end is None else (end - start) / len(toks)
    words = tuple(Word(t, round(start + i * step, 3), round(start + (i + 1) * step, 3), 0.9) for i, t in enumerate(toks))
    return Segment(words[0].start_s, words[-1].end_s, speaker, text, words)


def metrics(segs, agent="A", duration=None, **kw):
    d = duration if duration is not None else max(s.end_s for s in segs) + 1.0
    return analyze_conversation(segs, agent, duration_s=d, **kw)


# -- backchannels ---------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Mhm.", "mm-hmm", "Yeah, okay.", "Uh-huh", "I see.", "right right", "OK"])
def test_backchannels(text):
    assert is_backchannel(text)


@pytest.mark.parametrize("text", ["Yeah, but my bill doubled.", "No, wait", "Okay so what now", "", "Mhm mhm mhm mhm"])
def test_not_backchannels(text):
    assert not is_backchannel(text)


def test_backchannels_in_other_languages_and_english_ones_still_count():
    assert is_backchannel("Jā, labi", language="lv")
    assert is_backchannel("genau", language="de")
    assert is_backchannel("okay", language="de")
    assert not is_backchannel("genau", language="en")


# -- talk ratio and monologue ---------------------------------------------------------


def test_talk_ratio_and_longest_monologue():
    segs = [
        turn("A", 0.0, "hello " * 10, end=6.0),      # 6 s
        turn("C", 6.5, "hi " * 5, end=8.5),           # 2 s
        turn("A", 9.0, "so " * 10, end=15.0),         # 6 s  } one monologue: the customer only says "mhm"
        turn("C", 15.2, "mhm", end=15.6),             # backchannel, 0.4 s
        turn("A", 16.0, "and " * 10, end=22.0),       # 6 s  }
        turn("C", 26.0, "thanks " * 4, end=28.0),     # 2 s
    ]
    m = metrics(segs, duration=30.0).metrics
    assert m["talk_time_s"] == {"A": 18.0, "C": 4.4}
    assert m["agent_talk_ratio"] == pytest.approx(18.0 / 22.4, abs=1e-3)
    assert m["longest_agent_monologue_s"] == pytest.approx(13.0)  # 9.0 -> 22.0
    assert m["longest_agent_monologue_at_s"] == pytest.approx(9.0)


def test_talk_ratio_feedback_passes_the_rubric_threshold_with_its_source():
    segs = [turn("A", 0.0, "word " * 40, end=20.0), turn("C", 20.5, "ok fine then", end=22.0)]
    c = metrics(segs, duration=23.0)
    assert c.metrics["agent_talk_ratio"] > 0.9
    (f,) = [f for f in c.feedback if f.category == "talk_ratio_high"]
    assert f.severity == "major" and f.evidence["threshold"] == 65.0 and "Gong" in f.evidence["source"]
    balanced = metrics([turn("A", 0.0, "word " * 8, end=4.0), turn("C", 4.5, "word " * 8, end=8.5)], duration=9.0)
    assert not [f for f in balanced.feedback if f.category == "talk_ratio_high"]


def test_long_monologue_feedback_over_two_minutes():
    segs = [turn("A", float(t), "word " * 20, end=t + 9.0) for t in range(0, 130, 10)]  # 13 turns, 1 s pauses
    segs.append(turn("C", 135.0, "okay thank you very much", end=137.0))
    c = metrics(segs, duration=140.0)
    assert c.metrics["longest_agent_monologue_s"] == pytest.approx(129.0)
    (f,) = [f for f in c.feedback if f.category == "long_monologue"]
    assert (f.start_s, f.end_s) == (0.0, 129.0) and f.evidence["threshold"] == 120.0


# -- overtalk and interruptions -------------------------------------------------------


def test_interruption_versus_backchannel_and_overtalk():
    segs = [
        # the customer explains; the agent says "mhm" over it: a backchannel, no interruption
        turn("C", 0.0, "so I was charged twice for the same month and", end=5.0),
        turn("A", 2.0, "mhm", end=2.4),
        # the agent comes in at 6.0 while the customer is mid-sentence and talks on: an interruption
        turn("C", 5.5, "then I called and nobody could", end=8.0),
        turn("A", 6.0, "let me stop you there I can see the problem", end=10.0),
        # the customer finishes a sentence; the agent starts as the last word fades: no interruption
        turn("C", 11.0, "That is all.", end=12.0),
        turn("A", 11.9, "Thank you for explaining.", end=13.5),
    ]
    c = metrics(segs, duration=14.0)
    m = c.metrics
    assert m["agent_interruptions"] == 1
    (e,) = m["interruptions"]
    assert e["at_s"] == pytest.approx(6.0) and e["speaker"] == "A" and e["interrupted"] == "C"
    # overtalk: 2.0-2.4 (mhm), 6.0-8.0 (the interruption), 11.9-12.0
    assert m["overtalk_s"] == pytest.approx(0.4 + 2.0 + 0.1, abs=0.01)
    assert [o["started_by"] for o in m["overlaps"]] == ["A", "A", "A"]
    cats = [f.category for f in c.feedback]
    assert cats.count("interruption") == 1 and "overtalk" not in cats  # the 2 s overlap is reported once, as the interruption


def test_customer_interrupting_the_agent_is_counted_for_the_customer():
    segs = [turn("A", 0.0, "your new tariff starts in May and the first bill", end=4.0),
            turn("C", 2.5, "No that is not what I asked for", end=5.5)]
    m = metrics(segs, duration=6.0).metrics
    assert m["agent_interruptions"] == 0 and m["customer_interruptions"] == 1


def test_agent_overtalk_that_is_no_interruption_is_flagged_as_overtalk():
    # the customer has finished a sentence; both start again at once and the agent talks on
    segs = [turn("C", 0.0, "I moved last week.", end=2.0),
            turn("C", 3.0, "And also the meter", end=5.0),
            turn("A", 3.5, "Okay let me update the address for you now", end=7.0)]
    c = metrics(segs, duration=8.0)
    assert c.metrics["overtalk_s"] == pytest.approx(1.5)
    # mid-sentence ("And also the meter" has no full stop): an interruption
    assert c.metrics["agent_interruptions"] == 1


def test_mono_overlaps_from_diarization_count_and_are_attributed():
    # one channel: the words do not overlap, the audio overlap comes from diarization
    segs = [turn("S2", 0.0, "the engineer never came and I took the day off", end=4.0),
            turn("S1", 4.0, "I am so sorry about that", end=6.0)]
    c = metrics(segs, agent="S1", duration=7.0, overlaps=[(3.6, 4.4, ("S1", "S2"))])
    m = c.metrics
    assert m["overtalk_s"] == pytest.approx(0.8)
    assert m["overlaps"][0]["started_by"] == "S1"
    assert m["agent_interruptions"] == 1


def test_speech_overlaps_from_words():
    segs = [turn("L", 0.0, "a b c d e", end=5.0), turn("R", 4.0, "x y z", end=6.0)]
    assert speech_overlaps(segs) == [(4.0, 5.0, ("L", "R"))]


# -- latency, dead air, holds ---------------------------------------------------------


def test_response_latency_median_and_worst():
    segs = [
        turn("C", 0.0, "hello I have a question", end=2.0),
        turn("A", 2.5, "sure go ahead", end=3.5),          # 0.5 s
        turn("C", 4.0, "what is my balance", end=5.0),
        turn("A", 9.0, "it is forty dollars", end=10.0),   # 4.0 s: slow
        turn("C", 11.0, "and the due date", end=12.0),
        turn("C", 12.3, "mhm", end=12.6),                  # a backchannel does not end the wait
        turn("A", 13.5, "the fifth of June", end=14.5),    # 1.5 s from 12.0
        turn("C", 15.0, "thanks", end=15.5),
        turn("A", 15.3, "you are welcome", end=16.5),      # started before the customer stopped: 0
    ]
    c = metrics(segs, duration=17.0)
    lat = c.metrics["response_latency_s"]
    assert lat["count"] == 4
    assert lat["median"] == pytest.approx(1.0)  # of 0.5, 4.0, 1.5, 0.0
    assert lat["worst"] == pytest.approx(4.0) and lat["worst_at_s"] == pytest.approx(5.0)
    (f,) = [f for f in c.feedback if f.category == "slow_response"]
    assert (f.start_s, f.end_s) == (5.0, 9.0) and f.evidence["threshold"] == 3.0


def test_dead_air_over_five_seconds_only():
    segs = [turn("A", 0.0, "one moment please", end=2.0),
            turn("A", 6.5, "still checking", end=8.0),     # 4.5 s gap: not dead air
            turn("C", 14.0, "hello are you there", end=16.0)]  # 6.0 s gap: dead air
    m = metrics(segs, duration=17.0).metrics
    assert m["dead_air"] == [{"start_s": 8.0, "end_s": 14.0, "duration_s": 6.0}]
    assert m["dead_air_s"] == 6.0 and m["dead_air_share"] == pytest.approx(6.0 / 17.0, abs=1e-4)


def _music(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    notes = 220.0 * 2 ** (np.floor(t * 2) % 8 / 12.0)  # a new note every 0.5 s
    return (0.1 * np.sin(2 * np.pi * notes * t) + 0.05 * np.sin(2 * np.pi * 1.5 * notes * t)).astype(np.float32)


def test_holds_music_and_silence_are_told_apart():
    y = np.zeros(100 * SR, np.float32)
    y[10 * SR: 40 * SR] = _music(30.0)          # 30 s music: a hold
    gaps = [(10.0, 40.0), (45.0, 80.0), (85.0, 92.0)]   # 35 s silence: a hold; 7 s silence: not one
    holds = find_holds(gaps, y, sr=SR)
    assert [(h.start_s, h.end_s, h.kind) for h in holds] == [(10.0, 40.0, "music"), (45.0, 80.0, "silence")]
    assert holds[0].level_dbfs is not None and -30 < holds[0].level_dbfs < -15


def test_hold_replaces_dead_air_and_latency_in_a_call():
    y = np.zeros(60 * SR, np.float32)
    y[5 * SR: 45 * SR] = _music(40.0)
    segs = [turn("A", 1.0, "let me put you on hold", end=4.0),
            turn("C", 4.2, "okay", end=4.5),
            turn("A", 46.0, "thanks for holding", end=48.0)]
    c = metrics(segs, duration=50.0, samples=y)
    m = c.metrics
    assert [(h["kind"], h["duration_s"]) for h in m["holds"]] == [("music", 41.5)]
    assert m["dead_air"] == [] and m["hold_s"] == 41.5
    (f,) = [f for f in c.feedback if f.category == "hold"]
    assert f.evidence["kind"] == "music" and "Calabrio" in f.evidence["source"]
    tone_dead_air = FeedbackItem(4.5, 46.0, "dead_air", "major", "Dead air", {"value": 41.5}, None)
    merged = merge_feedback([tone_dead_air], c)
    assert "dead_air" not in [x.category for x in merged] and "hold" in [x.category for x in merged]


def test_long_and_many_holds():
    gaps = [(10.0 + 200 * i, 140.0 + 200 * i) for i in range(4)]  # four holds of 130 s of silence
    segs = []
    for i in range(5):
        segs.append(turn("A", 200.0 * i, "are you still there", end=200.0 * i + 10.0))
    c = metrics(segs, duration=820.0)
    cats = [f.category for f in c.feedback]
    assert cats.count("long_hold") == 4 and cats.count("many_holds") == 1
    assert len(find_holds(gaps, None)) == 4


# -- questions, short turns, one speaker, three speakers ------------------------------


def test_question_rate_and_few_questions_feedback():
    segs = [turn("A", 0.0, "How can I help?", end=2.0), turn("C", 3.0, "My bill.", end=4.0),
            turn("A", 5.0, "Could I have your account number? And your postcode?", end=9.0),
            turn("C", 10.0, "Sure.", end=70.0)]
    m = metrics(segs, duration=120.0).metrics
    assert m["agent_questions"] == 3 and m["agent_questions_per_min"] == pytest.approx(1.5)
    none = metrics([turn("A", 0.0, "Your bill is correct.", end=2.0), turn("C", 3.0, "Fine.", end=80.0)], duration=90.0)
    assert [f.category for f in none.feedback if f.category == "few_questions"] == ["few_questions"]


def test_very_short_turns_throughout():
    segs = []
    t = 0.0
    for i in range(40):  # 40 turns of 0.3 s with 0.2 s gaps
        segs.append(turn("A" if i % 2 == 0 else "C", t, "which one" if i % 2 else "right", end=t + 0.3))
        t += 0.5
    m = metrics(segs, duration=t + 0.5).metrics
    assert m["agent_talk_ratio"] == pytest.approx(0.5)
    assert m["longest_agent_monologue_s"] == pytest.approx(0.3)
    assert m["agent_interruptions"] == 0 and m["overtalk_s"] == 0.0
    assert m["response_latency_s"]["count"] == 19 and m["response_latency_s"]["median"] == pytest.approx(0.2)
    # when the customer only backchannels, the agent's turns run together into one monologue
    bc = [Segment(s.start_s, s.end_s, s.speaker, "mhm", (Word("mhm", s.start_s, s.end_s, 0.9),)) if s.speaker == "C" else s
          for s in segs]
    m2 = metrics(bc, duration=t + 0.5).metrics
    assert m2["longest_agent_monologue_s"] == pytest.approx(19.3) and m2["response_latency_s"]["count"] == 0


def test_one_speaker_has_no_two_party_metrics():
    segs = [turn("S1", 0.0, "Good morning, thank you for calling.", end=3.0)]
    c = metrics(segs, agent="S1", duration=4.0)
    m = c.metrics
    assert m["n_speakers"] == 1 and m["agent_talk_ratio"] is None and m["longest_agent_monologue_s"] is None
    assert m["response_latency_s"]["count"] == 0 and m["agent_questions"] == 0
    assert not [f for f in c.feedback if f.category in {"talk_ratio_high", "few_questions"}]


def test_three_speakers_agent_ratio_over_everyone():
    segs = [turn("S1", 0.0, "w " * 6, end=3.0), turn("S2", 3.5, "w " * 6, end=6.5), turn("S3", 7.0, "w " * 6, end=10.0),
            turn("S1", 10.5, "w " * 6, end=13.5)]
    m = metrics(segs, agent="S1", duration=14.0).metrics
    assert m["n_speakers"] == 3 and m["agent_talk_ratio"] == pytest.approx(0.5)
    assert m["response_latency_s"]["count"] == 1  # S3 -> S1; S2 is answered by S3


def test_ninety_percent_silence():
    segs = [turn("A", 1.0, "hello is anyone there", end=3.0), turn("C", 3.5, "yes hi", end=4.0),
            turn("A", 55.0, "sorry for the wait", end=57.0), turn("C", 57.5, "no problem", end=58.0)]
    m = metrics(segs, duration=60.0, samples=np.zeros(60 * SR, np.float32)).metrics
    assert [(h["kind"], h["start_s"], h["end_s"]) for h in m["holds"]] == [("silence", 4.0, 55.0)]
    assert m["dead_air"] == [] and m["agent_talk_ratio"] == pytest.approx(4.0 / 5.0)


def test_thresholds_come_from_a_custom_rubric():
    segs = [turn("C", 0.0, "question here", end=1.0), turn("A", 2.5, "answer", end=3.0)]
    base = metrics(segs, duration=4.0)
    team = load_rubric().updated({"conversation": {"response_latency": {"seconds_over": 1.0, "source": "team"}}})
    strict = metrics(segs, duration=4.0, rubric=team)
    assert not [f for f in base.feedback if f.category == "slow_response"]
    (f,) = [f for f in strict.feedback if f.category == "slow_response"]
    assert f.evidence["threshold"] == 1.0 and f.evidence["source"] == "team"
    assert strict.metrics["thresholds"]["response_latency.seconds_over"] == 1.0
    assert strict.metrics["thresholds"]["monologue.seconds_over"] == 120.0  # the rest as the rubric it was made from


def test_metrics_are_json_ready_numbers():
    import json

    segs = [turn("A", 0.0, "How can I help?", end=2.0), turn("C", 2.5, "My bill is wrong", end=4.0),
            turn("A", 4.5, "Let me look.", end=5.5)]
    d = metrics(segs, duration=6.0).to_dict()
    again = json.loads(json.dumps(d))
    assert again["agent_talk_ratio"] == d["agent_talk_ratio"] and math.isfinite(again["response_latency_s"]["median"])


# -- on whole calls (Whisper and the voice encoder) -----------------------------------

from pathlib import Path  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def _entry(name: str) -> dict:
    import json

    return next(f for f in json.loads((SAMPLES / "manifest.json").read_text())["files"] if f["file"] == name)


@pytest.fixture(scope="session")
def two_voice_report(analyzer):
    return analyzer.analyze(str(SAMPLES / "two_voice_mono.flac"))


def test_mono_two_voice_call_gets_two_speakers_the_agent_and_the_metrics(two_voice_report):
    r = two_voice_report
    e = _entry("two_voice_mono.flac")
    assert [s.id for s in r.speakers] == ["S1", "S2"] and {s.role for s in r.speakers} == {"agent", "customer"}
    assert r.agent.speaker == "S1" and r.agent.method == "phrases" and r.agent.confidence >= 0.8
    assert "thank you for calling" in r.agent.reason
    # words: each one has the speaker of the manifest turn it falls in (agent = S1)
    side = {"agent": "S1", "customer": "S2"}
    hits = total = 0
    for s in r.segments:
        for w in s.words:
            mid = (w.start_s + w.end_s) / 2
            owner = [t["speaker"] for t in e["turns"] if t["start"] - 0.2 <= mid <= t["end"] + 0.2]
            if len(owner) == 1:
                total += 1
                hits += side[owner[0]] == s.speaker
    assert total >= 60 and hits / total >= 0.85, (hits, total)
    c = r.conversation
    truth_ratio = e["measured"]["agent_talk_s"] / (e["measured"]["agent_talk_s"] + e["measured"]["customer_talk_s"])
    assert abs(c.agent_talk_ratio - truth_ratio) <= 0.1, (c.agent_talk_ratio, truth_ratio)
    assert c.response_latency_s.count >= 3 and 0.2 <= c.response_latency_s.median <= 1.0
    assert c.agent_questions >= 2 and c.dead_air == () and c.holds == ()
    assert c.diarization["n_speakers"] == 2 and c.diarization["evidence"]["decision"] == "2 voices"
    assert "diarize" in r.timings_s and r.options["diarization"]["enabled"] is True
    assert "resemblyzer" in r.models["speakers"]


def test_stereo_call_gets_the_same_metrics_from_its_channels(sample_reports):
    r = sample_reports["stereo_call_8k.wav"]
    e = _entry("stereo_call_8k.wav")
    c = r.conversation
    assert c.diarization is None and c.n_speakers == 2 and c.agent == "left"
    talk = {s: sum(t["end"] - t["start"] for t in e["turns"] if t["speaker"] == s) for s in ("agent", "customer")}
    assert abs(c.agent_talk_ratio - talk["agent"] / sum(talk.values())) <= 0.1
    gaps = [b["start"] - a["end"] for a, b in zip(e["turns"], e["turns"][1:]) if a["speaker"] == "customer"]
    assert abs(c.response_latency_s.median - statistics.median(gaps)) <= 0.5
    assert c.agent_interruptions == 0 and c.overtalk_s < 1.0  # the parties take turns
    assert c.agent_questions >= 2 and c.dead_air == ()
    # the agent talks ~78% of this call: the rubric says so, with its source
    (f,) = [f for f in r.feedback if f.category == "talk_ratio_high"]
    assert "Gong" in f.evidence["source"]


def test_solo_practice_call_is_one_speaker_with_no_two_party_metrics(sample_reports):
    for name in ("warm_agent.flac", "flat_rushed_agent.flac"):
        r = sample_reports[name]
        assert [s.id for s in r.speakers] == ["S1"] and r.agent.method == "single-speaker"
        c = r.conversation
        assert c.n_speakers == 1 and c.agent_talk_ratio is None and c.diarization["n_speakers"] == 1
        assert not {f.category for f in r.feedback} & {"talk_ratio_high", "interruption", "few_questions"}


def test_html_report_shows_both_diarized_speakers(two_voice_report):
    from tonecoach.render.report import render_html

    html = render_html(two_voice_report)
    assert 'class="sid">S1<' in html and 'class="sid">S2<' in html
    assert "Agent" in html and "Customer" in html


def test_report_with_conversation_round_trips(two_voice_report):
    import json

    from tonecoach.report import CallReport

    again = CallReport.from_json(two_voice_report.to_json())
    assert again.conversation == two_voice_report.conversation
    assert again.conversation.to_dict() == json.loads(json.dumps(two_voice_report.to_dict()))["conversation"]
    assert again.agent == two_voice_report.agent
