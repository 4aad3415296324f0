"""Parse a panel feedback letter into overall remarks, opening-statement commentary, and per-question commentary and grade.

Letters of this family are exported from PDFs whose grade boxes sit in the margin, so a grade code lands wherever the
text extraction put it: on a line of its own mid-sentence, or at the start or end of a line. The parser lifts every
such code out of the commentary, rejoins a sentence the box had split, and keeps the code as the question's grade.
"""

from __future__ import annotations

import re

from ..models import Grade, Letter, QuestionFeedback

_CODES = "|".join(Grade.codes())
_GRADE_LINE = re.compile(rf"^\s*(?:grade\s*:?\s*)?({_CODES})\s*$", re.IGNORECASE)
_GRADE_AT_END = re.compile(rf"(?<=[a-z,;.)])\s+({_CODES})\s*$")
_GRADE_AT_START = re.compile(rf"^\s*({_CODES})\s+(?=[A-Za-z])")
_QUESTION_HEADING = re.compile(r"^\s*(?:Q(?:uestion)?\s*)?(\d{1,2})[.):]?\s+(\S.{10,})$")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_OPENING_HEADING = re.compile(r"^\s*opening statement", re.IGNORECASE)
_CORE_HEADING = re.compile(r"^\s*core responses", re.IGNORECASE)
# The grade key closing a letter: a "Key  Explanation" header row, or its first definition row.
_KEY_TABLE = re.compile(rf"^\s*key(?:\s+explanation\b.*)?\s*$|^\s*(?:{_CODES})\s+(?:the|if)\b.*\bresponse\b", re.I)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)]|[a-z][.)])\s")
_SIGN_OFF = re.compile(r"^\s*(yours sincerely|kind regards|best regards|sincerely)", re.IGNORECASE)


def plain_text(text: str) -> str:
    """Hyperlink placeholders like [eight studies](#) become their words; **bold** loses its markers."""
    text = _LINK.sub(r"\1", text)
    return _BOLD.sub(lambda m: m.group(1) or m.group(2), text)


def parse_letter_text(text: str, source: str = "") -> Letter:
    lines = plain_text(text).replace("\r\n", "\n").split("\n")
    warnings: list[str] = []
    headings = _question_headings(lines)
    if not headings:
        warnings.append(f"{source or 'letter'}: no numbered question headings found")

    first_question = headings[0][0] if headings else len(lines)
    preamble = lines[:first_question]
    questions = []
    for index, (start, number, title) in enumerate(headings):
        end = headings[index + 1][0] if index + 1 < len(headings) else _key_table_start(lines, start)
        commentary, grades = _lift_grades(lines[start + 1 : end])
        distinct = list(dict.fromkeys(grades))
        grade = Grade(distinct[0]) if distinct else None
        if not distinct:
            warnings.append(f"question {number}: no grade code found; grade left empty")
        elif len(distinct) > 1:
            warnings.append(f"question {number}: several grade codes {distinct}; kept the first, {distinct[0]}")
        questions.append(QuestionFeedback(number=number, title=title, commentary=commentary, grade=grade))

    member, year, review_round = _header_facts(preamble)
    return Letter(
        member=member,
        report_year=year,
        review_round=review_round,
        source=source,
        overall_remarks=_overall_remarks(preamble),
        opening_statement=_opening_statement(preamble),
        questions=questions,
        warnings=warnings,
    )


def _question_headings(lines: list[str]) -> list[tuple[int, int, str]]:
    """Numbered question headings in rising sequence (a letter may skip a question, say one marked 'if applicable');
    a number far out of sequence is a figure in the text, not a heading."""
    headings: list[tuple[int, int, str]] = []
    for index, line in enumerate(lines):
        match = _QUESTION_HEADING.match(line)
        if not match or len(line) > 400:
            continue
        number, title = int(match.group(1)), match.group(2).strip()
        previous = headings[-1][1] if headings else 0
        if previous < number <= previous + 3 and title[0].isupper() and "?" in title:
            headings.append((index, number, title))
    return headings


def _key_table_start(lines: list[str], after: int) -> int:
    for index in range(after + 1, len(lines)):
        if _KEY_TABLE.match(lines[index]):
            return index
    return len(lines)


def _lift_grades(lines: list[str]) -> tuple[str, list[str]]:
    """Remove grade codes from the lines; return the commentary as paragraphs and the codes in order."""
    grades: list[str] = []
    kept: list[str] = []
    for line in lines:
        if match := _GRADE_LINE.match(line):
            grades.append(match.group(1).upper())
            kept.append("")  # a removed box still separates paragraphs unless a sentence runs across it
            continue
        for pattern in (_GRADE_AT_END, _GRADE_AT_START):
            if match := pattern.search(line):
                grades.append(match.group(1))
                line = line[: match.start()] + line[match.end() :]
        kept.append(line.strip())
    return _join_paragraphs(kept), grades


def _join_paragraphs(lines: list[str]) -> str:
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        if not line:
            if current:
                paragraphs.append(current)
            current = ""
        else:
            # Bullets keep their own lines; wrapped prose lines rejoin into one.
            separator = "\n" if _BULLET.match(line) else " "
            current = f"{current}{separator}{line}" if current else line
    if current:
        paragraphs.append(current)
    # A paragraph that ends mid-sentence and a next one that starts in lower case were one sentence split by a box.
    merged: list[str] = []
    for paragraph in paragraphs:
        if merged and not re.search(r"[.!?:)\"”]$", merged[-1]) and paragraph[:1].islower():
            merged[-1] = f"{merged[-1]} {paragraph}"
        else:
            merged.append(paragraph)
    return "\n\n".join(merged)


def _header_facts(preamble: list[str]) -> tuple[str, int | None, str]:
    nonblank = [line.strip() for line in preamble if line.strip()]
    member = nonblank[0] if nonblank else ""
    year = None
    review_round = ""
    for line in nonblank[:12]:
        if year is None and (match := re.search(r"(?:accountability )?report\s+(\d{4})", line, re.IGNORECASE)):
            year = int(match.group(1))
        if not review_round and (match := re.search(r"review round\s+(.+)$", line, re.IGNORECASE)):
            review_round = match.group(1).strip()
    return member, year, review_round


def _overall_remarks(preamble: list[str]) -> str:
    start = next((i for i, line in enumerate(preamble) if line.strip().lower().startswith("dear ")), None)
    if start is None:
        return ""
    end = next((i for i in range(start, len(preamble)) if _SIGN_OFF.match(preamble[i])), len(preamble))
    return _join_paragraphs([line.strip() for line in preamble[start:end]])


def _opening_statement(preamble: list[str]) -> str:
    start = next((i for i, line in enumerate(preamble) if _OPENING_HEADING.match(line)), None)
    if start is None:
        return ""
    end = next((i for i in range(start + 1, len(preamble)) if _CORE_HEADING.match(preamble[i])), len(preamble))
    return _join_paragraphs([line.strip() for line in preamble[start + 1 : end]])
