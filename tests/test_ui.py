"""The workspace's callbacks, driven directly with the fake chat client (the browser test drives the real page)."""

import io
from types import SimpleNamespace

import docx
import pytest

from assistant.pipeline import Pipeline
from assistant.web.app import Workspace
from assistant.web.state import QUESTION_FIELDS, parse_auth
from tests.fakes import FakeChatClient

from .conftest import SAMPLE_REPORT, make_pdf
from .test_drafting import draft_reply

ALICE, BOB = SimpleNamespace(username="alice"), SimpleNamespace(username="bob")


def scripted(messages):
    text = messages[-1]["content"]
    if "overall remarks" in text:
        return {"remarks": "A strong report overall."}
    return draft_reply()


def make_calls(settings, draft_mode="llm") -> Workspace:
    # The scripted model writes on top of the assessment, as a configured backend would.
    pipeline = Pipeline(settings.model_copy(update={"draft_mode": draft_mode}), client=FakeChatClient(default=scripted))
    return Workspace(pipeline)


@pytest.fixture
def calls(settings):
    return make_calls(settings)


TEXT, GRADE, OMIT, CHANGED, SUGGESTION, CHECKLIST, POINT, STATUS, EVIDENCE, PICKER = range(10)
NO_CHANGE = {"__type__": "update"}


def field(views: list, calls: Workspace, number: int, index: int):
    """One of a question's view values (TEXT, GRADE, ...): what the page shows, an update's value included."""
    view = views[calls.numbers.index(number) * QUESTION_FIELDS + index]
    return view.get("value", view) if isinstance(view, dict) and index in (TEXT, GRADE, OMIT) else view


def review(calls, review_id):
    return calls.store.get(review_id)


def ingest(calls, path, user=ALICE, current=None, member="", year=""):
    status, doc_id, _, ingested = calls.report.ingest(str(path) if path else None, member, year, current, user)
    return status, doc_id, ingested


def test_bad_upload_is_explained_not_raised(calls, tmp_path):
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    status, doc_id, ingested = ingest(calls, empty)
    assert status.startswith("Error:") and "empty" in status and doc_id is None and not ingested
    assert "choose a PDF, DOCX" in ingest(calls, None)[0]
    sheet = tmp_path / "figures.xlsx"
    sheet.write_bytes(b"PK\x03\x04")
    assert "unsupported file type '.xlsx'" in ingest(calls, sheet)[0]  # the real problem, said once
    assert "the year must be" in ingest(calls, SAMPLE_REPORT, year="twenty")[0]


def test_a_failed_upload_keeps_the_open_report_open(calls, tmp_path):
    _, doc_id, _ = ingest(calls, SAMPLE_REPORT)
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    for bad in (empty, None):
        status, kept, ingested = ingest(calls, bad, current=doc_id)
        assert kept == doc_id and not ingested
        assert all(update == NO_CHANGE for update in calls.page.open_if_ingested(ingested, kept, ALICE))
    saved, *_ = calls.draft.save_commentary(kept, 2, "Typed after the failed upload.", ALICE)
    assert saved.startswith("Saved") and saved.endswith("UTC")
    assert review(calls, doc_id).edit("alice", 2).commentary == "Typed after the failed upload."


def test_drafting_never_resends_what_the_member_is_typing(calls):
    """While question N drafts, the other questions' boxes get no update, and a question with the member's own text
    keeps its box as it is: a keystroke in flight is never overwritten."""
    _, doc_id, _ = ingest(calls, SAMPLE_REPORT)
    calls.draft.save_commentary(doc_id, 2, "Typed before drafting.", ALICE)
    updates = list(calls.draft.draft_all(doc_id, ALICE))
    second = next(u for u in updates if u[0] == "Drafted question 2.")[1:-1]
    assert field(second, calls, 2, TEXT) == NO_CHANGE and "Grade" in field(second, calls, 2, SUGGESTION)
    assert all(field(second, calls, 1, i) == NO_CHANGE for i in range(QUESTION_FIELDS))
    assert review(calls, doc_id).commentary(2, "alice") == "Typed before drafting."


def test_draft_edit_reload_restart(calls, settings):
    status, doc_id, reports, _ = calls.report.ingest(str(SAMPLE_REPORT), "", "", None, ALICE)
    assert status.startswith("Done:") and reports["value"] == doc_id
    *_, last = calls.draft.draft_all(doc_id, ALICE)
    assert last[0] == "Done: all questions drafted." and last[-1] == "A strong report overall."
    views = calls.page.open_report(doc_id, ALICE)[3:]
    assert field(views, calls, 3, GRADE) == "PS" and "49 complaints were closed" in field(views, calls, 3, CHECKLIST)
    assert "49 complaints" not in field(views, calls, 3, EVIDENCE)  # each quote once: under its point, not again

    _, note, suggestion = calls.draft.save_commentary(doc_id, 3.0, "The Panel's own words on complaints.", ALICE)
    assert "You changed the text" in note and "The report shares that 57 complaints" in suggestion  # live, no reload
    _, note, _ = calls.draft.save_grade(doc_id, 3.0, "NM", ALICE)
    assert "You changed the text and grade" in note
    calls.draft.save_opening(doc_id, "Edited opening.", ALICE)

    restarted = make_calls(settings)  # a server restart: new pipeline, same data directory
    page = restarted.page.restore(None, ALICE)
    assert page[0] == doc_id
    header, prescreen, opening, *views = page[2:]
    assert opening == "Edited opening." and "Pre-screening" in prescreen
    assert "| 3 | answered |" in restarted.page.prescreen_view(page[0])
    assert field(views, restarted, 3, TEXT) == "The Panel's own words on complaints."
    assert field(views, restarted, 3, GRADE) == "NM"
    assert "You changed the text and grade" in field(views, restarted, 3, CHANGED)
    suggestion = field(views, restarted, 3, SUGGESTION)
    assert "Grade: PS" in suggestion
    assert "The report shares that 57 complaints" in suggestion  # the assistant's text is kept beside the edit


