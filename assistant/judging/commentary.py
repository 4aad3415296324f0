"""Prose from the assessment: the panel's asks, each question's commentary and the letter's overall remarks, from
the statuses, quotes and features as they stand, in the templates of prompts/commentary.json."""

from __future__ import annotations

from collections.abc import Sequence
from string import Template

from ..models import Evidence, Grade, PointAssessment, Question, QuestionAssessment
from ..reading.points import table_like, table_row_in_words


class CommentaryWriter:
    """The prose half of the Assessor: needs its `framework` and `phrases` (the commentary templates)."""

    def asks(self, question: Question, points: Sequence[PointAssessment]) -> list[str]:
        """The panel's asks: missing core points first, then other missing points, then partly addressed ones."""
        by_text = {p.text: p for p in question.guidance}
        ranked = sorted(
            (p for p in points if p.status != "addressed"),
            key=lambda p: (p.status != "missing", not p.core),
        )
        return [by_text[p.guidance].ask or p.guidance.lower() for p in ranked if p.guidance in by_text]

    def commentary(self, question: Question, assessment: QuestionAssessment, member: str = "") -> str:
        """The letter's paragraphs for one question: what the report shares, what the Panel commends, what it
        acknowledges, and what it would like to hear more about. Quotes are verbatim report sentences; a table read
        as one sentence is never quoted but cited ('the table on p. 11'), with one of its rows in words where its
        rows can be told apart. A topic is named once: what the report only touches on carries the Panel's wish to
        hear more, and the asks name the others. The sentence on what it touches on opens without 'It' where no
        sentence before it names the report."""
        phrases = self.phrases
        turn = _Turns(question.number)
        ask_of = {p.text: p.ask or p.text.lower() for p in question.guidance}
        if not assessment.answered:
            asks = _join(assessment.asks[:3]) or "how the organisation answers this question"
            return turn.fill(phrases["not_answered"], asks=asks)
        paragraphs = []
        shares: list[str] = []
        if assessment.located_by == "search":
            pages = sorted({e.page for p in assessment.points for e in p.evidence if e.page is not None})
            where = f" ({', '.join(f'p. {n}' for n in pages)})" if pages else ""
            shares.append(turn.fill(phrases["found_elsewhere"], where=where))
        addressed = [p for p in assessment.points if p.status == "addressed"]
        partly = [p for p in assessment.points if p.status == "partly"]
        if addressed:
            shares.append(turn.fill(phrases["shares"], topics=_join([ask_of[p.guidance] for p in addressed])))
        touched = [ask_of[p.guidance] for p in partly]
        if partly:
            key = "shares_partly" if addressed else "shares_partly_first"
            shares.append(turn.fill(phrases[key], topics=_join(touched)))
        quoted: set[str] = set()
        tables: set[str] = set()  # the places of the tables cited
        for point in (addressed + partly):
            if len(quoted) >= 2:
                break
            evidence = next((e for e in point.evidence if e.quote not in quoted and _place(e) not in tables), None)
            if evidence and table_like(evidence.quote):
                row = table_row_in_words(evidence.quote)
                shares.append(turn.fill(phrases["quote_table"], where=_place(evidence), row=f" ({row})" if row else ""))
                tables.add(_place(evidence))
                quoted.add(evidence.quote)
            elif evidence:
                key = "quote_first" if not quoted else "quote_more"
                shares.append(turn.fill(phrases[key], quote=_trim(evidence.quote), where=_cite(evidence)))
                quoted.add(evidence.quote)
        if shares:
            paragraphs.append(" ".join(shares))
        praise = []
        for kind, key in (("validation", "commend_validation"), ("learning", "commend_learning")):
            feature = next((f for f in assessment.features if f.kind == kind and f.evidence.quote not in quoted
                            and not table_like(f.evidence.quote)
                            and "admission" not in self._kinds_of(assessment, f.evidence.quote)), None)
            if feature:
                praise.append(turn.fill(phrases[key], quote=_trim(feature.evidence.quote), where=_cite(feature.evidence)))
                quoted.add(feature.evidence.quote)
        admissions = [f for f in assessment.features if f.kind == "admission" and not table_like(f.evidence.quote)][:2]
        for feature in admissions:
            praise.append(turn.fill(phrases["acknowledge"], quote=_trim(feature.evidence.quote),
                                    where=_cite(feature.evidence)))
        if praise:
            paragraphs.append(" ".join(praise))
        core_missing = [ask_of[p.guidance] for p in assessment.points if p.core and p.status == "missing"]
        others = [a for a in assessment.asks if a not in core_missing and a not in touched][:3]
        ask_lines = []
        if core_missing:
            ask_lines.append(turn.fill(phrases["asks_core"], asks=_join(core_missing)))
        if others:
            ask_lines.append(turn.fill(phrases["asks"], asks=_join(others)))
        if ask_lines:
            paragraphs.append(" ".join(ask_lines))
        return "\n\n".join(paragraphs)

    @staticmethod
    def _kinds_of(assessment: QuestionAssessment, quote: str) -> set[str]:
        return {f.kind for f in assessment.features if f.evidence.quote == quote}

    def overall_remarks(self, assessments: Sequence[QuestionAssessment]) -> str:
        """The letter's overall remarks: the strongest areas and the ones to unpack, from the assessments as given
        (a member's own statuses and grades applied by the caller). A provisional FM or PM (a core point's status
        still to be checked) is no strength to commend: the remarks say it is to be checked instead."""
        phrases = self.phrases["overall"]
        graded = [a for a in assessments if a.graded and a.grade is not None]
        if not graded:
            return ""
        mean_rank = sum(a.grade.rank for a in graded) / len(graded)
        overall = phrases["strong"] if mean_rank <= 1.0 else phrases["mixed"] if mean_rank <= 2.0 else phrases["weak"]
        parts = [Template(phrases["opening"]).substitute(overall=overall)]
        good = [a for a in graded if a.grade in (Grade.FM, Grade.PM)]
        strong = sorted((a for a in good if not a.provisional), key=lambda a: a.grade.rank)
        areas = []
        for a in strong[:3]:
            question = self.framework.question(a.number)
            ask_of = {p.text: p.ask or p.text.lower() for p in question.guidance}
            best = next((p for p in a.points if p.status == "addressed" and p.core), None) or next(
                (p for p in a.points if p.status == "addressed"), None)
            if best:
                areas.append(f"{ask_of[best.guidance]} (question {a.number})")
        if areas:
            parts.append(Template(phrases["strengths"]).substitute(areas=_join(areas)))
        unchecked = [a.number for a in good if a.provisional]
        if unchecked and "to_check" in phrases:  # a panel's own prompts/ written before it may lack the wording
            parts.append(Template(phrases["to_check"][len(unchecked) > 1]).substitute(numbers=_join(list(map(str, unchecked)))))
        weak = sorted(graded, key=lambda a: -a.grade.rank)
        asks = [f"{a.asks[0]} (question {a.number})" for a in weak if a.asks and a.grade != Grade.FM][:3]
        if asks:
            parts.append(Template(phrases["unpack"]).substitute(asks=_join(asks)))
        return " ".join(parts)


