"""Text in a PDF that a human reader cannot see: filled in the background colour, under 2 pt, outside the page box,
covered by an image or a filled shape drawn later, or drawn in the invisible render mode (Tr 3). Such text would
reach the index and the prompts while the panel never sees it, the classic hiding place for an instruction to an AI.

It is found in the same pypdf pass that extracts the page text: visitor_operand_before follows the graphics state
(fill colour, render mode, q/Q, filled rectangles, images) and visitor_text gives each piece of text with its matrix
and font size. pdfplumber gives the same per character, but took 37 s against pypdf's 0.9 s on a 60-page report
(the visitors add nothing measurable to pypdf's own extraction) and does not expose the render mode
(tests/injection_benchmark.py). The same pass gives each visible line's type size and weight, by which the reader
marks headings.

An OCR text layer (invisible text over a scanned image, as ocrmypdf writes it) is what the reader sees, so
invisible or covered text inside an image's area is kept."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..models import SuspectText

MIN_FONT_PT = 2.0
# Text whose fill differs from the background behind it by less than this (0-1 per RGB channel) cannot be read.
MIN_CONTRAST = 0.1
_WHITE = (1.0, 1.0, 1.0)
_SHOW = {b"Tj", b"TJ", b"'", b'"'}
_FILL = {b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"}
_DISCARD_PATH = {b"n", b"S", b"s"}

Box = tuple[float, float, float, float]  # x0, y0, x1, y1
Colour = tuple[float, float, float]


@dataclass
class _Piece:
    text: str
    order: int
    x: float
    y: float
    size: float
    colours: list[Colour]
    render_modes: list[int]
    bold: bool = False


@dataclass
class _Paint:
    box: Box
    order: int
    colour: Colour | None  # None: an image


@dataclass
class _Scan:
    """The graphics state and what was drawn, in drawing order."""

    images: set[str]
    fill: Colour = (0.0, 0.0, 0.0)  # PDF's initial fill: black
    render: int = 0
    stack: list[tuple[Colour, int]] = field(default_factory=list)
    order: int = 0
    shows: list[tuple[Colour, int]] = field(default_factory=list)
    rects: list[Box] = field(default_factory=list)
    pieces: list[_Piece] = field(default_factory=list)
    paints: list[_Paint] = field(default_factory=list)

    def operand(self, op: bytes, args: list, cm: list[float], tm: list[float]) -> None:
        self.order += 1
        if op == b"q":
            self.stack.append((self.fill, self.render))
        elif op == b"Q" and self.stack:
            self.fill, self.render = self.stack.pop()
        elif op in (b"g", b"rg", b"k", b"sc", b"scn"):
            colour = _rgb(args)
            if colour is not None:
                self.fill = colour
        elif op == b"Tr" and args:
            self.render = int(as_number(args[0]) or 0)
        elif op == b"re" and len(args) == 4:
            x, y, w, h = (as_number(a) or 0.0 for a in args)
            self.rects.append(_transform_box((x, y, x + w, y + h), cm))
        elif op in _FILL:
            self.paints += [_Paint(box, self.order, self.fill) for box in self.rects]
            self.rects = []
        elif op in _DISCARD_PATH:
            self.rects = []
        elif op == b"Do" and args and str(args[0]) in self.images:
            self.paints.append(_Paint(_transform_box((0.0, 0.0, 1.0, 1.0), cm), self.order, None))
        elif op in _SHOW:
            self.shows.append((self.fill, self.render))

    def text(self, text: str, cm: list[float], tm: list[float], font: object, font_size: float) -> None:
        if not text.strip():
            return
        m = _multiply(tm, cm)
        shows, self.shows = self.shows or [(self.fill, self.render)], []
        self.pieces.append(_Piece(
            text=text, order=self.order, x=m[4], y=m[5], size=abs(font_size) * math.hypot(m[2], m[3]),
            colours=[c for c, _ in shows], render_modes=[r for _, r in shows], bold=_bold(font),
        ))


def _bold(font: object) -> bool:
    name = str(font.get("/BaseFont", "")) if isinstance(font, dict) else ""
    return any(weight in name for weight in ("Bold", "Black", "Heavy", "Semibold", "SemiBold"))


def extract_visible(page, number: int | None = None, on_operator=None,
                    sizes: dict[str, tuple[float, bool]] | None = None) -> tuple[str, list[SuspectText]]:
    """The page text without hidden text, and the hidden text as suspects (consecutive pieces joined).
    `on_operator` is called for every drawing operator (the reader bounds a page's work with it). `sizes`, where
    given, receives each visible line's type size (its smallest piece's) and whether all of it is bold: the reader
    tells headings by them."""
    resources = page.get("/Resources") or {}
    xobjects = resources.get("/XObject") or {}
    images = {str(name) for name in xobjects if xobjects[name].get_object().get("/Subtype") == "/Image"}
    scan = _Scan(images=images)
    def operand(*args):
        if on_operator is not None:
            on_operator()
        scan.operand(*args)

    text = page.extract_text(visitor_operand_before=operand, visitor_text=scan.text) or ""
    page_box = tuple(float(v) for v in page.cropbox)
    suspects: list[SuspectText] = []
    cuts: list[tuple[int, int]] = []
    shown: list[tuple[int, int, float, bool]] = []  # visible pieces: start, end, size, bold
    cursor = 0
    for piece in scan.pieces:
        at = text.find(piece.text, cursor)
        reason = _hidden(piece, scan.paints, page_box)
        if at >= 0:
            cursor = at + len(piece.text)
        if reason is None:
            if at >= 0:
                shown.append((at, cursor, piece.size, piece.bold))
            continue
        if at >= 0:
            cuts.append((at, cursor))
        if suspects and suspects[-1].reason == reason:
            suspects[-1].text += " " + piece.text.strip()
        else:
            suspects.append(SuspectText(kind="hidden", page=number, text=piece.text.strip(), reason=reason))
    for start, end in reversed(cuts):
        text = text[:start] + text[end:]
    if sizes is not None:
        _line_sizes(text, [(s - (cut := _removed_before(s, cuts)), e - cut, z, b) for s, e, z, b in shown], sizes)
    return text, suspects


def _removed_before(offset: int, cuts: list[tuple[int, int]]) -> int:
    return sum(end - start for start, end in cuts if end <= offset)


def _line_sizes(text: str, shown: list[tuple[int, int, float, bool]], sizes: dict[str, tuple[float, bool]]) -> None:
    """One sweep over the lines and the pieces, both in text order: linear in the page's size."""
    shown = sorted(shown)
    first = 0  # the first piece that may reach the current line
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        while first < len(shown) and shown[first][1] <= start:
            first += 1
        found = []
        for s, e, size, bold in shown[first:]:
            if s >= end:
                break
            if text[max(s, start):min(e, end)].strip():
                found.append((size, bold))
        if found and line.strip():
            size, bold = min(size for size, _ in found), all(bold for _, bold in found)
            known = sizes.get(line.strip())
            sizes[line.strip()] = (min(size, known[0]), bold and known[1]) if known else (size, bold)
        start = end + 1