def test_regenerating_one_question_keeps_the_other_edits(calls):
    _, doc_id, _ = ingest(calls, SAMPLE_REPORT)
    list(calls.draft.draft_all(doc_id, ALICE))
    calls.draft.save_commentary(doc_id, 2, "My edit of question 2.", ALICE)
    calls.draft.save_commentary(doc_id, 3, "My edit of question 3.", ALICE)
    cancelled = list(calls.draft.regenerate(doc_id, 3, False, ALICE))  # the member said no to the confirmation
    assert len(cancelled) == 1 and cancelled[0][1].startswith("Not regenerated")
    assert review(calls, doc_id).edit("alice", 3).commentary == "My edit of question 3."
    updates = list(calls.draft.regenerate(doc_id, 3, True, ALICE))
    assert len(updates) >= 2  # streamed output, then the question's new view
    final = updates[-1]
    assert final[1].startswith("Regenerated question 3") and final[2]["value"].startswith("The report shares that 57 complaints")
    views = calls.page.open_report(doc_id, ALICE)[3:]
    assert field(views, calls, 2, TEXT) == "My edit of question 2."
    assert field(views, calls, 3, TEXT).startswith("The report shares")
    archived = review(calls, doc_id).archived
    assert [(a.edit.user, a.edit.number, a.edit.commentary) for a in archived] == [("alice", 3, "My edit of question 3.")]


def test_members_share_the_suggestions_and_keep_their_own_edits(calls, tmp_path):
    """A second member opening the same report finds the first one's drafts (no drafting again) and edits beside
    them; each member's text stays theirs."""
    _, alice_review, _ = ingest(calls, SAMPLE_REPORT)
    list(calls.draft.draft_all(alice_review, ALICE))
    requests = len(calls.pipeline.client.requests)
    calls.draft.save_commentary(alice_review, 1, "Alice's text", ALICE)
    status, bob_review, _ = ingest(calls, SAMPLE_REPORT, BOB)  # Bob uploads the same report: the same review
    assert bob_review == alice_review and "the assistant's drafts already there" in status
    bob_view = calls.page.open_report(bob_review, BOB)[3:]
    assert "Grade: PS" in field(bob_view, calls, 3, SUGGESTION) and field(bob_view, calls, 3, GRADE) == "PS"
    assert field(bob_view, calls, 1, TEXT) != "Alice's text" and len(calls.pipeline.client.requests) == requests
    calls.draft.save_commentary(bob_review, 1, "Bob's text", BOB)
    calls.draft.save_grade(bob_review, 3, "NM", BOB)
    assert field(calls.page.open_report(alice_review, ALICE)[3:], calls, 1, TEXT) == "Alice's text"
    assert field(calls.page.open_report(bob_review, BOB)[3:], calls, 1, TEXT) == "Bob's text"
    other = make_pdf(tmp_path / "other-org_2021.pdf", ["Question 3\nWe received 3 complaints about fraud and acted."])
    _, other_review, _ = ingest(calls, other, BOB)
    assert [value for _, value in calls.page.report_choices("bob")][:2] == [other_review, alice_review]
    assert [value for _, value in calls.page.report_choices("alice")] == [alice_review, other_review]  # the panel's, hers first


def test_consensus_shows_each_members_grade_and_marks_disagreement(calls):
    _, review_id, _ = ingest(calls, SAMPLE_REPORT)
    list(calls.draft.draft_all(review_id, ALICE))
    calls.page.open_report(review_id, BOB)  # Bob joins without grading: his grades are the suggestion's
    calls.draft.save_grade(review_id, 2, "FM", ALICE)
    table, _ = calls.panel.panel_view(review_id, ALICE)
    rows = {int(row.split("data-question='")[1].split("'")[0]): row for row in table.split("<tr class=")[1:]}
    assert "alice" in table and "bob" in table
    assert rows[2].startswith("'disagree'") and "FM ✎" in rows[2] and "⚠" in rows[2]
    assert rows[3].startswith("'agree'") and rows[3].count(">PS<") == 4  # alice, bob, the assistant, the rubric
    status, box, table, _ = calls.panel.add_comment(review_id, 2, "I read the achievements as fully met.", BOB)
    assert status.startswith("Comment added") and box == ""
    assert "I read the achievements as fully met." in table and "bob" in table


