"""How sure each status and grade is. The assessment reads words, not substance, so the panel is told where a
status rests on little: near a threshold, decided by a cue word, the framework's words with no figure or name,
outputs counted as results, a report's admission beside it, or a chapter filed by a guess. Such a status is
`check`; the others are `sure`. The rules and their thresholds are data (corpus/assessment/confidence.json),
calibrated on the tuned-on cases only (eval/README.md gives the held-out figures).

A grade is provisional while any core point is `check`; its range is what the rubric gives with every `check`
point missing and with every one addressed (the rubric is monotone, so two calls bound it)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from string import Template

import numpy as np

from ..models import Grade, PointAssessment, PointStatus, Rubric


def point_signals(status: PointStatus, row: np.ndarray, candidates: list[int], support: list[int], strong: list[int],
                  detail: dict[int, int | None], texts: Sequence[str], specific: Sequence[bool], admitted: list[int],
                  cued: Callable[[int], bool], rubric: Rubric, patterns: dict[str, list[re.Pattern]]) -> dict[str, float]:
    """What one point's status rests on. `candidates`: the sentences that speak to this point most (admissions
    aside), best first; `support`, `strong`, `detail`: those that support it, clear the addressed threshold, and
    the concrete detail beside each (see Assessor._point); `admitted`: admissions that speak to it."""
    addressed_at, partly_at = rubric.addressed_similarity, rubric.partly_similarity
    backed = [i for i in strong if detail.get(i) is not None]
    if status == "addressed":
        deciding = backed[0]
        margin = float(row[deciding]) - addressed_at
    elif status == "partly":
        deciding = support[0]
        # A strong sentence without a detail beside it is one figure away from addressed.
        margin = min(float(row[deciding]) - partly_at, 0.0 if strong else addressed_at - float(row[deciding]))
    else:
        deciding = candidates[0] if candidates else None
        margin = partly_at - float(row[deciding]) if deciding is not None else 1.0
    used = sorted({*support[:3], *(j for i in backed[:2] if (j := detail[i]) is not None)})
    cue_decided = deciding is not None and cued(deciding) and (
        (status != "missing" and float(row[deciding]) - rubric.cue_bonus < (addressed_at if status == "addressed" else partly_at))
        or (status == "missing" and float(row[deciding]) - rubric.cue_bonus < partly_at <= float(row[deciding])))

    def matches(kind: str, i: int) -> bool:
        return any(p.search(texts[i]) for p in patterns.get(kind, []))

    outputs = bool(used) and any(matches("output", i) for i in used) and not any(matches("outcome", i) for i in used)
    return {
        "margin": round(margin, 3),
        "cue_decided": float(cue_decided),
        "specific": float(any(specific[i] for i in used)) if used else 0.0,
        "outputs_only": float(outputs),
        "admitted": float(bool(admitted) and float(row[admitted[0]]) >= partly_at),
        "support": float(len(support)),
    }


@lru_cache
def load_rules(corpus_dir: Path) -> dict:
    return json.loads((Path(corpus_dir) / "assessment" / "confidence.json").read_text(encoding="utf-8"))


def certainty(point: PointAssessment, located_by: str, rules: dict) -> tuple[float, str]:
    """How far the status is from changing, less its warning signs, and the first warning sign in words."""
    signals = point.signals
    if not signals:  # assessed before signals were kept
        return float("-inf"), rules["reasons"]["near"]
    value = min(signals["margin"], rules["margin_cap"]) + rules["support_weight"] * min(signals["support"],
                                                                                        rules["support_cap"])
    found = point.status != "missing"
    warnings = [name for name, on in (
        ("guess", located_by == "search"),
        ("not_specific", found and not signals["specific"]),
        ("outputs_only", found and signals["outputs_only"]),
        ("cue_decided", signals["cue_decided"]),
        ("admitted", found and signals["admitted"]),
    ) if on]
    value -= sum(rules["penalties"][name] for name in warnings)
    value -= {"partly": rules["partly_penalty"], "missing": rules["missing_penalty"]}.get(point.status, 0.0)
    reason = warnings[0] if warnings else point.status if point.status != "addressed" else "near"
    return value, rules["reasons"][reason]


def with_confidence(point: PointAssessment, located_by: str, rules: dict) -> PointAssessment:
    if point.edited_by:  # a panel member's status is the check
        return point.model_copy(update={"confidence": "sure", "confidence_reason": rules["reasons"]["edited"].replace(
            "$user", point.edited_by)})
    value, reason = certainty(point, located_by, rules)
    sure = rules["sure_at"] is not None and value >= rules["sure_at"]
    return point.model_copy(update={"confidence": "sure" if sure else "check", "confidence_reason": "" if sure else reason})


def unsure_set(points: Sequence[PointAssessment], status: PointStatus) -> list[PointAssessment]:
    """The points with every `check` status set to `status`: the rubric's best or worst case."""
    return [p.model_copy(update={"status": status}) if p.confidence == "check" else p for p in points]


def triage_key(point: PointAssessment, moves_grade: bool, located_by: str, rules: dict) -> tuple:
    """Points to check first: those whose flip alone would move the grade; then by status (`check_first`: a missing
    status is the most often wrong), core points first, the least certain first."""
    return (point.confidence == "sure", not moves_grade, rules["check_first"].index(point.status), not point.core,
            certainty(point, located_by, rules)[0])


def grade_confidence(points: Sequence[PointAssessment], grade: Grade, grade_of: Callable[[list[PointAssessment]], Grade],
                     located_by: str, rules: dict, phrases: dict) -> dict:
    """How sure the grade is: provisional while a core point is to be checked; its range over the points to check
    (two rubric calls, the rubric being monotone), in words; and those points in the order to check them."""
    points = list(points)
    best, worst = grade_of(unsure_set(points, "addressed")), grade_of(unsure_set(points, "missing"))

    def flipped(i: int, status: PointStatus) -> Grade:
        return grade_of([p.model_copy(update={"status": status}) if j == i else p for j, p in enumerate(points)])

    # Each point to check, once missing and once addressed: two rubric calls a point.
    if_missing = {i: flipped(i, "missing") for i, p in enumerate(points) if p.confidence == "check"}
    moves = {i: if_missing[i] != grade or flipped(i, "addressed") != grade for i in if_missing}
    order = sorted(moves, key=lambda i: triage_key(points[i], moves[i], located_by, rules))
    note = ""
    if best != worst:
        worse = [i for i in order if if_missing[i] != grade][:2]
        detail = Template(phrases["if_missing"]).substitute(
            worse=if_missing[worse[0]].value, points=" or ".join(f"‘{points[i].guidance}’" for i in worse)
        ) if worse else ""
        note = Template(phrases["range"]).substitute(grade=grade.value, worst=worst.value, best=best.value, detail=detail)
    return {"provisional": any(p.core and p.confidence == "check" for p in points), "grade_range": [best, worst],
            "grade_note": note, "to_check": [points[i].guidance for i in order],
            "grade_moving": [points[i].guidance for i in order if moves[i]]}
