"""Confidence and triage against the designed cases (eval/confidence.py): the reliability curve, the 'sure' statuses
at the shipped threshold and at the one calibrated on the tuned-on cases, and how many checks a scripted member needs
in the assistant's order, the checklist's and at random. Held-out cases are reported apart."""

from __future__ import annotations

from assistant.judging.confidence import load_rules
from assistant.models import Grade

from .confidence import at_threshold, calibrated_threshold, curve, scored_points, scripted_member


def _split(rows):
    return {"tuned-on": [r for r in rows if r.tuned_on], "held-out": [r for r in rows if not r.tuned_on]}


def test_every_status_says_how_sure_it_is(designed_results):
    """Each point is sure or check, a check with its reason; a grade is provisional exactly while a core point is
    to be checked, and its range holds the grade."""
    for r in designed_results:
        a = r.assessment
        for point in a.points:
            assert point.confidence in ("sure", "check")
            assert point.confidence == "sure" or point.confidence_reason, (r.case, r.number, point.guidance)
        if a.graded:
            assert a.provisional == any(p.core and p.confidence == "check" for p in a.points)
            best, worst = a.grade_range
            assert best.rank <= a.grade.rank <= worst.rank, (r.case, r.number)


def test_no_kind_grade_looks_certain(designed_results):
    """No designed case has an FM or PM that is not provisional where the gold is PS or NM."""
    confident_and_kind = [f"{r.case} Q{r.number}: {r.predicted.value} (gold {r.gold.value})" for r in designed_results
                          if r.gold in (Grade.PS, Grade.NM) and r.predicted in (Grade.FM, Grade.PM)
                          and not r.assessment.provisional]
    assert confident_and_kind == []


def test_reliability(designed_results, pipeline, results):
    rules = load_rules(pipeline.settings.corpus_dir)
    split = {name: scored_points(rows, rules) for name, rows in _split(designed_results).items()}
    calibrated = calibrated_threshold(split["tuned-on"])
    for name, scored in split.items():
        results.put(f"confidence:{name}", {
            "curve": curve(scored),
            "shipped": at_threshold(scored, rules["sure_at"]),
            "calibrated_on_tuned": at_threshold(scored, calibrated),
            "calibrated_threshold": calibrated,
            "points": len(scored),
        })
    assert all(split.values())


def test_scripted_member(designed_results, pipeline, results):
    """A member checks points until every grade is the rubric's on the gold statuses; the assistant's triage order
    must need no more checks than the checklist's, over all cases."""
    assessor, framework = pipeline.assessor, pipeline.framework

    def finish(number, assessment, guidance, status):
        return assessor.with_status(framework.question(number), assessment, guidance, status, user="member")

    by_case = scripted_member([r for r in designed_results if r.assessment is not None], finish)
    totals = {}
    for name, tuned in (("tuned-on", True), ("held-out", False)):
        cases = {c: v for c, v in by_case.items() if v["tuned_on"] == tuned}
        totals[name] = {order: sum(v[order] for v in cases.values()) for order in ("assistant", "checklist", "random")}
    results.put("triage:by-case", by_case)
    results.put("triage:totals", totals)
    assert sum(t["assistant"] for t in totals.values()) <= sum(t["checklist"] for t in totals.values()), totals
