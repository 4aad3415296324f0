"""The secretariat's pre-screen: per question, is it answered, where, with how much evidence, which guidance points
are missing, and what suspect text was kept out. No LLM: it reads the deterministic assessment, so it runs in
seconds and agrees with the checklist panel members see."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field, computed_field

from ..models import Framework, Gap, Grade, QuestionAssessment, SuspectText, gaps_of
from ..search.index import Index
from ..search.ingest import load_ingest_record
from ..settings import Settings
from .text_safety import terminal_text

_FIGURE = re.compile(r"\b\d[\d,.]*%?")
_STATUS = {"section": "answered", "search": "found in a chapter", "none": "missing"}


class QuestionScreen(BaseModel):
    number: int
    title: str
    status: str = Field(description="'answered', 'found in a chapter' or 'missing'")
    pages: list[int] = Field(default_factory=list)
    sections: list[str] = Field(default_factory=list)
    passages: int = 0
    words: int = 0
    figures: int = Field(default=0, description="Numbers and percentages quoted: a rough sign of evidence")
    covered_guidance: list[str] = Field(default_factory=list)
    gaps: list[Gap] = Field(default_factory=list, description="Points not addressed, most serious first")
    rubric_grade: Grade | None = None
    provisional: bool = Field(default=False, description="A core point's status is still to be checked")
    grade_note: str = Field(default="", description="The grade's range over the points to check, in words")
    to_check: int = Field(default=0, description="Points whose status is still to be checked")
    checks: list[str] = Field(default_factory=list, description="Those points' guidance, in the order to check them")

    @property
    def grade_label(self) -> str:
        """'PS', or 'PS?' while provisional."""
        return (self.rubric_grade.value + ("?" if self.provisional else "")) if self.rubric_grade else "--"

    @computed_field
    @property
    def partly_guidance(self) -> list[str]:
        return [gap.guidance for gap in self.gaps if gap.status == "partly"]

    @computed_field
    @property
    def missing_guidance(self) -> list[str]:
        return [gap.guidance for gap in self.gaps if gap.status == "missing"]


class Prescreen(BaseModel):
    doc_id: str
    source: str
    member: str = ""
    year: int | None = None
    questions: list[QuestionScreen]
    suspects: list[SuspectText] = Field(default_factory=list, description="Hidden or injected text kept out")
    warnings: list[str] = Field(default_factory=list, description="What ingestion noted of the file: pages skipped, "
                                "pages the workspace cannot show, text kept out")

    @property
    def unanswered(self) -> list[int]:
        return [q.number for q in self.questions if q.status == "missing"]


def prescreen(settings: Settings, index: Index, framework: Framework, doc_id: str,
              assessments: list[QuestionAssessment]) -> Prescreen:
    all_chunks = index.chunks(doc_id=doc_id)
    if not all_chunks:
        raise KeyError(f"no report with id {doc_id} is indexed")
    by_id = {c.id: c for c in all_chunks}
    screens = []
    for assessment in assessments:
        chunks = [by_id[i] for i in assessment.passages if i in by_id]
        text = " ".join(c.text for c in chunks)
        question = framework.question(assessment.number)
        screens.append(QuestionScreen(
            number=assessment.number,
            title=question.title,
            status=_STATUS[assessment.located_by],
            pages=sorted({c.page for c in chunks if c.page is not None}),
            sections=list(dict.fromkeys(c.section for c in chunks if c.section)),
            passages=len(chunks),
            words=len(text.split()),
            figures=len(_FIGURE.findall(text)),
            covered_guidance=[p.guidance for p in assessment.points if p.status == "addressed"],
            gaps=gaps_of(assessment.points, {p.text: p.ask for p in question.guidance}),
            rubric_grade=assessment.grade,
            provisional=assessment.provisional, grade_note=assessment.grade_note, to_check=len(assessment.to_check),
            checks=list(assessment.to_check),
        ))
    first = all_chunks[0]
    record = load_ingest_record(settings, doc_id)
    return Prescreen(doc_id=doc_id, source=first.source, member=first.member, year=first.year, questions=screens,
                     suspects=record.suspects if record else [], warnings=record.warnings if record else [])


NAME_UNKNOWN = ("The member organisation's name is not known (neither given, nor in the file name, nor on the report's "
                "cover or title): the letter says [ORGANISATION] until it is set (Report tab: Organisation, Rename).")
YEAR_UNKNOWN = "The report year is not known: the letter says [YEAR] until it is set (Report tab: Year, Rename)."


def named(result: Prescreen, member: str | None = None, year: int | None = None) -> Prescreen:
    """The pre-screen under the name the review gives the report (None: the one it was indexed under), warning first
    where the name or the year is not known."""
    member = result.member if member is None else member
    year = result.year if year is None else year
    unknown = ([NAME_UNKNOWN] if not member.strip() else []) + ([YEAR_UNKNOWN] if not year else [])
    return result.model_copy(update={"member": member, "year": year, "warnings": unknown + list(result.warnings)})


def as_table(result: Prescreen) -> str:
    """The pre-screen for a terminal; what the report wrote (names, sections, suspect text) has its control
    characters shown escaped (text_safety.terminal_text)."""
    rows = [f"Pre-screen of {terminal_text(result.source)} ({terminal_text(result.member) or '?'}, {result.year or '?'})", ""]
    for q in result.questions:
        where = f"pages {', '.join(map(str, q.pages))}" if q.pages else (terminal_text(q.sections[0][:50]) if q.sections else "-")
        rows.append(f"Q{q.number} {q.grade_label:<3} {q.status:<15} {q.passages:>2} passages {q.words:>5} words {q.figures:>3} figures  {where}")
        if q.grade_note:
            rows.append(f"      {terminal_text(q.grade_note)}")
        for gap in q.gaps:
            rows.append(f"      {gap.severity:<8} {gap.status + (', core' if gap.core else ''):<14} {terminal_text(gap.guidance)}")
    if result.warnings:
        rows += ["", "Noted when the file was read:"] + [f"  {terminal_text(warning)}" for warning in result.warnings]
    if result.suspects:
        rows += ["", "Suspect text kept out of the index and the prompts:"]
        for suspect in result.suspects:
            where = f"p. {suspect.page}" if suspect.page is not None else "-"
            rows.append(f"  {where:<6} {suspect.kind:<9} {terminal_text(suspect.reason)}: \"{terminal_text(suspect.text[:100])}\"")
    return "\n".join(rows)
