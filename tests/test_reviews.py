"""The review store: shared suggestions per backend with provenance, members' edits, consensus, the finalised letter,
the JSON workspaces of earlier versions, and several processes (killed ones too) writing one review."""

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from assistant.judging.drafting import worse
from assistant.models import Evidence, Grade, QuestionAssessment, QuestionDraft
from assistant.pipeline import Pipeline
from assistant.reading.documents import content_hash
from assistant.review.reviews import (
    REMARKS,
    OpenDisagreements,
    Provenance,
    ReviewError,
    ReviewFinalised,
    appendix,
    consensus,
    open_disagreements,
    prompts_hash,
    provenance,
)
from assistant.review.store import ReviewStore
from assistant.review.workspace import WorkspaceStore
from assistant.search.index import document_key
from assistant.settings import PROJECT_ROOT
from tests.fakes import FakeChatClient

from .conftest import SAMPLE_REPORT
from .test_ui import scripted

FRAMEWORK = "accountable-now-2022"


@pytest.fixture
def store(settings):
    return ReviewStore.for_settings(settings)


@pytest.fixture
def review(store):
    return store.open("doc1", FRAMEWORK, "June 2025", user="alice", source="r.pdf", member="Example", year=2024)


def draft(number: int, grade: Grade | None = Grade.PM, text: str = "", **extra) -> QuestionDraft:
    return QuestionDraft(number=number, title=f"Question {number}", commentary=text or f"Suggested text {number}.",
                         suggested_grade=grade, **extra)


def prov(backend: str) -> Provenance:
    return Provenance(backend=backend, model=backend.split()[0])


def test_pipeline_drafts_into_the_review_per_backend_with_provenance(settings):
    first = FakeChatClient(default=scripted)
    first.description = "small at http://a/v1"
    second = FakeChatClient(default=lambda m: scripted(m) | ({"grade": "NM"} if "Grade key" in m[-1]["content"] else {}))
    second.description = "large at http://b/v1"
    pipeline = Pipeline(settings.model_copy(update={"draft_mode": "llm"}), client=first)
    report = pipeline.ingest(SAMPLE_REPORT)
    review = pipeline.review_for(report, "June 2025", user="alice")

    landed = []
    pipeline.draft(review, [3], user="alice", on_draft=landed.append)
    pipeline.draft(review, [3], client=second, user="bob")
    assert pipeline.client is first  # the client was passed per call, not swapped in

    review = pipeline.reviews.get(review.id)
    assert set(review.backends) == {"small at http://a/v1", "large at http://b/v1"}
    rubric = landed[0].rubric_grade
    assert review.suggestion(3, "small at http://a/v1").draft.suggested_grade == worse(Grade.PM, rubric)
    assert review.suggestion(3, "large at http://b/v1").draft.suggested_grade == Grade.NM
    suggestion = review.suggestion(3, "small at http://a/v1")
    assert suggestion.draft == landed[0]
    chunk_ids = {c.id for c in pipeline.index.chunks(doc_id=report.doc_id)}
    assert suggestion.provenance.passages and set(suggestion.provenance.passages) <= chunk_ids
    assert suggestion.provenance.passages == landed[0].assessment.passages
    assert suggestion.provenance.prompts_hash == prompts_hash(settings.prompts_dir)
    assert suggestion.provenance.settings["top_k"] == settings.top_k and "llm_api_key" not in suggestion.provenance.settings

    audit = [e for e in pipeline.reviews.history(review.id) if e.action == "suggest"]
    assert [(e.user, e.detail["backend"]) for e in audit] == [("alice", "small at http://a/v1"), ("bob", "large at http://b/v1")]
    assert audit[0].detail["passages"] == suggestion.provenance.passages and audit[0].detail["grade"] == suggestion.draft.suggested_grade.value


def test_provenance_prefers_the_assessments_passages_and_hashes_every_prompt(settings, tmp_path):
    with_evidence = draft(1, evidence=[Evidence(quote="q", chunk_id="c1"), Evidence(quote="r", chunk_id="c2"),
                                       Evidence(quote="s", chunk_id="c1")])
    assert provenance(with_evidence, settings, "b").passages == ["c1", "c2"]
    assessed = with_evidence.model_copy(update={"assessment": QuestionAssessment(number=1, passages=["a", "b", "c"])})
    assert provenance(assessed, settings, "b").passages == ["a", "b", "c"]

    prompts = tmp_path / "prompts"
    (prompts / "sub").mkdir(parents=True)
    (prompts / "system.md").write_text("You are careful.")
    (prompts / "sub" / "grade.md").write_text("Grade it.")
    before = prompts_hash(prompts)
    (prompts / "sub" / "grade.md").write_text("Grade it strictly.")
    assert prompts_hash(prompts) != before


