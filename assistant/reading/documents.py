"""Read report and letter files (PDF, DOCX, Markdown, text) into page-aware text, refusing bad input clearly."""

from __future__ import annotations

import hashlib
import logging
import re
import zipfile
from collections import Counter
from pathlib import Path

from pydantic import BaseModel

from ..models import Document, Page, SuspectText
from .docx_hidden import Visibility
from .hidden_text import extract_visible
from .page_forms import nested_warnings, page_forms

# pypdf logs every recoverable oddity of a damaged file; the caller gets one clear error or warning instead.
logging.getLogger("pypdf").setLevel(logging.ERROR)

SUPPORTED_SUFFIXES = {".pdf", ".docx", ".md", ".markdown", ".txt"}
# Below this many characters a PDF page is taken to be an image without a text layer.
MIN_PAGE_CHARS = 20
# A PDF line set at least this much larger than the body text (or in bold and larger at all) is a heading; levels
# follow the sizes, largest first.
HEADING_SIZE_RATIO = 1.15
MAX_HEADING_LEVEL = 6
MAX_HEADING_WORDS = 15
_ENGLISH_MARKERS = {"the", "and", "of", "to", "in", "is", "that", "for", "with", "our", "we", "has", "have", "this"}


class IngestError(ValueError):
    """A file that cannot be read, with a message meant for the person who submitted it."""


class UnsupportedFileType(IngestError):
    pass


class FileTooLarge(IngestError):
    pass


class EmptyDocument(IngestError):
    pass


class EncryptedDocument(IngestError):
    pass


class ScannedDocument(IngestError):
    pass


class CorruptDocument(IngestError):
    pass


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


class ReadLimits(BaseModel):
    """What one file may cost to read; the defaults are the settings' (assistant/settings.py says why)."""

    max_file_mb: float = 50.0
    max_pages: int = 1500
    max_chars: int = 3_000_000
    max_pdf_content_mb: float = 40.0
    docx_max_uncompressed_mb: float = 150.0
    docx_max_ratio: float = 100.0
    page_max_form_depth: int = 4
    page_max_form_draws: int = 2000


def read_document(path: Path, limits: ReadLimits | None = None, ocr_progress=None, **overrides) -> Document:
    """Read a report or letter; `overrides` are ReadLimits fields (read_document(path, max_pages=10))."""
    limits = (limits or ReadLimits()).model_copy(update=overrides)
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedFileType(
            f"{path.name}: unsupported file type '{suffix or 'none'}'. Use PDF, DOCX, Markdown (.md) or text (.txt)."
        )
    # Before anything resolves the path: a link could point anywhere on this machine (report.md -> /etc/passwd).
    if path.is_symlink():
        raise UnsupportedFileType(f"{path.name}: is a symbolic link; upload the file itself.")
    if not path.is_file():
        raise IngestError(f"{path.name}: no such file")
    size_mb = path.stat().st_size / 1e6
    if size_mb > limits.max_file_mb:
        raise FileTooLarge(
            f"{path.name}: {size_mb:.1f} MB is over the {limits.max_file_mb:g} MB limit (PANEL_MAX_FILE_MB)."
        )
    data = path.read_bytes()
    if not data.strip():
        raise EmptyDocument(f"{path.name}: the file is empty.")
    suspects: list[SuspectText] = []
    if suffix == ".pdf":
        pages, warnings, suspects = _read_pdf(path, data, limits, ocr_progress)
    elif suffix == ".docx":
        pages, warnings, suspects = _read_docx(path, limits)
    else:
        pages, warnings = _read_text(path, data, limits)
    if not any(page.text.strip() for page in pages):
        raise EmptyDocument(f"{path.name}: the file holds no text.")
    warnings += _language_warnings(path.name, " ".join(page.text for page in pages))
    return Document(doc_id=content_hash(data), source=path.name, pages=pages, warnings=warnings, suspects=suspects)


class _TextBudget:
    """Counts characters while a file is extracted, so an oversized one is refused without extracting the rest."""

    def __init__(self, name: str, max_chars: int):
        self.name, self.max_chars, self.used = name, max_chars, 0

    def take(self, text: str) -> str:
        self.add(len(text))
        return text

    def add(self, count: int) -> None:
        self.used += count
        if self.used > self.max_chars:
            raise FileTooLarge(
                f"{self.name}: more than {self.max_chars:,} characters of text, over the limit (PANEL_MAX_CHARS). "
                "Split the report, or raise the limit."
            )


