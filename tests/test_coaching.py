"""What the coach says first, without a browser: one figure per measurement, plain labels, the summary,
the unsure agent choice, the lines to re-take, and the progress bar's estimate."""

from __future__ import annotations

from dataclasses import replace

import pytest
from web_support import make_report

from tonecoach import coaching as C
from tonecoach.report import AgentDecision, FeedbackItem, MetricScore, Segment, Speaker, Word


def flat_rushed():
    """A one-turn call flagged too fast and flat over two phrases, one dismissive phrase, no greeting."""
    r = make_report(61.0)
    words = tuple(Word(t, 0.5 + i * 0.4, 0.8 + i * 0.4, 0.9) for i, t in enumerate(
        "Hello. What do you want. It's our policy. There's nothing I can do. Call back later.".split()))
    seg = Segment(0.5, words[-1].end_s, "S1", " ".join(w.text for w in words), words,
                  {"words_per_minute": 195.8, "pitch_sd_semitones": 0.61})
    moments_fast = [{"start_s": 0.5, "end_s": 3.3, "value": 213.3}, {"start_s": 3.7, "end_s": 6.5, "value": 221.3}]
    moments_flat = [{"start_s": 0.5, "end_s": 3.3, "value": 0.76}, {"start_s": 3.7, "end_s": 6.5, "value": 0.52}]
    fb = (
        FeedbackItem(0.5, 6.5, "monotone", "major", "Flat delivery from 0:00 to 0:06 (2 phrases in a row): 0.5-0.8 semitones.",
                     {"threshold": 1.5, "unit": "semitones", "value": 0.52, "moments": moments_flat}, "S1"),
        FeedbackItem(3.3, 4.4, "wording_dismissive", "major", 'At 0:03 you said "It\'s our policy" (dismissive phrase).',
                     {"value": "It's our policy", "phrase": "It's our policy", "marker": "dismissive",
                      "pattern": "(it's|it is) our policy", "segment": 0, "words": [5, 8]}, "S1", "Here's what I can do: ..."),
        FeedbackItem(0.5, 6.5, "too_fast", "major", "Too fast from 0:00 to 0:06 (2 phrases in a row): 213-221 words per minute.",
                     {"threshold": 170.0, "unit": "wpm", "value": 221.3, "moments": moments_fast}, "S1"),
        FeedbackItem(1.3, 1.4, "wording_direct_question", "info", 'At 0:01 you said "What" (direct question).',
                     {"value": "What", "phrase": "What", "marker": "direct_question", "pattern": "what", "segment": 0,
                      "words": [1, 2]}, "S1"),
    )
    metrics = (MetricScore("speaking_rate", "Speaking rate", 195.822, "wpm", 120.0, 160.0, 28.4, 2.0, "rubric",
                           "195.8 wpm against a target of 120-160 wpm; 75 words over 23.0 s"),
               MetricScore("pitch_variability", "Pitch variability", 0.611, "semitones", 2.0, 6.0, 7.4, 2.0, "rubric",
                           "0.6 semitones against a target of 2-6 semitones; over 14.9 s of voiced speech"),
               MetricScore("energy_level", "Loudness", -31.03, "dBFS", -32.0, -10.0, 100.0, 1.0, "rubric", "x"))
    content = {
        "score": 8.0,
        "metrics": [{"name": "greeting", "label": "Greeting in the opening", "value": 0.0, "unit": "%", "target_low": 100.0,
                     "target_high": 100.0, "score": 0.0, "weight": 10.0,
                     "evidence": "0.0 % against a target of 100 %; no greeting in the agent's opening turn(s)"}],
        "summary": {"work_on_first": [
            {"side": "tone", "metric": "pitch_variability", "label": "Pitch variability", "points": 13.1},
            {"side": "content", "metric": "greeting", "label": "Greeting in the opening", "points": 10.5},
            {"side": "tone", "metric": "speaking_rate", "label": "Speaking rate", "points": 10.1}]},
        "turns": [{"segment": 0, "speaker": "S1", "role": "agent", "start_s": 0.5, "end_s": seg.end_s, "markers": [
            {"category": "dismissive", "label": "Dismissive phrase", "effect": "hurts", "text": "It's our policy"},
            {"category": "direct_question", "label": "Direct question", "effect": "hurts", "text": "What"}]}],
    }
    return replace(r, segments=(seg,), feedback=fb, tone=replace(r.tone, metrics=metrics), content=content)


