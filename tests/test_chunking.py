import pytest

from assistant.chunking import chunk_document, chunk_letter, match_question
from assistant.corpus import load_letter
from assistant.documents import read_document

from .conftest import REAL_LETTER, SAMPLE_REPORT, make_pdf


@pytest.mark.parametrize(
    "line, number",
    [
        ("Question 3", 3),
        ("## Q4: Internal accountability", 4),
        ("3. How has your organisation learned from reported incidents, complaints and grievances?", 3),
        ("How has your organisation learned from reported incidents, complaints and grievances received in the past year?", 3),
        ("Internally, how has your organisation practised a more dynamic approach to accountability?", 4),
        ("Opening statement from the Executive Director", 0),
        ("Statement from the CEO", 0),
    ],
)
def test_question_headings_are_recognised(framework, line, number):
    assert match_question(line, framework) == number


@pytest.mark.parametrize(
    "line",
    [
        "We received 57 complaints through our hotline, SMS line and suggestion boxes.",
        "Question 9",  # not in the framework
        "Our staff learned a lot this year about accountability to communities and partners across all our programmes "
        "and we describe the complaints we received, the grievances and incidents in the following long paragraph " * 3,
        "",
    ],
)
def test_prose_is_not_a_heading(framework, line):
    assert match_question(line, framework) is None


def test_sample_report_chunks_carry_questions_and_sections(framework):
    chunks = chunk_document(read_document(SAMPLE_REPORT), framework, member="Example", year=2023)
    by_question = {c.question for c in chunks}
    assert by_question >= {0, 1, 2, 3, 4, 5}
    complaints = next(c for c in chunks if "57 complaints" in c.text)
    assert complaints.question == 3
    assert complaints.section.startswith("3. How has your organisation learned")
    assert complaints.page is None and "section" in complaints.location
    assert [c.position for c in chunks] == list(range(len(chunks)))
    assert len({c.id for c in chunks}) == len(chunks)


def test_pdf_chunks_keep_pages_and_question_across_pages(tmp_path, framework):
    path = make_pdf(
        tmp_path / "r.pdf",
        [
            "Question 3\nWe received 57 complaints this year and resolved most of them quickly.",
            "More on complaints: the safeguarding cases were investigated externally.",
            "Question 4\nOur staff survey had a 72% response rate.",
        ],
    )
    chunks = chunk_document(read_document(path), framework)
    assert [(c.page, c.question) for c in chunks] == [(1, 3), (2, 3), (3, 4)]
    assert chunks[1].location == "p. 2"


def test_letter_chunks_carry_question_and_grade():
    letter = load_letter(REAL_LETTER)
    chunks = chunk_letter(letter, "letter1")
    assert {c.question for c in chunks} == {0, 1, 2, 3, 4, 5}
    assert all(c.kind == "letter" and c.member == "Amnesty International" for c in chunks)
    assert {c.grade.value for c in chunks if c.question == 3} == {"PS"}
    assert all(c.grade is None for c in chunks if c.question == 0)
