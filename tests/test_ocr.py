"""Scanned PDFs: read by OCR where ocrmypdf is installed, refused with install instructions where it is not."""

import shutil

import pytest

from assistant.reading import ocr
from assistant.reading.documents import ScannedDocument, read_document

PAGES = ["Question 3\nWe received 57 complaints\nabout aid distribution.", "Question 4\nOur staff survey had\na 72% response rate."]


def make_scan(path, pages):
    """A PDF of page images only: text drawn into a PNG with Pillow, placed with fpdf2. No text layer."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw, ImageFont

    pdf = FPDF()
    for i, text in enumerate(pages):
        image = Image.new("L", (1700, 800), 255)
        try:
            font = ImageFont.truetype("DejaVuSans.ttf", 60)
        except OSError:
            font = ImageFont.load_default(size=60)
        ImageDraw.Draw(image).multiline_text((80, 80), text, fill=0, font=font, spacing=30)
        png = path.with_name(f"page{i}.png")
        image.save(png)
        pdf.add_page()
        pdf.image(str(png), x=10, y=10, w=190)
    pdf.output(str(path))
    return path


@pytest.mark.skipif(shutil.which("ocrmypdf") is None, reason="ocrmypdf is not installed (apt-get install ocrmypdf)")
def test_a_scan_is_read_by_ocr_with_page_numbers_and_progress(tmp_path):
    steps = []
    document = read_document(make_scan(tmp_path / "scan.pdf", PAGES), ocr_progress=lambda d, t: steps.append((d, t)))
    assert [page.number for page in document.pages] == [1, 2]
    assert "57 complaints" in document.pages[0].text and "72%" in document.pages[1].text
    assert steps[-1] == (2, 2)
    assert any("OCR" in warning for warning in document.warnings)


def test_without_ocrmypdf_the_error_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setattr(ocr.shutil, "which", lambda name: None)
    with pytest.raises(ScannedDocument, match="apt-get install ocrmypdf"):
        read_document(make_scan(tmp_path / "scan.pdf", PAGES[:1]))
