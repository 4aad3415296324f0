"""What each bad input of the hardening issue costs now: time to refusal (or completion) and peak memory.

    python tests/security_benchmark.py        (or: make security, after the tests): the bad inputs, then the pages
    python -m tests.security_benchmark --pages      a quote's page view of nested forms (8 and 6 levels x 10 copies):
                                                    the server process and the renderer's child, with the form check
                                                    on (refused before drawing) and off (the child stopped at 1 GB)
    python -m tests.security_benchmark --size       a 1,500-page PDF (the page limit), 1,501 pages, 200 MB files
    python -m tests.security_benchmark --injection  the injection suite: a row per variant, the clean reports, then the
                                                    blind held-out set (tests/data/injection_blind.json)
    python -m tests.security_benchmark --round-view the bytes one view of the Round tab sends, for rounds of 9, 200
                                                    (PANEL_MAX_ROUND_REPORTS) and 3,000 reports

Each case runs in a forked child, so its peak RSS (getrusage of that child alone) is its own. Files are built at the
issue's full size (a DOCX expanding to 600 MB, a 30 MB Markdown file...). Reading stops before embedding: the chunk
count is what PANEL_MAX_CHUNKS checks. The goal: every bad file refused or finished with peak RSS under 1 GB. Not
collected by pytest (the name does not start with test_)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.settings import PROJECT_ROOT, Settings, disable_telemetry  # noqa: E402

disable_telemetry()

from assistant.reading.chunking import chunk_document  # noqa: E402
from assistant.reading.corpus import load_framework  # noqa: E402
from assistant.reading.documents import read_document  # noqa: E402
from assistant.search.ingest import read_limits  # noqa: E402
from tests.conftest import make_docx  # noqa: E402
from tests.fake_openai import FakeOpenAIServer, RawBody, SlowDrip  # noqa: E402
from tests.test_security import (  # noqa: E402
    MESSAGES,
    VALID,
    Verdict,
    docx_with_document_xml,
    many_operators,
    pdf_over_pypdf_stream_limit,
    pdf_with_content,
)

SETTINGS = Settings()
FRAMEWORK = load_framework(SETTINGS.corpus_dir, SETTINGS.framework)


def read_and_chunk(path: Path) -> str:
    document = read_document(path, read_limits(SETTINGS))
    chunks = chunk_document(document, FRAMEWORK, chunk_size=SETTINGS.chunk_size, chunk_overlap=SETTINGS.chunk_overlap)
    verdict = "over PANEL_MAX_CHUNKS" if len(chunks) > SETTINGS.max_chunks else "within limits"
    return f"read: {sum(len(p.text) for p in document.pages):,} chars, {len(chunks):,} chunks ({verdict})"


def ask(answer) -> str:
    from assistant.judging.llm import OpenAIChatClient

    server = FakeOpenAIServer(lambda body: answer)
    try:
        OpenAIChatClient(server.url, "tiny", timeout_s=10, retries=0).structured(MESSAGES, Verdict)
        return "answered"
    finally:
        server.close()


def measure(name: str, action: Callable[[], str]) -> None:
    """Run `action` in a forked child; print its outcome, wall time and peak RSS."""
    read_end, write_end = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            outcome = action()
        except Exception as exc:  # the refusal is the expected outcome
            outcome = f"refused: {exc.__class__.__name__}: {str(exc)[:150]}"
        except BaseException:
            outcome = "crashed: " + traceback.format_exc(limit=1)
        os.write(write_end, outcome.encode())
        os._exit(0)
    os.close(write_end)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.monotonic() - started
    with os.fdopen(read_end) as pipe:
        outcome = pipe.read() or f"died (status {status})"
    print(f"| {name} | {elapsed:.2f} s | {usage.ru_maxrss / 1024:.0f} MB | {outcome.splitlines()[0]} |", flush=True)


def bad_inputs() -> None:
    folder = Path(tempfile.mkdtemp(prefix="security-benchmark-"))
    print("building the bad files ...", file=sys.stderr)
    bomb = docx_with_document_xml(folder / "bomb.docx", padding_bytes=600_000_000)
    dense = pdf_with_content(folder / "dense.pdf", many_operators(600_000))
    limit = pdf_over_pypdf_stream_limit(folder / "limit.pdf")
    near = pdf_with_content(folder / "near.pdf", many_operators(90_000))  # just under the 1 MB a page may draw
    paragraphs = folder / "paragraphs.docx"
    make_docx(paragraphs, [(f"Section {i}", "A paragraph of report text about complaints. " * 2) for i in range(5_000)],
              page_breaks=False)
    markdown = folder / "huge.md"
    markdown.write_text("# Report\n\n" + "Complaints were handled within thirty days, the report says. " * 500_000)
    nul = folder / "nul.md"
    nul.write_bytes(b"# Report\n\n" + b"Plain text. " * 1000 + b"\x00" + b"more " * 100)
    renamed = folder / "renamed.pdf"
    renamed.write_text("plain text, renamed\n" * 100)

    print(f"baseline: this process, forked, before any case: RSS {_rss_mb():.0f} MB")
    print("| bad input | time | peak RSS | outcome |\n| --- | --- | --- | --- |")
    measure(f"DOCX zip bomb ({bomb.stat().st_size / 1e6:.1f} MB, document.xml 600 MB)", lambda: read_and_chunk(bomb))
    measure(f"one-page PDF, 600,000 operators ({dense.stat().st_size / 1e3:.0f} KB)", lambda: read_and_chunk(dense))
    measure("PDF stream past pypdf's 75 MB cap", lambda: read_and_chunk(limit))
    measure("one-page PDF just under the per-page limit (worst accepted page)", lambda: read_and_chunk(near))
    measure("DOCX, 10,000 paragraphs", lambda: read_and_chunk(paragraphs))
    measure(f"Markdown, {markdown.stat().st_size / 1e6:.0f} MB", lambda: read_and_chunk(markdown))
    measure("Markdown with a NUL after 4 KB", lambda: read_and_chunk(nul))
    measure("text renamed to .pdf", lambda: read_and_chunk(renamed))
    measure("LLM dripping 1 byte / 2 s, PANEL_LLM_TIMEOUT_S=10", lambda: ask(SlowDrip(VALID, interval_s=2)))
    measure("LLM answering 200 with HTML", lambda: ask(RawBody(b"<html>502 Bad Gateway</html>")))


def long_pdf(path: Path, pages: int) -> Path:
    """A report of `pages` pages of about 1,800 characters each: 2.7 M characters at 1,500 pages, just within
    PANEL_MAX_CHARS, so the page limit is the one that counts."""
    from fpdf import FPDF

    paragraph = ("We received 57 complaints through our hotline, SMS line and suggestion boxes; 49 were resolved within "
                 "30 days and we published the figures on our website. Staff and partners took part in the review. ")
    pdf = FPDF()
    pdf.set_font("helvetica", size=10)
    pdf.set_compression(True)
    for number in range(pages):
        pdf.add_page()
        pdf.multi_cell(0, 5, f"Page {number + 1}. " + paragraph * 9)
    pdf.output(str(path))
    return path


def one_page_more(source: Path, path: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(source))
    writer.add_page(writer.pages[-1])
    writer.write(path)
    return path


def sparse_file(path: Path, megabytes: int, head: bytes) -> Path:
    """A file of the given size that takes no disk: what an upload of that size is to the reader."""
    with open(path, "wb") as file:
        file.write(head)
        file.truncate(megabytes * 1_000_000)
    return path


def size() -> None:
    folder = Path(tempfile.mkdtemp(prefix="security-size-"))
    print("building the files ...", file=sys.stderr)
    started = time.monotonic()
    at_limit = long_pdf(folder / "at-limit_2023_report.pdf", SETTINGS.max_pages)
    print(f"  {SETTINGS.max_pages} pages built in {time.monotonic() - started:.0f} s", file=sys.stderr)
    over = one_page_more(at_limit, folder / "over-limit_2023_report.pdf")
    big_pdf = sparse_file(folder / "big_2023_report.pdf", 200, b"%PDF-1.7\n")
    big_md = sparse_file(folder / "big_2023_report.md", 200, b"# Report\n\n")
    print(f"baseline: this process, forked, before any case: RSS {_rss_mb():.0f} MB")
    print(f"limits: PANEL_MAX_FILE_MB={SETTINGS.max_file_mb:g}, PANEL_MAX_PAGES={SETTINGS.max_pages}, "
          f"PANEL_MAX_CHARS={SETTINGS.max_chars:,}, PANEL_MAX_CHUNKS={SETTINGS.max_chunks:,}")
    print("| input | time | peak RSS | outcome |\n| --- | --- | --- | --- |")
    measure(f"PDF of {SETTINGS.max_pages} pages ({at_limit.stat().st_size / 1e6:.1f} MB), read and chunked",
            lambda: read_and_chunk(at_limit))
    measure(f"PDF of {SETTINGS.max_pages + 1} pages ({over.stat().st_size / 1e6:.1f} MB)", lambda: read_and_chunk(over))
    measure("PDF of 200 MB", lambda: read_and_chunk(big_pdf))
    measure("Markdown of 200 MB", lambda: read_and_chunk(big_md))
    upload_to_app(big_pdf)


def upload_to_app(path: Path) -> None:
    """The same 200 MB file sent to the running app's upload route, as a browser would: how soon it is refused, and
    the app process's peak RSS while it is."""
    import threading

    import httpx
    import psutil

    from tests.conftest import app_process

    root = Path(tempfile.mkdtemp(prefix="security-upload-"))
    (root / "data").mkdir()
    settings = Settings(data_dir=root / "data", preset="embedded")
    with app_process(settings, root / "app.log", PANEL_DRAFT_MODE="assessment") as url:
        app = psutil.Process().children()[-1]
        before = app.memory_info().rss / 2**20
        peak, stop = [before], threading.Event()

        def sample() -> None:
            while not stop.wait(0.05):
                peak[0] = max(peak[0], app.memory_info().rss / 2**20)

        threading.Thread(target=sample, daemon=True).start()
        started = time.monotonic()
        try:
            with open(path, "rb") as file:
                response = httpx.post(f"{url}gradio_api/upload", files={"files": (path.name, file)}, timeout=120)
            outcome = f"HTTP {response.status_code}: {response.text[:120]}"
        except httpx.HTTPError as exc:  # the server may close the connection on a refused upload
            outcome = f"connection ended: {exc.__class__.__name__}"
        elapsed = time.monotonic() - started
        stop.set()
    print(f"| the same 200 MB PDF uploaded to the running app | {elapsed:.2f} s | app {before:.0f} -> {peak[0]:.0f} MB "
          f"| {outcome} |")


