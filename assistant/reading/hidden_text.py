"""Text in a PDF that a human reader cannot see: filled in the background colour, under 2 pt, outside the page box,
covered by an image or a filled shape drawn later, drawn in the invisible render mode (Tr 3), transparent (the
ExtGState's /ca for a fill, /CA for a stroke), blended away (/BM over a painted backdrop), in a Separation or DeviceN
colour whose tint shows the background colour or whose colourant is /None, filled with a pattern that paints nothing
or only the background colour, or clipped away (a clipping path under 2 pt, or one that misses the text). Such text
would reach the index and the prompts while the panel never sees it, the classic hiding place for an instruction to
an AI.

It is found in the same pypdf pass that extracts the page text: visitor_operand_before follows the graphics state
(fill and stroke colour and colour space, opacity and blend mode, render mode, clipping path, q/Q, filled
rectangles, images, the resources of each form drawn) and visitor_text gives each piece of text with its matrix and
font size. Colours are worked out in pdf_colour.py (tint transforms in pdf_functions.py). pdfplumber gives the same
per character, but took 37 s against pypdf's 0.9 s on a 60-page report (the visitors add a little to pypdf's own
extraction) and does not expose the render mode (tests/injection_benchmark.py). The same pass gives each visible
line's type size and weight, by which the reader marks headings. tests/test_security.py (row 2) renders every case
with PDFium and checks that the verdicts agree with the pixels.

The clipping path is followed as its bounding box, which holds the real path: text is clipped away only where the
whole line's box misses it, or where it is under 2 pt wide or high (a sliver of a glyph cannot be read, as text under
2 pt cannot). Text in a colour that cannot be worked out (an image in a pattern, a mesh shading's own colours) counts
as visible.

An OCR text layer (invisible text over a scanned image, as ocrmypdf writes it) is what the reader sees, so
invisible or covered text inside an image's area is kept."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from ..models import SuspectText
from .pdf_colour import (
    BLACK_INK,
    DEVICE_CMYK,
    DEVICE_GRAY,
    DEVICE_RGB,
    MAX_RENDERS,
    UNCHECKED,
    Colours,
    Ink,
    Space,
    composite,
    device_rgb,
)

MIN_FONT_PT = 2.0
# Text whose fill differs from the background behind it by less than this (0-1 per RGB channel) cannot be read.
MIN_CONTRAST = 0.1
_WHITE = (1.0, 1.0, 1.0)
_SHOW = {b"Tj", b"TJ", b"'", b'"'}
_FILL = {b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"}
_PAINT_PATH = _FILL | {b"n", b"S", b"s"}
_PATH_POINTS = {b"m": 1, b"l": 1, b"c": 3, b"v": 2, b"y": 2}
_FILLS_GLYPHS = {0, 2, 4, 6}  # text render modes that fill the glyphs, and that stroke them
_STROKES_GLYPHS = {1, 2, 5, 6}
# A glyph's extent in text space, in font-size units from its origin: an average advance, descender to ascender.
# Generous, so that text is said to be clipped away only where its whole line is clear of the clipping path.
_ADVANCE, _DESCENT, _ASCENT = 0.6, -0.3, 1.0
_NORMAL_BLEND = {"/Normal", "/Compatible"}

Box = tuple[float, float, float, float]  # x0, y0, x1, y1
Colour = tuple[float, float, float]


@dataclass(frozen=True)
class _State:
    """The part of the graphics state that decides whether text shows (saved by q, restored by Q)."""

    fill: Ink = BLACK_INK  # PDF's initial colours: black
    stroke: Ink = BLACK_INK
    fill_space: Space | None = DEVICE_GRAY
    stroke_space: Space | None = DEVICE_GRAY
    fill_alpha: float = 1.0  # the ExtGState's /ca and /CA
    stroke_alpha: float = 1.0
    blend: str = "/Normal"
    render: int = 0
    clip: Box | None = None  # the clipping path's bounding box; None: the whole page
    # A colour set by cs/scn is worked out when something is painted with it: (space, operands or None, resources)
    pending_fill: tuple | None = None
    pending_stroke: tuple | None = None


@dataclass
class _Piece:
    text: str
    order: int
    x: float
    y: float
    size: float
    box: Box
    shows: list[_State]
    bold: bool = False


@dataclass
class _Paint:
    box: Box
    order: int
    colour: Colour | None  # None: an image
    alpha: float = 1.0
    blend: str = "/Normal"


@dataclass
class _Scan:
    """The graphics state and what was drawn, in drawing order."""

    resources: list  # the page's, then each form's being drawn
    colours: Colours
    state: _State = field(default_factory=_State)
    stack: list[_State] = field(default_factory=list)
    order: int = 0
    shows: list[_State] = field(default_factory=list)
    rects: list[Box] = field(default_factory=list)
    path: list[tuple[float, float]] = field(default_factory=list)
    clipping: bool = False  # W or W* seen: the path clips once it is painted or ended
    pieces: list[_Piece] = field(default_factory=list)
    paints: list[_Paint] = field(default_factory=list)

    def operand(self, op: bytes, args: list, cm: list[float], tm: list[float]) -> None:
        self.order += 1
        s = self.state  # never changed in place: q, Q and each show keep a reference, a change makes a new state
        if op in _SHOW:
            if s.pending_fill is not None or s.pending_stroke is not None:
                self._resolve_colours()
            self.shows.append(self.state)
        elif op == b"q":
            self.stack.append(s)
        elif op == b"Q" and self.stack:
            self.state = self.stack.pop()
        elif op in (b"g", b"rg", b"k"):
            self._set(fill=Ink.plain(device_rgb(_numbers(args))), fill_space=_DEVICE_BY_OP[op], pending_fill=None)
        elif op in (b"G", b"RG", b"K"):
            self._set(stroke=Ink.plain(device_rgb(_numbers(args))), stroke_space=_DEVICE_BY_OP[op],
                      pending_stroke=None)
        elif op == b"cs" and args:
            space = self.colours.space(args[0], self.resources[-1])
            self._set(fill_space=space, pending_fill=(space, None, self.resources[-1]))
        elif op == b"CS" and args:
            space = self.colours.space(args[0], self.resources[-1])
            self._set(stroke_space=space, pending_stroke=(space, None, self.resources[-1]))
        elif op in (b"sc", b"scn"):
            self._set(pending_fill=(s.fill_space, list(args), self.resources[-1]))
        elif op in (b"SC", b"SCN"):
            self._set(pending_stroke=(s.stroke_space, list(args), self.resources[-1]))
        elif op == b"gs" and args:
            self._graphics_state(str(args[0]))
        elif op == b"Tr" and args:
            self._set(render=int(as_number(args[0]) or 0))
        elif op == b"re" and len(args) == 4:
            x, y, w, h = (as_number(a) or 0.0 for a in args)
            box = _transform_box((x, y, x + w, y + h), cm)
            self.rects.append(box)
            self.path += [(box[0], box[1]), (box[2], box[3])]
        elif op in _PATH_POINTS and len(args) == 2 * _PATH_POINTS[op]:
            values = [as_number(a) or 0.0 for a in args]
            self.path += [_transform_point(values[i], values[i + 1], cm) for i in range(0, len(values), 2)]
        elif op in (b"W", b"W*"):
            self.clipping = True
        elif op in _PAINT_PATH:
            if op in _FILL and self.rects:
                self._resolve_colours()
                s = self.state
                self.paints += [_Paint(box, self.order, c, a, s.blend) for rect in self.rects
                                if (box := _intersect(rect, s.clip)) is not None for c, a in _opaque_marks(s)]
            if self.clipping and self.path:
                xs, ys = [p[0] for p in self.path], [p[1] for p in self.path]
                box = _intersect((min(xs), min(ys), max(xs), max(ys)), s.clip)
                self._set(clip=box or (xs[0], ys[0], xs[0], ys[0]))  # clipped to nothing: a point
            self.rects, self.path, self.clipping = [], [], False
        elif op == b"Do" and args:
            xobject = _xobject(self.resources[-1], str(args[0]))
            if xobject is not None and xobject.get("/Subtype") == "/Image":
                box = _intersect(_transform_box((0.0, 0.0, 1.0, 1.0), cm), s.clip)
                if box is not None:
                    self.paints.append(_Paint(box, self.order, None, s.fill_alpha, s.blend))
            elif xobject is not None and xobject.get("/Subtype") == "/Form":
                # pypdf draws the form next, in its own resources; operand_after pops them (q/Q around it too)
                self.stack.append(s)
                self.resources.append(xobject.get("/Resources") or self.resources[-1])

    def _set(self, **changes) -> None:
        self.state = replace(self.state, **changes)

    def _resolve_colours(self) -> None:
        s = self.state
        changes = {}
        for pending, attribute in ((s.pending_fill, "fill"), (s.pending_stroke, "stroke")):
            if pending is not None:
                space, args, resources = pending
                changes[attribute] = self.colours.initial_ink(space) if args is None \
                    else self.colours.ink(space, args, resources)
        if changes:
            self._set(pending_fill=None, pending_stroke=None, **changes)

    def operand_after(self, op: bytes, args: list, cm: list[float], tm: list[float]) -> None:
        if op == b"Do" and args and len(self.resources) > 1:
            xobject = _xobject(self.resources[-2], str(args[0]))
            if xobject is not None and xobject.get("/Subtype") == "/Form":
                self.resources.pop()
                if self.stack:
                    self.state = self.stack.pop()

    def _graphics_state(self, name: str) -> None:
        resources = _deref(self.resources[-1])
        states = _deref(resources.get("/ExtGState")) if hasattr(resources, "get") else None
        state = _deref(states.get(name)) if hasattr(states, "get") else None
        if not hasattr(state, "get"):
            return
        s = self.state
        blend = _deref(state.get("/BM"))
        if isinstance(blend, list):
            blend = blend[0] if blend else None
        self._set(fill_alpha=_unit(state.get("/ca"), s.fill_alpha), stroke_alpha=_unit(state.get("/CA"), s.stroke_alpha),
                  blend=s.blend if blend is None else str(blend))

    def text(self, text: str, cm: list[float], tm: list[float], font: object, font_size: float) -> None:
        if not text.strip():
            return
        m = _multiply(tm, cm)
        if not self.shows:
            self._resolve_colours()
        shows, self.shows = self.shows or [self.state], []
        size = abs(font_size)
        advance = _ADVANCE * size * len(text.strip())
        corners = [(u, v * size) for u in (0.0, advance) for v in (_DESCENT, _ASCENT)]
        xs = [m[0] * u + m[2] * v + m[4] for u, v in corners]
        ys = [m[1] * u + m[3] * v + m[5] for u, v in corners]
        self.pieces.append(_Piece(
            text=text, order=self.order, x=m[4], y=m[5], size=size * math.hypot(m[2], m[3]),
            box=(min(xs), min(ys), max(xs), max(ys)), shows=shows, bold=_bold(font),
        ))


_DEVICE_BY_OP = {b"g": DEVICE_GRAY, b"rg": DEVICE_RGB, b"k": DEVICE_CMYK,
                 b"G": DEVICE_GRAY, b"RG": DEVICE_RGB, b"K": DEVICE_CMYK}


def _opaque_marks(s: _State) -> list[tuple[Colour, float]]:
    """The colours a filled shape paints, with their opacity (a pattern fill: only a plain one-colour pattern)."""
    if s.fill.marks is None or len(s.fill.marks) != 1:
        return []
    colour, alpha = s.fill.marks[0]
    return [] if colour == UNCHECKED else [(colour, alpha * s.fill_alpha)]


def _bold(font: object) -> bool:
    name = str(font.get("/BaseFont", "")) if isinstance(font, dict) else ""
    return any(weight in name for weight in ("Bold", "Black", "Heavy", "Semibold", "SemiBold"))


def extract_visible(page, number: int | None = None, on_operator=None,
                    sizes: dict[str, tuple[float, bool]] | None = None) -> tuple[str, list[SuspectText]]:
    """The page text without hidden text, and the hidden text as suspects (consecutive pieces joined).
    `on_operator` is called for every drawing operator (the reader bounds a page's work with it). `sizes`, where
    given, receives each visible line's type size (its smallest piece's) and whether all of it is bold: the reader
    tells headings by them."""
    resources = page.get_inherited("/Resources", None) or {}
    scan = _Scan(resources=[resources], colours=Colours(tick=on_operator))

    def operand(*args):
        if on_operator is not None:
            on_operator()
        scan.operand(*args)

    text = page.extract_text(visitor_operand_before=operand, visitor_operand_after=scan.operand_after,
                             visitor_text=scan.text) or ""
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
    shows = list({id(show): show for show in piece.shows}.values())  # a line of Tj in one state: one state
    invisible_mode = all(show.render in (3, 7) for show in shows)
    if invisible_mode and not on_image:
        return "invisible text (render mode 3)"
    if piece.size < MIN_FONT_PT:
        return f"text under {MIN_FONT_PT:g} pt ({piece.size:.1f} pt)"
    x0, y0, x1, y1 = page_box
    if not (x0 - 1 <= piece.x <= x1 - 1 and y0 - 1 <= point[1] <= y1 + 1):
        return "text outside the page"
    clipped = [_clipped(show.clip, piece.box) for show in shows]
    if all(clipped):
        return clipped[0]
    later = [p for p in paints if p.order > piece.order and _contains(p.box, point) and _covers(p)]
    if later and not (on_image and invisible_mode):
        return "text covered by an image" if any(p.colour is None for p in later) else "text covered by a filled shape"
    if invisible_mode:
        return None  # an OCR layer over its scanned image
    behind = [p for p in paints if p.order < piece.order and _contains(p.box, point)]
    background = _backdrop(behind)
    if background is None:
        return None  # over an image: its colours are not known
    # The page is an isolated group on a transparent backdrop (as PDFium draws it): a blend mode mixes with what was
    # painted before, not with the paper.
    first = None
    for show, clip in zip(shows, clipped):
        for ink, alpha in [] if clip else _painted(show):
            reason = _unseen(ink, alpha, show.blend if behind else "/Normal", background)
            if reason is None:
                return None
            first = first or reason
    return first


def _painted(show: _State) -> list[tuple[Ink, float]]:
    """What a text render mode paints: the glyphs' fill, their outline, or both."""
    return ([(show.fill, show.fill_alpha)] if show.render in _FILLS_GLYPHS else []) \
        + ([(show.stroke, show.stroke_alpha)] if show.render in _STROKES_GLYPHS else [])


