"""The assessment (and a model on top of it) against the designed cases: grades, point statuses and retrieval."""

from __future__ import annotations

import time

from pydantic import BaseModel

from assistant.models import Grade, QuestionAssessment
from assistant.pipeline import Pipeline

from .harness import DesignedCase

RECALL_AT = (1, 3, 5, 10)  # passages retrieved for a question's own text


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
    recall_at_k: dict[int, float] = {}  # the same among the top k passages a search for the question returns
    checked: Grade | None = None  # the rubric's grade once every point has its gold status (a panel member's check)
    assessment: QuestionAssessment | None = None  # the assessment itself, for its confidence and triage order


def assess_case(pipeline: Pipeline, case: DesignedCase) -> list[QuestionResult]:
    report = pipeline.ingest(case.report_path, member=case.member, year=case.report_year)
    start = time.perf_counter()
    assessments = pipeline.assess(report.doc_id, case.member)
    per_question = (time.perf_counter() - start) / max(len(assessments), 1)
    chunks = {c.id: c for c in pipeline.index.chunks(doc_id=report.doc_id)}
    results = []
    for assessment in assessments:
        if assessment.number not in case.questions:
            continue
        question = pipeline.framework.question(assessment.number)
        ranked = [hit.chunk for hit in pipeline.index.search(question.text, doc_id=report.doc_id, k=max(RECALL_AT))]
        result = _result(case, assessment, chunks, ranked, per_question)
        gold = {p.guidance: p.status for p in case.questions[assessment.number].points}
        checked = assessment.model_copy(update={"points": [
            p.model_copy(update={"status": gold.get(p.guidance, p.status)}) for p in assessment.points]})
        results.append(result.model_copy(update={"checked": pipeline.assessor.finish(question, checked).grade,
                                                 "assessment": assessment}))
    return results


def _recall(gold, passages) -> float | None:
    wanted = set(gold.pages) if gold.pages else {s.strip().lower() for s in gold.sections}
    found = {c.page for c in passages} if gold.pages else {c.section.strip().lower() for c in passages}
    return len(wanted & found) / len(wanted) if wanted else None


def _result(case: DesignedCase, assessment: QuestionAssessment, chunks: dict, ranked: list, seconds: float) -> QuestionResult:
    gold = case.questions[assessment.number]
    predicted = {p.guidance: p.status for p in assessment.points}
    read = [chunks[i] for i in assessment.passages if i in chunks]
    at_k = {k: _recall(gold, ranked[:k]) for k in RECALL_AT}
    return QuestionResult(
        case=case.id, number=assessment.number, tuned_on=case.tuned_on, gold=gold.grade, predicted=assessment.grade,
        points=[(p.guidance, p.status, predicted.get(p.guidance, "missing")) for p in gold.points],
        seconds=seconds, located_by=assessment.located_by, recall=_recall(gold, read),
        recall_at_k={k: v for k, v in at_k.items() if v is not None},
    )


def point_accuracy(results: list[QuestionResult]) -> float:
    pairs = [(g, p) for r in results for _, g, p in r.points]
    return sum(g == p for g, p in pairs) / len(pairs) if pairs else 0.0


def point_breakdown(results: list[QuestionResult]) -> tuple[dict, dict]:
    """Point-status accuracy per gold status (with the gold x assessed confusion) and per case."""
    statuses = ["addressed", "partly", "missing"]
    matrix = [[0] * 3 for _ in statuses]
    by_case: dict[str, dict] = {}
    for r in results:
        for _, gold, predicted in r.points:
            if gold in statuses and predicted in statuses:
                matrix[statuses.index(gold)][statuses.index(predicted)] += 1
        row = by_case.setdefault(r.case, {"tuned_on": r.tuned_on, "n": 0, "right": 0})
        row["n"] += len(r.points)
        row["right"] += sum(g == p for _, g, p in r.points)
    by_status = {s: {"n": sum(matrix[i]), "accuracy": matrix[i][i] / sum(matrix[i]) if sum(matrix[i]) else 0.0}
                 for i, s in enumerate(statuses)}
    cases = {c: {"tuned_on": v["tuned_on"], "n": v["n"], "accuracy": v["right"] / v["n"] if v["n"] else 0.0}
             for c, v in by_case.items()}
    return {**by_status, "confusion": matrix}, cases