# pypdf's text extraction is pure Python and slower than linear in a page's drawing instructions: flate compresses
# repeated operators about 1000:1, so a 2 MB file holds a one-page 70 MB content stream that takes minutes (300,000
# operators: 12 s to parse, 37 s to extract). The decoded size is checked before parsing, operators while extracting.
# A text page takes 5-100 KB; a page over the limit is a chart or map, or an attack: its text is skipped, with a note.
MAX_PAGE_CONTENT_BYTES = 1_000_000
MAX_PAGE_OPERATORS = 100_000
# Where a PDF starts (the specification lets a header follow up to 1 KB of junk).
_PDF_HEADER_WINDOW = 1024


class _PageTooComplex(Exception):
    pass


def _read_pdf(path: Path, data: bytes, limits: ReadLimits, ocr_progress=None) -> tuple[list[Page], list[str], list[SuspectText]]:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, LimitReachedError, PyPdfError

    if b"%PDF-" not in data[:_PDF_HEADER_WINDOW]:
        raise CorruptDocument(f"{path.name}: this file is not a PDF (it has no %PDF header). Check the file type.")
    budget = _TextBudget(path.name, limits.max_chars)
    content_left = limits.max_pdf_content_mb * 1e6
    pages, too_complex, hidden = [], [], []
    nested: dict[str, list[int]] = {"page": [], "annotations": []}  # pages whose forms the page view refuses
    sizes: dict[str, tuple[float, bool]] = {}  # visible line -> type size, all bold
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            # Many PDFs are "encrypted" with an empty user password only to restrict editing; those still open.
            try:
                opened = reader.decrypt("")
            except Exception:  # pypdf raises several types for unsupported ciphers
                opened = 0
            if not opened:
                raise EncryptedDocument(
                    f"{path.name}: the PDF is password-protected. Remove the password and upload it again."
                )
        count = len(reader.pages)
        if count > limits.max_pages:
            raise FileTooLarge(
                f"{path.name}: {count} pages is over the {limits.max_pages}-page limit (PANEL_MAX_PAGES)."
            )
        for number, page in enumerate(reader.pages, 1):
            size = _content_bytes(page)
            content_left -= size
            if content_left < 0:
                raise FileTooLarge(
                    f"{path.name}: its pages hold more than {limits.max_pdf_content_mb:g} MB of drawing instructions, "
                    "over the limit (PANEL_MAX_PDF_CONTENT_MB)."
                )
            forms, limit = page_forms(page), (limits.page_max_form_depth, limits.page_max_form_draws)
            if forms.content.over(*limit) or forms.annotations.over(*limit):
                nested["page" if forms.content.over(*limit) else "annotations"].append(number)
            try:
                if size > MAX_PAGE_CONTENT_BYTES:
                    raise _PageTooComplex
                # Text a reader cannot see (white, tiny, off-page, covered, invisible, transparent, clipped...) is kept
                # out of the page text.
                text, found = _pdf_page_text(page, number, sizes)
                hidden += found
            except _PageTooComplex:
                too_complex.append(number)
                text = ""
            pages.append(Page(number=number, text=budget.take(text)))
    except IngestError:
        raise
    except FileNotDecryptedError as exc:
        raise EncryptedDocument(f"{path.name}: the PDF is password-protected ({exc}).") from exc
    except (LimitReachedError, MemoryError) as exc:
        raise FileTooLarge(f"{path.name}: the PDF is too large or complex to read safely ({exc}).") from exc
    except PyPdfError as exc:
        raise CorruptDocument(f"{path.name}: the PDF could not be read ({exc.__class__.__name__}: {exc}).") from exc
    except Exception as exc:  # pypdf raises built-in errors of every kind on damaged input
        raise CorruptDocument(f"{path.name}: the PDF could not be read ({exc.__class__.__name__}: {exc}).") from exc
    if not pages:
        raise EmptyDocument(f"{path.name}: the PDF has no pages.")
    pages = _mark_headings(pages, sizes)
    blank = [p.number for p in pages if len(p.text.strip()) < MIN_PAGE_CHARS and p.number not in too_complex]
    kept = [p for p in pages if p.number not in blank and p.number not in too_complex]
    if not kept and too_complex:
        raise FileTooLarge(
            f"{path.name}: pages {_ranges(too_complex)} hold too many drawing instructions to read safely, and no "
            "other page has text."
        )
    warnings = []
    if not kept:
        kept, blank = _read_scanned(path, len(pages), ocr_progress), []
        warnings.append(f"{path.name}: read by OCR; check quotations against the original.")
    if blank:
        warnings.append(f"{path.name}: pages {_ranges(blank)} have no text layer (images or scans?); they were skipped.")
    if too_complex:
        warnings.append(
            f"{path.name}: pages {_ranges(too_complex)} hold too many drawing instructions to read safely (charts, "
            "maps?); their text was skipped."
        )
    warnings += nested_warnings(path.name, nested, limits.page_max_form_depth, limits.page_max_form_draws)
    return kept, warnings, hidden


