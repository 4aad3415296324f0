"""A member's view of a review, as the workspace shows it and their letter holds it: the assistant's suggestion with
their point statuses and verify-mode evidence applied, their text and grade, their overall remarks and letter. A
part of the Pipeline (its framework, assessor and index), kept apart to keep each file to one concern."""

from __future__ import annotations

from .judging.drafting import status_fields
from .models import (
    Chunk,
    Evidence,
    Grade,
    LetterDraft,
    PointStatus,
    QuestionAssessment,
    QuestionDraft,
)
from .reading.points import one_line
from .review.reviews import REMARKS, MemberEdit, Review


class MemberView:
    """Mixed into Pipeline, which gives it `framework`, `assessor` and `index`."""

    def member_assessment(self, assessment: QuestionAssessment, statuses: dict[str, PointStatus], user: str = "",
                          evidence: dict[str, dict[str, list[str]]] | None = None) -> QuestionAssessment:
        """The assessment with a member's point statuses applied (a status they confirmed counts as checked by them),
        and the quotes they rejected or the report sentences they attached in verify mode: the rubric grade, the asks
        and the commentary follow. A status or quote for a point the assessment no longer has is ignored, and an
        attached sentence counts only where it stands in the passages read for the question."""
        question = self.framework.question(assessment.number)
        assessor = self.assessor
        for guidance, status in statuses.items():
            if any(p.guidance == guidance and (p.status != status or p.edited_by != user) for p in assessment.points):
                assessment = assessor.with_status(question, assessment, guidance, status, user)
        if evidence:
            chunks = [c for i in assessment.passages if (c := self.index.chunk(i)) is not None]
            points = [self._with_evidence(p, evidence.get(p.guidance, {}), chunks) for p in assessment.points]
            assessment = assessor.finish(question, assessment.model_copy(update={"points": points}))
        return assessment

    @staticmethod
    def _with_evidence(point, change: dict[str, list[str]], chunks: list[Chunk]):
        rejected = set(change.get("rejected", []))
        kept = [e for e in point.evidence if e.quote not in rejected]
        known = {e.quote for e in kept}
        for sentence in change.get("attached", []):
            chunk = next((c for c in chunks if sentence in one_line(c.text)), None) or next(
                (c for c in chunks if sentence[:60] in one_line(c.text)), None)
            if chunk is not None and sentence not in known:
                kept.append(Evidence.from_chunk(chunk, quote=sentence))
                known.add(sentence)
        return point.model_copy(update={"evidence": kept})

    def member_draft(self, review: Review, number: int, user: str, backend: str | None = None) -> QuestionDraft | None:
        """The assistant's suggestion as `user` sees it, with their point statuses applied. A model's prose stays
        the model's (the rubric grade and asks follow, and its grade is never kinder than the member's rubric); the
        assessment's own draft is re-derived entirely."""
        suggestion = review.suggestion(number, backend)
        if suggestion is None:
            return None
        draft, edit = suggestion.draft, review.edit(user, number)
        if not (edit and (edit.points or edit.evidence) and draft.assessment):
            return draft
        assessment = self.member_assessment(draft.assessment, edit.points, user, edit.evidence)
        update: dict[str, object] = {"assessment": assessment, "rubric_grade": assessment.grade,
                                     "questions_for_member": assessment.asks,
                                     **status_fields(self.framework.question(number), assessment)}
        if draft.mode == "assessment":
            update |= {"commentary": assessment.commentary, "suggested_grade": assessment.grade,
                       "grade_rationale": assessment.rationale}
        elif assessment.grade and draft.suggested_grade and assessment.grade.rank > draft.suggested_grade.rank:
            # The member's statuses outweigh the model's kinder grade, and the rubric's reasons come with it.
            update |= {"suggested_grade": assessment.grade, "grade_rationale": assessment.rationale}
        return draft.model_copy(update=update)

    def member_text(self, review: Review, number: int, user: str, backend: str | None = None) -> tuple[str, Grade | None]:
        """(text, grade) of a question as it goes in `user`'s letter: their edit, else their view of the suggestion."""
        return _own_text(review.edit(user, number), self.member_draft(review, number, user, backend))

    def member_remarks(self, review: Review, user: str, backend: str | None = None, checked: bool = False,
                       drafts: dict[int, QuestionDraft | None] | None = None) -> str:
        """The overall remarks as they go in `user`'s letter: the text they wrote, never touched; else rebuilt from
        their point statuses and grades as they stand, as their view of each question is. A model's remarks stay
        the model's while the member changed no status or grade they were written from. `checked`: the lead's
        finalising, after which no grade is provisional. `drafts`: the member's view of each question, where the
        caller has it already (member_letter)."""
        edit = review.edit(user, REMARKS)
        if edit and edit.commentary is not None:
            return edit.commentary
        backend = backend or review.default_backend() or ""
        stored = review.remarks.get(backend, "")
        by_model = any(s.draft.mode != "assessment" for s in review.suggestions.get(backend, {}).values())
        changed = any(e.points or e.grade is not None or e.leave_out
                      for number, e in review.edits.get(user, {}).items() if number != REMARKS)
        if by_model and not changed:
            return stored
        assessments = []
        for question in self.framework.graded_questions:
            edit = review.edit(user, question.number)
            draft = drafts[question.number] if drafts is not None else self.member_draft(review, question.number, user,
                                                                                          backend)
            if (edit and edit.leave_out) or draft is None or draft.assessment is None:
                continue
            own = edit is not None and edit.grade is not None  # the member's own grade is no guess
            assessments.append(draft.assessment.model_copy(update={
                "grade": edit.grade if own else draft.suggested_grade,
                "provisional": draft.assessment.provisional and not own and not checked}))
        return self.assessor.overall_remarks(assessments) if assessments else stored

    def member_letter(self, review: Review, user: str, backend: str | None = None, checked: bool = False) -> LetterDraft:
        """The letter as `user` has it now: every question of the framework (their text, else their view of the
        suggestion, else empty for the export to mark), except those they chose to leave out; the overall remarks
        theirs (member_remarks)."""
        questions, opening_statement = [], ""
        # Each question's view once: applying a member's statuses runs the rubric again.
        drafts = {q.number: self.member_draft(review, q.number, user, backend) for q in self.framework.questions}
        for question in self.framework.questions:
            edit = review.edit(user, question.number)
            if edit and edit.leave_out:
                continue
            text, grade = _own_text(edit, drafts[question.number])
            draft = drafts[question.number] or QuestionDraft(number=question.number, title=question.title)
            if not question.graded:
                opening_statement = text  # the statement from the head of organisation
                continue
            if edit and edit.grade is not None and draft.assessment:  # the member's own grade is no guess
                draft = draft.model_copy(update={"assessment": draft.assessment.model_copy(update={"provisional": False})})
            questions.append(draft.model_copy(update={"commentary": text, "suggested_grade": grade}))
        return LetterDraft(
            member=review.member, report_year=review.year, review_round=review.review_round,
            framework_id=review.framework_id, doc_id=review.doc_id, source=review.source,
            overall_remarks=self.member_remarks(review, user, backend, checked, drafts),
            opening_statement=opening_statement, questions=questions,
        )


def _own_text(edit: MemberEdit | None, draft: QuestionDraft | None) -> tuple[str, Grade | None]:
    """(text, grade) as they go in the letter: the member's edit, else their view of the suggestion."""
    text = edit.commentary if edit and edit.commentary is not None else (draft.commentary if draft else "")
    grade = edit.grade if edit and edit.grade is not None else (draft.suggested_grade if draft else None)
    return text, grade
