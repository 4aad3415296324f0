"""The workspace with login on (PANEL_AUTH="alice:secret,bob:other", PANEL_ADMINS=alice): who may change the
backend and to where, whose exports are served to whom, and which names may reach outside the data directory."""

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
