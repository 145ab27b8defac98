"""The rubric object and the feedback rules that read it.

A rubric is checked once, when it is loaded: a missing key is an error that
names the key and the file, never a number quietly taken from code. The rules
say what the rubric configures: its pace range, its too-fast limit, its
question and hold thresholds.
"""

from __future__ import annotations

import io
import json
import tomllib
from pathlib import Path

import pytest

from tonecoach import cli
from tonecoach.analysis.conversation import analyze_conversation
from tonecoach.analysis.scoring import DEFAULT_RUBRIC, Rubric, load_rubric, tone_feedback
from tonecoach.errors import RubricError, ToneCoachError
from tonecoach.report import FeedbackItem, Role, Segment, Severity, Speaker, Word

ROOT = Path(__file__).resolve().parents[1]
WARM = ROOT / "samples" / "warm_agent.flac"


def bundled() -> dict:
    with open(DEFAULT_RUBRIC, "rb") as fh:
        return tomllib.load(fh)


def write_without(tmp_path: Path, dotted: str) -> Path:
    """The bundled rubric as TOML text with one key (``a.b.c``) deleted, written to ``bad.toml``."""
    *tables, key = dotted.split(".")
    header = f"[{'.'.join(tables)}]" if tables else None
    lines, inside = [], header is None
    for line in DEFAULT_RUBRIC.read_text().splitlines():
        s = line.strip()
        if s.startswith("["):
            inside = s.split("#")[0].strip() == header
        elif inside and s.split("=")[0].strip() == key:
            continue
        lines.append(line)
    out = tmp_path / "bad.toml"
    out.write_text("\n".join(lines) + "\n")
    return out


# -- the rubric object ---------------------------------------------------------------------


def test_bundled_rubric_loads_with_typed_values():
    r = load_rubric()
    assert r.path == str(DEFAULT_RUBRIC) and r.version == bundled()["version"]
    assert r.feedback("too_fast")["wpm_above"] == 170.0 and isinstance(r.feedback("too_fast")["wpm_above"], float)
    assert r.feedback()["min_turn_words"] == 6
    assert r.conversation("hold")["count_over"] == 3
    assert r.tone_metrics["speaking_rate"]["low"] == 120.0
    assert r.content("rules")["opening_s"] == 30.0 and r.overall["tone_weight"] == 0.6
    assert r.data["feedback"]["dead_air"]["seconds_over"] == 5.0  # the dict callers read stays
    import tonecoach.rubric

    assert tonecoach.rubric.Rubric is Rubric and tonecoach.rubric.load_rubric is load_rubric  # scoring re-exports them


@pytest.mark.parametrize("key", [
    "feedback.too_fast.wpm_above", "feedback.min_turn_words", "feedback.rushed_ending.ratio_over",
    "conversation.questions.min_count", "conversation.hold.long_over_s", "conversation.talk_ratio.source",
    "content.rules.opening_s", "content.mismatch.kind_model_over", "overall.tone_weight", "version",
])
def test_a_custom_rubric_missing_a_key_names_the_key_and_the_file(tmp_path, key):
    bad = write_without(tmp_path, key)
    t = tomllib.loads(bad.read_text())
    *tables, last = key.split(".")
    for name in tables:
        t = t[name]
    assert last not in t  # the file is the bundled rubric less that one key
    with pytest.raises(RubricError) as err:
        load_rubric(bad)
    msg = str(err.value)
    assert f"'{key}'" in msg and str(bad) in msg, msg


def test_a_missing_table_and_a_wrong_kind_are_errors_too(tmp_path):
    d = bundled()
    del d["conversation"]["overtalk"]
    with pytest.raises(RubricError, match=r"\[conversation.overtalk\]"):
        Rubric(data=d, path="team.toml")
    d = bundled()
    d["feedback"]["too_fast"]["wpm_above"] = "fast"
    with pytest.raises(RubricError, match=r"'feedback.too_fast.wpm_above' must be a number, not 'fast'"):
        Rubric(data=d, path="team.toml")
    d = bundled()
    del d["tone"]["metrics"]["speaking_rate"]
    with pytest.raises(RubricError, match=r"tone.metrics.speaking_rate"):
        Rubric(data=d, path="team.toml")


