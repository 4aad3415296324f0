"""Reviews: one record per report x framework x review round, shared by the whole panel, as the domain types every
layer reads (the store that keeps them is store.py), with the consensus and appendix views built from them.

The assistant's suggestions are shared by every member and kept per backend (two backends can draft the same review
side by side); each member's edits, comments and archived edits sit beside them; the lead finalises one letter,
versioned and read-only. Every change is in the audit log, and every suggestion carries its provenance: backend,
model, a hash of the prompt files, the settings that shaped it and the passages it saw.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from ..models import Grade, LetterDraft, PointStatus, QuestionDraft
from ..settings import Settings

# The letter's overall remarks are edited like a question; they take this number (framework questions start at 0).
REMARKS = -1
# Settings that shape a draft; recorded with every suggestion (never the API key).
PROVENANCE_SETTINGS = (
    "preset", "framework", "llm_base_url", "llm_model", "structured_output", "temperature", "max_tokens",
    "local_max_tokens", "chunk_size", "chunk_overlap", "top_k", "candidates", "lexical_weight",
)


class ReviewError(RuntimeError):
    """A change the review does not allow: who may do it, or what state the review is in."""


class ReviewFinalised(ReviewError):
    """The letter is finalised: read-only until the lead reopens it."""


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


# What the store returns


class Provenance(BaseModel):
    """What produced a suggestion, enough to reproduce or discount it."""

    backend: str
    model: str = ""
    prompts_hash: str = ""
    settings: dict[str, object] = Field(default_factory=dict)
    passages: list[str] = Field(default_factory=list, description="IDs of the report chunks the draft saw")


class Suggestion(BaseModel):
    backend: str
    draft: QuestionDraft
    provenance: Provenance
    created_at: str = ""


class MemberEdit(BaseModel):
    """What one member changed on one question. None means 'as the assistant suggested'."""

    user: str
    number: int
    commentary: str | None = None
    grade: Grade | None = None
    points: dict[str, PointStatus] = Field(default_factory=dict, description="guidance text -> status, set by hand")
    leave_out: bool = Field(default=False, description="Leave this question out of the letter")
    evidence: dict[str, dict[str, list[str]]] = Field(default_factory=dict, description="guidance text -> "
                                                      "{'attached': report sentences, 'rejected': quotes}, from verify mode")
    updated_at: str = ""


class ArchivedEdit(BaseModel):
    """An edit displaced by a regeneration (or a restore, or the lead's decision): kept, never lost."""

    id: int = 0
    edit: MemberEdit
    reason: str = ""
    archived_at: str = ""


class Comment(BaseModel):
    id: int
    user: str
    number: int
    text: str
    created_at: str = ""


class AuditEntry(BaseModel):
    id: int
    user: str
    action: str
    number: int | None = None
    detail: dict[str, object] = Field(default_factory=dict)
    at: str = ""


class FinalLetter(BaseModel):
    version: int
    letter: LetterDraft
    backend: str = Field(default="", description="Whose suggestions stood where the lead made no edit")
    finalised_by: str
    finalised_at: str


ReviewStatus = Literal["open", "final"]
DecisionKind = Literal["member", "merge", "accept"]
DECISION_KINDS = ("member", "merge", "accept")


class Decision(BaseModel):
    """The lead's decision on one question: a member's text and grade go into the letter (`member`), the lead's
    merged text (`merge`), or the lead's own text stands and the disagreement is accepted (`accept`)."""

    number: int
    kind: DecisionKind
    member: str = Field(default="", description="Whose text and grade (kind 'member')")
    commentary: str | None = Field(default=None, description="The text chosen, as it was then")
    grade: Grade | None = None
    grades: dict[str, Grade | None] = Field(
        default_factory=dict, description="Each member's grade once decided: other grades open the question again")
    decided_by: str
    decided_at: str = ""

    def describe(self) -> str:
        what = {"member": f"{self.member}'s text", "merge": "a merged text", "accept": "accepted as it stands"}[self.kind]
        return f"{what}{f' ({self.grade.value})' if self.grade and self.kind != 'accept' else ''}, decided by {self.decided_by}"


class EarlierText(BaseModel):
    """One earlier text of a question a member can see again and restore: their own archived edit (id 'e<n>') or
    one of the assistant's suggestions, replaced or current (id 's<n>'), each with when and whence."""

    id: str
    number: int
    kind: Literal["edit", "suggestion"]
    user: str = Field(default="", description="Whose edit (kind 'edit')")
    backend: str = ""
    model: str = ""
    reason: str = Field(default="", description="Why an edit was set aside")
    commentary: str | None = Field(default=None, description="None: the edit kept the assistant's text")
    grade: Grade | None = None
    written_at: str = ""
    set_aside_at: str = Field(default="", description="Archived, or replaced by the backend's next suggestion")
    current: bool = Field(default=False, description="The backend's suggestion now")

    @property
    def source(self) -> str:
        if self.kind == "edit":
            return f"{self.user}'s text, set aside ({self.reason or 'archived'})"
        model = f", model {self.model}" if self.model and self.model not in self.backend else ""
        return f"the assistant ({self.backend}{model}){', current suggestion' if self.current else ''}"


class Review(BaseModel):
    id: int
    doc_id: str
    framework_id: str
    review_round: str = ""
    source: str = ""
    member: str = Field(default="", description="The member organisation whose report this is")
    year: int | None = None
    lead: str = ""
    members: list[str] = Field(default_factory=list, description="Panel members (user names), the lead included")
    status: ReviewStatus = "open"
    suggestions: dict[str, dict[int, Suggestion]] = Field(default_factory=dict, description="backend -> question ->")
    remarks: dict[str, str] = Field(default_factory=dict, description="backend -> suggested overall remarks")
    edits: dict[str, dict[int, MemberEdit]] = Field(default_factory=dict, description="user -> question -> edit")
    archived: list[ArchivedEdit] = Field(default_factory=list)
    comments: list[Comment] = Field(default_factory=list)
    decisions: dict[int, Decision] = Field(default_factory=dict, description="question -> the lead's decision")
    letters: list[FinalLetter] = Field(default_factory=list, description="Finalised versions, oldest first")
    updated_at: str = ""

    @property
    def backends(self) -> list[str]:
        return list(self.suggestions)

    @property
    def final(self) -> FinalLetter | None:
        return self.letters[-1] if self.letters else None

    def suggestion(self, number: int, backend: str | None = None) -> Suggestion | None:
        backend = backend or self.default_backend()
        return self.suggestions.get(backend, {}).get(number) if backend else None

    def default_backend(self) -> str | None:
        """The backend that drafted last, when none is named."""
        latest = [(s.created_at, b) for b, drafts in self.suggestions.items() for s in drafts.values()]
        return max(latest)[1] if latest else None

    def edit(self, user: str | None, number: int) -> MemberEdit | None:
        return self.edits.get(user, {}).get(number) if user else None

    def commentary(self, number: int, user: str | None = None, backend: str | None = None) -> str:
        edit = self.edit(user, number)
        if edit and edit.commentary is not None:
            return edit.commentary
        suggestion = self.suggestion(number, backend)
        return suggestion.draft.commentary if suggestion else ""

    def grade(self, number: int, user: str | None = None, backend: str | None = None) -> Grade | None:
        edit = self.edit(user, number)
        if edit and edit.grade is not None:
            return edit.grade
        suggestion = self.suggestion(number, backend)
        return suggestion.draft.suggested_grade if suggestion else None

    def letter(self, user: str | None = None, backend: str | None = None) -> LetterDraft:
        """The letter as `user` has it (their edits over one backend's suggestions); no user: the suggestions."""
        backend = backend or self.default_backend()
        drafts = self.suggestions.get(backend, {}) if backend else {}
        kept = {
            n: d.draft.model_copy(update={"commentary": self.commentary(n, user, backend), "suggested_grade": self.grade(n, user, backend)})
            for n, d in sorted(drafts.items())
            if not getattr(self.edit(user, n), "leave_out", False)
        }
        remarks_edit = self.edit(user, REMARKS)
        opening = remarks_edit.commentary if remarks_edit and remarks_edit.commentary is not None else self.remarks.get(backend or "", "")
        # The framework's ungraded question (the head of organisation's statement) has its own place in the letter.
        statement = next((d for d in kept.values() if not d.graded), None)
        return LetterDraft(
            member=self.member, report_year=self.year, review_round=self.review_round, framework_id=self.framework_id,
            doc_id=self.doc_id, source=self.source, overall_remarks=opening,
            opening_statement=statement.commentary if statement else "",
            questions=[d for d in kept.values() if d.graded],
        )


# Consensus and export


class QuestionConsensus(BaseModel):
    """One question as the panel sees it side by side: each member's grade, each backend's, the rubric's."""

    number: int
    title: str = ""
    members: dict[str, Grade | None] = Field(default_factory=dict, description="user -> grade set by hand (None: none set)")
    assistant: dict[str, Grade | None] = Field(default_factory=dict, description="backend -> suggested grade")
    rubric: Grade | None = Field(default=None, description="The grade the rubric gives the point statuses")
    disagreement: bool = Field(
        default=False, description="Members set different grades, or a member's grade matches no backend's suggestion"
    )
    comments: list[Comment] = Field(default_factory=list)


def consensus(review: Review) -> list[QuestionConsensus]:
    numbers = sorted({n for drafts in review.suggestions.values() for n in drafts}
                     | {n for edits in review.edits.values() for n in edits if n != REMARKS})
    views = []
    for number in numbers:
        suggestions = {b: drafts[number] for b, drafts in review.suggestions.items() if number in drafts}
        members = {u: (review.edit(u, number).grade if review.edit(u, number) else None) for u in review.members}
        assistant = {b: s.draft.suggested_grade for b, s in suggestions.items()}
        rubric = next((s.draft.rubric_grade for s in suggestions.values() if s.draft.rubric_grade), None)
        given = {g for g in members.values() if g is not None}
        suggested = {g for g in assistant.values() if g is not None}
        disagreement = len(given) > 1 or bool(given and suggested and not given & suggested)
        title = next((s.draft.title for s in suggestions.values() if s.draft.title), "")
        views.append(QuestionConsensus(
            number=number, title=title, members=members, assistant=assistant, rubric=rubric, disagreement=disagreement,
            comments=[c for c in review.comments if c.number == number],
        ))
    return views


# A member's grade of a question as it goes in their letter. The store's own: their hand grade, else the suggestion;
# the service layer passes one that applies their point statuses too (Pipeline.grade_of).
GradeOf = Callable[[Review, str, int], Grade | None]


def hand_or_suggested(review: Review, user: str, number: int) -> Grade | None:
    return review.grade(number, user)


def panel_grades(review: Review, number: int, grade_of: GradeOf | None = None) -> dict[str, Grade | None]:
    grade_of = grade_of or hand_or_suggested
    return {member: grade_of(review, member, number) for member in review.members}


class Disagreement(BaseModel):
    """A question the members grade differently that the lead has not yet resolved or accepted."""

    number: int
    title: str = ""
    grades: dict[str, Grade | None] = Field(default_factory=dict)
    comments: int = 0
    earlier: Decision | None = Field(default=None, description="A decision taken on other grades, no longer standing")

    def describe(self) -> str:
        grades = ", ".join(f"{user} {grade.value if grade else '—'}" for user, grade in self.grades.items())
        notes = [grades] + ([f"{self.comments} comment{'s' * (self.comments > 1)}"] if self.comments else [])
        if self.earlier:
            notes.append(f"{self.earlier.decided_by} decided on other grades")
        return f"Q{self.number} ({'; '.join(notes)})"


class OpenDisagreements(ReviewError):
    """Finalising is refused while the members disagree on a question the lead has neither resolved nor accepted."""

    def __init__(self, disagreements: list[Disagreement]):
        self.disagreements = disagreements
        listed = "; ".join(d.describe() for d in disagreements)
        super().__init__(
            f"not finalised: {len(disagreements)} open disagreement{'s' * (len(disagreements) > 1)}: {listed}. The lead "
            "resolves each (a member's text and grade, or a merge) or accepts it as it stands, then finalises")


def open_disagreements(review: Review, grade_of: GradeOf | None = None) -> list[Disagreement]:
    """The questions whose members' grades (as each has them now) differ, less those the lead decided on: a
    decision holds while the panel's grades are among those it was taken on; a new grade opens the question again."""
    numbers = sorted({n for drafts in review.suggestions.values() for n in drafts}
                     | {n for edits in review.edits.values() for n in edits if n != REMARKS})
    found = []
    for number in numbers:
        grades = panel_grades(review, number, grade_of)
        given = {g for g in grades.values() if g is not None}
        if len(given) < 2:
            continue
        decision = review.decisions.get(number)
        if decision and given <= {g for g in decision.grades.values() if g is not None}:
            continue
        title = next((d[number].draft.title for d in review.suggestions.values() if number in d), "")
        found.append(Disagreement(number=number, title=title, grades=grades, earlier=decision,
                                  comments=sum(c.number == number for c in review.comments)))
    return found


class AppendixEntry(BaseModel):
    """The assistant's suggestion against the final text of one question, for the export's appendix."""

    number: int
    title: str = ""
    backend: str
    model: str = ""
    suggested_commentary: str = ""
    suggested_grade: Grade | None = None
    final_commentary: str = ""
    final_grade: Grade | None = None
    left_out: bool = False

    @property
    def changed(self) -> bool:
        return self.left_out or (self.suggested_commentary, self.suggested_grade) != (self.final_commentary, self.final_grade)


def appendix(review: Review, version: int | None = None) -> list[AppendixEntry]:
    """Per question and backend, what the assistant suggested beside what the finalised letter says."""
    final = review.final if version is None else next((f for f in review.letters if f.version == version), None)
    if final is None:
        raise ReviewError(f"review {review.id} has no finalised letter" + (f" version {version}" if version else ""))
    text = {q.number: q for q in final.letter.questions}
    entries = []
    for backend, drafts in review.suggestions.items():
        for number, suggestion in sorted(drafts.items()):
            if not suggestion.draft.graded:
                final_text, final_grade, left_out = final.letter.opening_statement, None, not final.letter.opening_statement
            else:
                question = text.get(number)
                final_text = question.commentary if question else ""
                final_grade = question.suggested_grade if question else None
                left_out = question is None
            entries.append(AppendixEntry(
                number=number, title=suggestion.draft.title, backend=backend, model=suggestion.provenance.model,
                suggested_commentary=suggestion.draft.commentary, suggested_grade=suggestion.draft.suggested_grade,
                final_commentary=final_text, final_grade=final_grade, left_out=left_out,
            ))
    return sorted(entries, key=lambda e: (e.number, e.backend))


# Provenance


def prompts_hash(prompts_dir: Path) -> str:
    """One hash over every prompt file (name and content): a changed prompt changes it."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(prompts_dir).rglob("*") if p.is_file()):
        digest.update(path.relative_to(prompts_dir).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def passages_seen(draft: QuestionDraft) -> list[str]:
    if draft.assessment is not None:
        return list(draft.assessment.passages)
    return list(dict.fromkeys(e.chunk_id for e in draft.evidence if e.chunk_id))


def provenance(draft: QuestionDraft, settings: Settings, backend: str, model: str = "") -> Provenance:
    return Provenance(
        backend=backend, model=model or draft.model, prompts_hash=prompts_hash(settings.prompts_dir),
        settings={name: getattr(settings, name) for name in PROVENANCE_SETTINGS}, passages=passages_seen(draft),
    )
