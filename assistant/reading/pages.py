"""A report's PDF page as an image, with a quote highlighted: the workspace's "see this quote in context".

Quotes come from our own text extraction (pypdf), which spaces, hyphenates and joins ligatures differently from
PDFium's text layer. So both are compared on letters and digits alone (NFKC-folded, lower case); where that exact
comparison fails, a fuzzy alignment (rapidfuzz) finds the span. PDFium then gives the rectangles of the matched
characters line by line, as it does for a text selection.

PDFium runs in a child process, one per page shown, never in the server: under a memory limit (RLIMIT_AS,
PANEL_PAGE_RENDER_MAX_MB) and a time limit (PANEL_PAGE_RENDER_TIMEOUT_S). A page that would exhaust either is an
error for that page alone; the server, and everyone else using it, carries on. Before drawing, the child counts the
page's forms (page_forms.py): a page that nests them too deep or draws them too often is refused at once, and one
whose annotations alone do is drawn without its annotations, since the quote is in the page's own text.
"""

from __future__ import annotations

import io
import json
import logging
import math
import os
import subprocess
import sys
import threading
import unicodedata
from pathlib import Path

from pydantic import BaseModel, Field
from rapidfuzz import fuzz

from .page_forms import page_forms

log = logging.getLogger(__name__)

# A quote counts as found on a page when this share of its letters align with one span of the page (rapidfuzz).
QUOTE_MATCH = 90.0
# Below this many letters and digits a fuzzy alignment finds a match anywhere: short quotes must match exactly.
MIN_FUZZY_LENGTH = 12
# One page at most this many pixels (RGBA: 4 bytes each, ~48 MB), however tall or wide the page is.
MAX_PIXELS = 12_000_000
MIN_WIDTH, MAX_WIDTH = 200, 3000
# Translucent marker yellow over the lines, with a darker edge so a highlight on a yellow page still shows.
HIGHLIGHT_FILL = (255, 214, 0, 100)
HIGHLIGHT_EDGE = (214, 140, 0, 255)
HIGHLIGHT_PAD = 3  # pixels around the lines' boxes

# At most this many pages drawn at once, each in its own child process under its memory limit.
MAX_RENDERS_AT_ONCE = 2
_RENDERS = threading.BoundedSemaphore(MAX_RENDERS_AT_ONCE)


class PageViewError(ValueError):
    """A page that cannot be shown (encrypted, damaged, missing file), with a message meant for the panel member."""


class PageOutOfRange(PageViewError):
    pass


class PageImage(BaseModel):
    png: bytes
    page: int = Field(description="1-based, as the evidence quotes it")
    found: bool = Field(description="Whether the quote was found on the page and highlighted")
    width: int
    height: int
    boxes: list[tuple[int, int, int, int]] = Field(
        default_factory=list, description="The highlighted lines in pixels (left, top, right, bottom), to scroll to"
    )
    annotations: bool = Field(True, description="False: the page's annotations were left out, too complex to draw")


class RenderLimits(BaseModel):
    """What drawing one page may cost; the defaults are the settings' (assistant/settings.py says why)."""

    page_render_max_mb: int = 1024
    page_render_timeout_s: float = 10.0
    page_max_form_depth: int = 4
    page_max_form_draws: int = 2000


