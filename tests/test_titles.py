"""The member organisation and the report year, read from the report itself where the file name does not give them
(assistant/reading/titles.py, corpus/reading/report-titles.json)."""

import shutil

import docx
import pytest

from assistant.models import Document, Page
from assistant.pipeline import Pipeline
from assistant.reading.documents import read_document
from assistant.reading.titles import name_and_year, title_cues
from assistant.search.ingest import guess_member_and_year
from assistant.settings import PROJECT_ROOT

HELDOUT_PDF = PROJECT_ROOT / "eval" / "cases" / "heldout-pdf" / "report.pdf"
CUES = title_cues(PROJECT_ROOT / "corpus")


def read(text: str) -> tuple[str, int | None]:
    return name_and_year(Document(doc_id="x", source="report.md", pages=[Page(number=None, text=text)]), CUES)


def test_a_pdf_named_report_takes_its_name_and_year_from_its_cover(settings, tmp_path):
    """The issue's case: report.pdf uploaded with the name and year blank became 'Report', year unknown."""
    upload = tmp_path / "report.pdf"
    shutil.copyfile(HELDOUT_PDF, upload)
    result = Pipeline(settings).ingest(upload)
    assert (result.member, result.year) == ("Cedar & Olive Relief", 2024)
    assert (result.member_from, result.year_from) == ("report", "report")
    pipeline = Pipeline(settings)
    assert {c.member for c in pipeline.index.chunks(doc_id=result.doc_id)} == {"Cedar & Olive Relief"}
    assert pipeline.review_for(result).member == "Cedar & Olive Relief"


@pytest.mark.parametrize("text, expected", [
    ("# Example Relief Network — Accountability Report 2023\n\nThis is a sample.", ("Example Relief Network", 2023)),
    ("# Nthaka Land Rights Trust\n## Accountability Report 2024\n\n*Securing land*", ("Nthaka Land Rights Trust", 2024)),
    ("MWANGAZA COMMUNITY WATER TRUST\nAccountability Report for the year 2024\nKitui, Kenya",
     ("Mwangaza Community Water Trust", 2024)),
    ("Lanternfield Education Alliance Accountability Report 2024\n# Lanternfield Education\n# Alliance",
     ("Lanternfield Education Alliance", 2024)),
    ("# Oxfam's Annual Report 2021\n\nText.", ("Oxfam", 2021)),
    ("# Grupo Raíz\n## Informe anual 2023", ("Grupo Raíz", 2023)),
    # Nothing that names the author: no guess.
    ("# Message from our Director\n\n2023 was a hard year. This report follows the 2022 framework.", ("", None)),
    ("# Accountability Report\n\nReporting period: 1 July 2023 - 30 June 2024", ("", 2024)),
    ("## 1. Achievements\n\nWe reached 4,000 people in 2023.", ("", None)),
])
def test_markdown_and_text_titles(text, expected):
    assert read(text) == expected


def test_a_docx_title(tmp_path):
    document = docx.Document()
    document.add_heading("Khulla Hisab Nepal", level=0)  # Word's Title style
    document.add_paragraph("Annual Report 2023 - Every Rupee Counts")
    document.add_heading("A note from our Executive Director", level=1)
    document.add_paragraph("We grew in 2022 and 2023.")
    path = tmp_path / "final.docx"
    document.save(str(path))
    assert name_and_year(read_document(path), CUES) == ("Khulla Hisab Nepal", 2023)


@pytest.mark.parametrize("name, expected", [
    ("amnesty-international_2022_report.pdf", ("Amnesty International", 2022)),
    ("report.pdf", ("", None)),
    ("Accountability_Report_2024_final.pdf", ("", 2024)),
    ("annual-report-v2.docx", ("", None)),
])
def test_a_file_name_that_names_nobody_gives_no_member(tmp_path, name, expected):
    assert guess_member_and_year(tmp_path / name) == expected


def test_a_heading_that_mentions_a_report_is_no_title():
    assert read("# Our Programmes\n## Report on complaints handling\n\nText.") == ("", None)
    assert read("## How this report was prepared\n\nText.") == ("", None)
