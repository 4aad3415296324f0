"""The workspace with login on (PANEL_AUTH="alice:secret,bob:other", PANEL_ADMINS=alice): who may change the
backend and to where, whose exports are served to whom, and which names may reach outside the data directory."""

from types import SimpleNamespace

import httpx
import pytest

from assistant.review.workspace import WorkspaceStore, user_folder
from assistant.web.state import SERVER

from .conftest import SAMPLE_REPORT, app_process
from .fake_openai import FakeOpenAIServer
from .test_ui import ALICE, BOB, calls, ingest, make_calls  # noqa: F401 (calls: a fixture)

AUTH = {"auth": "alice:secret,bob:other", "admins": "alice"}


@pytest.fixture
def auth_calls(settings):
    return make_calls(settings.model_copy(update=AUTH))


@pytest.fixture
def good_server():
    server = FakeOpenAIServer(lambda body: "{}")
    yield server
    server.close()


def test_only_admins_change_the_backend_and_only_to_allowed_urls(auth_calls, good_server):
    before = auth_calls.pipeline.client
    # Bob may neither probe a server (a port scan by another name) nor switch everyone's drafting to it.
    assert "only panel admins" in auth_calls.settings.test_connection(SERVER, good_server.url, "tiny", "", "json_schema", BOB)
    status, banner, _ = auth_calls.settings.apply_backend(SERVER, good_server.url, "tiny", "", "json_schema", True, BOB)
    assert "only panel admins" in status and auth_calls.pipeline.client is before
    assert "embedded" in banner and "Only panel admins" in banner
    assert all(not update["interactive"] for update in auth_calls.settings.settings_form(BOB)[1:])
    # Alice is an admin, but a host off the allowlist is refused, confirmed or not, and never contacted.
    for url in ("http://10.20.30.40:8000/v1", "http://127.0.0.1.evil.example/v1", "file:///etc/passwd"):
        assert "allowlist" in auth_calls.settings.test_connection(SERVER, url, "m", "", "json_schema", ALICE)
        assert "allowlist" in auth_calls.settings.apply_backend(SERVER, url, "m", "", "json_schema", True, ALICE)[0]
    assert auth_calls.pipeline.client is before
    status, banner, _ = auth_calls.settings.apply_backend(SERVER, good_server.url, "tiny", "", "json_schema", False, ALICE)
    assert status.startswith("Applied") and good_server.url in banner and "every user" in banner


def test_the_allowlist_setting_replaces_loopback(settings, good_server):
    calls = make_calls(settings.model_copy(update=AUTH | {"backend_allowlist": "https://llm.example.org/v1,gpu-box"}))
    assert calls.settings.url_allowed("https://llm.example.org/v1") and calls.settings.url_allowed("http://gpu-box:8000/v1")
    assert not calls.settings.url_allowed("https://llm.example.org/other") and not calls.settings.url_allowed(good_server.url)


def test_a_member_name_cannot_steer_the_export_outside_the_user_folder(calls, settings, tmp_path):
    target = tmp_path / "x"
    member = "../" * 30 + str(target).lstrip("/") + "/ESCAPED"
    _, doc_id, _ = ingest(calls, SAMPLE_REPORT, member=member)
    status = calls.export.export(doc_id, ALICE)[0]
    assert status.startswith("Letter built") and not target.exists()
    own = (settings.data_dir / "exports" / user_folder("alice")).resolve()
    written = [p for p in (settings.data_dir / "exports").rglob("*") if p.is_file()]
    assert len(written) == 2 and all(p.resolve().parent == own for p in written)


def test_user_names_map_to_distinct_folders_inside_the_root(tmp_path):
    root = tmp_path / "workspaces"
    store = WorkspaceStore(root)
    for bad in ("..", ".", ""):
        with pytest.raises(ValueError):
            store.save_edit(bad, "doc", 1, commentary="x")
    store.save_edit("a/b", "doc", 1, commentary="from a/b")
    store.save_edit("a_b", "doc", 1, commentary="from a_b")
    assert store.load("a/b", "doc").edits[1].commentary == "from a/b"
    assert store.load("a_b", "doc").edits[1].commentary == "from a_b"
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) == 2 and all(p.resolve().is_relative_to(root.resolve()) for p in files)


