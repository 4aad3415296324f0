"""Build real report files carrying one injection variant each (tests/data/injection_variants.json), for the
safety tests and the metamorphic eval: the sample report, with the variant put into its Question 3 answer, as
Markdown, DOCX or PDF, visible or hidden by the variant's technique."""

from __future__ import annotations

import json
import re
from pathlib import Path

from assistant.settings import PROJECT_ROOT

VARIANTS_FILE = Path(__file__).parent / "data" / "injection_variants.json"
BLIND_FILE = Path(__file__).parent / "data" / "injection_blind.json"  # held out: never used for tuning
SAMPLE_REPORT = PROJECT_ROOT / "corpus" / "samples" / "example-relief-network_2023_accountability-report.md"
# The paragraph the injection follows: inside the answer to Question 3.
ANCHOR = "We received 57 complaints"
# Techniques that hide the text in the file rather than write it into the report's text.
PDF_HIDDEN = {"white", "near_white", "tiny", "offpage", "under_image", "invisible", "covered"}
DOCX_HIDDEN = {"white", "tiny", "vanish", "vanish_style"}


def load_variants() -> list[dict]:
    return json.loads(VARIANTS_FILE.read_text(encoding="utf-8"))["variants"]


def load_blind() -> tuple[list[dict], list[dict]]:
    """The held-out set's attacks, as visible Markdown variants of the sample report, and its benign sentences."""
    data = json.loads(BLIND_FILE.read_text(encoding="utf-8"))
    attacks = [{**a, "id": f"blind-{a['id']}", "format": "md", "technique": "visible", "marker": a["text"]}
               for a in data["attacks"]]
    return attacks, data["benign"]


def hard_negatives() -> list[str]:
    return json.loads(VARIANTS_FILE.read_text(encoding="utf-8"))["hard_negatives"]


def clean_reports(directory: Path) -> list[Path]:
    """Every report the project holds that carries no injection: the designed eval cases (Markdown, text, DOCX, a
    33-page PDF), the sample report, and the proxy reports built from the real published letters (written to
    `directory`)."""
    from assistant.reading.corpus import load_letter
    from eval.harness import load_cases, load_designed_cases, proxy_report

    paths = [case.report_path for case in load_designed_cases()]
    for case in load_cases():
        proxy = Path(directory) / f"{case.id}_{case.report_year}_proxy.md"
        proxy.write_text(proxy_report(load_letter(case.letter_path)), encoding="utf-8")
        paths.append(proxy)
    return paths


def sections(text: str | None = None) -> list[tuple[str, str]]:
    """(heading, body) of each '#' section of the sample report."""
    text = SAMPLE_REPORT.read_text(encoding="utf-8") if text is None else text
    parts = re.split(r"^#+ (.*)$", text, flags=re.MULTILINE)
    return [(parts[i].strip(), parts[i + 1].strip()) for i in range(1, len(parts), 2)]


def injected_markdown(variant: dict) -> str:
    """The sample report with the variant as its own paragraph in the answer to Question 3."""
    text = SAMPLE_REPORT.read_text(encoding="utf-8")
    paragraph_end = text.index("\n\n", text.index(ANCHOR))
    return text[:paragraph_end] + "\n\n" + variant["text"] + text[paragraph_end:]


def build(variant: dict, directory: Path) -> Path:
    """The report file for one variant, named like a member's report so ingestion guesses member and year."""
    path = Path(directory) / f"example-relief-network_2023_{variant['id']}.{variant['format']}"
    if variant["format"] == "md":
        path.write_text(injected_markdown(variant), encoding="utf-8")
    elif variant["format"] == "docx":
        hidden = variant["technique"] in DOCX_HIDDEN
        _docx(path, sections(None if hidden else injected_markdown(variant)), variant if hidden else None)
    elif variant["format"] == "pdf":
        _pdf(path, variant)
    else:
        raise ValueError(f"unknown format {variant['format']}")
    return path


