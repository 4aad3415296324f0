"""End to end in a real headless Chromium against `python app.py` and a scripted OpenAI-compatible server on loopback:
upload, draft, edit, reload, download; a hand-written question in the export; a failed upload that closes nothing;
the backend banner; one typeface.

Two panel members in two browsers on one report see each other's grades in the consensus view; flipping a point's
status regrades and leaves typed text alone; a server killed with SIGKILL loses no saved edit. A text set aside by a
regeneration is restored from 'Earlier texts'; Finalise lists a disagreement and the lead puts Bob's text in the letter.

Needs Debian's chromium (`make test` installs it where it can) and the playwright package (test extra); it never
downloads a browser. Set PANEL_SCREENSHOT_DIR to keep screenshots of each step (docs/screenshots holds the README's)."""

import os
import re
import shutil
import time
from pathlib import Path

import docx
import pytest

from .conftest import SAMPLE_REPORT, app_server
from .fake_openai import FakeOpenAIServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
# Chromium's own background traffic is refused on this network; keep it from trying.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
FONT_FILES = (".woff", ".woff2", ".ttf", ".otf")


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("PANEL_SCREENSHOT_DIR", tmp_path / "shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def ingest(page, path: Path = SAMPLE_REPORT, expect_text: str = "questions found"):
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Report").click()
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="Ingest report").click()
    expect(page.get_by_text(expect_text).first).to_be_visible(timeout=60_000)
    if expect_text == "questions found":  # the report opens next: typing starts once it has
        expect(page.locator("#report-header")).not_to_have_text("No report open.", timeout=30_000)


def draft_all(page) -> None:
    """Draft every question from the Draft tab, as a member does, until the page says they are drafted."""
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Draft").click()
    page.get_by_role("button", name="Draft all questions").click()
    expect(page.get_by_text("all questions drafted")).to_be_visible(timeout=60_000)


def type_into(page, selector: str, text: str) -> None:
    """As a member types: replace the text, then key in the last word, so the page's input events fire. A question
    just opened can still be mounting its box, which then drops what was typed into it (a fresh-clone CI run kept
    only the last word): type again until the box holds the whole text. Callers still check what the store saved."""
    from playwright.sync_api import expect

    box = page.locator(selector)
    head, _, tail = text.rpartition(" ")
    for _ in range(3):
        expect(box).to_be_editable()
        box.fill(head + " ")
        box.press_sequentially(tail, delay=20)
        page.wait_for_timeout(300)
        if box.input_value() == text:
            return
    expect(box).to_have_value(text)


def wait_until_saved(settings, number: int, text: str, user: str = "local", timeout_s: float = 30) -> None:
    """Until the review store holds the member's whole text: "Saved" shows after the first keystrokes' save, and
    under load the last one can land seconds later."""
    from assistant.review.store import ReviewStore

    store = ReviewStore(settings.data_dir / "reviews.sqlite3")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(getattr(r.edit(user, number), "commentary", None) == text for r in store.list(user)):
            return
        time.sleep(0.2)
    edits = {(r.id, u, n): e.commentary for r in store.list() for u, by in r.edits.items() for n, e in by.items()}
    raise AssertionError(f"question {number}: {text!r} was not saved within {timeout_s} s; the store has {edits}")


def download(page, button: str, path: Path) -> Path:
    with page.expect_download() as event:
        page.locator(button).click()
    event.value.save_as(path)
    return path


