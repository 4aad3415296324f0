"""The assessment against the designed cases and the real letter; a model on top of it when --backend names one.

Numbers are reported for all designed cases, for the ones the rubric was tuned on, and for the held-out ones (never
looked at while tuning; see eval/harness.py TUNED_ON), beside the majority baseline. The suite fails on regression
against eval/baseline.json, never on absolute targets.
"""

from __future__ import annotations

import time

import pytest

from assistant.models import Grade
from assistant.pipeline import Pipeline
from assistant.reading.corpus import load_letter
from assistant.reading.points import points
from assistant.search.embeddings import get_embedder

from .designed import (
    RECALL_AT,
    QuestionResult,
    assess_case,
    point_accuracy,
    point_breakdown,
)
from .harness import (
    BOILERPLATE,
    MATCH_SIMILARITY,
    coverage,
    load_cases,
    load_designed_cases,
    proxy_report,
)
from .metrics import grade_metrics

DESIGNED = load_designed_cases()
HIGHER_IS_BETTER = {"exact", "within_one", "qwk", "points", "covered", "asks_covered", "recall"}
LOWER_IS_BETTER = {"leniency", "unsupported"}


def check_regression(results, baseline: dict, section: str, slack: float) -> list[str]:
    stored = baseline.get(results.backend, {}).get(section)
    if not stored:
        return []
    worse = []
    for key, value in results.data[section].items():
        if not isinstance(value, (int, float)) or not isinstance(stored.get(key), (int, float)):
            continue
        if key in HIGHER_IS_BETTER and value < stored[key] - slack:
            worse.append(f"{key} {value:.3f} < baseline {stored[key]:.3f}")
        if key in LOWER_IS_BETTER and value > stored[key] + slack:
            worse.append(f"{key} {value:.3f} > baseline {stored[key]:.3f}")
    return worse


def _summary(rows: list[QuestionResult]) -> dict:
    graded = [r for r in rows if r.gold is not None]
    gold = [r.gold for r in graded]
    metrics = grade_metrics(gold, [r.predicted for r in graded])
    majority = max(set(gold), key=gold.count) if gold else Grade.PM
    return {**metrics, "points": point_accuracy(rows),
            "majority_baseline_exact": grade_metrics(gold, [majority] * len(gold))["exact"],
            "majority_baseline_within_one": grade_metrics(gold, [majority] * len(gold))["within_one"],
            "majority_baseline_qwk": grade_metrics(gold, [majority] * len(gold))["qwk"]}


def test_assessment_against_designed_cases(designed_results, results, baseline):
    sections = {
        "assessment:all": designed_results,
        "assessment:tuned-on": [r for r in designed_results if r.tuned_on],
        "assessment:held-out": [r for r in designed_results if not r.tuned_on],
    }
    for name, rows in sections.items():
        results.put(name, _summary(rows))
    graded = [r for r in designed_results if r.gold is not None]
    results.put("assessment:statuses-checked", grade_metrics([r.gold for r in graded], [r.checked for r in graded]))
    by_status, by_case = point_breakdown(designed_results)
    results.put("points:by-status", by_status)
    results.put("points:by-case", by_case)
    results.put("assessment:per-question", {
        "rows": [f"{r.case} Q{r.number}: gold {r.gold.value if r.gold else '-'} predicted "
                 f"{r.predicted.value if r.predicted else '-'}" for r in designed_results if r.gold],
        "seconds_per_question": sum(r.seconds for r in designed_results) / len(designed_results),
    })
    worse = check_regression(results, baseline, "assessment:all", slack=1 / 35 + 1e-9)
    worse += check_regression(results, baseline, "assessment:statuses-checked", slack=1 / 35 + 1e-9)
    assert not worse, worse


def test_a_second_reader_against_gold(designed_results, results):
    """How far two careful readers agree: a second, blind labelling of every designed case against the gold labels,
    and the assessment against that second reader. A ceiling for the assessment's numbers, not a target."""
    gold, second, assessed = [], [], []
    points_alike, points_assessed = [], []
    by_question = {(r.case, r.number): r for r in designed_results}
    for case in DESIGNED:
        labels = case.second_labels()
        assert labels is not None, f"{case.id} has no second_labels.json"
        for number, question in case.questions.items():
            other = {p.guidance: p.status for p in labels[number].points}
            assert set(other) == {p.guidance for p in question.points}, f"{case.id} Q{number}: points differ"
            ours = {g: s for g, _, s in by_question[(case.id, number)].points}
            points_alike += [other[p.guidance] == p.status for p in question.points]
            points_assessed += [other[p.guidance] == ours[p.guidance] for p in question.points]
            if question.grade is not None:
                gold.append(question.grade)
                second.append(labels[number].grade)
                assessed.append(by_question[(case.id, number)].predicted)
    results.put("labellers:second-vs-gold", {**grade_metrics(gold, second),
                                             "points": sum(points_alike) / len(points_alike)})
    results.put("labellers:assessment-vs-second", {**grade_metrics(second, assessed),
                                                   "points": sum(points_assessed) / len(points_assessed)})


