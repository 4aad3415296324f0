"""The evaluation suite's backend options, shared fixtures, and the summary printed (and saved) at the end.

    pytest eval                                   # embedded default model
    pytest eval --backend URL --model NAME        # any OpenAI-compatible server (repeat the pair to compare)
    pytest eval --update-baseline                 # record this backend's numbers as its baseline
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from assistant.settings import Settings, disable_telemetry

disable_telemetry()

EVAL_DIR = Path(__file__).parent
BASELINE = EVAL_DIR / "baseline.json"
RESULTS = EVAL_DIR / "results" / "latest.json"
REPORT = EVAL_DIR / "results" / "report.html"


def pytest_addoption(parser):
    group = parser.getgroup("panel-assistant evaluation")
    group.addoption("--backend", action="append", default=[],
                    help="OpenAI-compatible base URL of a model to measure on top of the assessment (repeatable)")
    group.addoption("--model", action="append", default=[], help="model name at each --backend, in the same order")
    group.addoption("--api-key", default="not-needed")
    group.addoption("--structured-output", default="json_schema", choices=["json_schema", "json_object_schema", "json_object"])
    group.addoption("--update-baseline", action="store_true", help="store this run's numbers as the backend's baseline")


class Results:
    """Metrics gathered by the eval tests, keyed by section."""

    def __init__(self):
        self.data: dict[str, dict] = {}
        self.backend = "assessment"

    def put(self, section: str, values: dict) -> None:
        self.data.setdefault(section, {}).update(values)

    def add_row(self, section: str, row: dict) -> None:
        """One row of a table (metamorphic outcomes): rows gather under the section's 'rows'."""
        self.data.setdefault(section, {}).setdefault("rows", []).append(row)


RESULTS_STORE = Results()


@pytest.fixture(scope="session")
def results() -> Results:
    return RESULTS_STORE


@pytest.fixture(scope="session")
def eval_settings(tmp_path_factory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("eval-data"), max_tokens=500, llm_retries=1)


@pytest.fixture(scope="session", autouse=True)
def memoised_embeddings(eval_settings):
    """Each text embedded once per run, whichever test or data folder asks (eval/metamorphic.py memoised)."""
    from assistant.search.embeddings import get_embedder

    from .metamorphic import memoised

    with memoised(get_embedder(eval_settings.models_dir, eval_settings.embedding_batch)):
        yield


def backend_labels(config) -> list[str]:
    """'llm:MODEL' for each --backend given, in order: the names their rows go under."""
    backends, models = config.getoption("--backend"), config.getoption("--model")
    if len(models) != len(backends):
        raise pytest.UsageError("give one --model for each --backend")
    return [f"llm:{model}" for model in models]


def backend_clients(config) -> dict:
    """The OpenAI-compatible backends named by --backend, by label."""
    from assistant.judging.llm import OpenAIChatClient

    option = config.getoption
    return {
        label: OpenAIChatClient(url, model, api_key=option("--api-key"), structured_output=option("--structured-output"),
                                temperature=0.0, max_tokens=900)
        for label, url, model in zip(backend_labels(config), option("--backend"), option("--model"))
    }


@pytest.fixture(scope="session")
def baseline(results) -> dict:
    stored = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
    return stored


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not RESULTS_STORE.data:
        return
    from . import report as html_report

    written = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    report = {"backend": RESULTS_STORE.backend, "written": written, "metrics": RESULTS_STORE.data}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2))
    html_report.write(report, REPORT)
    write = terminalreporter.write_line
    terminalreporter.section("Panel Assistant evaluation")
    write(f"backend: {RESULTS_STORE.backend or '(none: LLM metrics skipped)'}")
    for section, values in RESULTS_STORE.data.items():
        write(f"[{section}]")
        for key, value in values.items():
            if key == "rows":
                shown = f"{len(value)} rows (in {RESULTS.name})"
            else:
                shown = f"{value:.3f}" if isinstance(value, float) else json.dumps(value)
            write(f"  {key:<32} {shown}")
    write(f"saved: {RESULTS}")
    write(f"report: {REPORT}")
    if config.getoption("--update-baseline") and RESULTS_STORE.backend:
        stored = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
        stored[RESULTS_STORE.backend] = {
            section: {k: v for k, v in values.items() if isinstance(v, (int, float))}
            for section, values in RESULTS_STORE.data.items()
        }
        BASELINE.write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n")
        write(f"baseline updated for {RESULTS_STORE.backend}: {BASELINE}")


@pytest.fixture(scope="session")
def pipeline(eval_settings):
    from assistant.pipeline import Pipeline

    return Pipeline(eval_settings)


@pytest.fixture(scope="session")
def designed_results(pipeline):
    """Every designed case assessed once (grades, statuses, the assessments themselves)."""
    from .designed import assess_case
    from .harness import load_designed_cases

    return [r for case in load_designed_cases() for r in assess_case(pipeline, case)]
