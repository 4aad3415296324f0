"""The workspace's callbacks, driven directly with the fake chat client (the browser test drives the real page)."""

from types import SimpleNamespace

import docx
import pytest

from tests.fakes import FakeChatClient
from assistant.pipeline import Pipeline
from assistant.ui import WorkspaceCallbacks, parse_auth
from assistant.workspace import WorkspaceStore

from .conftest import SAMPLE_REPORT, make_pdf
from .test_drafting import draft_reply, grade_reply

ALICE, BOB = SimpleNamespace(username="alice"), SimpleNamespace(username="bob")


def scripted(messages):
    text = messages[-1]["content"]
    if "overall remarks" in text:
        return {"remarks": "A strong report overall."}
    if "Grade key" in text:
        return grade_reply()
    return draft_reply(evidence=[{"quote": "49 complaints were closed within 30 days", "passage": 1}])


def make_calls(settings) -> WorkspaceCallbacks:
    pipeline = Pipeline(settings, client=FakeChatClient(default=scripted))
    return WorkspaceCallbacks(pipeline, WorkspaceStore(settings.data_dir / "workspaces"))


@pytest.fixture
def calls(settings):
    return make_calls(settings)


def field(views: list, calls: WorkspaceCallbacks, number: int, index: int):
    """One of a question's seven view values (0 commentary, 1 grade, 2 suggestion, 3 evidence ...)."""
    return views[calls.numbers.index(number) * 7 + index]


def test_bad_upload_is_explained_not_raised(calls, tmp_path):
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    status, doc_id, _ = calls.ingest(str(empty), "", None, ALICE)
    assert status.startswith("Error:") and "empty" in status and doc_id is None
    assert calls.ingest(None, "", None, ALICE)[0] == "Choose a file first."


def test_draft_edit_reload_restart(calls, settings):
    status, doc_id, reports = calls.ingest(str(SAMPLE_REPORT), "", None, ALICE)
    assert status.startswith("Done:") and reports["value"] == doc_id
    *_, last = calls.draft_all(doc_id, ALICE)
    assert last[0] == "Done: all questions drafted." and last[-1] == "A strong report overall."
    views = last[1:-1]
    assert field(views, calls, 3, 1) == "PM" and "49 complaints were closed" in field(views, calls, 3, 3)

    calls.save_commentary(doc_id, 3.0, "The Panel's own words on complaints.", ALICE)
    calls.save_grade(doc_id, 3.0, "PS", ALICE)
    calls.save_opening(doc_id, "Edited opening.", ALICE)

    restarted = make_calls(settings)  # a server restart: new pipeline, same data directory
    page = restarted.restore(None, ALICE)
    assert page[0] == doc_id
    header, prescreen, opening, *views = page[2:]
    assert opening == "Edited opening." and "| 3 | answered |" in prescreen
    assert field(views, restarted, 3, 0) == "The Panel's own words on complaints."
    assert field(views, restarted, 3, 1) == "PS"
    suggestion = field(views, restarted, 3, 2)
    assert "Assistant's grade: PM" in suggestion and "You changed the text and grade" in suggestion
    assert "The report shares that 57 complaints" in suggestion  # the assistant's text is kept beside the edit


def test_regenerating_one_question_keeps_the_other_edits(calls):
    _, doc_id, _ = calls.ingest(str(SAMPLE_REPORT), "", None, ALICE)
    list(calls.draft_all(doc_id, ALICE))
    calls.save_commentary(doc_id, 2, "My edit of question 2.", ALICE)
    calls.save_commentary(doc_id, 3, "My edit of question 3.", ALICE)
    updates = list(calls.regenerate(doc_id, 3, ALICE))
    assert len(updates) >= 2  # streamed output, then the question's new view
    final = updates[-1]
    assert final[1].startswith("The report shares that 57 complaints")
    views = calls.open_report(doc_id, ALICE)[3:]
    assert field(views, calls, 2, 0) == "My edit of question 2."
    assert field(views, calls, 3, 0).startswith("The report shares")
    archived = calls.store.load("alice", doc_id).archived
    assert [(a.number, a.edit.commentary) for a in archived] == [(3, "My edit of question 3.")]


