"""Benchmarks that print numbers: PDF parsing, embedding throughput, the assessment of a 60-page report, retrieval
latency at scale and, with --drafting, seconds per drafted question. Speed targets live here, not in timed tests."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from .reading.corpus import letter_paths, load_letter
from .settings import Settings


def _sample_passages(settings: Settings) -> list[str]:
    """Real panel prose (~220 tokens a passage) from the shipped letters."""
    words: list[str] = []
    for path in letter_paths(settings.corpus_dir):
        letter = load_letter(path)
        words += " ".join([letter.overall_remarks] + [q.commentary for q in letter.questions]).split()
    return [" ".join(words[i : i + 170]) for i in range(0, len(words) - 170, 85)]


def bench_pdf(pages: int = 60) -> dict:
    from fpdf import FPDF

    from .reading.documents import read_document

    with tempfile.TemporaryDirectory() as tmp:
        pdf = FPDF()
        pdf.set_font("helvetica", size=10)
        text = ("The organisation received complaints and reviewed its safeguarding policy with partners. " * 40).strip()
        for _ in range(pages):
            pdf.add_page()
            pdf.multi_cell(0, 5, text)
        path = Path(tmp) / "bench.pdf"
        pdf.output(str(path))
        start = time.perf_counter()
        document = read_document(path)
        elapsed = time.perf_counter() - start
    return {"pdf_pages": len(document.pages), "pdf_pages_per_s": round(len(document.pages) / elapsed, 1)}


def bench_embedding(settings: Settings, passages: list[str], n: int = 160) -> dict:
    from .search.embeddings import get_embedder

    start = time.perf_counter()
    embedder = get_embedder(settings.models_dir, settings.embedding_batch)
    load_s = time.perf_counter() - start
    texts = (passages * (n // len(passages) + 1))[:n]
    tokens = [len(e.ids) for e in embedder.tokenizer.encode_batch(texts)]
    start = time.perf_counter()
    embedder.embed(texts)
    elapsed = time.perf_counter() - start
    return {
        "embed_load_s": round(load_s, 2),
        "embed_chunks": n,
        "embed_mean_tokens": round(statistics.mean(tokens)),
        "embed_chunks_per_s": round(n / elapsed, 1),
    }


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))], 1)


def bench_retrieval(settings: Settings, passages: list[str], sizes: tuple[int, ...], queries: int = 40) -> dict:
    """Fill a fresh index to each size with real passages and jittered copies of their vectors (embedding 50k
    chunks for real would take most of an hour on 2 cores), reopen it as an app would, then time hybrid queries
    that embed for real against Chroma's own dense query with the same filters."""
    from .models import Chunk
    from .search.embeddings import get_embedder
    from .search.index import REPORTS, Index, _where

    embedder = get_embedder(settings.models_dir, settings.embedding_batch)
    base = embedder.embed(passages)
    rng = np.random.default_rng(0)
    questions = [
        "how were complaints and grievances handled", "staff well-being survey results", "anti-racism action plan",
        "impact studies validated with partners", "safeguarding training for children", "USD 5,000 sign-off",
        "community co-creation in programme design", "independent review of the Ukraine statement",
    ]
    # Half unfiltered, half as drafting searches: within one report, for one question.
    filters = [{} if i % 2 else {"doc_id": f"d{(7 * i) % 50}", "question": 1 + i % 5} for i in range(queries)]
    results: dict = {}
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            bench_settings = settings.model_copy(update={"data_dir": Path(tmp), "chroma_url": ""})
            (Path(tmp) / "models").symlink_to((settings.models_dir).resolve())
            picks = rng.integers(0, len(passages), size)
            vectors = base[picks] + rng.normal(0, 0.02, (size, base.shape[1])).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            chunks = [
                Chunk(id=f"c{i}", doc_id=f"d{i // 200}", text=passages[p], source="bench", position=i % 200,
                      question=1 + i % 5)
                for i, p in enumerate(picks)
            ]
            start = time.perf_counter()
            Index(bench_settings).add(chunks, batch=2000, embeddings=vectors)  # BM25 built and saved by the write
            load_s = time.perf_counter() - start
            start = time.perf_counter()
            index = Index(bench_settings)  # as an app starts: BM25 loaded from disk, the embedding session loaded
            get_embedder(bench_settings.models_dir, bench_settings.embedding_batch)
            open_s = time.perf_counter() - start
            start = time.perf_counter()
            index.search(questions[0])
            first_s = time.perf_counter() - start
            hybrid, dense = [], []
            target = index.collections[REPORTS]
            for i in range(queries):
                query = questions[i % len(questions)]
                start = time.perf_counter()
                index.search(query, **filters[i])
                hybrid.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                target.query(query_texts=[query], n_results=settings.candidates, where=_where(**filters[i]),
                             include=["documents", "metadatas", "distances"])
                dense.append((time.perf_counter() - start) * 1000)
            results[f"retrieval_{size}"] = {
                "load_s": round(load_s, 1),
                "open_s": round(open_s, 2),
                "first_query_s": round(first_s, 2),
                "p50_ms": _percentile(hybrid, 0.5),
                "p95_ms": _percentile(hybrid, 0.95),
                "dense_chroma_p50_ms": _percentile(dense, 0.5),
                "dense_chroma_p95_ms": _percentile(dense, 0.95),
                "p95_ratio_hybrid_to_dense_chroma": round(_percentile(hybrid, 0.95) / _percentile(dense, 0.95), 2),
            }
    return results


