"""What colour a PDF fill or stroke puts on the page, for hidden_text's visibility check: device colours, ICC-based,
Lab, Indexed, Separation and DeviceN (through their tint transforms, pdf_functions.py) and patterns, with the
graphics state's opacity and blend mode applied over the backdrop.

An `Ink` lists every colour a fill may paint, each with its own opacity: one entry for a plain colour, none for a
fill that paints nothing (a Separation or DeviceN colourant /None never marks the page; the Pattern space's initial
colour paints nothing), several for a pattern (a tiling cell's colours; a shading sampled along its function), and
`marks=None` where that cannot be told (an image in a pattern cell, a mesh shading's per-vertex colours): such text
counts as visible. A pattern is flagged only where everything it may paint is in the background colour or it paints
nothing: a gradient from white to black is readable where it is dark, and telling how much of each glyph is
readable would take rendering it.

A tint transform this module cannot evaluate is rendered: a swatch in that colour space is drawn by PDFium (a few
per page at most) and its pixel read back."""

from __future__ import annotations

from dataclasses import dataclass

from pypdf.errors import PyPdfError

from .pdf_functions import Unevaluable, evaluate

Colour = tuple[float, float, float]
BLACK: Colour = (0.0, 0.0, 0.0)
MAX_RENDERS = 8  # swatches rendered for tint transforms that could not be evaluated, per page
MAX_PATTERN_DEPTH = 3
SHADING_SAMPLES = 17
# What a broken object in a file raises here (pypdf's own errors too): the colour is then unknown, never the page lost.
_CAN_FAIL = (Unevaluable, ArithmeticError, LookupError, TypeError, ValueError, AttributeError, RecursionError,
             PyPdfError)


@dataclass(frozen=True)
class Ink:
    marks: tuple[tuple[Colour, float], ...] | None  # (colour, opacity) each; None: cannot tell
    what: str = "colour"  # how the reason names it: 'colour', 'pattern' or a colourant that never marks

    @staticmethod
    def plain(colour: Colour | None) -> "Ink":
        return Ink(None if colour is None else ((colour, 1.0),))


BLACK_INK = Ink.plain(BLACK)


@dataclass(frozen=True)
class Space:
    """A resolved colour space: how many operands `sc`/`scn` take, and how they map to RGB."""

    family: str
    components: int
    source: object = None  # the PDF object, for rendering a swatch
    base: "Space | None" = None  # Indexed's base, Separation's and DeviceN's alternate, Pattern's underlying space
    function: object = None
    lookup: bytes = b""
    never_marks: bool = False

    def initial(self) -> list[float]:
        if self.family in ("Separation", "DeviceN"):
            return [1.0] * self.components
        if self.family == "DeviceCMYK":
            return [0.0, 0.0, 0.0, 1.0]
        return [0.0] * self.components


DEVICE_GRAY = Space("DeviceGray", 1)
DEVICE_RGB = Space("DeviceRGB", 3)
DEVICE_CMYK = Space("DeviceCMYK", 4)
_DEVICE = {"/DeviceGray": DEVICE_GRAY, "/G": DEVICE_GRAY, "/CalGray": DEVICE_GRAY, "/DeviceRGB": DEVICE_RGB,
           "/RGB": DEVICE_RGB, "/CalRGB": DEVICE_RGB, "/DeviceCMYK": DEVICE_CMYK, "/CMYK": DEVICE_CMYK}
_BY_COUNT = {1: DEVICE_GRAY, 3: DEVICE_RGB, 4: DEVICE_CMYK}


def device_rgb(values: list[float]) -> Colour | None:
    """Gray, RGB or CMYK by the number of values (what PDF's g/rg/k and an unknown space's operands are)."""
    if len(values) == 1:
        return (values[0],) * 3
    if len(values) == 3:
        return tuple(values)
    if len(values) == 4:
        c, m, y, k = values
        return ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    return None