def test_updated_rubric_is_checked_and_leaves_the_original_alone():
    r = load_rubric()
    strict = r.updated({"conversation": {"questions": {"min_count": 3}}})
    assert strict.conversation("questions")["min_count"] == 3 and r.conversation("questions")["min_count"] == 1
    with pytest.raises(RubricError, match="must be a whole number"):
        r.updated({"conversation": {"questions": {"min_count": 2.5}}})
    assert r.updated({"conversation": {"questions": {"min_count": 2.0}}}).conversation("questions")["min_count"] == 2


def test_a_metric_missing_a_key_names_the_metric_and_the_key():
    d = bundled()
    del d["content"]["metrics"]["warmth"]["tolerance"]
    with pytest.raises(RubricError, match=r"rubric 'team.toml': metric 'warmth' lacks tolerance.*'content.metrics.warmth.tolerance'"):
        Rubric(data=d, path="team.toml")


def test_conversation_takes_no_partial_rubric_and_does_not_fall_back_silently():
    segs = [Segment(0.0, 1.0, "A", "hello", (Word("hello", 0.0, 1.0, 0.9),)),
            Segment(1.5, 2.0, "C", "hi", (Word("hi", 1.5, 2.0, 0.9),))]
    with pytest.raises(RubricError, match="rubric '<mapping>'"):
        analyze_conversation(segs, "A", duration_s=3.0, rubric={"conversation": {"response_latency": {"seconds_over": 1.0}}})
    # the analyser's own rubric object is used as it is
    r = load_rubric().updated({"conversation": {"response_latency": {"seconds_over": 0.2}}})
    got = analyze_conversation(segs, "A", duration_s=3.0, rubric=r)
    assert got.metrics["thresholds"]["response_latency.seconds_over"] == 0.2


def test_cli_prints_the_rubric_error_in_one_line_without_a_traceback(tmp_path):
    bad = write_without(tmp_path, "feedback.too_fast.wpm_above")
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["analyze", str(WARM), "--rubric", str(bad)], stdout=out, stderr=err)
    lines = [ln for ln in err.getvalue().splitlines() if ln.strip()]
    assert code == 1 and len(lines) == 1, err.getvalue()
    assert "feedback.too_fast.wpm_above" in lines[0] and str(bad) in lines[0] and "Traceback" not in err.getvalue()


# -- the feedback rules say what the rubric configures --------------------------------------


def phrase(start: float, wpm: float, *, n: int = 8, speaker: str = "A") -> Segment:
    """An agent phrase of ``n`` words at ``wpm`` words per minute, with its prosody."""
    dur = 60.0 * n / wpm
    words = tuple(Word(f"w{i}", start + i * dur / n, start + (i + 1) * dur / n, 0.9) for i in range(n))
    return Segment(start, start + dur, speaker, " ".join(w.text for w in words), words,
                   {"words_per_minute": wpm, "pitch_sd_semitones": 3.0, "energy_dbfs": -20.0, "voiced_ratio": 0.8})


def test_too_fast_evidence_states_the_rubrics_pace_range():
    r = load_rubric().updated({"tone": {"metrics": {"speaking_rate": {"low": 110.0, "high": 150.0}}}})
    (item,) = [f for f in tone_feedback([phrase(0.0, 190.0)], "A", r) if f.category == "too_fast"]
    assert item.evidence["target"] == "110-150 wpm"
    (item,) = [f for f in tone_feedback([phrase(0.0, 190.0)], "A", load_rubric()) if f.category == "too_fast"]
    assert item.evidence["target"] == "120-160 wpm"


