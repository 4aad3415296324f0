"""The drafting engine: per-question drafts grounded in report quotes and past-letter precedent, with a grade that is
checked against the grade key, and a whole letter assembled from them.

Grades are held to the key's own definitions: the model lists minor and significant gaps, and the grade those gaps
imply (none: FM, minor only: PM, any significant: PS, unanswered: NM) caps the grade it states. LLM reviewers grade
too kindly; the stricter of the two stands, and a question with little evidence is capped at PS with low confidence.
"""

from __future__ import annotations

from collections.abc import Callable
from difflib import SequenceMatcher
from typing import Literal

from pydantic import BaseModel, Field

from .index import LETTERS, Index
from .llm import ChatClient, LLMError, OnToken
from .models import Chunk, Evidence, FollowUp, Framework, Grade, Letter, LetterDraft, Precedent, Question, QuestionDraft
from .embeddings import get_embedder
from .points import answer_sentences, asks
from .prompts import render
from .safety import fence
from .settings import Settings

# Below these, retrieval found little that answers a question.
MIN_EVIDENCE_CHARS = 300
MIN_SIMILARITY = 0.25
# A follow-up ask counts as addressed when the best passage is this similar to it (cosine, MiniLM).
ADDRESSED_SIMILARITY = 0.55
PARTLY_SIMILARITY = 0.40


# What the model returns. Short lists keep a small model's grammar-constrained output bounded.


class Gap(BaseModel):
    text: str
    severity: Literal["minor", "significant"] = "minor"


class Quote(BaseModel):
    quote: str
    passage: int = Field(description="Number of the passage the quote is copied from")


class DraftReply(BaseModel):
    summary: str = ""
    strengths: list[str] = Field(default_factory=list, max_length=6)
    gaps: list[Gap] = Field(default_factory=list, max_length=6)
    questions_for_member: list[str] = Field(default_factory=list, max_length=6)
    good_practice: list[str] = Field(default_factory=list, max_length=4)
    evidence: list[Quote] = Field(default_factory=list, max_length=4)
    commentary: str = Field(min_length=1)


class GradeReply(BaseModel):
    strengths: list[str] = Field(default_factory=list, max_length=6)
    minor_gaps: list[str] = Field(default_factory=list, max_length=6)
    significant_gaps: list[str] = Field(default_factory=list, max_length=6)
    answered: bool = True
    grade: Grade
    rationale: str = ""
    confidence: float = Field(default=0.5, ge=0.0, le=1.0)


class RemarksReply(BaseModel):
    remarks: str = Field(min_length=1)


class GradeResult(BaseModel):
    grade: Grade
    rationale: str
    confidence: float
    model_grade: Grade
    notes: list[str] = Field(default_factory=list)


def worse(a: Grade, b: Grade) -> Grade:
    return a if a.rank >= b.rank else b


def settle_grade(reply: GradeReply, little_evidence: bool = False) -> GradeResult:
    """The stricter of the model's grade and the grade its own gap list implies under the key."""
    if not reply.answered:
        implied = Grade.NM
    elif reply.significant_gaps:
        implied = Grade.PS
    elif reply.minor_gaps:
        implied = Grade.PM
    else:
        implied = Grade.FM
    grade, confidence, notes = worse(reply.grade, implied), reply.confidence, []
    if grade != reply.grade:
        notes.append(f"The model said {reply.grade.value}, but the gaps it listed imply {implied.value}; kept {grade.value}.")
        confidence = min(confidence, 0.5)
    if little_evidence:
        capped = worse(grade, Grade.PS)
        if capped != grade:
            notes.append(f"Little evidence in the report for this question: grade capped at {capped.value}.")
        grade, confidence = capped, min(confidence, 0.3)
    return GradeResult(grade=grade, rationale=reply.rationale, confidence=confidence, model_grade=reply.grade, notes=notes)


# Quote verification


def _normalise(text: str) -> tuple[str, list[int]]:
    """Lower-case, straight quotes, single spaces; with a map from each kept character back to the original."""
    table = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})
    out, index = [], []
    for i, ch in enumerate(text.translate(table).lower()):
        if ch.isspace():
            if out and out[-1] == " ":
                continue
            ch = " "
        out.append(ch)
        index.append(i)
    return "".join(out), index