def test_workspaces_saved_under_the_old_folder_names_are_kept(tmp_path):
    root = tmp_path / "workspaces"
    WorkspaceStore(root).save_edit("alice", "doc", 1, commentary="before the upgrade")
    (root / user_folder("alice")).rename(root / "alice")  # where earlier versions kept it
    assert WorkspaceStore(root).load("alice", "doc").edits[1].commentary == "before the upgrade"


@pytest.fixture
def auth_app(tmp_path, settings):
    """`python app.py` with login on, on a free loopback port."""
    with app_process(settings, tmp_path / "app.log", PANEL_AUTH=AUTH["auth"], PANEL_ADMINS=AUTH["admins"]) as url:
        yield url


def test_bob_cannot_fetch_alices_export(auth_app, settings):
    from gradio_client import Client, handle_file

    alice = Client(auth_app, auth=("alice", "secret"), verbose=False)
    alice.predict(handle_file(str(SAMPLE_REPORT)), "", "", api_name="/ingest")
    status, _, md_copy = alice.predict(api_name="/export")
    md_copy = md_copy["value"] if isinstance(md_copy, dict) else md_copy  # a button update carries the file
    assert status.startswith("Letter built") and open(md_copy).read().startswith("# ")  # Alice gets her letter
    on_disk = [p for p in (settings.data_dir / "exports").rglob("*") if p.is_file()]
    assert len(on_disk) == 2
    name = on_disk[0].name
    bob = httpx.Client(base_url=auth_app)
    assert bob.post("login", data={"username": "bob", "password": "other"}).status_code == 200
    # Every name Bob could predict: the files as saved, and the folder layout earlier versions used.
    guesses = on_disk + [settings.data_dir / "exports" / "alice" / name]
    for path in guesses:
        response = bob.get(f"gradio_api/file={path}")
        assert response.status_code in (403, 404), (path, response.status_code)


# Membership (security issue row 6): granted by the upload, the lead or an admin, never taken by opening.

CAROL = SimpleNamespace(username="carol")
PANEL = {"auth": "alice:secret,bob:other,carol:third", "admins": "carol"}


@pytest.fixture
def panel(settings):
    return make_calls(settings.model_copy(update=PANEL))


def choices(workspace, user: str) -> list[int]:
    return [value for _, value in workspace.page.report_choices(user)]