def test_upload_draft_edit_reload_download(running_app, browser, shots, tmp_path):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    font_requests = []
    page.on("request", lambda r: r.url.lower().endswith(FONT_FILES) and font_requests.append(r.url))
    page.goto(running_app)
    ingest(page)
    page.screenshot(path=shots / "1-report.png")

    page.get_by_role("tab", name="Pre-screen").click()
    expect(page.get_by_text("possibly missing", exact=False).first).to_be_visible()
    page.screenshot(path=shots / "2-prescreen.png")

    draft_all(page)
    grade = page.locator("#grade-1 input")
    # The rubric's grade of the assessment (the sample's designed grade for Q1 is PM; the assessment misses a core point)
    expect(grade).to_have_value("PS: partially met, significant improvements")
    expect(page.locator("#live-1")).to_be_hidden()  # the raw model output sits behind its toggle
    grade.click()
    page.get_by_role("option", name="NM: not met").click()
    expect(page.locator("#saved-1")).to_contain_text("UTC", timeout=15_000)
    expect(page.locator("#changed-1")).to_contain_text("You changed the grade")  # live, before any reload
    type_into(page, "#commentary-1 textarea", "The Panel's own words on achievements.")
    expect(page.locator("#changed-1")).to_contain_text("You changed the text and grade", timeout=15_000)
    page.wait_for_timeout(500)  # let the closing option list fade before the screenshot
    page.screenshot(path=shots / "3-draft.png")

    page.once("dialog", lambda dialog: dialog.dismiss())  # Regenerate asks first; saying no changes nothing
    page.locator("#regenerate-1").click()
    expect(page.locator("#regen-status-1")).to_contain_text("Not regenerated", timeout=15_000)
    expect(page.locator("#commentary-1 textarea")).to_have_value("The Panel's own words on achievements.")

    page.reload()
    page.get_by_role("tab", name="Draft").click()
    expect(page.locator("#grade-1 input")).to_have_value("NM: not met", timeout=30_000)
    expect(page.locator("#changed-1")).to_contain_text("You changed the text and grade")

    page.get_by_role("tab", name="Export").click()
    expect(page.locator("#download-docx")).to_be_disabled()  # nothing to download before a letter is built
    page.get_by_role("button", name="Build the letter").click()
    expect(page.get_by_text("Letter built")).to_be_visible(timeout=30_000)
    expect(page.locator("#download-docx")).to_be_enabled()
    path = download(page, "#download-docx", tmp_path / "letter.docx")
    page.screenshot(path=shots / "4-export.png")
    texts = [paragraph.text for paragraph in docx.Document(str(path)).paragraphs]
    assert texts[texts.index("Grade: NM") - 1].startswith("1 What have been your most significant achievements")
    assert "The Panel's own words on achievements." in texts
    assert font_requests == []  # system fonts only: no webfont subsets, nothing fetched


def test_bold_text_renders_in_one_typeface(running_app, browser):
    """Gradio's bundled bold subset held only a few glyphs, so bold headings mixed typefaces. With system fonts the
    page's bold and regular text share one family, and no font face is loaded at all."""
    page = browser.new_page(viewport={"width": 800, "height": 900})
    page.goto(running_app)
    page.get_by_role("tab", name="Draft").click()
    page.locator("h1").first.wait_for()
    faces = page.evaluate("() => [...document.fonts].map(f => `${f.family} ${f.weight} ${f.status}`)")
    assert not [face for face in faces if face.endswith("loaded")], faces
    bold, body = page.evaluate("""() => [getComputedStyle(document.querySelector('h1')).fontFamily,
                                         getComputedStyle(document.querySelector('textarea')).fontFamily]""")
    assert bold == body and bold.startswith("system-ui")
    # Same family for bold and regular: "AB" and "xy" in bold must widen proportionally, not switch fonts midway.
    widths = page.evaluate("""() => ['AB', 'ABxy'].map(t => { const s = document.createElement('span');
        s.style.cssText = 'font-weight: 700; position: absolute; white-space: nowrap'; s.textContent = t; document.body.append(s); const w = s.getBoundingClientRect().width;
        s.remove(); return w; })""")
    assert widths[1] > widths[0] > 0