def test_edits_merge_and_a_regeneration_archives_only_the_asking_members_edit(store, review):
    store.save_suggestion(review.id, draft(2), prov("small"))
    store.save_edit(review.id, "alice", 2, commentary="Alice's words.")
    store.save_edit(review.id, "alice", 2, grade="PS", points={"Number of complaints": "missing"})
    store.save_edit(review.id, "alice", 2, points={"Types of complaints": "partly"}, leave_out=False)
    store.save_edit(review.id, "bob", 2, commentary="Bob's words.", grade=Grade.FM)
    edit = store.get(review.id).edit("alice", 2)
    assert (edit.commentary, edit.grade) == ("Alice's words.", Grade.PS)
    assert edit.points == {"Number of complaints": "missing", "Types of complaints": "partly"}

    store.save_suggestion(review.id, draft(2, text="Regenerated."), prov("small"), user="alice", archive_edit_of="alice")
    current = store.get(review.id)
    assert current.edit("alice", 2) is None and current.commentary(2, "alice") == "Regenerated."
    assert current.edit("bob", 2).commentary == "Bob's words."
    assert [a.edit.commentary for a in current.archived] == ["Alice's words."]
    assert current.archived[0].edit.points["Types of complaints"] == "partly"
    assert set(current.members) == {"alice", "bob"}
    actions = [(e.user, e.action) for e in store.history(review.id)]
    assert ("alice", "archive") in actions and actions.count(("alice", "edit")) == 3


def test_consensus_shows_each_grade_and_flags_disagreement(store, review):
    store.save_suggestion(review.id, draft(1, Grade.PM, rubric_grade=Grade.PS), prov("small"))
    store.save_suggestion(review.id, draft(1, Grade.FM), prov("large"))
    store.save_suggestion(review.id, draft(2, Grade.PM), prov("small"))
    store.save_suggestion(review.id, draft(3, Grade.PM), prov("small"))
    store.set_lead(review.id, "alice")
    store.add_member(review.id, "bob")
    store.save_edit(review.id, "alice", 1, grade="PM")
    store.save_edit(review.id, "bob", 1, grade="PS")
    store.save_edit(review.id, "alice", 2, grade="PM")
    store.save_edit(review.id, "bob", 3, grade="NM")
    store.comment(review.id, "bob", 1, "I read the complaints section as thinner.")

    views = {v.number: v for v in consensus(store.get(review.id))}
    one = views[1]
    assert one.members == {"alice": Grade.PM, "bob": Grade.PS}
    assert one.assistant == {"small": Grade.PM, "large": Grade.FM} and one.rubric == Grade.PS
    assert one.disagreement and [c.text for c in one.comments] == ["I read the complaints section as thinner."]
    assert views[2].members == {"alice": Grade.PM, "bob": None} and not views[2].disagreement
    assert views[3].disagreement  # one member, but a grade no backend suggested


def test_membership_is_granted_by_the_lead_or_an_admin(store):
    review = store.open("doc", FRAMEWORK, user="alice", lead_if_none=True)  # the uploader leads a new review
    assert review.lead == "alice" and review.members == ["alice"]
    assert store.open("doc", FRAMEWORK, user="bob", lead_if_none=True).lead == "alice"  # joins, never takes it
    history = store.history(review.id)
    with pytest.raises(ReviewError, match=r"only the lead \(alice\) can add members"):
        store.add_member(review.id, "carol", by="bob")
    with pytest.raises(ReviewError, match="alice leads this review"):
        store.set_lead(review.id, "bob", only_if_free=True)
    assert store.history(review.id) == history and store.get(review.id).lead == "alice"  # refused: nothing saved
    assert not store.may_see(review.id, "carol") and store.list(visible_to="carol") == []
    store.add_member(review.id, "carol", by="bob", admin=True)
    assert store.may_see(review.id, "carol") and [r.id for r in store.list(visible_to="carol")] == [review.id]
    assert ("bob", "add-member") in [(e.user, e.action) for e in store.history(review.id)]
    other = store.open("other", FRAMEWORK, "june")
    assert not store.may_see(other.id, "dave")
    with store.write() as db:
        db.execute("INSERT INTO rounds (name, framework_id, created_at) VALUES ('june', ?, '')", (FRAMEWORK,))
        db.execute("INSERT INTO round_members (round, user, added_at) VALUES ('june', 'dave', '')")
    assert store.may_see(other.id, "dave") and not store.may_see(review.id, "dave")  # on the round: its reviews only