def test_rushed_ending_over_the_too_fast_limit_is_flagged_even_at_a_small_ratio():
    # earlier phrases at 165 wpm, the closing at 180: 1.09 x the median (under 1.25), but over the 170 limit
    segs = [phrase(0.0, 165.0), phrase(10.0, 165.0), phrase(20.0, 180.0)]
    items = [f for f in tone_feedback(segs, "A", load_rubric()) if f.category == "rushed_ending"]
    assert len(items) == 1 and items[0].evidence["threshold_wpm"] == 170.0
    assert "170 wpm limit" in items[0].message
    # a higher limit in the rubric: the same ending is not rushed
    lax = load_rubric().updated({"feedback": {"too_fast": {"wpm_above": 185.0}}})
    assert not [f for f in tone_feedback(segs, "A", lax) if f.category == "rushed_ending"]


def turn(speaker: str, start: float, end: float, text: str) -> Segment:
    toks = text.split()
    step = (end - start) / len(toks)
    words = tuple(Word(t, start + i * step, start + (i + 1) * step, 0.9) for i, t in enumerate(toks))
    return Segment(start, end, speaker, text, words)


def test_few_questions_says_how_many_against_the_configured_minimum():
    segs = [turn("A", 0.0, 4.0, "Hello, how can I help?"), turn("C", 5.0, 30.0, "my bill is wrong " * 10),
            turn("A", 31.0, 60.0, "I will fix it now " * 8), turn("C", 61.0, 70.0, "thanks a lot bye")]
    strict = load_rubric().updated({"conversation": {"questions": {"min_count": 3}}})
    (f,) = [f for f in analyze_conversation(segs, "A", duration_s=72.0, rubric=strict).feedback if f.category == "few_questions"]
    assert "no questions" not in f.message and "only 1 question, fewer than 3" in f.message
    assert f.evidence["value"] == 1 and f.evidence["threshold"] == 3
    # the default minimum of one: one question is enough
    assert not [f for f in analyze_conversation(segs, "A", duration_s=72.0).feedback if f.category == "few_questions"]


def test_long_hold_advice_uses_the_configured_hold_limit():
    segs = [turn("A", 0.0, 2.0, "one moment please"), turn("C", 2.5, 4.0, "sure"),
            turn("A", 80.0, 82.0, "thanks for waiting"), turn("C", 82.5, 84.0, "no problem")]
    tight = load_rubric().updated({"conversation": {"hold": {"long_over_s": 60.0}}})
    (f,) = [f for f in analyze_conversation(segs, "A", duration_s=85.0, rubric=tight).feedback if f.category == "long_hold"]
    assert "every minute" in f.message and "2 minutes" not in f.message
    loose = load_rubric().updated({"conversation": {"hold": {"long_over_s": 70.0}}})
    (f,) = [f for f in analyze_conversation(segs, "A", duration_s=85.0, rubric=loose).feedback if f.category == "long_hold"]
    assert "every 70 s" in f.message


# -- severities and roles --------------------------------------------------------------------


def test_severity_and_role_are_str_enums_with_the_same_values():
    assert [s.value for s in Severity] == ["info", "minor", "major"]
    assert [r.value for r in Role] == ["agent", "customer", "unknown"]
    f = FeedbackItem(0.0, 1.0, "too_fast", "major", "m")
    assert f.severity is Severity.MAJOR and f.severity == "major" and isinstance(f.severity, str)
    assert f"[{f.severity}]" == "[major]" and {"major": 1}[f.severity] == 1
    s = Speaker("A", "agent", 3.0)
    assert s.role is Role.AGENT and s.role == "agent"
    assert json.dumps({"severity": f.severity, "role": s.role}) == '{"severity": "major", "role": "agent"}'
    assert FeedbackItem.from_dict({"start_s": 0, "end_s": 1, "category": "x", "severity": "info", "message": "m"}).severity \
        is Severity.INFO
    with pytest.raises(ValueError):
        FeedbackItem(0.0, 1.0, "x", "critical", "m")


def test_report_json_holds_plain_strings():
    from dataclasses import replace

    from tonecoach.report import AudioInfo, CallReport, LanguageInfo, ToneResult

    r = CallReport(audio=AudioInfo("x.wav", 1.0, 16000, 1), language=LanguageInfo("en", 1.0), models={},
                   speakers=(Speaker("A", Role.AGENT, 1.0),), segments=(), tone=ToneResult(None, ()),
                   feedback=(FeedbackItem(0.0, 1.0, "too_fast", Severity.MINOR, "m"),))
    d = r.to_dict()
    assert type(d["feedback"][0]["severity"]) is str and type(d["speakers"][0]["role"]) is str
    back = CallReport.from_dict(json.loads(r.to_json()))
    assert back == replace(r) and back.feedback[0].severity is Severity.MINOR


