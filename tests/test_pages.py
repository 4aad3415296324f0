"""A quote shown on its PDF page: the highlight lands on the quote's lines, whatever the spacing of our own text
extraction; pages that cannot be shown give a clear error; the original a report was ingested from is kept and leaves
with it."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from assistant.pipeline import Pipeline
from assistant.reading.documents import read_document
from assistant.reading.pages import (
    MAX_PIXELS,
    MAX_WIDTH,
    PageImage,
    PageOutOfRange,
    PageViewError,
    render_page,
)
from assistant.search.ingest import delete_report_files, original_path

from .conftest import SAMPLE_REPORT
from .fakes import FakeChatClient

WIDTH = 900
PX_PER_MM = WIDTH / 210  # an A4 page rendered WIDTH pixels wide
QUOTE = "We resolved thirty-eight complaints within the agreed time."
QUOTE_AT = (20, 100)  # mm from the page's top left corner
LINE_MM = 6
CLOSING = "Unrelated closing remarks about the budget and the audit."
PARAGRAPH = (
    "Question 3. Complaints handling. Our financial safeguarding team received forty-two complaints in the year, "
    "most of them from programme participants. Each complaint was logged, acknowledged within five working days and "
    "assigned to a named case handler, and the board reviewed the register every quarter."
)


def report_pdf(path: Path) -> tuple[Path, tuple[float, float, float, float]]:
    """A one-page PDF: a paragraph that wraps, the quote on a line of its own at a known place, a closing line far
    below. Returns the file and, in pixels (left, top, right, bottom), the middle of the quote's line as fpdf2 laid
    it out: its text's width less half a millimetre each end (the advance of the closing full stop reaches past its
    ink), and the 2.4 mm about the line's centre that 11-point letters fill."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_font("helvetica", size=11)
    pdf.add_page()
    pdf.set_xy(20, 30)
    pdf.multi_cell(170, LINE_MM, PARAGRAPH)
    pdf.set_xy(*QUOTE_AT)
    pdf.cell(0, LINE_MM, QUOTE)
    quote_width = pdf.get_string_width(QUOTE)
    pdf.set_xy(20, 200)
    pdf.cell(0, LINE_MM, CLOSING)
    pdf.output(str(path))
    left, middle = QUOTE_AT[0] + pdf.c_margin, QUOTE_AT[1] + LINE_MM / 2
    box = (left + 0.5, middle - 1.2, left + quote_width - 0.5, middle + 1.2)
    return path, tuple(mm * PX_PER_MM for mm in box)


def pixels(image: PageImage) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(image.png)).convert("RGB")).astype(int)


@pytest.fixture
def report(tmp_path):
    return report_pdf(tmp_path / "relief-network_2023_report.pdf")


def test_the_highlight_lands_on_the_quote_and_nowhere_else(report):
    path, (left, top, right, bottom) = report
    plain = render_page(path, 1, "a sentence this page does not hold at all")
    marked = render_page(path, 1, QUOTE)
    assert marked.found and not plain.found
    assert (marked.width, marked.height) == (plain.width, plain.height) == (WIDTH, round(297 * PX_PER_MM))
    before, after = pixels(plain), pixels(marked)
    changed = np.abs(after - before).sum(axis=2) > 0
    line = np.s_[round(top) : round(bottom), round(left) : round(right)]
    # Over the quote's words the page is tinted throughout, letters and paper alike...
    assert changed[line].all()
    # ... in yellow (the fill, or the edge where the line's ink ends): on the paper between the letters blue drops
    # well below red and green.
    red, green, blue = after[line][(before[line] == 255).all(axis=2)].T
    assert len(blue) > 1000 and (blue < 200).all() and (red >= green).all() and (green > blue + 50).all()
    # Everything more than a line away from the quote is untouched: the paragraph above, the closing line below,
    # the margin beside it.
    margin = round(LINE_MM * PX_PER_MM)
    assert changed.any(axis=1)[round(top) - margin : round(bottom) + margin].any()
    assert not changed[: round(top) - margin].any()
    assert not changed[round(bottom) + margin :].any()
    assert not changed[:, : round(left) - margin].any()
    assert not changed[:, round(right) + margin :].any()


