"""Split panel commentary into points (requests, strengths, criticisms, observations) by the panel's own cue words.

Used to list an earlier letter's asks for follow-up, and by the evaluation to measure how many of a real letter's
points a draft covers. Deterministic on purpose: it needs no model and gives the same split every run.
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

from pydantic import BaseModel

Kind = Literal["request", "strength", "criticism", "observation"]

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])")
_REQUEST = re.compile(
    r"\?|would (?:also )?(?:be|like|recommend)|looks? forward|could|should|recommend|suggest|nudges?|consider"
    r"|may want|it may be|interested in|more (?:detail|about|insights?|information)|further",
    re.IGNORECASE,
)
_STRENGTH = re.compile(
    r"commend|good practice|positive|great|impressive|well[- ]noted|notable|strong|appreciat|transparent|well[- ]answered",
    re.IGNORECASE,
)
_CRITICISM = re.compile(
    r"does not|doesn't|not yet|lack|missing|insufficient|not enough|unclear|limited|no information|gap", re.IGNORECASE
)


class Point(BaseModel):
    kind: Kind
    text: str


# Markdown emphasis is markup, not words: "**What we learned.** Three lessons" is a run-in heading and a sentence.
_EMPHASIS = re.compile(r"\*\*|__")


# Table and rule markup: a Markdown table's separator row or a horizontal rule ("|---|---|", "---") says nothing, and
# the cell bars of Markdown and DOCX tables are not words. Without them a table reads the same from Markdown, DOCX and
# PDF (whose cells are separated by spaces).
_RULE = re.compile(r"^[\s|:*_-]*$")
_CELL_BAR = re.compile(r"\s*\|\s*")


def _plain(line: str) -> str:
    if _RULE.match(line):
        return ""
    return " ".join(_CELL_BAR.sub(" ", _EMPHASIS.sub("", line)).split())


def one_line(text: str) -> str:
    """The text as sentences are read from it: one line, without emphasis or table markup. Justified PDF text spaces
    words twice ("In  response  we"): one space, or cue phrases would not match."""
    return " ".join(plain for line in text.splitlines() if (plain := _plain(line)))


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(one_line(text)) if len(s.strip()) > 20]


# A heading line in extracted text: a few words, capitalised, with no sentence punctuation at the end ("Governance",
# "Lessons learned", "Key figures 2024:", "Diversity, equity and inclusion"). Wrapped prose lines end mid-sentence
# too, but start in lower case.
_HEADING_LINE = re.compile(r"^[A-Z0-9][^.!?;]{0,68}[^.!?;,\s]$")
# A line ending in one of these runs on into the next: it is wrapped prose ("... the conduct of"), not a heading.
_RUNS_ON = {"a", "an", "the", "of", "and", "or", "to", "in", "on", "for", "with", "by", "at", "from", "as", "that", "our",
            "their", "its", "is", "are", "was", "were"}
_CAPTION = re.compile(r"^(?:photo|figure|fig\.|table|chart|source|note|box|image|map)\b", re.IGNORECASE)


def heading_like(line: str) -> bool:
    line = " ".join(line.split())
    words = line.split()
    return (0 < len(words) <= 12 and bool(_HEADING_LINE.match(line)) and not _CAPTION.match(line)
            and sum(w[0].isdigit() for w in words) <= 1 and any(len(w) > 2 and w.isalpha() for w in words)
            and words[-1].lower() not in _RUNS_ON)


_FIGURE = re.compile(r"(?<!\S)[\d.,%]*\d[\d.,%]*(?!\S)")
_SENTENCE_END = (".", "!", "?", ":")  # a line ending so ends a sentence (or introduces a list)
# A table's header row in PDF text may stand over wrapped cells ("Programme quality", "(materials,") before the first
# row of figures: short lines that end no sentence.
CELL_LINES, CELL_WORDS = 4, 4


def _figure_row(line: str) -> bool:
    """A table row: figures make up a third of it or more, and it ends no sentence. A Markdown paragraph is one line
    and may hold several figures ("more than 30 schools ... to 24 schools and hired 38 coaches")."""
    figures = len(_FIGURE.findall(line))
    return figures >= 2 and 3 * figures >= len(line.split()) and not line.endswith(_SENTENCE_END)


def _over_figures(lines: list[str], i: int) -> bool:
    """Whether line i stands over a row of figures, directly or across a few wrapped table cells: a header row."""
    for line in lines[i + 1:i + 2 + CELL_LINES]:
        if _figure_row(line):
            return True
        if len(line.split()) > CELL_WORDS or line.endswith(_SENTENCE_END):
            return False
    return False


def answer_sentences(text: str) -> list[str]:
    """Sentences of report text without its headings: markdown headings, lines that ask a question, and short
    heading lines (as PDF text has them). A heading ends the text before it: a table's last row, which has no full
    stop, does not run into the sentence after the heading."""
    rows = [(plain, "|" in line) for line in text.splitlines() if (plain := _plain(line))]
    lines = [plain for plain, _ in rows]
    blocks: list[list[str]] = [[]]
    for i, (line, table_row) in enumerate(rows):
        # A heading stands between sentences: the line before it ends one (or a table row, which ends in a figure),
        # and the line after it starts one. A short line inside a sentence or a table cell (narrow columns wrap often)
        # has a neighbour that does not.
        # (Lines are plain: stripped, with single spaces.)
        before = lines[i - 1] if i else ""
        after_sentence = not before or before.endswith(_SENTENCE_END) or before.startswith("#") \
            or before[-1].isdigit()
        after = lines[i + 1] if i + 1 < len(lines) else ""
        # A line over a row of figures is a table's header row, not a heading.
        before_sentence = not after or not (after[:1].islower() or _over_figures(lines, i))
        if line.startswith("#") or line.endswith("?") \
                or (after_sentence and before_sentence and not table_row and heading_like(line)):
            blocks.append([])
        else:
            blocks[-1].append(line)
    return [sentence for block in blocks if block for sentence in sentences("\n".join(block))]


_LOWER_WORD = re.compile(r"^[a-z]+[,;:]?$")
PROSE_WORDS = 6  # fewer words than this is a label or a line, not a sentence
PROSE_LOWER_SHARE = 1 / 3  # prose is mostly small words ('we', 'the', 'received'); a cover's address is names


def prose(sentence: str) -> bool:
    """Whether a sentence reads as written text: a few words, a third of them in lower case. A cover's lines ('Lusaka
    Kitwe Ndola Plot 4418, Kafue Road, Kanyama, P.O.', 'Reporting period: 1 January - 31 December 2024') are not:
    they say what the report is, not what the organisation did."""
    words = sentence.split()
    return len(words) >= PROSE_WORDS and sum(bool(_LOWER_WORD.match(w)) for w in words) >= PROSE_LOWER_SHARE * len(words)


_FIGURE_TOKEN = re.compile(r"^\(?[\d][\d.,]*%?\)?$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")


class TableRow(NamedTuple):
    label: str
    figures: list[str]


def table_rows(text: str) -> list[TableRow]:
    """A table read as one sentence (its cells lose their boundaries in PDF, DOCX and Markdown text alike: 'Category
    Received Closed Open Requests for information 4,210 4,210 0 Requests for assistance 6,880 6,702 178'), as rows:
    each run of words followed by two figures or more. Words after the last figures (a sentence that followed the
    table without a full stop between) are no row. Empty where the text is not such a table."""
    rows: list[TableRow] = []
    words: list[str] = []
    figures: list[str] = []
    for token in text.split():
        if _FIGURE_TOKEN.match(token):
            figures.append(token)
            continue
        if figures:
            if len(figures) >= 2 and words:
                rows.append(TableRow(" ".join(words), figures))
            elif words:
                words = words + figures  # a figure inside a label ('Objective 1 Secure tenure')
                figures = []
                words.append(token)
                continue
            words, figures = [], []
        words.append(token)
    if len(figures) >= 2 and words:
        rows.append(TableRow(" ".join(words), figures))
    counts = [len(r.figures) for r in rows]
    if text.rstrip().endswith(("!", "?")) or not any(counts.count(n) >= 2 for n in set(counts)):
        return []
    return rows


def table_like(text: str) -> bool:
    """Read from a table's rows, not written as a sentence: two rows or more with as many figures each."""
    return bool(table_rows(text))


def _capitalised_groups(label: str) -> list[str]:
    """A header and a row's label run together ('Type of complaint or concern Received Resolved Still open Delays'):
    each capitalised word starts a column name, the words in lower case after it continue it."""
    groups: list[list[str]] = []
    for word in label.split():
        if word[:1].isupper() or not groups:
            groups.append([word])
        else:
            groups[-1].append(word)
    return [" ".join(g) for g in groups]


def _column(name: str) -> str:
    return name[:1].lower() + name[1:] if name[1:] == name[1:].lower() else name


def table_row_in_words(text: str) -> str:
    """One row of a table sentence in words, its total row where it has one: "‘Total’: 68 received, 59 resolved and 9
    still open", "‘Eviction cases opened’: 431 in 2023 and 612 in 2024", or "‘Refusal to take a case’: 13, 13 and 0"
    where the header cannot be told from the first row's label. Empty where no row's label is clear."""
    rows = table_rows(text)
    if not rows:
        return ""
    columns: list[str] = []
    first = rows[0]
    if all(_YEAR.match(f) for f in first.figures):  # a header of years ('Our results 2023 2024')
        columns, rows = first.figures, rows[1:]
    else:
        groups = _capitalised_groups(first.label)
        n = len(first.figures)
        if len(groups) >= n + 2:
            columns = groups[-n - 1:-1]
            rows = [TableRow(groups[-1], first.figures)] + rows[1:]
        else:
            rows = rows[1:]  # the first row's label runs into a header that cannot be told apart
    row = next((r for r in rows if r.label.lower().startswith("total")), rows[0] if rows else None)
    if row is None or len(row.label.split()) > 12:
        return ""
    if columns and len(columns) == len(row.figures):
        if all(_YEAR.match(c) for c in columns):
            parts = [f"{f} in {c}" for f, c in zip(row.figures, columns)]
        else:
            parts = [f"{f} {_column(c)}" for f, c in zip(row.figures, columns)]
    else:
        parts = list(row.figures)
    said = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"‘{row.label}’: {said}"


def classify(sentence: str) -> Kind:
    # A request outranks praise: "it would be good to share more about X" asks for something.
    if _REQUEST.search(sentence):
        return "request"
    if _CRITICISM.search(sentence):
        return "criticism"
    if _STRENGTH.search(sentence):
        return "strength"
    return "observation"


def points(text: str) -> list[Point]:
    return [Point(kind=classify(s), text=s) for s in sentences(text)]


def asks(text: str) -> list[str]:
    return [p.text for p in points(text) if p.kind == "request"]
