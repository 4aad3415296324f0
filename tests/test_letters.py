import re

from assistant.models import Grade
from assistant.reading.corpus import load_letter
from assistant.reading.letters import parse_letter_text

from .conftest import REAL_LETTER

GRADE_CODE = re.compile(r"\b(FM|PM|PS|NM)\b")


def test_real_letter_grades_are_exactly_the_published_ones():
    letter = load_letter(REAL_LETTER)
    assert [(q.number, q.grade) for q in letter.questions] == [
        (1, Grade.FM), (2, Grade.PM), (3, Grade.PS), (4, Grade.PM), (5, Grade.PM),
    ]
    assert letter.warnings == []


def test_real_letter_commentary_has_no_grade_codes_or_link_markup():
    letter = load_letter(REAL_LETTER)
    for q in letter.questions:
        assert not GRADE_CODE.search(q.commentary), q.number
        assert "](#)" not in q.commentary and "**" not in q.commentary
    # The Q1 grade box split "formulate its advocacy / actions": the sentence is whole again.
    assert "in order to formulate its advocacy actions." in letter.questions[0].commentary
    assert "conducted eight studies." in letter.questions[0].commentary


def test_real_letter_sections_and_metadata():
    letter = load_letter(REAL_LETTER)
    assert letter.member == "Amnesty International"
    assert letter.report_year == 2022
    assert letter.review_round == "November/December 2023"
    assert letter.overall_remarks.startswith("Dear Agnes Callamard,")
    assert "Yours sincerely" not in letter.overall_remarks
    assert letter.opening_statement.startswith("Opening statement from Secretary General")
    assert "Core Responses" not in letter.opening_statement
    assert letter.questions[2].title.startswith("How has your organisation learned from reported incidents")
    # The last question stops before the grade key table.
    assert letter.questions[4].commentary.endswith("contribute towards further improvements.")
    assert "fully met the specific guideline" not in letter.questions[4].commentary


LETTER_TEMPLATE = """Oxfam Example
Independent Review Panel Feedback
Accountability Report 2019
Review Round June 2020

Dear Jane Doe,

Thank you for your report.

Yours sincerely,

The Panel

Opening Statement from the Head of Organisation

The statement is short.

1 What have been your most significant achievements and impacts this year?

The report lists 12 projects and shows [a study](https://example.org) of impact. PM

2 How have your organisation's accountability processes changed?

NM The response does not describe any change.

3 How has your organisation learned from complaints?

The report gives numbers of complaints but says nothing of learning.

4 Internally, how has your organisation practised accountability?

The report describes a survey of
PS
staff and the actions taken.
"""


def test_other_member_year_inline_and_missing_grades():
    letter = parse_letter_text(LETTER_TEMPLATE, source="oxfam.txt")
    assert (letter.member, letter.report_year, letter.review_round) == ("Oxfam Example", 2019, "June 2020")
    grades = {q.number: q.grade for q in letter.questions}
    assert grades == {1: Grade.PM, 2: Grade.NM, 3: None, 4: Grade.PS}
    assert any("question 3" in w for w in letter.warnings)
    assert letter.feedback(1).commentary == "The report lists 12 projects and shows a study of impact."
    assert letter.feedback(2).commentary == "The response does not describe any change."
    assert letter.feedback(4).commentary == "The report describes a survey of staff and the actions taken."


def test_numbers_out_of_sequence_are_not_headings():
    text = LETTER_TEMPLATE.replace(
        "The report gives numbers", "15 Of these complaints were resolved? Unclear.\nThe report gives numbers"
    )
    letter = parse_letter_text(text)
    assert [q.number for q in letter.questions] == [1, 2, 3, 4]
    assert "15 Of these complaints" in letter.feedback(3).commentary


def test_letter_without_questions_warns_instead_of_failing():
    letter = parse_letter_text("Dear member,\n\nThanks.\n")
    assert letter.questions == []
    assert letter.warnings
