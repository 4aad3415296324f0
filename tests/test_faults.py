"""A backend that fails in the middle of a letter: it hangs, answers 500, or returns garbage. The letter is still
drafted, each call within its deadline; the questions the model failed on say so and keep the rubric's grade; what
was drafted before the fault, and the member's edits, stay in the review. Drafted against a real HTTP server on
loopback (tests/fake_openai.py) through the product's own client. Timings: tests/fault_benchmark.py."""

from __future__ import annotations

import json
import time

import pytest

from assistant.judging.drafting import MODEL_NOT_ASKED, MODEL_TIMED_OUT, model_failed
from assistant.judging.llm import OpenAIChatClient
from assistant.pipeline import ASSESSMENT_BACKEND, Pipeline

from .conftest import SAMPLE_REPORT
from .fake_openai import FAULTS, FakeOpenAIServer, fault_after
from .test_ui import scripted

TIMEOUT_S = 2.0
GOOD_ANSWERS = 2  # questions 0 and 1 are drafted by the model, then the backend breaks


def good(body: dict) -> str:
    return json.dumps(scripted(body["messages"]))


@pytest.fixture
def pipeline(settings):
    return Pipeline(settings.model_copy(update={"draft_mode": "llm", "llm_timeout_s": TIMEOUT_S}))


def client_for(server: FakeOpenAIServer) -> OpenAIChatClient:
    return OpenAIChatClient(server.url, "tiny", timeout_s=TIMEOUT_S, retries=1, transport_retries=1)


def calls_bound(questions: int, client: OpenAIChatClient) -> float:
    """The longest a letter may take when every call runs to its deadline: a question's call and its retries for
    invalid output each have the whole deadline, the remarks one more call; transport retries share their call's."""
    per_question = (client.retries + 1) * client.timeout_s
    return (questions + 1) * per_question


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_backend_failing_mid_letter_loses_nothing(pipeline, fault):
    report = pipeline.ingest(SAMPLE_REPORT)
    review = pipeline.reviews.open(report.doc_id, pipeline.framework.id, user="alice", source=report.source,
                                   member=report.member, year=report.year)
    assessments = {a.number: a for a in pipeline.assess(report.doc_id, report.member)}
    pipeline.reviews.save_edit(review.id, "alice", 4, commentary="Alice's own words on question 4.")
    server = FakeOpenAIServer(fault_after(good, GOOD_ANSWERS, FAULTS[fault]))
    client = client_for(server)
    try:
        started = time.monotonic()
        letter = pipeline.draft_letter(report.doc_id, report.member, report.year, mode="llm", client=client,
                                       user="alice", source=report.source)
        elapsed = time.monotonic() - started
    finally:
        server.close()
    numbers = [q.number for q in pipeline.framework.questions]
    drafts = {q.number: q for q in letter.questions}
    assert set(drafts) == set(numbers) - {0}  # the opening statement goes into the letter's opening
    # Every call ended at its deadline at the latest (generous slack for a loaded machine; the figures are in the
    # benchmark).
    assert elapsed < calls_bound(len(numbers), client) + 30
    stored = pipeline.reviews.get(review.id)
    for number in numbers:
        model_draft = stored.suggestion(number, client.description)
        fallback = stored.suggestion(number, ASSESSMENT_BACKEND)
        if number < GOOD_ANSWERS:
            assert model_draft and model_draft.draft.mode == "llm" and not model_failed(model_draft.draft)
        else:
            assert model_draft is None and fallback is not None, number
            draft = fallback.draft
            assert model_failed(draft), (number, draft.flags)
            assert draft.suggested_grade == assessments[number].grade  # the rubric's grade stands
            assert draft.commentary == assessments[number].commentary
    assert all(model_failed(drafts[n]) for n in drafts if n >= GOOD_ANSWERS)
    assert stored.edit("alice", 4).commentary == "Alice's own words on question 4."
    if fault == "hang":
        # One question waits out the deadline; the model is not asked again for this letter.
        timed_out = [n for n in drafts if model_failed(drafts[n]).startswith(MODEL_TIMED_OUT)]
        assert len(timed_out) == 1 and f"within {TIMEOUT_S:g} s" in model_failed(drafts[timed_out[0]])
        assert all(model_failed(drafts[n]).startswith(MODEL_NOT_ASKED) for n in drafts if n > timed_out[0])


def test_a_later_failure_keeps_the_earlier_model_drafts(pipeline):
    """Drafting again against a backend that has since broken does not displace what it wrote before."""
    report = pipeline.ingest(SAMPLE_REPORT)
    working = FakeOpenAIServer(good)
    try:
        first = pipeline.draft_letter(report.doc_id, report.member, report.year, mode="llm", client=client_for(working))
    finally:
        working.close()
    broken = FakeOpenAIServer(lambda body: 500)
    client = client_for(broken)
    client.description = first.questions[0].model  # the same backend, now failing
    try:
        again = pipeline.draft_letter(report.doc_id, report.member, report.year, mode="llm", client=client)
    finally:
        broken.close()
    assert all(model_failed(q) for q in again.questions)
    review = pipeline.reviews.find(report.doc_id, pipeline.framework.id)
    for question in first.questions:
        kept = review.suggestion(question.number, client.description)
        assert kept is not None and kept.draft.mode == "llm" and kept.draft.commentary == question.commentary
