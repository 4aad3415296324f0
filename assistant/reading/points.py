"""Split panel commentary into points (requests, strengths, criticisms, observations) by the panel's own cue words.

Used to list an earlier letter's asks for follow-up, and by the evaluation to measure how many of a real letter's
points a draft covers. Deterministic on purpose: it needs no model and gives the same split every run.
"""

from __future__ import annotations

import re
from typing import Literal

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