def test_a_member_sees_only_the_reviews_they_were_given(panel):
    _, review_id, _ = ingest(panel, SAMPLE_REPORT)  # Alice uploads: a member, and the lead
    assert panel.store.get(review_id).lead == "alice"
    list(panel.draft.draft_all(review_id, ALICE))
    panel.draft.save_grade(review_id, 2, "NM", ALICE)
    panel.panel.add_comment(review_id, 2, "A confidential comment by Alice.", ALICE)
    before, history = panel.store.get(review_id), panel.store.history(review_id)

    # Bob has no part in it: it is not listed, and every callback that takes its id treats it as no review.
    assert review_id not in choices(panel, "bob")
    header, prescreen, remarks, *_ = panel.page.open_report(review_id, BOB)
    assert header == "No report open." and not prescreen and not remarks
    assert panel.page.restore(review_id, BOB)[0] is None  # a review id planted in the browser's storage
    assert panel.page.prescreen_view(review_id, BOB) == ""
    table, lead = panel.panel.panel_view(review_id, BOB)
    assert "No report open" in table and "confidential" not in table and lead == ""
    assert panel.panel.add_comment(review_id, 2, "Bob was here.", BOB)[0].startswith("Pick a question")
    assert panel.draft.save_commentary(review_id, 2, "Bob's text.", BOB)[0].startswith("Not saved")
    assert panel.draft.save_grade(review_id, 2, "FM", BOB)[0].startswith("Not saved")
    assert panel.draft.save_opening(review_id, "Bob's opening.", BOB).startswith("Not saved")
    assert panel.draft.save_status(review_id, 2, "any point", "missing", BOB)[0].startswith("Not saved")
    assert panel.draft.point_status(review_id, 3, "any point", BOB) is None
    assert panel.draft.show_context(review_id, 3, "0", BOB)[0] == ""
    assert panel.export.export(review_id, BOB)[0] == "Open a report first."
    assert next(panel.draft.draft_all(review_id, BOB))[0] == "Open a report first."
    assert next(panel.draft.regenerate(review_id, 3, True, BOB))[1] == "Open a report first."
    for action in (panel.panel.take_lead, panel.panel.finalise, panel.panel.reopen):
        assert action(review_id, BOB)[0] == "Open a report first."
    assert panel.panel.add_member(review_id, "bob", BOB)[0] == "Open a report first."
    assert panel.panel.decide(review_id, 2, "accept", "", None, BOB)[0] == "Open a report first."
    assert panel.panel.decision_form(review_id, 2, BOB)[1] == ""  # no member's text shown
    assert panel.draft.archive_list(review_id, 2, BOB)[1]["choices"] == [] and not panel.draft.archive_text(review_id, 2, "s2", BOB)
    assert panel.draft.restore_text(review_id, 2, "s2", BOB)[0] == "Open a report first."
    after = panel.store.get(review_id)
    assert after.members == before.members == ["alice"] and after.comments == before.comments
    assert after.edits == before.edits and panel.store.history(review_id) == history  # nothing Bob did was saved

    # The lead adds Bob: now he sees it, the panel's comments included, but may not add others himself.
    assert panel.panel.add_member(review_id, "mallory", ALICE)[0].startswith("No user 'mallory'")
    status, box, table, _ = panel.panel.add_member(review_id, "bob", ALICE)
    assert status.startswith("bob is a member") and box == "" and "bob" in table
    assert review_id in choices(panel, "bob") and "A confidential comment by Alice." in panel.panel.panel_view(review_id, BOB)[0]
    assert panel.page.open_report(review_id, BOB)[0].startswith("**Example Relief Network**")
    assert "only the lead (alice)" in panel.panel.add_member(review_id, "carol", BOB)[0]
    # An admin sees every review and may add members to any.
    assert review_id in choices(panel, "carol")
    assert panel.panel.add_member(review_id, "carol", CAROL)[0].startswith("carol is a member")
    assert [e.action for e in panel.store.history(review_id)[len(history):]].count("add-member") == 2


def test_a_rounds_reviews_are_seen_by_those_on_it_and_only_admins_draft_it(panel):
    rounds = panel.round.round_worker.rounds
    rounds.create("june")
    [report] = rounds.add("june", [SAMPLE_REPORT])
    review_id = report.review_id
    # Bob is not on the round: he does not see its review, its table, or draft its 6 questions.
    assert review_id not in choices(panel, "bob")
    assert panel.page.open_report(review_id, BOB)[0] == "No report open."
    assert panel.round.start_round("june", BOB)[0].startswith("Not drafted: only panel admins")
    assert rounds.progress("june") == {"pending": 0, "running": 0, "done": 0, "failed": 0}
    assert panel.round.round_choices(BOB)["choices"] == []
    assert panel.round.round_view("june", 1, BOB)[0].startswith("Error: you are not on this round")
    assert panel.round.add_round_member("june", "bob", BOB)[0].startswith("Not added: only panel admins")
    assert rounds.get("june").members == []

    # Carol (an admin) puts Bob on it: he sees the round and its review, and may work on it, not draft the round.
    assert panel.round.add_round_member("june", "mallory", CAROL)[0].startswith("No user 'mallory'")
    assert panel.round.add_round_member("june", "bob", CAROL)[0].startswith("On round june now: bob")
    assert review_id in choices(panel, "bob") and panel.round.round_choices(BOB)["choices"] == ["june"]
    assert panel.page.open_report(review_id, BOB)[0].startswith("**Example Relief Network**")
    assert "| 3 | answered |" in panel.round.round_view("june", 1, BOB)[0]
    assert panel.draft.save_commentary(review_id, 2, "Bob's text.", BOB)[0].startswith("Saved")
    assert panel.round.start_round("june", BOB)[0].startswith("Not drafted")
    assert rounds.progress("june")["pending"] == 0
    # Alice is on no round: still nothing of it.
    assert review_id not in choices(panel, "alice") and panel.round.round_choices(ALICE)["choices"] == []
