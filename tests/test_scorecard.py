"""QA scorecards as data: the file is checked line by line, and each criterion is answered with its evidence."""

from __future__ import annotations

import json

import pytest

from tonecoach.cli import main
from tonecoach.report import AgentDecision, AudioInfo, CallReport, LanguageInfo, Segment, Speaker, ToneResult, Word
from tonecoach.scorecard import DEFAULT_SCORECARD, ScorecardError, evaluate, load_scorecard, parse_scorecard

# -- building calls without audio ---------------------------------------------------------------


def seg(speaker: str, start: float, text: str, *, rate: float = 0.35) -> Segment:
    words = tuple(Word(w, round(start + i * rate, 2), round(start + i * rate + 0.3, 2), 0.9) for i, w in enumerate(text.split()))
    return Segment(start, words[-1].end_s, speaker, text, words)


def call(turns, *, language="en", duration=None, conversation=None, tone=80.0, content=None) -> CallReport:
    """A two-party call: ``turns`` are (who, start_s, text) with who "A" (agent) or "C" (customer)."""
    segs = tuple(seg("left" if who == "A" else "right", t, text) for who, t, text in turns)
    end = duration or (max(s.end_s for s in segs) + 2.0)
    return CallReport(
        audio=AudioInfo("call.wav", end, 8000, 2), language=LanguageInfo(language, 1.0, True), models={"asr": {"name": "fake"}},
        speakers=(Speaker("left", "agent", 10.0, 0), Speaker("right", "customer", 10.0, 1)), segments=segs,
        tone=ToneResult(score=tone), agent=AgentDecision("left", "option", "test", 1.0),
        conversation=conversation if conversation is not None else {"agent": "left", "dead_air": [], "holds": [],
                                                                     "agent_interruptions": 0, "interruptions": []},
        content=content)


@pytest.fixture(scope="module")
def card():
    return load_scorecard()


def answers(card, report):
    return {a.id: a for a in evaluate(card, report).answers}


# -- the default scorecard ----------------------------------------------------------------------


def test_the_default_scorecard_covers_the_seed_list_in_six_languages(card):
    assert card.version and card.languages == ("en", "lv", "lt", "pl", "ro", "he")
    for cid in ("greeting", "identity_verified", "hold_time_told", "no_long_silence", "no_rudeness", "polite_wording",
                "friendly_voice", "no_over_promising", "consistent_information", "product_knowledge",
                "first_contact_resolution", "further_help_offered", "proper_closing", "empathy_after_complaint"):
        assert card.criterion(cid) is not None and card.criterion(cid).question.endswith("?")
    # every phrase criterion has phrases in every language of the team
    for c in card.criteria:
        for s in c.sets:
            if s.phrases:
                assert set(s.phrases) == set(card.languages), (c.id, s.kind)
    assert set(card.trackers) == set(card.languages)


GOOD_CALL = [
    ("A", 0.5, "Thank you for calling Acme, my name is Dana. How can I help you today?"),
    ("C", 5.0, "Hi, I have been having trouble with my order, it never arrived."),
    ("A", 10.0, "I'm so sorry to hear that. Could you give me your order number and your date of birth please?"),
    ("C", 16.0, "Sure, it is 4 4 1 2."),
    ("A", 20.0, "Thank you. Can I put you on a brief hold? It will take about two minutes."),
    ("A", 60.0, "Thanks for holding. I have rebooked the delivery for tomorrow, your order is confirmed."),
    ("C", 66.0, "That helps, thank you."),
    ("A", 69.0, "Is there anything else I can help you with today?"),
    ("C", 72.0, "No, that is all."),
    ("A", 74.0, "Thank you for calling, have a great day."),
]


