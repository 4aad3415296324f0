"""The vector store: Chroma (on disk by default, a Chroma server by URL) plus a weighted BM25 signal.

Report chunks and past-letter passages live in separate collections. Retrieval fuses dense and lexical ranks with
weighted reciprocal-rank fusion: dense carries paraphrase, BM25 catches figures and acronyms, and BM25 gets the
smaller weight because equal weights were measured to hurt paraphrase recall.

The BM25 side is kept on disk beside the collection (data/bm25/) and updated by every write, so no query ever
builds it. Several processes may share one Chroma server: each write also puts a fresh stamp into the collection's
metadata, and a process whose stamp differs catches up by the difference in ids before it searches. The same
in-memory columns (question, member, year, doc_id, framework) turn a filter into the ids Chroma searches among,
which is several times faster than Chroma's own metadata filter at 50k chunks.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import threading
import time
import uuid
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import bm25s
import numpy as np
import Stemmer

from ..models import Chunk, Hit
from ..settings import Settings

log = logging.getLogger(__name__)

REPORTS = "report_chunks"
LETTERS = "letter_passages"
STAMP_KEY = "lexical_stamp"  # in the collection's metadata: changes with every write by any process
_RRF_K = 60
_PAGE = 2000
_stemmer = Stemmer.Stemmer("english")
_THOUSANDS = re.compile(r"(?<=\d)[,.](?=\d{3}\b)")


def document_key(content_hash: str, framework_id: str) -> str:
    """A report's key in the index: the same file ingested under two frameworks is two documents, tagged apart."""
    return f"{content_hash}-{framework_id}"


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


_FILTERS = ("question", "member", "year", "doc_id", "framework")