def test_hand_written_question_failed_upload_and_backend_banner(running_app, settings, browser, shots, tmp_path):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 800, "height": 1000}, accept_downloads=True)
    page.goto(running_app)
    ingest(page)

    # A question never drafted, written by hand: it goes into both exports.
    page.get_by_role("tab", name="Draft").click()
    page.get_by_role("button", name="4.").click()
    type_into(page, "#commentary-4 textarea", "Hand-written commentary on question four.")
    expect(page.locator("#saved-4")).to_contain_text("Saved", timeout=15_000)
    page.locator("#grade-4 input").click()
    page.get_by_role("option", name="PM: partially met, minor improvements").click()
    expect(page.locator("#changed-4")).to_contain_text("You changed the text and grade", timeout=15_000)
    wait_until_saved(settings, 4, "Hand-written commentary on question four.")
    page.get_by_role("tab", name="Export").click()
    page.get_by_role("button", name="Build the letter").click()
    expect(page.get_by_text("Letter built")).to_be_visible(timeout=30_000)
    texts = [p.text for p in docx.Document(str(download(page, "#download-docx", tmp_path / "l.docx"))).paragraphs]
    markdown = download(page, "#download-md", tmp_path / "l.md").read_text()
    for letter in ("\n".join(texts), markdown):
        assert "Hand-written commentary on question four." in letter and "Grade: PM" in letter
        assert "[TO BE WRITTEN" in letter  # the undrafted questions are there, marked

    # A failed upload leaves the open report open, and what is typed afterwards is saved.
    header = page.locator("#report-header")
    opened = header.inner_text()
    assert "example" in opened.lower()
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 not really a pdf")
    page.get_by_role("tab", name="Report").click()
    page.locator("button[aria-label='Clear']").first.click()
    ingest(page, bad, expect_text="Error:")
    expect(page.get_by_text("stays open")).to_be_visible()
    expect(header).to_have_text(opened)
    page.get_by_role("tab", name="Draft").click()
    type_into(page, "#commentary-4 textarea", "Typed after the failed upload.")
    expect(page.locator("#saved-4")).to_contain_text("Saved", timeout=15_000)
    wait_until_saved(settings, 4, "Typed after the failed upload.")
    page.reload()
    page.get_by_role("tab", name="Draft").click()
    page.get_by_role("button", name="4.").click()
    expect(page.locator("#commentary-4 textarea")).to_have_value("Typed after the failed upload.", timeout=30_000)

    # The banner says what drafting really uses: after a good backend, and after refusing a dead one.
    good = FakeOpenAIServer(lambda body: "{}")
    try:
        page.get_by_role("tab", name="Settings").click()
        banner = page.locator("#backend-banner")
        page.get_by_label("Base URL", exact=False).fill(good.url)
        page.get_by_label("Model", exact=True).fill("tiny")
        page.get_by_role("button", name="Use this backend").click()
        expect(page.locator("#settings-status")).to_contain_text("Applied", timeout=30_000)
        expect(banner).to_contain_text(good.url)
        page.get_by_label("Base URL", exact=False).fill("http://127.0.0.1:9/v1")  # a closed port
        page.get_by_role("button", name="Use this backend").click()
        expect(page.locator("#settings-status")).to_contain_text("Not applied", timeout=60_000)
        expect(banner).to_contain_text(good.url)
        expect(page.get_by_role("button", name="Use it anyway")).to_be_visible()
        page.screenshot(path=shots / "5-settings.png")
        page.reload()
        page.get_by_role("tab", name="Settings").click()
        expect(page.get_by_label("Base URL", exact=False)).to_have_value(good.url, timeout=30_000)
        expect(page.locator("#backend-banner")).to_contain_text(good.url)
    finally:
        good.close()


@pytest.fixture
def scripted_llm():
    import json

    from .test_ui import scripted

    server = FakeOpenAIServer(lambda body: json.dumps(scripted(body["messages"])))
    yield {"PANEL_LLM_BASE_URL": server.url, "PANEL_LLM_MODEL": "tiny"}
    server.close()


def log_in(browser, url: str, user: str, password: str):
    from playwright.sync_api import expect

    page = browser.new_context(viewport={"width": 1280, "height": 1000}, accept_downloads=True).new_page()
    page.goto(url)
    page.get_by_label("username").fill(user)
    page.get_by_label("password").fill(password)
    page.get_by_role("button", name="Login").click()
    expect(page.get_by_role("tab", name="Draft")).to_be_visible(timeout=30_000)
    return page


def pick_option(page, selector: str, name: str) -> None:
    page.locator(selector).click()
    page.get_by_role("option", name=name).first.click()


