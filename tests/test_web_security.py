"""The web app attacked as a user would: each test performs one attack on the running server, over HTTP.

Three kinds of people take part: ivy (an agent of team north, the victim), max (an agent of team south,
the attacker, with an ordinary account) and the leads of both teams. Requests go to 127.0.0.1; those that
play "behind the HTTPS proxy" send the proxy's ``Host`` (coach.example.com), and those that play "another
web site" send the ``Origin`` a browser sends for a page on evil.example. Lockout tests come from their own
client addresses (``X-Forwarded-For`` from a proxy on this machine), so that they lock out nobody else.

The last tests start the app as ``tonecoach serve`` does (``python app.py``), behind a public https URL,
to check file modes and what a restart leaves in the upload cache.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
import tracemalloc
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest
from web_support import (
    PASSWORDS,
    SAMPLES,
    Browser,
    CallError,
    ensure_user,
    file_data,
    free_port,
    make_report,
    quiet_flac,
    speech_clip,
)

from tonecoach.cli import main
from tonecoach.report import CallReport, FeedbackItem
from tonecoach.store import Store, access, sha256_file, store_audio
from tonecoach.store import accounts as A
from tonecoach.store.accounts import get_account

httpx = pytest.importorskip("httpx")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pandas deprecations inside gradio's queue

ROOT = Path(__file__).resolve().parents[1]
PROXY_HOST = "coach.example.com"
EVIL = "https://evil.example"
PEOPLE = {"ivy": ("agent", "north"), "max": ("agent", "south"), "lena": ("team_lead", "north")}


@pytest.fixture(scope="module")
def site(web_server):
    for name, (role, team) in PEOPLE.items():
        ensure_user(web_server.store, name, role=role, team=team, password=f"{name}-secret-pass")
    return web_server


def browser(server, name: str | None = None, password: str | None = None, **kw) -> Browser:
    b = Browser(server.url, **kw)
    if name:
        r = b.login(name, password)
        assert r.status_code == 200, (r.status_code, r.text)
    return b


def user(server, name: str, password: str, *, role: str = "agent", team: str = "north") -> str:
    ensure_user(server.store, name, role=role, team=team, password=password)
    return PASSWORDS[name]


def admin(server) -> Browser:
    return browser(server, "admin", server.admin_password)


def stored_report(server, owner: str, audio: Path, *, feedback_at: float, name: str = "stored.wav") -> int:
    """``owner`` has a report of ``audio`` (kept in the data directory) with one flagged moment at ``feedback_at``."""
    from dataclasses import replace

    from tonecoach.analysis.audio import load

    dur = load(audio).duration_s
    r = make_report(duration_s=dur, path=name)
    fb = FeedbackItem(feedback_at, feedback_at + 5.0, "too_fast", "minor", "Too fast. Slow down.",
                      {"value": 190.0, "threshold": 170.0, "unit": "wpm"}, "S1")
    r = replace(r, feedback=(fb,))
    kept = store_audio(server.store.data_dir, audio)
    return access.save_upload(server.store, get_account(server.store, owner), r, sha256=sha256_file(audio),
                              original_name=name, size_bytes=audio.stat().st_size,
                              stored_path=kept.relative_to(server.store.data_dir).as_posix())


def play(b: Browser, rid: int, index: int = 0):
    """Open one's own report and play a moment of it, as the Practice tab does; returns the clip's file data."""
    b.call("ui_load")
    b.call("ui_open_mine", rid)
    return b.call("ui_play_moment", rid, index)[0]


class Counting:
    """Counts (and optionally holds) the calls of the shared analyzer's ``analyze``."""

    def __init__(self, analyzer, *, hold: bool = False):
        self.analyzer, self.calls, self.gate = analyzer, 0, threading.Event()
        if not hold:
            self.gate.set()

    def __enter__(self):
        real = self.analyzer.analyze

        def analyze(*a, **k):
            self.calls += 1
            self.gate.wait(300)
            return real(*a, **k)

        self.analyzer.analyze = analyze
        return self

    def __exit__(self, *exc):
        self.gate.set()
        del self.analyzer.analyze


# -- 1. the lockout ---------------------------------------------------------------------------


