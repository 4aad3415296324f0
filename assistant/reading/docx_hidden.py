"""Text in a Word file that a human reader cannot see: runs with Word's hidden font attribute (w:vanish,
w:specVanish), under 2 pt, or in the colour of what lies behind them (the run's highlight or shading, the paragraph's
or table cell's shading, the page colour). The DOCX counterpart of hidden_text.py, for the same reason: such text
would reach the index and the prompts while the panel never sees it.

python-docx resolves a run's direct formatting only (`run.font.hidden`); Word also applies the run's character
style, the paragraph's style, their `basedOn` ancestors and the document defaults, in that order, so a property is
looked up along that chain. Table styles, themes and conditional table formatting are not followed."""

from __future__ import annotations

from dataclasses import dataclass

from docx.oxml.ns import qn

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


class Visibility:
    """Decides, run by run, whether a reader of one DOCX sees its text."""

    def __init__(self, document):
        styles = document.styles.element
        self._styles = {s.get(qn("w:styleId")): s for s in styles.findall(qn("w:style"))}
        defaults = [s for s in self._styles.values()
                    if s.get(qn("w:type")) == "paragraph" and s.get(qn("w:default")) in ("1", "true", "on")]
        self._default_paragraph_style = defaults[0].get(qn("w:styleId")) if defaults else None
        self._doc_defaults = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
        background = document.element.find(qn("w:background"))
        self._page = _hex(background.get(qn("w:color"))) if background is not None else None
        # Reports use a handful of style pairs: each is resolved once, not per run (that doubled the reading time).
        self._style_props: dict[tuple[str | None, str | None], dict] = {}
        self._style_shading: dict[str | None, Colour | None] = {}

    def pieces(self, paragraph, cell_shading: Colour | None = None) -> list[Piece]:
        """The paragraph's runs (hyperlinks' too, as python-docx's paragraph.text reads them), consecutive runs of the
        same visibility joined."""
        p = paragraph._p
        p_style = p.style or self._default_paragraph_style
        direct_shading = p.pPr.find(_SHD) if p.pPr is not None else None
        paragraph_shading = _shading(direct_shading) if direct_shading is not None else self._shading_of(p_style)
        behind_paragraph = paragraph_shading or cell_shading or self._page or _WHITE
        pieces: list[Piece] = []
        for r in p.xpath("./w:r | ./w:hyperlink/w:r"):
            text = r.text
            if not text:
                continue
            r_pr = r.rPr
            props = self._props(p_style, r_pr.style if r_pr is not None else None)
            if r_pr is not None and any(child.tag in _RUN_TAGS for child in r_pr):
                props = {**props, **{child.tag: child for child in r_pr if child.tag in _RUN_TAGS}}
            reason = _hidden(props, behind_paragraph)
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
            self._style_shading[p_style] = _shading(found[0]) if found else None
        return self._style_shading[p_style]

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


def cell_shading(cell) -> Colour | None:
    tc_pr = cell._tc.tcPr
    return _shading(tc_pr.find(_SHD)) if tc_pr is not None else None


def _hidden(props: dict, behind_paragraph: Colour) -> str | None:
    if _on(props.get(_VANISH)) or _on(props.get(_SPEC_VANISH)):
        return "hidden text (Word's hidden font attribute)"
    size = props.get(_SZ_CS if _on(props.get(_CS)) or _on(props.get(_RTL)) else _SZ)
    if size is not None and (half_points := as_number(size.get(_VAL))) is not None and half_points / 2 < MIN_FONT_PT:
        return f"text under {MIN_FONT_PT:g} pt ({half_points / 2:.1f} pt)"
    colour = props.get(_COLOR)
    fill = _hex(colour.get(_VAL)) if colour is not None else None  # 'auto' contrasts with what is behind it
    if fill is None:
        return None
    highlight = props.get(_HIGHLIGHT_TAG)
    behind = (_hex(_HIGHLIGHT.get(highlight.get(_VAL), "")) if highlight is not None else None) \
        or _shading(props.get(_SHD)) or behind_paragraph
    if colour_distance(fill, behind) < MIN_CONTRAST:
        return "text in the background colour"
    return None


def _on(element) -> bool:
    """A toggle property: present and not switched off (w:val="false")."""
    return element is not None and (element.get(_VAL) or "true").lower() not in _FALSE


def _shading(shd) -> Colour | None:
    """The colour a w:shd paints: its fill, or its pattern colour where the pattern is solid."""
    if shd is None or shd.get(_VAL) == "nil":
        return None
    if shd.get(_VAL) == "solid":
        return _hex(shd.get(_PATTERN_COLOUR) or "000000") or (0.0, 0.0, 0.0)  # solid 'auto' is black
    return _hex(shd.get(_FILL))


def _hex(value: str | None) -> Colour | None:
    if not value or len(value) != 6:
        return None  # 'auto' or absent
    try:
        return tuple(int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))
    except ValueError:
        return None