def render_page(pdf_path: Path, page: int, quote: str, width: int = 900,
                limits: RenderLimits | None = None) -> PageImage:
    """Render one page (1-based) about `width` pixels wide, with the quote's lines highlighted where it is found: in
    a child process, under `limits`. Raises PageViewError for a page it cannot show."""
    limits = limits or RenderLimits()
    pdf_path = Path(pdf_path)
    request = {"path": str(pdf_path.resolve()), "page": page, "quote": quote,
               "width": min(max(int(width), MIN_WIDTH), MAX_WIDTH),
               "max_form_depth": limits.page_max_form_depth, "max_form_draws": limits.page_max_form_draws}
    # This module again (python -m assistant.reading.pages), able to import the package wherever it is installed.
    command = [sys.executable, "-m", __name__, str(limits.page_render_max_mb),
               str(math.ceil(limits.page_render_timeout_s) + 1)]
    package_root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
    cannot = f"{pdf_path.name}: this page cannot be shown"
    with _RENDERS:
        try:
            done = subprocess.run(command, input=json.dumps(request).encode(), capture_output=True, env=env,
                                  timeout=limits.page_render_timeout_s, check=False)
        except subprocess.TimeoutExpired:  # run() has killed the child
            raise PageViewError(f"{cannot}: drawing it took longer than {limits.page_render_timeout_s:g} s "
                                "(PANEL_PAGE_RENDER_TIMEOUT_S).") from None
        except OSError as exc:
            raise PageViewError(f"{cannot}: the page renderer could not start ({exc}).") from exc
    header, _, png = done.stdout.partition(b"\n")
    try:
        answer = json.loads(header) if done.returncode == 0 else None
    except ValueError:
        answer = None
    memory = (f"{cannot}: drawing it needs more than the {limits.page_render_max_mb:,} MB of memory a page may use "
              "(PANEL_PAGE_RENDER_MAX_MB)")
    if not isinstance(answer, dict):  # killed at its memory limit (PDFium aborts), or crashed
        how = f"signal {-done.returncode}" if done.returncode < 0 else f"exit status {done.returncode}"
        log.warning("page renderer failed", extra={"file": pdf_path.name, "page": page, "status": how,
                                                   "stderr": done.stderr[-500:].decode(errors="replace")})
        raise PageViewError(f"{memory}, or the renderer failed ({how}).")
    if answer.get("memory"):
        raise PageViewError(f"{memory}.")
    if "error" in answer:
        raise (PageOutOfRange if answer.get("out_of_range") else PageViewError)(answer["error"])
    return PageImage(png=png, **answer)


def _render_here(path: Path, page: int, quote: str, width: int, max_form_depth: int, max_form_draws: int) -> PageImage:
    """What the child does: open the PDF, check the page's forms, draw it."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(path)
    except FileNotFoundError as exc:
        raise PageViewError(f"{path.name}: the original file is missing.") from exc
    except pdfium.PdfiumError as exc:
        if exc.err_code == pdfium.raw.FPDF_ERR_PASSWORD:
            raise PageViewError(f"{path.name}: the PDF is password-protected; its pages cannot be shown.") from exc
        raise PageViewError(f"{path.name}: the PDF could not be opened ({exc}).") from exc
    try:
        count = len(document)
        if not 1 <= page <= count:
            raise PageOutOfRange(f"{path.name}: no page {page}; the PDF has {count} page(s).")
        annotations = _check_forms(path, page, max_form_depth, max_form_draws)
        pdf_page = document[page - 1]
        try:
            return _render(pdf_page, page, quote, width, annotations)
        finally:
            pdf_page.close()
    except (PageViewError, MemoryError):
        raise
    except Exception as exc:  # PDFium reports a damaged page as a PdfiumError, pypdfium2 as built-in errors
        raise PageViewError(f"{path.name}: page {page} could not be drawn ({exc.__class__.__name__}: {exc}).") from exc
    finally:
        document.close()


def _check_forms(path: Path, page: int, max_depth: int, max_draws: int) -> bool:
    """Refuse a page whose own drawing nests forms past the limits; False where only its annotations do (the page is
    then drawn without them)."""
    from pypdf import PdfReader

    reader = PdfReader(path, strict=False)
    if reader.is_encrypted:
        reader.decrypt("")  # PDFium opened it, so it has no user password
    forms = page_forms(reader.pages[page - 1])
    if forms.content.over(max_depth, max_draws):
        raise PageViewError(
            f"{path.name}: this page cannot be shown: it draws {forms.content.describe()}, over the limits "
            f"({max_depth} deep, {max_draws:,} draws; PANEL_PAGE_MAX_FORM_DEPTH, PANEL_PAGE_MAX_FORM_DRAWS). "
            "Drawing it could exhaust the server's memory."
        )
    return not forms.annotations.over(max_depth, max_draws)


def _render(pdf_page, number: int, quote: str, width: int, annotations: bool = True) -> PageImage:
    from PIL import Image, ImageDraw

    page_width, page_height = pdf_page.get_size()
    scale = min(width / page_width, (MAX_PIXELS / (page_width * page_height)) ** 0.5)
    while math.ceil(page_width * scale) * math.ceil(page_height * scale) > MAX_PIXELS:  # PDFium rounds up
        scale *= 0.99
    bitmap = pdf_page.render(scale=scale, draw_annots=annotations)
    textpage = pdf_page.get_textpage()
    try:
        rects = _quote_rects(textpage, quote)
        to_pixels = bitmap.get_posconv(pdf_page)
        boxes = [_pixel_box(to_pixels, rect) for rect in rects]
    finally:
        textpage.close()
    image = bitmap.to_pil().convert("RGBA")
    bitmap.close()
    if boxes:
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        for left, top, right, bottom in boxes:
            draw.rectangle((left, top, right, bottom), fill=HIGHLIGHT_FILL, outline=HIGHLIGHT_EDGE, width=2)
        image = Image.alpha_composite(image, overlay)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG")
    return PageImage(png=buffer.getvalue(), page=number, found=bool(boxes), width=image.width, height=image.height,
                     boxes=boxes, annotations=annotations)


def _pixel_box(to_pixels, rect: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    """A PDF rectangle (left, bottom, right, top in points) as pixels (left, top, right, bottom), padded; the
    corners are sorted because a rotated page swaps them."""
    left, bottom, right, top = rect
    xs, ys = zip(to_pixels.to_bitmap(left, top), to_pixels.to_bitmap(right, bottom))
    return (min(xs) - HIGHLIGHT_PAD, min(ys) - HIGHLIGHT_PAD, max(xs) + HIGHLIGHT_PAD, max(ys) + HIGHLIGHT_PAD)


def _quote_rects(textpage, quote: str) -> list[tuple[float, float, float, float]]:
    """The rectangles, one per line run, of the quote's characters on the page; none where it is not there."""
    import pypdfium2.raw as pdfium_c

    # Char by char, because get_text_range may insert or drop characters, which would shift the indices.
    chars = [chr(pdfium_c.FPDFText_GetUnicode(textpage, i)) for i in range(textpage.count_chars())]
    page_letters, char_of = _letters(chars)
    wanted, _ = _letters(quote)
    span = _find(wanted, page_letters)
    if span is None:
        return []
    first, last = char_of[span[0]], char_of[span[1] - 1]
    count = textpage.count_rects(first, last - first + 1)
    return [textpage.get_rect(i) for i in range(count)]


