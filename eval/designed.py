"""The assessment (and a model on top of it) against the designed cases: grades, point statuses and retrieval."""

from __future__ import annotations

import time

from pydantic import BaseModel

from assistant.models import Grade, QuestionAssessment
from assistant.pipeline import Pipeline

from .harness import DesignedCase


class QuestionResult(BaseModel):
    case: str
    number: int
    tuned_on: bool
    gold: Grade | None
    predicted: Grade | None
    points: list[tuple[str, str, str]]  # (guidance, gold status, predicted status)
    seconds: float
    located_by: str
    recall: float | None = None  # share of the gold sections/pages found among the passages read


def assess_case(pipeline: Pipeline, case: DesignedCase) -> list[QuestionResult]:
    report = pipeline.ingest(case.report_path, member=case.member, year=case.report_year)
    start = time.perf_counter()
    assessments = pipeline.assess(report.doc_id, case.member)
    per_question = (time.perf_counter() - start) / max(len(assessments), 1)
    chunks = {c.id: c for c in pipeline.index.chunks(doc_id=report.doc_id)}
    return [_result(case, a, chunks, per_question) for a in assessments if a.number in case.questions]


def _result(case: DesignedCase, assessment: QuestionAssessment, chunks: dict, seconds: float) -> QuestionResult:
    gold = case.questions[assessment.number]
    predicted = {p.guidance: p.status for p in assessment.points}
    read = [chunks[i] for i in assessment.passages if i in chunks]
    wanted = set(gold.pages) if gold.pages else {s.strip().lower() for s in gold.sections}
    found = {c.page for c in read} if gold.pages else {c.section.strip().lower() for c in read}
    recall = len(wanted & found) / len(wanted) if wanted else None
    return QuestionResult(
        case=case.id, number=assessment.number, tuned_on=case.tuned_on, gold=gold.grade, predicted=assessment.grade,
        points=[(p.guidance, p.status, predicted.get(p.guidance, "missing")) for p in gold.points],
        seconds=seconds, located_by=assessment.located_by, recall=recall,
    )


def point_accuracy(results: list[QuestionResult]) -> float:
    pairs = [(g, p) for r in results for _, g, p in r.points]
    return sum(g == p for g, p in pairs) / len(pairs) if pairs else 0.0
