"""The web app's work without a browser: uploads (limits, decoding, nothing stored on failure), the queue,
restarts and crashes, clips and the re-take drill. A stand-in Analyzer decodes for real and answers fast."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from web_support import FakeAnalyzer, make_report, tone_wav

from tonecoach.errors import AudioError, ToneCoachError
from tonecoach.render.web import (
    NOT_SCORED,
    content_score,
    feedback_choices,
    feedback_html,
    report_css,
    retake_choices,
    scores_html,
)
from tonecoach.store import Recording, Report, Store
from tonecoach.store import access as X
from tonecoach.store.accounts import add_user, get_account
from tonecoach.web.handlers import parse_time
from tonecoach.web.service import Coach, CoachOptions, UploadError, parse_size

ROOT = Path(__file__).resolve().parents[1]


def _world(data: Path, analyzer: FakeAnalyzer, **opts):
    store = Store(data_dir=data)
    for name, role, team in (("ann", "agent", "north"), ("lee", "team_lead", "north"), ("bob", "agent", "south")):
        if get_account(store, name) is None:
            add_user(store, name, role=role, team=team, password=f"{name}-password")
    return Coach(store, lambda: analyzer, CoachOptions(**opts)), {n: get_account(store, n) for n in ("ann", "lee", "bob")}


@pytest.fixture()
def setup(tmp_path):
    fake = FakeAnalyzer()
    coach, u = _world(tmp_path / "data", fake)
    yield coach, u, fake, tmp_path
    coach.store.close()


def stored_files(data: Path) -> list[Path]:
    audio = data / "audio"
    return sorted(p for p in audio.rglob("*") if p.is_file()) if audio.exists() else []


def test_upload_is_analysed_stored_by_hash_and_listed(setup):
    coach, u, fake, tmp = setup
    src = tone_wav(tmp / "My Call (1).wav")
    rid = coach.analyze_upload(u["ann"], src)
    e, report, stored = coach.open(u["ann"], rid)
    assert (e.agent, e.name, e.source) == ("ann", "My Call (1).wav", "upload")
    assert report.audio.duration_s == pytest.approx(2.0, abs=0.01)
    files = stored_files(coach.store.data_dir)
    assert len(files) == 1 and files[0].name == coach.store.reports()[0].recording.sha256
    assert stored == files[0].relative_to(coach.store.data_dir).as_posix()
    assert "My Call" not in stored
    # the same content again: no second analysis, and another agent gets their own report of it
    assert coach.analyze_upload(u["ann"], src) == rid
    bobs = coach.analyze_upload(u["bob"], src)
    assert bobs != rid and fake.calls == 1
    assert [x.agent for x in X.entries(coach.store, u["bob"])] == ["bob"]


@pytest.mark.parametrize("content, message", [
    (b"this is not audio at all, just text" * 10, "could not decode"),
    (b"", "empty"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt ", "could not decode"),
])
def test_a_bad_file_gets_a_clear_message_and_nothing_is_stored(setup, content, message):
    coach, u, _, tmp = setup
    bad = tmp / "call.wav"  # the name says wav; decoding decides
    bad.write_bytes(content)
    with pytest.raises(ToneCoachError, match=message):
        coach.analyze_upload(u["ann"], bad)
    assert coach.store.count(Recording) == 0 and coach.store.count(Report) == 0
    assert stored_files(coach.store.data_dir) == []


def test_too_short_and_silent_input_is_refused_or_flagged(setup):
    coach, u, _, tmp = setup
    with pytest.raises(AudioError, match=r"blip.wav. is 0.10 s long; at least 0.50 s"):
        coach.analyze_upload(u["ann"], tone_wav(tmp / "blip.wav", seconds=0.1))
    assert coach.store.count(Report) == 0


def test_size_limit(tmp_path):
    fake = FakeAnalyzer()
    coach, u = _world(tmp_path / "data", fake, max_upload_bytes=50_000)
    big = tone_wav(tmp_path / "long.wav", seconds=3.0)  # 96 kB
    with pytest.raises(UploadError, match="the limit is 49 kB"):
        coach.analyze_upload(u["ann"], big)
    assert fake.calls == 0 and coach.store.count(Report) == 0 and stored_files(coach.store.data_dir) == []
    with pytest.raises(UploadError, match="choose an audio file"):
        coach.analyze_upload(u["ann"], None)
    coach.store.close()


def test_parse_size():
    assert parse_size("200MB") == 200 * 1024**2
    assert parse_size("1.5 GB") == int(1.5 * 1024**3)
    assert parse_size("500k") == 500 * 1024
    assert parse_size(1234) == 1234
    for bad in ("lots", "-3MB", "0"):
        with pytest.raises(ToneCoachError):
            parse_size(bad)


def test_four_simultaneous_uploads_queue_behind_one_analyzer(tmp_path):
    fake = FakeAnalyzer(delay_s=0.3)
    coach, u = _world(tmp_path / "data", fake, workers=1)
    files = [tone_wav(tmp_path / f"c{i}.wav", freq_hz=200 + 20 * i) for i in range(4)]
    who = [u["ann"], u["bob"], u["lee"], u["ann"]]
    results, errors = [], []

    def go(i):
        try:
            results.append(coach.analyze_upload(who[i], files[i]))
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(set(results)) == 4
    assert fake.calls == 4 and fake.max_running == 1
    assert coach.store.count(Report) == 4
    coach.store.close()


def test_a_failed_analysis_stores_nothing(tmp_path):
    fake = FakeAnalyzer(fail=RuntimeError("worker died"))
    coach, u = _world(tmp_path / "data", fake)
    with pytest.raises(RuntimeError):
        coach.analyze_upload(u["ann"], tone_wav(tmp_path / "x.wav"))
    assert coach.store.count(Report) == 0 and coach.store.count(Recording) == 0
    assert stored_files(coach.store.data_dir) == []
    coach.store.close()


CRASH = r"""
import sys, time
sys.path.insert(0, sys.argv[2])
from web_support import FakeAnalyzer, tone_wav
from tonecoach.store import Store
from tonecoach.store.accounts import get_account
from tonecoach.web.service import Coach
from pathlib import Path
store = Store(data_dir=sys.argv[1])
coach = Coach(store, lambda: FakeAnalyzer(delay_s=60))
src = tone_wav(Path(sys.argv[1]) / "in.wav", freq_hz=330.0)  # new content: really analysed
def progress(f, m):
    if m == "transcribing":
        print("analysing", flush=True)