def verify_quote(quote: str, chunks: list[Chunk]) -> tuple[Evidence | None, str]:
    """Find the quote in the report passages: exact (after normalising) or near-exact (90% of its characters in
    order within a span of similar length). Returns the evidence with the report's own words, or None and why."""
    wanted, _ = _normalise(quote.strip().strip("\"'“”"))
    if len(wanted) < 12:
        return None, "too short to verify"
    for chunk in chunks:
        text, index = _normalise(chunk.text)
        start = text.find(wanted)
        if start != -1:
            span = " ".join(chunk.text[index[start] : index[start + len(wanted) - 1] + 1].split())
            return Evidence(quote=span, page=chunk.page, section=chunk.section, chunk_id=chunk.id, verified=True), ""
        matcher = SequenceMatcher(None, wanted, text, autojunk=False)
        blocks = [b for b in matcher.get_matching_blocks() if b.size >= 4]
        matched = sum(b.size for b in blocks)
        if blocks and matched >= 0.9 * len(wanted):
            first, last = blocks[0].b, blocks[-1].b + blocks[-1].size
            if last - first <= 1.15 * len(wanted):
                span = " ".join(chunk.text[index[first] : index[last - 1] + 1].split())
                return Evidence(quote=span, page=chunk.page, section=chunk.section, chunk_id=chunk.id, verified=True), ""
    return None, "not found in the report"


def _precedent_text(precedents: list[Precedent]) -> str:
    return "\n\n".join(
        f"- {p.member} {p.year or ''}{f' (graded {p.grade.value})' if p.grade else ''}: {p.text[:600]}" for p in precedents
    ) or "(none)"


# The engine


ProgressCallback = Callable[[int, int, str], None]  # (done, total, what)


