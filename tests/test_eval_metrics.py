"""The evaluation's own arithmetic and proxy, so the numbers it prints can be trusted."""

import pytest

from assistant.models import Grade
from assistant.reading.corpus import load_letter
from eval.harness import load_cases, proxy_report
from eval.metrics import grade_metrics, quadratic_weighted_kappa

from .conftest import REAL_LETTER

FM, PM, PS, NM = Grade.FM, Grade.PM, Grade.PS, Grade.NM


def test_perfect_and_chance_agreement():
    gold = [FM, PM, PS, NM, PM]
    assert quadratic_weighted_kappa(gold, gold) == pytest.approx(1.0)
    metrics = grade_metrics(gold, [PM] * 5)
    assert metrics["exact"] == pytest.approx(0.4) and metrics["qwk"] == pytest.approx(0.0)


def test_known_kappa_value():
    # Worked by hand: weights (i-j)^2/9; observed weighted disagreement 2/9, expected (from the margins) 6/9,
    # so kappa = 1 - (2/9)/(6/9) = 2/3.
    assert quadratic_weighted_kappa([FM, PM, PS, NM], [PM, PM, PS, PS]) == pytest.approx(2 / 3)


def test_leniency_within_one_and_missing_predictions():
    metrics = grade_metrics([PS, PS, PM, FM], [PM, FM, None, FM])
    assert metrics["leniency"] == pytest.approx(0.5)  # PS->PM and PS->FM graded better than the panel
    assert metrics["within_one"] == pytest.approx(0.5)  # PS->PM, FM->FM; PS->FM and PM->(none: NM) are further
    assert metrics["confusion"][1][3] == 1


def test_cases_are_data_and_the_proxy_keeps_only_what_the_letter_says():
    cases = load_cases()
    assert [c.id for c in cases] == ["amnesty-international-2022"]
    assert {n: q.grade.value for n, q in cases[0].gold.items()} == {1: "FM", 2: "PM", 3: "PS", 4: "PM", 5: "PM"}
    proxy = proxy_report(load_letter(REAL_LETTER))
    assert "## Question 3" in proxy and "5 grievances were received" in proxy
    assert "It would be helpful for the reviewers to know" not in proxy  # the panel's asks are not report content
