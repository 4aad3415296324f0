"""How well the assessment knows what it doesn't know: accuracy against coverage of its point statuses, ranked by
certainty (assistant/judging/confidence.py), and a scripted panel member who checks points in the assistant's
triage order, the checklist's order or at random, until every grade is the one the rubric gives on the gold
statuses."""

from __future__ import annotations

import random
from collections.abc import Callable

from assistant.judging.confidence import certainty
from assistant.models import QuestionAssessment

from .designed import QuestionResult

COVERAGES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
RANDOM_ORDERS = 20
TARGET_PRECISION = 0.9


def scored_points(rows: list[QuestionResult], rules: dict) -> list[tuple[float, bool, str]]:
    """(certainty, right, confidence) of every assessed point that has a gold status."""
    out = []
    for r in rows:
        if r.assessment is None:
            continue
        gold = {g: s for g, s, _ in r.points}
        for point in r.assessment.points:
            if point.guidance in gold:
                value = certainty(point, r.assessment.located_by, rules)[0]
                out.append((value, point.status == gold[point.guidance], point.confidence))
    return out


def curve(scored: list[tuple[float, bool, str]]) -> list[tuple[float, float]]:
    """Accuracy of the most certain statuses at each coverage."""
    ranked = sorted(scored, key=lambda s: -s[0])
    points = []
    for coverage in COVERAGES:
        k = max(1, round(coverage * len(ranked)))
        points.append((coverage, sum(right for _, right, _ in ranked[:k]) / k))
    return points if ranked else []


def calibrated_threshold(scored: list[tuple[float, bool, str]], precision: float = TARGET_PRECISION) -> float | None:
    """The lowest certainty at which the statuses at or above it are right at least `precision` of the time."""
    best = None
    for value in sorted({s[0] for s in scored}, reverse=True):
        kept = [right for v, right, _ in scored if v >= value]
        if sum(kept) / len(kept) >= precision:
            best = value
    return best


def at_threshold(scored: list[tuple[float, bool, str]], threshold: float | None) -> dict:
    kept = [right for v, right, _ in scored if threshold is not None and v >= threshold]
    return {"coverage": len(kept) / len(scored) if scored else 0.0,
            "accuracy": sum(kept) / len(kept) if kept else None, "n": len(kept)}


def checks_needed(rows: list[QuestionResult], finish: Callable, pick: Callable) -> int:
    """How many points a member checks (sets to its gold status) until every graded question's grade equals the
    rubric's grade on the gold statuses. `pick(state, checked)` gives the next (number, guidance)."""
    state = {r.number: r.assessment for r in rows if r.assessment is not None and r.gold is not None}
    target = {r.number: r.checked for r in rows if r.number in state}
    gold = {(r.number, g): s for r in rows if r.number in state for g, s, _ in r.points}
    checked: set[tuple[int, str]] = set()
    total = sum(len(a.points) for a in state.values())
    while any(state[n].grade != target[n] for n in state) and len(checked) < total:
        number, guidance = pick(state, checked)
        checked.add((number, guidance))
        point = next(p for p in state[number].points if p.guidance == guidance)
        state[number] = finish(number, state[number], guidance, gold.get((number, guidance), point.status))
    return len(checked)


def triage_pick(state: dict[int, QuestionAssessment], checked: set) -> tuple[int, str]:
    """The assistant's order, as verify mode shows it, recomputed after every check: a point whose flip alone moves a
    grade, then the other points to check, then the rest in the checklist's order."""
    for key in ("grade_moving", "to_check"):
        for number in sorted(state):
            for guidance in getattr(state[number], key):
                if (number, guidance) not in checked:
                    return number, guidance
    return checklist_pick(state, checked)


def checklist_pick(state: dict[int, QuestionAssessment], checked: set) -> tuple[int, str]:
    return next((n, p.guidance) for n in sorted(state) for p in state[n].points if (n, p.guidance) not in checked)


def random_pick(seed: int) -> Callable:
    order: list[tuple[int, str]] = []

    def pick(state: dict[int, QuestionAssessment], checked: set) -> tuple[int, str]:
        if not order:
            order.extend((n, p.guidance) for n in sorted(state) for p in state[n].points)
            random.Random(seed).shuffle(order)
        return next(item for item in order if item not in checked)

    return pick


def scripted_member(rows: list[QuestionResult], finish: Callable) -> dict:
    """Checks per case in each order (random: the mean over RANDOM_ORDERS shuffles)."""
    by_case: dict[str, list[QuestionResult]] = {}
    for r in rows:
        by_case.setdefault(r.case, []).append(r)
    out = {}
    for case, case_rows in by_case.items():
        randoms = [checks_needed(case_rows, finish, random_pick(seed)) for seed in range(RANDOM_ORDERS)]
        out[case] = {"tuned_on": case_rows[0].tuned_on,
                     "assistant": checks_needed(case_rows, finish, triage_pick),
                     "checklist": checks_needed(case_rows, finish, checklist_pick),
                     "random": sum(randoms) / len(randoms),
                     "points": sum(len(r.assessment.points) for r in case_rows if r.assessment and r.gold)}
    return out