def _content_bytes(page) -> int:
    from pypdf.generic import StreamObject

    """The decoded size of a page's drawing instructions, of the forms it draws and of its tiling patterns' cells
    (the hidden-text check reads those too; pypdf caps each stream at 75 MB)."""
    size = len(page._get_contents_as_bytes() or b"")  # pypdf has no public API for the decoded contents
    resources = page["/Resources"] if "/Resources" in page else None
    for key in ("/XObject", "/Pattern"):
        objects = resources[key] if isinstance(resources, dict) and key in resources else None
        for name in objects if isinstance(objects, dict) else ():
            drawn = objects[name]
            if isinstance(drawn, StreamObject) and (drawn.get("/Subtype") == "/Form" or key == "/Pattern"):
                size += len(drawn.get_data())
    return size


def _pdf_page_text(page, number: int, sizes: dict[str, tuple[float, bool]] | None = None) -> tuple[str, list[SuspectText]]:
    operators = 0

    def count(*_):
        nonlocal operators
        operators += 1
        if operators > MAX_PAGE_OPERATORS:
            raise _PageTooComplex

    text, hidden = extract_visible(page, number, on_operator=count, sizes=sizes)
    return _clean(text), hidden


def _mark_headings(pages: list[Page], sizes: dict[str, tuple[float, bool]]) -> list[Page]:
    """Lines set larger than the body text, or all in bold a little larger, are headings: marked as Markdown headings
    (the largest size level 1), so a PDF's chapters and subsections read as they do from Markdown or DOCX instead of
    being guessed from where a line stands. The body size is the one most of the text is set in."""
    weights: Counter[float] = Counter()
    for page in pages:
        for line in page.text.split("\n"):
            if (found := sizes.get(line.strip())) is not None:
                weights[round(found[0], 1)] += len(line)
    if not weights:
        return pages
    body = weights.most_common(1)[0][0]

    def heading_size(line: str) -> float | None:
        found = sizes.get(line.strip())
        if found is None or not 0 < len(line.split()) <= MAX_HEADING_WORDS:
            return None
        size, bold = round(found[0], 1), found[1]
        return size if size >= body * HEADING_SIZE_RATIO or (bold and size > body) else None

    lines = [[(line, heading_size(line)) for line in page.text.split("\n")] for page in pages]
    larger = sorted({size for page in lines for _, size in page if size}, reverse=True)
    level = {s: min(i + 1, MAX_HEADING_LEVEL) for i, s in enumerate(larger)}

    def marked(page: list[tuple[str, float | None]]) -> str:
        out: list[str] = []
        for line, size in page:
            if size is None:
                out.append(line)
                continue
            mark = "#" * level[size] + " "
            if out and out[-1].startswith(mark) and line.strip()[0].islower():  # a heading wrapped onto this line
                out[-1] += " " + line.strip()
            else:
                out.append(mark + line.strip())
        return "\n".join(out)

    return [page.model_copy(update={"text": marked(read)}) for page, read in zip(pages, lines)]


