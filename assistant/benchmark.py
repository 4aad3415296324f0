"""Benchmarks that print numbers: app start, the first ingest in a fresh data folder, PDF parsing, embedding
throughput, the assessment of a 60-page report, retrieval latency at scale, with --drafting seconds per drafted
question and with --setup `make run` on a fresh clone until the first page answers. Speed targets live here, not in
timed tests."""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
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


SAMPLE = Path("samples") / "example-relief-network_2023_accountability-report.md"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _first_page(command: list[str], env: dict, cwd: Path, log: Path, timeout_s: float) -> tuple[float | None, str]:
    """Run `command` (in its own process group, stopped afterwards) until http://127.0.0.1:PANEL_PORT/ answers 200:
    (seconds, "") or (None, why not)."""
    url = f"http://127.0.0.1:{env['PANEL_PORT']}/"
    start = time.perf_counter()
    with open(log, "wb") as out:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        while time.perf_counter() - start < timeout_s:
            if process.poll() is not None:
                return None, f"exited with {process.returncode} before the page answered; see the tail of its log:\n" + \
                    log.read_text(errors="replace")[-2000:]
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return time.perf_counter() - start, ""
            except OSError:
                pass
            time.sleep(0.1)
        return None, f"no page within {timeout_s:.0f} s"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _fresh_env(**extra: str) -> dict:
    """This environment without PANEL_ settings, so a benchmark sees the defaults in a fresh data folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANEL_")}
    return env | {"ANONYMIZED_TELEMETRY": "False", "GRADIO_ANALYTICS_ENABLED": "False"} | extra


def bench_app_start(timeout_s: float = 180.0) -> dict:
    """`panel-assistant serve` (what `python app.py` does) in a fresh data folder, until the first page answers."""
    with tempfile.TemporaryDirectory() as tmp:
        env = _fresh_env(PANEL_PORT=str(_free_port()), PANEL_DATA_DIR=str(Path(tmp) / "data"))
        seconds, why = _first_page([sys.executable, "-m", "assistant.cli", "serve"], env, Path(tmp),
                                   Path(tmp) / "app.log", timeout_s)
    return {"app_start_s": round(seconds, 1) if seconds is not None else f"error: {why}"}


def bench_first_ingest(settings: Settings) -> dict:
    """The shipped sample report ingested into a fresh data folder: as a command (a new process: its imports, the
    embedding graph written once for the folder), and in a running app, once its start-up work in the background
    (index, embedding model, detector exemplars, the shipped letters, timed apart) is done."""
    from .pipeline import Pipeline

    sample = settings.corpus_dir / SAMPLE
    with tempfile.TemporaryDirectory() as tmp:
        env = _fresh_env(PANEL_DATA_DIR=str(Path(tmp) / "cli"))
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", str(sample)], env=env, cwd=tmp,
                              capture_output=True, text=True)
        cli_s = time.perf_counter() - start
        pipeline = Pipeline(settings.model_copy(update={"data_dir": Path(tmp) / "app"}))  # its own embedding graph
        start = time.perf_counter()
        pipeline.warm_up_in_background().join()
        warm_s = time.perf_counter() - start
        start = time.perf_counter()
        pipeline.ingest(sample)
        app_s = time.perf_counter() - start
    return {"first_ingest": {
        "command_s": round(cli_s, 1) if done.returncode == 0 else f"error: {done.stderr[-500:]}",
        "app_background_start_up_s": round(warm_s, 1),
        "in_running_app_s": round(app_s, 1),
    }}


def bench_setup(ref: str = "HEAD", timeout_s: float = 3600.0) -> dict:
    """`make run` in a fresh clone of this repository at `ref` (committed work only), timed until the first page
    answers. pip's download cache is used as it is; say so when quoting the figure."""
    from .settings import IN_CLONE, PROJECT_ROOT

    if not IN_CLONE:
        return {"setup": "error: --setup needs a clone of the repository (it clones it and runs make run)"}
    commit = subprocess.run(["git", "-C", str(PROJECT_ROOT), "rev-parse", ref], capture_output=True, text=True,
                            check=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="panel-setup-") as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", "--no-checkout", str(PROJECT_ROOT), str(clone)], check=True)
        subprocess.run(["git", "-C", str(clone), "checkout", "-q", commit], check=True)
        venv_bin = str(Path(sys.executable).parent)
        path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p != venv_bin)
        env = {k: v for k, v in _fresh_env(PANEL_PORT=str(_free_port()), PATH=path).items()
               if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
        start = time.time()
        seconds, why = _first_page(["make", "run"], env, clone, Path(tmp) / "make-run.log", timeout_s)
        stamp = clone / ".venv" / ".installed"
        install_s = stamp.stat().st_mtime - start if stamp.exists() else None
    return {"setup": {
        "commit": commit[:12],
        "make_run_to_first_page_s": round(seconds, 1) if seconds is not None else f"error: {why}",
        "make_install_s": round(install_s, 1) if install_s is not None else None,
        "cpus": os.cpu_count(),
        "pip_cache": "used as it is" if os.environ.get("PIP_NO_CACHE_DIR") is None else "off",
    }}


def run(settings: Settings, sizes: tuple[int, ...] = (10_000, 50_000), drafting: bool = False,
        setup: bool = False, setup_ref: str = "HEAD") -> dict:
    passages = _sample_passages(settings)
    results = (bench_setup(setup_ref) if setup else {}) | bench_app_start() | bench_first_ingest(settings)
    results |= bench_pdf() | bench_embedding(settings, passages)
    results |= bench_assessment(settings)
    results |= bench_retrieval(settings, passages, sizes)
    return results | bench_drafting(settings) if drafting else results