def test_flipping_a_status_regrades_and_never_touches_typed_text(settings):
    assessment_calls = make_calls(settings, draft_mode="assessment")
    _, review_id, _ = ingest(assessment_calls, SAMPLE_REPORT)
    list(assessment_calls.draft.draft_all(review_id, ALICE))
    view = assessment_calls.page.open_report(review_id, ALICE)[3:]
    points = field(view, assessment_calls, 5, POINT)["choices"]
    before = field(view, assessment_calls, 5, GRADE)
    core = next(value for label, value in points if "★" in label)
    assert assessment_calls.draft.point_status(review_id, 5, core, ALICE) in ("addressed", "partly")
    saved, checklist, suggestion, changed, text, grade = assessment_calls.draft.save_status(review_id, 5, core, "missing", ALICE)
    assert saved.startswith("Saved") and f"Rubric grade: {grade['value']}" in checklist
    assert grade["value"] != before and f"the assistant's statuses give {before}" in checklist
    assert "set by alice" in checklist and text["value"] and "asks" not in text  # untyped text follows the assessment
    mine = assessment_calls.pipeline.member_draft(review(assessment_calls, review_id), 5, "alice")
    theirs = assessment_calls.pipeline.member_draft(review(assessment_calls, review_id), 5, "bob")
    assert mine.summary != theirs.summary and mine.summary in suggestion  # the 'Report says' line follows the flip
    assert not assessment_calls.pipeline.client.requests  # the assessment alone: no model asked
    assert assessment_calls.draft.point_status(review_id, 5, core, ALICE) == "missing"
    assert field(assessment_calls.page.open_report(review_id, BOB)[3:], assessment_calls, 5, GRADE) == before  # Bob's view

    assessment_calls.draft.save_commentary(review_id, 5, "My own words stay.", ALICE)
    *_, text, grade = assessment_calls.draft.save_status(review_id, 5, core, "addressed", ALICE)
    assert text == NO_CHANGE and grade["value"] == before  # a flip and its undo give back the grade
    assert field(assessment_calls.page.open_report(review_id, ALICE)[3:], assessment_calls, 5, TEXT) == "My own words stay."
    letter = assessment_calls.pipeline.member_letter(review(assessment_calls, review_id), "alice")
    assert next(q for q in letter.questions if q.number == 5).commentary == "My own words stay."


def test_the_lead_finalises_a_read_only_versioned_letter_with_an_appendix(calls):
    _, review_id, _ = ingest(calls, SAMPLE_REPORT)
    list(calls.draft.draft_all(review_id, ALICE))
    calls.draft.save_commentary(review_id, 2, "The lead's final words.", ALICE)
    assert "has no lead yet" in calls.panel.finalise(review_id, ALICE)[0]
    assert calls.panel.take_lead(review_id, ALICE)[0].startswith("You lead")
    assert "alice leads this review" in calls.panel.take_lead(review_id, BOB)[0]
    assert "only the lead" in calls.panel.finalise(review_id, BOB)[0]
    status, _, lead = calls.panel.finalise(review_id, ALICE)
    assert status.startswith("Finalised: version 1") and "v1 by alice" in lead
    assert calls.draft.save_commentary(review_id, 2, "Too late.", ALICE)[0].startswith("Not saved: the letter is finalised")
    view = calls.page.open_report(review_id, ALICE)
    assert "read-only" in view[0] and view[3]["interactive"] is False
    status, texts, markdown = export(calls, review_id, with_appendix=True)
    assert status.startswith("Finalised letter, version 1") and "The lead's final words." in texts
    appendix = markdown.split("## Appendix")[1]
    assert "Changed by the panel." in appendix and "The lead's final words." in appendix
    assert "Appendix: the assistant's suggestions against the final text" in texts
    assert calls.panel.reopen(review_id, BOB)[0].startswith("Error:")
    assert calls.panel.reopen(review_id, ALICE)[0].startswith("Reopened")
    assert calls.draft.save_commentary(review_id, 2, "Open again.", ALICE)[0].startswith("Saved")


def test_a_refused_finalise_saves_nothing(settings):
    """Bob flipped a point status (his view of the suggestion changed) and presses Finalise while Alice leads: he is
    refused, and his view is not first saved as hand edits (no ✎, no 'edit' in the audit log)."""
    assessment_calls = make_calls(settings, draft_mode="assessment")
    _, review_id, _ = ingest(assessment_calls, SAMPLE_REPORT)
    list(assessment_calls.draft.draft_all(review_id, ALICE))
    view = assessment_calls.page.open_report(review_id, BOB)[3:]
    core = next(value for label, value in field(view, assessment_calls, 5, POINT)["choices"] if "★" in label)
    assessment_calls.draft.save_status(review_id, 5, core, "missing", BOB)
    assessment_calls.panel.take_lead(review_id, ALICE)
    before, history = review(assessment_calls, review_id).edits["bob"], assessment_calls.store.history(review_id)
    assert before[5].commentary is None and before[5].grade is None
    assert "only the lead (alice)" in assessment_calls.panel.finalise(review_id, BOB)[0]
    after = review(assessment_calls, review_id)
    assert after.edits["bob"] == before and assessment_calls.store.history(review_id) == history
    assert after.status == "open" and not after.letters
    assert "✎" not in assessment_calls.panel.panel_view(review_id, ALICE)[0].split("data-question='5'")[1].split("</tr>")[0]
    # The lead's own finalise still saves her view of a question whose statuses she changed, with the version.
    assessment_calls.draft.save_status(review_id, 5, core, "missing", ALICE)
    assert assessment_calls.panel.finalise(review_id, ALICE)[0].startswith("Finalised: version 1")
    final = review(assessment_calls, review_id)
    assert final.edit("alice", 5).grade is not None and final.edit("alice", 5).commentary
    assert next(q for q in final.final.letter.questions if q.number == 5).commentary == final.edit("alice", 5).commentary


