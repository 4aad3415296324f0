"""Metamorphic relations for the assessment: a report as a list of sections, the edits that must (or must not) move
its grades, and renderings of one report as Markdown, plain text, DOCX and PDF.

A report is read into sections from its Markdown, text or DOCX file, or, for the generated PDF case, from the content
its make_report.py holds. Every edit works on sections, so the edited report and the untouched one are rendered by
the same code and differ only by the edit.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from assistant.models import Grade, QuestionAssessment

# Generic praise that says nothing about any guidance point: appended to every section, it may not raise a grade.
PRAISE = (
    "We are proud of our strong accountability culture. Our team is deeply committed to excellence, transparency "
    "and learning, and we believe this report shows an organisation that lives its values every day."
)
FORMATS = ("md", "docx", "pdf")


@dataclass(frozen=True)
class Section:
    heading: str  # empty for text before the first heading
    body: str  # paragraphs separated by blank lines; Markdown tables, bullets and **bold** allowed
    level: int = 2


@dataclass(frozen=True)
class Report:
    sections: tuple[Section, ...]
    home: str = "md"  # the format edits are rendered in: the case's own, or Markdown for DOCX and PDF cases


# Reading a case's report into sections


def load_report(path: Path) -> Report:
    suffix = path.suffix.lower()
    if suffix == ".md":
        return Report(from_markdown(path.read_text(encoding="utf-8")))
    if suffix == ".txt":
        return Report(from_text(path.read_text(encoding="utf-8")), home="txt")
    if suffix == ".docx":
        return Report(from_docx(path))
    if suffix == ".pdf" and (path.parent / "make_report.py").exists():
        return Report(from_chapters(path.parent / "make_report.py"))
    raise ValueError(f"{path}: no way to read this report into sections")


def from_markdown(text: str) -> tuple[Section, ...]:
    parts = re.split(r"^(#{1,6})[ \t]+(.*)$", text, flags=re.MULTILINE)
    sections = [Section("", parts[0].strip(), 0)] if parts[0].strip() else []
    for i in range(1, len(parts), 3):
        sections.append(Section(parts[i + 1].strip(), parts[i + 2].strip(), len(parts[i])))
    return tuple(sections)


def from_text(text: str) -> tuple[Section, ...]:
    """Plain text with headings underlined by dashes or equals signs."""
    parts = re.split(r"^(\S[^\n]*)\n[-=]{3,}[ \t]*$", text, flags=re.MULTILINE)
    sections = [Section("", parts[0].strip(), 0)] if parts[0].strip() else []
    for i in range(1, len(parts), 2):
        sections.append(Section(parts[i].strip(), parts[i + 1].strip()))
    return tuple(sections)


def from_docx(path: Path) -> tuple[Section, ...]:
    """Paragraphs and tables in document order; Title and Heading styles start sections."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(str(path))
    sections: list[Section] = []
    heading, level, blocks = "", 0, []

    def close():
        if heading or blocks:
            sections.append(Section(heading, "\n\n".join(blocks), level))

    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(element, document)
            text = paragraph.text.strip()
            style = (paragraph.style.name or "").lower() if paragraph.style is not None else ""
            if not text:
                continue
            if style.startswith(("heading", "title")):
                close()
                heading, blocks = text, []
                level = 1 if style == "title" else int(re.sub(r"\D", "", style) or 1) + 1
            elif style.startswith("list"):
                blocks.append(f"- {text}")
            else:
                blocks.append(text)
        elif tag == "tbl":
            rows = [[cell.text.strip() for cell in row.cells] for row in Table(element, document).rows]
            blocks.append(_markdown_table(rows[0], rows[1:]))
    close()
    return tuple(sections)


def from_chapters(script: Path) -> tuple[Section, ...]:
    """The content of a generated PDF case, from the CHAPTERS its make_report.py renders."""
    spec = importlib.util.spec_from_file_location(f"_case_{script.parent.name.replace('-', '_')}", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return tuple(Section(title, "\n\n".join(_block_text(b) for b in blocks if _block_text(b))) for title, blocks in module.CHAPTERS)


def _block_text(block: tuple) -> str:
    kind = block[0]
    if kind in ("p", "box"):
        return block[1]
    if kind == "h2":
        return f"**{block[1]}**"
    if kind == "bullets":
        return "\n".join(f"- {item}" for item in block[1])
    if kind == "photo":
        return block[1]
    if kind == "quote":
        return f"\u201c{block[1]}\u201d {block[2]}"
    if kind == "table":
        return _markdown_table(block[1], block[2])
    if kind == "twocol":
        return "\n\n".join(block[1] + block[2])
    return ""  # newpage


def _markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(str(c) for c in line) + " |" for line in lines)