def test_finalised_letter_is_read_only_and_versioned(store, review):
    store.save_suggestion(review.id, draft(0, None, "On the statement.", graded=False), prov("small"))
    for n in (1, 2):
        store.save_suggestion(review.id, draft(n), prov("small"))
    store.save_remarks(review.id, "small", "Dear team, a clear report.")
    store.add_member(review.id, "bob")
    with pytest.raises(ReviewError, match="no lead"):
        store.finalise(review.id, "alice")
    store.set_lead(review.id, "alice")
    store.save_edit(review.id, "alice", 2, commentary="The Panel's text.", grade="PS")
    store.save_edit(review.id, "bob", 1, commentary="Bob's text, not the lead's.")
    with pytest.raises(ReviewError, match="only the lead"):
        store.finalise(review.id, "bob")
    with pytest.raises(OpenDisagreements, match=r"Q2 \(alice PS, bob PM\)"):  # Bob's grade is the suggestion's
        store.finalise(review.id, "alice")
    store.decide(review.id, "alice", 2, "accept")  # the lead's own text and grade stand

    first = store.finalise(review.id, "alice")
    assert first.version == 1 and first.letter.overall_remarks == "Dear team, a clear report."
    assert first.letter.opening_statement == "On the statement."
    assert [(q.number, q.commentary, q.suggested_grade) for q in first.letter.questions] == [
        (1, "Suggested text 1.", Grade.PM), (2, "The Panel's text.", Grade.PS)]
    with pytest.raises(ReviewFinalised, match="finalised and read-only"):
        store.save_edit(review.id, "alice", 1, commentary="Too late.")
    with pytest.raises(ReviewFinalised):
        store.save_suggestion(review.id, draft(1), prov("small"))
    with pytest.raises(ReviewFinalised):
        store.finalise(review.id, "alice")
    store.comment(review.id, "bob", 2, "Agreed.")  # discussion goes on; the letter does not change

    with pytest.raises(ReviewError, match="only the lead"):
        store.reopen(review.id, "bob")
    store.reopen(review.id, "alice")
    store.save_edit(review.id, "alice", 1, leave_out=True)
    store.save_edit(review.id, "alice", REMARKS, commentary="Dear team, thank you.")
    second = store.finalise(review.id, "alice")
    current = store.get(review.id)
    assert second.version == 2 and current.status == "final"
    assert [f.version for f in current.letters] == [1, 2]
    assert [q.number for q in current.letters[0].letter.questions] == [1, 2]
    assert [q.number for q in second.letter.questions] == [2] and second.letter.overall_remarks == "Dear team, thank you."

    entries = {(e.number, e.backend): e for e in appendix(current)}
    assert entries[(2, "small")].final_commentary == "The Panel's text." and entries[(2, "small")].changed
    assert entries[(1, "small")].left_out and entries[(0, "small")].final_commentary == "On the statement."
    assert not entries[(0, "small")].changed
    assert appendix(current, version=1)[1].final_commentary == "Suggested text 1."


