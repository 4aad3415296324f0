import pytest
from pypdf import PdfWriter

from assistant.reading.documents import (
    CorruptDocument,
    EmptyDocument,
    EncryptedDocument,
    FileTooLarge,
    ScannedDocument,
    UnsupportedFileType,
    read_document,
)

from .conftest import make_docx, make_pdf


def test_pdf_keeps_page_numbers(tmp_path):
    path = make_pdf(tmp_path / "r.pdf", ["First page about complaints.", "Second page about 57 grievances."])
    document = read_document(path)
    assert [page.number for page in document.pages] == [1, 2]
    assert "57 grievances" in document.pages[1].text
    assert len(document.doc_id) == 16


def test_pdf_lines_set_larger_than_the_body_are_headings_by_size(tmp_path):
    """PDF text has no heading marks: type size tells a chapter from its subsection and from body text, and a
    heading wrapped onto a second line is one heading."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    for size, text in [(18, "3. Complaints and what they"), (18, "changed"), (14, "Speaking up"),
                       (11, "We received 64 complaints and resolved 52 of them within a month."),
                       (11, "Short body line")]:
        pdf.set_font("helvetica", size=size)
        pdf.multi_cell(0, size * 0.6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(tmp_path / "r.pdf"))
    lines = read_document(tmp_path / "r.pdf").pages[0].text.split("\n")
    assert lines == ["# 3. Complaints and what they changed", "## Speaking up",
                     "We received 64 complaints and resolved 52 of them within a month.", "Short body line"]


def test_same_content_same_id_whatever_the_name(tmp_path):
    a = make_pdf(tmp_path / "a.pdf", ["Same text here, long enough to count as a page."])
    b = tmp_path / "b.pdf"
    b.write_bytes(a.read_bytes())
    assert read_document(a).doc_id == read_document(b).doc_id


def test_docx_pages_from_page_breaks_and_headings(tmp_path):
    path = make_docx(tmp_path / "r.docx", [("Opening statement", "Hello from the director."), ("Question 1", "We did things.")])
    document = read_document(path)
    assert [page.number for page in document.pages] == [1, 2]
    assert document.pages[1].text.startswith("## Question 1")  # Heading 2 keeps its level


def test_docx_without_breaks_is_cited_by_section(tmp_path):
    path = make_docx(tmp_path / "r.docx", [("A", "One."), ("B", "Two.")], page_breaks=False)
    document = read_document(path)
    assert [page.number for page in document.pages] == [None]
    assert any("cited by section" in w for w in document.warnings)


def test_docx_tables_stay_in_their_chapter(tmp_path):
    import docx
    document = docx.Document()
    document.add_heading("People and culture", level=2)
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Staff survey response", "91%"
    document.add_heading("Working with communities", level=2)
    document.add_paragraph("Committees decide.")
    path = tmp_path / "r.docx"
    document.save(path)
    text = read_document(path).pages[0].text
    assert text.index("91%") < text.index("Working with communities")


def test_text_form_feeds_are_pages(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text("page one text\fpage two text")
    assert [p.number for p in read_document(path).pages] == [1, 2]


def test_encrypted_pdf(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret")
    path = tmp_path / "locked.pdf"
    writer.write(str(path))
    with pytest.raises(EncryptedDocument, match="password"):
        read_document(path)


def test_pdf_with_empty_owner_password_still_opens(tmp_path):
    source = make_pdf(tmp_path / "plain.pdf", ["Readable text on this page."])
    from pypdf import PdfReader

    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password="", owner_password="owner")
    path = tmp_path / "restricted.pdf"
    writer.write(str(path))
    assert "Readable text" in read_document(path).text


def test_scanned_pdf_asks_for_ocr(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(600, 800)
    writer.add_blank_page(600, 800)
    path = tmp_path / "scan.pdf"
    writer.write(str(path))
    with pytest.raises(ScannedDocument, match="OCR"):
        read_document(path)


def test_partly_scanned_pdf_warns_and_keeps_text_pages(tmp_path):
    from pypdf import PdfReader

    writer = PdfWriter(clone_from=PdfReader(make_pdf(tmp_path / "t.pdf", ["Text page one with words."])))
    writer.add_blank_page(600, 800)
    path = tmp_path / "mixed.pdf"
    writer.write(str(path))
    document = read_document(path)
    assert [p.number for p in document.pages] == [1]
    assert any("pages 2 have no text layer" in w for w in document.warnings)


@pytest.mark.parametrize("name", ["empty.pdf", "empty.txt", "empty.docx", "blank.md"])
def test_empty_files(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"   \n" if name == "blank.md" else b"")
    with pytest.raises(EmptyDocument):
        read_document(path)


@pytest.mark.parametrize(
    "name, data",
    [
        ("broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage \x00\x01\x02"),
        ("broken.docx", b"PK\x03\x04 this is not a zip archive at all"),
        ("binary.txt", b"\x00\x01\x02\x03" * 100),
    ],
)
def test_corrupt_files(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(CorruptDocument):
        read_document(path)


def test_truncated_pdf_is_corrupt_or_readable_never_a_crash(tmp_path):
    whole = make_pdf(tmp_path / "whole.pdf", ["Some words " * 50] * 3).read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(whole[: len(whole) // 2])
    try:
        read_document(path)
    except (CorruptDocument, EmptyDocument, ScannedDocument):
        pass


def test_unsupported_type(tmp_path):
    path = tmp_path / "report.xlsx"
    path.write_bytes(b"data")
    with pytest.raises(UnsupportedFileType, match="PDF, DOCX"):
        read_document(path)


def test_file_over_size_limit(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("word " * 300_000)
    with pytest.raises(FileTooLarge, match="limit"):
        read_document(path, max_file_mb=1)


def test_pdf_over_page_limit(tmp_path):
    path = make_pdf(tmp_path / "long.pdf", ["page text here"] * 5)
    with pytest.raises(FileTooLarge, match="5 pages"):
        read_document(path, max_pages=4)


def test_non_english_text_is_read_with_a_warning(tmp_path):
    path = tmp_path / "rapport.txt"
    path.write_text(
        "Notre organisation a reçu des plaintes de la part des communautés. Nous avons appris "
        "beaucoup de choses sur la manière de traiter les plaintes et les griefs du personnel. " * 5,
        encoding="utf-8",
    )
    document = read_document(path)
    assert "plaintes" in document.text
    assert any("English" in w for w in document.warnings)
