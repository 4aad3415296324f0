"""In a real headless Chromium (as tests/test_browser.py): a report whose text, member name and round manifest carry
images, tags and links to a loopback "tracker" is ingested, drafted (assessment mode) and read on every tab; the
tracker hears nothing, no image, frame or link to it is on the page, the payload shows as text, and every page
carries the Content-Security-Policy. Skipped where Debian's chromium is absent; CI has it."""

import csv
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant.settings import PROJECT_ROOT

from .conftest import SAMPLE_REPORT, app_server

# browser: a fixture; pytestmark: skipped without chromium, as test_browser.py
from .test_browser import browser, ingest, pick_option, pytestmark  # noqa: F401

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002"
                    "000154a24f5d0000000049454e44ae426082")


class Tracker:
    """A loopback HTTP server that counts what reaches it."""

    def __init__(self):
        hits = self.hits = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()
                self.wfile.write(PNG)

            do_POST = do_GET

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def payload(self, tag: str) -> str:
        base = f"http://127.0.0.1:{self.port}/{tag}"
        return (f"![]({base}-md.png) <img src={base}-img.png> <img src=x onerror=\"new Image().src='{base}-js'\"> "
                f"<iframe src={base}-frame></iframe> <video poster={base}-poster.png></video> [link]({base}-link) "
                f"<{base}-auto> {base}-bare")

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def tracker():
    server = Tracker()
    yield server
    server.close()


def test_a_report_cannot_make_the_browser_call_out(settings, tmp_path, browser, tracker):  # noqa: F811
    from playwright.sync_api import expect

    text = SAMPLE_REPORT.read_text(encoding="utf-8")
    report = tmp_path / "payload-org_2023_report.md"
    report.write_text(text.replace("78% of households", f"78% of households {tracker.payload('quote')}"), encoding="utf-8")
    folder = tmp_path / "round"
    folder.mkdir()
    (folder / "gamma-rights_2022_report.md").write_text(
        f"# Gamma Rights 2022\n\n## Question 5\n\nWe cut emissions by 12% {tracker.payload('round-quote')}.\n", encoding="utf-8")
    with (folder / "manifest.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["file", "member", "year"],
                                      ["gamma-rights_2022_report.md", "Round member " + tracker.payload("manifest"), "2022"]])
    env = {"PANEL_DATA_DIR": str(settings.data_dir)}
    for args in (["create", "june"], ["add", "june", str(folder / "manifest.csv")]):
        subprocess.run([sys.executable, "-m", "assistant.cli", "round", *args], cwd=PROJECT_ROOT, check=True,
                       env=os.environ | env, capture_output=True, timeout=300)

    with app_server(settings, tmp_path / "app.log", PANEL_DRAFT_MODE="assessment") as (url, _):
        page = browser.new_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
        called_out = []
        page.on("request", lambda r: f":{tracker.port}/" in r.url and called_out.append(r.url))
        blocked = []
        page.on("console", lambda m: "Content Security Policy" in m.text and blocked.append(m.text))
        response = page.goto(url)

        def nothing_called_out(where: str) -> None:
            page.wait_for_timeout(1000)
            markup = page.locator(f"img[src*='{tracker.port}'], iframe[src*='{tracker.port}'], a[href*='{tracker.port}'], "
                                  f"video[poster*='{tracker.port}']")
            found = (markup.count(), called_out, tracker.hits)
            assert found == (0, [], []), f"{where}: elements pointing at the tracker, requests asked, requests heard: {found}"

        page.get_by_label("Member organisation", exact=False).fill("Evil " + tracker.payload("member"))
        ingest(page, report)
        header = page.locator("#report-header")
        nothing_called_out("the header")
        expect(header).to_contain_text(f"<img src=http://127.0.0.1:{tracker.port}/member-img.png>")  # shown as text

        page.get_by_role("tab", name="Draft").click()
        page.get_by_role("button", name="Draft all questions").click()
        expect(page.get_by_text("all questions drafted")).to_be_visible(timeout=120_000)
        expect(page.locator("#checklist-1")).to_contain_text(f"![](http://127.0.0.1:{tracker.port}/quote-md.png)")
        pick_option(page, "#quote-1 input", "University of Lilongwe")
        expect(page.locator("#context-1 textarea")).not_to_have_value("", timeout=15_000)
        assert "quote-img.png" in page.locator("#context-1 textarea").input_value()
        page.get_by_role("button", name="Past-letter precedent").first.click()
        page.get_by_role("button", name="Follow-up of the previous letter").first.click()
        nothing_called_out("the draft tab")

        page.get_by_role("tab", name="Pre-screen").click()
        nothing_called_out("the pre-screen tab")

        page.get_by_role("tab", name="Panel").click()
        page.locator("#comment-text textarea").fill("A comment " + tracker.payload("comment"))
        pick_option(page, "#comment-question input", "1.")
        page.get_by_role("button", name="Add comment").click()
        expect(page.locator("#consensus")).to_contain_text("comment-img.png", timeout=15_000)
        nothing_called_out("the panel tab")

        page.get_by_role("tab", name="Export").click()
        page.get_by_role("button", name="Build the letter").click()
        expect(page.get_by_text("Letter built")).to_be_visible(timeout=30_000)
        with page.expect_download() as event:
            page.locator("#download-md").click()
        event.value.save_as(tmp_path / "letter.md")
        letter = (tmp_path / "letter.md").read_text(encoding="utf-8").lower()
        assert "<img" not in letter and "<iframe" not in letter and "member-img.png" in letter
        nothing_called_out("the export tab")

        page.get_by_role("tab", name="Round").click()
        pick_option(page, "#round input", "june")
        expect(page.locator("#round-table")).to_contain_text("manifest-img.png", timeout=30_000)
        nothing_called_out("the round tab")

        pick_option(page, "#reports input", "Round member")
        expect(header).to_contain_text(f"<img src=http://127.0.0.1:{tracker.port}/manifest-img.png>", timeout=30_000)
        nothing_called_out("the round report's header")
        page.reload()
        nothing_called_out("a reload")
        # Nothing was refused: the payload was escaped, not merely blocked, and the policy stops nothing Gradio does.
        assert blocked == []
        assert "img-src 'self' data: blob:" in response.headers.get("content-security-policy", "")