class Drafter:
    def __init__(self, settings: Settings, index: Index, framework: Framework, client: ChatClient, letters: list[Letter]):
        self.settings = settings
        self.index = index
        self.framework = framework
        self.client = client
        self.letters = letters

    # Prompts

    def _messages(self, template: str, **values) -> list[dict[str, str]]:
        system = render(self.settings.prompts_dir, "system")
        return [{"role": "system", "content": system}, {"role": "user", "content": render(self.settings.prompts_dir, template, **values)}]

    def _question_values(self, question: Question, member: str) -> dict:
        return {
            "framework_name": self.framework.name,
            "number": question.number,
            "question_text": question.text,
            "guidance": "\n".join(f"- {g}" for g in question.guidance_texts),
            "member": member or "the member",
        }

    def grade_key(self) -> str:
        return "\n".join(f"{g.code.value}: {g.meaning}" for g in self.framework.grades)

    # Retrieval

    def evidence_for(self, question: Question, doc_id: str) -> tuple[list[Chunk], bool, list[str]]:
        """Passages for a question: its own section where the report follows the framework, else search.
        Returns the passages, whether evidence is thin, and notes for the panel."""
        query = question.text + " " + " ".join(question.guidance_texts)
        notes = []
        hits = self.index.search(query, doc_id=doc_id, question=question.number, k=self.settings.top_k)
        if not hits:
            hits = self.index.search(query, doc_id=doc_id, k=self.settings.top_k)
            notes.append("The report has no section for this question; passages were found by search.")
            hits = [h for h in hits if h.similarity is None or h.similarity >= MIN_SIMILARITY]
        chunks = sorted((h.chunk for h in hits), key=lambda c: c.position)
        thin = sum(len(c.text) for c in chunks) < MIN_EVIDENCE_CHARS
        if thin:
            notes.append("Little evidence in the report answers this question.")
        return chunks, thin, notes

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
            evidence = [Evidence(quote=sentence, page=chunk.page, section=chunk.section, chunk_id=chunk.id, verified=True)]
            follow_ups.append(FollowUp(
                ask=ask, addressed=status, explanation=f"closest report sentence, similarity {similarity:.2f}",
                evidence=evidence if status != "no" else [],
            ))
        return follow_ups

    # Drafting

    def grade(
        self, question: Question, assessment: str, member: str = "", year: int | None = None,
        little_evidence: bool = False, precedents: list[Precedent] | None = None,
    ) -> GradeResult:
        """Grade an assessment of an answer (a draft's, or the panel's own commentary in calibration), with the
        panel's graded commentary on other members as calibration examples (retrieved unless given)."""
        if precedents is None:
            precedents = self.precedents_for(question, member, year)
        examples = [p for p in precedents if p.grade]
        messages = self._messages(
            "grade", **self._question_values(question, member), grade_key=self.grade_key(),
            precedent=_precedent_text(examples), assessment=fence(assessment),
        )
        return settle_grade(self.client.structured(messages, GradeReply), little_evidence)

    def draft_question(
        self, number: int, doc_id: str, member: str = "", year: int | None = None, on_token: OnToken | None = None
    ) -> QuestionDraft:
        question = self.framework.question(number)
        chunks, thin, notes = self.evidence_for(question, doc_id)
        draft = QuestionDraft(
            number=number,
            title=question.title,
            precedents=self.precedents_for(question, member, year),
            follow_ups=self.follow_ups_for(question, member, year, doc_id),
            flags=notes,
        )
        passages = "\n\n".join(f"[{i}] ({c.location})\n{fence(c.text)}" for i, c in enumerate(chunks, 1)) or "(none found)"
        messages = self._messages(
            "draft_question", **self._question_values(question, member), passages=passages,
            precedent=_precedent_text(draft.precedents),
        )
        try:
            reply = self.client.structured(messages, DraftReply, on_token=on_token)
        except LLMError as exc:
            draft.flags.append(f"Drafting failed; write this question by hand. ({exc})")
            draft.evidence = [Evidence(quote=c.text[:300], page=c.page, section=c.section, chunk_id=c.id, verified=True) for c in chunks[:3]]
            return draft
        evidence, flags = [], []
        for quote in reply.evidence:
            candidates = [chunks[quote.passage - 1]] if 0 < quote.passage <= len(chunks) else []
            found, why = verify_quote(quote.quote, candidates + [c for c in chunks if c not in candidates])
            if found:
                evidence.append(found)
            else:
                flags.append(f"Dropped a quote the model gave that is {why}: \"{quote.quote[:120]}\"")
        draft = draft.model_copy(update={
            "summary": reply.summary,
            "strengths": reply.strengths,
            "gaps": [f"{g.text} ({g.severity})" for g in reply.gaps],
            "questions_for_member": reply.questions_for_member,
            "good_practice": reply.good_practice,
            "commentary": reply.commentary.strip(),
            "evidence": evidence,
            "flags": draft.flags + flags,
        })
        if not question.graded:
            return draft
        assessment = "\n".join(
            [reply.commentary, "Gaps noted:"] + [f"- {g.text} ({g.severity})" for g in reply.gaps]
            + [f"Verified quotes from the report: {len(evidence)}"]
        )
        try:
            result = self.grade(
                question, assessment, member, year, little_evidence=thin or not evidence, precedents=draft.precedents
            )
        except LLMError as exc:
            draft.flags.append(f"Grading failed; grade this question by hand. ({exc})")
            return draft
        return draft.model_copy(update={
            "suggested_grade": result.grade,
            "grade_rationale": " ".join([result.rationale] + result.notes).strip(),
            "confidence": result.confidence,
        })

    def overall_remarks(self, member: str, year: int | None, drafts: list[QuestionDraft]) -> str:
        summaries = "\n".join(
            f"Q{d.number} ({d.suggested_grade.value if d.suggested_grade else 'ungraded'}): {d.summary or d.commentary[:300]}"
            for d in drafts
        )
        try:
            reply = self.client.structured(
                self._messages("letter_opening", member=member or "the member", year=year or "", summaries=summaries), RemarksReply
            )
        except LLMError:
            return ""
        return reply.remarks.strip()

    def draft_letter(
        self,
        doc_id: str,
        member: str = "",
        year: int | None = None,
        numbers: list[int] | None = None,
        progress: ProgressCallback | None = None,
    ) -> LetterDraft:
        numbers = numbers if numbers is not None else [q.number for q in self.framework.questions]
        total = len(numbers) + 1
        drafts = []
        for done, number in enumerate(numbers):
            if progress:
                progress(done, total, f"question {number}")
            drafts.append(self.draft_question(number, doc_id, member, year))
        if progress:
            progress(len(numbers), total, "overall remarks")
        graded = [d for d in drafts if self.framework.question(d.number).graded]
        opening_draft = next((d for d in drafts if not self.framework.question(d.number).graded), None)
        letter = LetterDraft(
            member=member,
            report_year=year,
            framework_id=self.framework.id,
            source=doc_id,
            opening=self.overall_remarks(member, year, graded),
            opening_statement=opening_draft.commentary if opening_draft else "",
            questions=graded,
        )
        if progress:
            progress(total, total, "done")
        return letter