def test_the_lead_resolves_or_accepts_each_disagreement_before_finalising(store, review):
    store.save_suggestion(review.id, draft(1), prov("small"))
    store.save_suggestion(review.id, draft(2), prov("small"))
    store.set_lead(review.id, "alice")
    store.add_member(review.id, "bob")
    store.save_edit(review.id, "alice", 1, commentary="Alice on 1.", grade="PS")
    store.save_edit(review.id, "bob", 1, commentary="Bob on 1.", grade="FM")
    store.save_edit(review.id, "bob", 2, grade="NM")
    store.comment(review.id, "bob", 1, "Fully met, surely.")
    with pytest.raises(OpenDisagreements) as refused:
        store.finalise(review.id, "alice")
    assert [d.describe() for d in refused.value.disagreements] == ["Q1 (alice PS, bob FM; 1 comment)", "Q2 (alice PM, bob NM)"]
    history, edits = store.history(review.id), store.get(review.id).edits
    with pytest.raises(ReviewError, match="only the lead"):
        store.decide(review.id, "bob", 1, "accept")
    with pytest.raises(ReviewError, match="merged text"):
        store.decide(review.id, "alice", 1, "merge", commentary=" ")
    with pytest.raises(ReviewError, match="carol is not a member"):
        store.decide(review.id, "alice", 1, "member", member="carol", commentary="Carol's?")
    with pytest.raises(ReviewError, match="no decision"):
        store.decide(review.id, "alice", 1, "toss a coin")
    assert store.history(review.id) == history and store.get(review.id).edits == edits  # refused: nothing saved

    store.decide(review.id, "alice", 1, "merge", commentary="Alice and Bob on 1.", grade="PM")
    store.decide(review.id, "alice", 2, "accept")
    current = store.get(review.id)
    assert (current.edit("alice", 1).commentary, current.edit("alice", 1).grade) == ("Alice and Bob on 1.", Grade.PM)
    assert [(a.edit.user, a.edit.commentary, a.reason) for a in current.archived] == [
        ("alice", "Alice on 1.", "replaced by a merged text, by alice")]  # the lead's own text is kept
    assert open_disagreements(current) == [] and current.decisions[2].grades == {"alice": Grade.PM, "bob": Grade.NM}
    store.save_edit(review.id, "bob", 2, grade="PS")  # a grade the decision was not taken on: Q2 is open again
    with pytest.raises(OpenDisagreements, match=r"Q2 \(alice PM, bob PS; alice decided on other grades\)"):
        store.finalise(review.id, "alice")
    store.decide(review.id, "alice", 2, "member", member="bob", commentary="Bob on 2.", grade="PS")
    final = store.finalise(review.id, "alice")
    assert [(q.number, q.commentary, q.suggested_grade) for q in final.letter.questions] == [
        (1, "Alice and Bob on 1.", Grade.PM), (2, "Bob on 2.", Grade.PS)]
    log = store.history(review.id)
    assert [(e.user, e.number, e.detail["kind"], e.detail["member"]) for e in log if e.action == "decide"] == [
        ("alice", 1, "merge", ""), ("alice", 2, "accept", ""), ("alice", 2, "member", "bob")]
    assert next(e for e in log if e.action == "finalise").detail["decisions"] == {
        "1": "a merged text (PM), decided by alice", "2": "bob's text (PS), decided by alice"}
    with pytest.raises(ReviewFinalised):
        store.decide(review.id, "alice", 1, "accept")


def test_every_suggestion_and_archived_text_is_listed_and_one_restored(store, review):
    store.save_suggestion(review.id, draft(2, text="First draft."), prov("small"))
    store.save_suggestion(review.id, draft(2, Grade.NM, text="Large's draft."), prov("large at http://b/v1"))
    store.save_edit(review.id, "alice", 2, commentary="Alice's words.", grade="PS")
    store.save_suggestion(review.id, draft(2, text="Second draft."), prov("small"), user="alice", archive_edit_of="alice")
    store.save_edit(review.id, "bob", 2, commentary="Bob's words.")
    store.archive_edit(review.id, "bob", 2)
    texts = store.earlier_texts(review.id, "alice", 2)
    assert [(t.kind, t.commentary, t.current) for t in texts] == [
        ("suggestion", "Second draft.", True), ("suggestion", "Large's draft.", True),
        ("edit", "Alice's words.", False), ("suggestion", "First draft.", False)]  # newest first; never Bob's
    assert texts[3].set_aside_at == texts[0].written_at and texts[1].model == "large" and texts[1].grade == Grade.NM
    assert texts[2].reason == "regenerated by small" and texts[2].source == "alice's text, set aside (regenerated by small)"
    assert store.earlier_texts(review.id, "alice", 3) == [] and len(store.earlier_texts(review.id, "alice")) == 4

    edit, _ = store.restore_earlier(review.id, "alice", texts[2].id)  # her words, set aside by the regeneration
    assert (edit.commentary, edit.grade) == ("Alice's words.", Grade.PS)
    store.save_edit(review.id, "alice", 2, commentary="Typed after.", points={"Number of complaints": "missing"})
    edit, _ = store.restore_earlier(review.id, "alice", texts[3].id)  # the first draft
    assert (edit.commentary, edit.grade, edit.points) == ("First draft.", Grade.PM, {"Number of complaints": "missing"})
    archived = [t.commentary for t in store.earlier_texts(review.id, "alice", 2) if t.kind == "edit"]
    assert archived == ["Typed after.", "Alice's words."]  # the text each restore replaced, archived first
    history = store.history(review.id)
    assert [e.detail["from"] for e in history if e.action == "restore"] == [texts[2].id, texts[3].id]
    bobs = next(t for t in store.earlier_texts(review.id, "bob", 2) if t.kind == "edit")
    with pytest.raises(ReviewError, match=f"no earlier text {bobs.id} in alice's archive"):
        store.restore_earlier(review.id, "alice", bobs.id)
    with pytest.raises(ReviewError, match="its id is e<n>"):
        store.restore_earlier(review.id, "alice", "x9")
    assert store.history(review.id) == history  # refused: nothing saved
    store.set_lead(review.id, "alice")
    store.finalise(review.id, "alice")
    with pytest.raises(ReviewFinalised):
        store.restore_earlier(review.id, "alice", texts[0].id)