def _docx(path: Path, parts: list[tuple[str, str]], hidden: dict | None = None) -> None:
    """One section a page. A hidden variant goes with the Question 3 paragraph it follows, hidden by its technique."""
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    for i, (heading, body) in enumerate(parts):
        if i:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        document.add_heading(heading, level=2)
        for paragraph in body.split("\n\n"):
            added = document.add_paragraph(paragraph)
            if hidden is not None and ANCHOR in paragraph:
                _hide_in_docx(document, added, hidden["text"], hidden["technique"])
    document.save(str(path))


def _hide_in_docx(document, paragraph, text: str, technique: str) -> None:
    """White or 1 pt: a run at the end of the visible paragraph. Word's hidden attribute: a paragraph of its own,
    set on the run or through a character style."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt, RGBColor

    if technique == "white":
        paragraph.add_run(" " + text).font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
    elif technique == "tiny":
        paragraph.add_run(" " + text).font.size = Pt(1)
    elif technique == "vanish":
        document.add_paragraph().add_run(text).font.hidden = True
    elif technique == "vanish_style":
        style = document.styles.add_style("Reviewer note", WD_STYLE_TYPE.CHARACTER)
        style.font.hidden = True
        document.add_paragraph().add_run(text, style=style)
    else:
        raise ValueError(f"unknown technique {technique}")


def _latin1(text: str) -> str:
    """The PDF core fonts hold Latin-1 only."""
    text = text.replace("—", "-").replace("–", "-").replace("’", "'").replace("“", '"').replace("”", '"')
    return text.encode("latin-1", "replace").decode("latin-1")


def _pdf(path: Path, variant: dict) -> None:
    """One section a page. Visible variants go into the Question 3 text; hidden ones are drawn on that page with
    the variant's technique."""
    from fpdf import FPDF

    technique = variant["technique"]
    hidden = technique in PDF_HIDDEN
    source = SAMPLE_REPORT.read_text(encoding="utf-8") if hidden else injected_markdown(variant)
    pdf = FPDF()
    pdf.set_auto_page_break(True, margin=15)
    injection = _latin1(variant["text"])
    for heading, body in sections(source):
        pdf.add_page()
        pdf.set_font("helvetica", "B", 12)
        pdf.multi_cell(0, 7, _latin1(heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=11)
        pdf.multi_cell(0, 6, _latin1(body), new_x="LMARGIN", new_y="NEXT")
        if hidden and heading.startswith("3."):
            _hide(pdf, injection, technique, path.parent)
            pdf.set_text_color(0, 0, 0)
            pdf.set_font("helvetica", size=11)
    pdf.output(str(path))


def _hide(pdf, text: str, technique: str, directory: Path) -> None:
    from fpdf.enums import TextMode

    y = pdf.get_y() + 8
    pdf.set_font("helvetica", size=11)
    if technique == "white":
        pdf.set_text_color(255, 255, 255)
        pdf.text(20, y, text)
    elif technique == "near_white":
        pdf.set_text_color(250, 250, 248)
        pdf.text(20, y, text)
    elif technique == "tiny":
        pdf.set_font("helvetica", size=1)
        pdf.text(20, y, text)
    elif technique == "offpage":
        pdf.text(pdf.w + 50, y, text)
    elif technique == "invisible":
        with pdf.local_context(text_mode=TextMode.INVISIBLE):
            pdf.text(20, y, text)
    elif technique in {"under_image", "covered"}:
        pdf.text(20, y, text)
        if technique == "under_image":
            pdf.image(_grey_png(directory), x=15, y=y - 8, w=180, h=14)
        else:
            pdf.set_fill_color(255, 255, 255)
            pdf.rect(15, y - 8, 180, 14, style="F")
    else:
        raise ValueError(f"unknown technique {technique}")


def _grey_png(directory: Path) -> Path:
    from PIL import Image

    path = directory / "cover.png"
    if not path.exists():
        Image.new("RGB", (60, 6), (200, 200, 200)).save(path)
    return path