@pytest.mark.parametrize("value, unit, text", [
    (195.822, "wpm", "196 wpm"), (221.3, "wpm", "221 wpm"), (0.611, "semitones", "0.6 semitones"),
    (-31.03, "dBFS", "−31.0 dBFS"), (76.6, "%", "77%"), (-0.01, "dB", "0.0 dB"), (None, "wpm", "—"),
])
def test_one_precision_per_unit(value, unit, text):
    assert C.fmt(value, unit) == text


def test_targets_read_as_people_write_them():
    assert C.target_text(120, 160, "wpm") == "120–160 wpm"
    assert C.target_text(-32, -10, "dBFS") == "−32 to −10 dBFS"
    assert C.target_text(1, 1000, "count") == "at least 1 count"
    assert C.target_text(2.5, 6, "semitones") == "2.5–6 semitones"


def test_verdicts():
    assert [C.verdict(v) for v in (92, 80, 79.9, 60, 59, None)] == [
        "good", "good", "getting there", "getting there", "needs work", "not measured"]


def test_feedback_for_people_says_which_figure_is_which():
    r = flat_rushed()
    views = C.feedback_views(r)
    fast = next(v for v in views if v.category == "too_fast")
    assert fast.label == "Speaking too fast"
    assert fast.figures == ("fastest phrase: 221 wpm", "your whole call: 196 wpm", "target 120–160 wpm")
    assert fast.moment == (3.7, 6.5)  # the fastest phrase, to play
    flat = next(v for v in views if v.category == "monotone")
    assert flat.figures[:2] == ("flattest phrase: 0.5 semitones", "your whole call: 0.6 semitones")
    dismissive = next(v for v in views if v.category == "wording_dismissive")
    assert dismissive.label == "Dismissive phrase" and not dismissive.figures  # the message quotes the phrase
    assert ("pattern", "(it's|it is) our policy") in dismissive.details and ("segment", "0") in dismissive.details
    # severity, then time; the greeting the summary names has a row of its own
    order = [(C.SEVERITY_RANK[v.severity], v.start_s) for v in views]
    assert order == sorted(order)
    greeting = next(v for v in views if v.metric == "greeting")
    assert greeting.index is None and greeting.label == "Greeting in the opening"
    assert greeting.finding == "No greeting in the agent's opening turn(s)."
    assert greeting.moment == (0.5, 6.8)  # the opening (its first 8 s at most)


def test_a_single_phrase_equal_to_the_call_shows_one_figure():
    r = make_report()  # one turn at 190 wpm, the call's rate 190 wpm
    (v,) = C.feedback_views(r)
    assert v.figures[0] == "190 wpm (your whole call: the same)"


def test_summary_ties_each_item_to_its_row_and_moment():
    r = flat_rushed()
    s = C.summary(r)
    assert [w.label for w in s.work_on] == ["Flat, monotone delivery", "Greeting in the opening", "Speaking too fast"]
    assert [round(w.points) for w in s.work_on] == [13, 10, 10]
    assert all(w.start_s is not None and w.feedback for w in s.work_on)
    assert s.went_well is not None and s.went_well.label == "Loudness" and "on target" in s.went_well.why


def test_without_a_content_side_the_tone_metrics_that_gain_most():
    s = C.summary(flat_rushed().__class__(**{**flat_rushed().__dict__, "content": None}))
    assert [w.label for w in s.work_on][:2] == ["Flat, monotone delivery", "Speaking too fast"]  # 185, 143 points


def test_an_unsure_agent_choice_is_told():
    r = make_report()
    two = replace(r, speakers=(Speaker("left", "agent", 6.0, 0), Speaker("right", "customer", 4.0, 1)),
                  segments=(replace(r.segments[0], speaker="left"),),
                  agent=AgentDecision("left", "greeting", "left opens with agent phrases", 0.65))
    d = C.agent_doubt(two)
    assert (d.name, d.confidence, d.others) == ("LEFT", 0.65, (("right", "RIGHT"),))
    assert d.first_words.startswith("thank you for calling")
    assert C.agent_doubt(replace(two, agent=replace(two.agent, confidence=0.95))) is None
    assert C.agent_doubt(replace(two, agent=AgentDecision("left", "option", "set to left by ann in the web app", 0.6))) is None
    assert C.agent_doubt(replace(two, agent=replace(two.agent, set_by="ann", automatic=False))) is None  # a person's
    assert C.agent_doubt(r) is None  # one speaker
    evidence = replace(two, agent=type("D", (), {"speaker": "left", "method": "voice", "reason": "r", "confidence": 0.5,
                                                  "evidence": ["greets first", "talks 60%"]})())
    assert C.agent_doubt(evidence).evidence == ("greets first", "talks 60%")