def injection() -> None:
    """Every variant built into a real file and read as ingestion reads it, with the embedder; then every clean
    report. A variant is caught when its marker is gone from the text and the pre-screen lists a suspect."""
    from assistant.reading.safety import detector
    from assistant.search.embeddings import get_embedder
    from assistant.search.ingest import _without_instructions
    from tests.injection_cases import build, clean_reports, load_variants

    judge = detector(SETTINGS.corpus_dir, get_embedder(SETTINGS.models_dir, SETTINGS.embedding_batch))
    folder = Path(tempfile.mkdtemp(prefix="security-injection-"))
    variants = load_variants()
    caught = 0
    print("| variant | language | format | technique | caught | as | page | why | time |\n"
          "| --- | --- | --- | --- | --- | --- | ---: | --- | ---: |")
    for variant in variants:
        path = build(variant, folder)
        started = time.perf_counter()
        document, _ = _without_instructions(read_document(path), judge)
        seconds = time.perf_counter() - started
        survived = judge.normalise(variant["marker"]) in judge.normalise(document.text)
        hit = not survived and bool(document.suspects)
        caught += hit
        first = document.suspects[0] if document.suspects else None
        print(f"| {variant['id']} | {variant['language']} | {variant['format']} | {variant['technique']} | "
              f"{'yes' if hit else 'NO'} | {first.kind if first else ''} | "
              f"{first.page if first and first.page else ''} | "
              f"{first.reason if first else ''} | {seconds:.2f} s |")
    languages = sorted({v["language"] for v in variants})
    print(f"\ncaught {caught} of {len(variants)} ({caught / len(variants):.0%}) in {len(languages)} languages "
          f"({', '.join(languages)})\n")
    print("| clean report | pages | false alarms |\n| --- | ---: | ---: |")
    alarms = 0
    for path in clean_reports(folder):
        document, _ = _without_instructions(read_document(path), judge)
        alarms += len(document.suspects)
        print(f"| {path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path.name} | "
              f"{len(document.pages)} | {len(document.suspects)} |")
    print(f"\nfalse alarms on the clean reports: {alarms}")
    blind(judge, folder)


