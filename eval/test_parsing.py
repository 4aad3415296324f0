"""Letter parsing against gold: grades and section boundaries. Deterministic code, so gold must be met exactly."""

import pytest

from assistant.reading.corpus import load_letter

from .harness import load_cases

CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_letter_parsing(case, results):
    letter = load_letter(case.letter_path)
    parsed = {q.number: q for q in letter.questions}
    grades_right = boundaries_right = 0
    for number, gold in case.gold.items():
        feedback = parsed.get(number)
        grades_right += feedback is not None and feedback.grade == gold.grade
        boundaries_right += (
            feedback is not None
            and feedback.commentary.startswith(gold.starts_with)
            and feedback.commentary.endswith(gold.ends_with)
        )
    n = len(case.gold)
    results.put(f"parsing:{case.id}", {"grade_exact": grades_right / n, "section_boundaries": boundaries_right / n})
    assert grades_right == n, f"{case.id}: {[(q.number, q.grade) for q in letter.questions]}"
    assert boundaries_right == n
