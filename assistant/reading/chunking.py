"""Split documents and letters into page-aware chunks, tagging each with the framework question it answers."""

from __future__ import annotations

import re
from typing import NamedTuple

from ..models import Chunk, Document, Framework, Letter, Page, Question
from .points import answer_sentences, heading_like, prose

_STOPWORDS = set(
    "a an and are as at be been by for from has have how i in is it its of on or our the this to was were what with"
    " you your yours if etc e g ie".split()
)
_EXPLICIT = re.compile(r"^(?:#+\s*)?(?:q|question)\s*(\d{1,2})\b", re.IGNORECASE)
_NUMBERED = re.compile(r"^(?:#+\s*)?(\d{1,2})[.):]?\s+(\S.*)$")
_OPENING = re.compile(
    r"^(?:#+\s*)?(?:\d[.)]?\s*)?(?:an? |the )?(?:opening statement|(?:statement|message|note|word|letter|foreword|introduction) from"
    r" (?:the|our) (?:[\w-]+ ){0,4}?(?:head|ceo|chief|secretary|director|chair|chairperson|president))", re.I)
_HEADING = re.compile(r"^(#+)\s+(.+)$")
_SHORT_TITLE = re.compile(r"^[A-Z][^.!?;]{0,85}$")  # a numbered heading's title: not a numbered list's sentence


def _words(text: str) -> set[str]:
    return {w.rstrip("s") for w in re.findall(r"[a-z]+", text.lower()) if w not in _STOPWORDS and len(w) > 2}


def match_question(line: str, framework: Framework) -> int | None:
    """The framework question a heading line introduces, if it is one: 'Q3', 'Question 3', '3. <question text>',
    or the question's own words. Long lines are prose, not headings. A numbered heading in the report's own words
    ('4. Internal accountability: our staff') is known only beside the report's other headings: `_numbered_headings`."""
    line = " ".join(line.split())
    if not line or len(line) > 350:
        return None
    numbers = {q.number for q in framework.questions}
    if (match := _EXPLICIT.match(line)) and int(match.group(1)) in numbers:
        return int(match.group(1))
    if _OPENING.match(line) and len(line) < 120 and framework.statement_question:
        return framework.statement_question.number
    numbered = _NUMBERED.match(line)
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
# A page with this share of the fullest page's lines ran out of room: a heading opening the next page is where the
# text flowed on (a subsection), not a chapter that starts its own page.
FULL_PAGE_SHARE = 0.85
_CONTENTS_ENTRY = re.compile(r"[^#\s].*?(?:\s|\.{2,})\d{1,3}$")  # a marked heading ('## Question 3') is no entry
_CONTENTS_TITLE = re.compile(r"^(?:#+\s*)?(?:table of )?contents$", re.I)  # its entries may have no page numbers
_WRAPPED = re.compile(r"^[a-z(]")  # a heading's second line continues in lower case


def _running_lines(document: Document) -> set[str]:
    """Running headers and footers: the same short line on most pages. They are layout, not report text."""
    if len(document.pages) < 3:
        return set()
    counts: dict[str, int] = {}
    for page in document.pages:
        lines = [_running_key(line) for line in page.text.split("\n") if line.strip()]
        for line in set(lines[:2] + lines[-2:]):
            if len(line) <= 120:
                counts[line] = counts.get(line, 0) + 1
    return {line for line, n in counts.items() if n >= max(3, 0.4 * len(document.pages))}


def _running_key(line: str) -> str:
    """A line with its numbers blanked: a footer with the page number ('Page 14 of 33') is the same on every page."""
    return re.sub(r"\d+", "#", " ".join(line.split()))


def _stems(text: str) -> set[str]:
    return {w[:5] for w in _words(text)}


def _topic(question: Question) -> set[str]:
    return _stems(" ".join([question.title, question.text] + [p.text for p in question.guidance]))


class _PageLines(NamedTuple):
    """A page's lines without running headers and footers, plain-text underlines made Markdown headings."""

    page: Page
    lines: list[str]
    contents: bool  # a contents page: its lines are entries, not headings
    top: int | None  # index of its first non-blank line
    full: bool  # about as many lines as the fullest page: its text runs on to the next page
    front: bool = False  # a cover or contents page before the report's text: its numbered lines head no answer


def _pages(document: Document) -> list[_PageLines]:
    running = _running_lines(document)
    read = [_underlined_headings([line for line in page.text.split("\n") if _running_key(line) not in running])
            for page in document.pages]
    counts = [sum(bool(line.strip()) for line in lines) for lines in read]
    most = max(counts, default=0)
    written = [_written(lines) for lines in read]
    pages = []
    for page, lines, count, text in zip(document.pages, read, counts, written):
        contents = (sum(bool(_CONTENTS_ENTRY.match(line.strip())) for line in lines) >= 3
                    or (any(_CONTENTS_TITLE.match(line.strip()) for line in lines) and not text))
        top = next((i for i, line in enumerate(lines) if line.strip()), None)
        pages.append(_PageLines(page, lines, contents, top, count >= FULL_PAGE_SHARE * most))
    return _front_matter(pages, written)


