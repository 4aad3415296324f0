import json

import pytest

from assistant.cli import main
from assistant.settings import Settings

from .conftest import REAL_LETTER, SAMPLE_REPORT


def test_parse_letter_json(capsys):
    assert main(["parse-letter", str(REAL_LETTER), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(q["number"], q["grade"]) for q in data["questions"]] == [
        (1, "FM"), (2, "PM"), (3, "PS"), (4, "PM"), (5, "PM"),
    ]
    assert all(q["commentary"] for q in data["questions"])


def test_ingest_then_search(monkeypatch, settings, tmp_path, capsys):
    monkeypatch.setenv("PANEL_DATA_DIR", str(settings.data_dir))
    from assistant.settings import get_settings

    get_settings.cache_clear()
    try:
        assert main(["ingest", str(SAMPLE_REPORT), "--json"]) == 0
        assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["chunks"] > 0
        assert main(["search", "complaints hotline", "--question", "3", "--json"]) == 0
        hits = json.loads(capsys.readouterr().out)
        assert hits[0]["chunk"]["question"] == 3
        assert main(["ingest", str(tmp_path / "missing.docx")]) == 1
        assert "no such file" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()


def test_presets_fill_in_and_explicit_values_win(monkeypatch):
    monkeypatch.setenv("PANEL_PRESET", "ollama")
    monkeypatch.setenv("PANEL_LLM_MODEL", "qwen2.5")
    settings = Settings()
    assert settings.llm_base_url == "http://127.0.0.1:11434/v1"
    assert settings.llm_model == "qwen2.5"
    assert not settings.uses_embedded_model


def test_default_is_embedded_and_local(monkeypatch):
    for key in ("PANEL_PRESET", "PANEL_LLM_BASE_URL"):
        monkeypatch.delenv(key, raising=False)
    assert Settings().uses_embedded_model


def test_unknown_preset_is_refused():
    with pytest.raises(ValueError, match="unknown preset"):
        Settings(preset="nonsense")


def test_gradio_variables_apply_and_panel_variables_win(monkeypatch):
    monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
    monkeypatch.setenv("GRADIO_SERVER_PORT", "9000")
    monkeypatch.setenv("PANEL_ROOT_PATH", "/panel")
    settings = Settings()
    assert (settings.host, settings.port, settings.root_path) == ("0.0.0.0", 9000, "/panel")
    monkeypatch.setenv("PANEL_PORT", "7000")
    assert Settings().port == 7000
    assert Settings(host="127.0.0.1").host == "127.0.0.1"


def test_data_dir_is_the_clone_s_or_the_platform_s_and_the_variable_wins(monkeypatch, tmp_path):
    from assistant import settings as settings_module

    monkeypatch.delenv("PANEL_DATA_DIR", raising=False)
    monkeypatch.setattr(settings_module, "IN_CLONE", True)
    assert Settings().data_dir == settings_module.PROJECT_ROOT / "data"
    monkeypatch.setattr(settings_module, "IN_CLONE", False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert Settings().data_dir == tmp_path / "xdg" / "panel-assistant"
    monkeypatch.setenv("PANEL_DATA_DIR", str(tmp_path / "mine"))
    assert Settings().data_dir == tmp_path / "mine"


def test_an_installed_package_without_its_data_says_so(monkeypatch):
    from assistant import settings as settings_module

    monkeypatch.setattr(settings_module, "IN_SOURCE_TREE", False)  # as a wheel: no top-level folders to use
    with pytest.raises(RuntimeError, match="reinstall"):
        settings_module.bundled("corpus")  # the source tree's package has no bundled_corpus/ copy


def test_version_and_doctor(capsys, monkeypatch, settings):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.startswith("panel-assistant ")
    from assistant.doctor import diagnose

    report = diagnose(settings.model_copy(update={"llm_base_url": "http://127.0.0.1:9/v1", "llm_model": "m"}), timeout_s=1)
    assert report["llm_status"].startswith("error:") and "Connection" in report["llm_status"]
    assert report["index"].startswith("0 report chunks") and report["data_dir"] == str(settings.data_dir)
    assert diagnose(settings)["llm_status"].startswith("not started")  # the embedded model is not started by default


@pytest.fixture
def restore_logging():
    import logging

    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_logs_are_key_value_or_json_lines(capsys, restore_logging):
    import logging

    from assistant.logs import configure_logging

    configure_logging("INFO", "json")
    logging.getLogger("assistant.test").info("report indexed", extra={"chunks": 7})
    logging.getLogger("bm25s").info("library chatter")
    line = capsys.readouterr().err.strip().splitlines()
    assert len(line) == 1 and json.loads(line[0])["chunks"] == 7
    configure_logging("WARNING", "text")
    logging.getLogger("assistant.test").warning("slow backend", extra={"seconds": 3.5})
    assert 'msg="slow backend" seconds=3.5' in capsys.readouterr().err
    configure_logging("WARNING", "text")
    assert sum(getattr(h, "_panel_assistant", False) for h in logging.getLogger().handlers) == 1


def test_archive_lists_a_members_earlier_texts_and_restores_one(monkeypatch, settings, capsys):
    """`panel-assistant archive`: what the Draft tab's 'Earlier texts' shows, and a restore (the current text
    archived first), through the pipeline."""
    import re

    from assistant.models import Grade, QuestionDraft
    from assistant.review.reviews import Provenance
    from assistant.review.store import ReviewStore
    from assistant.settings import get_settings

    monkeypatch.setenv("PANEL_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    try:
        store = ReviewStore.for_settings(settings)
        review = store.open("doc1", "accountable-now-2022", user="alice", source="report.pdf")
        store.save_suggestion(review.id, QuestionDraft(number=2, title="Q2", commentary="The assistant's draft.",
                                                       suggested_grade=Grade.PM), Provenance(backend="small", model="s1"))
        store.save_edit(review.id, "alice", 2, commentary="Alice's first take.", grade="PS")
        store.archive_edit(review.id, "alice", 2, "regenerated")
        store.save_edit(review.id, "alice", 2, commentary="Alice's second take.")

        assert main(["archive", "report.pdf", "--user", "alice", "--question", "2"]) == 0
        out = capsys.readouterr().out
        listed = dict(re.findall(r"^Q2 ([es]\d+)  (.*)$", out, re.M))
        first = next(i for i, line in listed.items() if line.startswith("alice's text, set aside (regenerated)"))
        assert "grade PS" in listed[first] and "archived" in listed[first] and "UTC" in listed[first]
        assert "    Alice's first take." in out and "    The assistant's draft." in out and "model s1" in out
        assert main(["archive", str(review.id), "--user", "alice", "--restore", first]) == 0
        assert f"restored {first}" in capsys.readouterr().out
        assert store.get(review.id).edit("alice", 2).commentary == "Alice's first take."
        assert main(["archive", "report.pdf", "--user", "alice", "--json"]) == 0
        texts = json.loads(capsys.readouterr().out)
        assert "Alice's second take." in [t["commentary"] for t in texts if t["kind"] == "edit"]  # archived first
        restored = [e for e in store.history(review.id) if e.action == "restore"]
        assert [(e.user, e.detail["from"], e.detail["via"]) for e in restored] == [("alice", first, "cli")]

        assert main(["archive", "report.pdf", "--user", "bob", "--restore", first]) == 1
        assert "bob is not a member" in capsys.readouterr().err
        assert main(["archive", "elsewhere.pdf"]) == 1 and "no review of 'elsewhere.pdf'" in capsys.readouterr().err
        assert store.get(review.id).edit("alice", 2).commentary == "Alice's first take."  # refusals saved nothing
    finally:
        get_settings.cache_clear()