def test_finalise_lists_a_disagreement_and_the_lead_puts_bobs_text_in_the_letter(calls):
    """Q1: Alice PM, Bob FM with his own text and a comment. Each sees the other's text side by side; Alice's
    Finalise is refused with the list; she picks Bob's text: the finalised letter carries it, her own text is in her
    archive, and the audit log says she chose it."""
    _, review_id, _ = ingest(calls, SAMPLE_REPORT)
    list(calls.draft.draft_all(review_id, ALICE))
    calls.page.open_report(review_id, BOB)  # Bob joins the panel
    calls.panel.take_lead(review_id, ALICE)
    for user, text, grade in ((ALICE, "Text by Alice on achievements.", "PM"), (BOB, "Text by Bob on achievements.", "FM")):
        calls.draft.save_commentary(review_id, 1, text, user)
        calls.draft.save_grade(review_id, 1, grade, user)
    calls.panel.add_comment(review_id, 1, "I read them as fully met.", BOB)
    table, _ = calls.panel.panel_view(review_id, BOB)
    side = table.split("data-side='1' open>")[1].split("</details>")[0]  # unfolded: an open disagreement
    assert "Text by Alice on achievements." in side and "Text by Bob on achievements." in side
    assert "PM ✎" in side and "FM ✎" in side and "I read them as fully met." in side and "addressed" in side
    assert "⚠ disagreement" in table.split("data-question='1'")[1].split("</tr>")[0]

    status, table, _ = calls.panel.finalise(review_id, ALICE)
    assert status.startswith("Error: not finalised: 1 open disagreement: Q1 (alice PM, bob FM; 1 comment)")
    assert review(calls, review_id).status == "open" and not review(calls, review_id).letters

    source, text, grade = calls.panel.decision_form(review_id, 1, ALICE)
    assert ("bob's text and grade", "member:bob") in source["choices"] and (text, grade) == ("Text by Alice on achievements.", "PM")
    assert calls.panel.source_text(review_id, 1, "member:bob", ALICE) == ["Text by Bob on achievements.", "FM"]
    assert "only the lead (alice)" in calls.panel.decide(review_id, 1, "member:alice", "", None, BOB)[0]
    status, table, _ = calls.panel.decide(review_id, 1, "member:bob", "Text by Bob on achievements.", "FM", ALICE)
    assert status.startswith("Question 1: bob's text (FM), decided by alice") and "No open disagreement" in status
    assert "✓ bob&#x27;s text (FM), decided by alice" in table.split("data-question='1'")[1].split("</tr>")[0]
    assert field(calls.page.open_report(review_id, ALICE)[3:], calls, 1, TEXT) == "Text by Bob on achievements."

    status, _, lead = calls.panel.finalise(review_id, ALICE)
    assert status.startswith("Finalised: version 1")
    final = review(calls, review_id)
    q1 = next(q for q in final.final.letter.questions if q.number == 1)
    assert (q1.commentary, q1.suggested_grade.value) == ("Text by Bob on achievements.", "FM")
    decided = [e for e in calls.store.history(review_id) if e.action == "decide"]
    assert [(e.user, e.number, e.detail["kind"], e.detail["member"], e.detail["commentary"]) for e in decided] == [
        ("alice", 1, "member", "bob", "Text by Bob on achievements.")]
    assert final.edit("bob", 1).commentary == "Text by Bob on achievements."  # Bob's own text, untouched
    assert [(a.edit.user, a.edit.commentary) for a in final.archived] == [("alice", "Text by Alice on achievements.")]


def test_an_archived_text_is_restored_from_the_draft_tab(calls):
    _, review_id, _ = ingest(calls, SAMPLE_REPORT)
    list(calls.draft.draft_all(review_id, ALICE))
    calls.page.open_report(review_id, BOB)
    calls.draft.save_commentary(review_id, 3, "My edit of question 3.", ALICE)
    list(calls.draft.regenerate(review_id, 3, True, ALICE))  # sets it aside, "kept in the archive"
    listing, picker, shown = calls.draft.archive_list(review_id, 3, ALICE)
    labels = [label for label, _ in picker["choices"]]
    assert "My edit of question 3." in listing and "regenerated" in listing and shown == ""
    assert len([label for label in labels if "the assistant (fake chat client" in label]) == 2  # each draft, with its time
    assert "current suggestion" in labels[0] and all(" UTC · " in label for label in labels)
    mine = next(value for label, value in picker["choices"] if "alice's text" in label)
    assert calls.draft.archive_text(review_id, 3, mine, ALICE) == "My edit of question 3."
    assert mine not in [value for _, value in calls.draft.archive_list(review_id, 3, BOB)[1]["choices"]]  # hers alone

    calls.draft.save_commentary(review_id, 3, "A second take.", ALICE)
    status, text, grade, saved, changed, _, listing, picker, _ = calls.draft.restore_text(review_id, 3, mine, ALICE)
    assert status.startswith(f"Restored {mine} (alice's text") and text["value"] == "My edit of question 3."
    assert saved.startswith("Saved") and "You changed the text" in changed and "A second take." in listing
    assert review(calls, review_id).edit("alice", 3).commentary == "My edit of question 3."
    assert field(calls.page.open_report(review_id, ALICE)[3:], calls, 3, TEXT) == "My edit of question 3."
    assert calls.draft.restore_text(review_id, 3, mine, BOB)[0].startswith("Not restored: no earlier text")
    assert review(calls, review_id).edit("bob", 3) is None  # refused: nothing saved for Bob


