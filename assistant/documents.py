"""Read report and letter files (PDF, DOCX, Markdown, text) into page-aware text, refusing bad input clearly."""

from __future__ import annotations

import hashlib
import logging
import re
import zipfile
from pathlib import Path

from .models import Document, Page

# pypdf logs every recoverable oddity of a damaged file; the caller gets one clear error or warning instead.
logging.getLogger("pypdf").setLevel(logging.ERROR)

SUPPORTED_SUFFIXES = {".pdf", ".docx", ".md", ".markdown", ".txt"}
# Below this many characters a PDF page is taken to be an image without a text layer.
MIN_PAGE_CHARS = 20
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


def read_document(path: Path, *, max_file_mb: float = 50.0, max_pages: int = 1500, ocr_progress=None) -> Document:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedFileType(
            f"{path.name}: unsupported file type '{suffix or 'none'}'. Use PDF, DOCX, Markdown (.md) or text (.txt)."
        )
    if not path.is_file():
        raise IngestError(f"{path.name}: no such file")
    size_mb = path.stat().st_size / 1e6
    if size_mb > max_file_mb:
        raise FileTooLarge(f"{path.name}: {size_mb:.1f} MB is over the {max_file_mb:g} MB limit (PANEL_MAX_FILE_MB).")
    data = path.read_bytes()
    if not data.strip():
        raise EmptyDocument(f"{path.name}: the file is empty.")
    if suffix == ".pdf":
        pages, warnings = _read_pdf(path, max_pages, ocr_progress)
    elif suffix == ".docx":
        pages, warnings = _read_docx(path)
    else:
        pages, warnings = _read_text(path, data)
    if not any(page.text.strip() for page in pages):
        raise EmptyDocument(f"{path.name}: the file holds no text.")
    warnings += _language_warnings(path.name, " ".join(page.text for page in pages))
    return Document(doc_id=content_hash(data), source=path.name, pages=pages, warnings=warnings)


def _read_pdf(path: Path, max_pages: int, ocr_progress=None) -> tuple[list[Page], list[str]]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

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
        if count > max_pages:
            raise FileTooLarge(f"{path.name}: {count} pages is over the {max_pages}-page limit (PANEL_MAX_PAGES).")
        pages = [Page(number=i + 1, text=_clean(page.extract_text() or "")) for i, page in enumerate(reader.pages)]
    except IngestError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError) as exc:
        raise CorruptDocument(f"{path.name}: the PDF could not be read ({exc.__class__.__name__}: {exc}).") from exc
    if not pages:
        raise EmptyDocument(f"{path.name}: the PDF has no pages.")
    blank = [page.number for page in pages if len(page.text.strip()) < MIN_PAGE_CHARS]
    warnings = []
    if len(blank) == len(pages):
        pages, warnings = _read_scanned(path, len(pages), ocr_progress), [f"{path.name}: read by OCR; check quotations."]
        blank = [page.number for page in pages if len(page.text.strip()) < MIN_PAGE_CHARS]
    if blank:
        warnings.append(f"{path.name}: pages {_ranges(blank)} have no text layer (images or scans?); they were skipped.")
    return [page for page in pages if page.number not in blank], warnings


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


def _read_docx(path: Path) -> tuple[list[Page], list[str]]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise CorruptDocument(f"{path.name}: the DOCX could not be read ({exc.__class__.__name__}).") from exc
    # Page numbers come from the page breaks Word rendered when it last saved the file; without any, one page.
    pages: list[list[str]] = [[]]
    for paragraph in document.paragraphs:
        hard_break = paragraph._p.xpath("./w:r/w:br[@w:type='page']")  # python-docx has no public API for these
        if (hard_break or paragraph.contains_page_break) and pages[-1]:
            pages.append([])
        text = paragraph.text.strip()
        if text:
            heading = paragraph.style is not None and paragraph.style.name.lower().startswith(("heading", "title"))
            pages[-1].append(f"# {text}" if heading else text)
    for table in document.tables:
        rows = [" | ".join(cell.text.strip() for cell in row.cells) for row in table.rows]
        pages[-1].append("\n".join(rows))
    warnings = [] if len(pages) > 1 else [f"{path.name}: no page breaks recorded; passages are cited by section."]
    numbered = len(pages) > 1
    return [Page(number=i + 1 if numbered else None, text="\n\n".join(p)) for i, p in enumerate(pages)], warnings


def _read_text(path: Path, data: bytes) -> tuple[list[Page], list[str]]:
    if b"\x00" in data[:4096]:
        raise CorruptDocument(f"{path.name}: this is binary data, not text.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    # Form feeds mark pages in text exported from PDFs (pdftotext); otherwise cite by section.
    parts = text.split("\f")
    if len(parts) > 1:
        return [Page(number=i + 1, text=_clean(part)) for i, part in enumerate(parts)], []
    return [Page(number=None, text=_clean(text))], []


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
