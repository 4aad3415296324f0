"""Split documents and letters into page-aware chunks, tagging each with the framework question it answers."""

from __future__ import annotations

import re
from collections.abc import Collection

from langchain_text_splitters import RecursiveCharacterTextSplitter

from .models import Chunk, Document, Framework, Letter, Question
from .points import heading_like

_STOPWORDS = set(
    "a an and are as at be been by for from has have how i in is it its of on or our the this to was were what with"
    " you your yours if etc e g ie".split()
)
_EXPLICIT = re.compile(r"^(?:#+\s*)?(?:q|question)\s*(\d{1,2})\b", re.IGNORECASE)
_NUMBERED = re.compile(r"^(?:#+\s*)?(\d{1,2})[.):]?\s+(\S.*)$")
_OPENING = re.compile(
    r"^(?:#+\s*)?(?:\d[.)]?\s*)?(?:an? |the )?(?:opening statement|(?:statement|message|word|letter|foreword|introduction) from"
    r" (?:the|our) (?:[\w-]+ ){0,4}?(?:head|ceo|chief|secretary|director|chair|chairperson|president))", re.I)
_HEADING = re.compile(r"^(#+)\s+(.+)$")
_SHORT_TITLE = re.compile(r"^[A-Z][^.!?;]{0,85}$")  # a numbered heading's title: not a numbered list's sentence


def _words(text: str) -> set[str]:
    return {w.rstrip("s") for w in re.findall(r"[a-z]+", text.lower()) if w not in _STOPWORDS and len(w) > 2}


def match_question(line: str, framework: Framework, expected: Collection[int] = ()) -> int | None:
    """The framework question a heading line introduces, if it is one: 'Q3', 'Question 3', '3. <question text>',
    or the question's own words. Long lines are prose, not headings. `expected` holds the questions that could come next in
    the framework's order: a short numbered heading with one of those numbers introduces it in the report's own words
    ('4. Internal accountability: our staff'), if it shares a word with the question's topic."""
    line = " ".join(line.split())
    if not line or len(line) > 350:
        return None
    numbers = {q.number for q in framework.questions}
    if (match := _EXPLICIT.match(line)) and int(match.group(1)) in numbers:
        return int(match.group(1))
    if _OPENING.match(line) and len(line) < 120 and framework.statement_question:
        return framework.statement_question.number
    numbered = _NUMBERED.match(line)
    if numbered and int(numbered.group(1)) in expected and _SHORT_TITLE.match(numbered.group(2)):
        question = framework.question(int(numbered.group(1)))
        # A marked heading ('# 2. A year of changes') numbered as the framework is, in order, is the question; an
        # unmarked line (PDF text) must also share a word with the question's topic.
        if line.startswith("#") or _stems(numbered.group(2)) & _topic(question):
            return question.number
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
    threshold = 0.45 if numbered and numbered.group(1) == str(best) else 0.6
    return best if best_score >= threshold else None


# A contents page: lines that end in a page number ('About us 6', 'Governance ..... 16'), several on one page.
_CONTENTS_ENTRY = re.compile(r"[^#\s].*?(?:\s|\.{2,})\d{1,3}$")  # a marked heading ('## Question 3') is no entry
_WRAPPED = re.compile(r"^[a-z(]")  # a heading's second line continues in lower case


def _running_lines(document: Document) -> set[str]:
    """Running headers and footers: the same short line on most pages. They are layout, not report text."""
    if len(document.pages) < 3:
        return set()
    counts: dict[str, int] = {}
    for page in document.pages:
        lines = [" ".join(line.split()) for line in page.text.split("\n") if line.strip()]
        for line in set(lines[:2] + lines[-2:]):
            if len(line) <= 120:
                counts[line] = counts.get(line, 0) + 1
    return {line for line, n in counts.items() if n >= max(3, 0.4 * len(document.pages))}


def _stems(text: str) -> set[str]:
    return {w[:5] for w in _words(text)}


def _topic(question: Question) -> set[str]:
    return _stems(" ".join([question.title, question.text] + [p.text for p in question.guidance]))