def test_a_question_written_by_hand_without_a_draft_is_in_the_finalised_letter(calls):
    _, review_id, _ = ingest(calls, SAMPLE_REPORT)
    calls.draft.save_commentary(review_id, 4, "Written by the lead, never drafted.", ALICE)
    calls.panel.take_lead(review_id, ALICE)
    assert calls.panel.finalise(review_id, ALICE)[0].startswith("Finalised: version 1")
    final = review(calls, review_id).final
    assert [q.commentary for q in final.letter.questions if q.number == 4] == ["Written by the lead, never drafted."]


def export(calls, review_id, user=ALICE, with_appendix=False):
    status, docx_button, md_button = calls.export.export(review_id, user, with_appendix)
    assert docx_button["interactive"] and md_button["interactive"]
    return status, [p.text for p in docx.Document(docx_button["value"]).paragraphs], open(md_button["value"]).read()


def test_export_uses_the_edits(calls):
    _, doc_id, _ = ingest(calls, SAMPLE_REPORT)
    list(calls.draft.draft_all(doc_id, ALICE))
    calls.draft.save_grade(doc_id, 5, "NM", ALICE)
    calls.draft.save_commentary(doc_id, 5, "Edited commentary five.", ALICE)
    status, texts, markdown = export(calls, doc_id)
    assert status.startswith("Letter built")
    assert "Edited commentary five." in texts and "Grade: NM" in texts
    assert "**Grade: NM**" in markdown


def test_export_has_every_question_unless_left_out(calls):
    """A never-drafted question with hand-written text and grade is in the letter; the others are marked, not
    missing; a question is left out only when the member says so."""
    _, doc_id, _ = ingest(calls, SAMPLE_REPORT)
    calls.draft.save_commentary(doc_id, 4, "Hand-written commentary on question four.", ALICE)
    calls.draft.save_grade(doc_id, 4, "PM", ALICE)
    calls.draft.save_omit(doc_id, 5, True, ALICE)
    status, texts, markdown = export(calls, doc_id)
    assert "Hand-written commentary on question four." in texts and "Grade: PM" in texts
    assert "Hand-written commentary on question four." in markdown and "**Grade: PM**" in markdown
    graded = [q.number for q in calls.pipeline.framework.questions if q.number not in (0, 5)]
    for number in graded:
        assert f"### {number} " in markdown
    assert "### 5 " not in markdown and "Left out as you chose: question 5" in status
    assert markdown.count("[TO BE WRITTEN") == len(graded) - 1 and "Grade: —" not in markdown
    calls.draft.save_omit(doc_id, 5, False, ALICE)
    assert "### 5 " in export(calls, doc_id)[2]


def test_evidence_in_context(calls):
    _, review_id, _ = ingest(calls, SAMPLE_REPORT)
    list(calls.draft.draft_all(review_id, ALICE))
    picker = field(calls.page.open_report(review_id, ALICE)[3:], calls, 3, PICKER)
    pick = next(value for label, value in picker["choices"] if "57 complaints" in label)
    context, image = calls.draft.show_context(review_id, 3, pick, ALICE)
    assert "section" not in context[:5] and "57 complaints" in context and "USD 5,000" in context
    assert image["visible"] is False  # a Markdown report has no page to show


def test_a_pdf_quote_shows_its_page_where_the_pipeline_renders_pages(calls, tmp_path, monkeypatch):
    from types import SimpleNamespace

    from PIL import Image

    report = make_pdf(tmp_path / "pdf-org_2023.pdf", ["Question 3\nWe received 12 complaints in 2023 and closed 10 of them "
                                                      "within 30 days. The board reviewed every complaint."])
    _, review_id, _ = ingest(calls, report)
    list(calls.draft.draft_all(review_id, ALICE))
    picker = field(calls.page.open_report(review_id, ALICE)[3:], calls, 3, PICKER)
    pick = next(value for label, value in picker["choices"] if "(p. 1)" in label)
    seen = []
    png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(png, format="PNG")

    def page_view(doc_id, page, quote):
        seen.append((doc_id, page, quote))
        return SimpleNamespace(png=png.getvalue(), found=True)

    monkeypatch.setattr(calls.pipeline, "page_view", page_view, raising=False)
    context, image = calls.draft.show_context(review_id, 3, pick, ALICE)
    assert image["visible"] and image["value"].size == (4, 4) and image["label"] == "Page 1"
    assert seen and seen[0][:2] == (review(calls, review_id).doc_id, 1) and "12 complaints" in seen[0][2]