# Edits


def _key(heading: str) -> str:
    return re.sub(r"\W+", " ", heading).strip().lower()


def _blocks_of(sections: tuple[Section, ...]) -> list[tuple[Section, ...]]:
    """Top-level sections, each with its subsections."""
    top = min((s.level for s in sections), default=0)
    blocks: list[list[Section]] = []
    for section in sections:
        if section.level <= top or not blocks:
            blocks.append([])
        blocks[-1].append(section)
    return [tuple(b) for b in blocks]


def without_sections(report: Report, headings: list[str]) -> Report:
    """The report without the named sections and their subsections."""
    drop = {_key(h) for h in headings}
    kept, dropping_below = [], None
    for section in report.sections:
        if dropping_below is not None and section.level > dropping_below:
            continue
        dropping_below = section.level if _key(section.heading) in drop else None
        if dropping_below is None:
            kept.append(section)
    if not drop <= {_key(s.heading) for s in report.sections}:
        raise ValueError(f"not every heading of {headings} is a section of the report")
    return replace(report, sections=tuple(kept))


def with_praise(report: Report) -> Report:
    """Generic praise at the end of every section (so inside every answer)."""
    return replace(report, sections=tuple(replace(s, body=f"{s.body}\n\n{PRAISE}".strip()) for s in report.sections))


def reordered(report: Report) -> Report:
    """The top-level sections (with their subsections) in reverse order, the report's title and any text before it
    left first."""
    blocks = _blocks_of(report.sections[1:])
    return replace(report, sections=report.sections[:1] + tuple(s for block in reversed(blocks) for s in block))


def truncated(report: Report, keep: float) -> Report:
    """Each section cut to the first `keep` share of its paragraphs (at least one), or of its sentences where it has
    one paragraph: evidence taken away, nothing added."""
    def cut(body: str) -> str:
        paragraphs = [p for p in body.split("\n\n") if p.strip()]
        if len(paragraphs) > 1:
            return "\n\n".join(paragraphs[: max(1, int(len(paragraphs) * keep))])
        sentences = re.split(r"(?<=[.!?])\s+", body)
        return " ".join(sentences[: max(1, int(len(sentences) * keep))])

    return replace(report, sections=tuple(replace(s, body=cut(s.body)) for s in report.sections))


# Rendering


def render(report: Report, fmt: str, path: Path) -> Path:
    path = Path(path).with_suffix(f".{fmt}")
    {"md": _write_markdown, "txt": _write_text, "docx": _write_docx, "pdf": _write_pdf}[fmt](report, path)
    return path


def _write_markdown(report: Report, path: Path) -> None:
    parts = [(f"{'#' * s.level} {s.heading}\n\n" if s.heading else "") + s.body for s in report.sections]
    path.write_text("\n\n".join(parts).strip() + "\n", encoding="utf-8")


def _write_text(report: Report, path: Path) -> None:
    parts = [(f"{s.heading}\n{'-' * len(s.heading)}\n\n" if s.heading else "") + s.body for s in report.sections]
    path.write_text("\n\n\n".join(parts).strip() + "\n", encoding="utf-8")


def _plain(text: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*|__(.+?)__|(?<!\w)\*(?!\s)(.+?)(?<!\s)\*(?!\w)", lambda m: next(g for g in m.groups() if g), text)


def _blocks(body: str) -> Iterator[tuple[str, object]]:
    """('table', rows) | ('bullet', text) | ('paragraph', text) for each block of a section's body."""
    for block in (b.strip() for b in body.split("\n\n")):
        if not block:
            continue
        lines = block.split("\n")
        if all(line.strip().startswith("|") for line in lines):
            rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in lines]
            yield "table", [r for r in rows if not all(re.fullmatch(r":?-{3,}:?", c) for c in r)]
        elif all(re.match(r"\s*[-*]\s", line) for line in lines):
            for line in lines:
                yield "bullet", re.sub(r"^\s*[-*]\s+", "", line)
        else:
            yield "paragraph", " ".join(line.strip() for line in lines)


def _write_docx(report: Report, path: Path) -> None:
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    for i, section in enumerate(report.sections):
        if i and section.level <= 2:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        if section.heading:
            document.add_heading(section.heading, level=max(0, section.level - 1))
        for kind, content in _blocks(section.body):
            if kind == "table":
                table = document.add_table(rows=len(content), cols=max(len(r) for r in content))
                for row, cells in zip(table.rows, content):
                    for cell, text in zip(row.cells, cells):
                        cell.text = _plain(text)
            elif kind == "bullet":
                document.add_paragraph(_plain(content), style="List Bullet")
            else:
                document.add_paragraph(_plain(content))
    document.save(str(path))


