"""The scorecard views in a real browser (Debian's chromium, headless): the agent's call and progress, the lead's
review form with its disagreement, open disputes and agreement, the editor's error, dark theme and a phone.

Set ``TONECOACH_SCREENSHOTS=docs`` to write the README's screenshots there (``make screenshot``).
"""

from __future__ import annotations

import re

import pytest
from browser_support import (
    PHONE,
    browser,  # noqa: F401 - a fixture
    contrast,
    expect,
    login,
    needs_chromium,
    open_row,
    pick,
    playwright,  # noqa: F401 - a fixture
)
from test_scorecard import BASE, GOOD_CALL, call, line_of
from test_web_ux import shot
from web_support import ensure_user

pytestmark = [needs_chromium, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

USERS = {"pam": ("agent", "qa-north"), "rex": ("team_lead", "qa-north")}
EMPTY_Q = 'question = "  "'
SLOW_CALL = [("A", 0.5, "Yes?"), ("C", 3.0, "My order never arrived, this is the third time."),
             ("A", 9.0, "Right. Give me your order number."), ("C", 12.0, "4 4 1 2."), ("A", 16.0, "Bye.")]


@pytest.fixture(scope="module")
def north(web_server):
    """pam has two calls (a good one and a poor one), stored as the web app stores an upload."""
    from tonecoach.store import access, sha256_bytes
    acc = {n: ensure_user(web_server.store, n, role=role, team=team) for n, (role, team) in USERS.items()}
    pam = acc["pam"]
    ids = {}
    for name, turns in (("good-call.wav", GOOD_CALL), ("poor-call.wav", SLOW_CALL)):
        ids[name] = access.save_upload(web_server.store, pam, call(turns), sha256=sha256_bytes(name.encode() + b"-pam"),
                                       original_name=name, size_bytes=1, stored_path=None)
    return web_server, ids


def fill_until_kept(box, text: str, tries: int = 3) -> None:
    """Type `text` into a text box that the page may still be mounting (the editor's accordion renders its
    children when first opened, and a slow machine can re-mount the box just after the first fill)."""
    for attempt in range(tries):
        box.fill(text)
        try:
            expect(box).to_have_value(text, timeout=3_000)
            return
        except AssertionError:
            if attempt == tries - 1:
                raise


def test_the_agent_sees_the_scorecard_disputes_an_answer_and_sees_progress(browser, north, tmp_path):  # noqa: F811
    server, ids = north
    page = login(browser, server.url, "pam")
    try:
        expect(page.locator("#my-progress")).to_contain_text("of your last 2 call(s) met the scorecard target of 80%")
        expect(page.locator("#my-progress circle[data-series=Scorecard]")).to_have_count(2)
        open_row(page, "#my-recordings", "good-call.wav")
        qa = page.locator("#practice-qa")
        expect(qa.locator("li.crit[data-criterion=identity_verified]")).to_contain_text("order number", timeout=30_000)
        play = qa.locator("li.crit[data-criterion=identity_verified] button[data-action=play]").first
        expect(play).to_contain_text("0:1")  # the moment's time; a click plays it in the side column
        assert float(play.get_attribute("data-start")) >= 9.5
        pick(page, "#practice-qa-pick", "further help")
        page.locator("#qa-comment textarea").fill("I offered it at 1:09")
        page.locator("#qa-dispute").click()
        expect(page.locator("#practice-qa-status")).to_contain_text("Dispute sent to your team lead")
        expect(qa.locator("li.crit[data-criterion=further_help_offered] .dispute")).to_contain_text("I offered it at 1:09")
        page.locator("#qa-ack").click()
        expect(qa.locator("[data-ack=yes]")).to_contain_text("acknowledged by pam")
        shot(page, "scorecard-agent.png", tmp_path, start="#practice-qa-box", height=1100)
        shot(page, "progress-agent.png", tmp_path, start="#my-progress-box", height=520)
    finally:
        page.context.close()


def test_the_lead_answers_sees_disagreement_disputes_and_the_team(browser, north, tmp_path):  # noqa: F811
    server, ids = north
    page = login(browser, server.url, "rex")
    try:
        page.get_by_role("tab", name="Review").click()
        expect(page.locator("#qa-team-trend")).to_contain_text("of 2 call(s) met the team's target of 80%")
        expect(page.locator("#qa-failing tbody tr")).to_have_count(5)
        open_row(page, "#review-table", "good-call.wav")
        qa = page.locator("#review-qa")
        expect(qa.locator("li.crit").first).to_be_visible(timeout=30_000)
        pick(page, "#review-qa-pick", "greet the caller")
        page.locator("#qa-answer").get_by_text("No", exact=True).click()
        page.locator("#qa-note textarea, #qa-note input").first.fill("The name came too late")
        page.locator("#qa-answer-save").click()
        expect(page.locator("#review-qa-status")).to_contain_text("counts as a disagreement")
        row = qa.locator("li.crit[data-criterion=greeting]")
        expect(row).to_have_class("crit no disagree")
        expect(row.locator(".person")).to_contain_text("differs from tonecoach (Yes)")
        expect(page.locator("#qa-agreement")).to_contain_text("0 of 1")
        expect(page.locator("#qa-disputes")).to_contain_text("I offered it at 1:09")
        # one agent's scorecard over their last calls, under that agent's trend
        pick(page, "#trend-agent", "pam")
        agent_qa = page.locator("#trend-qa #qa-agent-progress")
        expect(agent_qa).to_contain_text("of pam's last 2 call(s) met the scorecard target of 80%")
        expect(agent_qa.locator("svg.qa-trend")).to_have_attribute("aria-label", "pam's scores over their last calls")
        shot(page, "scorecard-review.png", tmp_path, start="#review-qa-box", height=1000)
        shot(page, "scorecard-team.png", tmp_path, start="#qa-team", height=1000)
        # settle pam's dispute
        pick(page, "#review-qa-pick", "further help")
        page.locator("#qa-outcome").get_by_text("Reject it").click()
        page.locator("#qa-settle").click()
        expect(page.locator("#review-qa-status")).to_contain_text("Dispute rejected")
        expect(page.locator("#qa-disputes")).to_contain_text("No open disputes")
        # the editor: a bad file names its line and changes nothing
        page.locator("#qa-editor").get_by_text("Team scorecard").click()
        bad = BASE.replace('question = "Was the customer spared long silences?"', EMPTY_Q)
        editor = page.locator("#qa-toml textarea")
        expect(editor).to_have_value(re.compile(r"\[\[criteria\]\]"))  # the team's copy is in before it is edited
        expect(page.locator("#qa-save")).to_be_visible()
        fill_until_kept(editor, bad)
        page.locator("#qa-save").click()
        status = page.locator("#qa-save-status")
        expect(status).to_contain_text(f"line {line_of(bad, EMPTY_Q)}")
        expect(status).to_contain_text("the scorecard in force is unchanged")
        shot(page, "scorecard-editor.png", tmp_path, start="#qa-editor", height=700)
    finally:
        page.context.close()


def test_the_scorecard_in_the_dark_theme_and_on_a_phone(browser, north, tmp_path):  # noqa: F811
    server, ids = north
    page = login(browser, server.url, "pam", color_scheme="dark")
    try:
        open_row(page, "#my-recordings", "poor-call.wav")
        qa = page.locator("#practice-qa")
        expect(qa.locator("li.crit").first).to_be_visible(timeout=30_000)
        for sel in ("li.crit.no .ans", "li.crit.yes .ans", "li.crit .q", "li.crit .why"):
            el = qa.locator(sel).first
            assert contrast(el) >= 4.5, sel
        shot(page, "scorecard-dark.png", tmp_path, start="#practice-qa-box", height=900)
    finally:
        page.context.close()
    page = login(browser, server.url, "pam", viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        open_row(page, "#my-recordings", "poor-call.wav")
        expect(page.locator("#practice-qa li.crit").first).to_be_visible(timeout=30_000)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
        card = page.locator("#practice-qa li.crit").first
        assert card.bounding_box()["width"] >= 0.65 * PHONE["width"]  # inside two nested blocks of the report column
        assert page.locator("#my-progress svg").bounding_box()["width"] <= PHONE["width"]
        shot(page, "scorecard-phone.png", tmp_path, start="#practice-qa-box", height=1300)
    finally:
        page.context.close()