def _unseen(ink: Ink, alpha: float, blend: str, background: Colour) -> str | None:
    """Why text painted with this ink cannot be seen on `background`; None where it can (or that cannot be told)."""
    if ink.marks is None:
        return None
    if any(c == UNCHECKED for c, _ in ink.marks):
        return f"text in a colour that could not be checked (over {MAX_RENDERS} costly colours on one page)"

    def shows(opacity, mode) -> bool:
        return any(colour_distance(composite(background, c, a * opacity, mode), background) >= MIN_CONTRAST
                   for c, a in ink.marks)

    if shows(alpha, blend):
        return None
    if not ink.marks:
        return f"text in a {ink.what} that paints nothing" if ink.what == "pattern" else f"text in a {ink.what}"
    if alpha < 1 and shows(1.0, blend):
        return f"transparent text (opacity {alpha:.2f})"
    if blend not in _NORMAL_BLEND and shows(alpha, "/Normal"):
        return f"text blended into the background (blend mode {blend[1:]})"
    if ink.what == "pattern":
        return "text filled with a pattern in the background colour"
    return "text in the background colour"


def _clipped(clip: Box | None, box: Box) -> str | None:
    if clip is None:
        return None
    if clip[2] - clip[0] < MIN_FONT_PT or clip[3] - clip[1] < MIN_FONT_PT:
        return f"text clipped away (a clipping path under {MIN_FONT_PT:g} pt)"
    if _intersect(box, clip) is None:
        return "text outside its clipping path"
    return None


