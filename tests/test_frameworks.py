"""A second framework drives a whole review: assessment, drafts in both modes, and the exported letter all speak that
framework (its questions, headings, grade labels, template and closing), never Accountable Now's."""

from __future__ import annotations

import json
import re
from pathlib import Path

import docx
import pytest

from assistant.models import Gap, Grade, LetterDraft, QuestionDraft
from assistant.pipeline import Pipeline
from assistant.reading.corpus import load_framework
from assistant.review.export import to_markdown
from assistant.settings import PROJECT_ROOT, Settings
from tests.fakes import FakeChatClient

REPORT = Path(__file__).parent / "data" / "harbour-youth-trust_2024_charter-report.md"
CHARTER = "community-voice-2024"
ACCOUNTABLE_NOW = re.compile(r"accountable now|independent review panel|core responses|opening statement", re.I)
GRADE_CODES = re.compile(r"\b(?:FM|PM|PS|NM)\b")


@pytest.fixture
def charter_settings(settings, monkeypatch) -> Settings:
    """The test's data directory, with the framework chosen the way a deployment chooses it: PANEL_FRAMEWORK."""
    monkeypatch.setenv("PANEL_FRAMEWORK", CHARTER)
    return Settings(data_dir=settings.data_dir, preset="embedded")


@pytest.fixture
def charter():
    return load_framework(PROJECT_ROOT / "corpus", CHARTER)


def charter_reply(messages) -> dict:
    """What a capable model would answer: the overall remarks, or a question's commentary graded PM."""
    prompt = messages[-1]["content"]
    if '"remarks"' in prompt:
        return {"remarks": "A candid report in which young people's voices are easy to hear."}
    number = re.search(r"question (\d+)", prompt, re.I)
    return {"commentary": f"Model commentary on commitment {number.group(1) if number else '?'}.",
            "status_changes": [], "grade": "PM", "rationale": "As the statuses show."}


def letter_texts(path: Path) -> tuple[list[str], list[list[str]]]:
    document = docx.Document(str(path))
    return [p.text for p in document.paragraphs], [[c.text for c in row.cells] for row in document.tables[0].rows]


def test_every_shipped_framework_loads_and_its_letter_renders(charter):
    """A framework file naming a template that is not there, or a layout placeholder that does not exist, fails here
    rather than at a panel member's export."""
    frameworks = sorted((PROJECT_ROOT / "corpus" / "frameworks").glob("*.json"))
    assert {p.stem for p in frameworks} >= {"accountable-now-2022", CHARTER}
    for path in frameworks:
        framework = load_framework(PROJECT_ROOT / "corpus", path.stem)
        assert {level.code for level in framework.grades} == set(Grade)
        for question in framework.questions:
            assert question.guidance and all(p.ask and p.cues for p in question.guidance if p.core), question.title
        letter = LetterDraft(member="M", report_year=2024, review_round="R1", framework_id=framework.id,
                             questions=[QuestionDraft(number=q.number) for q in framework.graded_questions])
        assert f"# {framework.letter.title.replace('$member', 'M')}" in to_markdown(letter, framework,
                                                                                   PROJECT_ROOT / "prompts")
    # The second framework's points carry what the assessment needs, like the first's.
    assert all(p.ask and p.cues for q in charter.questions for p in q.guidance)


def test_the_charter_assesses_its_own_questions(charter_settings, charter):
    pipeline = Pipeline(charter_settings, client=FakeChatClient())
    report = pipeline.ingest(REPORT)
    assert pipeline.framework.id == CHARTER
    assessments = pipeline.assess(report.doc_id, report.member)
    assert [a.number for a in assessments] == [1, 2, 3]
    for assessment in assessments:
        question = charter.question(assessment.number)
        assert assessment.located_by == "section" and assessment.grade is not None
        assert [p.guidance for p in assessment.points] == question.guidance_texts
    complaints = {p.guidance: p.status for p in assessments[1].points}
    assert complaints["Number and type of complaints received and resolved"] == "addressed"


