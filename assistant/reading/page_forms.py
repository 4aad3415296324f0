"""What a PDF page's Form XObjects would cost to draw: how deep they nest, and how many times forms are drawn in all.

A form is a drawing that a page (or another form, or an annotation's appearance) draws by name with `Do`. A page
that draws a form ten times, each drawing another ten times, eight deep, is 6 KB on disk and 10^8 form draws to a
renderer: PDFium builds each draw anew, about ten times the memory per level. Counting is cheap: each distinct
form's instructions are scanned once for `Do` and the counts multiplied out, never drawn. Ingestion warns of such a
page and the page view refuses it (assistant/reading/pages.py); both ask `page_forms` here.

Not counted: forms reached through tiling patterns, Type 3 glyphs or soft masks. The page view's renderer runs in a
child process under a memory and time limit, which bounds those too.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

# A name, then `Do`, with white space or comments between ("/Fm1 Do"). A name inside a string literal counts too:
# counting too many only errs towards refusing.
_DO = re.compile(rb"/([^\s/\[\]()<>{}%]*)(?:\s|%[^\r\n]*)*Do(?=[\s/\[\]()<>{}%]|$)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# Work the scan of one page may do before it gives up and calls the page too complex: distinct forms read, and
# bytes of their decoded instructions.
MAX_FORMS_SCANNED = 5_000
MAX_SCAN_BYTES = 40_000_000
MAX_COUNT = 10**15  # draws counted up to this; a page past it is past every limit anyway


class FormLoad(BaseModel):
    depth: int = 0  # the longest chain of forms drawing forms: 1, a form that draws no other
    draws: int = 0  # form draws in all, a nested draw counted as often as the forms around it are drawn
    complete: bool = True  # False: the scan stopped, at a form that draws itself or with its work budget spent

    def over(self, max_depth: int, max_draws: int) -> bool:
        return not self.complete or self.depth > max_depth or self.draws > max_draws

    def describe(self) -> str:
        if not self.complete:
            return "forms too many or too tangled to count (a form drawing itself?)"
        return f"forms nested {self.depth} deep, drawn {self.draws:,} times"


class PageForms(BaseModel):
    content: FormLoad  # the page's own drawing
    annotations: FormLoad  # the appearances of its annotations (comments, stamps, form fields), each a form itself


def page_forms(page) -> PageForms:
    """Count a pypdf page's forms, in its content and in its annotations' appearance streams (/AP). Each distinct
    form is read once, so the count costs little however many draws the page would make."""
    resources = _get(page, "/Resources")
    content = _Scan()
    annotations = _Scan(budget=content.budget)
    return PageForms(content=content.run(lambda: content.drawn(_page_contents(page), resources)),
                     annotations=annotations.run(lambda: annotations.appearances(page, resources)))


def nested_warnings(name: str, nested: dict[str, list[int]], max_depth: int, max_draws: int) -> list[str]:
    """Ingestion's warnings for the pages (`nested["page"]`) and the pages' annotations (`nested["annotations"]`)
    whose forms pass the page view's limits."""
    limit = f"over {max_depth} deep or {max_draws:,} draws: PANEL_PAGE_MAX_FORM_DEPTH, PANEL_PAGE_MAX_FORM_DRAWS"
    warnings = []
    if pages := nested.get("page"):
        one = len(pages) == 1
        warnings.append(f"{name}: {_pages(pages)} {'draws' if one else 'draw'} forms nested too deep or too often "
                        f"({limit}), enough to exhaust a PDF viewer's memory: the workspace cannot show "
                        f"{'it' if one else 'them'}, and shows quotes from {'it' if one else 'them'} as text.")
    if pages := nested.get("annotations"):
        warnings.append(f"{name}: the annotations on {_pages(pages)} draw forms nested too deep or too often ({limit}): "
                        f"the workspace shows {'that page' if len(pages) == 1 else 'those pages'} without them.")
    return warnings


