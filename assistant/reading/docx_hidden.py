"""Text in a Word file that a human reader cannot see: runs with Word's hidden font attribute (w:vanish,
w:specVanish), under 2 pt, in the colour of what lies behind them (the run's highlight or shading, the paragraph's
shading, the table cell's, row's or table's shading, directly or from the table's style, the page colour), or in a
frame placed off the page. The DOCX counterpart of hidden_text.py, for the same reason: such text would reach the
index and the prompts while the panel never sees it.

python-docx resolves a run's direct formatting only (`run.font.hidden`); Word also applies the run's character
style, the paragraph's style, their `basedOn` ancestors and the document defaults, in that order, so a property is
looked up along that chain. A theme colour (w:themeColor, w:themeFill, with w:themeTint/w:themeShade) is resolved
through the theme part and the settings' colour mapping, and wins over the w:val beside it, as in Word. Conditional
table formatting (a style's first row, banded rows) is not followed.

A row's shading is w:tblPrEx/w:shd in the schema; some generators write w:trPr/w:shd, which the schema does not
have and renderers may ignore, so text is hidden there if it cannot be seen either with that shading or without it.
A frame (w:framePr) is off the page where its position, read against the largest page in the file and whichever of
page, margin or text it may be anchored to, puts all of it beyond the page's edge."""

from __future__ import annotations

from dataclasses import dataclass

from docx.oxml.ns import qn
from lxml import etree

from .hidden_text import MIN_CONTRAST, MIN_FONT_PT, Colour, as_number, colour_distance

_WHITE: Colour = (1.0, 1.0, 1.0)
_FALSE = {"0", "false", "off"}
# w:highlight's named colours (ECMA-376 17.18.40).
_HIGHLIGHT = {
    "black": "000000", "blue": "0000FF", "cyan": "00FFFF", "green": "00FF00", "magenta": "FF00FF", "red": "FF0000",
    "yellow": "FFFF00", "white": "FFFFFF", "darkBlue": "000080", "darkCyan": "008080", "darkGreen": "008000",
    "darkMagenta": "800080", "darkRed": "800000", "darkYellow": "808000", "darkGray": "808080",
    "lightGray": "C0C0C0",
}


@dataclass
class Piece:
    """A paragraph's text split by visibility: `reason` is None for text a reader sees."""

    text: str
    reason: str | None


# The run properties that decide visibility, by their namespaced tag.
_VANISH, _SPEC_VANISH, _CS, _RTL = qn("w:vanish"), qn("w:specVanish"), qn("w:cs"), qn("w:rtl")
_SZ, _SZ_CS, _COLOR, _HIGHLIGHT_TAG, _SHD = qn("w:sz"), qn("w:szCs"), qn("w:color"), qn("w:highlight"), qn("w:shd")
_RUN_TAGS = {_VANISH, _SPEC_VANISH, _CS, _RTL, _SZ, _SZ_CS, _COLOR, _HIGHLIGHT_TAG, _SHD}
_VAL, _FILL, _PATTERN_COLOUR = qn("w:val"), qn("w:fill"), qn("w:color")
_THEME_COLOUR, _THEME_TINT, _THEME_SHADE = qn("w:themeColor"), qn("w:themeTint"), qn("w:themeShade")
_THEME_FILL, _THEME_FILL_TINT, _THEME_FILL_SHADE = qn("w:themeFill"), qn("w:themeFillTint"), qn("w:themeFillShade")
_FRAME = qn("w:framePr")
_DRAWING = "http://schemas.openxmlformats.org/drawingml/2006/main"
# w:themeColor's names (ECMA-376 17.18.97) as the theme's colour scheme names them; the background and text colours
# go through w:clrSchemeMapping in settings.xml (its defaults here).
_SCHEME = {"dark1": "dk1", "light1": "lt1", "dark2": "dk2", "light2": "lt2", "hyperlink": "hlink",
           "followedHyperlink": "folHlink", **{f"accent{i}": f"accent{i}" for i in range(1, 7)}}
_MAPPED = {"background1": ("bg1", "light1"), "text1": ("t1", "dark1"), "background2": ("bg2", "light2"),
           "text2": ("t2", "dark2")}


