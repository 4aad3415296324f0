"""Agreement with the panel over real use (review/agreement.py, `panel-assistant eval --reviews`), on a store of
finalised reviews made here."""

from assistant.models import Grade
from assistant.pipeline import Pipeline

from .conftest import SAMPLE_REPORT
from .fakes import FakeChatClient


def finalised_review(settings):
    pipeline = Pipeline(settings.model_copy(update={"draft_mode": "assessment"}), client=FakeChatClient())
    result = pipeline.ingest(SAMPLE_REPORT)
    review = pipeline.review_for(result, user="alice")
    pipeline.draft(review, [q.number for q in pipeline.framework.questions], user="alice")
    review = pipeline.reviews.get(review.id)
    q1 = review.suggestion(1).draft.assessment
    flipped = next(p for p in q1.points if p.status == "missing")
    pipeline.reviews.set_lead(review.id, "alice")
    pipeline.reviews.save_edit(review.id, "alice", 1, points={flipped.guidance: "addressed"})
    assistant_q3 = review.suggestion(3).draft.suggested_grade
    other = Grade.FM if assistant_q3 != Grade.FM else Grade.NM
    pipeline.reviews.save_edit(review.id, "alice", 3, grade=other)
    pipeline.finalise(pipeline.reviews.get(review.id), "alice")
    return pipeline, flipped.guidance


def test_each_finalised_review_is_a_case(settings):
    pipeline, flipped = finalised_review(settings)
    metrics = pipeline.agreement()
    assert metrics["reviews"] == 1
    assert metrics["per_point"][flipped] == {"n": 1, "agreement": 0.0}
    others = [v["agreement"] for g, v in metrics["per_point"].items() if g != flipped]
    assert others and all(a == 1.0 for a in others)
    assert metrics["per_question"]["3"]["agreement"] == 0.0 and metrics["per_question"]["4"]["agreement"] == 1.0
    assert sum(map(sum, metrics["grades"]["confusion"])) == len(metrics["per_question"]) * 1
    assert list(metrics["per_month"]) == [pipeline.reviews.get(1).final.finalised_at[:7]]


def test_an_open_review_is_no_case(settings):
    pipeline = Pipeline(settings.model_copy(update={"draft_mode": "assessment"}), client=FakeChatClient())
    review = pipeline.review_for(pipeline.ingest(SAMPLE_REPORT), user="alice")
    pipeline.draft(review, [1], user="alice")
    assert pipeline.agreement()["reviews"] == 0


def test_eval_reviews_writes_its_report_in_the_data_folder(settings, monkeypatch, capsys):
    from assistant import settings as settings_module
    from assistant.cli import main

    _, flipped = finalised_review(settings)
    monkeypatch.setattr(settings_module, "get_settings", lambda: settings)
    monkeypatch.setattr("assistant.evaluate.get_settings", lambda: settings)
    assert main(["eval", "--reviews"]) == 0
    report = settings.data_dir / "evaluation" / "report.html"
    html = report.read_text(encoding="utf-8")
    assert "Agreement with the panel" in html and flipped in html
    assert "1 finalised reviews" in capsys.readouterr().out
