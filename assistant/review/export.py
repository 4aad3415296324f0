"""Export a letter draft in its framework's format: Markdown, DOCX, or JSON of the whole draft.

Everything the letter says besides the panel's commentary comes from the framework: its `letter` block (headings,
greeting, grade line, key) names a template under prompts/ for the frame and closing, and its grades give the labels
and the key. Nothing here is written for one panel."""

from __future__ import annotations

from pathlib import Path
from string import Template

from ..judging.prompts import render
from ..models import Framework, LetterDraft
from .text_safety import md_line, md_text

# What an unwritten part says in the letter: visible, bracketed, and impossible to mistake for the Panel's text.
MISSING_COMMENTARY = "[TO BE WRITTEN: no commentary for this question yet.]"
MISSING_GRADE = "[TO BE SET]"


def _fill(layout_text: str, **values: object) -> str:
    """A layout text with its placeholders filled; a placeholder the layout does not offer is an error."""
    return " ".join(Template(layout_text).substitute({k: str(v) for k, v in values.items()}).split())


def _plain(text: str) -> str:
    return text


def _body_sections(letter: LetterDraft, framework: Framework, prompts_dir: Path, escape=_plain) -> dict:
    """The parts every format shares, in order. `escape` is applied to what the report and the panel wrote (member,
    round, remarks, commentary), not to the framework's own text: md_text for Markdown, nothing for DOCX, which
    holds plain text."""
    layout = framework.letter
    # An unknown name or year shows as the framework's bracketed placeholder, never as a guess.
    member = escape(letter.member.strip()) or layout.missing_member
    facts = {"member": member, "year": letter.report_year or layout.missing_year, "round": escape(letter.review_round)}
    opening_question = framework.statement_question
    questions = []
    for draft in letter.questions:
        question = framework.question(draft.number)
        grade = ""
        if question.graded:
            grade = _fill(layout.grade_line, grade=framework.grade_name(draft.suggested_grade)
                          if draft.suggested_grade else MISSING_GRADE)
            if draft.suggested_grade and draft.assessment and draft.assessment.provisional:
                # In the framework's own grade names: a charter's letter never shows another framework's codes.
                best, worst = (draft.assessment.grade_range or [draft.suggested_grade] * 2)[:2]
                span = (framework.grade_name(worst) if best == worst else
                        f"{framework.grade_name(worst)} to {framework.grade_name(best)}")
                grade += " " + _fill(layout.provisional_mark, note=span)
        heading = _fill(layout.question_heading, number=question.number, title=question.title, text=question.text)
        questions.append((heading, escape(draft.commentary.strip()) or MISSING_COMMENTARY, grade))
    return {
        "title": _fill(layout.title, **facts),
        "subtitle": _fill(layout.subtitle, **facts),
        "review_round": _fill(layout.review_round, **facts) if letter.review_round else "",
        "opening": render(
            prompts_dir, layout.template, panel=layout.panel, member=member, year=facts["year"],
            addressee=_fill(layout.addressee, **facts),
            remarks=escape(letter.overall_remarks.strip()) or layout.missing_remarks,
        ).strip(),
        "opening_heading": opening_question.title if opening_question else "",
        "opening_statement": escape(letter.opening_statement.strip()),
        "questions_heading": layout.questions_heading,
        "questions": questions,
        "key_heading": layout.key_heading,
        "key_columns": layout.key_columns,
        "key": [(level.name, level.meaning) for level in framework.grades],
    }


def to_markdown(letter: LetterDraft, framework: Framework, prompts_dir: Path) -> str:
    """The letter as Markdown; what the report and the panel wrote shows as the text it is (text_safety.md_text):
    a tag, image or link in it is not markup here, as it is not in the DOCX."""
    parts = _body_sections(letter, framework, prompts_dir, escape=md_text)
    lines = [f"# {parts['title']}", "", f"**{parts['subtitle']}**"]
    if parts["review_round"]:
        lines += ["", parts["review_round"]]
    lines += ["", parts["opening"], ""]
    if parts["opening_statement"]:
        lines += [f"## {parts['opening_heading']}", "", parts["opening_statement"], ""]
    lines += [f"## {parts['questions_heading']}", ""]
    for heading, commentary, grade in parts["questions"]:
        lines += [f"### {heading}", ""] + ([f"**{grade}**", ""] if grade else []) + [commentary, ""]
    first, second = parts["key_columns"]
    lines += [f"## {parts['key_heading']}", "", f"| {first} | {second} |", "|---|---|"]
    lines += [f"| {name} | {meaning} |" for name, meaning in parts["key"]]
    return "\n".join(lines) + "\n"


def to_docx(letter: LetterDraft, framework: Framework, prompts_dir: Path, path: Path) -> Path:
    import docx

    parts = _body_sections(letter, framework, prompts_dir)
    document = docx.Document()
    document.add_heading(parts["title"], level=0)
    document.add_paragraph(parts["subtitle"]).runs[0].bold = True
    if parts["review_round"]:
        document.add_paragraph(parts["review_round"])
    for paragraph in parts["opening"].split("\n\n"):
        document.add_paragraph(paragraph)
    if parts["opening_statement"]:
        document.add_heading(parts["opening_heading"], level=1)
        for paragraph in parts["opening_statement"].split("\n\n"):
            document.add_paragraph(paragraph)
    document.add_heading(parts["questions_heading"], level=1)
    for heading, commentary, grade in parts["questions"]:
        document.add_heading(heading, level=2)
        if grade:
            document.add_paragraph().add_run(grade).bold = True
        for paragraph in commentary.split("\n\n"):
            document.add_paragraph(paragraph)
    document.add_heading(parts["key_heading"], level=1)
    table = document.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = parts["key_columns"]
    for name, meaning in parts["key"]:
        row = table.add_row()
        row.cells[0].text, row.cells[1].text = name, meaning
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def write(letter: LetterDraft, framework: Framework, prompts_dir: Path, path: Path) -> Path:
    """By extension: .md, .docx or .json (the whole draft, gaps with their severity included)."""
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
            out += [f"### {md_line(text)}" if kind == "heading" else f"**{text}**" if kind == "label" else md_text(text), ""]
        with path.open("a", encoding="utf-8") as handle:
            handle.write("\n".join(out))
    return path