def test_two_members_see_each_others_grades_and_flip_a_status(settings, tmp_path, browser, shots, scripted_llm):
    """Alice and Bob, logged in in two browsers, work on the same report: each sees the other's grade in the
    consensus view, disagreement marked; Alice flips a guidance point and the rubric grade follows while her typed
    text stays."""
    from playwright.sync_api import expect

    with app_server(settings, tmp_path / "app.log", PANEL_AUTH="alice:a-secret,bob:b-secret", **scripted_llm) as (url, _):
        alice = log_in(browser, url, "alice", "a-secret")
        ingest(alice)
        draft_all(alice)
        pick_option(alice, "#grade-1 input", "NM: not met")
        expect(alice.locator("#saved-1")).to_contain_text("UTC", timeout=15_000)
        # With login a review is given, not taken: Alice uploaded the report, so she leads it, and adds Bob.
        alice.get_by_role("tab", name="Panel").click()
        alice.locator("#member-name textarea").fill("bob")
        alice.get_by_role("button", name="Add member").click()
        expect(alice.locator("#panel-status")).to_contain_text("bob is a member", timeout=15_000)

        bob = log_in(browser, url, "bob", "b-secret")
        pick_option(bob, "#reports input", "example")
        bob.get_by_role("tab", name="Draft").click()
        expect(bob.locator("#grade-1 input")).to_have_value("PS: partially met, significant improvements", timeout=30_000)
        pick_option(bob, "#grade-1 input", "FM: fully met")
        expect(bob.locator("#saved-1")).to_contain_text("UTC", timeout=15_000)
        bob.get_by_role("tab", name="Panel").click()
        row = bob.locator("#consensus tr[data-question='1']")
        expect(row).to_contain_text("NM ✎", timeout=15_000)  # Alice's grade, seen by Bob
        expect(row).to_contain_text("FM ✎")
        expect(row).to_have_class("disagree")

        # Alice is still on the Panel tab, where she added Bob: selecting it again does nothing; Refresh reloads it.
        alice.locator("#refresh-panel").click()
        row = alice.locator("#consensus tr[data-question='1']")
        expect(row).to_contain_text("FM ✎", timeout=15_000)  # and Bob's, seen by Alice
        alice.locator("#comment-text textarea").fill("Bob, the report gives no figures for this.")
        pick_option(alice, "#comment-question input", "1.")
        alice.get_by_role("button", name="Add comment").click()
        expect(alice.locator("#consensus")).to_contain_text("no figures for this", timeout=15_000)
        alice.screenshot(path=shots / "6-consensus.png", full_page=True)

        # A flip: the rubric grade follows, the text Alice typed stays as she typed it.
        alice.get_by_role("tab", name="Draft").click()
        type_into(alice, "#commentary-1 textarea", "Alice's own words on achievements.")
        wait_until_saved(settings, 1, "Alice's own words on achievements.", user="alice")
        checklist = alice.locator("#checklist-1")
        expect(checklist).to_contain_text("Rubric grade: PS")  # a core point reads missing
        first_point = alice.locator("#point-1 input").input_value()  # that core point, 'Concrete achievements ...'
        alice.locator("#status-1").get_by_label("addressed").check()
        expect(checklist).to_contain_text("the assistant's statuses give PS", timeout=15_000)
        expect(checklist).to_contain_text("Rubric grade: PM")
        expect(checklist).to_contain_text("set by alice")
        expect(alice.locator("#commentary-1 textarea")).to_have_value("Alice's own words on achievements.")
        assert first_point
        alice.locator("#checklist-1").scroll_into_view_if_needed()
        alice.screenshot(path=shots / "7-checklist.png")
        alice.reload()
        alice.get_by_role("tab", name="Draft").click()
        expect(alice.locator("#checklist-1")).to_contain_text("set by alice", timeout=30_000)
        expect(alice.locator("#commentary-1 textarea")).to_have_value("Alice's own words on achievements.")


def test_a_killed_server_loses_no_saved_edit(settings, tmp_path, browser, scripted_llm):
    from playwright.sync_api import expect

    with app_server(settings, tmp_path / "app.log", **scripted_llm) as (url, process):
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(url)
        ingest(page)
        page.get_by_role("tab", name="Draft").click()
        page.get_by_role("button", name="4.").click()
        type_into(page, "#commentary-4 textarea", "Saved just before the crash.")
        expect(page.locator("#saved-4")).to_contain_text("Saved", timeout=15_000)
        wait_until_saved(settings, 4, "Saved just before the crash.")
        process.kill()  # SIGKILL: no shutdown, no flush
        process.wait(timeout=20)
    with app_server(settings, tmp_path / "app-restarted.log", **scripted_llm) as (url, _):
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(url)
        page.get_by_role("tab", name="Draft").click()
        page.get_by_role("button", name="4.").click()
        expect(page.locator("#commentary-4 textarea")).to_have_value("Saved just before the crash.", timeout=30_000)


