"""Metrics for the evaluation suite. Small enough to keep here rather than pull in scikit-learn."""

from __future__ import annotations

import numpy as np

from assistant.models import Grade

GRADES = list(Grade)


def confusion(gold: list[Grade], predicted: list[Grade | None]) -> list[list[int]]:
    """Rows gold, columns predicted, in FM, PM, PS, NM order; a missing prediction counts as NM (the strictest)."""
    matrix = np.zeros((4, 4), dtype=int)
    for g, p in zip(gold, predicted):
        matrix[g.rank, (p or Grade.NM).rank] += 1
    return matrix.tolist()


def quadratic_weighted_kappa(gold: list[Grade], predicted: list[Grade | None]) -> float:
    """Cohen's kappa with quadratic weights over the ordered scale; 1 is perfect, 0 is chance."""
    observed = np.array(confusion(gold, predicted), dtype=float)
    n = observed.sum()
    if n == 0:
        return 0.0
    ranks = np.arange(4)
    weights = (ranks[:, None] - ranks[None, :]) ** 2 / 9.0
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / n
    denominator = (weights * expected).sum()
    return 1.0 if denominator == 0 else float(1 - (weights * observed).sum() / denominator)


def grade_metrics(gold: list[Grade], predicted: list[Grade | None]) -> dict:
    pairs = [(g, p or Grade.NM) for g, p in zip(gold, predicted)]
    n = len(pairs) or 1
    return {
        "n": len(pairs),
        "exact": sum(g == p for g, p in pairs) / n,
        "within_one": sum(abs(g.rank - p.rank) <= 1 for g, p in pairs) / n,
        "qwk": quadratic_weighted_kappa(gold, predicted),
        "leniency": sum(p.rank < g.rank for g, p in pairs) / n,  # graded better than the panel did
        "confusion": confusion(gold, predicted),
    }