def _covers(paint: _Paint) -> bool:
    """A shape or image drawn over text hides it where it is (near) opaque and painted normally: a translucent or
    multiplied white box leaves the text readable."""
    return paint.alpha > 1 - MIN_CONTRAST and (paint.colour is None or paint.blend in _NORMAL_BLEND)


def _backdrop(behind: list[_Paint]) -> Colour | None:
    """The colour behind a point: the page's white with every shape drawn before composited over it; None where an
    image lies under it."""
    colour: Colour | None = _WHITE
    for paint in behind:
        if paint.colour is None:
            colour = None if paint.alpha > 0 else colour
        elif colour is not None or paint.alpha >= 1:
            colour = composite(colour or _WHITE, paint.colour, paint.alpha, paint.blend)
    return colour


def _numbers(args: list) -> list[float]:
    values = [as_number(a) for a in args]
    return [v for v in values if v is not None]


def _unit(value, default: float) -> float:
    number = as_number(_deref(value))
    return default if number is None else min(max(number, 0.0), 1.0)


def _deref(value):
    return value.get_object() if hasattr(value, "get_object") else value


def _xobject(resources, name: str):
    resources = _deref(resources)
    xobjects = _deref(resources.get("/XObject")) if hasattr(resources, "get") else None
    xobject = _deref(xobjects.get(name)) if hasattr(xobjects, "get") else None
    return xobject if hasattr(xobject, "get") else None


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


def _transform_point(x: float, y: float, cm: list[float]) -> tuple[float, float]:
    return cm[0] * x + cm[2] * y + cm[4], cm[1] * x + cm[3] * y + cm[5]


def _intersect(a: Box, b: Box | None) -> Box | None:
    """The overlap of two boxes (b None: the whole page); None where they do not overlap."""
    if b is None:
        return a
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return box if box[0] <= box[2] and box[1] <= box[3] else None


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
