"""What a reader notices first: a cover's line is no answer, a chapter's signposts and a table's flattened rows are
never quoted, the commentary names each topic once and opens on the report, and a sentence backs only a point it
speaks to. Reports are written to files, ingested and assessed as in tests/test_drafting.py."""

import re

import pytest

from assistant.models import Grade
from assistant.pipeline import Pipeline
from tests.fakes import FakeChatClient

from .conftest import SAMPLE_REPORT
from .test_drafting import THEMATIC_COMPLAINTS, THEMATIC_PEOPLE, assess_text

THEMATIC_IMPACT = (
    "## What changed for families\n\n"
    "An independent evaluation by the University of Lusaka followed 420 families we represented in 2023: 61% "
    "still lived in their homes a year later, against 23% of families without legal help. We presented the findings "
    "to the housing committees in six settlements, who confirmed them and asked us to follow tenants as well. "
    "The evaluation cost USD 18,000, paid from our core budget.\n\n"
)


@pytest.fixture
def pipeline(settings):
    return Pipeline(settings, client=FakeChatClient())


def test_a_stray_numbered_line_is_no_section_and_leaves_the_question_to_its_chapters(pipeline, tmp_path):
    """A cover's reporting period set as a heading ('## 1 January - 31 December 2023') was tagged as question 1's
    heading: Q1 was 'found by section', with two lines of address for an answer (NM), and kept from the chapter on
    what changed for families."""
    assessed = assess_text(pipeline, tmp_path / "cover-trust_2023_report.md",
                           "# Cover Trust accountability report 2023\n\n## 1 January - 31 December 2023\n\n"
                           "Lusaka, Zambia\n\n" + THEMATIC_IMPACT + THEMATIC_COMPLAINTS + THEMATIC_PEOPLE)
    q1 = assessed[1]
    assert q1.located_by == "search" and q1.answered and q1.grade != Grade.NM
    passages = {c.id: c for c in pipeline.index.chunks(doc_id=q1.doc_id)}
    assert {passages[i].section for i in q1.passages} == {"What changed for families"}


def test_a_chapters_signposts_are_neither_evidence_nor_quoted(pipeline, tmp_path):
    signposts = ["This chapter describes our most significant achievements in 2023 under the three pillars of our "
                 "strategy.", "Three lessons stand out."]
    q1 = assess_text(pipeline, tmp_path / "signpost-aid_2023_report.md",
                     "# Signpost Aid accountability report 2023\n\n## 1. Our achievements and impact\n\n"
                     f"{signposts[0]} We trained 1,320 community health workers in 14 districts, and 86% of them "
                     "passed the provincial certification exam. An independent evaluation by the University of Ghana "
                     f"found that child visits rose by 40%.\n\n{signposts[1]} First, partners must be in the design "
                     "from the start. Second, the districts that kept their coaches kept their results.\n")[1]
    quoted = [e.quote for p in q1.points for e in p.evidence] + [f.evidence.quote for f in q1.features]
    assert quoted and not set(signposts) & set(quoted)
    assert not any(s in q1.commentary for s in signposts)


def test_a_table_is_cited_with_a_row_in_words_never_quoted_as_prose(pipeline, tmp_path):
    q3 = assess_text(pipeline, tmp_path / "table-aid_2023_report.md",
                     "# Table Aid accountability report 2023\n\n## 3. Complaints, grievances and learning\n\n"
                     "| Type of complaint or concern | Received | Resolved | Still open |\n|---|---|---|---|\n"
                     "| Delays and not being kept informed | 27 | 24 | 3 |\n| Refusal to take a case | 13 | 13 | 0 |\n"
                     "| Total | 40 | 37 | 3 |\n\nAs a result of the complaints about delays, every client now receives an "
                     "SMS when their case moves. All staff completed safeguarding training in 2023.\n")[3]
    assert any("Type of complaint" in e.quote for p in q3.points for e in p.evidence)  # shown to the panel to check
    assert "Type of complaint" not in q3.commentary and "27 24 3" not in q3.commentary
    assert "table under ‘3. Complaints, grievances and learning’" in q3.commentary
    assert "‘Total’: 40 received, 37 resolved and 3 still open" in q3.commentary


@pytest.mark.parametrize("number", [1, 2, 3, 4, 5])
def test_the_commentary_opens_on_the_report_and_never_asks_for_what_it_says_was_touched_on(pipeline, number):
    """Every point partly there: no sentence names the report before the one on what it touches on, which must not
    open with 'It mentions'; and what it touches on is not asked for again (both variants, by question number)."""
    report = pipeline.ingest(SAMPLE_REPORT)
    question = pipeline.framework.question(number)
    assessment = next(a for a in pipeline.assess(report.doc_id) if a.number == number)
    for point in assessment.points:
        assessment = pipeline.assessor.with_status(question, assessment, point.guidance, "partly")
    assert not assessment.commentary.startswith("It")
    for point in question.guidance:
        ask = point.ask or point.text.lower()
        assert len(re.findall(re.escape(ask), assessment.commentary)) == 1, (ask, assessment.commentary)


def test_participatory_monitoring_needs_a_sentence_on_monitoring(pipeline, tmp_path):
    """'We sign memoranda of understanding with the ministries' is near participatory monitoring and evaluation by
    topic, within the shared-support margin of its closest point: it backed that point as addressed."""
    memoranda = ("We work closely with the relevant ministries and local authorities, with whom we sign memoranda of "
                 "understanding for all our projects.")

    def monitoring(name: str, text: str):
        q5 = assess_text(pipeline, tmp_path / f"partners-aid_2023_{name}.md",
                         "# Partners Aid accountability report 2023\n\n## 5. External accountability to stakeholders\n\n"
                         "We hold an annual partners' meeting in each country, where we present our strategy and plans "
                         "for the year ahead. We are active members of the humanitarian coordination system in all "
                         f"three countries, and we co-chair the Jordan Cash Working Group. {memoranda} {text}\n")[5]
        return next(p for p in q5.points if p.guidance.startswith("Participatory"))

    point = monitoring("memoranda", "")
    assert memoranda not in [e.quote for e in point.evidence] and point.status == "missing"
    scored = monitoring("scored", "Every six months the village committees score our work, and in 2023 they monitored "
                                  "all 212 distributions with our field teams.")
    assert scored.status != "missing"


def test_a_framework_point_whose_required_words_are_no_regular_expression_is_refused():
    from pydantic import ValidationError

    from assistant.models import GuidancePoint

    with pytest.raises(ValidationError, match="not a regular expression"):
        GuidancePoint(text="Participatory monitoring and evaluation", requires=["(monitor"])