def _sections(document: Document, framework: Framework | None):
    """Yield (page, heading, question, text) runs: a new run starts at every page and every heading.

    A question's section runs from its heading to the next heading at its level or above. In text without heading
    levels (PDF), a chapter heading at the top of a page that shares no words with the question's topic ends it too:
    such reports put 'Governance' or 'Financial review' between the answers, and those pages answer nothing.
    """
    question: int | None = None
    last_question: int | None = None
    question_level = 0
    heading = ""
    running = _running_lines(document)
    order = [q.number for q in framework.questions] if framework else []
    for page in document.pages:
        lines = _underlined_headings([line for line in page.text.split("\n") if " ".join(line.split()) not in running])
        contents = sum(bool(_CONTENTS_ENTRY.match(line.strip())) for line in lines) >= 3
        top = next((i for i, line in enumerate(lines) if line.strip()), None)
        buffer: list[str] = []
        skip = 0
        for i, line in enumerate(lines):
            if skip:  # a wrapped heading's later lines, already taken into it
                skip -= 1
                continue
            markdown = _HEADING.match(line.strip())
            detected = None
            title = line
            wrapped = _wrapped_heading(lines, i) if _NUMBERED.match(line.strip()) else []
            if framework and not (contents and _CONTENTS_ENTRY.match(line.strip())):
                expected = _next_questions(order, last_question)
                detected = match_question(line, framework, expected)
                if detected is None and wrapped:
                    detected = match_question(" ".join([line, *wrapped]), framework, expected)
            if detected is not None and wrapped and not markdown:
                title, skip = " ".join([line, *wrapped]), len(wrapped)
            level = len(markdown.group(1)) if markdown else 0
            page_heading = markdown is None and i == top and heading_like(line)
            chapter = page_heading and question is not None and not (_stems(line) & _topic(framework.question(question)))
            if detected is not None or markdown or page_heading:
                if any(part.strip() for part in buffer):
                    yield page.number, heading, question, "\n".join(buffer)
                buffer = []
                heading = " ".join((markdown.group(2) if markdown else title).split())[:200]
                if detected is not None:
                    question = last_question = detected
                    question_level = level
                elif chapter or (markdown and question is not None and question_level and level <= question_level):
                    question = None
                # Headings found in plain text are marked as Markdown headings, so they are never read as sentences.
                line = line if markdown else f"# {heading}"
            buffer.append(line)
        if any(part.strip() for part in buffer):
            yield page.number, heading, question, "\n".join(buffer)


_UNDERLINE = re.compile(r"^\s*(?:(=){3,}|-{3,})\s*$")


def _underlined_headings(lines: list[str]) -> list[str]:
    """Plain-text reports underline their headings ('WHO WE ARE' over '-----'): mark them as Markdown headings,
    '=' as level 1 and '-' as level 2, and drop the underline."""
    out: list[str] = []
    for i, line in enumerate(lines):
        underline = _UNDERLINE.match(lines[i + 1]) if i + 1 < len(lines) else None
        if underline and line.strip() and not line.lstrip().startswith("#") and len(line.split()) <= 15:
            out.append(f"{'#' if underline.group(1) else '##'} {line.strip()}")
        elif not (_UNDERLINE.match(line) and out and out[-1].startswith("#")):
            out.append(line)
    return out


def _wrapped_heading(lines: list[str], i: int, most: int = 3) -> list[str]:
    """The lines a heading at `i` wraps onto: each continues in lower case until the heading closes (. ? ! or ))."""
    more: list[str] = []
    while len(more) < most and i + len(more) + 1 < len(lines):
        current = (more[-1] if more else lines[i]).rstrip()
        following = lines[i + len(more) + 1].strip()
        if current.endswith((".", "?", "!", ")")) or not _WRAPPED.match(following):
            break
        more.append(following)
    return more


def _next_questions(order: list[int], last: int | None) -> list[int]:
    """The two questions that may follow `last` (a report may skip an 'if applicable' question)."""
    position = order.index(last) if last in order else -1
    return order[position + 1:position + 3]


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