def test_json_workspaces_are_migrated_on_first_start_and_nothing_is_lost(settings):
    legacy = WorkspaceStore(settings.data_dir / "workspaces")
    defaults = {"source": "r.md", "member": "Example", "year": 2023, "framework_id": FRAMEWORK}
    legacy.open("alice", "doc9", **defaults)
    legacy.save_suggestion("alice", "doc9", draft(2, evidence=[Evidence(quote="q", chunk_id="doc9-3")]))
    legacy.save_suggestion("alice", "doc9", draft(3))
    legacy.save_edit("alice", "doc9", 3, commentary="My first take.")
    legacy.replace_suggestion("alice", "doc9", draft(3, text="Regenerated."))
    legacy.save_edit("alice", "doc9", 2, commentary="Alice on 2.", grade=Grade.PS)
    legacy.save_opening("alice", "doc9", "Suggested opening.")
    legacy.save_opening_edit("alice", "doc9", "Alice's opening.")
    legacy.open("bob", "doc9", **defaults)
    legacy.save_suggestion("bob", "doc9", draft(2, Grade.FM))
    legacy.save_edit("bob", "doc9", 2, grade=Grade.NM)
    broken = legacy._path("bob", "doc9").parent / "broken.json"
    broken.write_text("{not json")
    before = {p: p.read_bytes() for p in (settings.data_dir / "workspaces").rglob("*.json")}

    store = ReviewStore.for_settings(settings)
    review = store.find("doc9", FRAMEWORK)
    assert review is not None and set(review.members) == {"alice", "bob"} and review.member == "Example"
    assert review.suggestion(2, "workspace:alice").provenance.passages == ["doc9-3"]
    assert review.suggestion(2, "workspace:bob").draft.suggested_grade == Grade.FM
    assert review.commentary(2, "alice") == "Alice on 2." and review.grade(2, "alice") == Grade.PS
    assert review.grade(2, "bob", "workspace:bob") == Grade.NM
    assert review.commentary(3, "alice", "workspace:alice") == "Regenerated."
    assert [a.edit.commentary for a in review.archived] == ["My first take."]
    assert review.remarks["workspace:alice"] == "Suggested opening."
    assert review.letter("alice", "workspace:alice").overall_remarks == "Alice's opening."
    assert {p: p.read_bytes() for p in (settings.data_dir / "workspaces").rglob("*.json")} == before  # files kept

    again = ReviewStore.for_settings(settings)  # a second start imports nothing twice
    assert again.get(review.id).archived == review.archived and len(again.list()) == 1
    assert again.import_workspaces(settings.data_dir / "workspaces")[0].startswith(str(broken))


def test_schema_is_versioned_and_a_newer_database_is_refused(settings, store, review):
    store.save_suggestion(review.id, draft(2, Grade.PS, "Drafted before the history was kept."), prov("small"))
    path = settings.data_dir / "reviews.sqlite3"
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 5  # 3: round members; 4: verify's evidence; 5: decisions, history
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        for table in ("round_members", "decisions", "suggestion_history"):  # a database of version 2
            db.execute(f"DROP TABLE {table}")
        db.execute("ALTER TABLE edits DROP COLUMN evidence")
        db.execute("PRAGMA user_version = 2")
    ReviewStore(path)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 5
        assert db.execute("SELECT COUNT(*) FROM round_members").fetchone()[0] == 0
        assert "evidence" in [row[1] for row in db.execute("PRAGMA table_info(edits)")]
    earlier = ReviewStore(path).earlier_texts(review.id, "alice", 2)  # the suggestions already made are kept
    assert [(t.commentary, t.grade, t.backend, t.current) for t in earlier] == [
        ("Drafted before the history was kept.", Grade.PS, "small", True)]
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(ReviewError, match="newer Panel Assistant"):
        ReviewStore(path)