def test_backend_settings_say_what_is_true(calls):
    from .fake_openai import FakeOpenAIServer

    dead = "http://127.0.0.1:9/v1"
    assert calls.settings.test_connection("openai-compatible", dead, "m", "", "json_schema").startswith("Error:")
    assert "Give the server URL" in calls.settings.apply_backend("openai-compatible", "", "", "", "json_schema")[0]
    before = calls.pipeline.client
    status, banner, anyway = calls.settings.apply_backend("openai-compatible", dead, "m", "", "json_schema")
    assert status.startswith("Not applied") and anyway["visible"] and calls.pipeline.client is before
    assert "embedded" in banner and "127.0.0.1:9" not in banner
    assert calls.settings.settings_form()[1]["value"] == "embedded"  # a reload shows what is really used
    status, banner, anyway = calls.settings.apply_backend("openai-compatible", dead, "m", "", "json_schema", True)
    assert status.startswith("Applied") and "127.0.0.1:9" in banner and not anyway["visible"]
    assert "127.0.0.1:9" in calls.pipeline.client.description
    good = FakeOpenAIServer(lambda body: "{}")
    try:
        status, banner, _ = calls.settings.apply_backend("openai-compatible", good.url, "tiny", "", "json_schema")
    finally:
        good.close()
    assert status.startswith("Applied") and good.url in banner
    form = calls.settings.settings_form()
    assert form[1]["value"] == "openai-compatible" and form[2]["value"] == good.url and form[3]["value"] == "tiny"


def test_a_failed_regeneration_is_never_called_done(calls):
    _, doc_id, _ = ingest(calls, SAMPLE_REPORT)
    list(calls.draft.draft_all(doc_id, ALICE))
    calls.draft.save_commentary(doc_id, 2, "Keep me.", ALICE)
    calls.pipeline.client.default = None
    from assistant.judging.llm import LLMError

    calls.pipeline.client.enqueue(*[LLMError("HTTP 500 from the model server")] * 20)
    final = list(calls.draft.regenerate(doc_id, 2, True, ALICE))[-1]
    assert final[1].startswith("Error:") and "done" not in final[1].lower() and final[2]["value"] == "Keep me."


def test_auth_spec():
    assert parse_auth("") is None
    assert parse_auth("alice:s3cret, bob:pw:with:colons") == [("alice", "s3cret"), ("bob", "pw:with:colons")]


def test_a_failing_backend_loses_no_work(calls):
    from assistant.judging.llm import LLMError

    _, doc_id, _ = ingest(calls, SAMPLE_REPORT)
    list(calls.draft.draft_all(doc_id, ALICE))
    calls.draft.save_commentary(doc_id, 4, "Careful edit of question 4.", ALICE)
    calls.draft.save_grade(doc_id, 4, "PS", ALICE)
    calls.pipeline.client.default = None
    calls.pipeline.client.enqueue(*[LLMError("HTTP 500 from the model server")] * 20)
    *_, last = calls.draft.draft_all(doc_id, ALICE)
    assert last[0].startswith("Drafted, except") and "by hand" in last[0]
    views = calls.page.open_report(doc_id, ALICE)[3:]
    assert field(views, calls, 4, TEXT) == "Careful edit of question 4." and field(views, calls, 4, GRADE) == "PS"
    suggestion = field(views, calls, 2, SUGGESTION)
    assert "could not write this question" in suggestion  # the failed question is flagged for a human
    assert len(suggestion.split("Note:")) == len(set(suggestion.split("Note:")))  # each note once
    final = list(calls.draft.regenerate(doc_id, 4, True, ALICE))[-1]
    assert final[2]["value"] == "Careful edit of question 4."  # a failed regeneration keeps the edit on screen and on disk
    assert review(calls, doc_id).edit("alice", 4).commentary == "Careful edit of question 4."


def test_round_tab_drafts_in_the_background_and_resumes(calls, settings):
    """The secretariat's round: its pre-screen per report and question, drafting in the background, a model that
    fails counted as failed (not done), and a restart that finishes what is left."""
    from assistant.judging.llm import LLMError
    from assistant.web.round_worker import RoundWorker

    rounds = calls.round.round_worker.rounds
    rounds.create("june")
    rounds.add("june", [SAMPLE_REPORT])
    assert calls.round.round_choices()["choices"] == ["june"]
    table, progress = calls.round.round_view("june")
    assert "| example-relief-network_2023_accountability-report.md |" in table and "| 3 | answered |" in table
    assert "Not drafted yet" in progress

    calls.pipeline.client.default = None
    calls.pipeline.client.enqueue(*[LLMError("HTTP 500 from the model server")] * 100)
    status, _ = calls.round.start_round("june")
    assert status.startswith(f"Drafting {len(calls.numbers)} questions")
    calls.round.round_worker.join(timeout=300)
    counts = rounds.progress("june")
    graded = [q.number for q in calls.pipeline.framework.questions if q.graded]
    assert counts["failed"] >= len(graded) and counts["pending"] == counts["running"] == 0
    assert "could not write" in calls.round.round_progress("june")  # the failures, named

    calls.pipeline.client.replies.clear()  # the model server is back
    calls.pipeline.client.default = scripted
    rounds.enqueue("june", calls.pipeline.drafting_backend()[1])  # failed ones wait again, as after a stop
    restarted = RoundWorker(calls.pipeline)  # what the server does on start
    assert restarted.resume() == ["june"]
    restarted.join(timeout=300)
    assert rounds.progress("june") == {"pending": 0, "running": 0, "done": len(calls.numbers), "failed": 0}
    assert f"{len(calls.numbers)}/{len(calls.numbers)} questions" in calls.round.round_progress("june")


