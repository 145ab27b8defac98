"""Tests for tonecoach.render.report: a self-contained, escaped, explainable page."""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser

import pytest

from tonecoach.render.report import render_html
from tonecoach.report import (
    AgentDecision,
    AudioInfo,
    CallReport,
    FeedbackItem,
    LanguageInfo,
    MetricScore,
    Segment,
    Speaker,
    ToneResult,
    Word,
)

AGENT, CUSTOMER = "SPEAKER_00", "SPEAKER_01"
HEBREW = "שלום, איך אפשר לעזור לך היום?"
EVIL = "<script>alert('x')</script> & \"quotes\""


def _words(text: str, start: float, end: float) -> tuple[Word, ...]:
    toks = text.split()
    step = (end - start) / max(len(toks), 1)
    return tuple(Word(" " + t, start + i * step, start + (i + 1) * step, 0.9) for i, t in enumerate(toks))


def _segment(start: float, end: float, speaker: str, text: str) -> Segment:
    return Segment(start, end, speaker, text, _words(text, start, end), {"rate_wpm": 150.0})


def make_report(*, duration_s: float = 30.0, hop_s: float = 0.05) -> CallReport:
    """Two speakers, six turns (one Hebrew, one with markup), a timeline with gaps, metrics, feedback."""
    turns = [
        (0.5, 4.0, AGENT, "Good morning, thank you for calling, my name is Anna."),
        (4.5, 8.0, CUSTOMER, "Hi, my internet has been down since yesterday."),
        (8.3, 13.0, AGENT, "I'm sorry to hear that. Let me check your line right away."),
        (13.5, 17.0, CUSTOMER, EVIL),
        (17.5, 22.0, AGENT, HEBREW),
        (22.5, 29.0, CUSTOMER, "Okay, thanks, that fixed it."),
    ]
    # longer calls repeat the 30 s conversation
    segments = tuple(
        _segment(a + k * 30.0, b + k * 30.0, sid, text) for k in range(max(1, int(duration_s // 30))) for a, b, sid, text in turns
    )
    n = round(duration_s / hop_s)
    times = [round(i * hop_s, 3) for i in range(n)]
    pitch: dict[str, list[float | None]] = {AGENT: [], CUSTOMER: []}
    energy: dict[str, list[float | None]] = {AGENT: [], CUSTOMER: []}
    for i, t in enumerate(times):
        for sid, base in ((AGENT, 190.0), (CUSTOMER, 120.0)):
            speaking = any(s.speaker == sid and s.start_s <= t < s.end_s for s in segments)
            voiced = speaking and (i // 6) % 4 != 3  # unvoiced gaps inside turns
            pitch[sid].append(base + 25 * math.sin(t * 2.1) if voiced else None)
            energy[sid].append(-22.0 - 4 * math.cos(t * 3.0) if speaking else (-62.0 if i % 2 else None))
    timeline = {"hop_s": hop_s, "times_s": times, "pitch_hz": pitch, "energy_db": energy}
    metrics = (
        MetricScore(
            "rate_wpm",
            "Speaking rate",
            182.0,
            "wpm",
            130.0,
            170.0,
            70.0,
            0.3,
            "ICMI 2019 contact-centre study",
            "182 wpm over 3 agent turns (target 130-170)",
        ),
        MetricScore(
            "pitch_range_st",
            "Pitch variation",
            5.4,
            "semitones",
            4.0,
            None,
            100.0,
            0.3,
            "rubric default",
            "5.4 semitones p10-p90",
        ),
        MetricScore(
            "interruptions",
            "Interruptions",
            None,
            "count",
            None,
            1.0,
            None,
            0.2,
            "rubric default",
            "no overlap measurable on mono audio",
        ),
        MetricScore(
            "warmth",
            "Warm phrases",
            40.0,
            "%",
            30.0,
            100.0,
            100.0,
            0.2,
            "wording rules v1",
            '"thank you for calling", "sorry to hear"',
        ),
    )
    feedback = (
        FeedbackItem(
            8.3,
            13.0,
            "too_fast",
            "major",
            "You spoke at 182 words per minute here.",
            {"value": 182.0, "target": [130, 170], "unit": "wpm"},
            AGENT,
            "Slow down while you explain the check.",
        ),
        FeedbackItem(
            17.5,
            22.0,
            "monotone",
            "minor",
            "Your pitch stayed flat for 4 seconds.",
            {"value": 1.2, "unit": "semitones"},
            AGENT,
            None,
        ),
        FeedbackItem(
            25.0, 25.0, "long_pause", "info", "A 3 s silence before the customer answered.", {"pause_s": 3.0}, None, None
        ),
    )
    return CallReport(
        audio=AudioInfo("/calls/2024/call_0042.wav", duration_s, 8000, 2, "pcm_s16le"),
        language=LanguageInfo("en", 0.97),
        models={"asr": "whisper-base (int8)", "speaker": "resemblyzer GE2E"},
        speakers=(
            Speaker(AGENT, "agent", 14.2, 0, {"pitch_median_hz": 191.3, "rate_wpm": 182.0, "pitch_range_st": (4.1, 9.5)}),
            Speaker(CUSTOMER, "customer", 13.0, 1, {"pitch_median_hz": 121.0, "rate_wpm": 140.5}),
        ),
        segments=segments,
        tone=ToneResult(78.4, metrics, "en-1.0"),
        feedback=feedback,
        warnings=("Audio was resampled from 8 kHz: pitch above 300 Hz may be less reliable.",),
        timings_s={"asr": 2.5, "prosody": 0.4},
        agent=AgentDecision(AGENT, "stereo", "channel 0 spoke the greeting", 0.92),
        timeline=timeline,
        content={
            "score": 64,
            "metrics": [
                {"name": "greeting", "value": True, "target": True, "points": 10, "evidence": "good morning"},
                {"name": "resolution", "value": "confirmed", "points": 20, "evidence": "that fixed it"},
            ],
            "feedback": [{"message": "Offer a follow-up ticket number.", "start_s": 26.0}],
        },
        tonecoach_version="0.1.0",
        created_at="2024-05-01T10:00:00Z",
    )


def make_empty_report() -> CallReport:
    return CallReport(
        audio=AudioInfo(None, 0.0, 16000, 1),
        language=LanguageInfo(None, 0.0),
        models={},
        speakers=(),
        segments=(),
        tone=ToneResult(None),
        warnings=("No speech was detected.",),
    )


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._in: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in.append(tag)

    def handle_endtag(self, tag):
        if tag in self._in:
            while self._in and self._in.pop() != tag:
                pass

    def handle_data(self, data):
        if not self._in or self._in[-1] not in ("style", "script"):
            self.text.append(data)


def _parse(page: str) -> _Collector:
    p = _Collector()
    p.feed(page)
    p.close()
    return p


@pytest.fixture(scope="module")
def page() -> str:
    return render_html(make_report())


def test_complete_document(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert page.rstrip().endswith("</html>")
    for tag in ("<html", "<head>", '<meta charset="utf-8">', "<title>", "<body>", "</body>"):
        assert tag in page
    assert "call_0042.wav" in page
    assert page.count("<svg") == 1 and "</svg>" in page


def test_nothing_external(page: str) -> None:
    parsed = _parse(page)
    for tag, attrs in parsed.tags:
        for key in ("src", "href", "xlink:href", "action", "data"):
            value = attrs.get(key)
            if value is not None:
                assert value.startswith("#"), (tag, key, value)
    assert "http://" not in page and "https://" not in page
    assert "<link" not in page and "@import" not in page and "url(" not in page
    # exactly one script: the inline click-to-highlight one
    assert [t for t, a in parsed.tags if t == "script"] == ["script"]
    assert all("src" not in a for t, a in parsed.tags if t == "script")


def test_user_text_is_escaped(page: str) -> None:
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quotes&quot;" in page
    assert EVIL in "".join(_parse(page).text)  # and reads back as the original text


def test_hebrew_with_dir_auto(page: str) -> None:
    m = re.search(r"<td[^>]*>" + re.escape(HEBREW) + "</td>", page)
    assert m is not None
    assert 'dir="auto"' in m.group(0)


def test_scores_and_header(page: str) -> None:
    text = " ".join(_parse(page).text)
    assert re.search(r'class="big">78<', page)  # tone score 78.4 shown as 78
    assert re.search(r'class="big">64<', page)  # content score
    assert "Tone score" in text and "Content score" in text
    assert "en (97%)" in text
    assert "whisper-base (int8)" in text and "resemblyzer GE2E" in text
    assert "0:30" in text  # duration
    assert 'class="warnings"' in page and "Audio was resampled from 8 kHz" in text


def test_feedback_items(page: str) -> None:
    report = make_report()
    text = " ".join(_parse(page).text)
    for n, fb in enumerate(report.feedback, 1):
        assert fb.message in text
        assert f'id="fb-{n}"' in page
        assert f'href="#fb-{n}"' in page  # linked from the plot and the transcript
    assert "0:08–0:13" in text
    assert "Slow down while you explain the check." in text
    assert 'class="badge sev-major">major<' in page
    assert "target: [130, 170]" in "".join(_parse(page).text)  # evidence key: value


def test_transcript_rows_and_highlight(page: str) -> None:
    report = make_report()
    rows = re.findall(r'<tr id="seg-(\d+)"([^>]*)>', page)
    assert [int(i) for i, _ in rows] == list(range(len(report.segments)))
    flagged = {int(i) for i, attrs in rows if 'class="flagged"' in attrs}
    # feedback 1 (8.3-13.0, agent) -> seg 2; feedback 2 -> seg 4; feedback 3 (25 s, anyone) -> seg 5
    assert flagged == {2, 4, 5}
    assert 'data-fbs="1"' in page and 'data-fbs="3"' in page
    assert "Agent" in page and "Customer" in page


def test_tone_metrics_table(page: str) -> None:
    text = " ".join(_parse(page).text)
    assert "Speaking rate" in text and "182 wpm" in text and "130–170 wpm" in text
    assert "182 wpm over 3 agent turns (target 130-170)" in text
    assert "≥ 4 semitones" in text and "≤ 1 count" in text
    assert "not measured" in text
    assert "40%" in text
    assert 'title="ICMI 2019 contact-centre study"' in page


def test_content_and_speakers(page: str) -> None:
    text = " ".join(_parse(page).text)
    assert "greeting" in text and "resolution" in text and "that fixed it" in text
    assert "Offer a follow-up ticket number." in text
    assert "pitch_median_hz" in text and "191" in text and "[4.1, 9.5]" in text


def test_svg_plot(page: str) -> None:
    svg = page[page.index("<svg") : page.index("</svg>")]
    paths = re.findall(r'<path d="([^"]+)" class="(pitch|energy)"', svg)
    assert sorted(c for _, c in paths) == ["energy", "energy", "pitch", "pitch"]
    pitch_d = next(d for d, c in paths if c == "pitch")
    assert pitch_d.count("M") > 5  # gaps where unvoiced start new sub-paths
    # coordinates have at most one decimal
    assert not re.search(r"\d\.\d\d", " ".join(d for d, _ in paths))
    assert ">0:00<" in svg and ">0:25<" in svg  # m:ss ticks every 5 s on a 30 s call
    assert svg.count('class="fbspan"') == 3
    assert svg.count('<a href="#seg-') == 6  # speaker turn bands
    assert "Hz" in svg and "dBFS" in svg


def test_round_trip_renders_identically(page: str) -> None:
    report = make_report()
    again = CallReport.from_dict(report.to_dict())
    assert render_html(again) == page
    assert render_html(CallReport.from_json(report.to_json())) == page


def test_empty_report() -> None:
    out = render_html(make_empty_report())
    assert out.startswith("<!DOCTYPE html>") and out.rstrip().endswith("</html>")
    text = " ".join(_parse(out).text).lower()
    assert "no speech" in text
    assert "no timeline" in text
    assert "<svg" not in out
    assert "No speech was detected." in out  # the warning
    assert re.search(r'class="big">—<', out)  # tone score not measured
    assert "Content score" not in out  # content is None


def test_odd_timelines_do_not_crash() -> None:
    base = make_report(duration_s=5.0)
    odd = [
        {},
        {"hop_s": 0.05, "times_s": [], "pitch_hz": {}, "energy_db": {}},
        {"hop_s": 0.05, "times_s": [0.0, 0.05, 0.1], "pitch_hz": {AGENT: [None, None, None]}, "energy_db": {}},
        {"hop_s": 0.05, "times_s": [0.0, 0.05], "pitch_hz": {AGENT: [float("nan"), 150.0, 160.0]}, "energy_db": {"X": [-20.0]}},
        {"hop_s": 0.05, "pitch_hz": {AGENT: [100.0, 110.0]}},  # no times_s: derived from hop_s
    ]
    for tl in odd:
        out = render_html(CallReport.from_dict({**base.to_dict(), "timeline": tl}))
        assert out.rstrip().endswith("</html>")


def test_long_call_stays_small() -> None:
    report = make_report(duration_s=1800.0)  # 360 turns, 36,000 frames per series
    out = render_html(report)
    assert len(out.encode()) < 1_000_000
    svg = out[out.index("<svg") : out.index("</svg>")]
    assert "30:00" in svg and "25:00" in svg


def test_conversation_section_and_grouped_moments() -> None:
    from dataclasses import replace

    from tonecoach.report import FeedbackItem

    conv = {"agent": "left", "talk_time_s": {"left": 40.0, "right": 10.0}, "agent_talk_ratio": 0.8,
            "longest_agent_monologue_s": 130.0, "longest_agent_monologue_at_s": 5.0, "agent_interruptions": 1,
            "interruptions": [{"at_s": 61.0, "speaker": "left", "interrupted": "right", "overlap_s": 0.6}],
            "overlaps": [{"start_s": 61.0, "end_s": 61.6}], "overtalk_s": 0.6, "agent_overtalk_s": 0.6,
            "response_latency_s": {"count": 3, "median": 0.8, "worst": 4.2, "worst_at_s": 75.0},
            "dead_air": [{"start_s": 90.0, "end_s": 97.0}], "dead_air_s": 7.0, "dead_air_share": 0.05,
            "holds": [], "hold_s": 0.0, "agent_questions": 0, "agent_questions_per_min": 0.0,
            "thresholds": {"talk_ratio.share_above": 0.65, "monologue.seconds_over": 120.0}}
    fb = FeedbackItem(start_s=0.0, end_s=20.0, category="monotone", severity="major", message="Flat delivery",
                      evidence={"moments": [{"start_s": 0.5, "end_s": 4.0, "value": 0.7}, {"start_s": 70.0, "end_s": 75.0, "value": 0.6}]},
                      speaker="left")
    page = render_html(replace(make_report(), conversation=conv, feedback=(fb,)))
    section = page[page.index('<section id="conversation">'):]
    section = section[: section.index("</section>")]
    assert "80%" in section and "over 65%" in section
    assert "130.0 s" in section and "from 0:05" in section
    assert "at 1:01" in section  # the agent's interruption
    assert "worst 4.2 s" in section and "worst at 1:15" in section
    assert "7.0 s (5% of the call)" in section and "at 1:30" in section
    assert "0:00–0:04 0.7; 1:10–1:15 0.6" in page  # moments read as times, not as raw dicts
    assert '<section id="conversation">' not in render_html(make_report())  # no conversation, no section