@dataclass
class _Lexical:
    """One collection's BM25 index and filter columns, row-aligned with `ids`; saved as one folder."""

    stamp: str = ""  # the collection's stamp when these rows were last known to match it
    ids: list[str] = field(default_factory=list)
    columns: dict[str, list] = field(default_factory=lambda: {key: [] for key in _FILTERS})
    # Per row, ids into vocab: a rebuild needs no re-tokenizing. As saved (flat, offsets) until a rebuild needs lists.
    tokens: list[list[int]] | tuple[np.ndarray, np.ndarray] = field(default_factory=list)
    vocab: dict[str, int] = field(default_factory=dict)
    retriever: bm25s.BM25 | None = None
    arrays: dict[str, np.ndarray] = field(default_factory=dict)  # columns as arrays, for masks

    def replace(self, removed: set[str], rows: list[tuple[str, str, dict]]) -> None:
        """Drop the rows whose ids are in `removed` or re-added, append (id, text, metadata) rows, rebuild BM25."""
        gone = removed | {row_id for row_id, _, _ in rows}
        keep = [i for i, row_id in enumerate(self.ids) if row_id not in gone]
        tokens = self._token_lists()
        self.ids = [self.ids[i] for i in keep] + [row_id for row_id, _, _ in rows]
        self.tokens = [tokens[i] for i in keep]
        for key in _FILTERS:
            self.columns[key] = [self.columns[key][i] for i in keep] + [m.get(key) for _, _, m in rows]
        for words in _tokenize([text for _, text, _ in rows], return_ids=False) if rows else []:
            self.tokens.append([self.vocab.setdefault(word, len(self.vocab)) for word in words])
        self._build()

    def _token_lists(self) -> list[list[int]]:
        if isinstance(self.tokens, tuple):
            flat, offsets = self.tokens
            flat = flat.tolist()
            self.tokens = [flat[a:b] for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]
        return self.tokens

    def _build(self) -> None:
        self.arrays = {key: np.array(values, dtype=object) for key, values in self.columns.items()}
        self.retriever = None
        if self.ids:
            self.retriever = bm25s.BM25()
            # bm25s adds its empty token to the dict it is given: give it a copy, keep ours to grow.
            self.retriever.index((self.tokens, dict(self.vocab)), show_progress=False)

    def mask(self, filters: dict) -> np.ndarray | None:
        """Rows matching every filter given; None where no filter is given."""
        given = {key: value for key, value in filters.items() if value not in (None, "")}
        if not given:
            return None
        mask = np.ones(len(self.ids), dtype=bool)
        for key, value in given.items():
            mask &= self.arrays[key] == value
        return mask

    def save(self, folder: Path) -> None:
        """Write beside, then swap in: a process loading at the same moment sees the old folder or the new one."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = folder.with_name(f".{folder.name}.{uuid.uuid4().hex}")
        staging.mkdir()
        if self.retriever is not None:
            self.retriever.save(str(staging / "bm25"), show_progress=False)
        tokens = self._token_lists()
        lengths = np.array([len(t) for t in tokens], dtype=np.int64)
        flat = np.fromiter((i for t in tokens for i in t), dtype=np.int32, count=int(lengths.sum()))
        np.savez(staging / "tokens.npz", flat=flat, lengths=lengths)
        rows = {"stamp": self.stamp, "ids": self.ids, "columns": self.columns, "vocab": self.vocab}
        (staging / "rows.json").write_text(json.dumps(rows), encoding="utf-8")
        old = folder.with_name(f".{folder.name}.old.{uuid.uuid4().hex}")
        if folder.exists():
            folder.rename(old)
        staging.rename(folder)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> _Lexical | None:
        try:
            rows = json.loads((folder / "rows.json").read_text(encoding="utf-8"))
            saved = np.load(folder / "tokens.npz")
            offsets = np.concatenate([[0], np.cumsum(saved["lengths"])])
            state = cls(stamp=rows["stamp"], ids=rows["ids"], columns=rows["columns"], vocab=rows["vocab"])
            state.tokens = (saved["flat"], offsets)
            if state.ids:
                state.retriever = bm25s.BM25.load(str(folder / "bm25"), mmap=True, show_progress=False)
            state.arrays = {key: np.array(values, dtype=object) for key, values in state.columns.items()}
            return state
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError) as exc:  # from an older version, or damaged
            log.warning("lexical index not loaded, will sync", extra={"folder": str(folder), "reason": str(exc)})
            return None


# What each process's local Chroma bindings last read of each collection: its stamp then (see _dense_current).
_DENSE_SEEN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class Index:
    def __init__(self, settings: Settings):
        import chromadb  # here, not at import: the app's first page needs no index
        from chromadb.config import Settings as ChromaSettings

        from .chroma_function import MiniLMOnnx

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if settings.chroma_url:
            url = urlparse(settings.chroma_url)
            self.client = chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
            store = re.sub(r"[^A-Za-z0-9.-]+", "_", f"{url.hostname}_{url.port or 8000}")
        else:
            settings.chroma_dir.mkdir(parents=True, exist_ok=True)
            self.client = chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
            store = "local"
        self.settings = settings
        self.lexical_dir = settings.data_dir / "bm25" / store
        embedding = MiniLMOnnx(str(settings.models_dir), settings.embedding_batch)
        self.collections = {
            name: self.client.get_or_create_collection(
                name, embedding_function=embedding, configuration={"hnsw": {"space": "cosine"}}
            )
            for name in (REPORTS, LETTERS)
        }
        self._lock = threading.RLock()
        self._local = not settings.chroma_url
        # Loaded (or caught up with the store) now, at start-up, so that no query pays for it.
        self._lexical: dict[str, _Lexical] = {name: self._open_lexical(name) for name in self.collections}
        if self._local and self.client._server not in _DENSE_SEEN:  # new bindings: they have read nothing yet
            _DENSE_SEEN[self.client._server] = {name: lexical.stamp for name, lexical in self._lexical.items()}

    # Writing

    def has_document(self, doc_id: str, collection: str = REPORTS) -> bool:
        return bool(self.collections[collection].get(where={"doc_id": doc_id}, limit=1, include=[])["ids"])

    def add(
        self, chunks: list[Chunk], collection: str = REPORTS, batch: int = 64, progress=None,
        embeddings: np.ndarray | None = None,
    ) -> None:
        """Upsert by id: ids derive from the content hash, so adding the same file twice stores it once. Embeddings
        given (the benchmark's) are stored as they are; otherwise Chroma embeds the text."""
        target = self.collections[collection]
        for start in range(0, len(chunks), batch):
            part = chunks[start : start + batch]
            vectors = {} if embeddings is None else {"embeddings": embeddings[start : start + len(part)]}
            target.upsert(
                ids=[c.id for c in part], documents=[c.text for c in part], metadatas=[_metadata(c) for c in part],
                **vectors,
            )
            if progress:
                progress(len(part))
        self._update_lexical(collection, set(), [(c.id, c.text, _metadata(c)) for c in chunks])

    def delete_document(self, doc_id: str, collection: str = REPORTS) -> int:
        """Remove a document's chunks from both signals; returns how many there were."""
        ids = self.collections[collection].get(where={"doc_id": doc_id}, include=[])["ids"]
        if ids:
            self.collections[collection].delete(ids=ids)
            self._update_lexical(collection, set(ids), [])
        return len(ids)

    # Reading

    def chunks(self, collection: str = REPORTS, **filters) -> list[Chunk]:
        """Every chunk matching the filters, in document order."""
        got = _get_all(self.collections[collection], _where(**filters))
        chunks = [_chunk(i, t, m) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])]
        return sorted(chunks, key=lambda c: (c.doc_id, c.position))

    def chunk(self, chunk_id: str, collection: str = REPORTS) -> Chunk | None:
        got = self.collections[collection].get(ids=[chunk_id], include=["documents", "metadatas"])
        return _chunk(got["ids"][0], got["documents"][0], got["metadatas"][0]) if got["ids"] else None

    def documents(self, collection: str = REPORTS) -> list[dict]:
        """One row per ingested document: doc_id, source, member, year, framework, chunk count."""
        got = _get_all(self.collections[collection], include=("metadatas",))
        rows: dict[str, dict] = {}
        for metadata in got["metadatas"]:
            row = rows.setdefault(
                metadata["doc_id"],
                {k: metadata.get(k) for k in ("doc_id", "source", "member", "year", "framework")} | {"chunks": 0},
            )
            row["chunks"] += 1
        return list(rows.values())

    def size(self, collection: str = REPORTS) -> int:
        """Chunks in the collection, as this process last knew them."""
        return len(self._lexical[collection].ids)

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
        framework: str | None = None,
    ) -> list[Hit]:
        k = k or self.settings.top_k
        target = self.collections[collection]
        lexical = self._current(collection)
        mask = lexical.mask(
            {"question": question, "member": member, "year": year, "doc_id": doc_id, "framework": framework}
        )
        allowed = len(lexical.ids) if mask is None else int(mask.sum())
        if not allowed:
            return []
        n = min(self.settings.candidates, allowed)
        among = {} if mask is None else {"ids": [lexical.ids[i] for i in np.flatnonzero(mask)]}
        dense = target.query(query_texts=[query], n_results=n, include=["distances"], **among)
        dense_ids = dense["ids"][0]
        similarity = {i: 1.0 - d for i, d in zip(dense_ids, dense["distances"][0])}  # cosine space
        lexical_ids = self._lexical_search(lexical, mask, query, n)

        scores: dict[str, float] = {}
        for rank, chunk_id in enumerate(dense_ids):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (_RRF_K + rank + 1)
        for rank, chunk_id in enumerate(lexical_ids):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + self.settings.lexical_weight / (_RRF_K + rank + 1)
        best = sorted(scores, key=scores.get, reverse=True)[:k]
        got = target.get(ids=best, include=["documents", "metadatas"])
        found = {i: _chunk(i, t, m) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])}
        return [
            Hit(
                chunk=found[i],
                score=scores[i],
                dense_rank=dense_ids.index(i) + 1 if i in dense_ids else None,
                lexical_rank=lexical_ids.index(i) + 1 if i in lexical_ids else None,
                similarity=similarity.get(i),
            )
            for i in best
            if i in found  # deleted by another process a moment ago
        ]

    @staticmethod
    def _lexical_search(lexical: _Lexical, mask: np.ndarray | None, query: str, n: int) -> list[str]:
        if lexical.retriever is None:
            return []
        known = [[token for token in _tokenize([query], return_ids=False)[0] if token in lexical.retriever.vocab_dict]]
        if not known[0]:
            return []
        # One index per collection; filters become a mask over its rows instead of an index per filter.
        weights = None if mask is None else mask.astype(np.float32)
        allowed = len(lexical.ids) if mask is None else int(mask.sum())
        results, scores = lexical.retriever.retrieve(
            known, k=min(n, allowed), show_progress=False, n_threads=1, weight_mask=weights
        )
        return [lexical.ids[i] for i, score in zip(results[0], scores[0]) if score > 0]

    # Keeping the BM25 side in step with the store

    def _stamp(self, collection: str) -> str:
        metadata = self.client.get_collection(collection).metadata or {}
        return str(metadata.get(STAMP_KEY, ""))

    def _open_lexical(self, collection: str) -> _Lexical:
        lexical = _Lexical.load(self.lexical_dir / collection)
        if lexical is None or lexical.stamp != self._stamp(collection):
            lexical = self._sync(collection, lexical or _Lexical())
        return lexical

    def _current(self, collection: str) -> _Lexical:
        """This process's BM25 rows, caught up first where another process wrote since (its stamp differs)."""
        with self._lock:
            lexical = self._lexical[collection]
            if self._stamp(collection) != lexical.stamp:
                self._lexical[collection] = lexical = self._sync(collection, lexical)
            self._dense_current(collection, lexical.stamp)
            return lexical

    def _dense_current(self, collection: str, stamp: str) -> None:
        """A local Chroma caches each collection's HNSW reader per process and does not see another process's
        vectors: a query answers from the old ones, or fails with "Nothing found on disk" where the collection was
        empty when first queried. Where the collection's stamp moved since this process's bindings last saw it,
        they are started again, which reads the vectors from disk (a few ms). The bindings are one per process and
        path, shared by every Index on it, so what they saw is kept with them. `start` builds the new bindings
        before it replaces the old, so a query in another thread meanwhile still has one. A Chroma server
        (PANEL_CHROMA_URL) needs none of this."""
        if not self._local:
            return
        api = self.client._server
        seen = _DENSE_SEEN.setdefault(api, {})
        if seen.get(collection, stamp) != stamp:
            api.start()
        seen[collection] = stamp

    def _sync(self, collection: str, lexical: _Lexical) -> _Lexical:
        """Catch up with the store by the difference in ids: fetch only the rows this process has not seen."""
        started = time.perf_counter()
        stamp = self._stamp(collection)  # read before the rows: a write after this changes it again
        target = self.collections[collection]
        present = set(_get_all(target, include=())["ids"])
        known = set(lexical.ids)
        new = sorted(present - known)
        rows = []
        for start in range(0, len(new), _PAGE):
            got = target.get(ids=new[start : start + _PAGE], include=["documents", "metadatas"])
            rows += list(zip(got["ids"], got["documents"], got["metadatas"]))
        if rows or known - present:
            lexical.replace(known - present, rows)
        lexical.stamp = stamp
        lexical.save(self.lexical_dir / collection)
        log.log(
            logging.INFO if rows or known - present else logging.DEBUG, "lexical index synced", extra={"collection": collection, "added": len(rows),
                                           "removed": len(known - present), "seconds": round(time.perf_counter() - started, 2)},
        )
        return lexical

    def _update_lexical(self, collection: str, removed: set[str], rows: list[tuple[str, str, dict]]) -> None:
        """After this process wrote: apply the change, stamp the collection, save. Where the stamp had moved since
        this process last looked (another process wrote meanwhile), catch up with the store as well. Two writes at
        the very same moment can still leave one process a write behind until the next stamp change."""
        with self._lock:
            lexical = self._lexical[collection]
            behind = self._stamp(collection) != lexical.stamp
            lexical.replace(removed, rows)
            lexical.stamp = uuid.uuid4().hex
            self.collections[collection].modify(metadata={STAMP_KEY: lexical.stamp})
            if behind:
                lexical = self._sync(collection, lexical)
            else:
                lexical.save(self.lexical_dir / collection)
            self._lexical[collection] = lexical
            if self._local:  # a write brings this process's reader up to date with the store
                _DENSE_SEEN.setdefault(self.client._server, {})[collection] = lexical.stamp