def test_a_good_call_answers_yes_with_quotes_and_times(card):
    hold = {"start_s": 25.0, "end_s": 59.0, "duration_s": 34.0, "kind": "music"}
    r = call(GOOD_CALL, conversation={"agent": "left", "dead_air": [], "holds": [hold], "agent_interruptions": 0,
                                      "interruptions": []})
    a = answers(card, r)
    for cid in ("greeting", "identity_verified", "hold_time_told", "short_holds", "no_rudeness", "empathy_after_complaint",
                "first_contact_resolution", "further_help_offered", "proper_closing", "no_long_silence"):
        assert a[cid].answer == "yes", (cid, a[cid].reason)
    ev = a["identity_verified"].evidence[0]
    assert ev["start_s"] >= 10.0 and ev["speaker"] == "left" and "order number" in ev["quote"]
    told = a["hold_time_told"].evidence[0]
    assert "two minutes" in told["phrase"] and 20.0 <= told["start_s"] <= 25.0
    assert a["short_holds"].evidence[0]["value"] == 34.0
    assert a["empathy_after_complaint"].evidence[0]["phrase"].lower().startswith("i'm so sorry")
    res = evaluate(card, r)
    assert res.score == 100.0 and res.passed is True and res.counts["no"] == 0


def test_missing_items_answer_no_and_say_where_they_were_looked_for(card):
    r = call([("A", 0.5, "Yeah what."), ("C", 2.0, "My order never arrived, this is unacceptable."),
              ("A", 6.0, "Calm down. I don't know where it is, you will have to call back."),
              ("A", 40.0, "Please hold."), ("A", 80.0, "Bye.")],
             conversation={"agent": "left", "dead_air": [{"start_s": 9.0, "end_s": 39.0, "duration_s": 30.0}],
                           "holds": [], "agent_interruptions": 3,
                           "interruptions": [{"at_s": 3.0, "speaker": "left"}]})
    a = answers(card, r)
    assert a["greeting"].answer == "no" and "opening" in a["greeting"].reason
    assert a["no_rudeness"].answer == "no" and "Calm down" in a["no_rudeness"].reason
    assert a["product_knowledge"].answer == "no" and a["product_knowledge"].unsure
    assert a["first_contact_resolution"].answer == "no" and "have to call" in a["first_contact_resolution"].reason
    assert a["empathy_after_complaint"].answer == "no" and "complaint at 0:0" in a["empathy_after_complaint"].reason
    # the request to hold gave no time: "no", pointing at the request
    assert a["hold_time_told"].answer == "no" and a["hold_time_told"].evidence[0]["start_s"] == 40.0
    assert a["no_long_silence"].answer == "no" and a["no_long_silence"].evidence[0]["value"] == 30.0
    assert a["let_customer_finish"].answer == "no"
    assert a["further_help_offered"].answer == "no"
    res = evaluate(card, r)
    assert res.passed is False and "no_rudeness" in res.critical_failed  # critical: fails the call


def test_not_applicable_when_the_moment_is_absent(card):
    r = call([("A", 0.5, "Hello, this is Dana. How can I help?"), ("C", 3.0, "What time do you open on Sunday?"),
              ("A", 6.0, "We open at ten."), ("C", 8.0, "Thanks, bye."), ("A", 9.0, "Goodbye.")])
    a = answers(card, r)
    assert a["hold_time_told"].answer == "not_applicable" and "no hold" in a["hold_time_told"].reason
    assert a["short_holds"].answer == "not_applicable"
    assert a["empathy_after_complaint"].answer == "not_applicable"
    assert a["identity_verified"].answer == "not_applicable"  # nothing of the caller's is dealt with
    assert a["first_contact_resolution"].answer == "not_applicable" and a["first_contact_resolution"].unsure


def test_a_greeting_must_be_in_the_agents_first_turns(card):
    late = call([("C", 0.5, "Hi, I am looking for a restaurant."), ("A", 2.0, "What kind of food?"), ("C", 4.0, "Italian."),
                 ("A", 6.0, "In which area?"), ("C", 8.0, "North."), ("A", 10.0, "Okay, what can I do for you?")])
    assert answers(card, late)["greeting"].answer == "no"


def test_metric_criteria(card):
    r = call([("A", 0.5, "Hello, thank you for calling."), ("C", 3.0, "Hi.")], tone=42.0,
             content={"metrics": [{"name": "politeness", "value": 72.0, "evidence": "72 /100; 3 agent turn(s)"}]})
    a = answers(card, r)
    assert a["friendly_voice"].answer == "no" and "42" in a["friendly_voice"].reason
    assert a["polite_wording"].answer == "yes" and a["polite_wording"].evidence[0]["value"] == 72.0
    no_wording = answers(card, call([("A", 0.5, "Hello.")]))
    assert no_wording["polite_wording"].answer == "not_applicable"


