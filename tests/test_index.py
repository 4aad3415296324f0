import subprocess
import sys

import pytest

from assistant.search.index import LETTERS, Index
from assistant.search.ingest import guess_member_and_year, ingest_corpus, ingest_report

from assistant.settings import PROJECT_ROOT

from .conftest import SAMPLE_REPORT, make_pdf


@pytest.fixture
def index(settings):
    return Index(settings)


def test_ingest_is_idempotent(index, framework, settings):
    first = ingest_report(SAMPLE_REPORT, index, framework, settings)
    again = ingest_report(SAMPLE_REPORT, index, framework, settings)
    assert first.chunks > 0 and not first.already_indexed
    assert again.already_indexed and again.chunks == first.chunks
    assert index.collections["report_chunks"].count() == first.chunks
    assert again.questions_found == [0, 1, 2, 3, 4, 5]


def test_search_filters_by_question_and_cites_pages(index, framework, settings, tmp_path):
    path = make_pdf(
        tmp_path / "acme_2021.pdf",
        ["Question 1\nWe planted 4,000 trees with villages.", "Question 3\nWe received 12 complaints about staff conduct."],
    )
    result = ingest_report(path, index, framework, settings)
    assert (result.member, result.year) == ("Acme", 2021)
    hits = index.search("complaints handling", question=3)
    assert hits and all(h.chunk.question == 3 for h in hits)
    assert hits[0].chunk.page == 2 and hits[0].chunk.location == "p. 2"
    assert index.search("complaints", member="Nobody") == []


def test_lexical_signal_finds_figures_and_acronyms(index, framework, settings):
    ingest_report(SAMPLE_REPORT, index, framework, settings)
    hits = index.search("USD 5,000", k=3)
    assert "USD 5,000" in hits[0].chunk.text
    assert hits[0].lexical_rank == 1


def test_filter_by_member_and_year(index, framework, settings, tmp_path):
    ingest_report(SAMPLE_REPORT, index, framework, settings)
    other = make_pdf(tmp_path / "other.pdf", ["Question 3\nWe received 3 complaints about fraud."])
    ingest_report(other, index, framework, settings, member="Other Org", year=2020)
    hits = index.search("complaints", member="Other Org", year=2020)
    assert hits and {h.chunk.member for h in hits} == {"Other Org"}
    assert {row["member"] for row in index.documents()} == {"Example Relief Network", "Other Org"}


def test_index_survives_reopening(index, framework, settings):
    ingest_report(SAMPLE_REPORT, index, framework, settings)
    reopened = Index(settings)
    assert reopened.search("staff survey response rate", k=1)[0].chunk.question == 4


def test_past_letters_are_indexed_with_grades(index, settings):
    results = ingest_corpus(index, settings)
    assert results and results[0].questions_found == [1, 2, 3, 4, 5]
    assert ingest_corpus(index, settings)[0].already_indexed
    hits = index.search("grievances and complaints", collection=LETTERS, question=3, k=2)
    assert hits and all(h.chunk.grade.value == "PS" for h in hits)


def test_empty_index_returns_nothing(index):
    assert index.search("anything") == []


@pytest.mark.parametrize(
    "name, expected",
    [("amnesty-international_2022_report.pdf", ("Amnesty International", 2022)), ("report.pdf", ("", None))],
)
def test_member_and_year_from_file_name(tmp_path, name, expected):
    assert guess_member_and_year(tmp_path / name) == expected


def test_large_reads_are_paged(index, framework, settings, monkeypatch):
    import assistant.search.index as index_module

    result = ingest_report(SAMPLE_REPORT, index, framework, settings)
    monkeypatch.setattr(index_module, "_PAGE", 3)  # pages of 3 over 7 chunks: 3 + 3 + 1
    chunks = index.chunks(doc_id=result.doc_id)
    assert [c.position for c in chunks] == list(range(result.chunks))
    assert index.documents()[0]["chunks"] == result.chunks


