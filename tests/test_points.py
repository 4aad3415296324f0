from assistant.judging.assessment import load_features, sentences_of
from assistant.models import Chunk
from assistant.reading.points import answer_sentences, prose, table_like, table_row_in_words
from assistant.settings import PROJECT_ROOT

FEATURES = load_features(PROJECT_ROOT / "corpus")


def chunk(i: int, text: str, **fields) -> Chunk:
    """Passage i of one report's question 3, in document order."""
    return Chunk(**{"id": f"d-{i}", "doc_id": "d", "text": text, "source": "r.md", "kind": "report", "section": "Q3",
                    "question": 3, "position": i} | fields)


def texts_of(*passages: str) -> list[str]:
    return [s.text for s in sentences_of([chunk(i, text) for i, text in enumerate(passages)], FEATURES)]


def test_table_markup_is_not_words_and_a_markdown_table_reads_as_the_pdf_one():
    markdown = ("We answered every complaint.\n\n---\n\n| Type of complaint | Received | Resolved |\n|---|---|---|\n"
                "| Conduct of wardens | 21 | 18 |\n")
    pdf = "We answered every complaint.\nType of complaint Received Resolved\nConduct of wardens 21 18\n"
    assert answer_sentences(markdown) == answer_sentences(pdf) == [
        "We answered every complaint.", "Type of complaint Received Resolved Conduct of wardens 21 18"]


def test_a_heading_ends_the_table_row_before_it_and_a_wrapped_line_is_no_heading():
    text = ("Total for all districts 64 52 8 4\nWhat changed as a result\nThe complaints about wardens taught us the most.\n"
            "We received complaints about the conduct of\nCommunity Wardens in every district this year.")
    assert answer_sentences(text) == [
        "Total for all districts 64 52 8 4", "The complaints about wardens taught us the most.",
        "We received complaints about the conduct of Community Wardens in every district this year."]


def test_a_sentence_cut_by_a_passage_boundary_is_one_sentence_and_stays_an_admission():
    chunks = [chunk(0, "We publish our complaint figures every quarter. We have not yet set up advisory groups in",
                    page=4, source="r.pdf"),
              chunk(1, "Nepal, and we need to improve our processes for feedback from partners.", page=5, source="r.pdf")]
    sentences = sentences_of(chunks, FEATURES)
    assert [s.text for s in sentences] == [
        "We publish our complaint figures every quarter.",
        "We have not yet set up advisory groups in Nepal, and we need to improve our processes for feedback from "
        "partners."]
    assert sentences[1].admission and sentences[1].chunk.page == 4


def test_the_overlap_the_splitter_repeats_is_read_once():
    first = "We received 64 complaints in 2024. Most were about the conduct of our fish wardens at sea."
    second = "about the conduct of our fish wardens at sea. Every confiscation now comes with a written receipt."
    assert texts_of(first, second) == ["We received 64 complaints in 2024.", "Most were about the conduct of our fish wardens at sea.",
                     "Every confiscation now comes with a written receipt."]


def test_a_table_sentence_keeps_the_page_of_the_passage_it_starts_in():
    chunks = [chunk(0, "We received 64 complaints and concerns in 2024, more than ever before.", page=1),
              chunk(1, "| Type of complaint | Received |\n|---|---|\n| Conduct of wardens | 21 |", page=2)]
    sentences = sentences_of(chunks, FEATURES)
    assert [(s.text, s.chunk.page) for s in sentences] == [
        ("We received 64 complaints and concerns in 2024, more than ever before.", 1),
        ("Type of complaint Received Conduct of wardens 21", 2)]


def test_a_pdf_table_header_over_wrapped_cells_is_read_as_in_markdown():
    pdf = ("We received 214 complaints in 2024.\nCategory Received Closed Open\nProgramme quality\n(materials,\n"
           "coaching visits)\n87 84 3\nData protection 8 8 0\n")
    markdown = ("We received 214 complaints in 2024.\n\n| Category | Received | Closed | Open |\n|---|---|---|---|\n"
                "| Programme quality (materials, coaching visits) | 87 | 84 | 3 |\n| Data protection | 8 | 8 | 0 |\n")
    assert answer_sentences(pdf) == answer_sentences(markdown) == [
        "We received 214 complaints in 2024.",
        "Category Received Closed Open Programme quality (materials, coaching visits) 87 84 3 Data protection 8 8 0"]


def test_a_heading_over_a_markdown_paragraph_with_figures_is_a_heading():
    markdown = ("All 21 open cases are under investigation.\n\n**What we learned**\n\nMissed visits were in districts "
                "where coaches had more than 30 schools, so we set a limit of 24 schools and hired 38 coaches.\n")
    assert answer_sentences(markdown) == [
        "All 21 open cases are under investigation.",
        "Missed visits were in districts where coaches had more than 30 schools, so we set a limit of 24 schools and "
        "hired 38 coaches."]


def test_a_short_heading_the_splitter_repeats_is_read_once_and_stays_a_heading():
    first = "All 21 open cases are under investigation.\n\n**What we learned**"
    second = "**What we learned**\n\nThe largest group of complaints concerned programme quality."
    assert texts_of(first, second) == ["All 21 open cases are under investigation.",
                     "The largest group of complaints concerned programme quality."]


def test_a_heading_with_commas_is_a_heading():
    pdf = ("Staff can use the assistance programme in eleven languages.\nDiversity, equity and inclusion\n"
           "Our Equity Plan 2023-2026 commits us to three goals.\n")
    assert answer_sentences(pdf) == ["Staff can use the assistance programme in eleven languages.",
                                     "Our Equity Plan 2023-2026 commits us to three goals."]


def test_a_policy_name_is_no_named_stakeholder():
    def sentence(text: str):
        return sentences_of([chunk(0, text)], FEATURES)[0]

    assert not sentence("All staff sign our Code of Conduct and our Complaints Policy when they join.").specific
    assert sentence("The fee survey is run with the University of Dhaka and the Migrant Forum.").specific


def test_prose_is_written_text_and_a_cover_line_is_not():
    assert prose("In 2024 we received 68 complaints and grievances, against 41 in 2023.")
    assert not prose("Lusaka Kitwe Ndola Plot 4418, Kafue Road, Kanyama, P.O.")
    assert not prose("Reporting period: 1 January - 31 December 2024")


def test_a_table_read_as_one_sentence_is_told_from_prose_and_a_row_said_in_words():
    complaints = ("Type of complaint or concern Received Resolved Still open Delays and not being kept informed about a "
                  "case 27 24 3 Refusal to take a case 13 13 0 Total 68 59 9")
    assert table_like(complaints)
    assert table_row_in_words(complaints) == "‘Total’: 68 received, 59 resolved and 9 still open"
    years = "Our results 2023 2024 Eviction cases opened 431 612 Emergency community meetings held 38 61"
    assert table_row_in_words(years) == "‘Eviction cases opened’: 431 in 2023 and 612 in 2024"
    # Where the header cannot be told from the first row's label, the next row is said without column names.
    assert table_row_in_words("Received Resolved Delays 27 24 Refusal to take a case 13 13") == \
        "‘Refusal to take a case’: 13 and 13"
    for sentence in ("In 2024 we received 68 complaints and grievances, against 41 in 2023 and 30 in 2022.",
                     "Our impact in 2024: 3,412 residents trained on their housing rights 148 legal clinics held",
                     "Reporting period: 1 January - 31 December 2024"):
        assert not table_like(sentence) and table_row_in_words(sentence) == ""