def test_verify_mode_checks_points_with_single_keys(running_app, browser, shots):
    """Verify mode: check a point with a key, attach a sentence of the passage as evidence, reject a quote, and see
    the grade lose its provisional mark once every point is checked."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(running_app)
    ingest(page)
    draft_all(page)
    expect(page.locator("#checklist-1")).to_contain_text("provisional")
    page.get_by_role("tab", name="Verify").click()
    point = page.locator("#verify-point")
    expect(point).to_contain_text("Point 1 of", timeout=30_000)
    page.screenshot(path=shots / "8-verify.png")
    status = page.locator("#verify-status")
    page.locator("#verify-sentences label").filter(has_not_text="▶").first.click()
    expect(status).to_contain_text("attached as evidence")
    page.locator("#verify-point").click()  # keys go to the page, not to a field
    page.keyboard.press("r")
    expect(status).to_contain_text("rejected")
    page.keyboard.press("d")
    expect(status).to_contain_text("checked")
    for _ in range(60):
        if "Every point is checked" in point.inner_text():
            break
        before = point.inner_text()
        page.locator("#verify-done").click()
        expect(point).not_to_have_text(before, timeout=30_000)
    expect(point).to_contain_text("Every point is checked")
    page.get_by_role("tab", name="Draft").click()
    expect(page.locator("#checklist-1")).not_to_contain_text("provisional")
    expect(page.locator("#checklist-1")).to_contain_text("✓")


def test_an_archived_text_is_restored_and_the_lead_puts_bobs_text_in_the_letter(settings, tmp_path, browser, shots,
                                                                                 scripted_llm):
    """Alice's text of question 1, set aside by a regeneration, comes back from 'Earlier texts'; Alice and Bob then
    grade it differently, her Finalise lists the disagreement, she picks Bob's text and the finalised letter has it."""
    from playwright.sync_api import expect

    from assistant.review.store import ReviewStore

    with app_server(settings, tmp_path / "app.log", PANEL_AUTH="alice:a-secret,bob:b-secret", **scripted_llm) as (url, _):
        alice = log_in(browser, url, "alice", "a-secret")
        ingest(alice)
        draft_all(alice)
        type_into(alice, "#commentary-1 textarea", "Alice's first words on achievements.")
        wait_until_saved(settings, 1, "Alice's first words on achievements.", user="alice")
        alice.once("dialog", lambda dialog: dialog.accept())
        alice.locator("#regenerate-1").click()
        expect(alice.locator("#regen-status-1")).to_contain_text("Regenerated question 1", timeout=60_000)
        alice.locator("#archive-box-1").get_by_role("button", name="Earlier texts").click()
        expect(alice.locator("#archive-1")).to_contain_text("Alice's first words on achievements.", timeout=15_000)
        pick_option(alice, "#archive-pick-1 input", "alice's text")
        expect(alice.locator("#archive-text-1 textarea")).to_have_value("Alice's first words on achievements.")
        alice.locator("#archive-restore-1").click()
        expect(alice.locator("#archive-status-1")).to_contain_text("Restored", timeout=15_000)
        expect(alice.locator("#commentary-1 textarea")).to_have_value("Alice's first words on achievements.")
        alice.screenshot(path=shots / "8-earlier-texts.png")
        pick_option(alice, "#grade-1 input", "NM: not met")
        expect(alice.locator("#saved-1")).to_contain_text("UTC", timeout=15_000)
        alice.get_by_role("tab", name="Panel").click()
        alice.locator("#member-name textarea").fill("bob")
        alice.get_by_role("button", name="Add member").click()
        expect(alice.locator("#panel-status")).to_contain_text("bob is a member", timeout=15_000)

        bob = log_in(browser, url, "bob", "b-secret")
        pick_option(bob, "#reports input", "example")
        bob.get_by_role("tab", name="Draft").click()
        type_into(bob, "#commentary-1 textarea", "Bob's words on achievements.")
        pick_option(bob, "#grade-1 input", "FM: fully met")
        wait_until_saved(settings, 1, "Bob's words on achievements.", user="bob")

        alice.get_by_role("button", name="Finalise the letter (lead)").click()
        expect(alice.locator("#panel-status")).to_contain_text("Q1 (alice NM, bob FM)", timeout=15_000)
        expect(alice.locator("#consensus")).to_contain_text("Bob's words on achievements.")  # side by side
        pick_option(alice, "#decide-question input", "1.")
        alice.locator("#decide-source").get_by_label("bob's text and grade").check()
        expect(alice.locator("#decide-text textarea")).to_have_value("Bob's words on achievements.", timeout=15_000)
        alice.get_by_role("button", name="Decide (lead)").click()
        expect(alice.locator("#panel-status")).to_contain_text("bob's text (FM), decided by alice", timeout=15_000)
        alice.screenshot(path=shots / "9-decision.png", full_page=True)
        alice.get_by_role("button", name="Finalise the letter (lead)").click()
        expect(alice.locator("#panel-status")).to_contain_text("Finalised: version 1", timeout=15_000)
        final = ReviewStore(settings.data_dir / "reviews.sqlite3").list()[0].final.letter
        assert next(q for q in final.questions if q.number == 1).commentary == "Bob's words on achievements."