def test_json_workspaces_of_earlier_versions_open_in_the_workspace(settings):
    """A member's JSON workspace from before the review store is imported on start and opens with their edit."""
    from assistant.models import Grade
    from assistant.review.workspace import WorkspaceStore

    calls = make_calls(settings)
    _, review_id, _ = ingest(calls, SAMPLE_REPORT)
    doc_id = review(calls, review_id).doc_id
    legacy = WorkspaceStore(settings.data_dir / "workspaces")
    legacy.open("carol", doc_id, source=SAMPLE_REPORT.name, member="Example Relief Network", year=2023,
                framework_id=calls.pipeline.framework.id)
    legacy.save_edit("carol", doc_id, 2, commentary="Carol's text from the JSON days.", grade=Grade.PS)
    restarted = make_calls(settings)  # a server start opens the store, which imports the file
    page = restarted.page.restore(None, SimpleNamespace(username="carol"))
    assert page[0] == review_id
    views = page[5:]
    assert field(views, restarted, 2, TEXT) == "Carol's text from the JSON days." and field(views, restarted, 2, GRADE) == "PS"


def test_a_review_is_renamed_and_its_letter_and_exports_follow(calls, tmp_path):
    """The issue's report.pdf became 'Report — report ?' and could not be fixed: the Report tab's Organisation and
    Year fields rename the review; the letter's title, greeting and subtitle and the export's file name follow, the
    rename is in the audit log, and the index keeps the name it was indexed under (search filters only)."""
    upload = tmp_path / "report.md"
    upload.write_text(SAMPLE_REPORT.read_text(encoding="utf-8").replace(
        "# Example Relief Network — Accountability Report 2023", "# Contents"), encoding="utf-8")
    status, review_id, _ = ingest(calls, upload)
    assert "Organisation: **unknown**" in status and review(calls, review_id).member == ""
    assert "name is not known" in calls.page.prescreen_view(review_id, ALICE)
    assert calls.report.name_fields(review_id, ALICE) == ["", ""]
    history = calls.store.history(review_id)
    assert calls.report.rename(review_id, "  ", "2024", ALICE)[0].startswith("Not renamed: give the organisation's name")
    assert calls.report.rename(review_id, "Cedar & Olive Relief", "20x4", ALICE)[0].startswith("Not renamed: the year")
    assert calls.store.history(review_id) == history  # a refused rename saves nothing

    status, header, reports, prescreen = calls.report.rename(review_id, "Cedar & Olive Relief", "2024", ALICE)
    # Markdown views escape what a person typed: "&amp;" is drawn as "&"
    assert status.startswith("Renamed") and "**Cedar &amp; Olive Relief** — report 2024" in header
    assert any(label.startswith("Cedar & Olive Relief 2024") for label, _ in reports["choices"])
    assert "name is not known" not in prescreen
    assert calls.report.name_fields(review_id, ALICE) == ["Cedar & Olive Relief", "2024"]
    renamed = [e for e in calls.store.history(review_id) if e.action == "rename"]
    assert [(e.user, e.detail["member"], e.detail["year"], e.detail["was"]) for e in renamed] == [
        ("alice", "Cedar & Olive Relief", 2024, {"member": "", "year": None})]
    status, docx_button, md_button = calls.export.export(review_id, ALICE)
    assert docx_button["value"].endswith("cedar-olive-relief_2024_panel-feedback-draft.docx")
    markdown = open(md_button["value"]).read()
    assert markdown.startswith("# Cedar &amp; Olive Relief Feedback from the Independent Review Panel")
    assert "**Accountability Report 2024**" in markdown and "Dear Cedar &amp; Olive Relief team," in markdown
    doc_id = review(calls, review_id).doc_id
    assert {c.member for c in calls.pipeline.index.chunks(doc_id=doc_id)} == {""}  # the index is as it was

    calls.panel.take_lead(review_id, ALICE)
    calls.panel.finalise(review_id, ALICE)
    assert "finalised" in calls.report.rename(review_id, "Someone Else", "2024", ALICE)[0]
    assert review(calls, review_id).member == "Cedar & Olive Relief"


def test_ingesting_again_with_a_new_name_renames_without_touching_the_index(calls, tmp_path, monkeypatch):
    """'Re-uploading with the name typed in says already indexed and keeps the old one': now the review takes the
    name typed, and nothing is read or embedded again."""
    import assistant.search.ingest as ingest_module

    upload = tmp_path / "report.md"
    upload.write_text(SAMPLE_REPORT.read_text(encoding="utf-8"), encoding="utf-8")
    _, review_id, _ = ingest(calls, upload)
    assert review(calls, review_id).member == "Example Relief Network"  # read from the report's title
    doc_id = review(calls, review_id).doc_id
    chunks = calls.pipeline.index.chunks(doc_id=doc_id)

    def never(*args, **kwargs):
        raise AssertionError("the report was read or indexed again")

    monkeypatch.setattr(ingest_module, "read_document", never)
    monkeypatch.setattr(type(calls.pipeline.index), "add", never)
    status, again, _ = ingest(calls, upload, member="Relief Network International", year="2022")
    assert again == review_id and "already indexed" in status and "Renamed" in status
    assert (review(calls, review_id).member, review(calls, review_id).year) == ("Relief Network International", 2022)
    assert calls.pipeline.index.chunks(doc_id=doc_id) == chunks
    status, _, _ = ingest(calls, upload)  # blank fields: the name kept for the report, not the title's
    assert "Organisation: **Relief Network International** (as kept for this report" in status
    assert review(calls, review_id).member == "Relief Network International"


