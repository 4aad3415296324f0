"""How long drafting a whole letter takes when the LLM backend breaks in the middle of it (not collected by pytest):

    python tests/fault_benchmark.py [--timeout 5] [--good 2]

A scripted OpenAI-compatible server on loopback (tests/fake_openai.py) answers the first `--good` requests properly,
then hangs, answers HTTP 500, or returns garbage (bytes that are not JSON; a completion whose text is not the JSON
asked for). The letter is drafted in llm mode through the product's own client and Pipeline.draft_letter, with
PANEL_LLM_TIMEOUT_S=--timeout. Prints per fault: the letter's wall time, the slowest question, the requests the server
saw, the questions flagged as model-failed, whether every flagged question kept the rubric's grade, and whether the
model's earlier drafts are still in the review."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.settings import Settings, disable_telemetry  # noqa: E402

disable_telemetry()

from assistant.judging.drafting import model_failed  # noqa: E402
from assistant.judging.llm import OpenAIChatClient  # noqa: E402
from assistant.pipeline import Pipeline  # noqa: E402
from tests.fake_openai import FAULTS, FakeOpenAIServer, fault_after  # noqa: E402
from tests.test_ui import scripted  # noqa: E402

SAMPLE = (Path(__file__).resolve().parent.parent / "corpus" / "samples"
          / "example-relief-network_2023_accountability-report.md")


def good(body: dict) -> str:
    return json.dumps(scripted(body["messages"]))


def draft_against(pipeline: Pipeline, report, reply, timeout_s: float, retries: int) -> dict:
    server = FakeOpenAIServer(reply)
    client = OpenAIChatClient(server.url, "tiny", timeout_s=timeout_s, retries=retries)
    landed: list[float] = []
    started = time.monotonic()

    def progress(done: int, total: int, what: str) -> None:
        landed.append(time.monotonic())

    try:
        letter = pipeline.draft_letter(report.doc_id, report.member, report.year, mode="llm", client=client,
                                       progress=progress, review_round=f"fault-{time.monotonic()}")
    finally:
        server.close()
    elapsed = time.monotonic() - started
    steps = [b - a for a, b in zip(landed, landed[1:])]
    assessments = {a.number: a for a in pipeline.assess(report.doc_id, report.member)}
    failed = [q.number for q in letter.questions if model_failed(q)]
    review = pipeline.reviews.find(report.doc_id, pipeline.framework.id, letter.review_round or "")
    return {
        "seconds": elapsed, "slowest_question_s": max(steps[:-1], default=0.0), "requests": len(server.bodies),
        "failed": failed,
        "rubric_kept": all(q.suggested_grade == assessments[q.number].grade
                           for q in letter.questions if model_failed(q)),
        "model_drafts_kept": sum(1 for q in letter.questions if q.mode == "llm"),
        "review": review,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timeout", type=float, default=5.0, help="PANEL_LLM_TIMEOUT_S for the run")
    parser.add_argument("--good", type=int, default=2, help="requests answered before the fault")
    parser.add_argument("--retries", type=int, default=2, help="retries after invalid output (PANEL_LLM_RETRIES)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        data.mkdir()
        models = Path(tempfile.gettempdir()) / "panel-load-models"
        models.mkdir(exist_ok=True)
        (data / "models").symlink_to(models)
        settings = Settings(data_dir=data, preset="embedded", draft_mode="llm", llm_timeout_s=args.timeout)
        pipeline = Pipeline(settings)
        report = pipeline.ingest(SAMPLE)
        pipeline.assess(report.doc_id, report.member)  # warm: the embedder and the index are loaded
        questions = len(pipeline.framework.questions)
        print(f"letter of {questions} questions + overall remarks; PANEL_LLM_TIMEOUT_S={args.timeout:g}, "
              f"retries after invalid output {args.retries}; the fault starts after {args.good} good answers")
        print("| backend | letter | slowest question | requests | flagged model-failed | rubric grade kept | "
              "model-written questions in the letter |\n| --- | ---: | ---: | ---: | --- | --- | ---: |")
        cases = [("healthy", good)] + [(name, fault_after(good, args.good, fault)) for name, fault in FAULTS.items()]
        for name, reply in cases:
            r = draft_against(pipeline, report, reply, args.timeout, args.retries)
            print(f"| {name} | {r['seconds']:.1f} s | {r['slowest_question_s']:.1f} s | {r['requests']} | "
                  f"{r['failed'] or 'none'} | {'yes' if r['rubric_kept'] else 'NO'} | {r['model_drafts_kept']} |",
                  flush=True)


if __name__ == "__main__":
    main()