@pytest.mark.parametrize("language, turns, cid, want", [
    # Latvian: inflected forms and text typed without diacritics
    ("lv", [("A", 0.5, "Labdien! Lūdzu, nosauciet savu personas kodu."), ("C", 4.0, "Mans līgums.")], "identity_verified", "yes"),
    ("lv", [("A", 0.5, "Labdien, lūdzu nosauciet savu personas kodu."), ("A", 8.0, "Vai vel varu jums kaut ka palidzet?")],
     "further_help_offered", "yes"),
    # Lithuanian
    ("lt", [("A", 0.5, "Laba diena. Atsiprašau, nežinau, kada siunta atvyks.")], "product_knowledge", "no"),
    # Polish: both genders of the past tense
    ("pl", [("A", 0.5, "Dzień dobry. Przepraszam, pomyliłam się, to był błąd.")], "consistent_information", "no"),
    ("pl", [("A", 0.5, "Dzień dobry. Przepraszam, pomyliłem się.")], "consistent_information", "no"),
    ("pl", [("A", 0.5, "Dzień dobry, proszę chwilę poczekać, to zajmie dwie minuty.")], "hold_time_told", "yes"),
    # Romanian, with and without diacritics
    ("ro", [("A", 0.5, "Bună ziua. Vă rog să așteptați, durează cinci minute.")], "hold_time_told", "yes"),
    ("ro", [("A", 0.5, "Buna ziua. Va rog sa asteptati putin.")], "hold_time_told", "no"),
    # Hebrew: a proclitic prefix (ו "and") in front of the word
    ("he", [("A", 0.5, "שלום, יש עוד משהו ואפשר לעזור במשהו נוסף?")], "further_help_offered", "yes"),
    ("he", [("A", 0.5, "שלום. אני לא יודע.")], "product_knowledge", "no"),
])
def test_phrase_trackers_in_each_language(card, language, turns, cid, want):
    a = answers(card, call(turns, language=language))[cid]
    assert a.answer == want, a.reason


def test_a_language_without_phrases_is_not_answered_and_says_so(card):
    a = answers(card, call([("A", 0.5, "Guten Tag, wie kann ich helfen?")], language="de"))
    assert a["further_help_offered"].answer == "not_applicable" and "'de'" in a["further_help_offered"].reason
    assert a["friendly_voice"].answer == "yes"  # metrics do not depend on the language


def test_the_report_carries_the_result_and_reads_older_reports(card):
    r = call(GOOD_CALL)
    from dataclasses import replace

    with_card = replace(r, scorecard=evaluate(card, r).to_dict())
    back = CallReport.from_json(with_card.to_json())
    assert back.scorecard == json.loads(json.dumps(with_card.scorecard))
    assert back.scorecard["answers"][0]["id"] == "greeting"
    old = json.loads(r.to_json())
    old.pop("scorecard")
    old["schema_version"] = "1.0"
    assert CallReport.from_dict(old).scorecard is None


# -- bad scorecard files --------------------------------------------------------------------------

BASE = """\
version = "1"
languages = ["en", "lv"]

[[criteria]]
id = "greeting"
question = "Did the agent greet?"
where = "opening"
[criteria.yes_if]
en = ["hello", "good morning"]
lv = ["labdien"]

[[criteria]]
id = "calm"
question = "Was the customer spared long silences?"
metric = "longest_dead_air_s"
max = 10
"""


def problems(text):
    with pytest.raises(ScorecardError) as ei:
        parse_scorecard(text, source="team.toml")
    return ei.value


def line_of(text, needle, nth=1):
    hits = [i + 1 for i, ln in enumerate(text.splitlines()) if needle in ln]
    return hits[nth - 1]


def test_the_base_file_parses():
    c = parse_scorecard(BASE)
    assert c.ids == ("greeting", "calm") and c.criterion("calm").max == 10.0


def test_unknown_metric_names_its_line():
    bad = BASE.replace('metric = "longest_dead_air_s"', 'metric = "longest_dead_air"')
    e = problems(bad)
    assert e.lines == (line_of(bad, "metric ="),)
    assert "unknown metric 'longest_dead_air'" in str(e) and "longest_dead_air_s" in str(e)
    assert str(e).startswith(f"scorecard 'team.toml': line {line_of(bad, 'metric =')}:")


