"""Metamorphic tests: edits of a report whose effect on the grades is known without any gold label, on every designed
case (the sample report among them) and on the injection variants of the sample report: the tuned suite and the
blind held-out attacks (tests/data/injection_blind.json), caught by the pre-screen or not.

- deleting one question's section makes that question NM and moves no other grade;
- generic praise appended to every section improves no grade;
- reordering the sections changes no grade;
- the same report as Markdown, DOCX and PDF gets the same grades;
- truncating the evidence never raises a grade;
- each injection variant (visible and hidden, five languages, Markdown, DOCX and PDF) leaves every grade and point
  status as the clean report has them.

They run against the assessment always, and against each model given with --backend (its suggested grades, on top of
the assessment). A property the assessment breaks today is marked xfail(strict) below with the defect named, so the
fix shows up as an XPASS to remove the mark.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from assistant.pipeline import Pipeline
from assistant.search.embeddings import get_embedder
from assistant.settings import Settings
from tests.injection_cases import build as build_injection
from tests.injection_cases import load_blind, load_variants

from . import metamorphic as mm
from .conftest import backend_clients, backend_labels
from .harness import DesignedCase, load_designed_cases

CASES = {c.id: c for c in load_designed_cases()}
VARIANTS = {v["id"]: v for v in load_variants() + load_blind()[0]}

# (property, case or variant) -> the defect, for properties the assessment breaks today. Keep each reason precise.
KNOWN_FAILURES: dict[tuple[str, str], str] = {
    **{("delete", f"blind-thematic-pdf-Q{n}"): (
        f"blind-thematic-pdf (new blind case, not tuned on): with Q{n}'s own chapters deleted, the thematic filing "
        f"files another chapter under Q{n} (the report has five chapters that answer no question), so Q{n} is PS, not NM")
       for n in (1, 2, 3, 5)},
    ("formats", "blind-thematic-pdf"): (
        "blind-thematic-pdf's Markdown and PDF renderings are read differently: in the PDF, Q1's evidence-of-impact "
        "point goes addressed -> missing (Q1 PM -> PS) and a Q3 point missing -> addressed (PM -> FM)"),
}


def pytest_generate_tests(metafunc):
    if "method" in metafunc.fixturenames:
        metafunc.parametrize("method", ["assessment", *backend_labels(metafunc.config)], scope="module")


def _params(prop: str, ids: list[str]) -> list:
    return [pytest.param(i, marks=pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[(prop, i)]), id=i)
            if (prop, i) in KNOWN_FAILURES else pytest.param(i, id=i) for i in ids]


def _deletions() -> list:
    out = []
    for case in CASES.values():
        for number, question in case.questions.items():
            if question.grade is not None and question.sections:
                key = f"{case.id}-Q{number}"
                marks = [pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[("delete", key)])] \
                    if ("delete", key) in KNOWN_FAILURES else []
                out.append(pytest.param(case.id, number, marks=marks, id=key))
    return out


class Lab:
    """One temporary data folder, one pipeline, one memoised embedding model: each distinct report file is ingested
    and assessed once (by content), whichever tests ask for it."""

    def __init__(self, folder: Path, config):
        self.folder = folder
        self.pipeline = Pipeline(Settings(data_dir=folder / "data", max_tokens=500, llm_retries=1))
        self.clients = backend_clients(config)
        self.outcomes: dict[tuple[str, str], mm.Outcome] = {}
        self.seconds = 0.0

    def outcome(self, method: str, path: Path, member: str, year: int | None) -> mm.Outcome:
        key = (method, hashlib.sha256(path.read_bytes()).hexdigest())
        if key not in self.outcomes:
            start = time.perf_counter()
            report = self.pipeline.ingest(path, member=member, year=year)
            assessments = self.pipeline.assess(report.doc_id, member)
            if method != "assessment":  # the model's suggested grade, and the statuses after its verified arguments
                drafts = [self.pipeline.draft_question(a.number, report.doc_id, member, year, mode="llm",
                                                       client=self.clients[method], assessment=a) for a in assessments]
                assessments = [d.assessment.model_copy(update={"grade": d.suggested_grade}) for d in drafts]
            self.outcomes[key] = mm.outcome(assessments)
            # Every report is assessed beside the past letters alone: BM25 weighs words over the whole collection,
            # so reports left in the index would shift the next one's retrieval.
            self.pipeline.index.delete_document(report.doc_id)
            self.seconds += time.perf_counter() - start
        return self.outcomes[key]

    def render(self, report: mm.Report, name: str, fmt: str | None = None) -> Path:
        # Named like a member's report: member and year come from the case, never from the name.
        return mm.render(report, fmt or report.home, self.folder / name)

    def case_outcome(self, method: str, case: DesignedCase, report: mm.Report, name: str,
                     fmt: str | None = None) -> mm.Outcome:
        return self.outcome(method, self.render(report, f"{case.id}-{name}", fmt), case.member, case.report_year)


@pytest.fixture(scope="module")
def lab(tmp_path_factory, request, results):
    start = time.perf_counter()
    lab = Lab(tmp_path_factory.mktemp("metamorphic"), request.config)
    settings = lab.pipeline.settings
    with mm.memoised(get_embedder(settings.models_dir, settings.embedding_batch)):
        yield lab
    results.put("metamorphic", {"seconds": time.perf_counter() - start, "reports_assessed": len(lab.outcomes)})


@pytest.fixture(scope="module")
def reports() -> dict[str, mm.Report]:
    return {case_id: mm.load_report(case.report_path) for case_id, case in CASES.items()}


def _check(results, method: str, prop: str, subject: str, problems: list[str]) -> None:
    results.add_row("metamorphic", {"method": method, "property": prop, "subject": subject, "held": not problems,
                                    "known": KNOWN_FAILURES.get((prop, subject), ""), "detail": "; ".join(problems)})
    assert not problems, f"{prop} on {subject} ({method}): " + "; ".join(problems)


@pytest.mark.parametrize("case_id,number", _deletions())
def test_deleting_a_question_section(lab, reports, results, method, case_id, number):
    case, report = CASES[case_id], reports[case_id]
    deleted = case.questions[number].sections
    # Another question answered (in part) by a deleted section may move with it; it is not held to its grade.
    shared = {n for n, q in case.questions.items() if n != number and set(q.sections) & set(deleted)}
    before = lab.case_outcome(method, case, report, "clean")
    after = lab.case_outcome(method, case, mm.without_sections(report, deleted), f"without-q{number}")
    _check(results, method, "delete", f"{case_id}-Q{number}", mm.deletion_violations(before, after, number, shared))


@pytest.mark.parametrize("case_id", _params("praise", list(CASES)))
def test_generic_praise_improves_no_grade(lab, reports, results, method, case_id):
    case, report = CASES[case_id], reports[case_id]
    before = lab.case_outcome(method, case, report, "clean")
    after = lab.case_outcome(method, case, mm.with_praise(report), "praise")
    _check(results, method, "praise", case_id, mm.no_better_violations(before, after))


@pytest.mark.parametrize("case_id", _params("reorder", list(CASES)))
def test_reordering_sections_changes_nothing(lab, reports, results, method, case_id):
    case, report = CASES[case_id], reports[case_id]
    before = lab.case_outcome(method, case, report, "clean")
    after = lab.case_outcome(method, case, mm.reordered(report), "reordered")
    _check(results, method, "reorder", case_id, mm.same_grade_violations(before, after))


@pytest.mark.parametrize("case_id", _params("formats", list(CASES)))
def test_markdown_docx_and_pdf_get_the_same_grades(lab, reports, results, method, case_id):
    case, report = CASES[case_id], reports[case_id]
    formats = dict.fromkeys((report.home, *mm.FORMATS))
    outcomes = {fmt: lab.case_outcome(method, case, report, "clean", fmt) for fmt in formats}
    reference = outcomes[report.home]
    problems = [f"{fmt}: {p}" for fmt, o in outcomes.items() for p in mm.same_grade_violations(reference, o)]
    _check(results, method, "formats", case_id, problems)


@pytest.mark.parametrize("case_id", _params("truncate", list(CASES)))
def test_truncating_evidence_never_raises_a_grade(lab, reports, results, method, case_id):
    case, report = CASES[case_id], reports[case_id]
    before = lab.case_outcome(method, case, report, "clean")
    problems = []
    for keep in (0.5, 0.0):
        after = lab.case_outcome(method, case, mm.truncated(report, keep), f"truncated-{keep}")
        problems += [f"keep {keep:.0%}: {p}" for p in mm.no_better_violations(before, after)]
    _check(results, method, "truncate", case_id, problems)


def _clean_injection(fmt: str) -> dict:
    return {"id": "clean", "format": fmt, "technique": "visible", "text": ""}


@pytest.mark.parametrize("variant_id", _params("injection", list(VARIANTS)))
def test_injection_changes_no_grade_or_status(lab, results, method, variant_id):
    variant = VARIANTS[variant_id]
    folder = lab.folder / "injection" / variant_id
    folder.mkdir(parents=True, exist_ok=True)
    clean_folder = lab.folder / "injection" / f"clean-{variant['format']}"
    clean_folder.mkdir(parents=True, exist_ok=True)
    member, year = CASES["sample-relief-network"].member, CASES["sample-relief-network"].report_year
    before = lab.outcome(method, build_injection(_clean_injection(variant["format"]), clean_folder), member, year)
    after = lab.outcome(method, build_injection(variant, folder), member, year)
    _check(results, method, "injection", variant_id, mm.same_outcome_violations(before, after))
