"""The edits and renderings behind the metamorphic eval (eval/test_metamorphic.py, which checks the assessment with
them): each edit does exactly what its property assumes, and every rendering carries the same text. No model runs."""

from __future__ import annotations

import pytest

from assistant.models import Grade
from assistant.reading.documents import read_document
from eval import metamorphic as mm
from eval.harness import load_designed_cases

REPORT = mm.Report((
    mm.Section("Example Network Accountability Report", "Our year in brief. We grew.", 1),
    mm.Section("1. Achievements", "We trained 40 nurses in 2023.\n\nThe district board checked the figures.", 2),
    mm.Section("Highlights", "- 12 clinics opened\n- 3 new partners", 3),
    mm.Section("2. Changes", "| year | staff |\n| --- | --- |\n| 2022 | 10 |\n| 2023 | 14 |", 2),
    mm.Section("3. Complaints", "We received **57 complaints**. All were answered within 30 days. Two were upheld.", 2),
))


def headings(report: mm.Report) -> list[str]:
    return [s.heading for s in report.sections]


def test_deleting_a_section_takes_its_subsections_and_nothing_else():
    edited = mm.without_sections(REPORT, ["1. Achievements"])
    assert headings(edited) == ["Example Network Accountability Report", "2. Changes", "3. Complaints"]
    with pytest.raises(ValueError):
        mm.without_sections(REPORT, ["4. Staff"])


def test_reordering_keeps_every_section_once_with_its_subsections():
    edited = mm.reordered(REPORT)
    assert headings(edited) == ["Example Network Accountability Report", "3. Complaints", "2. Changes",
                                "1. Achievements", "Highlights"]
    assert sorted(edited.sections, key=str) == sorted(REPORT.sections, key=str)


def test_praise_is_added_to_every_section_and_truncation_only_takes_away():
    praised = mm.with_praise(REPORT)
    assert all(s.body.endswith(mm.PRAISE) and s.body.startswith(o.body) for s, o in zip(praised.sections, REPORT.sections))
    for keep in (0.5, 0.0):
        for cut, whole in zip(mm.truncated(REPORT, keep).sections, REPORT.sections):
            assert cut.heading == whole.heading and len(cut.body) <= len(whole.body)
            assert whole.body.startswith(cut.body.split("\n\n")[0].split(". ")[0])
    assert mm.truncated(REPORT, 0.5).sections[1].body == "We trained 40 nurses in 2023."


@pytest.mark.parametrize("fmt", ["md", "txt", "docx", "pdf"])
def test_every_rendering_carries_the_headings_and_the_text(tmp_path, fmt):
    document = read_document(mm.render(REPORT, fmt, tmp_path / "report"))
    text = " ".join(" ".join(page.text.split()) for page in document.pages)
    for section in REPORT.sections:
        assert section.heading in text
    for words in ("We trained 40 nurses in 2023.", "57 complaints", "12 clinics opened", "2023", "14"):
        assert words in text
    assert "**" not in text or fmt in ("md", "txt")


def test_markdown_and_text_round_trip(tmp_path):
    for fmt, read in (("md", mm.from_markdown), ("txt", mm.from_text)):
        report = mm.Report(REPORT.sections[1:], home=fmt)
        path = mm.render(report, fmt, tmp_path / "report")
        back = read(path.read_text(encoding="utf-8"))
        assert headings(mm.Report(back)) == headings(report)
        assert [s.body for s in back] == [s.body for s in report.sections]


@pytest.mark.parametrize("case", load_designed_cases(), ids=lambda c: c.id)
def test_every_designed_case_reads_into_its_labelled_sections(case):
    report = mm.load_report(case.report_path)
    for question in case.questions.values():
        for heading in question.sections:
            assert heading in headings(report)
            assert len(mm.without_sections(report, [heading]).sections) < len(report.sections)


def test_the_checks_catch_what_they_look_for():
    before = {1: (Grade.PM, ("addressed", "partly")), 2: (Grade.PS, ("missing",)), 0: (None, ("partly",))}
    assert mm.deletion_violations(before, {1: (Grade.NM, ()), 2: (Grade.PS, ("missing",)), 0: (None, ())}, 1, set()) == []
    assert mm.deletion_violations(before, {1: (Grade.PS, ()), 2: (Grade.PM, ("missing",)), 0: (None, ())}, 1, set()) == [
        "Q1 is PS, not NM, without its section", "Q2 moved PS -> PM"]
    assert mm.deletion_violations(before, {1: (Grade.NM, ()), 2: (Grade.PM, ()), 0: (None, ())}, 1, {2}) == []
    assert mm.no_better_violations(before, {**before, 2: (Grade.PM, ("partly",))}) == ["Q2 improved PS -> PM (point 1 missing -> partly)"]
    assert mm.no_better_violations(before, {**before, 1: (Grade.NM, ("missing", "missing"))}) == []
    assert mm.same_outcome_violations(before, {**before, 1: (Grade.PM, ("addressed", "addressed"))}) == [
        "Q1: point 2 partly -> addressed"]
