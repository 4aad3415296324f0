import pytest

from assistant.reading.chunking import chunk_document, chunk_letter, match_question
from assistant.reading.corpus import load_letter
from assistant.reading.documents import read_document

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
        ("A note from our Executive Director", 0),
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


def _laid_out_report() -> "Document":
    """A PDF-like report: a running header on every page, a contents page, wrapped and own-words numbered headings,
    and chapters between the answers that answer no question."""
    from assistant.models import Document, Page

    header = "Example Alliance Accountability Report 2024"
    bodies = [
        "Example Alliance\nAnnual report",
        "Contents\nOpening statement from the Chief Executive 3\n1. Our achievements and how they were validated 4\n"
        "Governance 5\n2. Changes and our accountability 6",
        "Opening statement from the Chief Executive\nDear readers, this was a year of change for all of us.",
        "1.  Our  most  significant  achievements  and  how\nthey were validated\nWe trained 1,320 teachers in 14 districts.",
        "Governance\nThe Board of Trustees has eleven members who serve for three years.",
        "2. Changes and our accountability\nThe merger changed how we handle complaints and feedback.",
        "Stakeholder input\nPartners reviewed the merger plan and asked for earlier notice of changes.",
    ]
    return Document(doc_id="d", source="r.pdf",
                    pages=[Page(number=i + 1, text=f"{header}\n{body}\n{i + 1}") for i, body in enumerate(bodies)])


def test_pdf_layout_contents_headers_and_chapters(framework):
    chunks = chunk_document(_laid_out_report(), framework)
    by_page = {}
    for chunk in chunks:
        by_page.setdefault(chunk.page, set()).add(chunk.question)
    assert by_page[2] == {None}  # the contents page names questions but answers none
    assert by_page[3] == {0}
    assert by_page[4] == {1}  # a heading wrapped over two lines, with the report's spacing
    assert by_page[5] == {None}  # a chapter off the question's topic ends its section
    assert by_page[6] == {2}  # own words, but numbered next in the framework's order
    assert by_page[7] == {2}  # a sub-heading on the question's topic continues it
    assert not any("Accountability Report 2024" in c.text for c in chunks)  # the running header is layout
    assert next(c for c in chunks if c.page == 4).section == "1. Our most significant achievements and how they were validated"


@pytest.mark.parametrize("text", [
    # Title and chapters at one level, subsections below: the title is one heading with text under it.
    "# Khulla Hisab Nepal\n\n# Our work in 2024\n\nWe worked in 48 municipalities.\n\n## Citizens shaping budgets\n\n"
    "31 municipalities funded priorities.\n\n## What the evidence says\n\nAn evaluation compared 40 places.\n\n"
    "# Our team\n\n## Asking the team\n\n82% answered our survey.\n\n# The road ahead\n\nPartners plan with us.",
    # A title, a subtitle and a contents page above chapters two levels down (as PDF type sizes come out).
    "# Khulla Hisab Nepal\n\n## Accountability Report 2024\n\n## Contents\n\nOur work in 2024 2\nOur team 3\n\n"
    "### Our work in 2024\n\nWe worked in 48 municipalities.\n\n#### Citizens shaping budgets\n\n31 municipalities "
    "funded priorities.\n\n#### What the evidence says\n\nAn evaluation compared 40 places.\n\n### Our team\n\n"
    "#### Asking the team\n\n82% answered our survey.\n\n### The road ahead\n\nPartners plan with us.",
])
def test_subsections_carry_their_chapter(framework, text):
    from assistant.models import Document, Page

    chunks = chunk_document(Document(doc_id="d", source="r.md", pages=[Page(number=None, text=text)]), framework)
    chapter = {c.section: c.chapter for c in chunks}
    assert chapter["Citizens shaping budgets"] == chapter["What the evidence says"] == "Our work in 2024"
    assert chapter["Asking the team"] == "Our team"
    assert chapter["The road ahead"] == "The road ahead"


def test_a_report_without_heading_levels_has_a_chapter_per_heading(framework):
    from assistant.models import Document, Page

    pages = ["ABOUT THE TRUST\nA small trust.", "COMPLAINTS AND LEARNING\nWe received 12 complaints.", "OUR TEAM\n9 staff."]
    document = Document(doc_id="d", source="r.pdf", pages=[Page(number=i + 1, text=t) for i, t in enumerate(pages)])
    chunks = chunk_document(document, framework)
    assert [c.chapter for c in chunks] == [c.section for c in chunks] == ["ABOUT THE TRUST", "COMPLAINTS AND LEARNING", "OUR TEAM"]


