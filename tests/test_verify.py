"""Verify mode (web/verify_tab.py): the points to check one at a time in triage order; a check is the member's own
status; a sentence of the passage attached as evidence and a quote rejected are the member's, kept in the store;
a grade stops being provisional once its core points are checked."""

from .conftest import SAMPLE_REPORT
from .test_ui import ALICE, BOB, ingest, make_calls

POINTER, POINT, SENTENCES, QUOTES, PAGE, STATUS = range(6)


def drafted(settings):
    calls = make_calls(settings, draft_mode="assessment")
    _, review_id, _ = ingest(calls, SAMPLE_REPORT)
    list(calls.draft.draft_all(review_id, ALICE))
    return calls, review_id


def assessment(calls, review_id, number, user="alice"):
    return calls.pipeline.member_draft(calls.store.get(review_id), number, user).assessment


def test_verify_walks_the_grade_moving_points_first_and_saves_each_check(settings):
    calls, review_id = drafted(settings)
    view = calls.verify.start(review_id, ALICE)
    first = view[POINTER]
    assert first is not None and "Point 1 of" in view[POINT]
    a = assessment(calls, review_id, first["number"])
    assert a.grade_moving and first["guidance"] == a.grade_moving[0]  # a point that would move its grade comes first
    after = calls.verify.set_status(review_id, first, "addressed", ALICE)
    assert "checked" in after[STATUS] and after[POINTER] != first
    edit = calls.store.get(review_id).edit("alice", first["number"])
    assert edit.points == {first["guidance"]: "addressed"}  # saved as made, as alice's
    point = next(p for p in assessment(calls, review_id, first["number"]).points if p.guidance == first["guidance"])
    assert point.status == "addressed" and point.confidence == "sure" and point.edited_by == "alice"
    assert calls.store.get(review_id).edit("bob", first["number"]) is None  # bob's view is his own


def test_a_question_is_no_longer_provisional_once_its_core_points_are_checked(settings):
    calls, review_id = drafted(settings)
    assert assessment(calls, review_id, 1).provisional
    for point in [p for p in assessment(calls, review_id, 1).points if p.core]:
        calls.verify.set_status(review_id, {"number": 1, "guidance": point.guidance}, None, ALICE)  # 'done': it stands
    checked = assessment(calls, review_id, 1)
    assert not checked.provisional and all(p.confidence == "sure" for p in checked.points if p.core)
    assert assessment(calls, review_id, 1, "bob").provisional  # bob has checked nothing


def test_attach_a_sentence_and_reject_a_quote(settings):
    calls, review_id = drafted(settings)
    view = calls.verify.start(review_id, ALICE)
    pointer = view[POINTER]
    sentences = [s for s in view[SENTENCES]["choices"]]
    sentences = [s[0] if isinstance(s, (list, tuple)) else s for s in sentences]
    plain = next(s for s in sentences if not s.startswith("▶"))
    view = calls.verify.attach(review_id, pointer, plain, ALICE)
    assert view[POINTER] == pointer and "attached" in view[STATUS]
    point = next(p for p in assessment(calls, review_id, pointer["number"]).points if p.guidance == pointer["guidance"])
    assert plain in [e.quote for e in point.evidence]
    view = calls.verify.reject(review_id, pointer, plain, ALICE)
    point = next(p for p in assessment(calls, review_id, pointer["number"]).points if p.guidance == pointer["guidance"])
    assert plain not in [e.quote for e in point.evidence] and "rejected" in view[STATUS]
    stored = calls.store.get(review_id).edit("alice", pointer["number"]).evidence[pointer["guidance"]]
    assert stored == {"attached": [], "rejected": [plain]}


def test_the_panel_tab_counts_each_members_checks(settings):
    calls, review_id = drafted(settings)
    assert "Points checked" not in calls.panel.lead_md(calls.store.get(review_id), "alice")
    first = calls.verify.start(review_id, ALICE)[POINTER]
    calls.verify.set_status(review_id, first, "missing", ALICE)
    calls.verify.set_status(review_id, calls.verify.start(review_id, BOB)[POINTER], None, BOB)
    assert "**Points checked:** alice 1, bob 1" in calls.panel.lead_md(calls.store.get(review_id), "alice")