def _hidden(piece: _Piece, paints: list[_Paint], page_box: Box) -> str | None:
    point = (piece.x, piece.y + piece.size / 3)  # inside the glyphs, above the baseline
    on_image = any(p.colour is None and _contains(p.box, point) for p in paints)
    if all(mode in (3, 7) for mode in piece.render_modes) and not on_image:
        return "invisible text (render mode 3)"
    if piece.size < MIN_FONT_PT:
        return f"text under {MIN_FONT_PT:g} pt ({piece.size:.1f} pt)"
    x0, y0, x1, y1 = page_box
    if not (x0 - 1 <= piece.x <= x1 - 1 and y0 - 1 <= point[1] <= y1 + 1):
        return "text outside the page"
    later = [p for p in paints if p.order > piece.order and _contains(p.box, point)]
    if later and not (on_image and all(mode in (3, 7) for mode in piece.render_modes)):
        return "text covered by an image" if any(p.colour is None for p in later) else "text covered by a filled shape"
    behind = [p for p in paints if p.order < piece.order and _contains(p.box, point)]
    background = behind[-1].colour if behind else _WHITE
    if background is not None and all(colour_distance(c, background) < MIN_CONTRAST for c in piece.colours):
        return "text in the background colour"
    return None


def _rgb(args: list) -> Colour | None:
    values = [as_number(a) for a in args]
    if any(v is None for v in values):
        return None  # a pattern name
    if len(values) == 1:
        return (values[0],) * 3
    if len(values) == 3:
        return tuple(values)
    if len(values) == 4:
        c, m, y, k = values
        return ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    return None


def as_number(value) -> float | None:
    """A PDF or XML operand as a number, None where it is not one."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _multiply(a: list[float], b: list[float]) -> list[float]:
    return [
        a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5],
    ]


def _transform_box(box: Box, cm: list[float]) -> Box:
    corners = [(box[0], box[1]), (box[0], box[3]), (box[2], box[1]), (box[2], box[3])]
    xs = [cm[0] * x + cm[2] * y + cm[4] for x, y in corners]
    ys = [cm[1] * x + cm[3] * y + cm[5] for x, y in corners]
    return min(xs), min(ys), max(xs), max(ys)


def _contains(box: Box, point: tuple[float, float]) -> bool:
    return box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]


def colour_distance(a: Colour, b: Colour) -> float:
    """How far apart two colours are: the largest difference of a channel (0 to 1)."""
    return max(abs(x - y) for x, y in zip(a, b))
