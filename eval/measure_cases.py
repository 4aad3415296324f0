"""Grades and point statuses of named designed cases, for a first run of new blind cases before any change:
`python -m eval.measure_cases blind-thematic-pdf blind-framework-docx` (assessment mode, a fresh data folder)."""

import sys
import tempfile
from pathlib import Path

from assistant.pipeline import Pipeline
from assistant.settings import Settings, disable_telemetry

from .designed import assess_case, point_accuracy
from .harness import load_designed_cases
from .metrics import grade_metrics


def main(ids: list[str]) -> None:
    disable_telemetry()
    pipeline = Pipeline(Settings(data_dir=Path(tempfile.mkdtemp()), draft_mode="assessment"))
    rows = []
    for case in [c for c in load_designed_cases() if c.id in ids]:
        found = assess_case(pipeline, case)
        rows += found
        for r in found:
            if r.gold is not None:
                print(f"{case.id} Q{r.number}: gold {r.gold.value}, assessment {r.predicted.value if r.predicted else '-'}, "
                      f"rubric on gold statuses {r.checked.value if r.checked else '-'}")
        print(f"{case.id}: point statuses {point_accuracy(found):.2f}")
    graded = [r for r in rows if r.gold is not None]
    for name, predicted in (("assessment", [r.predicted for r in graded]), ("rubric on gold", [r.checked for r in graded])):
        m = grade_metrics([r.gold for r in graded], predicted)
        print(f"{name}: exact {m['exact']:.2f}, within one {m['within_one']:.2f}, QWK {m['qwk']:.2f} (n={m['n']})")
    print(f"point statuses, all: {point_accuracy(rows):.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
