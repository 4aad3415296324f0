"""Shared fixtures. Every test gets its own data directory; the bad-input files are made here, not shipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.corpus import load_framework
from assistant.settings import PROJECT_ROOT, Settings, disable_telemetry

disable_telemetry()

SAMPLE_REPORT = PROJECT_ROOT / "corpus" / "samples" / "example-relief-network_2023_accountability-report.md"
REAL_LETTER = PROJECT_ROOT / "corpus" / "letters" / "amnesty-international_2022_panel-feedback.txt"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", preset="embedded")


@pytest.fixture(scope="session")
def framework():
    return load_framework(PROJECT_ROOT / "corpus", "accountable-now-2022")


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    """The ONNX embedding graph, built once per test session."""
    return tmp_path_factory.mktemp("models")


def make_pdf(path: Path, pages: list[str]) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    pdf.output(str(path))
    return path


def make_docx(path: Path, sections: list[tuple[str, str]], page_breaks: bool = True) -> Path:
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    for i, (heading, body) in enumerate(sections):
        if i and page_breaks:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        document.add_heading(heading, level=2)
        document.add_paragraph(body)
    document.save(str(path))
    return path