def test_a_quote_spaced_and_hyphenated_differently_is_found_across_lines(report):
    path, _ = report
    quote = "Each complaint was   logged,\nacknowledged within five work-\ning days and assigned to a named case handler"
    image = render_page(path, 1, quote)
    assert image.found
    assert len(image.boxes) >= 2  # the paragraph wraps inside the quote: one box per line
    tops = sorted(box[1] for box in image.boxes)
    assert tops[-1] - tops[0] >= LINE_MM * PX_PER_MM * 0.8  # on different lines, not one box split in two
    # And every box sits within the paragraph (30 mm down, three or four lines of 6 mm), not elsewhere on the page.
    assert all(30 * PX_PER_MM - 5 <= box[1] and box[3] <= 60 * PX_PER_MM for box in image.boxes)


def test_a_quote_as_our_own_extraction_gives_it_is_found(report):
    path, _ = report
    text = read_document(path).pages[0].text
    sentence = re.search(r"Each complaint.*?quarter\.", text, re.S).group(0)
    assert render_page(path, 1, sentence).found


def test_a_ligature_or_typographic_quote_in_the_quote_still_matches(report):
    path, _ = report
    assert render_page(path, 1, "Our ﬁnancial safeguarding team").found  # U+FB01, the fi ligature
    assert render_page(path, 1, "We resolved thirty‑eight complaints").found  # a non-breaking hyphen


def test_a_quote_not_on_the_page_gives_the_page_alone(report):
    path, _ = report
    image = render_page(path, 1, "The organisation published its salary bands for every grade.")
    assert not image.found and image.boxes == []
    page = pixels(image)
    assert page.shape == (image.height, image.width, 3)
    assert (page < 128).any() and (page == 255).mean() > 0.8  # a page of text: dark glyphs on mostly white paper


def test_a_short_word_that_is_not_there_is_not_fuzzily_found(report):
    path, _ = report
    assert not render_page(path, 1, "zebra").found
    assert not render_page(path, 1, "").found


def test_the_width_is_honoured_within_bounds(report, tmp_path):
    from fpdf import FPDF

    path, _ = report
    assert render_page(path, 1, QUOTE, width=450).width == 450
    huge = render_page(path, 1, QUOTE, width=10**6)
    assert huge.found and huge.width <= MAX_WIDTH and huge.width * huge.height <= MAX_PIXELS
    # A banner page five metres tall is drawn smaller rather than at 900 pixels wide (~190 megapixels).
    pdf = FPDF(format=(210, 5000))
    pdf.set_font("helvetica", size=11)
    pdf.add_page()
    pdf.cell(0, 6, QUOTE)
    pdf.output(str(tmp_path / "banner.pdf"))
    banner = render_page(tmp_path / "banner.pdf", 1, QUOTE)
    assert banner.found and banner.width * banner.height <= MAX_PIXELS


@pytest.mark.parametrize("page", [0, 2, -1])
def test_a_page_out_of_range_is_a_clear_error(report, page):
    path, _ = report
    with pytest.raises(PageOutOfRange, match="has 1 page"):
        render_page(path, page, QUOTE)


def test_corrupt_encrypted_and_missing_files_are_clear_errors(tmp_path):
    from fpdf import FPDF
    from fpdf.enums import EncryptionMethod

    corrupt = tmp_path / "corrupt.pdf"
    corrupt.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 200)
    with pytest.raises(PageViewError, match="corrupt.pdf: the PDF could not be opened"):
        render_page(corrupt, 1, QUOTE)

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    pdf.add_page()
    pdf.cell(0, 6, "Confidential.")
    pdf.set_encryption(owner_password="owner", user_password="user", encryption_method=EncryptionMethod.RC4)
    pdf.output(str(tmp_path / "locked.pdf"))
    with pytest.raises(PageViewError, match="password-protected"):
        render_page(tmp_path / "locked.pdf", 1, QUOTE)

    with pytest.raises(PageViewError, match="missing"):
        render_page(tmp_path / "gone.pdf", 1, QUOTE)


