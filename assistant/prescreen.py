"""The secretariat's pre-screen: per question, is it answered, where, with how much evidence, and which guidance
points seem missing. No LLM: headings, retrieval and embedding similarity only, so it runs in seconds."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from .embeddings import get_embedder
from .index import Index
from .ingest import load_ingest_record
from .models import Chunk, Framework, SuspectText
from .points import answer_sentences
from .settings import Settings

# A guidance point counts as covered when some sentence of the answer is this similar to it (cosine, MiniLM).
# A rough cue, not a verdict: on the sample report it agreed with a hand reading for 19 of 31 points.
COVERED_SIMILARITY = 0.40
_FIGURE = re.compile(r"\b\d[\d,.]*%?")


class QuestionScreen(BaseModel):
    number: int
    title: str
    status: str = Field(description="'answered', 'found by search' or 'missing'")
    pages: list[int] = Field(default_factory=list)
    sections: list[str] = Field(default_factory=list)
    passages: int = 0
    words: int = 0
    figures: int = Field(default=0, description="Numbers and percentages quoted: a rough sign of evidence")
    covered_guidance: list[str] = Field(default_factory=list)
    missing_guidance: list[str] = Field(default_factory=list)


class Prescreen(BaseModel):
    doc_id: str
    source: str
    member: str = ""
    year: int | None = None
    questions: list[QuestionScreen]
    suspects: list[SuspectText] = Field(default_factory=list, description="Hidden or injected text kept out")

    @property
    def unanswered(self) -> list[int]:
        return [q.number for q in self.questions if q.status == "missing"]


def prescreen(settings: Settings, index: Index, framework: Framework, doc_id: str) -> Prescreen:
    all_chunks = index.chunks(doc_id=doc_id)
    if not all_chunks:
        raise KeyError(f"no report with id {doc_id} is indexed")
    embedder = get_embedder(settings.models_dir, settings.embedding_batch)
    screens = []
    for question in framework.questions:
        chunks = [c for c in all_chunks if c.question == question.number]
        status = "answered" if chunks else "missing"
        if not chunks:
            hits = index.search(question.text, doc_id=doc_id, k=3)
            chunks = [h.chunk for h in hits if (h.similarity or 0) >= COVERED_SIMILARITY]
            status = "found by search" if chunks else "missing"
        screens.append(_screen(question, chunks, status, embedder))
    first = all_chunks[0]
    record = load_ingest_record(settings, doc_id)
    return Prescreen(doc_id=doc_id, source=first.source, member=first.member, year=first.year, questions=screens,
                     suspects=record.suspects if record else [])


def _screen(question, chunks: list[Chunk], status: str, embedder) -> QuestionScreen:
    covered, missing = [], list(question.guidance_texts)
    answer = [s for c in chunks for s in answer_sentences(c.text)]
    if answer and question.guidance:
        # Sentence level: a whole passage matches everything a little; the heading would match everything a lot.
        best = (embedder.embed(question.guidance_texts) @ embedder.embed(answer).T).max(axis=1)
        covered = [g for g, s in zip(question.guidance_texts, best) if s >= COVERED_SIMILARITY]
        missing = [g for g, s in zip(question.guidance_texts, best) if s < COVERED_SIMILARITY]
    text = " ".join(c.text for c in chunks)
    return QuestionScreen(
        number=question.number,
        title=question.title,
        status=status,
        pages=sorted({c.page for c in chunks if c.page is not None}),
        sections=list(dict.fromkeys(c.section for c in chunks if c.section)),
        passages=len(chunks),
        words=len(text.split()),
        figures=len(_FIGURE.findall(text)),
        covered_guidance=covered,
        missing_guidance=missing,
    )


def as_table(result: Prescreen) -> str:
    rows = [f"Pre-screen of {result.source} ({result.member or '?'}, {result.year or '?'})", ""]
    for q in result.questions:
        where = f"pages {', '.join(map(str, q.pages))}" if q.pages else (q.sections[0][:50] if q.sections else "-")
        rows.append(f"Q{q.number} {q.status:<15} {q.passages:>2} passages {q.words:>5} words {q.figures:>3} figures  {where}")
        for point in q.missing_guidance:
            rows.append(f"      possibly missing: {point}")
    if result.suspects:
        rows += ["", "Suspect text kept out of the index and the prompts:"]
        for suspect in result.suspects:
            where = f"p. {suspect.page}" if suspect.page is not None else "-"
            rows.append(f"  {where:<6} {suspect.kind:<9} {suspect.reason}: \"{suspect.text[:100]}\"")
    return "\n".join(rows)