coach.analyze_upload(get_account(store, "ann"), src, progress=progress)
"""


def test_a_crash_mid_analysis_leaves_no_half_written_report_and_a_restart_keeps_everything(tmp_path):
    data = tmp_path / "data"
    fake = FakeAnalyzer()
    coach, u = _world(data, fake)
    rid = coach.analyze_upload(u["ann"], tone_wav(tmp_path / "kept.wav"))
    X.add_comment(coach.store, u["lee"], rid, "keep this", at_s=1.0)
    X.mark_reviewed(coach.store, u["lee"], rid)
    coach.store.close()
    # a server process killed in the middle of an analysis
    p = subprocess.Popen([sys.executable, "-c", CRASH, str(data), str(ROOT / "tests")], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = p.stdout.readline()
        assert line.strip() == "analysing", p.stderr.read()
        p.send_signal(signal.SIGKILL)
    finally:
        p.wait(timeout=30)
    # restart: what was saved is all there, the killed analysis left nothing
    coach, u = _world(data, FakeAnalyzer())
    assert coach.store.count(Report) == 1 and coach.store.count(Recording) == 1
    assert len(stored_files(data)) == 1
    e = X.get_entry(coach.store, u["lee"], rid)
    assert e.reviewed_by == "lee"
    assert [c.text for c in X.comments(coach.store, u["ann"], rid)] == ["keep this"]
    assert X.load_report(coach.store, u["ann"], rid)[1].tone.score == 70.0
    assert not any(p.name.startswith(".tmp-") for p in (data / "audio").rglob("*"))
    coach.store.close()


def test_clip_of_a_flagged_moment(setup):
    coach, u, _, tmp = setup
    rid = coach.analyze_upload(u["ann"], tone_wav(tmp / "c.wav", seconds=10.0))
    sr, y = coach.feedback_clip(u["ann"], rid, 0)  # feedback 1.0-7.0 s, plus the margin
    m = coach.options.clip_margin_s
    assert sr == 16000 and y.dtype == np.int16 and y.shape[1] == 1
    assert y.shape[0] == pytest.approx((6.0 + 2 * m) * sr, abs=2)
    assert abs(int(y.max())) > 5000  # the tone, not silence
    assert coach.feedback_clip(u["bob"], rid, 0) is None  # not bob's
    assert coach.feedback_clip(u["lee"], rid, 0) is not None  # ann's lead
    assert coach.feedback_clip(u["ann"], rid, 5) is None


def test_retake_compares_the_flagged_line_with_a_new_take(setup):
    coach, u, fake, tmp = setup
    rid = coach.analyze_upload(u["ann"], tone_wav(tmp / "c.wav", seconds=10.0))
    fake.wpm = 140.0  # the new take is slower
    r = coach.retake(u["ann"], rid, 0, tone_wav(tmp / "take.wav", seconds=3.0, gain=0.2))
    first = r.rows[0]
    assert (first.field, first.flagged, first.before, first.after) == ("words_per_minute", True, 190.0, 140.0)
    assert first.points_before < first.points_after == 100.0
    assert r.line_before.startswith("thank you for calling")
    assert coach.store.count(Report) == 1  # a take is practice, not stored
    with pytest.raises(X.NotFoundError):
        coach.retake(u["bob"], rid, 0, tone_wav(tmp / "t2.wav"))
    with pytest.raises(UploadError, match="pick a flagged line"):
        coach.retake(u["ann"], rid, 3, tone_wav(tmp / "t3.wav"))


def test_render_shows_both_scores_and_says_when_content_is_not_scored():
    r = make_report(72.0)
    html = scores_html(r)
    assert 'data-score="tone"' in html and ">72<" in html
    assert content_score(r) is None and NOT_SCORED in html
    r2 = make_report(72.0, content={"score": 64.4, "metrics": []})
    assert content_score(r2) == 64.4 and ">64<" in scores_html(r2) and NOT_SCORED not in scores_html(r2)
    html = feedback_html(r)
    assert 'class="label">Speaking too fast<' in html and "0:01–0:07" in html and 'data-severity="minor"' in html
    assert "190 wpm (your whole call: the same)" in html and "Slow down and let each point land." in html
    assert "too_fast" not in html  # the rule's name stays out of people's sight
    assert feedback_choices(r) == [("0:01 Speaking too fast", 0)]
    assert retake_choices(r) == [("0:01–0:06 Speaking too fast (190 wpm): “thank you for calling how can I help you today”",
                                  "L0-0")]
    from dataclasses import replace

    from tonecoach.report import FeedbackItem

    fb = FeedbackItem(0.0, 20.0, "monotone", "major", "Flat. Lift the key words.",
                      {"threshold": 1.5, "value": 0.51, "unit": "semitones",
                       "moments": [{"start_s": 0.0, "end_s": 3.0, "value": 0.7}, {"start_s": 3.7, "end_s": 7.0, "value": 0.51}]},
                      "S1")
    html = feedback_html(replace(r, feedback=(fb,)))
    assert "flattest phrase: 0.5 semitones" in html
    assert "<dt>moments</dt><dd dir=\"auto\">0:00–0:03 0.7 semitones; 0:03–0:07 0.5 semitones</dd>" in html  # behind details
    css = report_css()
    assert not re.search(r"(^|[},])\s*body\b", css)  # the page's own rules are the app's
    assert all(line.startswith((".tc-report", ".dark .tc-report", "@media", "}")) for line in css.splitlines() if line)


def test_handlers_take_the_user_from_the_login_not_from_the_browser(setup):
    from types import SimpleNamespace

    import gradio as gr

    from tonecoach.web.handlers import Handlers

    coach, u, _, tmp = setup
    rid = coach.analyze_upload(u["ann"], tone_wav(tmp / "c.wav", seconds=10.0))
    h = Handlers(coach)
    as_bob, as_lee = SimpleNamespace(username="bob"), SimpleNamespace(username="lee")
    opened = h.review_open(rid, as_bob)
    assert opened[0] is None and opened[3] == "" and opened[4] == "" and opened[-1] == "No such report."
    with pytest.raises(gr.Error, match="No such report"):  # the same as for an id that does not exist
        h.open_mine(rid, as_bob)
    assert h.play_moment(rid, 0, as_bob) is None
    assert h.retake(rid, 0, str(tmp / "c.wav"), as_bob, progress=lambda *a, **k: None)[0].startswith("**Could not compare:** no such")
    assert h.add_comment(rid, "0:01", "hi", as_bob)[2] == "**Comment not added:** no such report"
    assert h.toggle_reviewed(rid, as_bob)[1] == "**Not changed:** no such report"
    assert h.api_report(rid, as_bob) is None and h.api_comments(rid, as_bob) == []
    assert h.review_open(rid, as_lee)[0] == rid
    assert h.add_comment(rid, "0:01", "hi", as_lee)[2] == "Comment added."
    assert h.toggle_reviewed(rid, as_lee)[1].endswith("by lee.")
    with pytest.raises(gr.Error, match="log in again"):
        h.open_mine(rid, SimpleNamespace(username=None))
    with pytest.raises(gr.Error, match="log in again"):
        h.open_mine(rid, SimpleNamespace(username="ghost"))


@pytest.mark.parametrize("text, seconds", [("1:05", 65.0), ("65", 65.0), ("0:03.5", 3.5), ("", None), (None, None)])
def test_parse_time(text, seconds):
    assert parse_time(text) == seconds


def test_parse_time_refuses_nonsense():
    with pytest.raises(ToneCoachError, match="m:ss"):
        parse_time("soon")


def test_correcting_the_agent_scores_the_call_again_and_keeps_the_report(tmp_path, analyzer):
    """A two-party call whose agent was chosen wrongly: the other speaker is set as the agent, from the stored
    audio, by the real Analyzer; id, comments and review stay; the tone now measures that speaker."""
    coach, u = _world(tmp_path / "data", analyzer)
    try:
        src = ROOT / "samples" / "customer_first_stereo.wav"
        rid = coach.analyze_upload(u["ann"], src, original_name="first.wav")
        _, before, _ = coach.open(u["ann"], rid)
        auto = before.agent.speaker
        other = next(s.id for s in before.speakers if s.id != auto)
        X.add_comment(coach.store, u["lee"], rid, "check who the agent is", at_s=1.0)
        X.mark_reviewed(coach.store, u["lee"], rid)

        with pytest.raises(X.NotFoundError):  # another team's agent cannot, nor can they tell it exists
            coach.set_agent(u["bob"], rid, other)
        with pytest.raises(UploadError, match="pick one of the call's speakers"):
            coach.set_agent(u["ann"], rid, "S9")
        assert coach.set_agent(u["ann"], rid, auto) == (rid, False)  # already the agent: nothing to do

        assert coach.set_agent(u["lee"], rid, other) == (rid, True)
        entry, after, _ = coach.open(u["ann"], rid)
        assert after.agent.speaker == other and after.agent.method == "option"
        assert "by lee in the web app" in after.agent.reason and f"automatic choice was {auto}" in after.agent.reason
        assert after.agent.set_by == "lee" and after.agent.automatic is False
        assert after.agent.automatic_choice == before.agent.described() and before.agent.automatic
        assert after.options["agent_speaker"] == other
        from tonecoach.render.web import agent_choices, agent_info

        assert "by lee in the web app" in agent_info(after)
        assert [sid for _, sid in agent_choices(after)] == [s.id for s in after.speakers]
        assert sum("(the agent now" in label for label, _ in agent_choices(after)) == 1
        roles = {s.id: s.role for s in after.speakers}
        assert roles[other] == "agent" and roles[auto] == "customer"
        # the tone side now measures the new agent: its rate is that speaker's, as measured the first time
        wpm_other = next(s.prosody["words_per_minute"] for s in before.speakers if s.id == other)
        rate = next(m for m in after.tone.metrics if m.name == "speaking_rate")
        assert rate.value == pytest.approx(wpm_other, rel=0.05)
        assert after.audio.path == "first.wav"
        # one analysis, the same report id, with its comment and review state; the figures follow the new report
        assert coach.store.count(Report) == 1
        assert [c.text for c in X.comments(coach.store, u["ann"], rid)] == ["check who the agent is"]
        assert entry.reviewed_at is not None and entry.tone_score == after.tone.score
        assert coach.store.get_report(entry.analysis_id).agent_speaker == auto  # the shared analysis is as it was
        # set back by ann: the reason still names the automatic choice, not lee's
        assert coach.set_agent(u["ann"], rid, auto) == (rid, True)
        _, back, _ = coach.open(u["ann"], rid)
        assert back.agent.speaker == auto and back.agent.reason.startswith(f"set to {auto} by ann in the web app; ")
        assert back.agent.reason.endswith(before.agent.reason + ")") and "lee" not in back.agent.reason
        assert back.agent.set_by == "ann" and back.agent.automatic_choice == before.agent.described()
        assert back.tone.score == pytest.approx(before.tone.score, abs=2)
    finally:
        coach.store.close()


def test_correcting_the_agent_refuses_one_speaker_and_audio_not_kept(setup):
    coach, u, fake, tmp = setup
    rid = coach.analyze_upload(u["ann"], tone_wav(tmp / "c.wav", seconds=10.0))
    with pytest.raises(UploadError, match="one speaker"):
        coach.set_agent(u["ann"], rid, "S1")
    with pytest.raises(X.NotFoundError):
        coach.set_agent(u["ann"], 999, "S1")
    # a two-speaker report whose audio is not in the data directory (a batch report, say)
    from dataclasses import replace

    from tonecoach.report import Speaker

    two = make_report(model="fake")
    two = replace(two, speakers=(*two.speakers, Speaker("S2", "unknown", 3.0, None, {})),
                  tone=replace(two.tone, rubric_version=fake.rubric.version))
    rid2 = X.save_upload(coach.store, u["ann"], two, sha256="ab" * 32, original_name="old.wav", size_bytes=1,
                         stored_path=None)
    with pytest.raises(UploadError, match="was not kept"):
        coach.set_agent(u["ann"], rid2, "S2")
    assert coach.open(u["ann"], rid2)[1].agent.speaker == "S1"