# -- one map from category to metric and field -----------------------------------------------


def test_category_maps_come_from_the_one_registry():
    from tonecoach import coaching
    from tonecoach.rules import TONE_RULES
    from tonecoach.wording import balance

    for cat, rule in TONE_RULES.items():
        assert coaching.CATEGORY_METRIC.get(cat) == rule.metric
        assert coaching.CATEGORY_FIELD.get(cat) == rule.field
        assert balance._COVERED_BY.get(cat) == rule.metric
        assert coaching.LABELS[cat] == rule.label
        for m in (rule.metric, *rule.also_metrics):
            assert cat in coaching.METRIC_CATEGORIES[m]
    assert TONE_RULES["too_fast"].target(load_rubric()) == "120-160 wpm"

    assert issubclass(RubricError, ToneCoachError)  # so every front end prints it as one line


def test_conversation_categories_come_from_the_one_registry():
    from tonecoach import coaching
    from tonecoach.report import FeedbackItem, MetricScore
    from tonecoach.rules import CONVERSATION_RULES, conversation_rule
    from tonecoach.wording import balance

    rubric = load_rubric()
    assert set(CONVERSATION_RULES) == {"talk_ratio_high", "long_monologue", "interruption", "overtalk", "slow_response",
                                       "hold", "long_hold", "many_holds", "few_questions"}
    for cat, rule in CONVERSATION_RULES.items():
        assert rule.category == cat and conversation_rule(cat) is rule
        assert rubric.conversation(rule.section)["source"]  # every rule's table is in the rubric, with its source
        assert rule.target(rubric) and "{" not in rule.target(rubric)
        assert coaching.LABELS[cat] == rule.label and cat in coaching.NOT_A_LINE
    assert conversation_rule("too_fast") is None and "dead_air" in coaching.NOT_A_LINE

    # the target text is the rubric's figures, so a team's rubric changes it
    assert CONVERSATION_RULES["slow_response"].target(rubric) == "answer within 3 s"
    assert CONVERSATION_RULES["talk_ratio_high"].target(rubric) == "agent talk at most 65% of the call, best near 43%"
    team = rubric.updated({"conversation": {"response_latency": {"seconds_over": 1.5}, "hold": {"count_over": 2}}})
    assert CONVERSATION_RULES["slow_response"].target(team) == "answer within 1.5 s"
    assert CONVERSATION_RULES["many_holds"].target(team) == "at most 2 holds in a call"

    # the severity rule: talk share is major past the rubric's major_above, the others keep theirs
    table = rubric.conversation("talk_ratio")
    talk = CONVERSATION_RULES["talk_ratio_high"]
    assert (talk.severity_of(0.7, table), talk.severity_of(0.85, table)) == ("minor", "major")
    assert CONVERSATION_RULES["long_hold"].severity_of(None, rubric.conversation("hold")) == "major"

    # "work on first" names a conversation finding by the registry's label, as the coaching views do
    ok = MetricScore(name="empathy", label="Empathy", value=1.0, unit="", target_low=0.0, target_high=1.0, score=100.0,
                     weight=1.0, source="", evidence="")
    fb = [FeedbackItem(3.0, 4.0, "interruption", "major", "Interruption at 0:03: ...", {}),
          FeedbackItem(5.0, 9.0, "slow_response", "minor", "Slow response at 0:05: ...", {}),
          FeedbackItem(6.0, 7.0, "too_fast", "minor", "Too fast at 0:06: ...", {})]
    tops = balance.priorities([], [ok], {"tone_weight": 0.6, "content_weight": 0.4}, feedback=fb)
    assert [p["label"] for p in tops] == ["Interrupted the customer", "Slow to answer", "Too fast"]