def _front_matter(pages: list[_PageLines], written: list[bool]) -> list[_PageLines]:
    """Mark the cover and contents pages: the pages before the first one with a written sentence that are the first
    page, a contents page or before one. A cover's '1 January - 31 December 2024' or '12 Independence Avenue' starts
    with a number as a numbered heading does, and a contents page's entries may lack their page numbers; none heads an
    answer. A page of its own for a chapter's title after the contents ('1. Our impact') is not front matter."""
    lead = next((p for p, text in enumerate(written) if text), len(pages))
    last_contents = max((p for p in range(lead) if pages[p].contents), default=0)
    return [page._replace(front=p < lead and p <= last_contents) for p, page in enumerate(pages)]


def _written(lines: list[str]) -> bool:
    """Whether a page holds a written sentence: prose that ends as sentences do."""
    return any(prose(s) and s.endswith((".", "!", "?")) for s in answer_sentences("\n".join(lines)))


# A heading level is the report's chapter level when at least this many of its headings have text under them.
MIN_CHAPTERS = 3


def _chapter_level(pages: list[_PageLines]) -> int:
    """The Markdown level of the report's chapters, 0 where it has none: the shallowest level at which at least
    `MIN_CHAPTERS` headings have text under them (their own or their subsections'). A title ('# Khulla Hisab Nepal'),
    a subtitle or a contents heading is one heading at its level, or has nothing under it but the next heading."""
    with_text: dict[int, int] = {}
    open_headings: list[list] = []  # [level, has text] of the headings the current line is under, outermost first
    for page in pages:
        for line in page.lines:
            if markdown := _HEADING.match(line.strip()):
                level = len(markdown.group(1))
                while open_headings and open_headings[-1][0] >= level:
                    open_headings.pop()
                open_headings.append([level, False])
            elif line.strip():
                for heading in open_headings:
                    if not heading[1]:
                        heading[1] = True
                        with_text[heading[0]] = with_text.get(heading[0], 0) + 1
    return min((level for level, n in with_text.items() if n >= MIN_CHAPTERS), default=0)


def _sections(document: Document, framework: Framework | None):
    """Yield (page, heading, chapter, question, text) runs: a new run starts at every page and every heading. The
    chapter is the nearest heading above at the report's chapter level or above (the heading itself, where the report
    has no levels): a thematic report is filed by chapter, subsections and all.

    A question's section runs from its heading to the next heading at its level or above. In text without heading
    levels (PDF), a chapter heading at the top of a page that shares no words with the question's topic ends it too:
    such reports put 'Governance' or 'Financial review' between the answers, and those pages answer nothing. Not after
    a full page, though: there the answer's own subsection ('Speaking up') flowed on to the next page.
    """
    question: int | None = None
    question_level = 0
    heading = chapter_title = ""
    pages = _pages(document)
    chapter_level = _chapter_level(pages)
    numbered_headings = _numbered_headings(pages, framework) if framework else {}
    for p, (page, lines, contents, top, _, front) in enumerate(pages):
        buffer: list[str] = []
        skip = 0
        for i, line in enumerate(lines):
            if skip:  # a wrapped heading's later lines, already taken into it
                skip -= 1
                continue
            markdown = _HEADING.match(line.strip())
            detected = numbered_headings.get((p, i))
            title = line
            wrapped = _wrapped_heading(lines, i) if _NUMBERED.match(line.strip()) else []
            if front and _NUMBERED.match(line.strip()):  # a cover's date or address, a contents entry
                detected = None
            elif detected is None and framework and not (contents and _CONTENTS_ENTRY.match(line.strip())):
                detected = match_question(line, framework)
                if detected is None and wrapped:
                    detected = match_question(" ".join([line, *wrapped]), framework)
            if detected is not None and wrapped and not markdown:
                title, skip = " ".join([line, *wrapped]), len(wrapped)
            level = len(markdown.group(1)) if markdown else 0
            page_heading = markdown is None and i == top and heading_like(line)
            chapter = (page_heading and question is not None and not (p and pages[p - 1].full)
                       and not (_stems(line) & _topic(framework.question(question))))
            if detected is not None or markdown or page_heading:
                if any(part.strip() for part in buffer):
                    yield page.number, heading, chapter_title, question, "\n".join(buffer)
                buffer = []
                heading = " ".join((markdown.group(2) if markdown else title).split())[:200]
                if not (chapter_title and chapter_level and level > chapter_level):
                    chapter_title = heading
                if detected is not None:
                    question = detected
                    question_level = level
                elif chapter or (markdown and question is not None and question_level and level <= question_level):
                    question = None
                # Headings found in plain text are marked as Markdown headings, so they are never read as sentences.
                line = line if markdown else f"# {heading}"
            buffer.append(line)
        if any(part.strip() for part in buffer):
            yield page.number, heading, chapter_title, question, "\n".join(buffer)


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


