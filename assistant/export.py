"""Export a letter draft in the panel's format: Markdown, DOCX, or JSON of the whole draft."""

from __future__ import annotations

from pathlib import Path

from .models import Framework, LetterDraft
from .prompts import render

# What an unwritten part says in the letter: visible, bracketed, and impossible to mistake for the Panel's text.
MISSING_COMMENTARY = "[TO BE WRITTEN: no commentary for this question yet.]"
MISSING_GRADE = "[TO BE SET]"


def _body_sections(letter: LetterDraft, framework: Framework, prompts_dir: Path) -> dict:
    """The parts every format shares, in order."""
    return {
        "title": f"{letter.member} Feedback from the Independent Review Panel",
        "subtitle": f"Accountability Report {letter.report_year or ''}".strip(),
        "review_round": f"Review Round {letter.review_round}" if letter.review_round else "",
        "opening": render(
            prompts_dir, "letter_template", addressee=f"{letter.member} team" if letter.member else "colleagues",
            remarks=letter.overall_remarks.strip() or "[Overall remarks to be written by the Panel.]",
        ),
        "opening_statement": letter.opening_statement.strip(),
        "questions": [
            (q.number, framework.question(q.number).text, q.commentary.strip() or MISSING_COMMENTARY,
             (q.suggested_grade.value if q.suggested_grade else MISSING_GRADE) if framework.question(q.number).graded else "")
            for q in letter.questions
        ],
        "key": [(g.code.value, g.meaning) for g in framework.grades],
    }


def to_markdown(letter: LetterDraft, framework: Framework, prompts_dir: Path) -> str:
    parts = _body_sections(letter, framework, prompts_dir)
    lines = [f"# {parts['title']}", "", f"**{parts['subtitle']}**"]
    if parts["review_round"]:
        lines += ["", parts["review_round"]]
    lines += ["", parts["opening"].strip(), ""]
    if parts["opening_statement"]:
        lines += ["## Opening Statement from the Head of Organisation", "", parts["opening_statement"], ""]
    lines += ["## Core Responses", ""]
    for number, text, commentary, grade in parts["questions"]:
        lines += [f"### {number} {text}", ""] + ([f"**Grade: {grade}**", ""] if grade else []) + [commentary, ""]
    lines += ["## Key", "", "| Grade | Explanation |", "|---|---|"]
    lines += [f"| {code} | {meaning} |" for code, meaning in parts["key"]]
    return "\n".join(lines) + "\n"


def to_docx(letter: LetterDraft, framework: Framework, prompts_dir: Path, path: Path) -> Path:
    import docx

    parts = _body_sections(letter, framework, prompts_dir)
    document = docx.Document()
    document.add_heading(parts["title"], level=0)
    document.add_paragraph(parts["subtitle"]).runs[0].bold = True
    if parts["review_round"]:
        document.add_paragraph(parts["review_round"])
    for paragraph in parts["opening"].strip().split("\n\n"):
        document.add_paragraph(paragraph)
    if parts["opening_statement"]:
        document.add_heading("Opening Statement from the Head of Organisation", level=1)
        for paragraph in parts["opening_statement"].split("\n\n"):
            document.add_paragraph(paragraph)
    document.add_heading("Core Responses", level=1)
    for number, text, commentary, grade in parts["questions"]:
        document.add_heading(f"{number} {text}", level=2)
        if grade:
            document.add_paragraph().add_run(f"Grade: {grade}").bold = True
        for paragraph in commentary.split("\n\n"):
            document.add_paragraph(paragraph)
    document.add_heading("Key", level=1)
    table = document.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Grade", "Explanation"
    for code, meaning in parts["key"]:
        row = table.add_row()
        row.cells[0].text, row.cells[1].text = code, meaning
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def write(letter: LetterDraft, framework: Framework, prompts_dir: Path, path: Path) -> Path:
    """By extension: .md, .docx or .json."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return to_docx(letter, framework, prompts_dir, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".md":
        path.write_text(to_markdown(letter, framework, prompts_dir), encoding="utf-8")
    elif suffix == ".json":
        path.write_text(letter.model_dump_json(indent=2), encoding="utf-8")
    else:
        raise ValueError(f"unsupported export format '{suffix}': use .md, .docx or .json")
    return path


# The appendix: what the assistant suggested against what the finalised letter says (reviews.appendix()).

APPENDIX_TITLE = "Appendix: the assistant's suggestions against the final text"


def appendix_lines(entries) -> list[tuple[str, str]]:
    """(kind, text) lines every format shares: 'heading', 'label' or 'text'."""
    lines = []
    for entry in entries:
        who = entry.backend + (f" ({entry.model})" if entry.model and entry.model not in entry.backend else "")
        lines.append(("heading", f"{entry.number} {entry.title} — {who}".strip()))
        grades = (f"Suggested grade {entry.suggested_grade.value if entry.suggested_grade else '—'}; "
                  f"final grade {entry.final_grade.value if entry.final_grade else '—'}.")
        state = "Left out of the final letter." if entry.left_out else ("Changed by the panel." if entry.changed else "Kept as suggested.")
        lines += [("text", f"{grades} {state}"), ("label", "Suggested:"), ("text", entry.suggested_commentary or "(no text)")]
        if entry.changed and not entry.left_out:
            lines += [("label", "Final:"), ("text", entry.final_commentary or "(no text)")]
    return lines


def add_appendix(path: Path, entries) -> Path:
    """Append the appendix to a letter already written as .md or .docx."""
    path = Path(path)
    lines = appendix_lines(entries)
    if path.suffix.lower() == ".docx":
        import docx

        document = docx.Document(str(path))
        document.add_heading(APPENDIX_TITLE, level=1)
        for kind, text in lines:
            if kind == "heading":
                document.add_heading(text, level=2)
            elif kind == "label":
                document.add_paragraph().add_run(text).bold = True
            else:
                for paragraph in text.split("\n\n"):
                    document.add_paragraph(paragraph)
        document.save(str(path))
    elif path.suffix.lower() == ".md":
        out = ["", f"## {APPENDIX_TITLE}", ""]
        for kind, text in lines:
            out += [f"### {text}" if kind == "heading" else f"**{text}**" if kind == "label" else text, ""]
        with path.open("a", encoding="utf-8") as handle:
            handle.write("\n".join(out))
    return path