def _pages(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:20])) + (f" and {len(numbers) - 20} more" if len(numbers) > 20 else "")
    return f"page{'s' if len(numbers) > 1 else ''} {shown}"


class _Stop(Exception):
    pass


class _Scan:
    def __init__(self, budget: list[int] | None = None):
        self.done: dict[tuple[int, int], tuple[int, int]] = {}  # (form, resources) -> (depth, draws within)
        self.open: set[tuple[int, int]] = set()
        self.budget = budget if budget is not None else [MAX_FORMS_SCANNED, MAX_SCAN_BYTES]  # shared by a page's scans

    @staticmethod
    def run(count) -> FormLoad:
        try:
            depth, draws = count()
        except _Stop:
            return FormLoad(complete=False)
        return FormLoad(depth=depth, draws=min(draws, MAX_COUNT))

    def drawn(self, data: bytes, resources) -> tuple[int, int]:
        """(depth, draws) of what one content stream draws, given the resources its names are looked up in."""
        xobjects = _get(resources, "/XObject")
        if not isinstance(xobjects, dict):
            return 0, 0
        depth = draws = 0
        for name, times in _names_drawn(data).items():
            form = _get(xobjects, name)
            if form is None or _get(form, "/Subtype") != "/Form":
                continue
            inner_depth, inner_draws = self.form(form, resources)
            depth, draws = max(depth, inner_depth + 1), min(draws + times * (1 + inner_draws), MAX_COUNT)
        return depth, draws

    def form(self, form, parent_resources) -> tuple[int, int]:
        # A form without resources of its own uses its parent's, as PDFium does.
        resources = _get(form, "/Resources")
        resources = parent_resources if resources is None else resources
        key = (id(form), id(resources))
        if key in self.done:
            return self.done[key]
        if key in self.open:  # a form that draws itself: PDFium stops it somewhere, we cannot say where
            raise _Stop
        self.budget[0] -= 1
        data = _data(form)
        self.budget[1] -= len(data)
        if self.budget[0] < 0 or self.budget[1] < 0:
            raise _Stop
        self.open.add(key)
        try:
            self.done[key] = self.drawn(data, resources)
        finally:
            self.open.discard(key)
        return self.done[key]

    def appearances(self, page, page_resources) -> tuple[int, int]:
        """Each annotation's appearance streams (normal, rollover, down, and each state of a check box) are forms
        the page draws once each."""
        depth = draws = 0
        annots = _get(page, "/Annots")
        for annot in annots if isinstance(annots, list) else ():
            ap = _get(annot, "/AP")
            if not isinstance(ap, dict):
                continue
            for key in ("/N", "/R", "/D"):
                entry = _get(ap, key)
                states = [_get(entry, state) for state in entry] if isinstance(entry, dict) and not _is_stream(entry) else [entry]
                for stream in filter(_is_stream, states):
                    inner_depth, inner_draws = self.form(stream, page_resources)
                    depth, draws = max(depth, inner_depth + 1), min(draws + 1 + inner_draws, MAX_COUNT)
        return depth, draws


def _names_drawn(data: bytes) -> dict[str, int]:
    counts: dict[str, int] = {}
    for match in _DO.finditer(data):
        raw = _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        name = "/" + raw.decode("utf-8", errors="replace")
        counts[name] = counts.get(name, 0) + 1
    return counts


def _get(obj, key: str):
    """obj[key], resolved, or None: a damaged file may hold anything anywhere."""
    try:
        obj = obj.get_object() if obj is not None else None
        value = obj.get(key) if isinstance(obj, dict) else None
        return value.get_object() if value is not None else None
    except Exception:
        return None


def _is_stream(obj) -> bool:
    from pypdf.generic import StreamObject

    return isinstance(obj, StreamObject)


def _data(stream) -> bytes:
    try:
        return stream.get_data() or b""
    except Exception:  # a stream that cannot be decoded draws nothing
        return b""


def _page_contents(page) -> bytes:
    try:
        return page._get_contents_as_bytes() or b""  # pypdf has no public API for the decoded contents
    except Exception:
        return b""