def test_two_users_do_not_see_or_overwrite_each_other(calls, tmp_path):
    _, alice_doc, _ = calls.ingest(str(SAMPLE_REPORT), "", None, ALICE)
    other = make_pdf(tmp_path / "other-org_2021.pdf", ["Question 3\nWe received 3 complaints about fraud and acted."])
    _, bob_doc, _ = calls.ingest(str(other), "", None, BOB)
    list(calls.draft_all(alice_doc, ALICE))
    calls.save_commentary(alice_doc, 1, "Alice's text", ALICE)
    assert [value for _, value in calls.report_choices("alice")] == [alice_doc]
    assert [value for _, value in calls.report_choices("bob")] == [bob_doc]
    assert calls.open_report(alice_doc, BOB)[0] == "No report open."
    calls.save_commentary(alice_doc, 1, "Bob's text", BOB)  # Bob's own copy, if he opens the same report
    assert field(calls.open_report(alice_doc, ALICE)[3:], calls, 1, 0) == "Alice's text"


def test_export_uses_the_edits(calls):
    _, doc_id, _ = calls.ingest(str(SAMPLE_REPORT), "", None, ALICE)
    list(calls.draft_all(doc_id, ALICE))
    calls.save_grade(doc_id, 5, "NM", ALICE)
    calls.save_commentary(doc_id, 5, "Edited commentary five.", ALICE)
    status, docx_path, md_path = calls.export(doc_id, ALICE)
    assert status.startswith("Letter built")
    texts = [p.text for p in docx.Document(docx_path).paragraphs]
    assert "Edited commentary five." in texts and "Grade: NM" in texts
    assert "**Grade: NM**" in open(md_path).read()


def test_evidence_in_context(calls):
    _, doc_id, _ = calls.ingest(str(SAMPLE_REPORT), "", None, ALICE)
    *_, last = calls.draft_all(doc_id, ALICE)
    picker = field(last[1:-1], calls, 3, 4)
    chunk_id = picker["choices"][0][1]
    context = calls.show_context(chunk_id)
    assert "section" not in context[:5] and "57 complaints" in context and "USD 5,000" in context


def test_backend_settings(calls):
    assert calls.test_connection("openai-compatible", "http://127.0.0.1:9/v1", "m", "", "json_schema").startswith("Error:")
    assert "Give the server URL" in calls.apply_backend("openai-compatible", "", "", "", "json_schema")
    assert calls.apply_backend("openai-compatible", "http://127.0.0.1:9/v1", "m", "", "json_schema").startswith("Done:")
    assert "127.0.0.1:9" in calls.pipeline.client.description


def test_auth_spec():
    assert parse_auth("") is None
    assert parse_auth("alice:s3cret, bob:pw:with:colons") == [("alice", "s3cret"), ("bob", "pw:with:colons")]


def test_a_failing_backend_loses_no_work(calls):
    from assistant.llm import LLMError

    _, doc_id, _ = calls.ingest(str(SAMPLE_REPORT), "", None, ALICE)
    list(calls.draft_all(doc_id, ALICE))
    calls.save_commentary(doc_id, 4, "Careful edit of question 4.", ALICE)
    calls.save_grade(doc_id, 4, "PS", ALICE)
    calls.pipeline.client.default = None
    calls.pipeline.client.enqueue(*[LLMError("HTTP 500 from the model server")] * 20)
    *_, last = calls.draft_all(doc_id, ALICE)
    views = last[1:-1]
    assert field(views, calls, 4, 0) == "Careful edit of question 4." and field(views, calls, 4, 1) == "PS"
    assert "by hand" in field(views, calls, 2, 2)  # the failed question is flagged for a human
    final = list(calls.regenerate(doc_id, 4, ALICE))[-1]
    assert final[1] == "Careful edit of question 4."  # a failed regeneration keeps the edit on screen and on disk
    assert calls.store.load("alice", doc_id).edits[4].commentary == "Careful edit of question 4."
