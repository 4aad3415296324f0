"""The Round tab does the whole round (its callbacks driven directly with the fake chat client, as in test_ui.py),
and the workflow issue's layout fixes, read from the callbacks and from the page Gradio is given to draw. The
browser half is tests/test_browser_round.py."""

import csv
import re
from pathlib import Path

import gradio as gr
import openpyxl
import pytest

from assistant.review.prescreen import Prescreen, QuestionScreen
from assistant.review.workspace import user_folder
from assistant.web.app import build_ui
from assistant.web.render import render_prescreen

from .conftest import SAMPLE_REPORT
from .test_ui import ALICE, BOB, calls, ingest, make_calls  # noqa: F401 (calls: a fixture)

ROUND = "june-2025"


def two_reports(folder: Path) -> list[Path]:
    folder.mkdir()
    gamma = folder / "gamma-rights_2022_report.md"
    gamma.write_text("# Gamma Rights 2022\n\n## Question 3\n\nWe received 14 complaints and resolved 11 of them within "
                     "30 days.\n", encoding="utf-8")
    alpha = folder / "alpha-trust_report.md"
    alpha.write_text("# Alpha Trust\n\n## Question 1\n\nWe planted 4,000 trees with 12 villages, validated in community "
                     "meetings.\n", encoding="utf-8")
    return [gamma, alpha]


def row_of(table: str, file: str, number: int) -> list[str]:
    rows = [[cell.strip() for cell in line.strip("|").split(" | ")] for line in table.splitlines() if line.startswith("| ")]
    return next(cells for cells in rows if cells[0] == file and cells[3] == str(number))