def test_a_burst_of_guesses_is_counted_before_any_is_checked(site, monkeypatch):
    """30 wrong passwords and the right one, sent at once: at most 5 reach the password check."""
    right = user(site, "burst", "burst-right-pass")
    checked = []
    real = A.verify_password

    def counting(password_hash, password):
        checked.append(password)
        time.sleep(0.05)  # a slower hash: every request of the burst is in flight at once
        return real(password_hash, password)

    monkeypatch.setattr(A, "verify_password", counting)
    guesses = [f"wrong-guess-{i:02d}" for i in range(30)] + [right]

    async def burst():
        async with httpx.AsyncClient(base_url=site.url, headers={"X-Forwarded-For": "10.1.0.1"}, timeout=120) as c:
            return await asyncio.gather(*(c.post("login", data={"username": "burst", "password": g}) for g in guesses))

    responses = asyncio.run(burst())
    assert len(checked) <= 5, f"{len(checked)} of {len(guesses)} guesses were checked"
    logged_in = [g for g, r in zip(guesses, responses) if r.status_code == 200]
    assert logged_in == [] or (logged_in == [right] and right in checked)
    assert sum(r.status_code == 429 for r in responses) >= len(guesses) - 5


def test_one_address_cannot_spread_guesses_over_many_names(site):
    """2 wrong guesses on each of 12 names from one address: never 5 for a name, but the address is stopped."""
    names = [f"spray{i:02d}" for i in range(12)]
    for n in names:
        user(site, n, f"{n}-right-pass")
    attacker = Browser(site.url, address="10.2.0.1")
    for n in names:
        for k in range(2):
            assert attacker.login(n, f"guess-{k}-pass").status_code != 200
    r = attacker.login("spray00", "spray00-right-pass")
    assert r.status_code == 429, (r.status_code, r.text)
    assert Browser(site.url, address="10.2.0.2").login("spray00", "spray00-right-pass").status_code == 200


def test_the_change_password_form_is_no_password_oracle(site):
    right = user(site, "oracle", "oracle-right-pass")
    b = browser(site, "oracle", right, address="10.3.0.1")
    for k in range(8):
        out = b.call("ui_change_password", f"guess-{k}-pass", "oracle-new-pass", "oracle-new-pass")
        assert out[0].startswith("**Not changed:**")
    out = b.call("ui_change_password", right, "oracle-new-pass", "oracle-new-pass")
    assert out[0] != "Password changed." and "wrong passwords" in out[0]
    assert A.authenticate(site.store, "oracle", right) is not None  # unchanged


# -- 2. other web sites -----------------------------------------------------------------------