def test_retrieval_recall(designed_results, results, baseline):
    """Share of the labelled sections (or pages) that answer a question among the passages the assessment read,
    separately for reports that follow the framework and thematic ones."""
    by_layout: dict[str, list[QuestionResult]] = {}
    layouts = {c.id: c.layout for c in DESIGNED}
    for r in designed_results:
        if r.recall is not None and r.gold is not None and r.gold != Grade.NM:
            by_layout.setdefault("thematic" if layouts[r.case] == "thematic" else "framework", []).append(r)

    def mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    results.put("retrieval", {
        **{f"recall_{layout}": mean([r.recall for r in rows]) for layout, rows in by_layout.items()},
        "recall_at_k": {layout: {str(k): mean([r.recall_at_k[k] for r in rows if k in r.recall_at_k]) for k in RECALL_AT}
                        for layout, rows in by_layout.items()},
        "rows": [{"case": r.case, "layout": layout, "question": r.number, "located_by": r.located_by,
                  "read": r.recall, "at_k": {str(k): v for k, v in r.recall_at_k.items()}}
                 for layout, rows in by_layout.items() for r in rows],
    })
    assert by_layout


def test_asks_against_the_panel_letter(pipeline, results, baseline, tmp_path_factory):
    """The asks the assessment makes for the proxy report of a real letter, against the panel's own asks."""
    embedder = get_embedder(pipeline.settings.models_dir)
    covered, asked, drafted, boiler = [], 0, [], []
    for case in load_cases():
        letter = load_letter(case.letter_path)
        path = tmp_path_factory.mktemp("proxy") / f"{case.id}_{case.report_year}_proxy.md"
        path.write_text(proxy_report(letter))
        report = pipeline.ingest(path, member=case.member, year=case.report_year)
        text = " ".join(c.text for c in pipeline.index.chunks(doc_id=report.doc_id))
        for assessment in pipeline.assess(report.doc_id, case.member):
            feedback = letter.feedback(assessment.number)
            if feedback is None:
                continue
            panel_asks = [p.text for p in points(feedback.commentary) if p.kind == "request"]
            if panel_asks and assessment.asks:
                similarity = embedder.embed(panel_asks) @ embedder.embed(assessment.asks).T
                covered += list(similarity.max(axis=1) >= MATCH_SIMILARITY - 0.1)
            asked += len(assessment.asks)
            drafted.append(coverage(feedback.commentary, assessment.commentary, text, embedder))
            boiler.append(coverage(feedback.commentary, BOILERPLATE, text, embedder))

    def mean(rows, key):
        return sum(r[key] for r in rows) / len(rows) if rows else 0.0

    results.put("asks_vs_letter", {
        "asks_covered": sum(covered) / len(covered) if covered else 0.0,
        "panel_asks": len(covered), "assistant_asks": asked,
        "covered": mean(drafted, "covered"), "unsupported": mean(drafted, "unsupported"),
        "boilerplate_covered": mean(boiler, "covered"),
        "note": "proxy report built from the letter; asks match at MiniLM cosine >= 0.5",
    })
    worse = check_regression(results, baseline, "asks_vs_letter", slack=0.1)
    assert not worse, worse


def test_a_model_on_top_of_the_assessment(request, pipeline, results):
    """Only with --backend: the same designed questions drafted by each model on top of the assessment."""
    from .conftest import backend_clients

    clients = backend_clients(request.config)
    if not clients:
        pytest.skip("no --backend given: the model-on-top row needs a capable OpenAI-compatible backend")
    for label, client in clients.items():
        gold, predicted, seconds = [], [], []
        for case in DESIGNED:
            report = pipeline.ingest(case.report_path, member=case.member, year=case.report_year)
            for number, question in case.questions.items():
                if question.grade is None:
                    continue
                start = time.perf_counter()
                draft = pipeline.draft_question(number, report.doc_id, case.member, case.report_year, mode="llm",
                                                client=client)
                seconds.append(time.perf_counter() - start)
                gold.append(question.grade)
                predicted.append(draft.suggested_grade)
        results.put(label, {**grade_metrics(gold, predicted), "seconds_per_question": sum(seconds) / len(seconds)})