def blind(judge, folder: Path) -> None:
    """The held-out set (tests/data/injection_blind.json), never used for tuning: each attack as its own paragraph of
    the sample report's Question 3 answer, each benign sentence likewise; caught per language."""
    from assistant.search.ingest import _without_instructions
    from tests.injection_cases import build, load_blind

    attacks, benign = load_blind()
    known = {"en", "fr", "de", "es", "pt", "ru", "ar"}  # the languages of corpus/safety/injection-cues.json
    by_language: dict[str, list[int]] = {}
    missed = []
    for attack in attacks:
        document, _ = _without_instructions(read_document(build(attack, folder)), judge)
        hit = judge.normalise(attack["marker"]) not in judge.normalise(document.text) and bool(document.suspects)
        by_language.setdefault(attack["language"], [0, 0])[0] += hit
        by_language[attack["language"]][1] += 1
        if not hit:
            missed.append(attack)
    print("\n| held-out attacks, by language | caught |\n| --- | ---: |")
    for language, (hit, total) in sorted(by_language.items()):
        print(f"| {language}{'' if language in known else ' (no cues for it)'} | {hit} of {total} |")
    in_known = [v for k, v in by_language.items() if k in known]
    caught, total = sum(v[0] for v in in_known), sum(v[1] for v in in_known)
    everything = sum(v[0] for v in by_language.values()), len(attacks)
    print(f"\nheld-out attacks caught: {caught} of {total} ({caught / total:.0%}) in the detector's languages, "
          f"{everything[0]} of {everything[1]} ({everything[0] / everything[1]:.0%}) in all")
    for attack in missed:
        print(f"  missed {attack['id']}: {attack['text'][:110]}")
    alarms = []
    for sentence in benign:
        variant = {"id": f"benign-{sentence['id']}", "format": "md", "technique": "visible", "text": sentence["text"]}
        document, _ = _without_instructions(read_document(build(variant, folder)), judge)
        alarms += [f"{sentence['id']}: {s.text[:110]} ({s.reason})" for s in document.suspects]
    print(f"held-out benign sentences flagged: {len(alarms)} of {len(benign)}")
    for alarm in alarms:
        print(f"  false alarm {alarm}")