class Colours:
    """One page's colour spaces, patterns and tint transforms, resolved once each. `tick` is charged for every step
    of a calculator program (the page's operator budget)."""

    def __init__(self, tick=None):
        self._tick = tick
        self._spaces: dict[int, Space] = {}
        self._colours: dict[tuple, Colour | None] = {}
        self._patterns: dict[tuple, Ink] = {}
        self._programs: dict[int, list | None] = {}  # calculator programs parsed, by function object
        self._renders = 0

    # --- colour spaces ------------------------------------------------------------------------------------------

    def space(self, name, resources, depth: int = 0) -> Space | None:
        """The colour space `cs`/`CS` names (a device family or a /ColorSpace resource); None where unknown."""
        if str(name) in _DEVICE:
            return _DEVICE[str(name)]
        if str(name) == "/Pattern":
            return Space("Pattern", 0)
        spaces = _get(resources, "/ColorSpace")
        found = _get(spaces, str(name)) if spaces is not None else None
        return self.resolve(found, resources, depth) if found is not None else None

    def resolve(self, obj, resources=None, depth: int = 0) -> Space | None:
        obj = _deref(obj)
        if depth > 4 or obj is None:
            return None
        if not isinstance(obj, list):
            return _DEVICE.get(str(obj)) or (Space("Pattern", 0) if str(obj) == "/Pattern" else None)
        key = id(obj)
        if key not in self._spaces:
            try:
                self._spaces[key] = self._resolve_array(obj, resources, depth)
            except _CAN_FAIL:
                self._spaces[key] = None
        return self._spaces[key]

    def _resolve_array(self, obj: list, resources, depth: int) -> Space | None:
        family = str(obj[0]) if obj else ""
        if family in _DEVICE:
            return _DEVICE[family]
        if family == "/ICCBased":
            stream = _deref(obj[1])
            alternate = stream.get("/Alternate")
            return (self.resolve(alternate, resources, depth + 1) if alternate is not None else None) \
                or _BY_COUNT.get(int(stream.get("/N", 3)))
        if family == "/Lab":
            return Space("Lab", 3, source=_deref(obj[1]) if len(obj) > 1 else None)
        if family == "/Indexed":
            base = self.resolve(obj[1], resources, depth + 1)
            lookup = _deref(obj[3])
            data = lookup.get_data() if hasattr(lookup, "get_data") else bytes(lookup.original_bytes
                                                                                 if hasattr(lookup, "original_bytes")
                                                                                 else lookup)
            return Space("Indexed", 1, base=base, lookup=data) if base is not None else None
        if family == "/Separation":
            return Space("Separation", 1, source=obj, base=self.resolve(obj[2], resources, depth + 1),
                         function=obj[3], never_marks=str(obj[1]) == "/None")
        if family == "/DeviceN":
            names = [str(n) for n in _deref(obj[1])]
            return Space("DeviceN", len(names), source=obj, base=self.resolve(obj[2], resources, depth + 1),
                         function=obj[3], never_marks=all(n == "/None" for n in names))
        if family == "/Pattern":
            base = self.resolve(obj[1], resources, depth + 1) if len(obj) > 1 else None
            return Space("Pattern", base.components if base else 0, base=base)
        return None

    # --- colours ------------------------------------------------------------------------------------------------

    def ink(self, space: Space | None, operands: list, resources, depth: int = 0) -> Ink:
        """What `sc`/`scn` with these operands paints in `space` (None: a space this module does not know; the
        operands are read as gray, RGB or CMYK by their count)."""
        values = [v for v in (_float(a) for a in operands) if v is not None]
        if space is None:
            return Ink.plain(device_rgb(values))
        if space.family == "Pattern":
            name = operands[-1] if operands and _float(operands[-1]) is None else None
            if name is None:
                return Ink((), "pattern")  # no pattern: the Pattern space's initial colour paints nothing
            return self.pattern(name, resources, space.base, values, depth)
        if space.never_marks:
            return Ink((), f"{space.family} colourant /None (it never marks the page)")
        return Ink.plain(self.rgb(space, values))

    def initial_ink(self, space: Space | None) -> Ink:
        if space is None:
            return BLACK_INK
        if space.family == "Pattern":
            return Ink((), "pattern")
        if space.never_marks:
            return Ink((), f"{space.family} colourant /None (it never marks the page)")
        return Ink.plain(self.rgb(space, space.initial()))

    def rgb(self, space: Space, values: list[float]) -> Colour | None:
        if space.family in ("DeviceGray", "DeviceRGB", "DeviceCMYK"):
            return device_rgb(values[:space.components]) if len(values) >= space.components else None
        key = (id(space.source) if space.source is not None else id(space), space.family, tuple(values))
        if key not in self._colours:
            self._colours[key] = self._convert(space, values)
        return self._colours[key]

    def _convert(self, space: Space, values: list[float]) -> Colour | None:
        try:
            if space.family == "Lab":
                return _lab_to_rgb(values, space.source)
            if space.family == "Indexed":
                n = space.base.components
                index = max(0, int(round(values[0])))
                raw = space.lookup[index * n:(index + 1) * n]
                if len(raw) < n:
                    return None
                return self.rgb(space.base, _lab_bytes(raw) if space.base.family == "Lab" else [b / 255 for b in raw])
            if space.family in ("Separation", "DeviceN") and space.base is not None:
                return self.rgb(space.base, evaluate(space.function, values, self._tick, programs=self._programs))
        except _CAN_FAIL:
            pass
        if space.family in ("Separation", "DeviceN"):
            return self._rendered(space, values)
        return None

    def _rendered(self, space: Space, values: list[float]) -> Colour | None:
        """The colour PDFium paints for a tint this module could not evaluate: one swatch, its centre pixel. Past
        MAX_RENDERS on a page the colour counts as unchecked, and text in it is hidden: a file cannot buy visibility
        for its text by making its colours costly to check."""
        if space.source is None:
            return None
        if self._renders >= MAX_RENDERS:
            return UNCHECKED
        self._renders += 1
        try:
            return render_swatch(space.source, values)
        except Exception:  # PDFium and pypdf raise many types on broken objects: the colour stays unknown
            return None

    # --- patterns -----------------------------------------------------------------------------------------------

    def pattern(self, name, resources, underlying: Space | None, values: list[float], depth: int) -> Ink:
        pattern = _get(_get(resources, "/Pattern"), str(name))
        if pattern is None or depth > MAX_PATTERN_DEPTH:
            return Ink(None, "pattern")
        key = (id(pattern), tuple(values))
        if key not in self._patterns:
            try:
                self._patterns[key] = self._pattern_ink(pattern, underlying, values, depth)
            except _CAN_FAIL:
                self._patterns[key] = Ink(None, "pattern")
        return self._patterns[key]

    def _pattern_ink(self, pattern, underlying: Space | None, values: list[float], depth: int) -> Ink:
        kind = int(pattern.get("/PatternType", 0))
        if kind == 1 and int(pattern.get("/PaintType", 1)) == 2:  # uncoloured: the colour comes with scn
            colour = self.rgb(underlying, values) if underlying is not None else device_rgb(values)
            return Ink(None if colour is None else ((colour, 1.0),), "pattern")
        if kind == 1:
            return Ink(self._cell_marks(pattern, depth), "pattern")
        if kind == 2:
            state = _deref(pattern.get("/ExtGState"))
            alpha = float(state.get("/ca", 1.0)) if state is not None else 1.0
            marks = self.shading_marks(pattern.get("/Shading"), pattern.get("/Resources"))
            return Ink(None if marks is None else tuple((c, a * alpha) for c, a in marks), "pattern")
        return Ink(None, "pattern")

    def shading_marks(self, shading, resources, background: bool = True) -> tuple | None:
        """The colours a shading paints, sampled along its function; None for colours given per vertex."""
        shading = _deref(shading)
        space = self.resolve(shading.get("/ColorSpace"), resources)
        function = shading.get("/Function")
        if space is None or function is None:
            return None
        kind = int(shading.get("/ShadingType", 0))
        if kind == 1:
            d = [float(v) for v in _deref(shading.get("/Domain")) or [0, 1, 0, 1]]
            points = [[d[0] + (d[1] - d[0]) * i / 4, d[2] + (d[3] - d[2]) * j / 4] for i in range(5) for j in range(5)]
        else:
            domain = _deref(shading.get("/Domain")) if kind in (2, 3) else None
            if domain is None:
                first = _deref(function)
                domain = _deref((_deref(first[0]) if isinstance(first, list) else first).get("/Domain"))
            t0, t1 = (float(v) for v in (domain or [0, 1])[:2])
            points = [[t0 + (t1 - t0) * i / (SHADING_SAMPLES - 1)] for i in range(SHADING_SAMPLES)]
        colours = [self.rgb(space, evaluate(function, p, self._tick, programs=self._programs)) for p in points]
        if background and shading.get("/Background") is not None:
            colours.append(self.rgb(space, [float(v) for v in _deref(shading["/Background"])]))
        return None if any(c is None for c in colours) else tuple((c, 1.0) for c in dict.fromkeys(colours))

    def _cell_marks(self, pattern, depth: int) -> tuple | None:
        """Every colour a coloured tiling pattern's cell paints (fills, strokes, text, shadings); None where it draws
        an image or a form, which this does not follow."""
        from pypdf.generic import ContentStream

        resources = _deref(pattern.get("/Resources"))
        fill = stroke = BLACK_INK
        fill_space = stroke_space = DEVICE_GRAY
        fill_alpha = stroke_alpha = 1.0
        stack, marks = [], []
        for operands, op in ContentStream(pattern, None).operations:
            if self._tick is not None:
                self._tick()
            if op == b"q":
                stack.append((fill, stroke, fill_space, stroke_space, fill_alpha, stroke_alpha))
            elif op == b"Q" and stack:
                fill, stroke, fill_space, stroke_space, fill_alpha, stroke_alpha = stack.pop()
            elif op in (b"g", b"rg", b"k"):
                fill, fill_space = Ink.plain(device_rgb([float(v) for v in operands])), _BY_COUNT.get(len(operands))
            elif op in (b"G", b"RG", b"K"):
                stroke, stroke_space = Ink.plain(device_rgb([float(v) for v in operands])), _BY_COUNT.get(len(operands))
            elif op == b"cs" and operands:
                fill_space = self.space(operands[0], resources)
                fill = self.initial_ink(fill_space)
            elif op == b"CS" and operands:
                stroke_space = self.space(operands[0], resources)
                stroke = self.initial_ink(stroke_space)
            elif op in (b"sc", b"scn"):
                fill = self.ink(fill_space, operands, resources, depth + 1)
            elif op in (b"SC", b"SCN"):
                stroke = self.ink(stroke_space, operands, resources, depth + 1)
            elif op == b"gs" and operands:
                state = _get(_get(resources, "/ExtGState"), str(operands[0]))
                if state is not None:
                    fill_alpha = float(state.get("/ca", fill_alpha))
                    stroke_alpha = float(state.get("/CA", stroke_alpha))
            elif op in (b"f", b"F", b"f*", b"Tj", b"TJ", b"'", b'"', b"B", b"B*", b"b", b"b*", b"S", b"s"):
                painted = []
                if op not in (b"S", b"s"):
                    painted.append((fill, fill_alpha))
                if op in (b"B", b"B*", b"b", b"b*", b"S", b"s"):
                    painted.append((stroke, stroke_alpha))
                for ink, alpha in painted:
                    if ink.marks is None:
                        return None
                    marks += [(c, a * alpha) for c, a in ink.marks]
            elif op == b"sh" and operands:
                found = self.shading_marks(_get(_get(resources, "/Shading"), str(operands[0])), resources, False)
                if found is None:
                    return None
                marks += [(c, a * fill_alpha) for c, a in found]
            elif op in (b"Do", b"INLINE IMAGE"):
                return None
        return tuple(marks)