class Visibility:
    """Decides, run by run, whether a reader of one DOCX sees its text."""

    def __init__(self, document):
        styles = document.styles.element
        self._styles = {s.get(qn("w:styleId")): s for s in styles.findall(qn("w:style"))}
        defaults = [s for s in self._styles.values()
                    if s.get(qn("w:type")) == "paragraph" and s.get(qn("w:default")) in ("1", "true", "on")]
        self._default_paragraph_style = defaults[0].get(qn("w:styleId")) if defaults else None
        self._doc_defaults = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
        self._theme = _theme_colours(document)
        self._tints: dict[tuple, Colour] = {}
        background = document.element.find(qn("w:background"))
        self._page = self._colour(background, _PATTERN_COLOUR, _THEME_COLOUR, _THEME_TINT, _THEME_SHADE) \
            if background is not None else None
        self._page_size = _page_size(document)
        # Reports use a handful of style pairs: each is resolved once, not per run (that doubled the reading time).
        self._style_props: dict[tuple[str | None, str | None], dict] = {}
        self._style_shading: dict[str | None, Colour | None] = {}
        self._style_frame: dict[str | None, object] = {}

    def pieces(self, paragraph, cell_shading: tuple[Colour, ...] | None = None) -> list[Piece]:
        """The paragraph's runs (hyperlinks' too, as python-docx's paragraph.text reads them), consecutive runs of the
        same visibility joined. `cell_shading`: what may lie behind a table cell's paragraphs (cell_background)."""
        p = paragraph._p
        p_style = p.style or self._default_paragraph_style
        direct_shading = p.pPr.find(_SHD) if p.pPr is not None else None
        paragraph_shading = self._shading(direct_shading) if direct_shading is not None \
            else self._shading_of(p_style)
        behind = (paragraph_shading,) if paragraph_shading else cell_shading or (self._page or _WHITE,)
        frame = p.pPr.find(_FRAME) if p.pPr is not None else None
        if frame is None:
            frame = self._frame_of(p_style)
        off_page = frame is not None and self._off_page(frame)
        pieces: list[Piece] = []
        for r in p.xpath("./w:r | ./w:hyperlink/w:r"):
            text = r.text
            if not text:
                continue
            r_pr = r.rPr
            props = self._props(p_style, r_pr.style if r_pr is not None else None)
            if r_pr is not None and any(child.tag in _RUN_TAGS for child in r_pr):
                props = {**props, **{child.tag: child for child in r_pr if child.tag in _RUN_TAGS}}
            reason = self._hidden(props, behind) or ("text in a frame outside the page" if off_page else None)
            if pieces and pieces[-1].reason == reason:
                pieces[-1].text += text
            else:
                pieces.append(Piece(text, reason))
        return pieces

    def _props(self, p_style: str | None, r_style: str | None) -> dict:
        """The run properties the styles give a run, by tag: Word applies the document defaults, then the paragraph
        style, then the character style (each from its `basedOn` root down), the run's own rPr last."""
        key = (p_style, r_style)
        if key not in self._style_props:
            layers = [self._doc_defaults] + [s.find(qn("w:rPr")) for s in reversed(self._style_chain(p_style))] \
                + [s.find(qn("w:rPr")) for s in reversed(self._style_chain(r_style))]
            self._style_props[key] = {child.tag: child for layer in layers if layer is not None
                                      for child in layer if child.tag in _RUN_TAGS}
        return self._style_props[key]

    def _shading_of(self, p_style: str | None) -> Colour | None:
        if p_style not in self._style_shading:
            found = [shd for s in self._style_chain(p_style)
                     if (p_pr := s.find(qn("w:pPr"))) is not None and (shd := p_pr.find(_SHD)) is not None]
            self._style_shading[p_style] = self._shading(found[0]) if found else None
        return self._style_shading[p_style]

    def _frame_of(self, p_style: str | None):
        if p_style not in self._style_frame:
            found = [frame for s in self._style_chain(p_style)
                     if (p_pr := s.find(qn("w:pPr"))) is not None and (frame := p_pr.find(_FRAME)) is not None]
            self._style_frame[p_style] = found[0] if found else None
        return self._style_frame[p_style]

    def _off_page(self, frame) -> bool:
        """Whether a frame lies wholly beyond the page's edge, wherever its anchor may put it. Without a size, the
        frame is taken as large as the page (the conservative reading)."""
        width, height, left, top = self._page_size
        for axis, align, anchor, size, page, margin in (("x", "xAlign", "hAnchor", "w", width, left),
                                                         ("y", "yAlign", "vAnchor", "h", height, top)):
            offset = as_number(frame.get(qn(f"w:{axis}")))
            if offset is None or frame.get(qn(f"w:{align}")) is not None:
                continue  # aligned (left, centre...) or at 0: on the page
            anchor = frame.get(qn(f"w:{anchor}"))
            # The anchor's own place on the page: the page's edge, the margin, or (vertically) the paragraph.
            low, high = (0.0, 0.0) if anchor == "page" else (0.0, page) if anchor == "text" and axis == "y" \
                else (0.0, margin)
            extent = abs(as_number(frame.get(qn(f"w:{size}"))) or page)
            if low + offset >= page or high + offset + extent <= 0:
                return True
        return False

    def cell_background(self, table, row, cell) -> tuple[Colour, ...] | None:
        """What may lie behind a cell's paragraphs (lxml elements w:tbl, w:tr, w:tc): the cell's shading, else its
        table style's cell shading, else the row's, the table's, the table style's, the page. Two colours where the
        row is shaded by a w:trPr/w:shd, which a renderer may ignore."""
        tc_pr = cell.find(qn("w:tcPr"))
        tbl_pr = table.find(qn("w:tblPr"))
        style = tbl_pr.find(qn("w:tblStyle")) if tbl_pr is not None else None
        chain = self._style_chain(style.get(_VAL) if style is not None else None)
        style_cell = [self._shading(shd) for s in chain if (pr := s.find(qn("w:tcPr"))) is not None
                      for shd in pr.findall(_SHD)]
        style_table = [self._shading(shd) for s in chain if (pr := s.find(qn("w:tblPr"))) is not None
                       for shd in pr.findall(_SHD)]
        exception = row.find(qn("w:tblPrEx"))
        on_top = [self._shading(tc_pr.find(_SHD)) if tc_pr is not None else None, *style_cell,
                  self._shading(exception.find(_SHD)) if exception is not None else None]
        found = next((c for c in on_top if c is not None), None)
        if found is not None:
            return (found,)
        beneath = next(c for c in [self._shading(tbl_pr.find(_SHD)) if tbl_pr is not None else None, *style_table,
                                   self._page or _WHITE] if c is not None)
        tr_pr = row.find(qn("w:trPr"))
        unofficial = self._shading(tr_pr.find(_SHD)) if tr_pr is not None else None
        return (unofficial, beneath) if unofficial is not None else (beneath,)

    def _hidden(self, props: dict, behind: tuple[Colour, ...]) -> str | None:
        if _on(props.get(_VANISH)) or _on(props.get(_SPEC_VANISH)):
            return "hidden text (Word's hidden font attribute)"
        size = props.get(_SZ_CS if _on(props.get(_CS)) or _on(props.get(_RTL)) else _SZ)
        if size is not None and (half_points := as_number(size.get(_VAL))) is not None \
                and half_points / 2 < MIN_FONT_PT:
            return f"text under {MIN_FONT_PT:g} pt ({half_points / 2:.1f} pt)"
        colour = props.get(_COLOR)
        # 'auto' contrasts with what is behind it
        fill = self._colour(colour, _VAL, _THEME_COLOUR, _THEME_TINT, _THEME_SHADE) if colour is not None else None
        if fill is None:
            return None
        highlight = props.get(_HIGHLIGHT_TAG)
        own = (_hex(_HIGHLIGHT.get(highlight.get(_VAL), "")) if highlight is not None else None) \
            or self._shading(props.get(_SHD))
        if any(colour_distance(fill, colour) < MIN_CONTRAST for colour in ((own,) if own else behind)):
            return "text in the background colour"
        return None

    def _shading(self, shd) -> Colour | None:
        """The colour a w:shd paints: its fill, or its pattern colour where the pattern is solid (theme colours
        resolved)."""
        if shd is None or shd.get(_VAL) == "nil":
            return None
        if shd.get(_VAL) == "solid":  # solid 'auto' is black
            return self._colour(shd, _PATTERN_COLOUR, _THEME_COLOUR, _THEME_TINT, _THEME_SHADE) or (0.0, 0.0, 0.0)
        return self._colour(shd, _FILL, _THEME_FILL, _THEME_FILL_TINT, _THEME_FILL_SHADE)

    def _colour(self, element, value: str, theme: str, tint: str, shade: str) -> Colour | None:
        """An element's colour: its theme colour (with tint or shade) where it names one the theme has, else its
        hex value; None for 'auto'."""
        name = element.get(theme)
        if name not in self._theme:
            return _hex(element.get(value))
        key = (name, element.get(tint), element.get(shade))
        if key not in self._tints:
            self._tints[key] = _tinted(self._theme[name], key[1], key[2])
        return self._tints[key]

    def _style_chain(self, style_id: str | None) -> list:
        """The style and its `basedOn` ancestors, nearest first."""
        chain, seen = [], set()
        while style_id and style_id not in seen and style_id in self._styles:
            seen.add(style_id)
            style = self._styles[style_id]
            chain.append(style)
            based_on = style.find(qn("w:basedOn"))
            style_id = based_on.get(_VAL) if based_on is not None else None
        return chain