def _read_scanned(path: Path, count: int, progress) -> list[Page]:
    from . import ocr  # optional and slow: only for a PDF with no text layer at all

    if not ocr.available():
        raise ScannedDocument(f"{path.name}: no page has a text layer; it looks scanned. {ocr.INSTALL_HINT}")
    try:
        texts = ocr.ocr_page_texts(path, count, progress)
    except RuntimeError as exc:
        raise ScannedDocument(f"{path.name}: it looks scanned and OCR failed ({exc}).") from exc
    pages = [Page(number=i + 1, text=_clean(text)) for i, text in enumerate(texts)]
    if all(len(page.text.strip()) < MIN_PAGE_CHARS for page in pages):
        raise ScannedDocument(f"{path.name}: it looks scanned and OCR found no text on any page.")
    return pages


def _read_docx(path: Path, limits: ReadLimits) -> tuple[list[Page], list[str], list[SuspectText]]:
    import docx
    from docx.opc.exceptions import OpcError
    from docx.table import Table as DocxTable

    _check_docx_archive(path, limits)
    budget = _TextBudget(path.name, limits.max_chars)
    # Page indexes of the hidden runs: whether pages are numbered is known only at the end.
    hidden: list[tuple[int, SuspectText]] = []

    try:
        document = docx.Document(str(path))
        visibility = Visibility(document)
        # paragraph.style scans every style in the file per call: 10,000 paragraphs took 17 s. Look names up once.
        style_names = {style.style_id: (style.name or "").lower() for style in document.styles}
        # Page numbers come from the page breaks Word rendered when it last saved the file; without any, one page.
        pages: list[list[str]] = [[]]

        def visible_text(paragraph, where: str, shading=None) -> str:
            """The paragraph's text a reader sees; the rest goes to `hidden`."""
            pieces = visibility.pieces(paragraph, shading)
            budget.add(sum(len(piece.text) for piece in pieces))
            for piece in pieces:
                if piece.reason is not None and piece.text.strip():
                    suspect = SuspectText(kind="hidden", text=piece.text.strip(), reason=f"{piece.reason}, {where}")
                    hidden.append((len(pages) - 1, suspect))
            return "".join(piece.text for piece in pieces if piece.reason is None)

        def read_paragraph(paragraph, number: int) -> None:
            hard_break = paragraph._p.xpath("./w:r/w:br[@w:type='page']")  # python-docx has no public API for these
            if (hard_break or paragraph.contains_page_break) and pages[-1]:
                pages.append([])
            text = visible_text(paragraph, f"paragraph {number}").strip()
            if text:
                level = _heading_level(style_names.get(paragraph._p.style, ""))  # no public API for the style id
                pages[-1].append(f"{'#' * level} {text}" if level else text)

        def read_table(table, table_number: int) -> None:
            # row.cells repeats a merged cell once per grid column it spans: read it once. Keyed by the lxml element
            # itself, which keeps its proxy alive (an id() could be reused by the next proxy).
            cells: dict[object, str] = {}
            rows = []
            for row_number, row in enumerate(table.rows, start=1):
                for cell in row.cells:
                    if cell._tc not in cells:
                        where = f"table {table_number}, row {row_number}"
                        shading = visibility.cell_background(table._tbl, row._tr, cell._tc)
                        cells[cell._tc] = "\n".join(visible_text(p, where, shading) for p in cell.paragraphs)
                rows.append(" | ".join(cells[cell._tc].strip() for cell in row.cells))
            pages[-1].append("\n".join(rows))

        # In reading order: a table belongs to the chapter it sits in, not after the last paragraph.
        paragraphs = tables = 0
        for block in document.iter_inner_content():
            if isinstance(block, DocxTable):
                tables += 1
                read_table(block, tables)
            else:
                paragraphs += 1
                read_paragraph(block, paragraphs)
    except IngestError:
        raise
    except MemoryError as exc:
        raise FileTooLarge(f"{path.name}: the DOCX is too large to read safely.") from exc
    except (OpcError, zipfile.BadZipFile, SyntaxError, KeyError, ValueError, TypeError, AttributeError, IndexError,
            OSError) as exc:
        # lxml's XMLSyntaxError is a SyntaxError; python-docx raises the others on parts that break its expectations.
        raise CorruptDocument(f"{path.name}: the DOCX could not be read ({exc.__class__.__name__}: {exc}).") from exc
    warnings = [] if len(pages) > 1 else [f"{path.name}: no page breaks recorded; passages are cited by section."]
    numbered = len(pages) > 1
    suspects = [suspect.model_copy(update={"page": i + 1 if numbered else None}) for i, suspect in hidden]
    texts = [Page(number=i + 1 if numbered else None, text="\n\n".join(p)) for i, p in enumerate(pages)]
    return texts, warnings, suspects