UNCHECKED: Colour = (-1.0, -1.0, -1.0)  # a colour past the page's rendering budget: its text counts as hidden


def composite(backdrop: Colour, colour: Colour, alpha: float, blend: str = "/Normal") -> Colour:
    """The colour on the page where `colour` is painted over `backdrop` with this opacity and blend mode."""
    mix = _BLEND.get(blend, _BLEND["/Normal"])
    alpha = min(max(alpha, 0.0), 1.0)
    return tuple((1 - alpha) * b + alpha * mix(b, s) for b, s in zip(backdrop, colour))


def _hard_light(b: float, s: float) -> float:
    return b * 2 * s if s <= 0.5 else _screen(b, 2 * s - 1)


def _screen(b: float, s: float) -> float:
    return b + s - b * s


def _soft_light(b: float, s: float) -> float:
    if s <= 0.5:
        return b - (1 - 2 * s) * b * (1 - b)
    d = ((16 * b - 12) * b + 4) * b if b <= 0.25 else b ** 0.5
    return b + (2 * s - 1) * (d - b)


# The separable blend modes (ISO 32000-1, 11.3.5.2); the others (Hue, Color...) are taken as Normal.
_BLEND = {
    "/Normal": lambda b, s: s, "/Compatible": lambda b, s: s, "/Multiply": lambda b, s: b * s, "/Screen": _screen,
    "/Overlay": lambda b, s: _hard_light(s, b), "/Darken": min, "/Lighten": max,
    "/ColorDodge": lambda b, s: 0.0 if b == 0 else (1.0 if s >= 1 else min(1.0, b / (1 - s))),
    "/ColorBurn": lambda b, s: 1.0 if b == 1 else (0.0 if s <= 0 else 1 - min(1.0, (1 - b) / s)),
    "/HardLight": _hard_light, "/SoftLight": _soft_light, "/Difference": lambda b, s: abs(b - s),
    "/Exclusion": lambda b, s: b + s - 2 * b * s,
}


