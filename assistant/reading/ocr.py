"""Scanned PDFs, read through ocrmypdf where it is installed (a system package: tesseract and ghostscript come with
it). Pages keep their numbers: ocrmypdf adds a text layer to each page of a copy and changes nothing else."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

OcrProgress = Callable[[int, int], None]  # (pages done, pages)

INSTALL_HINT = (
    "Install OCR and upload it again (Debian/Ubuntu: sudo apt-get install ocrmypdf; macOS: brew install ocrmypdf), "
    "or run OCR on it yourself (e.g. ocrmypdf scan.pdf searchable.pdf) and upload the result."
)
# ocrmypdf -v1 logs "   N Grafting" as it puts page N's text layer in place.
_PAGE_DONE = re.compile(r"^\s*(\d+) Grafting")


def available() -> bool:
    return shutil.which("ocrmypdf") is not None


def ocr_page_texts(path: Path, pages: int, progress: OcrProgress | None = None, language: str = "eng") -> list[str]:
    """The text of every page, in order, after OCR. Raises RuntimeError with ocrmypdf's last words on failure."""
    from pypdf import PdfReader

    with tempfile.TemporaryDirectory() as tmp:
        searchable = Path(tmp) / "searchable.pdf"
        command = ["ocrmypdf", "-v", "1", "-l", language, "--force-ocr", "--output-type", "pdf", "--optimize", "0",
                   str(path), str(searchable)]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        done: set[int] = set()
        tail: list[str] = []
        for line in process.stderr:
            tail = (tail + [line.rstrip()])[-5:]
            if (match := _PAGE_DONE.match(line)) and progress:
                done.add(int(match.group(1)))
                progress(len(done), pages)
        if process.wait() != 0:
            raise RuntimeError(f"ocrmypdf failed ({process.returncode}): {' / '.join(tail)}")
        if progress:
            progress(pages, pages)
        return [page.extract_text() or "" for page in PdfReader(searchable).pages]
