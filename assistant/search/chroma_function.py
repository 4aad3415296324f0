"""The embedding model as Chroma's embedding function. Chroma's own default would try to download its model, so ours
is registered under its own name: a reopened collection rebuilds it from config rather than falling back to the
downloading one. Imported by Index when it opens the store (so Chroma is imported then, not when the app starts)."""

from __future__ import annotations

from pathlib import Path

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

from .embeddings import get_embedder


@register_embedding_function
class MiniLMOnnx(EmbeddingFunction[Documents]):
    def __init__(self, cache_dir: str, batch_size: int = 16):
        self.cache_dir = cache_dir
        self.batch_size = batch_size

    def __call__(self, input: Documents) -> Embeddings:
        return list(get_embedder(Path(self.cache_dir), self.batch_size).embed(list(input)))

    @staticmethod
    def name() -> str:
        return "panel-assistant-minilm-onnx"

    def default_space(self) -> str:
        return "cosine"

    def get_config(self) -> dict:
        return {"cache_dir": self.cache_dir, "batch_size": self.batch_size}

    @staticmethod
    def build_from_config(config: dict) -> "MiniLMOnnx":
        return MiniLMOnnx(config["cache_dir"], config.get("batch_size", 16))
