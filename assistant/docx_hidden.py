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

from .hidden_text import MIN_CONTRAST, MIN_FONT_PT, Colour

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


class Visibility:
    """Decides, run by run, whether a reader of one DOCX sees its text."""

    def __init__(self, document):
        styles = document.styles.element
        self._styles = {s.get(qn("w:styleId")): s for s in styles.findall(qn("w:style"))}
        defaults = [s for s in styles.findall(qn("w:style"))
                    if s.get(qn("w:type")) == "paragraph" and s.get(qn("w:default")) in ("1", "true", "on")]
        self._default_paragraph_style = defaults[0].get(qn("w:styleId")) if defaults else None
        self._doc_defaults = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
        background = document.element.find(qn("w:background"))
        self._page = _hex(background.get(qn("w:color"))) if background is not None else None
        self._chains: dict[tuple[str | None, str | None], list] = {}

    def pieces(self, paragraph, cell_shading: Colour | None = None) -> list[Piece]:
        """The paragraph's runs (hyperlinks' too, as python-docx's paragraph.text reads them), consecutive runs of the
        same visibility joined."""
        p = paragraph._p
        p_style = p.style or self._default_paragraph_style
        paragraph_shading = _shading(_first(self._paragraph_chain(p.pPr, p_style), "w:shd"))
        behind_paragraph = paragraph_shading or cell_shading or self._page or _WHITE
        pieces: list[Piece] = []
        for r in p.xpath("./w:r | ./w:hyperlink/w:r"):
            text = r.text
            if not text:
                continue
            r_style = r.rPr.style if r.rPr is not None else None
            chain = [r.rPr] + self._run_chain(p_style, r_style)
            reason = _hidden(chain, behind_paragraph)
            if pieces and pieces[-1].reason == reason:
                pieces[-1].text += text
            else:
                pieces.append(Piece(text, reason))
        return pieces

    def _paragraph_chain(self, p_pr, p_style: str | None) -> list:
        """pPr elements from the paragraph itself to its style's root."""
        return [p_pr] + [s.find(qn("w:pPr")) for s in self._style_chain(p_style)]

    def _run_chain(self, p_style: str | None, r_style: str | None) -> list:
        """rPr elements in the order Word applies them, most specific first: character style, paragraph style,
        document defaults (the run's own rPr goes before them)."""
        key = (p_style, r_style)
        if key not in self._chains:
            styles = self._style_chain(r_style) + self._style_chain(p_style)
            self._chains[key] = [s.find(qn("w:rPr")) for s in styles] + [self._doc_defaults]
        return self._chains[key]

    def _style_chain(self, style_id: str | None) -> list:
        chain, seen = [], set()
        while style_id and style_id not in seen and style_id in self._styles:
            seen.add(style_id)
            style = self._styles[style_id]
            chain.append(style)
            based_on = style.find(qn("w:basedOn"))
            style_id = based_on.get(qn("w:val")) if based_on is not None else None
        return chain


def cell_shading(cell) -> Colour | None:
    tc_pr = cell._tc.tcPr
    return _shading(tc_pr.find(qn("w:shd"))) if tc_pr is not None else None


def _hidden(chain: list, behind_paragraph: Colour) -> str | None:
    if _on(_first(chain, "w:vanish")) or _on(_first(chain, "w:specVanish")):
        return "hidden text (Word's hidden font attribute)"
    complex_script = _on(_first(chain, "w:cs")) or _on(_first(chain, "w:rtl"))
    size = _first(chain, "w:szCs" if complex_script else "w:sz")
    if size is not None and (half_points := _number(size.get(qn("w:val")))) is not None:
        if half_points / 2 < MIN_FONT_PT:
            return f"text under {MIN_FONT_PT:g} pt ({half_points / 2:.1f} pt)"
    colour = _first(chain, "w:color")
    fill = _hex(colour.get(qn("w:val"))) if colour is not None else None  # 'auto' contrasts with what is behind
    if fill is None:
        return None
    highlight = _first(chain, "w:highlight")
    behind = (_hex(_HIGHLIGHT.get(highlight.get(qn("w:val")), "")) if highlight is not None else None) \
        or _shading(_first(chain, "w:shd")) or behind_paragraph
    if max(abs(a - b) for a, b in zip(fill, behind)) < MIN_CONTRAST:
        return "text in the background colour"
    return None


def _first(chain: list, tag: str):
    """The property from the most specific element of the chain that sets it."""
    name = qn(tag)
    for properties in chain:
        if properties is not None and (found := properties.find(name)) is not None:
            return found
    return None


def _on(element) -> bool:
    """A toggle property: present and not switched off (w:val="false")."""
    return element is not None and (element.get(qn("w:val")) or "true").lower() not in _FALSE


def _shading(shd) -> Colour | None:
    """The colour a w:shd paints: its fill, or its pattern colour where the pattern is solid."""
    if shd is None or shd.get(qn("w:val")) == "nil":
        return None
    if shd.get(qn("w:val")) == "solid":
        return _hex(shd.get(qn("w:color")) or "000000") or (0.0, 0.0, 0.0)  # solid 'auto' is black
    return _hex(shd.get(qn("w:fill")))


def _hex(value: str | None) -> Colour | None:
    if not value or len(value) != 6:
        return None  # 'auto' or absent
    try:
        return tuple(int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))
    except ValueError:
        return None


def _number(value: str | None) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None