def _numbered_headings(pages: list[_PageLines], framework: Framework) -> dict[tuple[int, int], int]:
    """Headings numbered as the framework's questions are but in the report's own words ('4. Internal accountability:
    our staff'), wherever they stand, so that a report answering in an order of its own loses none of them:
    (page index, line index) -> question.

    A numbered line is a candidate when its number is a graded question's, its title is short and capitalised (not a
    list item's sentence) and, unless it is a marked heading, it is not one of a run of numbered lines (a list). A
    candidate is the question's heading when it is marked at the level of the report's numbered headings, or shares a
    word with the question's topic; each question is taken by its first. Text without heading marks (PDF) may title an
    answer in words of its own ('1. What changed for reefs and fishing families'): such a line is the heading too when
    it opens its page, is the only candidate left with its number, and the headings of at least three other questions
    open their pages as well (found on topic, or such lines themselves).
    """
    graded = {q.number for q in framework.graded_questions}
    candidates: list[_Candidate] = []
    for p, (_, lines, contents, top, _, front) in enumerate(pages):
        if front:  # a cover's date or address, a contents page's entries
            continue
        for i, line in enumerate(lines):
            text = " ".join(line.split())
            numbered = _NUMBERED.match(text)
            if not numbered or int(numbered.group(1)) not in graded or not _SHORT_TITLE.match(numbered.group(2)):
                continue
            markdown = _HEADING.match(text)
            if (contents and _CONTENTS_ENTRY.match(text)) or (not markdown and _in_list(lines, i)):
                continue
            number = int(numbered.group(1))
            title = " ".join([numbered.group(2), *_wrapped_heading(lines, i)])
            candidates.append(_Candidate(number, (p, i), len(markdown.group(1)) if markdown else 0, i == top,
                                         bool(_stems(title) & _topic(framework.question(number)))))
    # Marked headings numbered below the report's numbered headings are subsections ('## 1. Staff survey'), not answers.
    top_level = min((c.level for c in candidates if c.level), default=0)
    found: dict[int, _Candidate] = {}
    for candidate in candidates:
        if candidate.number not in found and (candidate.level == top_level > 0 or candidate.on_topic):
            found[candidate.number] = candidate
    left = [c for c in candidates if not c.level and c.number not in found]
    # Unmarked lines that open their page, each alone with its number: titles in the report's own words, where the
    # others need not be on topic either ('2. A smaller Nthaka and a new land office', '4. Inside Nthaka').
    page_openers = [c for c in left if c.opens_page and sum(o.number == c.number for o in left) == 1]
    for candidate in page_openers:
        others = {n for n, c in found.items() if c.opens_page} | {c.number for c in page_openers}
        if len(others - {candidate.number}) >= 3:
            found[candidate.number] = candidate
    return {c.where: number for number, c in found.items()}


class _Candidate(NamedTuple):
    """A numbered line that may head a question's answer."""

    number: int
    where: tuple[int, int]  # (page index, line index)
    level: int  # its Markdown heading level, 0 where it is unmarked
    opens_page: bool
    on_topic: bool  # it shares a word with the question's topic


def _in_list(lines: list[str], i: int) -> bool:
    """Whether line `i` (numbered) is an item of a numbered list: the line before or after it is numbered next to it."""
    number = int(_NUMBERED.match(lines[i].strip()).group(1))
    before = next((line for line in reversed(lines[:i]) if line.strip()), "")
    after = next((line for line in lines[i + 1:] if line.strip()), "")
    return any((m := _NUMBERED.match(" ".join(neighbour.split()))) and abs(int(m.group(1)) - number) == 1
               for neighbour in (before, after))


def _splitter(chunk_size: int, chunk_overlap: int):
    """LangChain's splitter, imported on the first ingest rather than when the app starts."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)


def chunk_document(
    document: Document,
    framework: Framework | None,
    *,
    chunk_size: int = 1200,
    chunk_overlap: int = 150,
    member: str = "",
    year: int | None = None,
) -> list[Chunk]:
    splitter = _splitter(chunk_size, chunk_overlap)
    chunks: list[Chunk] = []
    for page, heading, chapter, question, text in _sections(document, framework):
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
                    chapter=chapter,
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
    splitter = _splitter(chunk_size, chunk_overlap)
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