def _on(element) -> bool:
    """A toggle property: present and not switched off (w:val="false")."""
    return element is not None and (element.get(_VAL) or "true").lower() not in _FALSE


def _hex(value: str | None) -> Colour | None:
    if not value or len(value) != 6:
        return None  # 'auto' or absent
    try:
        return tuple(int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))
    except ValueError:
        return None


def _tinted(colour: Colour, tint: str | None, shade: str | None) -> Colour:
    """Word's w:themeTint and w:themeShade (a byte, hex): lighten or darken the colour's luminance in HSL."""
    import colorsys

    hue, lightness, saturation = colorsys.rgb_to_hls(*colour)
    for value, lighten in ((tint, True), (shade, False)):
        try:
            factor = int(value, 16) / 255 if value else None
        except ValueError:
            factor = None
        if factor is not None:
            lightness = lightness * factor + (1 - factor) if lighten else lightness * factor
    return colorsys.hls_to_rgb(hue, min(max(lightness, 0.0), 1.0), saturation)


def _theme_colours(document) -> dict[str, Colour]:
    """w:themeColor's names to colours, from the theme part (word/theme/theme1.xml) through the settings' colour
    mapping; empty where the file has no theme."""
    from docx.opc.constants import RELATIONSHIP_TYPE

    try:
        blob = document.part.part_related_by(RELATIONSHIP_TYPE.THEME).blob
        scheme = etree.fromstring(blob).find(f".//{{{_DRAWING}}}clrScheme")
    except (KeyError, ValueError, etree.XMLSyntaxError):
        return {}
    if scheme is None:
        return {}
    colours: dict[str, Colour] = {}
    for name, tag in _SCHEME.items():
        entry = scheme.find(f"{{{_DRAWING}}}{tag}")
        found = None
        if entry is not None and (rgb := entry.find(f"{{{_DRAWING}}}srgbClr")) is not None:
            found = _hex(rgb.get("val"))
        elif entry is not None and (system := entry.find(f"{{{_DRAWING}}}sysClr")) is not None:
            found = _hex(system.get("lastClr")) or _hex({"window": "FFFFFF"}.get(system.get("val"), "000000"))
        if found is not None:
            colours[name] = found
    mapping = document.settings.element.find(qn("w:clrSchemeMapping"))
    for name, (attribute, default) in _MAPPED.items():
        target = (mapping.get(qn(f"w:{attribute}")) if mapping is not None else None) or default
        if target in colours:
            colours[name] = colours[target]
    return colours


def _page_size(document) -> tuple[float, float, float, float]:
    """The largest page width and height in the file, and the largest left and top margins, in twips (US Letter
    where no section says)."""
    sizes = [(as_number(s.get(qn("w:w"))), as_number(s.get(qn("w:h"))))
             for s in document.element.body.iter(qn("w:pgSz"))]
    margins = [(as_number(m.get(qn("w:left"))), as_number(m.get(qn("w:top"))))
               for m in document.element.body.iter(qn("w:pgMar"))]
    return (max([w for w, _ in sizes if w] or [12240.0]), max([h for _, h in sizes if h] or [15840.0]),
            max([abs(x) for x, _ in margins if x] or [1440.0]), max([abs(y) for _, y in margins if y] or [1440.0]))