def test_ingesting_keeps_the_original_and_delete_removes_it(settings, tmp_path, report, monkeypatch, capsys):
    path, _ = report
    pipeline = Pipeline(settings, client=FakeChatClient())
    result = pipeline.ingest(path)
    kept = original_path(settings, result.doc_id)
    assert kept == settings.data_dir / "reports" / f"{result.doc_id}.pdf"
    assert kept.read_bytes() == path.read_bytes()
    path.unlink()  # the upload was a temporary file: the page can still be shown
    view = pipeline.page_view(result.doc_id, 1, QUOTE)
    assert view is not None and view.found and view.page == 1
    with pytest.raises(PageOutOfRange):
        pipeline.page_view(result.doc_id, 3, QUOTE)

    from assistant.cli import main
    from assistant.settings import get_settings

    monkeypatch.setenv("PANEL_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    try:
        assert main(["delete", result.doc_id]) == 0
    finally:
        get_settings.cache_clear()
    assert f"removed {result.doc_id}" in capsys.readouterr().out
    assert not kept.exists()
    assert not (settings.data_dir / "reports" / f"{result.doc_id}.json").exists()  # the ingest record leaves too
    assert pipeline.page_view(result.doc_id, 1, QUOTE) is None


def test_a_report_ingested_before_originals_were_kept_gets_its_copy_on_the_next_upload(settings, report):
    path, _ = report
    pipeline = Pipeline(settings, client=FakeChatClient())
    doc_id = pipeline.ingest(path).doc_id
    original_path(settings, doc_id).unlink()
    assert pipeline.page_view(doc_id, 1, QUOTE) is None
    assert pipeline.ingest(path).already_indexed
    assert pipeline.page_view(doc_id, 1, QUOTE).found


def test_page_view_is_none_for_a_markdown_report_and_when_originals_are_not_kept(settings, report):
    pipeline = Pipeline(settings, client=FakeChatClient())
    markdown = pipeline.ingest(SAMPLE_REPORT)
    assert original_path(settings, markdown.doc_id).suffix == ".md"
    assert pipeline.page_view(markdown.doc_id, 1, "complaints") is None

    path, _ = report
    private = Pipeline(settings.model_copy(update={"keep_originals": False}), client=FakeChatClient())
    pdf = private.ingest(path)
    assert original_path(settings, pdf.doc_id) is None
    assert private.page_view(pdf.doc_id, 1, QUOTE) is None


def test_an_id_from_the_command_line_cannot_reach_outside_the_data_folder(settings):
    outside = settings.data_dir / "secret.json"
    outside.write_text("{}")
    pipeline = Pipeline(settings, client=FakeChatClient())
    assert pipeline.page_view("../secret", 1, QUOTE) is None
    assert delete_report_files(settings, "../secret") == []
    assert outside.exists()


# A page of forms nested `depth` deep, each drawing the next `copies` times (the file: 8 deep, 10 copies,
# 10^8 draws in 6 KB), drawn by the page itself or by an annotation's appearance. PDFium needs ~10x the memory a
# level: 5 deep peaks near 250 MB and draws in a second, 6 deep 2 GB and 10 s, 8 deep more than any server has.
def nested_forms_pdf(path: Path, depth: int, copies: int = 10, *, via_annotation: bool = False,
                     loop: bool = False) -> Path:
    """Raw PDF bytes: 1 catalogue, 2 pages, 3 the page, 4 its content, 5 a font, 6 an annotation, 7 its appearance,
    then the forms (11 draws 12, ... each `copies` times; with `loop`, the last draws the first)."""
    draws = b"q 0.9 0 0 0.9 1 1 cm /F Do Q\n" * copies
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"}

    def form(content: bytes, draws_form: int | None) -> bytes:
        resources = b"<< /XObject << /F %d 0 R >> >>" % draws_form if draws_form else b"<< >>"
        return (b"<< /Type /XObject /Subtype /Form /BBox [0 0 100 100] /Resources %s /Length %d >>\nstream\n"
                % (resources, len(content)) + content + b"\nendstream")

    for level in range(1, depth + 1):
        if level < depth:
            objects[10 + level] = form(draws, 11 + level)
        else:
            objects[10 + level] = form(draws if loop else b"0 0 1 rg 0 0 10 10 re f\n", 11 if loop else None)
    text = b"BT /H 11 Tf 56 700 Td (%s) Tj ET\n" % QUOTE.encode()
    resources = b"/Font << /H 5 0 R >>"
    if via_annotation:
        objects[6] = b"<< /Type /Annot /Subtype /Square /Rect [400 700 500 800] /F 4 /AP << /N 7 0 R >> >>"
        objects[7] = form(draws, 11)
        page = b"/Resources << %s >> /Annots [6 0 R]" % resources
    else:
        text += draws
        page = b"/Resources << %s /XObject << /F 11 0 R >> >>" % resources
    objects[3] = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] %s /Contents 4 0 R >>" % page
    objects[4] = b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream"
    out, offsets = bytearray(b"%PDF-1.7\n"), {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    size, start = max(objects) + 1, len(out)
    xref = [b"%010d 00000 n \n" % offsets[n] if n in offsets else b"0000000000 65535 f \n" for n in range(1, size)]
    out += b"xref\n0 %d\n0000000000 65535 f \n%s" % (size, b"".join(xref))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, start)
    path.write_bytes(bytes(out))
    return path


