"""The running app through Gradio's API (gradio_client): login required, and nobody reads another's recording."""

from __future__ import annotations

import threading

import pytest
from web_support import PASSWORDS, speech_clip

from tonecoach.report import CallReport
from tonecoach.store import Comment

gradio_client = pytest.importorskip("gradio_client")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pandas deprecations inside gradio's queue
httpx = pytest.importorskip("httpx")


def client(url: str, name: str, password: str | None = None):
    return gradio_client.Client(url, auth=(name, password or PASSWORDS[name]), verbose=False)


@pytest.fixture(scope="module")
def ann_report(web_server, tmp_path_factory):
    clip = speech_clip(tmp_path_factory.mktemp("api") / "ann.wav", start_s=0.0, seconds=6.0)
    out = client(web_server.url, "ann").predict(gradio_client.handle_file(str(clip)), api_name="/analyze")
    return out


def test_nothing_without_logging_in(web_server):
    r = httpx.get(web_server.url + "gradio_api/info", timeout=30)
    assert r.status_code == 401
    r = httpx.post(web_server.url + "gradio_api/call/reports", json={"data": []}, timeout=30)
    assert r.status_code == 401
    with pytest.raises(ValueError, match="Could not login"):
        client(web_server.url, "ann", "wrong-password")
    with pytest.raises(ValueError, match="Could not login"):
        client(web_server.url, "nobody", "whatever-pass")


def test_fresh_install_writes_an_admin_password_that_works(web_server, ann_report):
    assert web_server.admin_password and "admin-password.txt" in web_server.printed
    admin = client(web_server.url, "admin", web_server.admin_password)
    assert ann_report["report_id"] in [e["report_id"] for e in admin.predict(api_name="/reports")]


def test_analyze_returns_both_scores_and_feedback(ann_report):
    assert ann_report["report_id"] >= 1
    assert 0 <= ann_report["tone_score"] <= 100
    assert 0 <= ann_report["content_score"] <= 100  # the wording score, from the same analysis
    assert isinstance(ann_report["feedback"], list)


def test_the_api_refuses_another_users_recording(web_server, ann_report):
    rid = ann_report["report_id"]
    ann, bob, lee, carl = (client(web_server.url, n) for n in ("ann", "bob", "lee", "carl"))
    mine = ann.predict(rid, api_name="/report")
    assert mine["entry"]["agent"] == "ann"
    assert CallReport.from_json(mine["report_json"]).tone.score == ann_report["tone_score"]
    # bob (another team) and carl (the other team's lead): nothing, exactly as for an id that does not exist
    for other in (bob, carl):
        assert other.predict(rid, api_name="/report") is None
        assert other.predict(rid, api_name="/comments") == []
        assert rid not in [e["report_id"] for e in other.predict(api_name="/reports")]
    assert bob.predict(99999, api_name="/report") is None
    before = web_server.store.count(Comment)
    with pytest.raises(Exception, match="no such report"):
        bob.predict(rid, "I can see you", None, api_name="/add_comment")
    with pytest.raises(Exception, match="no such report"):
        bob.predict(99999, "nor this", None, api_name="/add_comment")
    assert web_server.store.count(Comment) == before
    with pytest.raises(Exception, match="no such report"):  # nor may bob re-score it with another agent
        bob.predict(rid, "S2", api_name="/set_agent")
    with pytest.raises(Exception, match="one speaker"):  # ann's practice clip has only her voice
        ann.predict(rid, "S2", api_name="/set_agent")
    # ann's team lead sees it and can comment; ann sees the comment
    assert lee.predict(rid, api_name="/report")["entry"]["agent"] == "ann"
    lee.predict(rid, "Warmer greeting next time", 1.5, api_name="/add_comment")
    assert [(c["author"], c["at_s"], c["text"]) for c in ann.predict(rid, api_name="/comments")][-1] == (
        "lee", 1.5, "Warmer greeting next time")


def test_the_ui_endpoints_check_too(web_server, ann_report):
    """The UI's own events are reachable over HTTP as well; for bob, ann's report is not there."""
    rid = ann_report["report_id"]
    bob, lee = client(web_server.url, "bob"), client(web_server.url, "lee")
    out = bob.predict(api_name="/ui_load")
    assert out[0] == "Logged in as **bob** (agent, team south)"
    assert out[1]["value"]["data"] == []  # bob's recordings
    assert out[5]["data"] == []  # the review table
    opened = bob.predict(rid, api_name="/ui_review_open")  # ann's report, by its id: nothing of it
    assert "data-score" not in str(opened) and "ann" not in str(opened) and opened[-1] == "No such report."
    with pytest.raises(gradio_client.exceptions.AppError, match="No such report"):  # as for an id that does not exist
        bob.predict(rid, api_name="/ui_open_mine")
    with pytest.raises(gradio_client.exceptions.AppError, match="No such report"):
        bob.predict(99999, api_name="/ui_open_mine")
    table = bob.predict("", "", "", "", None, None, "any", api_name="/ui_review_table")
    assert table[0]["data"] == [] and table[1] == "Only team leads and admins review."
    lee.predict(api_name="/ui_load")
    table = lee.predict("ann", "", "", "", None, None, "any", api_name="/ui_review_table")
    assert rid in [row[1] for row in table[0]["data"]]


def test_four_simultaneous_uploads_share_one_analyzer(web_server, tmp_path):
    coach = web_server.coach
    analyzer = coach.analyzer
    lock, state = threading.Lock(), {"running": 0, "max": 0}
    real = analyzer.analyze

    def counting(*a, **k):
        with lock:
            state["running"] += 1
            state["max"] = max(state["max"], state["running"])
        try:
            return real(*a, **k)
        finally:
            with lock:
                state["running"] -= 1

    analyzer.analyze = counting
    try:
        users = ["ann", "bob", "lee", "carl"]
        clips = [speech_clip(tmp_path / f"{u}.wav", start_s=6.0 + 5 * i, seconds=5.0, gain=0.9) for i, u in enumerate(users)]
        jobs = [client(web_server.url, u).submit(gradio_client.handle_file(str(c)), api_name="/analyze")
                for u, c in zip(users, clips)]
        results = [j.result(timeout=300) for j in jobs]
    finally:
        del analyzer.analyze
    assert len({r["report_id"] for r in results}) == 4
    assert all(r["tone_score"] is None or 0 <= r["tone_score"] <= 100 for r in results)
    assert state["max"] == 1  # queued: one analysis at a time
    assert coach.analyzer is analyzer  # one model instance for everyone
    for u, r in zip(users, results):
        assert client(web_server.url, u).predict(r["report_id"], api_name="/report")["entry"]["agent"] == u
