"""The vector store: Chroma (on disk by default, a Chroma server by URL) plus a weighted BM25 signal.

Report chunks and past-letter passages live in separate collections. Retrieval fuses dense and lexical ranks with
weighted reciprocal-rank fusion: dense carries paraphrase, BM25 catches figures and acronyms, and BM25 gets the
smaller weight because equal weights were measured to hurt paraphrase recall.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from urllib.parse import urlparse

import bm25s
import chromadb
import numpy as np
import Stemmer
from chromadb.config import Settings as ChromaSettings

from .embeddings import MiniLMOnnx
from .models import Chunk, Hit
from .settings import Settings

REPORTS = "report_chunks"
LETTERS = "letter_passages"
_RRF_K = 60
_PAGE = 2000
_stemmer = Stemmer.Stemmer("english")
_THOUSANDS = re.compile(r"(?<=\d)[,.](?=\d{3}\b)")


def _tokenize(texts: list[str], return_ids: bool = True):
    """Keep figures whole ("5,000" and "5.000" both become "5000") and keep one-character tokens like "5"."""
    texts = [_THOUSANDS.sub("", text) for text in texts]
    return bm25s.tokenize(
        texts, token_pattern=r"(?u)\b\w+\b", stopwords="en", stemmer=_stemmer, show_progress=False, return_ids=return_ids
    )


def _metadata(chunk: Chunk) -> dict:
    data = chunk.model_dump(exclude={"id", "text"}, mode="json")
    return {key: value for key, value in data.items() if value is not None}  # Chroma stores no None


def _chunk(chunk_id: str, text: str, metadata: dict) -> Chunk:
    return Chunk(id=chunk_id, text=text, **metadata)


def _get_all(collection, where: dict | None = None, include: tuple[str, ...] = ("documents", "metadatas")) -> dict:
    """collection.get in pages: one call for a large collection exceeds SQLite's limit on query variables."""
    out: dict[str, list] = {"ids": [], "documents": [], "metadatas": []}
    offset = 0
    while True:
        page = collection.get(where=where, include=list(include), limit=_PAGE, offset=offset)
        out["ids"] += page["ids"]
        for key in include:
            out[key] += page[key]
        if len(page["ids"]) < _PAGE:
            return out
        offset += _PAGE


def _where(**filters) -> dict | None:
    clauses = [{key: value} for key, value in filters.items() if value not in (None, "")]
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


_FILTERS = ("question", "member", "year", "doc_id")


@dataclass
class _Lexical:
    count: int
    ids: list[str]
    retriever: bm25s.BM25 | None
    columns: dict[str, np.ndarray]


