"""Agreement with the panel over real use: every finalised review is an evaluation case. The lead's finalised letter
holds the panel's final point statuses and grades (the gold); the assistant's suggestion for each question is the
prediction. Reported per guidance point, per question, per grade and per month of finalising, so a panel sees after
one round which points the assistant gets wrong for them. Read from the user's own store: nothing is sent or kept
elsewhere."""

from __future__ import annotations

from collections import defaultdict

from ..models import Grade
from .reviews import Review

GRADES = [g.value for g in Grade]


def agreement(reviews: list[Review]) -> dict:
    per_point: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # guidance -> [agreed, n]
    per_question: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # grades agreed
    per_month: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    confusion = [[0] * len(GRADES) for _ in GRADES]  # final (rows) x assistant (columns)
    cases = 0
    for review in reviews:
        final = review.final
        if final is None:
            continue
        cases += 1
        month = final.finalised_at[:7]
        for question in final.letter.questions:
            suggestion = review.suggestion(question.number, final.backend or None)
            if suggestion is None:
                continue
            predicted = suggestion.draft
            if question.assessment and predicted.assessment:
                said = {p.guidance: p.status for p in predicted.assessment.points}
                for point in question.assessment.points:
                    if point.guidance in said:
                        row = per_point[point.guidance]
                        row[0] += said[point.guidance] == point.status
                        row[1] += 1
            if question.suggested_grade and predicted.suggested_grade:
                same = question.suggested_grade == predicted.suggested_grade
                for row in (per_question[question.number], per_month[month]):
                    row[0] += same
                    row[1] += 1
                confusion[GRADES.index(question.suggested_grade.value)][GRADES.index(predicted.suggested_grade.value)] += 1

    def rates(rows: dict) -> dict:
        return {str(key): {"n": n, "agreement": agreed / n} for key, (agreed, n) in sorted(rows.items()) if n}

    return {"reviews": cases, "per_point": rates(per_point), "per_question": rates(per_question),
            "per_month": rates(per_month), "grades": {"labels": GRADES, "confusion": confusion}}
