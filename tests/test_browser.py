"""End to end in a real headless Chromium: upload a report, draft, edit a grade, reload, see the edit, download the
DOCX. The app runs as `python app.py` against a scripted OpenAI-compatible server on loopback.

Needs Debian's chromium (`make test` installs it where it can) and the playwright package (test extra); it never
downloads a browser. Set PANEL_SCREENSHOT_DIR to keep screenshots of each step."""

import os
import shutil
from pathlib import Path

import docx
import pytest

from .conftest import SAMPLE_REPORT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
# Chromium's own background traffic is refused on this network; keep it from trying.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def test_upload_draft_edit_reload_download(running_app, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    shots = Path(os.environ.get("PANEL_SCREENSHOT_DIR", tmp_path / "shots"))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 1000}, accept_downloads=True)
        page.goto(running_app)
        page.set_input_files("input[type=file]", str(SAMPLE_REPORT))
        page.get_by_role("button", name="Ingest report").click()
        expect(page.get_by_text("questions found")).to_be_visible(timeout=60_000)
        page.screenshot(path=shots / "1-report.png")

        page.get_by_role("tab", name="Pre-screen").click()
        expect(page.get_by_text("possibly missing", exact=False).first).to_be_visible()
        page.screenshot(path=shots / "2-prescreen.png")

        page.get_by_role("tab", name="Draft").click()
        page.get_by_role("button", name="Draft all questions").click()
        expect(page.get_by_text("all questions drafted")).to_be_visible(timeout=60_000)
        grade = page.locator("#grade-1 input")
        expect(grade).to_have_value("PS: partially met, significant improvements")  # no verified quote: capped
        grade.click()
        page.get_by_role("option", name="NM: not met").click()
        expect(page.get_by_text("Saved").first).to_be_visible(timeout=15_000)
        page.wait_for_timeout(500)  # let the closing option list fade before the screenshot
        page.screenshot(path=shots / "3-draft.png")

        page.reload()
        page.get_by_role("tab", name="Draft").click()
        expect(page.locator("#grade-1 input")).to_have_value("NM: not met", timeout=30_000)
        expect(page.get_by_text("You changed the grade").first).to_be_visible()

        page.get_by_role("tab", name="Export").click()
        page.get_by_role("button", name="Build the letter from your edits").click()
        expect(page.get_by_text("Letter built")).to_be_visible(timeout=30_000)
        with page.expect_download() as download:
            page.locator("#download-docx").click()
        path = tmp_path / "letter.docx"
        download.value.save_as(path)
        page.screenshot(path=shots / "4-export.png")
        browser.close()
    texts = [paragraph.text for paragraph in docx.Document(str(path)).paragraphs]
    assert texts[texts.index("Grade: NM") - 1].startswith("1 What have been your most significant achievements")
