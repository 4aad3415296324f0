"""The assistant against the panel: grades recovered from the panel's own commentary, and drafts compared with the
panel's letter. Fails on regression against the stored baseline for the same backend, never on absolute numbers."""

from __future__ import annotations

import pytest

from assistant.corpus import load_framework, load_letter
from assistant.drafting import GradeResult
from assistant.embeddings import get_embedder
from assistant.models import Grade
from assistant.pipeline import Pipeline
from assistant.prompts import render

from .harness import BOILERPLATE, coverage, load_cases, proxy_report
from .metrics import grade_metrics

CASES = load_cases()
HIGHER_IS_BETTER = {"exact", "within_one", "qwk", "covered", "matched", "faithfulness"}
LOWER_IS_BETTER = {"leniency", "unsupported"}


def check_regression(results, baseline: dict, section: str, slack: float) -> list[str]:
    stored = baseline.get(results.backend, {}).get(section)
    if not stored:
        return []
    current = results.data[section]
    worse = []
    for key, value in current.items():
        if not isinstance(value, (int, float)) or not isinstance(stored.get(key), (int, float)):
            continue
        if key in HIGHER_IS_BETTER and value < stored[key] - slack:
            worse.append(f"{key} {value:.3f} < baseline {stored[key]:.3f}")
        if key in LOWER_IS_BETTER and value > stored[key] + slack:
            worse.append(f"{key} {value:.3f} > baseline {stored[key]:.3f}")
    return worse


@pytest.fixture(scope="session")
def pipeline(eval_settings, chat_client):
    return Pipeline(eval_settings, client=chat_client)


def test_grade_from_panel_commentary(pipeline, results, baseline):
    """The grader sees the panel's own commentary with the grade removed and must recover the panel's grade."""
    gold: list[Grade] = []
    predicted: list[Grade | None] = []
    model_said: list[Grade | None] = []
    for case in CASES:
        letter = load_letter(case.letter_path)
        framework = load_framework(pipeline.settings.corpus_dir, case.framework)
        for number, gold_question in case.gold.items():
            feedback = letter.feedback(number)
            if gold_question.grade is None or feedback is None:
                continue
            try:
                result: GradeResult | None = pipeline.drafter.grade(
                    framework.question(number), feedback.commentary, case.member, case.report_year
                )
            except Exception as exc:  # an invalid answer counts as a miss, not a crash of the suite
                result = None
                print(f"{case.id} Q{number}: grading failed: {exc}")
            gold.append(gold_question.grade)
            predicted.append(result.grade if result else None)
            model_said.append(result.model_grade if result else None)
    metrics = grade_metrics(gold, predicted)
    majority = max(set(gold), key=gold.count)
    results.put("grade_from_commentary", {
        **metrics,
        "gold": [g.value for g in gold],
        "predicted": [p.value if p else None for p in predicted],
        "model_before_guard": [p.value if p else None for p in model_said],
        "majority_baseline_exact": grade_metrics(gold, [majority] * len(gold))["exact"],
        "model_before_guard_exact": grade_metrics(gold, model_said)["exact"],
    })
    worse = check_regression(results, baseline, "grade_from_commentary", slack=1 / max(len(gold), 1) + 1e-9)
    assert not worse, worse


def _judge(judge, gold_points: list[str], draft: str, prompts_dir) -> float:
    from pydantic import BaseModel

    class Judgement(BaseModel):
        covered: list[bool]

    numbered = "\n".join(f"{i}. {p}" for i, p in enumerate(gold_points, 1))
    reply = judge.structured([{"role": "user", "content": render(prompts_dir, "judge_coverage", points=numbered, draft=draft)}], Judgement)
    return sum(reply.covered[: len(gold_points)]) / len(gold_points)


def test_drafts_against_the_panel_letter(pipeline, results, baseline, tmp_path_factory, capable_judge):
    from assistant.points import points

    embedder = get_embedder(pipeline.settings.models_dir)
    drafted, boiler, verified, dropped, judged = [], [], 0, 0, []
    proxy_cases = []
    for case in CASES:
        letter = load_letter(case.letter_path)
        if case.report_path:
            report_path = case.report_path
        else:
            proxy_cases.append(case.id)
            report_path = tmp_path_factory.mktemp("proxy") / f"{case.id}_{case.report_year}_proxy.md"
            report_path.write_text(proxy_report(letter))
        report = pipeline.ingest(report_path, member=case.member, year=case.report_year)
        report_text = " ".join(c.text for c in pipeline.index.chunks(doc_id=report.doc_id))
        for number in case.gold:
            feedback = letter.feedback(number)
            draft = pipeline.draft_question(number, report.doc_id, case.member, case.report_year)
            verified += len(draft.evidence)
            dropped += sum(flag.startswith("Dropped a quote") for flag in draft.flags)
            drafted.append(coverage(feedback.commentary, draft.commentary, report_text, embedder))
            boiler.append(coverage(feedback.commentary, BOILERPLATE, report_text, embedder))
            gold_points = [p.text for p in points(feedback.commentary) if p.kind != "observation"]
            if capable_judge and gold_points and draft.commentary:
                judged.append(_judge(capable_judge, gold_points, draft.commentary, pipeline.settings.prompts_dir))

    def mean(rows, key):
        return sum(r[key] for r in rows) / len(rows) if rows else 0.0

    results.put("draft_vs_letter", {
        "covered": mean(drafted, "covered"),
        "matched": mean(drafted, "matched"),
        "unsupported": mean(drafted, "unsupported"),
        "boilerplate_covered": mean(boiler, "covered"),
        "boilerplate_matched": mean(boiler, "matched"),
        "faithfulness": verified / (verified + dropped) if verified + dropped else "n/a (no quotes offered)",
        "quotes_verified": verified,
        "quotes_dropped": dropped,
        "llm_judge_covered": sum(judged) / len(judged) if judged else "n/a (needs --backend)",
        "proxy_reports": proxy_cases or "none",
        "note": "drafts made from a proxy report (what the letter says the report contains): a weaker test than the real report"
        if proxy_cases else "",
    })
    worse = check_regression(results, baseline, "draft_vs_letter", slack=0.1)
    assert not worse, worse