def test_a_numbered_list_is_not_a_run_of_questions(framework):
    from assistant.models import Document, Page

    text = ("Opening statement from the Director\nThree things mattered this year.\n"
            "1. We kept all clinics open.\n2. We cut head office posts.")
    chunks = chunk_document(Document(doc_id="d", source="r.txt", pages=[Page(number=None, text=text)]), framework)
    assert {c.question for c in chunks} == {0}


def test_underlined_headings_in_plain_text_are_headings(framework):
    from assistant.models import Document, Page

    text = "WHO WE ARE\n----------\n\nA small trust.\n\nCOMPLAINTS AND LEARNING\n=======================\n\nWe received 12 complaints."
    chunks = chunk_document(Document(doc_id="d", source="r.txt", pages=[Page(number=None, text=text)]), framework)
    assert [c.section for c in chunks] == ["WHO WE ARE", "COMPLAINTS AND LEARNING"]
    assert not any("---" in c.text or "===" in c.text for c in chunks)


def test_headings_that_end_in_their_number_are_not_a_contents_page(framework):
    from assistant.models import Document, Page

    text = "# Report\n\n## Question 1\n\nWe did things.\n\n## Question 2\n\nThings changed.\n\n## Question 3\n\nComplaints."
    chunks = chunk_document(Document(doc_id="d", source="r.md", pages=[Page(number=None, text=text)]), framework)
    assert [c.question for c in chunks] == [None, 1, 2, 3]


def _pdf_like(bodies: list[str]) -> "Document":
    from assistant.models import Document, Page

    return Document(doc_id="d", source="r.pdf", pages=[Page(number=i + 1, text=b) for i, b in enumerate(bodies)])


def _questions_by_page(chunks) -> dict:
    by_page: dict = {}
    for chunk in chunks:
        by_page.setdefault(chunk.page, set()).add(chunk.question)
    return by_page


_OWN_WORDS = [
    "1. Our achievements and how partners validated them\nWe trained 1,320 teachers in 14 districts.",
    "2. Changes and our accountability\nThe merger changed how we handle feedback.",
    "3. Complaints and what they taught us\nWe received 64 complaints and resolved 52.",
    "4. Accountability inside the organisation\nOur staff survey had a 61% response rate.",
    "5. Answering to communities and partners\nCommunity councils decide how protected areas are run.",
]


def test_own_words_numbered_headings_are_found_in_any_order(framework):
    chunks = chunk_document(_pdf_like(list(reversed(_OWN_WORDS))), framework)
    assert _questions_by_page(chunks) == {1: {5}, 2: {4}, 3: {3}, 4: {2}, 5: {1}}


def test_marked_own_words_headings_are_found_in_any_order_and_numbered_subsections_are_not(framework):
    from assistant.models import Document, Page

    text = ("# 5. Answering to fishing families\n\nCouncils decide.\n\n"
            "# 4. Inside the organisation\n\nOur staff survey.\n\n## 1. Staff survey\n\nA 61% response rate.\n\n"
            "# 1. What changed for reefs, and who confirmed it\n\nReefs recovered in 9 of 12 sites.")
    chunks = chunk_document(Document(doc_id="d", source="r.md", pages=[Page(number=None, text=text)]), framework)
    assert [(c.section, c.question) for c in chunks] == [
        ("5. Answering to fishing families", 5), ("4. Inside the organisation", 4), ("1. Staff survey", 4),
        ("1. What changed for reefs, and who confirmed it", 1)]


def test_a_numbered_list_on_a_questions_topic_is_no_question(framework):
    from assistant.models import Document, Page

    text = ("Opening statement from the Director\nThree things mattered this year.\n"
            "1. Clinics kept open in all districts\n2. Head office posts cut by a third\n"
            "3. Complaints answered within a week")
    chunks = chunk_document(Document(doc_id="d", source="r.txt", pages=[Page(number=None, text=text)]), framework)
    assert {c.question for c in chunks} == {0}


def test_each_question_is_taken_by_its_first_numbered_heading(framework):
    pages = [*_OWN_WORDS[:3], "Financial overview\n2. Changes to complaint handling\nWe now answer within a week."]
    chunks = chunk_document(_pdf_like(pages), framework)
    assert _questions_by_page(chunks)[4] == {None}  # not question 2 again: a numbered line inside another chapter