def test_malformed_regular_expression_names_its_line():
    bad = BASE.replace('en = ["hello", "good morning"]', 'en = [\n  "hello",\n  { re = "good (morning" },\n]')
    e = problems(bad)
    assert e.lines == (line_of(bad, "good (morning"),)
    assert "bad regular expression" in str(e)


def test_duplicate_criterion_id_names_both_lines():
    bad = BASE.replace('id = "calm"', 'id = "greeting"')
    e = problems(bad)
    assert e.lines == (line_of(bad, 'id = "greeting"', 2),)
    first = line_of(bad, 'id = "greeting"')
    assert f"first used on line {first}" in str(e)


def test_empty_question_names_its_line():
    bad = BASE.replace('question = "Was the customer spared long silences?"', 'question = "  "')
    e = problems(bad)
    assert e.lines == (line_of(bad, 'question = "  "'),) and "empty question" in str(e)


def test_a_language_the_team_does_not_use_names_its_line():
    bad = BASE.replace('lv = ["labdien"]', 'lv = ["labdien"]\npl = ["dzień dobry"]')
    e = problems(bad)
    assert e.lines == (line_of(bad, "pl = "),)
    assert "language 'pl', which the team does not use" in str(e)


def test_other_mistakes_are_listed_together_with_their_lines():
    bad = (BASE.replace('where = "opening"', 'where = "the start"')
               .replace('lv = ["labdien"]', 'lv = ["labdien", "~ x"]')
               .replace("max = 10", "max = 10\ncolour = \"red\""))
    e = problems(bad)
    assert sorted(e.lines) == sorted([line_of(bad, "where ="), line_of(bad, '"~ x"'), line_of(bad, "colour")])
    assert "3 problems" in str(e)
    no_toml = problems(BASE.replace('max = 10', 'max = = 10'))
    assert no_toml.lines == (line_of(BASE, "max = 10"),) and "not valid TOML" in str(no_toml)
    assert "unknown marker category 'politeness'" in str(problems(
        BASE.replace('lv = ["labdien"]', 'lv = ["labdien"]\nmarkers = ["politeness"]')))
    assert "no criteria" in str(problems('version = "1"\nlanguages = ["en"]\n'))
    assert "needs a `version`" in str(problems(BASE.replace('version = "1"\n', "")))


def test_cli_check_prints_each_problem_and_fails(tmp_path, capsys):
    p = tmp_path / "team.toml"
    p.write_text(BASE.replace('metric = "longest_dead_air_s"', 'metric = "loudness"'), encoding="utf-8")
    assert main(["scorecard", "check", str(p)]) == 1
    err = capsys.readouterr().err
    assert f"line {line_of(p.read_text(), 'metric =')}: criterion 'calm': unknown metric 'loudness'" in err
    assert main(["scorecard", "check"]) == 0
    assert "16 criteria" in capsys.readouterr().out
    assert main(["scorecard", "check", str(tmp_path / "missing.toml")]) == 1
    assert "file not found" in capsys.readouterr().err