def test_a_round_is_made_prescreened_downloaded_and_drafted_in_the_workspace(calls, settings, tmp_path):
    tab, rounds = calls.round, calls.round.rounds
    assert tab.create_round("../x")[0].startswith("Not created: name the round") and rounds.names() == []
    status, picker, box = tab.create_round(ROUND)
    assert status.startswith(f"Round {ROUND} created") and picker["value"] == ROUND and picker["choices"] == [ROUND]
    assert box == "" and "exists already" in tab.create_round(ROUND)[0]

    # One report ingested on the Report tab is picked; two are uploaded. A manifest is refused, and adds nothing.
    _, review_id, _ = ingest(calls, SAMPLE_REPORT)
    doc_id = calls.store.get(review_id).doc_id
    mine, others = tab.pickers(ROUND)
    assert mine["choices"] == [] and [value for _, value in others["choices"]] == [doc_id]
    files = [str(f) for f in two_reports(tmp_path / "reports")]
    manifest = tmp_path / "round.csv"
    manifest.write_text("file,member,year\n", encoding="utf-8")
    status, _ = tab.add_reports(ROUND, [str(manifest), *files], [doc_id])
    assert status.startswith("Nothing added: round.csv is a manifest") and rounds.get(ROUND).reports == []
    assert tab.add_reports(ROUND, None, [])[0].startswith("Nothing to add")
    status, box = tab.add_reports(ROUND, files, [doc_id])
    assert status.startswith(f"Added to round {ROUND}") and ": 3 reports:" in status and box is None
    assert "example-relief-network_2023_accountability-report.md (Example Relief Network, 2023)" in status
    assert len(rounds.get(ROUND).reports) == 3
    assert "1 of the picked reports were in the round already" in tab.add_reports(ROUND, [], [doc_id])[0]
    assert len(rounds.get(ROUND).reports) == 3

    # Member and year, per report: in the round and in its review (the letter's).
    mine, others = tab.pickers(ROUND)
    assert others["choices"] == [] and len(mine["choices"]) == 3
    assert not any("/" in value for _, value in mine["choices"])  # no server path goes to the browser
    key = next(value for label, value in mine["choices"] if label.startswith("alpha-trust_report.md"))
    assert tab.report_details(ROUND, key) == ["Alpha Trust", ""]
    assert tab.set_report(ROUND, key, "Alpha Trust", "twenty").startswith("Not changed: the year must be")
    assert tab.set_report(ROUND, key, " ", "2024").startswith("Not changed: name the member")
    assert "Alpha Trust International, 2024" in tab.set_report(ROUND, key, "Alpha Trust International", "2024")
    alpha = next(r for r in rounds.get(ROUND).reports if r.path.endswith("alpha-trust_report.md"))
    assert (alpha.member, alpha.year) == ("Alpha Trust International", 2024)
    assert (calls.store.get(alpha.review_id).member, calls.store.get(alpha.review_id).year) == ("Alpha Trust International", 2024)

    # The pre-screen: XLSX and CSV in the user's own export folder, each handed out as a private copy.
    status, xlsx, sheet = tab.prescreen_round(ROUND)
    assert status.startswith(f"Pre-screened round {ROUND}") and "3 reports" in status
    assert xlsx["interactive"] and sheet["interactive"]
    folder = settings.data_dir / "exports" / user_folder("local")
    assert (folder / f"{ROUND}_prescreen.xlsx").is_file() and (folder / f"{ROUND}_prescreen.csv").is_file()
    assert Path(xlsx["value"]).parent != folder and Path(xlsx["value"]).name == f"{ROUND}_prescreen.xlsx"
    with open(sheet["value"], encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3 * len(calls.numbers)
    q3 = next(r for r in rows if r["file"] == SAMPLE_REPORT.name and r["question"] == "3")
    assert q3["grade"] == "PS" and q3["drafted grade"] == "" and q3["points checked"] == "0" and int(q3["points to check"])
    header = [cell.value for cell in openpyxl.load_workbook(xlsx["value"]).active[1]]
    assert {"grade", "provisional", "points to check", "points checked", "drafted grade"} <= set(header)

    # The view: each question's grade and points checked; a bar per report, all from 0 in one column.
    table, progress = tab.round_view(ROUND)
    assert "| Q | Status | Grade | Drafted | Points checked |" in table
    cells = row_of(table, SAMPLE_REPORT.name, 3)
    assert cells[5].startswith("PS") and cells[6] == "—" and cells[7] == f"0 of {q3['points to check']}"
    assert progress.count("<td class='bar'><progress max='6' value='0'></progress></td>") == 3
    assert "Alpha Trust International 2024" in progress and "<th class='who'>Report</th>" in progress

    # Drafting in the background: the table's grades follow, the timer stops once nothing waits.
    status, _ = tab.start_round(ROUND)
    assert status.startswith(f"Drafting {3 * len(calls.numbers)} questions")
    tab.round_worker.join(timeout=300)
    table, progress, timer = tab.round_refresh(ROUND)
    assert timer["active"] is False
    assert row_of(table, SAMPLE_REPORT.name, 3)[6] == "PS"  # the assistant's drafted grade
    assert progress.count("6/6 questions") == 3 and "Drafting:</b> 18 of 18 questions done" in progress

    # A member's edit with point statuses counts those points as checked.
    report = next(r for r in rounds.get(ROUND).reports if r.doc_id == doc_id)
    point = calls.pipeline.prescreen(doc_id).questions[calls.numbers.index(3)].checks[0]
    assert calls.draft.save_status(report.review_id, 3, point, "missing", ALICE)[0].startswith("Saved")
    table, progress = tab.round_view(ROUND)
    assert row_of(table, SAMPLE_REPORT.name, 3)[7] == f"1 of {q3['points to check']}"
    assert f"1 of {sum(q.to_check for q in calls.pipeline.prescreen(doc_id).questions)}" in progress


def test_with_login_only_admins_make_a_round_and_those_on_it_download_its_sheet(settings, tmp_path):
    panel = make_calls(settings.model_copy(update={"auth": "alice:a,bob:b", "admins": "alice"}))
    tab, rounds = panel.round, panel.round.rounds
    assert tab.create_round("june", BOB)[0].startswith("Not created: only panel admins") and rounds.names() == []
    assert tab.create_round("june", ALICE)[0].startswith("Round june created")
    files = [str(f) for f in two_reports(tmp_path / "reports")]
    assert tab.add_reports("june", files, [], BOB)[0].startswith("Not added: only panel admins")
    assert rounds.get("june").reports == []
    assert "2 reports" in tab.add_reports("june", files, [], ALICE)[0]
    assert tab.pickers("june", BOB)[0]["choices"] == []  # Bob is not on the round: he sees none of it
    key = tab.pickers("june", ALICE)[0]["choices"][0][1]
    assert tab.set_report("june", key, "Someone", "2020", BOB).startswith("Not changed: only panel admins")
    assert tab.prescreen_round("june", BOB)[0].startswith("Error: you are not on this round")

    # Alice's own upload is hers to pick, not Bob's; a pick Bob may not open is refused even for him.
    _, alice_review, _ = ingest(panel, SAMPLE_REPORT, ALICE)
    alice_doc = panel.store.get(alice_review).doc_id
    tab.add_round_member("june", "bob", ALICE)
    assert alice_doc not in [value for _, value in tab.pickers("june", BOB)[1]["choices"]]
    assert alice_doc in [value for _, value in tab.pickers("june", ALICE)[1]["choices"]]
    status, xlsx, _ = tab.prescreen_round("june", BOB)
    assert status.startswith("Pre-screened round june") and xlsx["interactive"]
    assert tab.start_round("june", BOB)[0].startswith("Not drafted: only panel admins")


def test_a_round_without_room_gets_nothing(settings, tmp_path):
    small = make_calls(settings.model_copy(update={"max_round_reports": 2}))
    small.round.create_round("s")
    files = [str(f) for f in two_reports(tmp_path / "reports")] + [str(SAMPLE_REPORT)]
    status, box = small.round.add_reports("s", files, [])
    assert "room for 2 more reports (PANEL_MAX_ROUND_REPORTS), not 3" in status and box == gr.update()
    assert small.round.rounds.get("s").reports == []


def test_an_unreadable_upload_stays_in_the_round_with_why(calls, tmp_path):
    calls.round.create_round("r")
    broken = tmp_path / "delta-network_2023_report.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage \x00\x01")
    status, _ = calls.round.add_reports("r", [str(broken), str(SAMPLE_REPORT)], [])
    assert ": 1 report: example-relief-network" in status
    assert "Not readable, kept in the round with why: delta-network_2023_report.pdf:" in status
    table, progress = calls.round.round_view("r")
    assert "| delta-network_2023_report.pdf | Delta Network | 2023 |  | error |" in table
    assert "<td class='who'>Delta Network 2023</td><td colspan='4'>not readable (" in progress
    assert progress.count("<progress") == 1


