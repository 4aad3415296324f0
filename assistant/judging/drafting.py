"""Drafting on top of the assessment. The assessment (assistant/judging/assessment.py) decides where the answer is, which
guidance points it covers, with which quotes, and the rubric grade; this module turns it into a question draft.

Three modes, always named on the draft:
- `assessment`: the assessment's own templated commentary and the rubric grade. No LLM, seconds for a report. The
  default with the embedded model, whose 270M parameters cannot write a review.
- `llm`: a capable model (any OpenAI-compatible backend) writes the commentary from the assessment. It may argue a
  different status for a point, but an upgrade counts only with a quote verified in the report; its grade may never be
  better than the rubric grade of the statuses as so upgraded. Every disagreement is flagged for the panel member.
- `llm-rewrite`: on request, a model rewrites the assessment's commentary for fluency; the grade stays the rubric's,
  and a rewrite that quotes anything not in the report is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, Field
from rapidfuzz import fuzz

from ..models import (
    Chunk,
    DraftMode,
    Evidence,
    FollowUp,
    Framework,
    Grade,
    Letter,
    LetterDraft,
    PointAssessment,
    PointStatus,
    Precedent,
    Question,
    QuestionAssessment,
    QuestionDraft,
    gaps_of,
)
from ..reading.points import answer_sentences, asks
from ..reading.safety import fence
from ..search.embeddings import get_embedder
from ..search.index import LETTERS, Index
from ..settings import Settings
from .assessment import Assessor
from .llm import ChatClient, LLMError, LLMTimeout, OnToken
from .prompts import render

# A follow-up ask counts as addressed when the best passage is this similar to it (cosine, MiniLM).
ADDRESSED_SIMILARITY = 0.55
PARTLY_SIMILARITY = 0.40
# A quote is verified when this share of its characters align with one span of the report (rapidfuzz).
QUOTE_MATCH = 90.0
_QUOTED = re.compile(r"[“\"]([^”\"]{12,})[”\"]")

ProgressCallback = Callable[[int, int, str], None]  # (done, total, what)
# How a draft says the model it asked for failed (the assessment's own draft stands in): callers report these.
MODEL_TIMED_OUT = "The model did not answer in time"
MODEL_NOT_ASKED = "The model was not asked"
MODEL_FAILED = ("The model could not write this question", "The rewrite failed", MODEL_TIMED_OUT, MODEL_NOT_ASKED)


def status_fields(question: Question, assessment: QuestionAssessment) -> dict:
    """The parts of a draft that restate the point statuses: redone whenever a member changes a status."""
    points = assessment.points
    return {
        "summary": f"{sum(p.status == 'addressed' for p in points)} of {len(points)} guidance points addressed, "
                   f"{sum(p.status == 'partly' for p in points)} partly.",
        "strengths": [p.guidance for p in points if p.status == "addressed"],
        "gaps": gaps_of(points, {p.text: p.ask for p in question.guidance}),
    }


def model_failed(draft: QuestionDraft) -> str:
    """Why the model asked for on this draft failed, or '' when it did not."""
    return next((f for f in draft.flags if f.startswith(MODEL_FAILED)), "")


# What a model returns.


class StatusArgument(BaseModel):
    guidance: str = Field(description="The guidance point, word for word as listed")
    status: PointStatus
    quote: str = Field(default="", description="Exact words from the report that support this status")
    reason: str = ""


class DraftReply(BaseModel):
    commentary: str = Field(min_length=1)
    status_changes: list[StatusArgument] = Field(default_factory=list, max_length=8)
    grade: Grade
    rationale: str = ""


class RewriteReply(BaseModel):
    commentary: str = Field(min_length=1)


class RemarksReply(BaseModel):
    remarks: str = Field(min_length=1)


def worse(a: Grade, b: Grade) -> Grade:
    return a if a.rank >= b.rank else b


# Quote verification


def _normalise(text: str) -> str:
    table = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})
    return " ".join(text.translate(table).lower().split())


def verify_quote(quote: str, chunks: list[Chunk]) -> tuple[Evidence | None, str]:
    """Find the quote in the report passages, exactly or near-exactly (90% of its characters aligned with one span,
    so a changed space or quote mark passes and an invented sentence does not). Returns the evidence in the report's
    own words, or None and why."""
    wanted = _normalise(quote.strip().strip("\"'“”"))
    if len(wanted) < 12:
        return None, "too short to verify"
    for chunk in chunks:
        text = _normalise(chunk.text)
        start = text.find(wanted)
        if start != -1:
            return Evidence.from_chunk(chunk, quote=_span(chunk.text, text, start, start + len(wanted))), ""
    best = None
    for chunk in chunks:
        text = _normalise(chunk.text)
        alignment = fuzz.partial_ratio_alignment(wanted, text, score_cutoff=QUOTE_MATCH)
        if alignment and (best is None or alignment.score > best[1].score):
            best = (chunk, alignment, text)
    if best:
        chunk, alignment, text = best
        return Evidence.from_chunk(chunk, quote=_span(chunk.text, text, alignment.dest_start, alignment.dest_end)), ""
    return None, "not found in the report"


def _span(original: str, normalised: str, start: int, end: int) -> str:
    """The original words behind a span of the normalised text (normalising only drops and folds whitespace)."""
    words = original.split()
    first = len(normalised[:start].split()) - (0 if start == 0 or normalised[start - 1] == " " else 1)
    count = len(normalised[start:end].split())
    return " ".join(words[max(first, 0) : max(first, 0) + count])


def _precedent_text(precedents: list[Precedent]) -> str:
    return "\n\n".join(
        f"- {p.member} {p.year or ''}{f' (graded {p.grade.value})' if p.grade else ''}: {p.text[:600]}" for p in precedents
    ) or "(none)"


def _point_lines(point: PointAssessment, reason: str = "", nearest: bool = False) -> list[str]:
    core = " (core)" if point.core else ""
    lines = [f"- {point.guidance}{core}: {point.status}{reason}"]
    lines += [f"    “{fence(e.quote)}” ({e.location})" for e in point.evidence]
    return lines + [f"    ? “{fence(e.quote)}” ({e.location})" for e in (point.nearest if nearest else [])]


def assessment_text(assessment: QuestionAssessment) -> tuple[str, str]:
    """The assessment as the model reads it: (the points to check, the others). The points to check come first, in
    the assessment's triage order (`to_check`: those whose flip alone would move the grade first), each with why it
    is unsure, its verbatim quotes and, where it has none, the report sentences nearest it (marked '?'); then the
    other points with their quotes, and the report's own admissions."""
    points = {p.guidance: p for p in assessment.points}
    checking, moving = set(assessment.to_check), set(assessment.grade_moving)
    checks = []
    for point in (points[g] for g in assessment.to_check if g in points):
        reason = f" (unsure: {point.confidence_reason}" + ("; the grade turns on it)" if point.guidance in moving else ")")
        checks += _point_lines(point, reason if point.confidence_reason else "", nearest=True)
    others = []
    for point in (p for p in assessment.points if p.guidance not in checking):
        others += _point_lines(point)
    admissions = [f.evidence for f in assessment.features if f.kind == "admission"]
    if admissions:
        others.append("What the report itself says it has not done yet:")
        others += [f"    “{fence(e.quote)}” ({e.location})" for e in admissions]
    return "\n".join(checks) or "(none)", "\n".join(others) or "(none)"


