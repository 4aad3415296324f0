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