class _Turns:
    """Picks template variants in turn, starting from a place that depends on the question, so neighbouring
    questions do not open with the same words."""

    def __init__(self, seed: int):
        self.seed = seed
        self.used: dict[int, int] = {}

    def fill(self, variants: list[str] | str, **values) -> str:
        if isinstance(variants, str):
            variants = [variants]
        key = id(variants)
        n = self.used.get(key, 0)
        self.used[key] = n + 1
        return Template(variants[(self.seed + n) % len(variants)]).substitute(**values)


def _join(items: Sequence[str]) -> str:
    items = [i for i in dict.fromkeys(items) if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _place(evidence: Evidence) -> str:
    """Where a table stands, as the commentary names it: ' on p. 11', or its section where the report has no pages."""
    if evidence.page is not None:
        return f" on p. {evidence.page}"
    return f" under ‘{evidence.section}’" if evidence.section else ""


def _cite(evidence: Evidence) -> str:
    """' (p. 4)' where the report has pages; nothing otherwise, since the quote sits under its own question."""
    return f" (p. {evidence.page})" if evidence.page is not None else ""


def _trim(quote: str, limit: int = 300) -> str:
    quote = quote.strip().rstrip(".")
    return quote if len(quote) <= limit else quote[:limit].rsplit(" ", 1)[0] + " …"