def test_constructing_a_pipeline_does_no_io(settings, monkeypatch):
    import assistant.pipeline as pipeline_module

    def refuse(*args, **kwargs):
        raise AssertionError("I/O in Pipeline()")

    for name in ("Index", "ingest_corpus", "load_framework", "load_letters", "ReviewStore"):
        monkeypatch.setattr(pipeline_module, name, refuse)
    Pipeline(settings)
    assert not (settings.data_dir / "reviews.sqlite3").exists() and not (settings.data_dir / "chroma").exists()


# Several processes


WRITER = """
import sys
from assistant.review.store import ReviewStore
store = ReviewStore(sys.argv[1])
review_id, user, count = int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
for k in range(count):
    store.save_edit(review_id, user, k % 6, commentary=f"{user} {k}", grade=["FM", "PM", "PS", "NM"][k % 4])
    print(k, flush=True)  # acknowledged: the transaction has committed
"""


def writer(path, review_id: int, user: str, count: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(review_id), user, str(count)],
                            cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)


def assert_every_acknowledged_edit_kept(store, review_id: int, user: str, acknowledged: list[int]) -> None:
    review = store.get(review_id)
    logged = {e.detail["commentary"] for e in store.history(review_id) if e.action == "edit" and e.user == user}
    assert {f"{user} {k}" for k in acknowledged} <= logged
    for number in range(6):
        last = max((k for k in acknowledged if k % 6 == number), default=None)
        if last is not None:  # the stored edit is the last acknowledged one, or the one in flight when it died
            stored = int(review.edit(user, number).commentary.split()[1])
            assert stored >= last and stored % 6 == number


def test_two_processes_and_the_cli_write_one_review_and_no_edit_is_lost(settings, store, tmp_path):
    from .fake_openai import FakeOpenAIServer

    review = store.open(document_key(content_hash(SAMPLE_REPORT.read_bytes()), FRAMEWORK), FRAMEWORK, "June 2025")
    llm = FakeOpenAIServer(lambda body: json.dumps(scripted(body["messages"])))
    env = os.environ | {"PANEL_DATA_DIR": str(settings.data_dir), "PANEL_LLM_BASE_URL": llm.url, "PANEL_LLM_MODEL": "tiny"}
    try:
        cli = subprocess.Popen(
            [sys.executable, "-m", "assistant.cli", "draft", str(SAMPLE_REPORT), "--round", "June 2025", "--user", "carol",
             "--question", "1", "--question", "3", "--out", str(tmp_path / "letter.md")],
            cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        # The members write for as long as the CLI drafts, then stop (killed) wherever they are.
        writers = {user: writer(store.path, review.id, user, 1_000_000) for user in ("alice", "bob")}
        out, err = cli.communicate(timeout=300)
        assert cli.returncode == 0, err
        acknowledged = {}
        for user, process in writers.items():
            process.kill()
            acknowledged[user] = [int(line) for line in process.communicate(timeout=60)[0].split()]
    finally:
        llm.close()
    assert all(len(acks) > 50 for acks in acknowledged.values())
    suggested_at = [e.at for e in store.history(review.id) if e.action == "suggest"]
    edited_at = [e.at for e in store.history(review.id) if e.action == "edit"]
    assert min(edited_at) < min(suggested_at) < max(suggested_at) < max(edited_at)  # the writes interleaved
    for user, acks in acknowledged.items():
        assert_every_acknowledged_edit_kept(store, review.id, user, acks)
    final = store.get(review.id)
    assert sorted(final.suggestions["tiny at " + llm.url]) == [1, 3] and "carol" in final.members
    assert final.suggestion(3).provenance.model == "tiny" and final.suggestion(3).provenance.passages
    assert "saved to the review" in err and (tmp_path / "letter.md").exists()


def test_a_writer_killed_mid_write_loses_no_acknowledged_edit(store, review):
    rng = random.Random(7)
    acknowledged = {}
    for round_ in range(5):
        user = f"member{round_}"
        process = writer(store.path, review.id, user, 100_000)
        acks = [int(process.stdout.readline())]  # it is writing
        time.sleep(rng.uniform(0.05, 0.6))
        os.kill(process.pid, signal.SIGKILL)
        acks += [int(line) for line in process.stdout.read().split()]
        assert process.wait() == -signal.SIGKILL  # killed while still writing
        acknowledged[user] = acks
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    reopened = ReviewStore(store.path)
    for user, acks in acknowledged.items():
        assert_every_acknowledged_edit_kept(reopened, review.id, user, acks)