# The engine


class Drafter:
    def __init__(self, settings: Settings, index: Index, framework: Framework, assessor: Assessor,
                 letters: list[Letter]):
        self.settings = settings
        self.index = index
        self.framework = framework
        self.assessor = assessor
        self.letters = letters

    def _messages(self, template: str, **values) -> list[dict[str, str]]:
        panel = self.framework.letter.panel  # the review's own panel, from its framework's data
        system = render(self.settings.prompts_dir, "system", panel=panel)
        user = render(self.settings.prompts_dir, template, panel=panel, **values)
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    def grade_key(self) -> str:
        return "\n".join(f"{g.code.value}: {g.meaning}" for g in self.framework.grades)

    # Context beside the assessment

    def precedents_for(self, question: Question, member: str, year: int | None, k: int = 2) -> list[Precedent]:
        """Past-letter passages on the same question, never from the letter on this very report."""
        hits = self.index.search(question.text, collection=LETTERS, question=question.number, k=k + 3)
        precedents = [
            Precedent(member=h.chunk.member, year=h.chunk.year, question=h.chunk.question, text=h.chunk.text, grade=h.chunk.grade)
            for h in hits
            if not (h.chunk.member.casefold() == member.casefold() and h.chunk.year == year)
        ]
        return precedents[:k]

    def follow_ups_for(self, question: Question, member: str, year: int | None, doc_id: str) -> list[FollowUp]:
        """The asks of this member's latest earlier letter on this question, and whether the new report answers them:
        a retrieval estimate from the report sentence most similar to each ask, shown as the evidence."""
        earlier = [
            letter for letter in self.letters
            if letter.member.casefold() == member.casefold() and letter.report_year and year and letter.report_year < year
        ]
        feedback = max(earlier, key=lambda letter: letter.report_year).feedback(question.number) if earlier else None
        if feedback is None:
            return []
        embedder = get_embedder(self.settings.models_dir, self.settings.embedding_batch)
        follow_ups = []
        for ask in asks(feedback.commentary):
            hits = self.index.search(ask, doc_id=doc_id, k=3)
            candidates = [(sentence, h.chunk) for h in hits for sentence in answer_sentences(h.chunk.text)]
            if not candidates:
                follow_ups.append(FollowUp(ask=ask, addressed="no", explanation="nothing in the report relates to it"))
                continue
            similarities = embedder.embed([s for s, _ in candidates]) @ embedder.embed([ask])[0]
            best = int(similarities.argmax())
            similarity = float(similarities[best])
            status = "yes" if similarity >= ADDRESSED_SIMILARITY else "partly" if similarity >= PARTLY_SIMILARITY else "no"
            sentence, chunk = candidates[best]
            follow_ups.append(FollowUp(
                ask=ask, addressed=status, explanation=f"closest report sentence, similarity {similarity:.2f}",
                evidence=[Evidence.from_chunk(chunk, quote=sentence)] if status != "no" else [],
            ))
        return follow_ups

    # Drafting

    def from_assessment(self, assessment: QuestionAssessment, member: str, year: int | None,
                        doc_id: str) -> QuestionDraft:
        """The draft the assessment alone gives: its commentary, the rubric grade, its quotes and asks."""
        question = self.framework.question(assessment.number)
        evidence = list({e.quote: e for p in assessment.points for e in p.evidence}.values())
        notes = []
        if assessment.located_by == "search":
            notes.append("The report has no section for this question; its passages come from the chapters that are "
                         "about it.")
        if not assessment.answered:
            notes.append("The report does not answer this question.")
        return QuestionDraft(
            number=question.number,
            title=question.title,
            graded=question.graded,
            mode="assessment",
            assessment=assessment,
            rubric_grade=assessment.grade,
            **status_fields(question, assessment),
            questions_for_member=assessment.asks,
            good_practice=[f.evidence.quote for f in assessment.features if f.kind in ("validation", "learning")][:3],
            commentary=assessment.commentary,
            suggested_grade=assessment.grade,
            grade_rationale=assessment.rationale,
            confidence=1.0 if assessment.grade else 0.0,
            evidence=evidence,
            precedents=self.precedents_for(question, member, year),
            follow_ups=self.follow_ups_for(question, member, year, doc_id),
            flags=notes,
        )

    def draft_question(self, assessment: QuestionAssessment, doc_id: str, member: str = "", year: int | None = None,
                       *, client: ChatClient | None = None, mode: DraftMode = "assessment",
                       on_token: OnToken | None = None) -> QuestionDraft:
        draft = self.from_assessment(assessment, member, year, doc_id)
        if mode == "assessment" or client is None:
            return draft
        if mode == "llm-rewrite":
            return self._rewrite(draft, client, member, on_token)
        return self._write_on_top(draft, client, member, on_token)

    def _passages(self, assessment: QuestionAssessment) -> list[Chunk]:
        if not assessment.passages:
            return []
        wanted = set(assessment.passages)
        return [c for c in self.index.chunks(doc_id=assessment.doc_id) if c.id in wanted]

    def _write_on_top(self, draft: QuestionDraft, client: ChatClient, member: str, on_token: OnToken | None) -> QuestionDraft:
        assessment = draft.assessment
        question = self.framework.question(draft.number)
        to_check, others = assessment_text(assessment)
        messages = self._messages(
            "draft_question", framework_name=self.framework.name, number=question.number,
            question_text=question.text, member=member or "the member", grade_key=self.grade_key(),
            to_check=to_check, assessment=others,
            rubric_grade=assessment.grade.value if assessment.grade else "ungraded",
            precedent=_precedent_text(draft.precedents),
        )
        try:
            reply = client.structured(messages, DraftReply, on_token=on_token)
        except LLMTimeout as exc:
            draft.flags.append(f"{MODEL_TIMED_OUT} ({exc}); the assessment's own draft is shown.")
            return draft
        except LLMError as exc:
            draft.flags.append(f"The model could not write this question ({exc}); the assessment's own draft is shown.")
            return draft
        statuses, flags = self._argued_statuses(assessment, reply.status_changes)
        argued = self.assessor.finish(question, assessment.model_copy(update={"points": statuses}), member=member)
        grade = reply.grade
        if question.graded and argued.grade is not None:
            if reply.grade.rank < argued.grade.rank:
                flags.append(f"The model graded {reply.grade.value}, better than the evidence allows "
                             f"({argued.grade.value} by the rubric); kept {argued.grade.value}.")
            grade = worse(reply.grade, argued.grade)
            if assessment.grade and grade != assessment.grade:
                flags.append(f"Grade {grade.value} differs from the rubric's {assessment.grade.value} on the "
                             "assessment alone; see the status changes above.")
        return draft.model_copy(update={
            "mode": "llm",
            "model": client.description,
            "commentary": reply.commentary.strip(),
            "suggested_grade": grade if question.graded else None,
            "grade_rationale": " ".join(x for x in (reply.rationale.strip(), argued.rationale) if x),
            "confidence": 0.8,
            "flags": draft.flags + flags,
        })

    def _argued_statuses(self, assessment: QuestionAssessment,
                         arguments: list[StatusArgument]) -> tuple[list[PointAssessment], list[str]]:
        """The point statuses after the model's arguments: a stricter status is taken as given; a kinder one only
        with a quote found in the report. Each disagreement becomes a note for the panel member."""
        order = {"missing": 0, "partly": 1, "addressed": 2}
        points = {p.guidance: p for p in assessment.points}
        passages = self._passages(assessment)
        flags = []
        for argument in arguments:
            point = points.get(argument.guidance)
            if point is None or argument.status == point.status:
                continue
            if order[argument.status] < order[point.status]:
                points[point.guidance] = point.model_copy(update={"status": argument.status})
                flags.append(f"The model rates ‘{point.guidance}’ {argument.status} (assessment: {point.status}): "
                             f"{argument.reason}".rstrip(": "))
                continue
            found, why = verify_quote(argument.quote, passages) if argument.quote else (None, "no quote given")
            if found is None:
                flags.append(f"The model rates ‘{point.guidance}’ {argument.status} (assessment: {point.status}) "
                             f"but its quote is {why}; kept {point.status}.")
                continue
            points[point.guidance] = point.model_copy(update={"status": argument.status,
                                                              "evidence": [found] + point.evidence})
            flags.append(f"The model rates ‘{point.guidance}’ {argument.status} (assessment: {point.status}), "
                         f"quoting “{found.quote}” ({found.location}).")
        return [points[p.guidance] for p in assessment.points], list(dict.fromkeys(flags))

    def _rewrite(self, draft: QuestionDraft, client: ChatClient, member: str, on_token: OnToken | None) -> QuestionDraft:
        messages = self._messages("rewrite_commentary", member=member or "the member", commentary=draft.commentary)
        try:
            reply = client.structured(messages, RewriteReply, on_token=on_token)
        except LLMTimeout as exc:
            draft.flags.append(f"{MODEL_TIMED_OUT} ({exc}); the assessment's own draft is shown.")
            return draft
        except LLMError as exc:
            draft.flags.append(f"The rewrite failed ({exc}); the assessment's own draft is shown.")
            return draft
        passages = self._passages(draft.assessment) if draft.assessment else []
        invented = [q for q in _QUOTED.findall(reply.commentary) if verify_quote(q, passages)[0] is None]
        if invented:
            draft.flags.append(f"The rewrite quoted words that are not in the report (“{invented[0][:80]}”); "
                               "the assessment's own draft is kept.")
            return draft
        return draft.model_copy(update={"mode": "llm-rewrite", "model": client.description,
                                        "commentary": reply.commentary.strip()})

    def overall_remarks(self, drafts: list[QuestionDraft], member: str, year: int | None,
                        client: ChatClient | None = None) -> str:
        """From the assessments; a capable model may rewrite them from the question drafts."""
        assessments = [d.assessment for d in drafts if d.assessment]
        remarks = self.assessor.overall_remarks(assessments)
        if client is None or not any(d.mode == "llm" for d in drafts):
            return remarks
        summaries = "\n".join(
            f"Q{d.number} ({d.suggested_grade.value if d.suggested_grade else 'ungraded'}): {d.commentary[:400]}"
            for d in drafts if self.framework.question(d.number).graded
        )
        try:
            reply = client.structured(
                self._messages("letter_opening", member=member or "the member", year=year or "", summaries=summaries),
                RemarksReply,
            )
        except LLMError:
            return remarks
        return reply.remarks.strip()

    def letter(self, drafts: list[QuestionDraft], member: str, year: int | None, doc_id: str,
               client: ChatClient | None = None, source: str = "") -> LetterDraft:
        graded = [d for d in drafts if self.framework.question(d.number).graded]
        opening = next((d for d in drafts if not self.framework.question(d.number).graded), None)
        return LetterDraft(
            member=member, report_year=year, framework_id=self.framework.id, doc_id=doc_id, source=source,
            overall_remarks=self.overall_remarks(drafts, member, year, client),
            opening_statement=opening.commentary if opening else "", questions=graded,
        )


def choose_mode(settings: Settings, requested: Literal["auto", "assessment", "llm", "llm-rewrite"]) -> DraftMode:
    """auto: a capable backend writes on top of the assessment; the embedded model does not (its prose is weak)."""
    if requested != "auto":
        return requested
    return "assessment" if settings.uses_embedded_model else "llm"
