"""In a real headless Chromium, as tests/test_browser.py (whose fixtures these are): no dropdown's text is cut at
800 px, and a three-report round is created, pre-screened, downloaded and drafted from the Round tab, its progress
bars starting at 0 in one column. Set PANEL_SCREENSHOT_DIR to keep the Round tab's screenshots at 1,280 and 800 px
(round.png, round-800.png; docs/screenshots holds the README's)."""

import csv

import openpyxl

from .conftest import SAMPLE_REPORT
from .test_browser import browser, download, draft_all, ingest, pytestmark, shots  # noqa: F401 (fixtures, the chromium skip)
from .test_round_tab import two_reports

# A dropdown's shown value (its input), its options and a multiselect's tokens: any whose text is wider than its box.
CUT = """() => [...document.querySelectorAll('input[role=combobox], [role=option], .token > span')]
    .filter(e => e.offsetParent !== null && e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)
    .map(e => `${e.closest('[id]')?.id}: ${e.value || e.textContent} (${e.scrollWidth} px in ${e.clientWidth})`)"""
BARS = """() => [...document.querySelectorAll('#round-progress progress')].map(
    p => [Math.round(p.getBoundingClientRect().left), Math.round(p.getBoundingClientRect().width), p.value])"""


def cut_texts(page) -> list[str]:
    """What is cut on the page as shown, then in each visible dropdown's option list, opened one at a time."""
    found = page.evaluate(CUT)
    boxes = page.locator("input[role=combobox]")
    for i in range(boxes.count()):
        box = boxes.nth(i)
        if not box.is_visible() or not box.is_enabled():
            continue
        box.click()
        page.wait_for_timeout(200)
        found += page.evaluate(CUT)
        page.keyboard.press("Escape")
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
    return found


def test_no_dropdown_text_is_cut_at_800_px(running_app, browser):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 800, "height": 1000})
    page.goto(running_app)
    ingest(page)
    draft_all(page)
    expect(page.locator("#grade-1 input")).to_have_value("PS: partially met, significant improvements")
    found = {"Draft": cut_texts(page)}
    for tab in ("Report", "Pre-screen", "Panel", "Round", "Export", "Settings"):
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(500)
        found[tab] = cut_texts(page)
    assert not any(found.values()), found
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 800  # nothing wider than the window


def test_a_three_report_round_is_made_prescreened_downloaded_and_drafted(running_app, browser, shots, tmp_path):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    page.goto(running_app)
    ingest(page)  # one report already ingested, to pick; two more uploaded on the Round tab
    page.get_by_role("tab", name="Round").click()
    status = page.locator("#round-status")
    page.locator("#round-new").get_by_role("textbox").fill("june-2025")
    page.get_by_role("button", name="Create the round").click()
    expect(status).to_contain_text("Round june-2025 created", timeout=15_000)
    expect(page.locator("#round input")).to_have_value("june-2025")

    page.locator("#round-ingested input").click()
    page.get_by_role("option", name="Example Relief Network 2023").click()
    page.keyboard.press("Escape")
    page.set_input_files("#round-files input[type=file]", [str(f) for f in two_reports(tmp_path / "reports")])
    page.get_by_role("button", name="Add the reports").click()
    expect(status).to_contain_text("3 reports", timeout=120_000)
    expect(page.locator("#round-progress progress")).to_have_count(3, timeout=15_000)
    bars = page.evaluate(BARS)
    assert [value for *_, value in bars] == [0, 0, 0] and len({(left, width) for left, width, _ in bars}) == 1, bars

    page.locator("#round-report input").click()
    page.get_by_role("option", name="alpha-trust_report.md").click()
    expect(page.locator("#round-report-member").get_by_role("textbox")).to_have_value("Alpha Trust")
    page.locator("#round-report-member").get_by_role("textbox").fill("Alpha Trust International")
    page.locator("#round-report-year").get_by_role("textbox").fill("2024")
    page.get_by_role("button", name="Set member and year").click()
    expect(status).to_contain_text("Alpha Trust International, 2024", timeout=15_000)
    expect(page.locator("#round-progress")).to_contain_text("Alpha Trust International 2024")

    expect(page.locator("#round-xlsx")).to_be_disabled()
    page.get_by_role("button", name="Pre-screen the round").click()
    expect(status).to_contain_text("Pre-screened round june-2025", timeout=60_000)
    expect(page.locator("#round-xlsx")).to_be_enabled()
    sheet = openpyxl.load_workbook(download(page, "#round-xlsx", tmp_path / "round.xlsx")).active
    header = [cell.value for cell in sheet[1]]
    assert sheet.max_row == 1 + 3 * 6 and "grade" in header and "points checked" in header
    with open(download(page, "#round-csv", tmp_path / "round.csv"), encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 18 and {r["member"] for r in rows} >= {"Example Relief Network", "Alpha Trust International"}
    assert next(r for r in rows if r["file"] == SAMPLE_REPORT.name and r["question"] == "3")["grade"] == "PS"

    page.get_by_role("button", name="Draft the round in the background (admins)").click()
    expect(page.locator("#round-progress")).to_contain_text("18 of 18 questions done", timeout=120_000)
    expect(page.locator("#round-progress")).to_contain_text("6/6 questions")
    expect(page.locator("#round-table")).to_contain_text("Drafted")
    drafted = page.evaluate("""() => [...document.querySelectorAll('#round-table tbody tr')]
        .map(r => r.children[6].textContent.trim())""")
    assert len(drafted) == 18 and "PS" in drafted, drafted
    page.screenshot(path=shots / "round.png", full_page=True)

    page.set_viewport_size({"width": 800, "height": 1000})
    page.wait_for_timeout(1000)
    page.screenshot(path=shots / "round-800.png", full_page=True)
    bars = page.evaluate(BARS)
    assert [value for *_, value in bars] == [6, 6, 6] and len({(left, width) for left, width, _ in bars}) == 1, bars
    assert not cut_texts(page)
