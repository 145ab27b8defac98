"""The app in a real browser: Debian's chromium, driven headless by Playwright.

An agent uploads a call and sees both scores and the feedback; their team lead
opens it and comments; an agent of another team cannot see it. Needs
/usr/bin/chromium (``apt-get install chromium chromium-driver``; ``make test``
installs it on Debian; ``TONECOACH_CHROMIUM`` points elsewhere); Playwright's own
browser downloads are never used.

The README's screenshots come from tests/test_web_ux.py (``make screenshot``).
"""

from __future__ import annotations

import re

import pytest
from browser_support import (
    ARGS,
    CHROMIUM,
    TIMEOUT_MS,
    browser,  # noqa: F401 - a fixture
    expect,
    login,
    needs_chromium,
    open_row,
    pick,
    playwright,  # noqa: F401 - a fixture
    wait_uploaded,
)
from web_support import PASSWORDS, SAMPLES, speech_clip

from tonecoach.store import Report

SAMPLE = SAMPLES / "flat_rushed_agent.flac"  # 23 s, one speaker, flagged for pace and flat pitch

pytestmark = [
    needs_chromium,
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),  # pandas deprecations inside gradio's queue
]


@pytest.fixture(scope="module")
def ann_page(browser, web_server):  # noqa: F811
    """ann has uploaded the sample and it has been analysed, through the UI."""
    page = login(browser, web_server.url, "ann")
    page.locator("#practice-audio input[type=file]").set_input_files(str(SAMPLE))
    wait_uploaded(page, "#practice-audio")
    page.locator("#analyze-btn").click()
    expect(page.locator("#practice-status")).to_contain_text("Analysed: report #", timeout=TIMEOUT_MS)
    yield page
    page.context.close()


def test_agent_uploads_and_sees_both_scores_and_feedback(ann_page, tmp_path):
    page = ann_page
    tone = page.locator("#practice-scores [data-score=tone] .big")
    assert 0 <= int(tone.inner_text()) <= 100
    content = page.locator("#practice-scores [data-score=content] .big")  # the wording score, beside the tone score
    assert 0 <= int(content.inner_text()) <= 100
    feedback = page.locator("#practice-feedback")
    expect(feedback).to_contain_text("Flat, monotone delivery")  # flat pitch, the sample's point
    expect(feedback).to_contain_text("Lift the key words")  # the suggestion
    expect(feedback).to_contain_text("semitones")  # the evidence
    expect(page.locator("#practice-timeline svg.plot")).to_have_count(1)
    expect(page.locator("#practice-timeline table.transcript")).to_contain_text("North")
    # play a flagged moment
    choices = pick(page, "#practice-moment", "monotone")
    assert any("Flat, monotone delivery" in c for c in choices)
    link = page.locator("#practice-moment-audio [data-testid=download-link]")
    expect(link).to_have_attribute("href", re.compile(r"/gradio_api/file=.+\.wav$"), timeout=60_000)
    # the flattest of the flat phrases, with a margin either side
    expect(page.locator("#practice-moment-audio #duration")).to_have_text(re.compile(r"0:0[3-9]"), timeout=60_000)
    shot = tmp_path / "practice.png"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(shot), full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": 1420})
    assert shot.stat().st_size > 10_000


def test_retake_drill_in_the_browser(ann_page, tmp_path):
    page = ann_page
    pick(page, "#retake-line", "Speaking too fast")
    take = speech_clip(tmp_path / "take.wav", start_s=0.0, seconds=5.0)
    page.locator("#retake-take button[aria-label='Upload file']").click()  # the microphone is the default source
    page.locator("#retake-take input[type=file]").set_input_files(str(take))
    wait_uploaded(page, "#retake-take")
    page.locator("#retake-compare").click()
    table = page.locator("#retake-table")
    expect(table).to_contain_text("▶ Speaking rate", timeout=TIMEOUT_MS)
    expect(table).to_contain_text("Pitch variability")
    expect(page.locator("#retake-summary")).to_contain_text("Your new take")
    expect(page.locator("#retake-summary")).to_contain_text("Speaking rate:")  # and its verdict


def test_a_file_that_is_not_audio_gets_a_clear_message(ann_page, web_server, tmp_path):
    page = ann_page
    before = web_server.store.count(Report)
    bad = tmp_path / "notes.wav"
    bad.write_text("minutes of the Tuesday meeting\n" * 50)
    page.locator("#practice-audio button[aria-label='Clear']").first.click()
    page.locator("#practice-audio input[type=file]").set_input_files(str(bad))
    wait_uploaded(page, "#practice-audio")
    page.locator("#analyze-btn").click()
    expect(page.locator("#practice-status")).to_contain_text("Could not analyse this file", timeout=60_000)
    expect(page.locator("#practice-status")).to_contain_text("notes.wav")
    assert web_server.store.count(Report) == before