def page_view(name: str, path: Path, **limits) -> None:
    """Show a page as the workspace does (pages.render_page, the settings' limits), from a forked process standing
    for the server: its wall time, its own RSS before and at its peak, and the renderer child's peak RSS, both
    sampled every 5 ms (getrusage's RUSAGE_CHILDREN would not do: a child started by vfork is charged the server's
    own peak from before its exec)."""
    import threading

    import psutil

    from assistant.reading.pages import RenderLimits, render_page
    from tests.test_pages import QUOTE

    settings = RenderLimits(**{**SETTINGS.model_dump(include=set(RenderLimits.model_fields)), **limits})
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        me = psutil.Process()
        before = me.memory_info().rss
        peak, child, stop = [before], [0], threading.Event()

        def sample() -> None:
            while not stop.wait(0.005):
                peak[0] = max(peak[0], me.memory_info().rss)
                for process in me.children():
                    try:
                        child[0] = max(child[0], process.memory_info().rss)
                    except psutil.Error:  # it ended meanwhile
                        pass

        threading.Thread(target=sample, daemon=True).start()
        started = time.monotonic()
        try:
            image = render_page(path, 1, QUOTE, SETTINGS.page_image_width, settings)
            outcome = f"shown{'' if image.annotations else ' without its annotations'}, quote found: {image.found}"
        except Exception as exc:
            outcome = f"refused: {exc.__class__.__name__}: {str(exc).split(': ', 1)[-1][:220]}"
        elapsed = time.monotonic() - started
        stop.set()
        peak[0] = max(peak[0], me.memory_info().rss)
        os.write(write_end, f"| {name} | {elapsed:.2f} s | {before / 2**20:.0f} -> {peak[0] / 2**20:.0f} MB | "
                            f"{child[0] / 2**20:.0f} MB | {outcome} |".encode())
        os._exit(0)
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read_end) as pipe:
        print(pipe.read() or f"| {name} | | | | the server died (status {status}) |", flush=True)


