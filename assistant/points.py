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


def sentences(text: str) -> list[str]:
    # Justified PDF text spaces words twice ("In  response  we"): one space, or cue phrases would not match.
    flat = " ".join(" ".join(_EMPHASIS.sub("", line).split()) for line in text.splitlines() if line.strip())
    return [s.strip() for s in _SENTENCE.split(flat) if len(s.strip()) > 20]


# A heading line in extracted text: a few words, capitalised, with no sentence punctuation at the end ("Governance",
# "Lessons learned", "Key figures 2024:"). Wrapped prose lines end mid-sentence too, but start in lower case.
_HEADING_LINE = re.compile(r"^[A-Z0-9][^.!?;,]{0,68}[^.!?;,\s]$")
_CAPTION = re.compile(r"^(?:photo|figure|fig\.|table|chart|source|note|box|image|map)\b", re.IGNORECASE)


def heading_like(line: str) -> bool:
    line = " ".join(line.split())
    words = line.split()
    return (0 < len(words) <= 8 and bool(_HEADING_LINE.match(line)) and not _CAPTION.match(line)
            and sum(w[0].isdigit() for w in words) <= 1 and any(len(w) > 2 and w.isalpha() for w in words))


def answer_sentences(text: str) -> list[str]:
    """Sentences of report text without its headings: markdown headings, lines that ask a question, and short
    heading lines (as PDF text has them) that would otherwise run into the next sentence."""
    lines = [line for line in text.splitlines() if line.strip()]
    kept = []
    for i, line in enumerate(lines):
        if line.lstrip().startswith("#") or line.rstrip().endswith("?"):
            continue
        # A heading stands between sentences: the line before it ends one. A short line inside a sentence (a narrow
        # column wraps often) follows a line that does not.
        after_sentence = i == 0 or lines[i - 1].rstrip().endswith((".", "!", "?", ":")) or lines[i - 1].lstrip().startswith("#")
        if after_sentence and heading_like(line):
            continue
        kept.append(line)
    return sentences("\n".join(kept))


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