UNLIMITED_FORMS = {"page_max_form_depth": 100, "page_max_form_draws": 10**15}  # the form check off: PDFium tries


def growth_while(action) -> tuple[object, float]:
    """What `action` returns (or raises), and how far this process's RSS rose above where it started meanwhile, in
    MB (sampled every 5 ms: the peak, not what was left)."""
    import threading

    import psutil

    me = psutil.Process()
    start = me.memory_info().rss
    peak, stop = [start], threading.Event()

    def sample() -> None:
        while not stop.wait(0.005):
            peak[0] = max(peak[0], me.memory_info().rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        outcome = action()
    except Exception as exc:  # the refusal is the outcome under test
        outcome = exc
    finally:
        stop.set()
        sampler.join()
    return outcome, (max(peak[0], me.memory_info().rss) - start) / 2**20


def test_page_forms_counts_nested_draws_in_the_page_and_in_annotation_appearances(tmp_path):
    from pypdf import PdfReader

    from assistant.reading.page_forms import page_forms

    def forms(**how):
        return page_forms(PdfReader(nested_forms_pdf(tmp_path / "forms.pdf", **how)).pages[0])

    direct = forms(depth=3)
    assert (direct.content.depth, direct.content.draws, direct.content.complete) == (3, 10 + 100 + 1000, True)
    assert direct.annotations.draws == 0 and not direct.content.over(4, 2000) and direct.content.over(2, 2000)
    annotated = forms(depth=3, via_annotation=True)
    assert annotated.content.draws == 0
    assert (annotated.annotations.depth, annotated.annotations.draws) == (4, 1 + 1110)  # the appearance is a form
    assert forms(depth=8).content.draws == sum(10**level for level in range(1, 9))
    assert forms(depth=2, loop=True).content.over(100, 10**15)  # a form drawing itself: PDFium recurses ~10^30 draws


@pytest.mark.parametrize("via_annotation", [False, True], ids=["direct", "annotation"])
def test_ingestion_and_the_prescreen_warn_of_a_page_of_nested_forms(settings, tmp_path, via_annotation):
    from assistant.review.prescreen import as_table

    path = nested_forms_pdf(tmp_path / "nested-org_2023_report.pdf", 8, via_annotation=via_annotation)
    pipeline = Pipeline(settings, client=FakeChatClient())
    result = pipeline.ingest(path)
    wanted = "the annotations on page 1 draw forms" if via_annotation else "page 1 draws forms nested too deep"
    assert [w for w in result.warnings if wanted in w and "PANEL_PAGE_MAX_FORM_DEPTH" in w]
    screen = pipeline.prescreen(result.doc_id)
    assert any(wanted in w for w in screen.warnings) and wanted in as_table(screen)
    plain = pipeline.ingest(report_pdf(tmp_path / "plain-org_2023_report.pdf")[0])
    assert not any("forms nested" in w for w in plain.warnings)


@pytest.mark.parametrize("depth", [5, 8])
def test_a_page_of_nested_forms_is_refused_and_the_server_does_not_grow(settings, tmp_path, depth):
    path = nested_forms_pdf(tmp_path / "nested-org_2023_report.pdf", depth)
    pipeline = Pipeline(settings, client=FakeChatClient())
    doc_id = pipeline.ingest(path).doc_id
    refused, growth = growth_while(lambda: pipeline.page_view(doc_id, 1, QUOTE))
    assert isinstance(refused, PageViewError), refused
    assert "this page cannot be shown" in str(refused) and f"nested {depth} deep" in str(refused)
    assert growth < 100, f"the server's RSS grew {growth:.0f} MB"


@pytest.mark.parametrize("depth", [5, 8])
def test_annotations_of_nested_forms_are_left_out_and_the_page_is_shown(settings, tmp_path, depth):
    path = nested_forms_pdf(tmp_path / "nested-org_2023_report.pdf", depth, via_annotation=True)
    pipeline = Pipeline(settings, client=FakeChatClient())
    doc_id = pipeline.ingest(path).doc_id
    image, growth = growth_while(lambda: pipeline.page_view(doc_id, 1, QUOTE))
    assert isinstance(image, PageImage), image
    assert image.found and not image.annotations
    assert growth < 100, f"the server's RSS grew {growth:.0f} MB"
    assert render_page(report_pdf(tmp_path / "plain.pdf")[0], 1, QUOTE).annotations  # an ordinary page: all drawn


def test_a_renderer_past_its_memory_or_time_limit_is_a_page_view_error(tmp_path):
    """With the form check off, PDFium draws the page; its child process is stopped at either limit, and only it."""
    from assistant.reading.pages import RenderLimits

    five, six = nested_forms_pdf(tmp_path / "five.pdf", 5), nested_forms_pdf(tmp_path / "six.pdf", 6)
    small = RenderLimits(page_render_max_mb=200, **UNLIMITED_FORMS)
    assert render_page(report_pdf(tmp_path / "plain.pdf")[0], 1, QUOTE, limits=small).found  # 200 MB is enough
    refused, growth = growth_while(lambda: render_page(five, 1, QUOTE, limits=small))  # five deep wants ~250 MB
    assert isinstance(refused, PageViewError) and "cannot be shown" in str(refused), refused
    assert "200 MB of memory" in str(refused) and "PANEL_PAGE_RENDER_MAX_MB" in str(refused)
    assert growth < 100
    slow = RenderLimits(page_render_timeout_s=1.0, **UNLIMITED_FORMS)
    with pytest.raises(PageViewError, match=r"cannot be shown: drawing it took longer than 1 s"):
        render_page(six, 1, QUOTE, limits=slow)  # six deep takes ~10 s


def test_the_workspace_says_a_page_cannot_be_shown(tmp_path):
    from types import SimpleNamespace

    from assistant.models import Evidence
    from assistant.web.draft_tab import DraftTab

    def refuse(doc_id, page, quote):
        raise PageViewError("nested.pdf: this page cannot be shown: it draws forms nested 8 deep")

    tab = SimpleNamespace(pipeline=SimpleNamespace(page_view=refuse))
    shown = DraftTab.page_image(tab, "doc", Evidence(quote=QUOTE, page=1))
    assert shown["visible"] and shown["value"] is None
    assert shown["label"].startswith("Page 1: this page cannot be shown") and "nested 8 deep" in shown["label"]
