"""Who wrote a report, and for which year, read from the report itself: its cover page, its title, its first heading
('Cedar & Olive Relief' over 'Accountability Report 2024', or 'Example Relief Network — Accountability Report
2023'). Ingestion asks this only where neither the user nor the file name gave them (report.pdf names nobody). The
cues are data: corpus/reading/report-titles.json."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..models import Document

_YEAR = re.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")
_SEPARATORS = " \t—–-:|,·•/*_"
_MARKS = re.compile(r"^\s*(#{1,6})\s+")


@dataclass(frozen=True)
class TitleCues:
    kinds: re.Pattern
    year_after_kind: re.Pattern
    year_lines: tuple[re.Pattern, ...]
    not_a_name: tuple[re.Pattern, ...]
    generic_words: frozenset[str]
    small_words: frozenset[str]
    lines: int
    max_name_words: int
    max_name_chars: int

    @classmethod
    def load(cls, path: Path) -> TitleCues:
        data = json.loads(path.read_text(encoding="utf-8"))
        kinds = sorted(data["report_kinds"], key=len, reverse=True)
        return cls(
            kinds=re.compile(r"(?<![\w])(?:" + "|".join(f"(?:{k})" for k in kinds) + r")(?![\w])", re.IGNORECASE),
            year_after_kind=re.compile(data["year_after_kind"], re.IGNORECASE),
            year_lines=tuple(re.compile(p, re.IGNORECASE) for p in data["year_lines"]),
            not_a_name=tuple(re.compile(p, re.IGNORECASE) for p in data["not_a_name"]),
            generic_words=frozenset(w.casefold() for w in data["generic_words"]),
            small_words=frozenset(w.casefold() for w in data["small_words"]),
            lines=int(data["lines"]), max_name_words=int(data["max_name_words"]),
            max_name_chars=int(data["max_name_chars"]),
        )


@lru_cache(maxsize=8)
def title_cues(corpus_dir: Path) -> TitleCues:
    return TitleCues.load(Path(corpus_dir) / "reading" / "report-titles.json")


def is_generic(name: str, cues: TitleCues) -> bool:
    """A name made only of words like 'report', 'final', 'draft' (and digits) names no organisation."""
    words = [w for w in re.split(r"[^\w]+", name.casefold()) if w and not re.fullmatch(r"v?\d+", w)]
    return all(w in cues.generic_words for w in words)


def name_from_file(path: Path, cues: TitleCues) -> tuple[str, int | None]:
    """From names like 'amnesty-international_2022_report.pdf': ('Amnesty International', 2022); ('', None) from
    'report.pdf', whose name says nothing of who wrote it."""
    stem = Path(path).stem
    year_match = _YEAR.search(stem)
    member = re.split(r"[_]|(?<!\d)(?:19|20)\d{2}(?!\d)", stem)[0].replace("-", " ").strip()
    member = "" if is_generic(member, cues) else member.title()
    return member, int(year_match.group(0)) if year_match else None


def _lines(document: Document, cues: TitleCues) -> list[tuple[str, int]]:
    """The report's opening lines as (text, heading level; 0 for body text), Markdown marks and emphasis off."""
    found: list[tuple[str, int]] = []
    for page in document.pages:
        for raw in page.text.split("\n"):
            mark = _MARKS.match(raw)
            text = " ".join((raw[mark.end():] if mark else raw).split()).replace("**", "").strip("*_`>~ ")
            if not text or set(text) <= set("-=*_—–·"):
                continue
            found.append((text, len(mark.group(1)) if mark else 0))
            if len(found) >= cues.lines:
                return found
    return found


def _as_name(text: str, cues: TitleCues) -> str:
    """`text` as an organisation's name, or '' where it cannot be one."""
    name = text.strip(_SEPARATORS).strip()
    name = re.sub(r"['’]s$", "", name).strip(_SEPARATORS).strip()
    if (not name or not re.search(r"[^\W\d_]", name) or len(name) > cues.max_name_chars
            or len(name.split()) > cues.max_name_words or is_generic(name, cues)
            or any(p.search(name) for p in cues.not_a_name)):
        return ""
    return _recase(name, cues) if name.isupper() and len(name) > 4 else name


def _recase(name: str, cues: TitleCues) -> str:
    """'MWANGAZA COMMUNITY WATER TRUST' -> 'Mwangaza Community Water Trust'; short words like 'UK' stay as they are."""
    words = []
    for i, word in enumerate(name.split()):
        bare = word.strip("()[]'’\".,")
        if i and bare.casefold() in cues.small_words:
            words.append(word.lower())
        elif len(bare) <= 2:
            words.append(word)
        else:
            words.append(word[0] + word[1:].lower() if word[0].isalpha() else word[:2] + word[2:].lower())
    return " ".join(words)


def name_and_year(document: Document, cues: TitleCues) -> tuple[str, int | None]:
    """The member organisation and the report year as the report's opening lines give them ('' and None where they
    do not). A line naming the report ('Accountability Report 2024') gives the year that follows it, and the name
    before it on the line or in a line just above it. A first heading alone names nothing: 'Our Programmes' or
    'Message from the Director' would be a guess as bad as the file name's 'Report', and the letter says
    [ORGANISATION] instead, the pre-screen warning of it."""
    lines = _lines(document, cues)
    member, year = "", None
    for i, (text, level) in enumerate(lines):
        kind = cues.kinds.search(text)
        if kind is None or (level == 0 and len(text.split()) > cues.max_name_words + 6):  # prose, not a title
            continue
        after = cues.year_after_kind.search(text[kind.end():])
        # A title names the report: '<name> Accountability Report 2024', or the kind opening the line.
        if after is None and text[kind.end():].strip(_SEPARATORS):
            continue
        named = _as_name(text[:kind.start()], cues)
        if not (named or kind.start() == 0):
            continue
        if year is None and after is not None:
            year = int(after.group("year"))
        if not member:
            member = named or next((name for above, _ in reversed(lines[max(0, i - 3):i])
                                    if (name := _as_name(above, cues))), "")
        if member and year is not None:
            break
    if year is None:
        year = next((int(m.group("year")) for text, _ in lines for p in cues.year_lines if (m := p.search(text))), None)
    return member, year
