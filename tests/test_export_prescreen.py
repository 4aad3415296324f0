import json

import docx
import pytest

from assistant.cli import main
from assistant.models import Grade, LetterDraft, QuestionDraft
from assistant.pipeline import Pipeline
from tests.fakes import FakeChatClient

from .conftest import SAMPLE_REPORT, make_pdf


@pytest.fixture
def pipeline(settings):
    return Pipeline(settings, client=FakeChatClient())


def letter() -> LetterDraft:
    return LetterDraft(
        member="Example Relief Network", report_year=2023, review_round="June 2024", framework_id="accountable-now-2022",
        overall_remarks="Overall a clear report.",
        opening_statement="The director's statement sets out the year.",
        questions=[
            QuestionDraft(number=n, commentary=f"Commentary on question {n}.\n\nSecond paragraph.", suggested_grade=g)
            for n, g in [(1, Grade.FM), (2, Grade.PM), (3, Grade.PS), (4, None), (5, Grade.NM)]
        ],
    )


def test_markdown_follows_the_panel_format(pipeline):
    text = pipeline.markdown(letter())
    assert text.startswith("# Example Relief Network Feedback from the Independent Review Panel")
    assert "Dear Example Relief Network team," in text and "Overall a clear report." in text
    assert text.index("Opening Statement") < text.index("### 1 What have been") < text.index("### 5 How has")
    assert "**Grade: PS**" in text and "**Grade: [TO BE SET]**" in text  # unset grades are marked, not dashed
    assert "| PS | The response partially met the guideline and significant improvements are still needed. |" in text


def test_docx_and_json_exports(pipeline, tmp_path):
    path = pipeline.export(letter(), tmp_path / "out" / "letter.docx")
    document = docx.Document(str(path))
    texts = [p.text for p in document.paragraphs]
    assert "Grade: FM" in texts and "Commentary on question 3." in texts and "Second paragraph." in texts
    assert document.tables[0].rows[3].cells[0].text == "PS"
    restored = LetterDraft.model_validate_json(pipeline.export(letter(), tmp_path / "l.json").read_text())
    assert restored == letter()
    with pytest.raises(ValueError, match="unsupported export format"):
        pipeline.export(letter(), tmp_path / "l.pdf")


def test_prescreen_of_a_complete_report(pipeline):
    report = pipeline.ingest(SAMPLE_REPORT)
    result = pipeline.prescreen(report.doc_id)
    assert [q.status for q in result.questions] == ["answered"] * 6
    q3 = result.questions[3]
    assert q3.figures >= 8 and q3.passages >= 1 and q3.sections[0].startswith("3.")
    assert set(q3.covered_guidance) | set(q3.partly_guidance) | set(q3.missing_guidance) == set(
        pipeline.framework.question(3).guidance_texts)
    assert "Number of complaints and grievances received and resolved" in q3.covered_guidance
    # Gaps stay structured: each names its status, whether it is core and how serious it is, most serious first.
    severities = [gap.severity for q in result.questions for gap in q.gaps]
    assert severities and set(severities) <= {"major", "moderate", "minor"}
    for q in result.questions:
        order = ["major", "moderate", "minor"]
        assert [order.index(g.severity) for g in q.gaps] == sorted(order.index(g.severity) for g in q.gaps)
        assert q.missing_guidance == [g.guidance for g in q.gaps if g.status == "missing"]


def test_prescreen_finds_missing_questions_and_pages(pipeline, tmp_path):
    path = make_pdf(tmp_path / "partial_2023.pdf", [
        "Question 1\nWe planted 4,000 trees with 12 villages, validated in community meetings.",
        "Question 4\nOur staff survey had a 72% response rate and we introduced a well-being allowance.",
    ])
    result = pipeline.prescreen(pipeline.ingest(path).doc_id)
    status = {q.number: q.status for q in result.questions}
    assert status[1] == "answered" and status[4] == "answered"
    assert status[3] == "missing" and 3 in result.unanswered
    assert result.questions[4].pages == [2]


def test_prescreen_cli_json(monkeypatch, settings, capsys):
    monkeypatch.setenv("PANEL_DATA_DIR", str(settings.data_dir))
    from assistant.settings import get_settings

    get_settings.cache_clear()
    try:
        assert main(["prescreen", str(SAMPLE_REPORT), "--json"]) == 0
        data = json.loads(capsys.readouterr().out)
        assert [q["number"] for q in data["questions"]] == [0, 1, 2, 3, 4, 5]
    finally:
        get_settings.cache_clear()


def test_a_letter_without_a_name_says_so_and_the_prescreen_warns(pipeline, tmp_path):
    """The issue's 'Dear Report team': with no name known the letter carries the framework's placeholder, never a
    guess, and the pre-screen says the name is unknown."""
    nameless = letter().model_copy(update={"member": "", "report_year": None})
    text = pipeline.markdown(nameless)
    assert text.startswith("# [ORGANISATION] Feedback from the Independent Review Panel")
    assert "**Accountability Report [YEAR]**" in text and "Dear [ORGANISATION] team," in text
    assert "Dear colleagues" not in text and "Report team" not in text
    paragraphs = [p.text for p in docx.Document(str(pipeline.export(nameless, tmp_path / "l.docx"))).paragraphs]
    assert "Dear [ORGANISATION] team," in paragraphs
    report = tmp_path / "report.md"
    report.write_text("## 1. Achievements\n\nWe planted 4,000 trees with 12 villages, validated in community meetings.\n")
    result = pipeline.ingest(report)
    assert (result.member, result.year) == ("", None)  # the file name says nothing, nor does the text
    warnings = pipeline.prescreen(result.doc_id).warnings
    assert "name is not known" in warnings[0] and "[ORGANISATION]" in warnings[0]
    assert not any("name is not known" in w for w in pipeline.prescreen(result.doc_id, "Cedar & Olive Relief", 2024).warnings)
