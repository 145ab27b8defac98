"""The report's typed sections: the JSON of schema 1.x reads back into them and is written out unchanged."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path

import pytest

from tonecoach.report import (
    AgentDecision,
    CallReport,
    ContentResult,
    ConversationMetrics,
    FeedbackItem,
    HoldSpan,
    MetricScore,
    OverallScore,
    Overlap,
    ResponseLatency,
    Span,
    Timeline,
    TranscriptReliability,
)

#: ``tonecoach analyze samples/two_voice_mono.flac --json`` as tonecoach wrote it before the sections were typed
#: (schema 1.1; the timeline cut to its first 60 points to keep the file small)
OLD = Path(__file__).parent / "data" / "report_schema_1_1.json"
AGENT_KEYS = {"set_by", "automatic", "automatic_choice"}  # schema 1.2 adds them to ``agent``


def old_report() -> dict:
    return json.loads(OLD.read_text(encoding="utf-8"))


def without_new_agent_keys(d: dict) -> dict:
    d = copy.deepcopy(d)
    for k in AGENT_KEYS:
        d["agent"].pop(k, None)
    return d


def differences(a, b, path: str = "") -> list[str]:
    """Where ``a`` and ``b`` differ in keys (and their order) or JSON types of the leaves (lists item by item)."""
    if type(a) is not type(b):
        return [f"{path}: {type(a).__name__} {a!r:.40} != {type(b).__name__} {b!r:.40}"]
    if isinstance(a, dict):
        if list(a) != list(b):
            return [f"{path}: keys {list(a)} != {list(b)}"]
        return [d for k in a for d in differences(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{i}]")]
    return []


def test_a_1_1_report_reads_into_typed_sections_and_writes_the_same_json():
    d = old_report()
    r = CallReport.from_dict(d)
    assert isinstance(r.content, ContentResult) and isinstance(r.conversation, ConversationMetrics)
    assert isinstance(r.timeline, Timeline) and isinstance(r.content.overall, OverallScore)
    assert isinstance(r.content.transcript, TranscriptReliability) and all(isinstance(m, MetricScore) for m in r.content.metrics)
    assert isinstance(r.conversation.response_latency_s, ResponseLatency)
    assert all(isinstance(o, Overlap) for o in r.conversation.overlaps) and r.conversation.overlaps
    assert r.conversation.interruptions[0].speaker == r.conversation.overlaps[0].started_by
    out = r.to_dict()
    assert set(out["agent"]) - set(d["agent"]) == AGENT_KEYS
    # the same keys in the same order, the same values and number types: the same JSON text
    assert json.dumps(without_new_agent_keys(out), ensure_ascii=False) == json.dumps(d, ensure_ascii=False)
    assert out["schema_version"] == "1.1"  # a report keeps the version it was written with
    assert CallReport.from_dict(out) == r == CallReport.from_json(r.to_json())


def test_a_1_0_report_without_scorecard_and_the_web_apps_agent_string_reads_back():
    d = old_report()
    d.pop("scorecard")
    d["schema_version"] = "1.0"
    auto = "S1 (voices: S1 speaks first)"
    d["agent"] = {**d["agent"], "speaker": "S2", "method": "option",
                  "reason": f"set to S2 by ann in the web app; the automatic choice was {auto}"}
    r = CallReport.from_dict(d)
    assert r.scorecard is None and r.agent.set_by == "ann" and r.agent.automatic is False
    assert r.agent.automatic_choice == auto
    again = CallReport.from_dict(r.to_dict())
    assert again == r and again.agent.set_by == "ann"


@pytest.mark.parametrize("method, automatic", [("phrases", True), ("single-speaker", True), ("option", False)])
def test_an_older_agent_decision_says_whether_tonecoach_chose_it(method, automatic):
    a = AgentDecision.from_dict({"speaker": "left", "method": method, "reason": "--agent-channel left", "confidence": 1.0})
    assert a.automatic is automatic and a.set_by is None and a.automatic_choice is None
    assert AgentDecision("left", method, "x", 1.0).automatic is automatic  # the same rule on construction


def test_absent_sections_and_conditional_keys_stay_absent():
    r = CallReport.from_dict(old_report())
    bare = replace(r, content=None, conversation=None, timeline=Timeline())
    d = bare.to_dict()
    assert d["content"] is None and d["conversation"] is None and d["timeline"] == {}
    assert "content_weight_used" not in d  # not a top-level key either
    assert "content_weight_used" not in r.to_dict()["content"]["overall"]
    left_out = replace(r.content, overall=replace(r.content.overall, content_weight_used=0.0))
    assert left_out.to_dict()["overall"]["content_weight_used"] == 0.0
    assert "feedback" not in r.to_dict()["content"]  # tonecoach writes no free-form content feedback


def test_hand_written_mappings_become_the_typed_sections():
    r = CallReport.from_dict(old_report())
    hand = replace(r, content={"score": 64.0}, conversation={"agent": "left", "dead_air": [{"start_s": 9.0, "end_s": 39.0}],
                                                             "holds": [{"start_s": 50.0, "end_s": 80.0}]},
                   timeline={"hop_s": 0.5, "times_s": [0.0, 0.5], "pitch_hz": {"left": [None, 180.0]}})
    assert hand.content.score == 64.0 and hand.content.metrics == () and hand.content_score == 64.0
    assert hand.conversation.dead_air == (Span(9.0, 39.0, 30.0),)
    assert hand.conversation.holds == (HoldSpan(50.0, 80.0, 30.0, "silence"),)
    assert hand.timeline.pitch_hz == {"left": (None, 180.0)} and hand.timeline.energy_db == {}


def test_the_report_answers_the_front_ends_questions():
    r = CallReport.from_dict(old_report())
    assert r.content_score == r.content.score and r.overall_score == r.content.overall.score
    fb = (FeedbackItem(5.0, 6.0, "monotone", "minor", "flat"), FeedbackItem(9.0, 9.5, "dead_air", "major", "gap"),
          FeedbackItem(2.0, 3.0, "too_fast", "major", "fast"))
    assert replace(r, feedback=fb).top_feedback() is fb[2]  # the most severe, then the earliest
    assert replace(r, feedback=()).top_feedback() is None
    k = replace(r, feedback=fb).key_figures()
    assert k["content_score"] == r.content.score and k["n_feedback"] == 3 and k["top_feedback_category"] == "too_fast"
    assert replace(r, content=None).content_score is None and replace(r, content=None).overall_score is None


@pytest.mark.slow
def test_a_fresh_report_has_the_shape_and_values_of_one_written_before(analyzer):
    """``tonecoach analyze --json``: the same keys, in the same order, with the same value types as the JSON
    written before the sections were typed (the file is this sample, analysed by the same models)."""
    root = Path(__file__).resolve().parents[1]
    fresh = json.loads(analyzer.analyze(str(root / "samples" / "two_voice_mono.flac")).to_json())
    assert json.loads(CallReport.from_dict(fresh).to_json()) == fresh
    old = old_report()
    for d in (fresh, old):
        d["timeline"] = {k: v for k, v in d["timeline"].items() if k == "hop_s"}  # the old one is cut short
        d.pop("timings_s"), d.pop("options"), d.pop("models")
    assert list(fresh) == list(old)
    assert differences(without_new_agent_keys(fresh), old) == []
    assert [m["name"] for m in fresh["content"]["metrics"]] == [m["name"] for m in old["content"]["metrics"]]