def test_cli_evaluate_answers_stored_reports(tmp_path, capsys):
    r = tmp_path / "r.json"
    r.write_text(call(GOOD_CALL).to_json(), encoding="utf-8")
    (tmp_path / "junk.json").write_text("{}", encoding="utf-8")
    assert main(["scorecard", "evaluate", str(r), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["file"] == str(r) and {a["id"]: a["answer"] for a in out["answers"]}["greeting"] == "yes"
    assert main(["scorecard", "evaluate", str(tmp_path / "junk.json")]) == 1
    assert "not a tonecoach report" in capsys.readouterr().err


def test_cli_evaluate_prints_the_scorecard_as_analyze_does(tmp_path, capsys):
    from tonecoach.render.summary import scorecard_lines as analyze_lines
    from tonecoach.scorecard.lines import scorecard_lines

    r = tmp_path / "r.json"
    report = call(GOOD_CALL)
    r.write_text(report.to_json(), encoding="utf-8")
    assert main(["scorecard", "evaluate", str(r)]) == 0
    out = capsys.readouterr().out.splitlines()
    expected = scorecard_lines(evaluate(load_scorecard(), report).to_dict())
    assert out[0] == str(r) and out[1:] == expected and expected[0].startswith("  Scorecard (")
    assert analyze_lines is scorecard_lines  # the analyze summary prints the same lines


def test_the_bundled_file_is_the_default():
    assert load_scorecard().digest == load_scorecard(DEFAULT_SCORECARD).digest


# -- the analyzer answers it on every call --------------------------------------------------------


def test_the_analyzer_answers_the_scorecard(sample_reports, card):
    r = sample_reports["stereo_call_8k.wav"]
    assert r.scorecard is not None and r.scorecard["version"] == card.version
    assert [a["id"] for a in r.scorecard["answers"]] == list(card.ids)
    assert "scorecard" in r.timings_s and r.timings_s["scorecard"] < r.timings_s["total"]
    # the same answers as answering the scorecard on the stored report
    again = evaluate(card, CallReport.from_json(r.to_json()))
    assert [a.answer for a in again.answers] == [a["answer"] for a in r.scorecard["answers"]]
    assert r.options["scorecard"] is True


def test_no_scorecard_and_another_scorecard(analyzer, tmp_path):
    from conftest import SAMPLES

    from tonecoach.analysis.audio import AudioOptions
    from tonecoach.analyzer import Analyzer, AnalyzerOptions

    shared = dict(transcriber=analyzer.transcriber, wording_model=analyzer.wording_model)
    off = Analyzer(AnalyzerOptions(scorecard=False), **shared).analyze(str(SAMPLES / "warm_agent.flac"))
    assert off.scorecard is None and "scorecard" not in off.timings_s
    p = tmp_path / "one.toml"
    p.write_text(BASE, encoding="utf-8")
    mine = Analyzer(AnalyzerOptions(scorecard_path=str(p), audio=AudioOptions()), **shared).analyze(
        str(SAMPLES / "warm_agent.flac"))
    assert [a["id"] for a in mine.scorecard["answers"]] == ["greeting", "calm"]
    p.write_text(BASE.replace('metric = "longest_dead_air_s"', 'metric = "nope"'), encoding="utf-8")
    with pytest.raises(ScorecardError, match="unknown metric 'nope'"):
        Analyzer(AnalyzerOptions(scorecard_path=str(p)), **shared)


def test_html_report_and_cli_summary_show_the_answers(card):
    from dataclasses import replace

    from tonecoach.render.report import render_html
    from tonecoach.render.summary import format_summary

    turns = [*GOOD_CALL[:-2], ("A", 74.0, "Calm down <b>now</b>, bye.")]
    r = call(turns)
    r = replace(r, scorecard=evaluate(card, r).to_dict())
    page = render_html(r)
    sec = page[page.index('<section id="scorecard">'):]
    sec = sec[: sec.index("</section>")]
    assert "Did the agent verify the caller&#x27;s identity?" in sec
    assert '<td class="ans yes">Yes</td>' in sec and '<td class="ans no">No</td>' in sec
    assert "<q>" in sec and "Calm down &lt;b&gt;now&lt;/b&gt;" in sec and "<b>now</b>" not in sec
    assert "critical: no_rudeness" in sec and "(signals only)" in sec
    assert render_html(CallReport.from_json(r.to_json())) == page  # renders the same after a round trip
    assert '<section id="scorecard">' not in render_html(call(turns))
    text = format_summary(r)
    assert "Scorecard (tonecoach default scorecard" in text and "critical: no_rudeness" in text
    assert "    no [1:14]  Did the agent avoid rude, blaming or dismissive phrases?" in text


def test_a_call_without_speech_is_answered_without_errors(card):
    silent = CallReport(audio=AudioInfo("s.wav", 12.0, 16000, 1), language=LanguageInfo(None, 0.0), models={},
                        speakers=(), segments=(), tone=ToneResult(score=None), agent=AgentDecision(None, "none", "", 0.0),
                        warnings=("no speech detected",))
    res = evaluate(card, silent)
    assert res.score is None and res.passed is None
    assert {a.answer for a in res.answers} == {"not_applicable"}
    assert all(a.reason for a in res.answers)
