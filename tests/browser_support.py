"""Helpers of the browser tests: Debian's chromium driven headless by Playwright, logging in, picking, uploads.

Import the fixtures (``playwright``, ``browser``) into a test module to use them there;
Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from web_support import PASSWORDS

CHROMIUM = Path(os.environ.get("TONECOACH_CHROMIUM") or "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]
TIMEOUT_MS = 180_000  # one real analysis on a busy 2-core machine
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 1000}

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"browser tests need Debian's chromium at {CHROMIUM} "
    "(apt-get install chromium chromium-driver; make test installs it where apt-get works)")
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package (the test extra)")
expect = sync_api.expect


@pytest.fixture(scope="module")
def playwright():
    with sync_api.sync_playwright() as p:  # one per thread: every browser of a module comes from it
        yield p


@pytest.fixture(scope="module")
def browser(playwright):
    b = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
    yield b
    b.close()


def fill_login(page, name: str, password: str | None = None) -> None:
    """Type a name and password into the login page and press its button."""
    page.get_by_label("username").fill(name)
    page.get_by_label("password").fill(PASSWORDS[name] if password is None else password)
    page.get_by_role("button", name=re.compile(r"^log ?in$", re.I)).click()


def login(browser, url: str, name: str, *, viewport: dict | None = None, **context):
    """A new browser context logged in as ``name``; returns its page."""
    ctx = browser.new_context(viewport=viewport or DESKTOP, **context)
    page = ctx.new_page()
    page.goto(url)
    fill_login(page, name)
    expect(page.locator("#tc-whoami")).to_contain_text(f"Logged in as {name}", timeout=60_000)
    return page


def pick(page, dropdown: str, option: str | None = None) -> list[str]:
    """Open a dropdown; choose the option containing ``option`` (or the first). Returns the options it offered."""
    page.locator(f"{dropdown} input").click()
    options = page.locator("li[role=option]")  # not the microphone picker's <option>s
    texts = options.all_inner_texts()
    if texts:
        (options.filter(has_text=option).first if option else options.first).click()
    else:
        page.keyboard.press("Escape")
    return texts


def wait_uploaded(page, component: str, *, not_href: str | None = None) -> None:
    """Wait until the audio component holds a file on the server (an upload or a finished recording);
    with ``not_href``, one other than that."""
    link = page.locator(f"{component} [data-testid=download-link]")
    expect(link).to_have_attribute("href", re.compile(r"/gradio_api/file="), timeout=60_000)
    if not_href:
        expect(link).not_to_have_attribute("href", not_href, timeout=60_000)


def audio_href(page, component: str) -> str | None:
    link = page.locator(f"{component} [data-testid=download-link]")
    return link.first.get_attribute("href") if link.count() else None


def upload_and_analyse(page, path: Path) -> int:
    """Upload a file in the Practice tab, press Analyse, wait for the report; returns its id."""
    audio = page.locator("#practice-audio")
    old = audio_href(page, "#practice-audio")
    clear = audio.locator("button[aria-label='Clear']")
    if clear.count():
        clear.first.click()
    audio.locator("input[type=file]").set_input_files(str(path))
    wait_uploaded(page, "#practice-audio", not_href=old)
    status = page.locator("#practice-status")
    page.locator("#analyze-btn").click()
    busy = status.locator(".progress-level:visible, .eta-bar:visible, .progress-text:visible")
    try:  # the analysis starts (a very quick one may be over before it is seen)
        expect(busy.first).to_be_visible(timeout=5_000)
    except AssertionError:
        pass
    expect(busy).to_have_count(0, timeout=TIMEOUT_MS)
    expect(status).to_contain_text(re.compile(r"Analysed: report #|Could not analyse"), timeout=TIMEOUT_MS)
    expect(status).to_contain_text("Analysed: report #")
    return int(re.search(r"report #(\d+)", status.inner_text()).group(1))


def open_row(page, table: str, text: str) -> None:
    """Click the row of a table (a Gradio Dataframe) that holds ``text``."""
    page.locator(f"{table} [role=row]").filter(has_text=text).first.locator("[role=gridcell]").nth(1).click()


CONTRAST_JS = """
(el) => {
  const rgba = (c) => { const p = (c.match(/rgba?\\(([^)]+)\\)/) || [0, '0,0,0,0'])[1].split(',').map(Number);
                        return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
                       return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const fg = rgba(getComputedStyle(el).color);
  let bg = null;
  for (let n = el; n; n = n.parentElement) { const c = rgba(getComputedStyle(n).backgroundColor); if (c[3] > 0.5) { bg = c; break; } }
  bg = bg || [255, 255, 255, 1];
  const a = lum(fg), b = lum(bg);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
"""


def contrast(locator) -> float:
    """WCAG contrast ratio of an element's text against the first opaque background behind it."""
    return locator.evaluate(CONTRAST_JS)
