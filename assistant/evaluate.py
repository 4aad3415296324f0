"""`panel-assistant eval`: the evaluation suite (pytest eval, in a clone of the repository), or with --reviews the
panel's own finalised reviews in this data folder as evaluation cases."""

from __future__ import annotations

import argparse
import json
import sys

from .settings import get_settings


def evaluate(args: argparse.Namespace) -> int:
    import subprocess

    from .settings import IN_SOURCE_TREE, PROJECT_ROOT

    if not (IN_SOURCE_TREE and (PROJECT_ROOT / "eval" / "conftest.py").is_file()):
        print("error: the evaluation suite lives in a clone of the repository (eval/); it is not part of an "
              "installed package", file=sys.stderr)
        return 1
    if args.reviews:
        return _eval_reviews()
    if len(args.model) != len(args.backend):
        print("error: give one --model for each --backend", file=sys.stderr)
        return 1
    command = [sys.executable, "-m", "pytest", "eval", "-q"]
    for url, model in zip(args.backend, args.model):
        command += ["--backend", url, "--model", model]
    code = subprocess.call(command + args.pytest_args, cwd=PROJECT_ROOT)
    report = PROJECT_ROOT / "eval" / "results" / "report.html"
    if report.is_file():
        print(f"report: {report}")
    return code


def _eval_reviews() -> int:
    """`eval --reviews`: the finalised reviews in this data folder as evaluation cases, in a report kept there."""
    from eval import report as html_report

    from .pipeline import Pipeline

    settings = get_settings()
    metrics = Pipeline(settings).agreement()
    folder = settings.data_dir / "evaluation"
    out = html_report.write({"backend": "the panel's finalised reviews", "metrics": {"reviews:agreement": metrics}},
                            folder / "report.html")
    (folder / "reviews.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    print(f"{metrics['reviews']} finalised reviews; grades the same: "
          + ", ".join(f"Q{q} {v['agreement']:.2f} (n={v['n']})" for q, v in metrics["per_question"].items()))
    print(f"report: {out} (kept in the data folder: nothing is committed or sent)")
    return 0