def test_an_off_topic_numbered_heading_opening_its_page_is_a_question_beside_three_others(framework):
    off_topic = "1. What changed for reefs and fishing families, and who confirmed it\nReefs recovered."
    assert _questions_by_page(chunk_document(_pdf_like([off_topic, *_OWN_WORDS[1:]]), framework))[1] == {1}
    # Beside only two other numbered questions, or inside a page, it is not.
    assert _questions_by_page(chunk_document(_pdf_like([off_topic, *_OWN_WORDS[1:3]]), framework))[1] == {None}
    inside = "Our reefs\nSome context first.\n" + off_topic
    assert _questions_by_page(chunk_document(_pdf_like([inside, *_OWN_WORDS[1:]]), framework))[1] == {None}


def test_off_topic_numbered_headings_opening_their_pages_count_one_another(framework):
    """A report that titles most answers in its own words ('2. A smaller Nthaka and a new land office', '4. Inside
    Nthaka'): only one or two share a word with their question, but each opens its page alone with its number."""
    pages = ["1. Our achievements and how partners validated them\nWe trained 1,320 teachers in 14 districts.",
             "2. A smaller Nthaka and a new land office\nWe closed two district offices.",
             "3. Complaints and what they taught us\nWe received 64 complaints and resolved 52.",
             "4. Inside Nthaka\nOur staff survey had a 61% response rate.",
             "5. Working with village land committees\nCommittees set the plan."]
    assert _questions_by_page(chunk_document(_pdf_like(pages), framework)) == {1: {1}, 2: {2}, 3: {3}, 4: {4}, 5: {5}}
    # Beside only two other numbered questions it is not: too few to tell a report's headings from chance.
    assert 2 not in {q for qs in _questions_by_page(chunk_document(_pdf_like(pages[:3]), framework)).values() for q in qs}


def test_a_heading_opening_the_page_after_a_full_page_continues_the_answer(framework):
    """A subsection that flowed on to the next page is still the answer's; a chapter after a part-filled page is not.
    The footer carries the page number, and is layout all the same."""
    from assistant.models import Document, Page

    prose = "\n".join(f"We logged {n} complaints from the district offices and answered them." for n in range(30))
    bodies = [
        "Example Alliance\nAnnual report",
        f"3. Learning from incidents, complaints and grievances\n{prose}",
        "Speaking up\nOur whistleblowing line is open to staff and partners in every country office.",
        "4. Internal dynamic accountability\nThe staff survey had a response rate of 82% this year.",
        "Governance\nThe Board of Trustees has eleven members who serve for three years.",
    ]
    document = Document(doc_id="d", source="r.pdf", pages=[
        Page(number=i + 1, text=f"{body}\nexample.org | Page {i + 1} of {len(bodies)}") for i, body in enumerate(bodies)])
    chunks = chunk_document(document, framework)
    by_page = {}
    for chunk in chunks:
        by_page.setdefault(chunk.page, set()).add(chunk.question)
    assert by_page[3] == {3}  # after a full page: the subsection flowed on
    assert by_page[5] == {None}  # after a page with one line: a chapter of its own
    assert not any("example.org" in c.text for c in chunks)


def test_a_numbered_line_on_a_cover_or_contents_page_heads_no_answer(framework):
    """A cover's reporting period set in large type ('## 1 January - 31 December 2024', as PDF type sizes mark it) and
    its address start with a number as a numbered heading does; a contents page may list numbered titles without
    their page numbers. None of them is a question's heading: tagged so, one line made a thematic report's question
    'found by section'."""
    from assistant.models import Document, Page

    bodies = [
        "# Mwezi Housing Rights Trust\n## Accountability Report 2024\n## 1 January - 31 December 2024\n"
        "3 Independence Avenue, Lusaka, Zambia",
        "## Contents\n1 Our impact and the evidence behind it\nWhen residents are unhappy with us\nOur people",
        "### A message from our Director\n2024 tested the people of the settlements, and it tested us. We lost our "
        "largest donor and closed an office.",
        "### Our impact and the evidence behind it\nWe trained 3,412 residents on their housing rights. An independent "
        "review found that 61% of the families we represented kept their homes.",
        "### When residents are unhappy with us\nWe received 68 complaints in 2024 and resolved 59 of them.",
    ]
    document = Document(doc_id="d", source="r.pdf", pages=[Page(number=i + 1, text=t) for i, t in enumerate(bodies)])
    chunks = chunk_document(document, framework)
    assert {c.question for c in chunks if c.page in (1, 2)} == {None}
    assert {c.question for c in chunks if c.page == 3} == {0}
    assert {c.question for c in chunks if c.page > 3} == {None}  # thematic chapters: filed later, by what they say