def _heading_level(style: str) -> int:
    """Markdown level of a Word paragraph style: 'Title' 1, 'Heading 2' 2; 0 for body text. Sections end at the next
    heading of their own level, so the level matters."""
    if style == "title":
        return 1
    if style.startswith("heading"):
        digits = "".join(ch for ch in style if ch.isdigit())
        return min(int(digits), 6) if digits else 1
    return 0


# Word's XML compresses 5-20:1. python-docx holds the whole XML tree in memory at about ten times its size, so a
# 2 MB file whose document.xml expands to 600 MB took 5.7 GB. zipfile never inflates an entry past the size its
# header declares (it fails the CRC instead), so the declared sizes are safe to check before anything is inflated.
_RATIO_CHECKED_ABOVE = 1_000_000  # small entries may compress well without costing anything


def _check_docx_archive(path: Path, limits: ReadLimits) -> None:
    if not zipfile.is_zipfile(path):
        raise CorruptDocument(f"{path.name}: this file is not a DOCX (it is not a zip archive). Check the file type.")
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise CorruptDocument(f"{path.name}: the DOCX could not be read ({exc.__class__.__name__}: {exc}).") from exc
    total = sum(entry.file_size for entry in entries)
    if total > limits.docx_max_uncompressed_mb * 1e6:
        raise FileTooLarge(
            f"{path.name}: the DOCX expands to {total / 1e6:.0f} MB, over the {limits.docx_max_uncompressed_mb:g} MB "
            "limit (PANEL_DOCX_MAX_UNCOMPRESSED_MB)."
        )
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > _RATIO_CHECKED_ABOVE and ratio > limits.docx_max_ratio:
            raise FileTooLarge(
                f"{path.name}: {entry.filename} expands {ratio:.0f} times, over the {limits.docx_max_ratio:g}:1 limit "
                "(PANEL_DOCX_MAX_RATIO); it looks like a zip bomb."
            )


def _read_text(path: Path, data: bytes, limits: ReadLimits) -> tuple[list[Page], list[str]]:
    if b"\x00" in data:
        raise CorruptDocument(f"{path.name}: this is binary data, not text (it holds NUL bytes).")
    # UTF-8 takes at most 4 bytes a character: a file this long is over the limit whatever it decodes to.
    budget = _TextBudget(path.name, limits.max_chars)
    if len(data) > 4 * limits.max_chars:
        budget.add(len(data) // 4)
    warnings = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = data.decode("cp1252", errors="replace")
        warnings.append(
            f"{path.name}: the text is not valid UTF-8 (byte {exc.start}); it was read as Windows-1252 (cp1252). "
            "Check accented letters and symbols, or save the file as UTF-8."
        )
    budget.take(text)
    # Form feeds mark pages in text exported from PDFs (pdftotext); otherwise cite by section.
    parts = text.split("\f")
    if len(parts) > 1:
        return [Page(number=i + 1, text=_clean(part)) for i, part in enumerate(parts)], warnings
    return [Page(number=None, text=_clean(text))], warnings


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\u00ad", "")
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{4,}", "\n\n\n", text).strip()


def _language_warnings(name: str, text: str) -> list[str]:
    words = re.findall(r"[a-zà-ÿ]+", text.lower()[:20000])
    if len(words) < 30:
        return []
    share = sum(word in _ENGLISH_MARKERS for word in words) / len(words)
    if share < 0.04:
        return [
            f"{name}: the text does not look like English; search and drafting use an English model and will be weaker."
        ]
    return []


def _ranges(numbers: list[int]) -> str:
    spans: list[list[int]] = []
    for number in numbers:
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in spans)