def test_team_lead_sees_the_recording_and_comments(ann_page, browser, web_server):  # noqa: F811
    page = login(browser, web_server.url, "lee")
    page.get_by_role("tab", name="Review").click()
    expect(page.locator("#review-table")).to_contain_text(SAMPLE.name)
    open_row(page, "#review-table", SAMPLE.name)
    expect(page.locator("#review-status")).to_contain_text("ann")
    expect(page.locator("#review-scores [data-score=tone]")).to_have_count(1)
    page.locator("#comment-at input, #comment-at textarea").first.fill("0:03")
    page.locator("#comment-text input, #comment-text textarea").first.fill("Let the first sentence breathe.")
    page.locator("#comment-add").click()
    expect(page.locator("#review-comments")).to_contain_text("Let the first sentence breathe.")
    expect(page.locator("#review-comments")).to_contain_text("0:03")
    page.locator("#review-mark").click()
    expect(page.locator("#review-status")).to_contain_text("by lee")
    page.context.close()
    # and ann sees the comment on her report
    ann_page.reload()
    expect(ann_page.locator("#tc-whoami")).to_contain_text("Logged in as ann", timeout=60_000)
    open_row(ann_page, "#my-recordings", SAMPLE.name)
    expect(ann_page.locator("#practice-comments")).to_contain_text("Let the first sentence breathe.")


def test_agent_of_another_team_cannot_see_it(ann_page, browser, web_server):  # noqa: F811
    page = login(browser, web_server.url, "bob")
    expect(page.get_by_role("tab", name="Review")).to_have_count(0)
    page.wait_for_timeout(1000)
    assert not any(SAMPLE.name in row for row in page.locator("#my-recordings [role=row]").all_inner_texts())
    assert SAMPLE.name not in page.content()
    page.context.close()


def test_agent_records_with_the_microphone(playwright, web_server, tmp_path):  # noqa: F811
    """Chromium's fake capture device plays a real speech clip into the microphone; the recording is analysed."""
    clip = speech_clip(tmp_path / "spoken.wav", start_s=0.0, seconds=8.0)
    fake_mic = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-audio-capture={clip}"]
    b = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS + fake_mic, headless=True)
    try:
        page = login(b, web_server.url, "ann", permissions=["microphone"])
        audio = page.locator("#practice-audio")
        audio.locator("button[aria-label='Record audio']").click()
        audio.get_by_role("button", name="Record").first.click()
        page.wait_for_timeout(6000)
        audio.get_by_role("button", name="Stop").first.click()
        wait_uploaded(page, "#practice-audio")
        page.locator("#analyze-btn").click()
        expect(page.locator("#practice-status")).to_contain_text("Analysed: report #", timeout=TIMEOUT_MS)
        expect(page.locator("#practice-timeline table.transcript")).to_contain_text("calling", timeout=10_000)
        expect(page.locator("#practice-scores [data-score=tone]")).to_have_count(1)
    finally:
        b.close()


def test_correcting_the_agent_in_the_browser(browser, web_server):  # noqa: F811
    """dora uploads a two-party call, names the other speaker as the agent, and the report is scored again."""
    from tonecoach.store import access
    from tonecoach.store.accounts import add_user, get_account

    if get_account(web_server.store, "dora") is None:  # a user of her own: the other tests count what bob has
        add_user(web_server.store, "dora", role="agent", team="south", password=PASSWORDS.setdefault("dora", "dora-secret-1"))
    call = SAMPLES / "customer_first_stereo.wav"  # 15 s, the customer on one channel, the agent on the other
    page = login(browser, web_server.url, "dora")
    try:
        page.locator("#practice-audio input[type=file]").set_input_files(str(call))
        wait_uploaded(page, "#practice-audio")
        page.locator("#analyze-btn").click()
        expect(page.locator("#practice-status")).to_contain_text("Analysed: report #", timeout=TIMEOUT_MS)
        rid = int(re.search(r"report #(\d+)", page.locator("#practice-status").inner_text()).group(1))
        dora = get_account(web_server.store, "dora")

        def dora_report():  # her own report (the analysis behind it is shared with anyone who uploads this call)
            return access.load_report(web_server.store, dora, rid)[1]

        auto = dora_report().agent.speaker
        page.locator("#practice-agent").get_by_text("Who is the agent?").click()
        offered = pick(page, "#practice-agent-pick", "customer")
        assert len(offered) == 2 and sum("(the agent now" in o for o in offered) == 1, offered
        page.locator("#practice-agent-set").click()
        expect(page.locator("#practice-status")).to_contain_text("analysed again with", timeout=TIMEOUT_MS)
        now = dora_report()
        assert now.agent.speaker not in (None, auto)
        expect(page.locator("#practice-status")).to_contain_text(now.agent.speaker)
        assert "set to" in now.agent.reason
        # who set it stays in view, for the team lead too
        expect(page.locator("#practice-agent")).to_contain_text("by dora in the web app")
    finally:
        page.context.close()


def test_log_out_ends_the_session(browser, web_server):  # noqa: F811
    """The Log out button posts from the page: the login form comes back, and the old cookie opens nothing."""
    page = login(browser, web_server.url, "bob")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    page.locator("#tc-logout").click()
    expect(page.get_by_label("username")).to_be_visible(timeout=60_000)
    import httpx

    r = httpx.get(web_server.url + "gradio_api/login_check", cookies=cookies, timeout=30)
    assert r.status_code == 401
    page.context.close()