def _letters(chars) -> tuple[str, list[int]]:
    """Only the letters and digits, NFKC-folded (a ligature becomes its letters) and lower case, each with the
    index of the character it came from: spacing, line breaks, hyphens and punctuation drop out."""
    letters, origin = [], []
    for index, char in enumerate(chars):
        for letter in unicodedata.normalize("NFKC", char).casefold():
            if letter.isalnum():
                letters.append(letter)
                origin.append(index)
    return "".join(letters), origin


def _find(wanted: str, text: str) -> tuple[int, int] | None:
    """Where `wanted` sits in `text` (start, end): exactly, else by the best fuzzy alignment good enough."""
    if not wanted:
        return None
    start = text.find(wanted)
    if start >= 0:
        return start, start + len(wanted)
    if len(wanted) < MIN_FUZZY_LENGTH or len(wanted) > len(text):
        return None
    alignment = fuzz.partial_ratio_alignment(wanted, text, score_cutoff=QUOTE_MATCH)
    if alignment is None or alignment.dest_end <= alignment.dest_start:
        return None
    return alignment.dest_start, alignment.dest_end


def _child(max_mb: int, cpu_s: int) -> int:
    """The child's side: limits first, then one request (JSON on stdin), then a JSON line and the PNG on stdout."""
    try:
        import resource
    except ImportError:  # not on Linux or macOS: the time limit still holds
        resource = None
    if resource is not None:
        resource.setrlimit(resource.RLIMIT_AS, (max_mb << 20, max_mb << 20))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # PDFium aborts at its memory limit: no core file
    request = json.loads(sys.stdin.buffer.read())
    png = b""
    try:
        image = _render_here(Path(request.pop("path")), **request)
        answer, png = image.model_dump(exclude={"png"}), image.png
    except PageOutOfRange as exc:
        answer = {"error": str(exc), "out_of_range": True}
    except PageViewError as exc:
        answer = {"error": str(exc)}
    except MemoryError:  # Python's part of the work (the image, the PNG) at the limit
        answer, png = {"memory": True}, b""
    sys.stdout.buffer.write(json.dumps(answer).encode() + b"\n" + png)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(_child(int(sys.argv[1]), int(sys.argv[2])))