def _scratch_settings(settings: Settings, folder: Path) -> Settings:
    """Settings on an empty data folder that reuse the built embedding model where there is one."""
    if settings.models_dir.is_dir():
        (folder / "models").symlink_to(settings.models_dir.resolve())
    return settings.model_copy(update={"data_dir": folder})


def bench_drafting(settings: Settings) -> dict:
    """Draft the shipped sample report's whole letter with the configured backend (by default the embedded model)."""
    from .pipeline import Pipeline

    with tempfile.TemporaryDirectory() as tmp:
        pipeline = Pipeline(_scratch_settings(settings, Path(tmp)))
        report = pipeline.ingest(settings.corpus_dir / "samples" / "example-relief-network_2023_accountability-report.md")
        start = time.perf_counter()
        client = pipeline.client  # starts the embedded server where that is the backend
        startup = time.perf_counter() - start
        times, drafts = [], []
        for question in pipeline.framework.graded_questions:
            start = time.perf_counter()
            drafts.append(pipeline.draft_question(question.number, report.doc_id, report.member, report.year))
            times.append(time.perf_counter() - start)
        start = time.perf_counter()
        pipeline.drafter.overall_remarks(drafts, report.member, report.year, client)
        remarks = time.perf_counter() - start
    return {"drafting": {
        "backend": client.description,
        "backend_start_s": round(startup, 1),
        "per_question_s": [round(t, 1) for t in times],
        "mean_question_s": round(statistics.mean(times), 1),
        "letter_questions_plus_remarks_s": round(sum(times) + remarks, 1),
    }}


def _long_report_pdf(settings: Settings, path: Path, pages: int) -> Path:
    """A PDF of `pages` pages that follows the framework: under each numbered question heading, the sample report's
    answer and then real panel prose filling its share of the pages, with a running header."""
    import re

    from fpdf import FPDF

    from .reading.corpus import load_framework

    framework = load_framework(settings.corpus_dir, settings.framework)
    sample = (settings.corpus_dir / "samples" / "example-relief-network_2023_accountability-report.md").read_text()
    answers = re.split(r"^## .*$", sample, flags=re.MULTILINE)[2:]  # after the title and the opening statement
    questions = framework.graded_questions
    pdf = FPDF()
    pdf.set_font("helvetica", size=10)
    latin1 = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."})
    prose = [p.translate(latin1).encode("latin-1", "replace").decode("latin-1") for p in _sample_passages(settings)]
    filler = iter(prose * pages)  # distinct prose, so no sentence is read twice; Helvetica covers Latin-1 only
    per_question = max(pages // len(questions), 1)
    for question, answer in zip(questions, answers):
        body = " ".join(answer.replace("*", "").split())
        for page in range(per_question):
            pdf.add_page()
            pdf.multi_cell(0, 5, "Example Relief Network - Accountability Report", new_x="LMARGIN", new_y="NEXT")
            if page == 0:
                pdf.multi_cell(0, 6, f"{question.number}. {question.text}", new_x="LMARGIN", new_y="NEXT")
                pdf.multi_cell(0, 5, body, new_x="LMARGIN", new_y="NEXT")
            pdf.multi_cell(0, 5, " ".join(next(filler) for _ in range(4)), new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def bench_assessment(settings: Settings, pages: int = 60) -> dict:
    """Ingest a framework-following PDF of `pages` pages, then time the assessment of every question (no LLM).
    Goal: a 60-page report assessed in under 15 s on 2 cores, after ingestion."""
    from .pipeline import Pipeline

    with tempfile.TemporaryDirectory() as tmp:
        pipeline = Pipeline(_scratch_settings(settings, Path(tmp)))
        path = _long_report_pdf(settings, Path(tmp) / "long-report.pdf", pages)
        start = time.perf_counter()
        report = pipeline.ingest(path)
        ingest_s = time.perf_counter() - start
        pipeline.assessor  # the embedding model is loaded by ingestion; the assessor's data files here
        start = time.perf_counter()
        assessments = pipeline.assess(report.doc_id, report.member)
        assess_s = time.perf_counter() - start
    return {"assessment": {
        "pdf_pages": pages, "passages": report.chunks, "ingest_s": round(ingest_s, 1),
        "questions": len(assessments), "report_s": round(assess_s, 2),
        "per_question_s": round(assess_s / max(len(assessments), 1), 2),
        "goal_report_s": 15.0,
    }}


def run(settings: Settings, sizes: tuple[int, ...] = (10_000, 50_000), drafting: bool = False) -> dict:
    passages = _sample_passages(settings)
    results = bench_pdf() | bench_embedding(settings, passages)
    results |= bench_assessment(settings)
    results |= bench_retrieval(settings, passages, sizes)
    return results | bench_drafting(settings) if drafting else results