def test_a_report_named_on_its_cover_is_renamed_its_remarks_follow_a_flip_and_the_banner_is_true(
        settings, tmp_path, browser, shots):
    """Issue 24's items 2, 3 and 6 in the browser, with no LLM configured (what `make run` gives): a file called
    report.md is named from its cover, not 'Report'; a rename reaches the exported letter and its file name; the
    overall remarks change when a point is marked addressed; the banner says the assessment alone writes drafts."""
    from playwright.sync_api import expect

    report = tmp_path / "report.md"
    report.write_text(SAMPLE_REPORT.read_text().replace("Example Relief Network", "Cedar & Olive Relief")
                      .replace("Accountability Report 2023", "Accountability Report 2024"))
    with app_server(settings, tmp_path / "app.log") as (url, _):
        page = browser.new_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
        page.goto(url)
        page.get_by_role("tab", name="Settings").click()
        expect(page.locator("#backend-banner")).to_contain_text("Drafts are written by: the assessment alone (no LLM)")

        ingest(page, report)
        status = page.locator("#ingest-status")
        expect(status).to_contain_text("Cedar & Olive Relief")
        expect(status).to_contain_text("read from the report's cover or title")
        expect(page.locator("#report-header")).to_contain_text("Cedar & Olive Relief — report 2024")
        expect(page.locator("#org-name input")).to_have_value("Cedar & Olive Relief")  # filled in once it opened
        page.locator("#org-name input").fill("Cedar and Olive Relief International")
        page.get_by_role("button", name="Rename").click()
        expect(page.locator("#rename-status")).to_contain_text("Renamed", timeout=15_000)
        expect(page.locator("#report-header")).to_contain_text("Cedar and Olive Relief International — report 2024")
        page.screenshot(path=shots / "9-rename.png")

        draft_all(page)
        remarks = page.locator("#remarks textarea")
        unpack = "how the achievements link to the organisation's strategic priorities (question 1)"
        expect(remarks).to_have_value(re.compile(re.escape(unpack)), timeout=15_000)
        expect(page.locator("#point-1 input")).to_have_value(re.compile("Concrete achievements and impacts linked to strategic priorities"))
        page.locator("#status-1").get_by_label("addressed").check()
        expect(page.locator("#checklist-1")).to_contain_text("set by", timeout=15_000)
        expect(remarks).not_to_have_value(re.compile(re.escape(unpack)), timeout=15_000)

        page.get_by_role("tab", name="Export").click()
        page.get_by_role("button", name="Build the letter").click()
        expect(page.get_by_text("Letter built")).to_be_visible(timeout=30_000)
        with page.expect_download() as event:
            page.locator("#download-md").click()
        assert event.value.suggested_filename == "cedar-and-olive-relief-international_2024_panel-feedback-draft.md"
        letter = Path(event.value.path()).read_text()
        assert letter.startswith("# Cedar and Olive Relief International Feedback from the Independent Review Panel")
        assert "Dear Cedar and Olive Relief International team," in letter and unpack not in letter