def pages() -> None:
    from tests.test_pages import nested_forms_pdf, report_pdf

    folder = Path(tempfile.mkdtemp(prefix="security-pages-"))
    plain = report_pdf(folder / "plain.pdf")[0]
    eight, six = nested_forms_pdf(folder / "eight.pdf", 8), nested_forms_pdf(folder / "six.pdf", 6)
    eight_annotation = nested_forms_pdf(folder / "eight-annotation.pdf", 8, via_annotation=True)
    check_off = {"page_max_form_depth": 100, "page_max_form_draws": 10**15}
    print(f"\nlimits: PANEL_PAGE_RENDER_MAX_MB={SETTINGS.page_render_max_mb}, "
          f"PANEL_PAGE_RENDER_TIMEOUT_S={SETTINGS.page_render_timeout_s:g}, PANEL_PAGE_MAX_FORM_DEPTH="
          f"{SETTINGS.page_max_form_depth}, PANEL_PAGE_MAX_FORM_DRAWS={SETTINGS.page_max_form_draws:,}")
    print("| page view | time | server RSS | renderer child's peak RSS | outcome |\n| --- | --- | --- | --- | --- |")
    page_view("an ordinary page", plain)
    page_view(f"forms 8 deep x 10 ({eight.stat().st_size / 1e3:.1f} KB)", eight)
    page_view("forms 6 deep x 10", six)
    page_view("forms 8 deep x 10 in an annotation's appearance", eight_annotation)
    page_view("forms 8 deep x 10, form check off", eight, **check_off)
    page_view("forms 6 deep x 10, form check off", six, **check_off)
    page_view("forms 8 deep x 10 in an annotation, form check off", eight_annotation, **check_off)


def round_view(sizes: tuple[int, ...] = (9, 200, 3000)) -> None:
    """One report ingested, then a round of n reports (its row repeated, as a manifest of n rows would add them, the
    limit bypassed for 3,000): the Markdown table and progress HTML one view of the Round tab returns."""
    from assistant.pipeline import Pipeline
    from assistant.review.reviews import now
    from assistant.rounds import Rounds
    from assistant.web.app import Workspace
    from tests.conftest import SAMPLE_REPORT

    with tempfile.TemporaryDirectory() as folder:
        pipeline = Pipeline(Settings(data_dir=Path(folder) / "data", draft_mode="assessment"))
        workspace, rounds = Workspace(pipeline), Rounds(pipeline)
        print(f"{'reports':>8} {'table B':>11} {'progress B':>11} {'one view B':>11} {'seconds':>8}")
        for n in sizes:
            name = f"R{n}"
            rounds.create(name)
            [first] = rounds.add(name, [SAMPLE_REPORT])
            with pipeline.reviews.write() as db:
                for i in range(1, n):
                    db.execute("INSERT INTO round_reports (round, path, member, year, doc_id, review_id, pages, warnings, "
                               "error, added_at) VALUES (?, ?, ?, 2023, ?, ?, ?, '[]', '', ?)",
                               (name, f"/reports/member-{i:04d}_2023_report.md", f"Member {i:04d}", first.doc_id,
                                first.review_id, first.pages, now()))
            start = time.perf_counter()
            table, progress = workspace.round.round_view(name)
            took = time.perf_counter() - start
            sizes_b = len(table.encode()), len(progress.encode())
            print(f"{n:>8,} {sizes_b[0]:>11,} {sizes_b[1]:>11,} {sum(sizes_b):>11,} {took:>8.2f}")


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", action="store_true", help="the page limit and 200 MB files")
    parser.add_argument("--injection", action="store_true", help="the injection suite, a row per variant")
    parser.add_argument("--pages", action="store_true", help="page views of nested forms, server and renderer")
    parser.add_argument("--round-view", action="store_true", help="the bytes one view of the Round tab sends")
    args = parser.parse_args()
    if args.injection:
        injection()
    if args.size:
        size()
    if args.pages:
        pages()
    if args.round_view:
        round_view()
    if not (args.injection or args.size or args.pages or args.round_view):
        bad_inputs()
        pages()


def _rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
