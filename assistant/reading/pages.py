"""A report's PDF page as an image, with a quote highlighted: the workspace's "see this quote in context".

Quotes come from our own text extraction (pypdf), which spaces, hyphenates and joins ligatures differently from
PDFium's text layer. So both are compared on letters and digits alone (NFKC-folded, lower case); where that exact
comparison fails, a fuzzy alignment (rapidfuzz) finds the span. PDFium then gives the rectangles of the matched
characters line by line, as it does for a text selection.
"""

from __future__ import annotations

import io
import math
import threading
import unicodedata
from pathlib import Path

from pydantic import BaseModel, Field
from rapidfuzz import fuzz

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

# PDFium is not thread-safe, and the workspace serves several threads: one call into it at a time.
_PDFIUM = threading.Lock()


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


def render_page(pdf_path: Path, page: int, quote: str, width: int = 900) -> PageImage:
    """Render one page (1-based) about `width` pixels wide, with the quote's lines highlighted where it is found."""
    import pypdfium2 as pdfium

    pdf_path = Path(pdf_path)
    width = min(max(int(width), MIN_WIDTH), MAX_WIDTH)
    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(pdf_path)
        except FileNotFoundError as exc:
            raise PageViewError(f"{pdf_path.name}: the original file is missing.") from exc
        except pdfium.PdfiumError as exc:
            if exc.err_code == pdfium.raw.FPDF_ERR_PASSWORD:
                raise PageViewError(f"{pdf_path.name}: the PDF is password-protected; its pages cannot be shown.") from exc
            raise PageViewError(f"{pdf_path.name}: the PDF could not be opened ({exc}).") from exc
        try:
            count = len(document)
            if not 1 <= page <= count:
                raise PageOutOfRange(f"{pdf_path.name}: no page {page}; the PDF has {count} page(s).")
            pdf_page = document[page - 1]
            try:
                return _render(pdf_page, page, quote, width)
            finally:
                pdf_page.close()
        except PageViewError:
            raise
        except Exception as exc:  # PDFium reports a damaged page as a PdfiumError, pypdfium2 as built-in errors
            raise PageViewError(f"{pdf_path.name}: page {page} could not be drawn ({exc.__class__.__name__}: {exc}).") from exc
        finally:
            document.close()


def _render(pdf_page, number: int, quote: str, width: int) -> PageImage:
    from PIL import Image, ImageDraw

    page_width, page_height = pdf_page.get_size()
    scale = min(width / page_width, (MAX_PIXELS / (page_width * page_height)) ** 0.5)
    while math.ceil(page_width * scale) * math.ceil(page_height * scale) > MAX_PIXELS:  # PDFium rounds up
        scale *= 0.99
    bitmap = pdf_page.render(scale=scale)
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
                     boxes=boxes)


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