def test_a_charter_review_drafted_and_exported_speaks_the_charter(charter_settings, charter, tmp_path):
    pipeline = Pipeline(charter_settings, client=FakeChatClient())
    report = pipeline.ingest(REPORT)
    letter = pipeline.draft_letter(report.doc_id, report.member, report.year, mode="assessment", review_round="2024-A")
    assert letter.framework_id == CHARTER and [q.number for q in letter.questions] == [1, 2, 3]
    assert all(q.mode == "assessment" and q.graded for q in letter.questions)

    text = pipeline.markdown(letter)
    labels = {level.code: level.label for level in charter.grades}
    assert text.startswith(f"# Charter review of {report.member}\n")
    assert "**Charter report 2024**" in text and "Review cycle 2024-A" in text
    assert f"Dear friends at {report.member}," in text and "With warm regards,\n\nthe Community Voice Charter Reviewers" in text
    assert "## Our reading, commitment by commitment" in text
    assert [line for line in text.splitlines() if line.startswith("### ")] == [
        f"### Commitment {q.number}: {q.title}" for q in charter.questions]
    for draft in letter.questions:
        assert f"**Rating: {labels[draft.suggested_grade]}" in text  # then any provisional mark
    assert "| Rating | What it means |" in text and "| Mostly met | The answer meets most of the commitment;" in text
    assert not ACCOUNTABLE_NOW.search(text) and not GRADE_CODES.search(text)

    paragraphs, key = letter_texts(pipeline.export(letter, tmp_path / "charter.docx"))
    assert paragraphs[0] == f"Charter review of {report.member}"
    assert [p for p in paragraphs if p.startswith("Commitment ")] == [
        f"Commitment {q.number}: {q.title}" for q in charter.questions]
    assert any(p.startswith(f"Rating: {labels[letter.questions[0].suggested_grade]}") for p in paragraphs)
    assert key == [["Rating", "What it means"]] + [[level.label, level.meaning] for level in charter.grades]
    everything = "\n".join(paragraphs + [cell for row in key for cell in row])
    assert not ACCOUNTABLE_NOW.search(everything) and not GRADE_CODES.search(everything)

    # The gaps travel structured, with their severity, in the JSON export.
    data = json.loads(pipeline.export(letter, tmp_path / "charter.json").read_text())
    for question in data["questions"]:
        assert all(set(gap) >= {"guidance", "status", "core", "severity"} for gap in question["gaps"])


def test_a_charter_review_in_llm_mode_and_exported_from_an_app_set_up_for_another_framework(
        charter_settings, settings, charter, tmp_path):
    client = FakeChatClient(default=charter_reply)
    pipeline = Pipeline(charter_settings, client=client)
    report = pipeline.ingest(REPORT)
    letter = pipeline.draft_letter(report.doc_id, report.member, report.year, mode="llm", client=client)
    assert [q.mode for q in letter.questions] == ["llm"] * 3
    prompts = [m[-1]["content"] for m in client.requests]
    assert all(charter.name in p for p in prompts[:3])  # each question's prompt names the charter and its key
    assert all("The answer meets most of the commitment" in p for p in prompts[:3])
    assert letter.overall_remarks == "A candid report in which young people's voices are easy to hear."

    # The review remembers its framework: an app configured for Accountable Now exports it in the charter's format.
    other = Pipeline(settings, client=FakeChatClient())
    assert other.framework.id == "accountable-now-2022"
    stored = other.reviews.find(report.doc_id, CHARTER).letter()
    text = other.markdown(stored)
    assert "Model commentary on commitment 2." in text and "A candid report" in text
    assert [line for line in text.splitlines() if line.startswith("### ")] == [
        f"### Commitment {q.number}: {q.title}" for q in charter.questions]
    # The charter's own words (an assistant's rating still to be checked carries its provisional mark after them).
    assert "**Rating: Mostly met" in text or "**Rating: Partly met" in text or "**Rating: Not yet met" in text
    assert not ACCOUNTABLE_NOW.search(text) and not GRADE_CODES.search(text)
    paragraphs, _ = letter_texts(other.export(stored, tmp_path / "stored.docx"))
    assert "Model commentary on commitment 3." in paragraphs and not ACCOUNTABLE_NOW.search("\n".join(paragraphs))


def test_gaps_keep_their_severity_and_old_drafts_still_load():
    assert Gap(guidance="x", status="missing", core=True).severity == "major"
    assert Gap(guidance="x", status="partly", core=True).severity == "moderate"
    assert Gap(guidance="x", status="missing").severity == "moderate"
    assert Gap(guidance="x", status="partly").severity == "minor"
    stored = {"number": 0, "gaps": ["Personal commitment (partly)", "Context (missing, core)"],
              "assessment": {"number": 0, "graded": False}}
    draft = QuestionDraft.model_validate(stored)
    assert not draft.graded
    assert [(g.guidance, g.status, g.core) for g in draft.gaps] == [
        ("Personal commitment", "partly", False), ("Context", "missing", True)]
