"""The web app as agents and team leads use it, in a real browser (Debian's chromium, headless).

Team "west": the agents gina and hank and their lead walt. gina uploads three
calls (a flat, rushed one; a two-party billing call; a call where the
customer speaks first) and walt reviews them. Each test checks what a person
sees: the login page, one progress bar, one number per measurement, the
coaching summary, readable feedback, the agent choice, the re-take drill,
dark mode, a phone, the review filters and layout, and the news an agent
gets when the lead has commented.

Set ``TONECOACH_SCREENSHOTS=docs`` to write the README's screenshots there
(``make screenshot``).
"""

from __future__ import annotations

import os
import re
import wave
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from browser_support import (
    DESKTOP,
    PHONE,
    TIMEOUT_MS,
    audio_href,
    browser,  # noqa: F401 - a fixture
    contrast,
    expect,
    fill_login,
    login,
    needs_chromium,
    open_row,
    pick,
    playwright,  # noqa: F401 - a fixture
    upload_and_analyse,
    wait_uploaded,
)
from web_support import SAMPLES, ensure_user, speech_clip

from tonecoach.analysis.audio import load

pytestmark = [needs_chromium, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

SHOTS = os.environ.get("TONECOACH_SCREENSHOTS")
VERDICTS = ("good", "getting there", "needs work")
WEST = {"gina": "agent", "hank": "agent", "walt": "team_lead", "lockme": "agent"}


def shot(page, name: str, tmp_path: Path, *, start: str | None = None, height: int | None = None,
         readme: bool = True) -> Path:
    """A screenshot from the top of the page (or of ``start``), ``height`` px tall (the viewport by default),
    into $TONECOACH_SCREENSHOTS (the README's, made small) or the test's folder."""
    small = bool(SHOTS and readme)
    out = Path(SHOTS if small else tmp_path) / name
    out.parent.mkdir(parents=True, exist_ok=True)
    vp = page.viewport_size
    y = 0
    if start:
        page.locator(start).scroll_into_view_if_needed()
        y = int(page.locator(start).bounding_box()["y"] + page.evaluate("window.scrollY"))
    page.evaluate(f"window.scrollTo(0, {y})")
    page.wait_for_timeout(300)
    h = height or vp["height"]
    page.screenshot(path=str(out), full_page=True, clip={"x": 0, "y": y, "width": vp["width"], "height": h})
    if small:  # small enough for a README: at most 1000 px wide, 256 colours
        from PIL import Image

        im = Image.open(out).convert("RGB")
        if im.width > 1000:
            im = im.resize((1000, round(im.height * 1000 / im.width)), Image.LANCZOS)
        im.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(out, optimize=True)
    assert out.stat().st_size > 5_000
    return out


def stereo_copy(source: Path, out: Path, gain: float) -> Path:
    """A two-channel WAV of a sample at 16 kHz, scaled by ``gain`` (its own content, so its own report)."""
    a = load(source)
    pcm = (np.clip(a.samples.T * gain, -1, 1) * 32767).astype("<i2")
    with wave.open(str(out), "wb") as w:
        w.setnchannels(a.samples.shape[0])
        w.setsampwidth(2)
        w.setframerate(a.sample_rate)
        w.writeframes(pcm.tobytes())
    return out


@pytest.fixture(scope="module")
def west(web_server):
    for name, role in WEST.items():
        ensure_user(web_server.store, name, role=role, team="west")
    return web_server


@pytest.fixture(scope="module")
def calls(tmp_path_factory):
    d = tmp_path_factory.mktemp("west")
    return {
        "flat": speech_clip(d / "flat_call.wav", source=SAMPLES / "flat_rushed_agent.flac", seconds=30.0, gain=0.97),
        "billing": stereo_copy(SAMPLES / "stereo_call_8k.wav", d / "billing_call.wav", 0.97),
        "order": stereo_copy(SAMPLES / "customer_first_stereo.wav", d / "order_call.wav", 0.96),
    }


@pytest.fixture(scope="module")
def gina(browser, west):  # noqa: F811
    """gina's page (desktop); her first visit is recorded in this browser."""
    page = login(browser, west.url, "gina")
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def ids(gina, calls):
    """gina has analysed the flat call and the order call through the UI; report ids by call (more come later)."""
    return {name: upload_and_analyse(gina, calls[name]) for name in ("flat", "order")}


def open_mine(page, name: str) -> None:
    open_row(page, "#my-recordings", name)
    expect(page.locator("#practice-scores [data-score=tone]")).to_have_count(1, timeout=30_000)


def report_of(server, rid: int, owner: str = "gina"):
    """The report as its owner sees it (their own version once the agent was corrected)."""
    from tonecoach.store import access
    from tonecoach.store.accounts import get_account

    return access.load_report(server.store, get_account(server.store, owner), rid)[1]


def entry_of(server, rid: int, viewer: str = "walt"):
    from tonecoach.store import access
    from tonecoach.store.accounts import get_account

    return access.get_entry(server.store, get_account(server.store, viewer), rid)


# ---------------------------------------------------------------------------------------------- 13


def test_login_page_says_what_it_is_and_practice_starts_with_what_to_do(browser, west, tmp_path):  # noqa: F811
    ctx = browser.new_context(viewport=DESKTOP)
    page = ctx.new_page()
    page.goto(west.url)
    brand = page.locator("#tc-login")
    expect(brand.get_by_role("heading", name="tonecoach")).to_be_visible(timeout=30_000)
    expect(brand).to_contain_text("how you sound")  # what it is, in a sentence
    expect(brand).to_contain_text("what you say")
    shot(page, "login.png", tmp_path, readme=False)
    fill_login(page, "hank")
    expect(page.locator("#tc-whoami")).to_contain_text("Logged in as hank", timeout=60_000)
    empty = page.locator("#practice-empty")
    expect(empty).to_be_visible()
    expect(empty).to_contain_text("Upload a call")
    assert len([ln for ln in empty.inner_text().splitlines() if ln.strip()]) == 2
    for part in ("#practice-feedback", "#practice-comments", "#my-recordings", "#retake"):  # no empty tables
        expect(page.locator(part)).to_be_hidden()
    ctx.close()


# ---------------------------------------------------------------------------------------------- 5


def test_lockout_says_when_to_try_again(browser, west):  # noqa: F811
    ctx = browser.new_context(viewport=DESKTOP)
    page = ctx.new_page()
    page.goto(west.url)
    message = page.locator("#tc-login-message")
    for i in range(5):
        fill_login(page, "lockme", f"wrong-password-{i}")
        expect(message).to_contain_text("Wrong name or password", timeout=30_000)
        page.evaluate("document.querySelector('#tc-login-message').textContent = ''")
    fill_login(page, "lockme")  # the right password, during the wait
    expect(message).to_contain_text("Too many wrong passwords", timeout=30_000)
    assert re.search(r"try again in (\d+) s", message.inner_text())
    assert 0 < int(re.search(r"try again in (\d+) s", message.inner_text()).group(1)) <= 30
    expect(page.locator("#tc-whoami")).to_have_count(0)
    ctx.close()


# ---------------------------------------------------------------------------------------------- 6


def test_one_progress_bar_that_moves_and_a_clean_start(gina, west, calls, ids):
    page = gina
    status = page.locator("#practice-status")
    expect(status).to_contain_text(f"report #{ids['order']}")  # the last analysis
    old = audio_href(page, "#practice-audio")
    page.locator("#practice-audio button[aria-label='Clear']").first.click()
    page.locator("#practice-audio input[type=file]").set_input_files(str(calls["billing"]))
    wait_uploaded(page, "#practice-audio", not_href=old)
    page.locator("#analyze-btn").click()
    expect(status).not_to_contain_text(f"report #{ids['order']}", timeout=2_000)  # the old message goes at once
    bars, seen = 0, []
    for _ in range(1200):
        levels = page.locator(".progress-level:visible")
        n = levels.count()
        bars = max(bars, n)
        if n:
            try:
                seen.append(levels.first.inner_text(timeout=500))
            except Exception:  # noqa: BLE001 - the bar went away between count and read
                pass
        if "Analysed: report #" in status.inner_text():
            break
        page.wait_for_timeout(150)
    expect(status).to_contain_text("Analysed: report #", timeout=TIMEOUT_MS)
    ids["billing"] = int(re.search(r"report #(\d+)", status.inner_text()).group(1))
    assert bars == 1, f"{bars} progress bars at once"
    during = {m.group(1) for t in seen if "transcribing" in t for m in [re.search(r"(\d+(?:\.\d+)?)%", t)] if m}
    assert len(during) >= 3, f"the bar moved through {sorted(during)} while transcribing ({len(seen)} samples)"
    expect(page.locator("#my-recordings [role=row]").filter(has_text="▶")).to_contain_text("billing_call.wav")

    # a failed analysis leaves no report open, and My recordings shows none as open
    bad = Path(str(calls["flat"]).replace("flat_call.wav", "minutes.wav"))
    bad.write_text("minutes of the Tuesday meeting\n" * 50)
    old = audio_href(page, "#practice-audio")
    page.locator("#practice-audio button[aria-label='Clear']").first.click()
    page.locator("#practice-audio input[type=file]").set_input_files(str(bad))
    wait_uploaded(page, "#practice-audio", not_href=old)
    page.locator("#analyze-btn").click()
    expect(status).to_contain_text("Could not analyse this file", timeout=60_000)
    expect(page.locator("#my-recordings [role=row]").filter(has_text="▶")).to_have_count(0)
    chosen = page.locator("#my-recordings input").evaluate_all("els => els.map(e => e.value)")
    assert not any("billing_call.wav" in v for v in chosen), chosen  # no picker left holding the old choice
    expect(page.locator("#practice-scores [data-score=tone]")).to_have_count(0)
    expect(page.locator("#retake")).to_be_hidden()


# ---------------------------------------------------------------------------------------------- 4


METRICS = "#tab-practice .tc-report table.metrics"


def _metric_value(page, label: str) -> str:
    row = page.locator(f"{METRICS} tr").filter(has=page.locator("th", has_text=label)).first
    return row.locator("td").first.inner_text().strip()


def test_one_number_per_measurement(gina, west, ids):
    page = gina
    open_mine(page, "flat_call.wav")
    report = report_of(west, ids["flat"])
    page.get_by_text("Tone metrics and their evidence").click()
    rate = _metric_value(page, "Speaking rate")
    pitch = _metric_value(page, "Pitch variability")
    assert re.fullmatch(r"\d+ wpm", rate), rate  # whole words per minute, as everywhere
    assert re.fullmatch(r"\d+\.\d semitones", pitch), pitch
    fast = next(f for f in report.feedback if f.category == "too_fast")
    phrases = {f"{round(m['value'])}" for m in fast.evidence.get("moments", ())} | {f"{round(fast.evidence['value'])}"}
    text = page.locator("#practice-feedback").inner_text()
    shown = set(re.findall(r"(\d+(?:\.\d+)?) wpm", text))
    assert shown <= phrases | {rate.split()[0], "120", "160"}, (shown, phrases, rate)  # the phrases' and the call's, no other
    card = page.locator("#practice-feedback li.fb").filter(has_text="Speaking too fast").first
    text = card.inner_text()
    assert f"your whole call: {rate}" in text
    assert re.search(r"fastest phrase: \d+ wpm", text)
    flat = page.locator("#practice-feedback li.fb").filter(has_text="Flat, monotone delivery").first
    assert f"your whole call: {pitch}" in flat.inner_text()
    assert not re.search(r"\d\.\d\d", flat.inner_text())  # one decimal for semitones, as in the metrics
    # the tone metrics evidence does not repeat the value in another precision
    row = page.locator(f"{METRICS} tr").filter(has=page.locator("th", has_text="Speaking rate")).first
    assert not re.search(r"\d+\.\d wpm", row.inner_text())


# ---------------------------------------------------------------------------------------------- 7


def test_coaching_summary_under_the_scores(gina, west, ids, tmp_path):
    page = gina
    open_mine(page, "flat_call.wav")
    scores = page.locator("#practice-scores")
    for kind in ("tone", "content"):
        tile = scores.locator(f"[data-score={kind}]")
        assert tile.locator(".verdict").inner_text().strip() in VERDICTS
        assert "rubric" not in tile.inner_text().lower() and "metrics measured" not in tile.inner_text()
    work = scores.locator("li.work")
    expect(work).to_have_count(3)
    labels = []
    for i in range(3):
        item = work.nth(i)
        assert re.search(r"\+\d+ points", item.inner_text()), item.inner_text()
        expect(item.locator("button[data-action=play]")).to_have_count(1)
        labels.append(item.locator(".what").inner_text().strip())
    expect(scores.locator("li.well")).to_have_count(1)
    # every item to work on has its feedback row, "Greeting in the opening" included
    cards = page.locator("#practice-feedback li.fb .label").all_inner_texts()
    for label in labels:
        assert any(label.lower() in c.lower() for c in cards), (label, cards)
    # the summary sits directly under the scores
    tiles = scores.locator("[data-score=tone]").bounding_box()
    first = work.first.bounding_box()
    assert 0 < first["y"] - (tiles["y"] + tiles["height"]) < 200
    # a moment of the summary plays
    work.first.locator("button[data-action=play]").click()
    link = page.locator("#practice-moment-audio [data-testid=download-link]")
    expect(link).to_have_attribute("href", re.compile(r"/gradio_api/file=.+\.wav$"), timeout=60_000)
    shot(page, "practice-light.png", tmp_path)


# ---------------------------------------------------------------------------------------------- 8


def test_feedback_for_people(gina, west, ids):
    page = gina
    open_mine(page, "flat_call.wav")
    report = report_of(west, ids["flat"])
    box = page.locator("#practice-feedback")
    cards = box.locator("li.fb")
    n = cards.count()
    assert n >= len(report.feedback)  # every item, and a row for each summary item that had none
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", box.inner_text()), "rule names shown to people"
    expect(box).to_contain_text("Dismissive phrase")
    # the search pattern and segment numbers sit behind "details"
    dismissive = cards.filter(has_text="Dismissive phrase").first
    pattern = next(f.evidence["pattern"] for f in report.feedback if f.category == "wording_dismissive")
    assert pattern not in dismissive.inner_text()
    dismissive.locator("summary", has_text="details").click()
    expect(dismissive.locator("details")).to_contain_text(pattern)
    expect(dismissive.locator("details")).to_contain_text("segment")
    # severity first, then time
    rank = {"major": 0, "minor": 1, "info": 2}
    keys = [(rank[c.get_attribute("data-severity")], float(c.get_attribute("data-start"))) for c in cards.all()]
    assert keys == sorted(keys)
    # all of them in the page, not in a scrolled box
    assert box.evaluate("e => e.scrollHeight <= e.clientHeight + 2")
    expect(cards.nth(n - 1)).to_be_visible()
    # Play a moment speaks the same words
    labels = {c.strip() for c in box.locator("li.fb .label").all_inner_texts()}
    offered = pick(page, "#practice-moment")
    assert offered and all(re.sub(r"^\d+:\d\d ", "", o).strip() in labels for o in offered), (offered, labels)


# ---------------------------------------------------------------------------------------------- 10


def test_retake_lines_are_phrases_with_a_verdict(gina, browser, west, ids, tmp_path):  # noqa: F811
    page = gina
    open_mine(page, "flat_call.wav")
    expect(page.locator("#retake")).to_be_visible()
    offered = pick(page, "#retake-line")
    assert offered and len(set(offered)) == len(offered), offered
    spans = [re.search(r"(\d+):(\d\d)–(\d+):(\d\d)", o) for o in offered]
    assert all(spans), offered
    for m in spans:
        a, b = int(m.group(1)) * 60 + int(m.group(2)), int(m.group(3)) * 60 + int(m.group(4))
        assert b - a <= 12, offered  # a sentence or a phrase, not the whole 23 s turn
    fast = next(o for o in offered if re.search(r"\d+ wpm", o))
    pick(page, "#retake-line", fast)
    take = speech_clip(tmp_path / "take.wav", start_s=0.0, seconds=5.0)
    page.locator("#retake-take button[aria-label='Upload file']").click()
    page.locator("#retake-take input[type=file]").set_input_files(str(take))
    wait_uploaded(page, "#retake-take")
    page.locator("#retake-compare").click()
    table = page.locator("#retake-table")
    expect(table).to_contain_text("▶ Speaking rate", timeout=TIMEOUT_MS)
    before = table.get_by_role("row").filter(has_text="▶ Speaking rate").get_by_role("gridcell").nth(1).inner_text()
    assert re.search(r"\d+ wpm", fast).group(0) == before.strip()  # the phrase's own figure, as in its label
    verdict = page.locator("#retake-summary")
    expect(verdict).to_contain_text(re.compile(r"now on target|closer to the target|not closer yet"))


# ---------------------------------------------------------------------------------------------- 9


def test_uncertain_agent_is_said_above_the_scores(gina, west, ids, tmp_path):
    page = gina
    rid = ids["order"]
    r = report_of(west, rid)
    auto = r.agent.speaker
    other = next(s.id for s in r.speakers if s.id != auto)
    from tonecoach.store import access
    from tonecoach.store.accounts import get_account

    gina_acc = get_account(west.store, "gina")  # a choice it was unsure of, as her own version of the report
    access.replace_report(west.store, gina_acc, rid, replace(r, agent=replace(r.agent, confidence=0.65)))
    page.reload()
    expect(page.locator("#tc-whoami")).to_contain_text("Logged in as gina", timeout=60_000)
    open_mine(page, "order_call.wav")
    banner = page.locator("#practice-agent-banner")
    expect(banner).to_contain_text(f"We think the agent is {auto.upper()} (65%)")
    expect(banner).to_contain_text("first words")
    assert banner.bounding_box()["y"] < page.locator("#practice-scores").bounding_box()["y"]
    agent_colour = page.locator("#practice-timeline td.who .spk", has_text="Agent").first.evaluate(
        "e => getComputedStyle(e).color")
    banner.get_by_role("button", name=f"Switch to {other.upper()}").click()
    expect(page.locator("#practice-status")).to_contain_text("analysed again with", timeout=TIMEOUT_MS)
    assert report_of(west, rid).agent.speaker == other
    expect(banner).not_to_contain_text("We think")
    after = page.locator("#practice-timeline td.who .spk", has_text="Agent").first
    expect(after.locator("xpath=..").locator(".sid")).to_have_text(other)
    assert after.evaluate("e => getComputedStyle(e).color") == agent_colour  # the agent keeps the agent's colour


# ---------------------------------------------------------------------------------------------- 2


def test_dark_mode_keeps_the_report_readable(browser, west, ids, tmp_path):  # noqa: F811
    page = login(browser, west.url, "gina", color_scheme="dark")
    try:
        open_mine(page, "flat_call.wav")
        page.get_by_text("Tone metrics and their evidence").click()
        parts = {
            "score label": "#practice-scores [data-score=tone] .lbl",
            "verdict": "#practice-scores [data-score=tone] .verdict",
            "work on first": "#practice-scores h3",
            "heading": "#practice-timeline h2",
            "legend": "#practice-timeline .legend .key",
            "metric name": "#tab-practice .tc-report table.metrics th[scope=row]",
            "feedback": "#practice-feedback li.fb .label",
            "transcript": "#practice-timeline td.text",
        }
        low, missing = {}, []
        for what, sel in parts.items():
            el = page.locator(sel).first
            if not el.count() or not el.is_visible():
                missing.append(what)
                continue
            ratio = contrast(el)
            if ratio < 4.5:
                low[what] = round(ratio, 2)
        assert not low, f"text below 4.5:1 contrast in dark mode: {low}"
        assert not missing, f"not shown: {missing}"
        bg = page.locator("#practice-scores .tc-report").first.evaluate("e => getComputedStyle(e).backgroundColor")
        assert bg in ("rgba(0, 0, 0, 0)", "transparent") or sum(map(int, re.findall(r"\d+", bg)[:3])) < 3 * 90, bg
        shot(page, "practice-dark.png", tmp_path)
    finally:
        page.context.close()


# ---------------------------------------------------------------------------------------------- 3


def test_phone_layout(browser, west, ids, tmp_path):  # noqa: F811
    page = login(browser, west.url, "gina", viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        open_mine(page, "flat_call.wav")
        title = page.locator("#tc-header").get_by_text("tonecoach", exact=True).first
        assert title.bounding_box()["height"] < 44, "the title wraps"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
        table = page.locator("#practice-timeline table.transcript")
        text = table.locator("tbody tr td.text").first
        assert text.bounding_box()["width"] >= 0.7 * table.bounding_box()["width"]
        tick = page.locator("#practice-timeline svg.plot text.tick").first
        assert tick.bounding_box()["height"] >= 9, "timeline labels too small to read"
        broken = page.locator("#practice-feedback").evaluate("""box => [...box.querySelectorAll('*')]
            .filter(e => e.children.length === 0 && /^[A-Za-z]{4,}$/.test(e.textContent.trim()) && e.checkVisibility())
            .filter(e => { const cs = getComputedStyle(e); const lh = parseFloat(cs.lineHeight) || parseFloat(cs.fontSize) * 1.5;
                           return e.getBoundingClientRect().height > lh * 1.6; })
            .map(e => e.textContent.trim())""")
        assert not broken, f"words broken over lines: {broken[:5]}"
        cards = page.locator("#practice-feedback li.fb")
        assert cards.first.bounding_box()["width"] >= 0.8 * (PHONE["width"] - 40)
        shot(page, "practice-phone.png", tmp_path, start="#practice-report", height=1500)
    finally:
        page.context.close()


# ---------------------------------------------------------------------------------------------- 1


def test_review_filters_default_to_everything_and_survive_a_review(browser, west, ids):  # noqa: F811
    page = login(browser, west.url, "walt")
    try:
        page.get_by_role("tab", name="Review").click()
        table = page.locator("#review-table")
        expect(table).to_contain_text("flat_call.wav")
        page.locator("#f-apply").click()  # the default filters
        for name in ("flat_call.wav", "billing_call.wav", "order_call.wav"):
            expect(table).to_contain_text(name)
        expect(page.locator("#review-filter-status")).to_contain_text("3 recording(s)")
        # a real bound filters; a wrong one says why
        scores = {n: entry_of(west, ids[n]).tone_score for n in ("flat", "billing", "order")}
        low = min(scores.values())
        page.locator("#f-min textarea, #f-min input").first.fill(f"{low + 0.5:.1f}")
        page.locator("#f-apply").click()
        expect(page.locator("#review-filter-status")).to_contain_text(f"{sum(s >= low + 0.5 for s in scores.values())} recording(s)")
        page.locator("#f-min textarea, #f-min input").first.fill("lots")
        page.locator("#f-apply").click()
        expect(page.locator("#review-filter-status")).to_contain_text("Tone score from")
        page.locator("#f-min textarea, #f-min input").first.fill("")
        page.locator("#f-apply").click()
        expect(page.locator("#review-filter-status")).to_contain_text("3 recording(s)")
        # a review keeps the list and the open report
        open_row(page, "#review-table", "flat_call.wav")
        expect(page.locator("#review-status")).to_contain_text(f"Report #{ids['flat']}")
        page.locator("#review-mark").click()
        expect(page.locator("#review-status")).to_contain_text("by walt")
        expect(page.locator("#review-filter-status")).to_contain_text("3 recording(s)")
        for name in ("flat_call.wav", "billing_call.wav", "order_call.wav"):
            expect(table).to_contain_text(name)
        expect(page.locator("#review-status")).to_contain_text(f"Report #{ids['flat']}")
        expect(page.locator("#review-scores [data-score=tone]")).to_have_count(1)
        expect(table.locator("[role=row]").filter(has_text="flat_call.wav")).to_contain_text("yes")
    finally:
        page.context.close()


# ---------------------------------------------------------------------------------------------- 12


def test_the_leads_review_layout(browser, west, ids, tmp_path):  # noqa: F811
    page = login(browser, west.url, "walt")
    try:
        page.get_by_role("tab", name="Review").click()
        open_row(page, "#review-table", "billing_call.wav")
        expect(page.locator("#review-status")).to_contain_text(f"Report #{ids['billing']}", timeout=30_000)
        side, main = page.locator("#review-side").bounding_box(), page.locator("#review-feedback").bounding_box()
        assert side["x"] >= main["x"] + main["width"] - 5, "the comment box is not beside the report"
        for sel in ("#comment-text", "#review-mark", "#review-moment-audio"):
            box = page.locator(sel).bounding_box()
            assert box["y"] + box["height"] <= DESKTOP["height"], f"{sel} is below the fold"
        shot(page, "review.png", tmp_path, start="#review-report")
        page.mouse.wheel(0, 2500)
        page.wait_for_timeout(500)
        box = page.locator("#comment-text").bounding_box()
        assert 0 <= box["y"] and box["y"] + box["height"] <= DESKTOP["height"], "the comment box scrolled away"
        # Comment here, on a feedback row
        card = page.locator("#review-feedback li.fb").first
        when = card.locator(".when").inner_text().split("–")[0].strip()
        card.get_by_role("button", name="Comment here").click()
        expect(page.locator("#comment-at input, #comment-at textarea").first).to_have_value(when)
        page.locator("#comment-text textarea, #comment-text input").first.fill("Good recovery here, keep it.")
        page.locator("#comment-add").click()
        expect(page.locator("#review-comments")).to_contain_text("Good recovery here, keep it.")
        # Next unreviewed
        page.locator("#review-next").click()
        expect(page.locator("#review-status")).to_contain_text(re.compile(rf"Report #(?!{ids['billing']}\b)\d+"), timeout=30_000)
        rid = int(re.search(r"Report #(\d+)", page.locator("#review-status").inner_text()).group(1))
        assert rid in ids.values() and entry_of(west, rid).reviewed_at is None
        # the trend: points, the target band, the team's average; agents only
        offered = pick(page, "#trend-agent", "gina")
        assert "walt" not in offered and "gina" in offered
        plot = page.locator("#trend-plot")
        rows = [entry_of(west, i) for i in ids.values()]
        points = sum(r.tone_score is not None for r in rows) + sum(r.content_score is not None for r in rows)
        expect(plot.locator("svg circle.pt")).to_have_count(points, timeout=30_000)  # tone and content of each call
        expect(plot.locator("svg rect.target-band")).to_have_count(1)
        expect(plot.locator("svg .team-avg")).not_to_have_count(0)
        expect(plot).to_contain_text("team average")
    finally:
        page.context.close()


# ---------------------------------------------------------------------------------------------- 11


def test_agent_sees_what_the_lead_did_and_plays_comment_moments(gina, west, ids):
    page = gina
    page.reload()  # a new visit
    expect(page.locator("#tc-whoami")).to_contain_text("Logged in as gina", timeout=60_000)
    notice = page.locator("#tc-notice")
    expect(notice).to_contain_text("walt")
    expect(notice).to_contain_text("comment")
    expect(notice).to_contain_text("reviewed")
    table = page.locator("#my-recordings")
    for head in ("date", "tone", "content", "reviewed", "comments", "new"):
        expect(table.get_by_role("columnheader", name=head, exact=True)).to_have_count(1)
    row = table.locator("[role=row]").filter(has_text="billing_call.wav")
    expect(row).to_contain_text("1 comment")
    expect(row).to_contain_text("new")
    open_mine(page, "billing_call.wav")
    comments = page.locator("#practice-comments")
    expect(comments).to_contain_text("Good recovery here, keep it.")
    comments.locator("button[data-action=play]").first.click()
    link = page.locator("#practice-moment-audio [data-testid=download-link]")
    expect(link).to_have_attribute("href", re.compile(r"/gradio_api/file=.+\.wav$"), timeout=60_000)