def test_overall_remarks_follow_each_members_statuses_and_grades(settings):
    """The issue's Q1: a member marked its missing core point addressed and graded it FM, and the opening still said
    Q1 'could use more unpacking'. The remarks are rebuilt from each member's own statuses and grades, as the
    commentary is; text typed in the remarks box is never touched; the Panel tab's rubric column follows the viewing
    member's statuses."""
    assessment_calls = make_calls(settings, draft_mode="assessment")
    _, review_id, _ = ingest(assessment_calls, SAMPLE_REPORT)
    list(assessment_calls.draft.draft_all(review_id, ALICE))
    assessment_calls.page.open_report(review_id, BOB)
    pipeline = assessment_calls.pipeline
    unpack = "how the achievements link to the organisation's strategic priorities (question 1)"
    assert unpack in pipeline.member_letter(review(assessment_calls, review_id), "alice").overall_remarks
    suggestion = review(assessment_calls, review_id).suggestion(1).draft
    missing = [p.guidance for p in suggestion.assessment.points if p.status != "addressed"]
    for guidance in missing:
        assessment_calls.draft.save_status(review_id, 1, guidance, "addressed", ALICE)
    assessment_calls.draft.save_grade(review_id, 1, "FM", ALICE)
    current = review(assessment_calls, review_id)
    mine = pipeline.member_letter(current, "alice").overall_remarks
    assert "(question 1)" not in mine.split("could use more unpacking")[1].split(".")[0]
    assert "(question 1)" in mine.split("particularly commendable")[1].split(".")[0]  # all its points addressed, FM
    assert unpack in pipeline.member_letter(current, "bob").overall_remarks  # Bob's statuses and grades are his
    assert assessment_calls.draft.remarks_view(review_id, ALICE) == mine  # the box shows what the letter says
    status, _, markdown = export(assessment_calls, review_id)
    assert mine in markdown

    table = assessment_calls.panel.panel_view(review_id, ALICE)[0]
    row = table.split("data-question='1'")[1].split("</tr>")[0]
    rubric = next(q for q in pipeline.member_letter(current, "alice").questions if q.number == 1).rubric_grade
    assert f"{rubric.value} (your statuses; the assistant's statuses: {suggestion.rubric_grade.value})" in row
    bobs = assessment_calls.panel.panel_view(review_id, BOB)[0].split("data-question='1'")[1].split("</tr>")[0]
    assert "your statuses" not in bobs

    assessment_calls.draft.save_opening(review_id, "Our own opening.", ALICE)
    assessment_calls.draft.save_status(review_id, 1, missing[0], "missing", ALICE)
    assert pipeline.member_letter(review(assessment_calls, review_id), "alice").overall_remarks == "Our own opening."
    assert assessment_calls.draft.remarks_view(review_id, ALICE) == NO_CHANGE


def test_overall_remarks_commend_no_provisional_grade(settings):
    """A provisional FM or PM (a core point still to be checked) is not a strength to commend; the remarks say it is
    to be checked, and once the lead finalises (the check) it counts."""
    pipeline = make_calls(settings, draft_mode="assessment").pipeline
    report = pipeline.ingest(SAMPLE_REPORT)
    assessments = [a for a in pipeline.assess(report.doc_id) if a.graded]
    good = next(a for a in assessments if a.grade and a.grade.value in ("FM", "PM"))
    others = [a.model_copy(update={"provisional": False}) for a in assessments if a is not good]
    checked = pipeline.assessor.overall_remarks(others + [good.model_copy(update={"provisional": False})])
    unchecked = pipeline.assessor.overall_remarks(others + [good.model_copy(update={"provisional": True})])
    assert f"(question {good.number})" in checked.split("commendable")[1].split(".")[0]
    assert "commendable" not in unchecked or f"(question {good.number})" not in unchecked.split("commendable")[1].split(".")[0]
    assert f"The grade for question {good.number} is provisional" in unchecked


def test_the_settings_banner_names_what_writes_the_drafts(settings):
    """'Now drafting with: the embedded local model' while every draft said 'Drafted by the assessment alone (no
    LLM)': the banner names the pipeline's real choice, and separately the model a rewrite would use."""
    auto = make_calls(settings, draft_mode="auto")
    banner = auto.settings.banner()
    assert banner.startswith("Drafts are written by: **the assessment alone (no LLM)**")
    assert auto.pipeline.drafting_mode() == "assessment"  # what every draft then says it was drafted by
    assert "The model, for a rewrite or model drafting where asked for: **the embedded local model" in banner
    assert "Now drafting with" not in banner
    llm = make_calls(settings, draft_mode="llm").settings.banner()
    assert llm.startswith("Drafts are written by: **the embedded local model (on this machine), on top of the assessment**")
    rewrite = make_calls(settings, draft_mode="llm-rewrite").settings.banner()
    assert rewrite.startswith("Drafts are written by: **the assessment, rewritten by the embedded local model")