def test_another_site_cannot_act_with_a_logged_in_users_cookie(site):
    victim = browser(site, "ivy", host=PROXY_HOST)  # ivy's browser, at https://coach.example.com
    pre = victim.http.options("gradio_api/call/reports", headers={
        "Origin": EVIL, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    assert pre.headers.get("access-control-allow-origin") != EVIL
    # a page on evil.example has ivy's browser post to the app: her cookie goes along
    r = victim.post("gradio_api/call/reports", json={"data": []}, origin=EVIL)
    assert r.status_code == 403, (r.status_code, r.text)
    assert "event_id" not in r.text and r.headers.get("access-control-allow-origin") is None
    r = victim.post("gradio_api/upload", files={"files": ("x.wav", b"RIFF", "audio/wav")}, origin=EVIL)
    assert r.status_code == 403
    # the site's own pages still work
    assert isinstance(victim.call("reports")[0], list)


def test_another_site_cannot_log_a_browser_in(site):
    b = Browser(site.url, host=PROXY_HOST)
    for origin in (EVIL, "null"):  # "null": a sandboxed frame or a data: URL
        r = b.login("ivy", origin=origin)
        assert r.status_code == 403, (origin, r.status_code)
        assert "set-cookie" not in r.headers
    assert not b.logged_in()


def test_the_login_cookie_stays_on_the_site(site):
    r = Browser(site.url).login("ivy")
    cookies = r.headers.get_list("set-cookie")
    assert cookies
    for c in cookies:
        low = c.lower()
        assert "samesite=none" not in low and ("samesite=lax" in low or "samesite=strict" in low), c
        assert "httponly" in low


def test_logging_out_takes_a_post_from_the_site(site):
    b = browser(site, "ivy")
    assert b.get("logout").status_code == 405  # a link or an <img> on any page: nothing happens
    assert b.logged_in()
    assert b.post("logout", origin=EVIL).status_code == 403
    assert b.logged_in()
    assert b.post("logout").status_code in (200, 303)
    assert not b.logged_in()


# -- 3. sessions ------------------------------------------------------------------------------


def test_a_password_change_ends_the_users_other_sessions(site):
    first = user(site, "sess", "sess-first-pass")
    here, there = browser(site, "sess", first, address="10.4.0.1"), browser(site, "sess", first, address="10.4.0.2")
    assert here.call("ui_change_password", first, "sess-second-pass", "sess-second-pass")[0] == "Password changed."
    assert not there.logged_in()  # e.g. the session an attacker opened with the old password
    assert here.logged_in()  # the session that changed it goes on
    again = browser(site, "sess", "sess-second-pass", address="10.4.0.3")
    # a change from the command line ends every session
    out = io.StringIO()
    sys_stdin = sys.stdin
    sys.stdin = io.StringIO("sess-third-pass\n")
    try:
        assert main(["users", "--data-dir", str(site.data_dir), "passwd", "sess", "--password-stdin"],
                    stdout=out, stderr=io.StringIO()) == 0
    finally:
        sys.stdin = sys_stdin
    assert not here.logged_in() and not again.logged_in()


def test_an_idle_session_ends_after_12_hours(site, monkeypatch):
    b = browser(site, "ivy")
    sessions = site.sessions
    assert sessions.idle_s == 12 * 3600
    now = sessions.clock()
    monkeypatch.setattr(sessions, "clock", lambda: now + 11.5 * 3600)
    assert b.logged_in()  # used within 12 h: still on, and the idle time starts again
    monkeypatch.setattr(sessions, "clock", lambda: now + 11.5 * 3600 + 12.5 * 3600)
    assert not b.logged_in()


def test_a_disabled_user_is_out_at_once(site):
    pw = user(site, "leaver", "leaver-right-pass")
    b = browser(site, "leaver", pw, address="10.5.0.1")
    d = str(site.data_dir)
    out = io.StringIO()
    assert main(["users", "--data-dir", d, "disable", "leaver"], stdout=out, stderr=io.StringIO()) == 0
    assert not b.logged_in()
    assert Browser(site.url, address="10.5.0.2").login("leaver", pw).status_code != 200
    listing = io.StringIO()
    main(["users", "--data-dir", d, "list"], stdout=listing, stderr=io.StringIO())
    assert "(disabled)" in next(line for line in listing.getvalue().splitlines() if line.startswith("leaver"))
    assert main(["users", "--data-dir", d, "enable", "leaver"], stdout=out, stderr=io.StringIO()) == 0
    assert not b.logged_in()  # the old session stays ended
    assert Browser(site.url, address="10.5.0.3").login("leaver", pw).status_code == 200


# -- 4. identical uploads ---------------------------------------------------------------------


def test_identical_uploads_give_each_owner_their_own_report(site, tmp_path):
    clip = speech_clip(tmp_path / "same.wav", start_s=2.0, seconds=5.0, gain=0.83)
    ivy, mx, lee = browser(site, "ivy"), browser(site, "max"), browser(site, "lee")
    with Counting(site.coach.analyzer) as analyses:
        ri = ivy.call("analyze", file_data(ivy.upload(clip, "ivy-call.wav")))[0]["report_id"]
        admin(site).call("add_comment", ri, "For ivy: slow the greeting down", None)
        lee.call("ui_load")
        lee.call("ui_review_open", ri)
        assert lee.call("ui_mark_reviewed")[1].endswith("by lee.")
        rm = mx.call("analyze", file_data(mx.upload(clip, "max-copy.wav")))[0]["report_id"]
    assert analyses.calls == 1  # the analysis cache: the same bytes are not analysed twice
    assert rm != ri
    got = mx.call("report", rm)[0]
    assert got["entry"]["agent"] == "max" and got["entry"]["name"] == "max-copy.wav"
    assert got["entry"]["reviewed_at"] is None and got["entry"]["reviewed_by"] is None
    assert CallReport.from_json(got["report_json"]).audio.path == "max-copy.wav"
    assert "ivy-call.wav" not in got["report_json"]
    assert mx.call("comments", rm)[0] == []
    assert mx.call("report", ri)[0] is None
    mine = ivy.call("report", ri)[0]
    assert mine["entry"]["name"] == "ivy-call.wav" and mine["entry"]["reviewed_by"] == "lee"
    assert [c["text"] for c in ivy.call("comments", ri)[0]] == ["For ivy: slow the greeting down"]


def test_one_owner_correcting_the_agent_leaves_the_others_report_alone(site):
    call = SAMPLES / "customer_first_stereo.wav"
    ivy, mx = browser(site, "ivy"), browser(site, "max")
    ri = ivy.call("analyze", file_data(ivy.upload(call, "ivy-stereo.wav")))[0]["report_id"]
    rm = mx.call("analyze", file_data(mx.upload(call, "max-stereo.wav")))[0]["report_id"]
    before = CallReport.from_json(ivy.call("report", ri)[0]["report_json"])
    other = next(s.id for s in before.speakers if s.id != before.agent.speaker)
    out = mx.call("set_agent", rm, other)[0]
    assert out["changed"] and out["agent"]["speaker"] == other
    after = CallReport.from_json(ivy.call("report", ri)[0]["report_json"])
    assert after.agent == before.agent and after.tone.score == before.tone.score
    assert "max" not in after.agent.reason
    assert CallReport.from_json(mx.call("report", rm)[0]["report_json"]).agent.speaker == other


# -- 5. Gradio's upload cache -----------------------------------------------------------------


def test_a_users_upload_is_theirs_alone(site, tmp_path):
    ivy, mx = browser(site, "ivy"), browser(site, "max")
    p = ivy.upload(speech_clip(tmp_path / "private.wav", start_s=1.0, seconds=3.0, gain=0.77), "private.wav")
    assert ivy.get(f"gradio_api/file={p}").status_code == 200
    assert mx.get(f"gradio_api/file={p}").status_code == 404
    assert mx.get(f"gradio_api/file/{p}").status_code == 404  # the older spelling of the route
    # nor can max have it analysed as his own by naming its path
    with pytest.raises(CallError):
        mx.call("analyze", file_data(p))
    assert all(e["agent"] != "max" or e["name"] != "private.wav" for e in admin(site).call("reports")[0])
    # and the audio kept in the data folder is served to nobody
    kept = next(p for p in (site.data_dir / "audio").rglob("*") if p.is_file())
    assert ivy.get(f"gradio_api/file={kept}").status_code in (403, 404)
    with pytest.raises(CallError):
        mx.call("analyze", file_data(str(kept)))


def test_a_played_moment_is_served_only_to_who_may_see_the_report(site, tmp_path):
    audio = speech_clip(tmp_path / "moment.wav", start_s=0.0, seconds=12.0, gain=0.71)
    rid = stored_report(site, "ivy", audio, feedback_at=3.0)
    ivy, mx, lee = browser(site, "ivy"), browser(site, "max"), browser(site, "lee")
    clip = play(ivy, rid)
    url = f"gradio_api/file={clip['path']}"
    got = ivy.get(url)
    assert got.status_code == 200 and got.content[:4] == b"RIFF"
    assert lee.get(url).status_code == 200  # ivy's team lead may see the report
    assert mx.get(url).status_code == 404
    mx.call("ui_load")
    with pytest.raises(CallError):  # nor can max have one made: the report is not among his
        mx.call("ui_open_mine", rid)


def test_a_rejected_upload_leaves_nothing_behind(site, tmp_path):
    mx = browser(site, "max")
    bad = tmp_path / "minutes.wav"
    bad.write_text("minutes of the Tuesday meeting\n" * 40)
    p = mx.upload(bad)
    with pytest.raises(CallError, match="not an audio file|could not decode"):
        mx.call("analyze", file_data(p))
    assert not Path(p).exists()


# -- 6. exhausting the server -----------------------------------------------------------------


def test_one_user_cannot_fill_the_analysis_queue(site, tmp_path):
    mx, lena = browser(site, "max"), browser(site, "lena")
    clips = [speech_clip(tmp_path / f"q{i}.wav", start_s=3.0 + i, seconds=3.0, gain=0.6 + 0.01 * i) for i in range(5)]
    paths = [mx.upload(c) for c in clips[:4]]
    theirs = lena.upload(clips[4])
    accepted, refused = [], []
    with Counting(site.coach.analyzer, hold=True):
        for p in paths:
            try:
                accepted.append(mx.submit("analyze", file_data(p)))
            except CallError as exc:
                refused.append(exc)
        other = lena.submit("analyze", file_data(theirs))  # another user is not held up by max's jobs
    assert len(accepted) == 2 and len(refused) == 2, (accepted, [str(e) for e in refused])
    assert all("2 analyses" in str(e) for e in refused), [str(e) for e in refused]
    for e in accepted:
        assert mx.result("analyze", e)[0]["report_id"] > 0
    assert lena.result("analyze", other)[0]["report_id"] > 0


def test_a_small_file_holding_an_hour_of_silence_is_refused_before_the_analysis(site, tmp_path):
    flac = quiet_flac(tmp_path / "quiet.flac", minutes=61)  # about 4 MB; the header does not say how long
    assert flac.stat().st_size < 8 * 1024**2
    mx = browser(site, "max")
    with Counting(site.coach.analyzer) as analyses:
        with pytest.raises(CallError, match="60"):
            mx.call("analyze", file_data(mx.upload(flac)))
    assert analyses.calls == 0


def test_playing_moments_decodes_only_the_moments(site, tmp_path):
    long = quiet_flac(tmp_path / "long.flac", minutes=30, tone_at_s=(1500.0,), declare_length=True)
    rid = stored_report(site, "max", long, feedback_at=1500.0, name="long.flac")
    tabs = []  # eight pages of max's, each with the report open, each playing the moment at once
    for _ in range(8):
        tab = browser(site, "max")
        tab.call("ui_load")
        tab.call("ui_open_mine", rid)
        tabs.append(tab)
    mx = tabs[0]

    def play_once(tab):
        try:
            return tab.call("ui_play_moment", rid, 0)[0]
        except CallError as exc:
            return exc

    tracemalloc.start()
    try:
        with ThreadPoolExecutor(8) as ex:
            outs = list(ex.map(play_once, tabs))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    played = [o for o in outs if isinstance(o, dict)]
    assert played, outs
    assert peak < 40 * 1024**2, f"{peak / 1024**2:.0f} MB traced while playing"  # 30 min decoded: 115 MB each
    with wave.open(io.BytesIO(mx.get(f"gradio_api/file={played[0]['path']}").content)) as w:
        seconds = w.getnframes() / w.getframerate()
    assert seconds == pytest.approx(5.0 + 2 * site.coach.options.clip_margin_s, abs=0.05)


# -- 8. smaller -------------------------------------------------------------------------------


def test_markdown_in_a_file_name_is_shown_as_text(site, tmp_path):
    name = "[link](logout) *x*.wav"
    ivy, lee = browser(site, "ivy"), browser(site, "lee")
    rid = ivy.call("analyze", file_data(ivy.upload(speech_clip(tmp_path / "md.wav", seconds=3.0, gain=0.55), name),
                                        name))[0]["report_id"]
    lee.call("ui_load")
    status = lee.call("ui_review_open", rid)[-1]
    assert "[link](logout)" not in status and "\\[link\\]\\(logout\\)" in status
    bad = tmp_path / "x.wav"
    bad.write_text("not audio\n" * 30)
    evil_name = "[win](logout).wav"
    out = ivy.call("ui_analyze", file_data(ivy.upload(bad, evil_name), evil_name))
    assert out[0].startswith("**Could not analyse this file:**") and "[win](logout)" not in out[0]


def test_the_first_admin_password_is_not_in_the_service_log(site):
    assert site.admin_password and site.admin_password not in site.printed
    f = site.data_dir / "admin-password.txt"
    assert str(f.resolve()) in site.printed
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert site.admin_password in f.read_text()
    assert Browser(site.url).login("admin", site.admin_password).status_code == 200


def test_a_team_lead_cannot_mark_their_own_call_reviewed(site, tmp_path):
    lena, lee = browser(site, "lena"), browser(site, "lee")
    rid = lena.call("analyze", file_data(lena.upload(speech_clip(tmp_path / "own.wav", seconds=3.0, gain=0.44))))[0]
    rid = rid["report_id"]
    lena.call("ui_load")
    lena.call("ui_review_open", rid)
    assert lena.call("ui_mark_reviewed")[1].startswith("**Not changed:**")
    lee.call("ui_load")
    lee.call("ui_review_open", rid)
    assert lee.call("ui_mark_reviewed")[1].endswith("by lee.")  # another lead of the team reviews it


# -- the app as `tonecoach serve` runs it, behind https://coach.example.com -------------------


def _start(data: Path, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("TONECOACH_DB_URL", "GRADIO_TEMP_DIR")}
    env.update({"TONECOACH_ADMIN_PASSWORD": "admin-secret-pass", "TONECOACH_PUBLIC_URL": f"https://{PROXY_HOST}"})
    p = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--data-dir", str(data), "--model", "tiny.en",
                          "--language", "en"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    t0 = time.time()
    while time.time() - t0 < 120:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/gradio_api/login_check", timeout=2).status_code in (200, 401):
                return p
        except httpx.HTTPError:
            pass
        if p.poll() is not None:
            break
        time.sleep(0.3)
    p.kill()
    raise AssertionError("the app did not start:\n" + (p.stdout.read() or ""))


def _stop(p: subprocess.Popen) -> None:
    p.send_signal(signal.SIGTERM)  # as systemd stops a service
    try:
        p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    data, port = tmp_path_factory.mktemp("served") / "data", free_port()
    p = _start(data, port)
    s = SimpleNamespace(url=f"http://127.0.0.1:{port}/", data=data, port=port, proc=p)
    yield s
    if s.proc.poll() is None:
        _stop(s.proc)


def _site_browser(served, **kw) -> Browser:
    b = Browser(served.url, host=PROXY_HOST, **kw)
    assert b.login("admin", "admin-secret-pass").status_code == 200, b.last_login.text
    return b


def test_behind_the_proxy_only_the_public_origin_is_accepted(served):
    b = _site_browser(served)
    for origin in (EVIL, f"http://127.0.0.1:{served.port}", f"http://{PROXY_HOST}"):
        assert b.post("gradio_api/call/reports", json={"data": []}, origin=origin).status_code == 403, origin
    # a name of the proxy's own choosing, even when Host and Origin agree, is not the site
    other = Browser(served.url, host="other.example")
    assert other.login("admin", "admin-secret-pass").status_code == 403
    assert isinstance(b.call("reports")[0], list)


def test_behind_https_the_login_cookie_is_secure_only(served):
    r = Browser(served.url, host=PROXY_HOST).login("admin", "admin-secret-pass")
    cookies = r.headers.get_list("set-cookie")
    assert cookies and all("secure" in c.lower() and "samesite=lax" in c.lower() for c in cookies), cookies
    assert not any("unsecure" in c for c in cookies)


def test_the_data_folder_and_the_cache_are_private(served, tmp_path):
    b = _site_browser(served)
    rid = b.call("analyze", file_data(b.upload(SAMPLES / "flat_rushed_agent.flac")))[0]["report_id"]
    clip = play(b, rid)
    served.clip = clip["path"]
    mode = lambda p: stat.S_IMODE(Path(p).stat().st_mode)  # noqa: E731
    assert mode(served.data) == 0o700
    for f in ("tonecoach.db", "tonecoach.db-wal"):
        if (served.data / f).exists():
            assert mode(served.data / f) == 0o600, f
    assert mode(clip["path"]) == 0o600 and mode(Path(clip["path"]).parent) == 0o700
    assert Path(clip["path"]).is_relative_to(served.data)  # the app's own cache, in its data folder
    stored = [p for p in (served.data / "audio").rglob("*") if p.is_file()]
    assert stored and all(mode(p) == 0o600 for p in stored)
    with Store(data_dir=served.data) as s:
        assert s.count(access.Report) >= 1


def test_a_restart_after_sigterm_leaves_no_upload_in_the_cache(served, tmp_path):
    b = _site_browser(served)
    bad = tmp_path / "notes.wav"
    bad.write_text("no audio here\n" * 40)
    kept = b.upload(bad)  # uploaded, never analysed
    assert Path(kept).exists()
    _stop(served.proc)
    served.proc = _start(served.data, served.port)
    assert not Path(kept).exists()
    if getattr(served, "clip", None):
        assert not Path(served.clip).exists()
    b = _site_browser(served)
    assert b.get(f"gradio_api/file={kept}").status_code == 404
    print(json.dumps({"swept": kept}))