def test_retake_lines_are_phrases_and_sentences_once_each():
    r = flat_rushed()
    lines = C.retake_lines(r)
    spans = [(round(x.start_s, 1), round(x.end_s, 1)) for x in lines]
    assert len(spans) == len(set(spans))
    phrase = next(x for x in lines if any(c == "too_fast" for c, _, _ in x.focus) and x.start_s >= 3.7)
    assert ("too_fast", "words_per_minute", 221.3) in phrase.focus and ("monotone", "pitch_sd_semitones", 0.52) in phrase.focus
    assert "Speaking too fast (221 wpm)" in phrase.label
    policy = next(x for x in lines if x.focus[0][0] == "wording_dismissive")
    assert policy.text == "It's our policy."  # the sentence it was said in
    assert all(x.end_s - x.start_s <= 12.0 for x in lines)


@pytest.mark.parametrize("before, after, verdict", [
    (221, 150, "now on target"), (221, 180, "closer to the target"), (180, 200, "not closer yet"), (221, None, "not measured"),
])
def test_retake_verdicts(before, after, verdict):
    assert C.retake_verdict(before, after, 120, 160) == verdict


def test_metric_evidence_loses_the_value_it_repeats():
    assert C.evidence_tail("195.8 wpm against a target of 120-160 wpm; 75 words over 23.0 s") == "75 words over 23.0 s"
    assert C.evidence_tail("182 wpm over 3 agent turns (target 130-170)") == "182 wpm over 3 agent turns (target 130-170)"


# -- the progress bar ------------------------------------------------------------------------------


def test_the_bar_moves_while_a_channel_is_transcribed_and_never_back():
    from tonecoach.web.progress import Pace, Tracker

    now = [0.0]
    shown = []
    pace = Pace(default=0.5)
    t = Tracker(lambda f, m: shown.append((round(f, 3), m)), pace=pace, audio_s=20.0, channels=2, clock=lambda: now[0])
    t.report(0.05, "transcribing")  # channel 1 of 2 starts; 20 s at 0.5 s a second: about 10 s
    for step in range(4):
        now[0] = step * 2.5
        t.tick()
    fractions = [f for f, _ in shown]
    assert fractions == sorted(fractions) and len(set(fractions)) == 4
    assert fractions[-1] < 0.475  # never past the end of the first channel's share
    assert shown[1][1] == "transcribing channel 1 of 2 (about 8 s left)"
    t.report(0.475, "transcribing")  # channel 1 done, channel 2 starts
    now[0] = 12.0
    t.tick()
    assert 0.475 <= shown[-1][0] < 0.9 and "channel 2 of 2" in shown[-1][1]
    t.report(0.9, "measuring prosody")
    t.tick()
    assert shown[-1] == (0.9, "measuring prosody")
    pace.add(6.0, 20.0, 2)
    assert pace.seconds_per_second() == pytest.approx(0.15)


def test_the_bar_runs_the_work_and_hands_back_its_error():
    from tonecoach.web.progress import Pace, Tracker

    t = Tracker(lambda f, m: None, pace=Pace(), audio_s=None, tick_s=0.01)
    assert t.run(lambda cb: (cb(0.5, "x"), 42)[1]) == 42
    with pytest.raises(ValueError, match="boom"):
        t.run(lambda cb: (_ for _ in ()).throw(ValueError("boom")))


# -- the login page and the lockout ----------------------------------------------------------------


def test_the_login_page_replaces_gradios_form_only():
    import asyncio

    from tonecoach.web.login import LOGIN_PAGE, LoginPage

    def app_answering(body: bytes):
        async def app(scope, receive, send):
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]})
            await send({"type": "http.response.body", "body": body})
        return app

    def get(app, path="/"):
        sent = []

        async def send(m):
            sent.append(m)

        asyncio.run(LoginPage(app)({"type": "http", "method": "GET", "path": path}, None, send))
        return b"".join(m.get("body", b"") for m in sent)

    login = b'<script>window.gradio_config = {"auth_required":true,"components":[]};</script>'
    assert get(app_answering(login)) == LOGIN_PAGE.encode()
    app_page = b'<script>window.gradio_config = {"components":[1]};</script>'
    assert get(app_answering(app_page)) == app_page  # logged in: the app, untouched
    assert get(app_answering(login), "/gradio_api/info") == login  # only the page itself
    assert "tonecoach" in LOGIN_PAGE and "how you sound" in LOGIN_PAGE and "http" not in LOGIN_PAGE.replace("http-equiv", "")
