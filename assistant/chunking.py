"""Split documents and letters into page-aware chunks, tagging each with the framework question it answers."""

from __future__ import annotations

import re

from langchain_text_splitters import RecursiveCharacterTextSplitter

from .models import Chunk, Document, Framework, Letter

_STOPWORDS = set(
    "a an and are as at be been by for from has have how i in is it its of on or our the this to was were what with"
    " you your yours if etc e g ie".split()
)
_EXPLICIT = re.compile(r"^(?:#+\s*)?(?:q|question)\s*(\d{1,2})\b", re.IGNORECASE)
_NUMBERED = re.compile(r"^(?:#+\s*)?(\d{1,2})[.):]?\s+(\S.*)$")
_OPENING = re.compile(r"^(?:#+\s*)?(?:\d[.)]?\s*)?(opening statement|statement from the (?:head|ceo|chief|secretary|director|chair))", re.I)
_HEADING = re.compile(r"^#+\s+(.+)$")


def _words(text: str) -> set[str]:
    return {w.rstrip("s") for w in re.findall(r"[a-z]+", text.lower()) if w not in _STOPWORDS and len(w) > 2}


def match_question(line: str, framework: Framework) -> int | None:
    """The framework question a heading line introduces, if it is one: 'Q3', 'Question 3', '3. <question text>',
    or the question's own words. Long lines are prose, not headings."""
    line = line.strip()
    if not line or len(line) > 350:
        return None
    numbers = {q.number for q in framework.questions}
    if (match := _EXPLICIT.match(line)) and int(match.group(1)) in numbers:
        return int(match.group(1))
    if _OPENING.match(line) and len(line) < 120 and framework.statement_question:
        return framework.statement_question.number
    words = _words(line)
    if len(words) < 3:
        return None
    best, best_score = None, 0.0
    for question in framework.graded_questions:
        target = _words(question.text.split("?")[0])  # the question itself, not its parenthetical examples
        covered = len(words & target) / len(target)  # how much of the question the line repeats
        precise = len(words & target) / len(words)  # how much of the line is the question
        score = min(covered, precise)
        if score > best_score:
            best, best_score = question.number, score
    numbered = _NUMBERED.match(line)
    threshold = 0.45 if numbered and numbered.group(1) == str(best) else 0.6
    return best if best_score >= threshold else None


def _sections(document: Document, framework: Framework | None):
    """Yield (page, heading, question, text) runs: a new run starts at every page and every question heading."""
    question: int | None = None
    heading = ""
    for page in document.pages:
        buffer: list[str] = []
        for line in page.text.split("\n"):
            detected = match_question(line, framework) if framework else None
            markdown = _HEADING.match(line.strip())
            if detected is not None or markdown:
                if any(part.strip() for part in buffer):
                    yield page.number, heading, question, "\n".join(buffer)
                buffer = []
                heading = (markdown.group(1) if markdown else line).strip()[:200]
                if detected is not None:
                    question = detected
            buffer.append(line)
        if any(part.strip() for part in buffer):
            yield page.number, heading, question, "\n".join(buffer)


def chunk_document(
    document: Document,
    framework: Framework | None,
    *,
    chunk_size: int = 1200,
    chunk_overlap: int = 150,
    member: str = "",
    year: int | None = None,
) -> list[Chunk]:
    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    chunks: list[Chunk] = []
    for page, heading, question, text in _sections(document, framework):
        for piece in splitter.split_text(text):
            chunks.append(
                Chunk(
                    id=f"{document.doc_id}-{len(chunks)}",
                    doc_id=document.doc_id,
                    text=piece,
                    source=document.source,
                    kind="report",
                    page=page,
                    section=heading,
                    question=question,
                    position=len(chunks),
                    member=member,
                    year=year,
                    framework=framework.id if framework else "",
                )
            )
    return chunks


def chunk_letter(letter: Letter, doc_id: str, *, chunk_size: int = 1200, chunk_overlap: int = 150) -> list[Chunk]:
    """A past letter's commentary, one or more chunks per question, each tagged with its question (0: opening)."""
    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    parts = [(0, "Opening statement", letter.opening_statement, None)]
    parts += [(q.number, q.title, q.commentary, q.grade) for q in letter.questions]
    chunks: list[Chunk] = []
    for number, title, text, grade in parts:
        for piece in splitter.split_text(text):
            chunks.append(
                Chunk(
                    id=f"{doc_id}-{len(chunks)}",
                    doc_id=doc_id,
                    text=piece,
                    source=letter.source,
                    kind="letter",
                    section=title,
                    question=number,
                    position=len(chunks),
                    member=letter.member,
                    year=letter.report_year,
                    grade=grade,
                )
            )
    return chunks