# The layout glitches of the issue

def test_the_ingest_message_lists_questions_as_numbers(calls):
    status = ingest(calls, SAMPLE_REPORT)[0]
    assert "questions found: 0, 1, 2, 3, 4, 5" in status and "[" not in status


def test_the_surrounding_text_has_no_heading_marks(calls, tmp_path):
    report = tmp_path / "pillar-org_2023.md"
    report.write_text("# Pillar Org 2023\n\n## Question 3\n\n#### Pillar 1\n\nWe received 57 complaints and closed 49 "
                      "of them within 30 days.\n", encoding="utf-8")
    _, review_id, _ = ingest(calls, report)
    list(calls.draft.draft_all(review_id, ALICE))
    picker = calls.page.open_report(review_id, ALICE)[3:][calls.numbers.index(3) * 12 + 9]
    pick = next(value for label, value in picker["choices"] if "57 complaints" in label)
    context, _ = calls.draft.show_context(review_id, 3, pick, ALICE)
    assert "57 complaints" in context and "Pillar 1" in context
    assert not re.search(r"(?m)^\s*#", context), context


def test_the_prescreen_cuts_a_long_section_between_words():
    section = "Statement of the Executive Director on accountability and what we learned"
    screen = Prescreen(doc_id="d", source="s.md", questions=[
        QuestionScreen(number=0, title="Opening", status="answered", sections=[section])])
    where = render_prescreen(screen).splitlines()[2].split(" | ")[2]
    assert where.endswith("…") and section.startswith(where[:-1]) and section[len(where) - 1] == " "


@pytest.fixture
def page_config(settings):
    workspace = make_calls(settings.model_copy(update={"auth": "alice:a", "root_path": "/panel"}))
    demo = build_ui(workspace)
    return workspace, demo, demo.config


def layout_parents(config) -> dict[int, int]:
    parents, stack = {}, [config["layout"]]
    while stack:
        node = stack.pop()
        for child in node.get("children", []):
            parents[child["id"]] = node["id"]
            stack.append(child)
    return parents


def test_the_draft_view_uses_the_width_and_stacks_on_narrow_screens(page_config):
    _, _, config = page_config
    components = {c["id"]: c for c in config["components"]}
    by_elem = {c["props"].get("elem_id"): c["id"] for c in config["components"] if c["props"].get("elem_id")}
    parents = layout_parents(config)

    def ancestors(component_id):
        while component_id in parents:
            component_id = parents[component_id]
            yield component_id

    def row_of_id(component_id):
        return next(a for a in ancestors(component_id) if components[a]["type"] == "row")

    assert config["fill_width"] is True
    # The grade's column and its neighbour stack at 800 px (their minimum widths leave no room side by side), so
    # the grade's longest label shows whole; at 1,280 px they sit side by side.
    grade_row = row_of_id(by_elem["grade-1"])
    widths = [components[c]["props"]["min_width"] for c, p in parents.items() if p == grade_row]
    assert 760 < sum(widths) + 16 < 1200 and min(widths) >= 360
    # The checklist is not beside the suggestion (an empty column beside a long list), but across the width below.
    assert row_of_id(by_elem["suggestion-1"]) not in set(ancestors(by_elem["checklist-1"]))
    suggestion_row = row_of_id(by_elem["suggestion-1"])
    assert sum(components[c]["props"]["min_width"] for c, p in parents.items() if p == suggestion_row) > 760


def test_the_ingest_spinner_is_on_its_message_and_login_has_a_name_and_a_logout(page_config, settings, monkeypatch):
    workspace, demo, config = page_config
    ingest_fn = next(f for f in demo.fns.values() if f.fn == workspace.report.ingest)
    report_picker = next(c for c in config["components"] if c["props"].get("elem_id") == "reports")
    assert [block._id for block in ingest_fn.show_progress_on] == [ingest_fn.outputs[0]._id]  # the status line
    assert report_picker["id"] not in [block._id for block in ingest_fn.show_progress_on]
    logout = next(c for c in config["components"] if c["props"].get("elem_id") == "logout")
    assert logout["props"]["visible"] and logout["props"]["link"] == "/panel/logout"
    without_login = build_ui(make_calls(settings)).config
    assert not next(c for c in without_login["components"] if c["props"].get("elem_id") == "logout")["props"]["visible"]

    from assistant.web import app

    launched = {}
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kwargs: launched.update(kwargs))
    app.serve(settings.model_copy(update={"auth": "alice:a"}))
    assert "Panel Assistant" in launched["auth_message"] and launched["auth"] == [("alice", "a")]