def render_swatch(space_obj, values: list[float]) -> Colour:
    """Draw a square in this colour space with PDFium and read its colour back (pypdf clones the space's objects)."""
    import io

    import pypdfium2 as pdfium
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(8, 8)
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/ColorSpace"): DictionaryObject({
        NameObject("/CS0"): _deref(space_obj).clone(writer)})})
    stream = DecodedStreamObject()
    stream.set_data(b"/CS0 cs " + b" ".join(b"%.6f" % v for v in values) + b" scn 0 0 8 8 re f")
    page[NameObject("/Contents")] = writer._add_object(stream)
    buffer = io.BytesIO()
    writer.write(buffer)
    document = pdfium.PdfDocument(buffer.getvalue())
    try:
        pixels = document[0].render(scale=1, fill_color=(255, 255, 255, 255)).to_pil().convert("RGB")
        return tuple(v / 255 for v in pixels.getpixel((4, 4)))
    finally:
        document.close()


def _lab_to_rgb(values: list[float], params) -> Colour:
    white = [float(v) for v in _deref(params.get("/WhitePoint"))] if params is not None and params.get(
        "/WhitePoint") is not None else [0.9505, 1.0, 1.089]
    lightness, a, b = values[:3]
    fy = (lightness + 16) / 116
    f = [fy + a / 500, fy, fy - b / 200]
    xyz = [w * (t ** 3 if t > 6 / 29 else 3 * (6 / 29) ** 2 * (t - 4 / 29)) for w, t in zip(white, f)]
    linear = [3.2406 * xyz[0] - 1.5372 * xyz[1] - 0.4986 * xyz[2],
              -0.9689 * xyz[0] + 1.8758 * xyz[1] + 0.0415 * xyz[2],
              0.0557 * xyz[0] - 0.2040 * xyz[1] + 1.0570 * xyz[2]]
    return tuple(min(1.0, max(0.0, 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055)) for c in linear)


def _lab_bytes(raw: bytes) -> list[float]:
    return [raw[0] / 255 * 100, raw[1] / 255 * 200 - 100, raw[2] / 255 * 200 - 100]


def _deref(value):
    return value.get_object() if hasattr(value, "get_object") else value


def _get(container, key: str):
    container = _deref(container)
    if not hasattr(container, "get"):
        return None
    return _deref(container.get(key))


def _float(value) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
