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