class Index:
    def __init__(self, settings: Settings):
        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if settings.chroma_url:
            url = urlparse(settings.chroma_url)
            self.client = chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        else:
            settings.chroma_dir.mkdir(parents=True, exist_ok=True)
            self.client = chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
        self.settings = settings
        embedding = MiniLMOnnx(str(settings.models_dir), settings.embedding_batch)
        self.collections = {
            name: self.client.get_or_create_collection(
                name, embedding_function=embedding, configuration={"hnsw": {"space": "cosine"}}
            )
            for name in (REPORTS, LETTERS)
        }
        self._lexical: dict[str, _Lexical] = {}  # per collection
        self._lock = threading.Lock()

    # Writing

    def has_document(self, doc_id: str, collection: str = REPORTS) -> bool:
        return bool(self.collections[collection].get(where={"doc_id": doc_id}, limit=1, include=[])["ids"])

    def add(self, chunks: list[Chunk], collection: str = REPORTS, batch: int = 64, progress=None) -> None:
        """Upsert by id: ids derive from the content hash, so adding the same file twice stores it once."""
        target = self.collections[collection]
        for start in range(0, len(chunks), batch):
            part = chunks[start : start + batch]
            target.upsert(ids=[c.id for c in part], documents=[c.text for c in part], metadatas=[_metadata(c) for c in part])
            if progress:
                progress(len(part))

    def delete_document(self, doc_id: str, collection: str = REPORTS) -> None:
        self.collections[collection].delete(where={"doc_id": doc_id})

    # Reading

    def chunks(self, collection: str = REPORTS, **filters) -> list[Chunk]:
        """Every chunk matching the filters, in document order."""
        got = _get_all(self.collections[collection], _where(**filters))
        chunks = [_chunk(i, t, m) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])]
        return sorted(chunks, key=lambda c: (c.doc_id, c.position))

    def documents(self, collection: str = REPORTS) -> list[dict]:
        """One row per ingested document: doc_id, source, member, year, chunk count."""
        got = _get_all(self.collections[collection], include=("metadatas",))
        rows: dict[str, dict] = {}
        for metadata in got["metadatas"]:
            row = rows.setdefault(
                metadata["doc_id"],
                {k: metadata.get(k) for k in ("doc_id", "source", "member", "year")} | {"chunks": 0},
            )
            row["chunks"] += 1
        return list(rows.values())

    def search(
        self,
        query: str,
        *,
        collection: str = REPORTS,
        k: int | None = None,
        question: int | None = None,
        member: str | None = None,
        year: int | None = None,
        doc_id: str | None = None,
    ) -> list[Hit]:
        k = k or self.settings.top_k
        target = self.collections[collection]
        filters = {"question": question, "member": member, "year": year, "doc_id": doc_id}
        where = _where(**filters)
        total = target.count()
        if total == 0:
            return []
        n = min(self.settings.candidates, total)
        dense = target.query(
            query_texts=[query], n_results=n, where=where, include=["documents", "metadatas", "distances"]
        )
        similarity = {i: 1.0 - d for i, d in zip(dense["ids"][0], dense["distances"][0])}  # cosine space
        found = {i: _chunk(i, t, m) for i, t, m in zip(dense["ids"][0], dense["documents"][0], dense["metadatas"][0])}
        dense_ids = dense["ids"][0]
        lexical_ids = self._lexical_search(collection, filters, query, n)

        scores: dict[str, float] = {}
        for rank, chunk_id in enumerate(dense_ids):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (_RRF_K + rank + 1)
        for rank, chunk_id in enumerate(lexical_ids):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + self.settings.lexical_weight / (_RRF_K + rank + 1)
        best = sorted(scores, key=scores.get, reverse=True)[:k]
        missing = [i for i in best if i not in found]
        if missing:
            got = target.get(ids=missing, include=["documents", "metadatas"])
            found |= {i: _chunk(i, t, m) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])}
        return [
            Hit(
                chunk=found[i],
                score=scores[i],
                dense_rank=dense_ids.index(i) + 1 if i in dense_ids else None,
                lexical_rank=lexical_ids.index(i) + 1 if i in lexical_ids else None,
                similarity=similarity.get(i),
            )
            for i in best
        ]

    def _lexical_search(self, collection: str, filters: dict, query: str, n: int) -> list[str]:
        index = self._lexical_index(collection)
        if index.retriever is None:
            return []
        known = [[token for token in _tokenize([query], return_ids=False)[0] if token in index.retriever.vocab_dict]]
        if not known[0]:
            return []
        # One index per collection; filters become a mask over its documents instead of an index per filter.
        mask = np.ones(len(index.ids), dtype=np.float32)
        for key, value in filters.items():
            if value not in (None, ""):
                mask *= index.columns[key] == value
        allowed = int(mask.sum())
        if not allowed:
            return []
        results, scores = index.retriever.retrieve(
            known, k=min(n, allowed), show_progress=False, n_threads=1, weight_mask=mask
        )
        return [index.ids[i] for i, score in zip(results[0], scores[0]) if score > 0]

    def _lexical_index(self, collection: str) -> _Lexical:
        """BM25 over the whole collection, rebuilt when its size changes."""
        count = self.collections[collection].count()
        with self._lock:
            cached = self._lexical.get(collection)
            if cached and cached.count == count:
                return cached
            got = _get_all(self.collections[collection])
            retriever = None
            if got["ids"]:
                retriever = bm25s.BM25()
                retriever.index(_tokenize(got["documents"]), show_progress=False)
            columns = {
                key: np.array([m.get(key) for m in got["metadatas"]], dtype=object) for key in _FILTERS
            }
            self._lexical[collection] = _Lexical(count, list(got["ids"]), retriever, columns)
            return self._lexical[collection]