def _font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"  # DejaVu, shipped with matplotlib: no system fonts


def _write_pdf(report: Report, path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font("dv", "", str(_font_dir() / "DejaVuSans.ttf"))
    pdf.add_font("dv", "B", str(_font_dir() / "DejaVuSans-Bold.ttf"))
    for i, section in enumerate(report.sections):
        if i == 0 or section.level <= 2:
            pdf.add_page()
        if section.heading:
            pdf.set_font("dv", "B", 13 if section.level <= 2 else 11)
            pdf.multi_cell(0, 7, section.heading, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        pdf.set_font("dv", "", 10)
        for kind, content in _blocks(section.body):
            if kind == "table":
                with pdf.table(text_align="LEFT", first_row_as_headings=False) as table:
                    for cells in content:
                        row = table.row()
                        for text in cells:
                            row.cell(_plain(text))
            else:
                text = f"\u2022 {content}" if kind == "bullet" else content
                pdf.multi_cell(0, 5, _plain(text), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    pdf.output(str(path))


# Comparing assessments

Outcome = dict[int, tuple[Grade | None, tuple[str, ...]]]  # question -> (grade, point statuses)


def outcome(assessments: list[QuestionAssessment]) -> Outcome:
    return {a.number: (a.grade, tuple(p.status for p in a.points)) for a in assessments}


def _grade(value: Grade | None) -> str:
    return value.value if value else "-"


def _points_moved(before: Outcome, after: Outcome, number: int) -> str:
    """' (point 2 missing -> partly)': what moved under a grade that moved."""
    moved = [f"point {i + 1} {a} -> {b}" for i, (a, b) in enumerate(zip(before[number][1], after[number][1])) if a != b]
    return f" ({', '.join(moved)})" if moved else ""


def deletion_violations(before: Outcome, after: Outcome, deleted: int, shared: set[int]) -> list[str]:
    """The deleted question is NM; every other graded question keeps its grade (except those whose answer shared a
    deleted section)."""
    problems = []
    if after[deleted][0] != Grade.NM:
        problems.append(f"Q{deleted} is {_grade(after[deleted][0])}, not NM, without its section")
    for number, (grade, _) in before.items():
        if number != deleted and number not in shared and grade is not None and after[number][0] != grade:
            problems.append(f"Q{number} moved {_grade(grade)} -> {_grade(after[number][0])}"
                            + _points_moved(before, after, number))
    return problems


def no_better_violations(before: Outcome, after: Outcome) -> list[str]:
    """No graded question gets a kinder grade."""
    return [f"Q{n} improved {_grade(g)} -> {_grade(after[n][0])}" + _points_moved(before, after, n)
            for n, (g, _) in before.items()
            if g is not None and after[n][0] is not None and after[n][0].rank < g.rank]


def same_grade_violations(before: Outcome, after: Outcome) -> list[str]:
    return [f"Q{n} {_grade(g)} -> {_grade(after[n][0])}" + _points_moved(before, after, n)
            for n, (g, _) in before.items() if after[n][0] != g]


def same_outcome_violations(before: Outcome, after: Outcome) -> list[str]:
    """Every grade and every point status the same."""
    problems = same_grade_violations(before, after)
    for n, (_, statuses) in before.items():
        changed = [f"point {i + 1} {a} -> {b}" for i, (a, b) in enumerate(zip(statuses, after[n][1])) if a != b]
        if changed:
            problems.append(f"Q{n}: " + ", ".join(changed))
    return problems


# Embeddings are a pure function of the text: computing each text once makes the many near-identical reports of these
# tests cheap (and removes batch-composition float noise, so a difference found is the edit's, not the padding's).


EMBEDDINGS: dict[str, np.ndarray] = {}  # by text, shared by every embedder memoised in this process


@contextmanager
def memoised(embedder, cache: dict[str, np.ndarray] = EMBEDDINGS) -> Iterator[Callable]:
    compute = embedder.embed

    def embed(texts: list[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in cache]
        if new:
            cache.update(zip(new, compute(new)))
        return np.stack([cache[t] for t in texts]) if texts else compute(texts)

    embedder.embed = embed  # an instance attribute over the method: Chroma's embedding function and the Assessor
    try:  # both reach the model through this one object
        yield embed
    finally:
        del embedder.embed
