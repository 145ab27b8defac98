"""Who is the agent on whole calls, bad inputs included, and how an unsure choice is said in every front end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile as sf

from tonecoach.analysis.agent import is_unsure, unsure_message
from tonecoach.render.report import render_html
from tonecoach.render.summary import format_summary
from tonecoach.report import CallReport

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def _stereo(left: np.ndarray, right: np.ndarray, tmp_path: Path, name: str, sr: int) -> str:
    p = tmp_path / name
    sf.write(str(p), np.stack([left, right], axis=1), sr)
    return str(p)


def test_both_channels_the_same_audio_is_one_speaker_with_a_warning(analyzer, tmp_path):
    y, sr = sf.read(str(SAMPLES / "warm_agent.flac"), dtype="float32")
    r = analyzer.analyze(_stereo(y, y, tmp_path, "same.wav", sr))
    assert [s.id for s in r.speakers] == ["S1"], [s.id for s in r.speakers]
    assert any("both channels carry the same signal" in w for w in r.warnings)
    assert r.agent.speaker == "S1" and r.agent.method == "single-speaker"


def test_one_silent_channel_is_one_speaker_and_the_agent_when_it_sounds_like_one(analyzer, tmp_path):
    y, sr = sf.read(str(SAMPLES / "warm_agent.flac"), dtype="float32")
    r = analyzer.analyze(_stereo(np.zeros_like(y), y, tmp_path, "one_silent.wav", sr))
    assert [s.id for s in r.speakers] == ["right"] and r.speakers[0].role == "agent"
    assert any("only the right channel has sound" in w for w in r.warnings)
    assert r.agent.speaker == "right" and r.agent.confidence >= 0.8 and not is_unsure(r.agent)
    assert "offers help" in r.agent.reason or "names the company" in r.agent.reason


def test_only_the_customer_speaking_coaches_nobody(analyzer):
    """The agent's channel carries only bleed (the agent on hold the whole call): no tone score about the customer."""
    r = analyzer.analyze(str(SAMPLES / "customer_only_stereo.flac"))
    roles = {s.id: s.role for s in r.speakers}
    assert roles == {"left": "customer", "right": "unknown"}, roles
    assert r.agent.speaker is None and r.agent.method == "customer-only" and is_unsure(r.agent)
    assert r.tone.score is None and not r.feedback
    assert any(w.startswith("no agent to coach:") and "sounds like the customer" in w for w in r.warnings)
    assert "no agent to coach" in format_summary(r).splitlines()[1]
    assert 'class="agent-unsure"' in render_html(r)


def test_an_agent_who_never_says_a_cue_word_is_an_unsure_choice_said_above_the_scores(shared_data):
    """A real two-party chat with no agent phrases at all: the choice is flagged, and says why, everywhere."""
    from tonecoach.analyzer import Analyzer

    r = Analyzer().analyze(str(shared_data / "conversation" / "pyannote_sample.wav"))
    assert len(r.speakers) == 2
    a = r.agent
    assert a.method == "language-free" and is_unsure(a), a
    assert "no agent or customer phrases were found" in a.reason
    msg = unsure_message(a)
    assert msg in r.warnings
    summary = format_summary(r).splitlines()
    assert summary[1] == f"  !! {msg}"  # directly under the title line, above the scores
    assert summary.index(f"  !! {msg}") < next(i for i, s in enumerate(summary) if "Tone score" in s)
    assert sum(msg in s for s in summary) == 1  # not repeated among the warnings
    page = render_html(r)
    banner = page.index('class="agent-unsure"')
    assert banner < page.index('class="scores"') and f"Is {a.speaker} the agent? tonecoach is not sure" in page


def test_a_sure_choice_is_not_flagged_and_reads_back(sample_reports):
    r = sample_reports["stereo_call_8k.wav"]
    assert not is_unsure(r.agent) and 'class="agent-unsure"' not in render_html(r)
    back = CallReport.from_dict(json.loads(r.to_json()))
    assert back.agent == r.agent and back.agent.evidence and back.agent.probabilities
    assert {e.speaker for e in back.agent.evidence} <= {"left", "right"}


def test_reports_written_before_the_evidence_read_back():
    old = {"speaker": "left", "method": "greeting", "reason": "left opens with agent phrases ('hello')", "confidence": 0.65}
    from tonecoach.report import AgentDecision

    a = AgentDecision.from_dict(old)
    assert a.evidence == () and a.probabilities == {} and a.confidence == 0.65
    assert is_unsure(a)  # an old greeting decision at 65% is now said to be unsure