def test_a_report_under_two_frameworks_is_two_documents(index, framework, settings):
    from assistant.reading.corpus import load_framework

    other = load_framework(settings.corpus_dir, "community-voice-2024")
    first = ingest_report(SAMPLE_REPORT, index, framework, settings)
    second = ingest_report(SAMPLE_REPORT, index, other, settings)
    assert not second.already_indexed and second.doc_id != first.doc_id
    assert ingest_report(SAMPLE_REPORT, index, other, settings).already_indexed
    assert {row["framework"] for row in index.documents()} == {"accountable-now-2022", "community-voice-2024"}
    # The complaints section answers question 3 of one framework and question 2 of the other.
    tagged = {
        c.framework: c.question for c in index.chunks() if "57 complaints" in c.text
    }
    assert tagged == {"accountable-now-2022": 3, "community-voice-2024": 2}
    hits = index.search("complaints hotline", framework="community-voice-2024", k=3)
    assert hits and {h.chunk.doc_id for h in hits} == {second.doc_id}


def test_bm25_is_loaded_from_disk_not_rebuilt(index, framework, settings, monkeypatch):
    from assistant.search import index as index_module

    ingest_report(SAMPLE_REPORT, index, framework, settings)
    assert (settings.data_dir / "bm25" / "local" / "report_chunks" / "rows.json").exists()

    def no_rebuild(self):
        raise AssertionError("BM25 rebuilt although nothing changed")

    monkeypatch.setattr(index_module._Lexical, "_build", no_rebuild)
    reopened = Index(settings)
    assert reopened.search("USD 5,000", k=1)[0].lexical_rank == 1


def test_a_second_process_sees_what_the_first_ingests_and_deletes(index, framework, settings):
    other_process = Index(settings)  # opened before the report arrives, as a second app process would be
    result = ingest_report(SAMPLE_REPORT, index, framework, settings)
    hits = other_process.search("USD 5,000", k=1)
    assert hits and hits[0].lexical_rank == 1 and hits[0].chunk.doc_id == result.doc_id
    assert other_process.size() == result.chunks

    assert index.delete_document(result.doc_id) == result.chunks
    assert other_process.search("USD 5,000") == []
    assert index.delete_document(result.doc_id) == 0


def test_a_writer_that_was_behind_catches_up(index, framework, settings, tmp_path):
    behind = Index(settings)
    ingest_report(SAMPLE_REPORT, index, framework, settings)
    other = make_pdf(tmp_path / "other_2020.pdf", ["Question 3\nWe received 3 complaints about fraud in Lilongwe."])
    ingest_report(other, behind, framework, settings)  # wrote without having seen the first report
    for process in (index, behind):
        assert process.search("USD 5,000", k=1)[0].lexical_rank == 1
        assert process.search("Lilongwe fraud", k=1)[0].lexical_rank == 1
        assert process.size() == index.collections["report_chunks"].count()



def test_a_real_second_process_writing_is_seen_by_dense_search_too(index, framework, settings, tmp_path):
    """Two OS processes (the app and a round worker): Chroma caches each collection's vectors per process. This
    process searched its letters while there were none and its reports before the second report came; it must then
    rank the other process's chunks by meaning too, not only by BM25 (the letters query failed with "Nothing found
    on disk", the new report's chunk had no dense rank)."""
    ingest_report(SAMPLE_REPORT, index, framework, settings)
    assert index.collections[LETTERS].query(query_texts=["grades"], n_results=1)["ids"] == [[]]
    assert index.search("USD 5,000", k=1)
    other = make_pdf(tmp_path / "other_2020.pdf", ["Question 3\nWe received 3 complaints about fraud in Lilongwe."])
    script = (
        "import sys\n"
        "from assistant.settings import Settings\n"
        "from assistant.search.index import Index\n"
        "from assistant.search.ingest import ingest_corpus, ingest_report\n"
        "from assistant.reading.corpus import load_framework\n"
        "settings = Settings(data_dir=sys.argv[1], preset='embedded')\n"
        "index = Index(settings)\n"
        "ingest_report(sys.argv[2], index, load_framework(settings.corpus_dir, sys.argv[3]), settings)\n"
        "ingest_corpus(index, settings)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(settings.data_dir), str(other), framework.id], check=True,
                   cwd=PROJECT_ROOT)
    hit = index.search("complaints about fraud in Lilongwe", k=1)[0]
    assert "Lilongwe" in hit.chunk.text and hit.dense_rank is not None
    letters = index.search("the panel's grade for complaints handling", collection=LETTERS, k=5)
    assert letters and any(h.dense_rank is not None for h in letters)
