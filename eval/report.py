"""The evaluation report: one self-contained HTML file (plots as inline PNGs, no external CSS or JS) from the results
`pytest eval` gathers (eval/results/latest.json). `python -m eval.report [latest.json] [report.html]` rewrites it from
a saved results file."""

from __future__ import annotations

import base64
import html
import io
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

GRADES = ["FM", "PM", "PS", "NM"]
STATUSES = ["addressed", "partly", "missing"]
PROPERTIES = {
    "delete": "deleting a question's section: that question NM, no other grade moves",
    "praise": "generic praise appended to every section improves no grade",
    "reorder": "reordering the sections changes no grade",
    "formats": "the same report as Markdown, DOCX and PDF gets the same grades",
    "truncate": "truncating the evidence never raises a grade",
    "injection": "an injected instruction changes no grade and no point status",
}
STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2rem auto;max-width:1100px;
color:#1d232b;line-height:1.45;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2.2rem;border-bottom:1px solid #d5dbe2;
padding-bottom:.3rem}.muted{color:#5c6773;font-size:.9rem}table{border-collapse:collapse;margin:.6rem 0 1rem;
font-size:.9rem}th,td{border:1px solid #d5dbe2;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f2f5f8}td.num{text-align:right;font-variant-numeric:tabular-nums}.ok{color:#1b7f3b}
.bad{color:#b3261e;font-weight:600}.known{color:#9a6700}.plots{display:flex;flex-wrap:wrap;gap:1rem}
.plots figure{margin:0}figcaption{font-size:.85rem;color:#5c6773;text-align:center}tr.baseline td{color:#5c6773}
"""


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return f'<img alt="" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def _e(value) -> str:
    return html.escape(str(value))


def _num(value, digits: int = 2) -> str:
    return f'<td class="num">{value:.{digits}f}</td>' if isinstance(value, (int, float)) else "<td>-</td>"


def _table(header: list[str], rows: list[list[str]], classes: list[str] | None = None) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(f'<tr class="{(classes or [""] * len(rows))[i]}">' + "".join(
        cell if cell.startswith("<td") else f"<td>{cell}</td>" for cell in row) + "</tr>" for i, row in enumerate(rows))
    return f"<table><tr>{head}</tr>{body}</table>"


def methods(metrics: dict) -> dict[str, dict]:
    """The graded rows: the assessment alone, then each model on top of it."""
    rows = {"assessment alone": metrics["assessment:all"]} if "assessment:all" in metrics else {}
    rows.update({key.removeprefix("llm:") + " (on top of the assessment)": values
                 for key, values in metrics.items() if key.startswith("llm:")})
    return rows


def heat_map(matrix: list[list[int]], labels: list[str], title: str, xlabel: str, ylabel: str, cmap: str,
             width: float) -> str:
    """Counts of gold (rows) against assessed (columns), each cell labelled, as an inline PNG."""
    fig, ax = plt.subplots(figsize=(width, 3.2))
    ax.imshow(matrix, cmap=cmap)
    ax.set_xticks(range(len(labels)), labels)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    peak = max(max(row) for row in matrix) or 1
    for i, row in enumerate(matrix):
        for j, count in enumerate(row):
            ax.text(j, i, count, ha="center", va="center", color="white" if count > peak / 2 else "#1d232b")
    return _png(fig)


def confusion_plot(matrix: list[list[int]], title: str) -> str:
    return heat_map(matrix, GRADES, title, "predicted", "gold (designed cases)", "Blues", 3.6)


def _grade_row(name: str, m: dict) -> list[str]:
    return [_e(name), _num(m.get("n"), 0), _num(m.get("exact")), _num(m.get("within_one")), _num(m.get("qwk")),
            _num(m.get("leniency"))]


def _grades_section(metrics: dict) -> str:
    rows, classes = [], []
    for name, m in methods(metrics).items():
        rows.append(_grade_row(name, m))
        classes.append("")
    overall = metrics.get("assessment:all", {})
    if "majority_baseline_exact" in overall:
        rows.append(["majority baseline (every answer gets the most common gold grade)", _num(overall.get("n"), 0),
                     _num(overall["majority_baseline_exact"]), _num(overall["majority_baseline_within_one"]),
                     _num(overall.get("majority_baseline_qwk")), "<td>-</td>"])
        classes.append("baseline")
    references = {
        "assessment:statuses-checked": "the rubric once every point status is checked (set to gold, as a panel member "
                                       "would)",
        "labellers:second-vs-gold": "a second reader, blind, against gold (how far two careful readers agree)",
    }
    for key, name in references.items():
        if key in metrics:
            rows.append(_grade_row(name, metrics[key]))
            classes.append("baseline")
    split = [[_e(key.split(":")[1]), _num(m.get("n"), 0), _num(m.get("exact")), _num(m.get("within_one")),
              _num(m.get("qwk")), _num(m.get("majority_baseline_exact"))]
             for key, m in metrics.items() if key in ("assessment:tuned-on", "assessment:held-out")]
    plots = "".join(f"<figure>{confusion_plot(m['confusion'], name)}</figure>"
                    for name, m in methods(metrics).items() if "confusion" in m)
    asks = metrics.get("asks_vs_letter", {})
    commentary = ""
    if asks:
        commentary = "<h3>Commentary against the panel's own letter</h3>" + _table(
            ["commentary", "panel points covered", "panel asks covered"],
            [["assessment", _num(asks.get("covered")), _num(asks.get("asks_covered"))],
             ["boilerplate baseline (the same five generic sentences for every question)",
              _num(asks.get("boilerplate_covered")), "<td>-</td>"]], ["", "baseline"]) + \
            f'<p class="muted">{_e(asks.get("note", ""))}</p>'
    return (
        "<h2>Grades</h2><p class='muted'>Against the designed cases' gold grades (FM, PM, PS, NM). QWK: "
        "quadratic-weighted kappa (1 perfect, 0 chance). Leniency: share graded kinder than gold.</p>"
        + _table(["method", "n", "exact", "within one", "QWK", "leniency"], rows, classes)
        + ("<p class='muted'>The assessment alone, on the cases the rubric was tuned on and on the held-out ones:</p>"
           + _table(["cases", "n", "exact", "within one", "QWK", "majority baseline exact"], split) if split else "")
        + f"<div class='plots'>{plots}</div>" + commentary
    )


def _points_section(metrics: dict) -> str:
    by_status = metrics.get("points:by-status", {})
    by_case = metrics.get("points:by-case", {})
    if not by_status and not by_case:
        return ""
    plot = ""
    if by_status.get("confusion"):
        figure = heat_map(by_status["confusion"], STATUSES, "guidance-point statuses", "assessed", "gold", "Greens", 4.2)
        plot = f"<div class='plots'><figure>{figure}</figure></div>"
    status_rows = [[_e(s), _num(by_status.get(s, {}).get("n"), 0), _num(by_status.get(s, {}).get("accuracy"))]
                   for s in STATUSES if s in by_status]
    case_rows = [[_e(case), "yes" if v.get("tuned_on") else "held out", _num(v.get("n"), 0), _num(v.get("accuracy"))]
                 for case, v in by_case.items()]
    readers = ""
    if "labellers:second-vs-gold" in metrics:
        readers = _table(["comparison", "points the same"], [
            ["the assessment against gold", _num(metrics.get("assessment:all", {}).get("points"))],
            ["a second reader, blind, against gold", _num(metrics["labellers:second-vs-gold"].get("points"))],
            ["the assessment against the second reader",
             _num(metrics.get("labellers:assessment-vs-second", {}).get("points"))]], ["", "baseline", ""])
    return ("<h2>Guidance-point statuses</h2><p class='muted'>Share of the gold point statuses the assessment gives "
            "(addressed / partly / missing), per gold status and per case.</p>" + plot + readers
            + _table(["gold status", "points", "assessed the same"], status_rows)
            + _table(["case", "tuned on", "points", "assessed the same"], case_rows))


def _retrieval_section(metrics: dict) -> str:
    retrieval = metrics.get("retrieval", {})
    if not retrieval:
        return ""
    at_k = retrieval.get("recall_at_k", {})
    plot = ""
    if at_k:
        fig, ax = plt.subplots(figsize=(4.6, 3.0))
        for layout, values in at_k.items():
            ks = sorted(int(k) for k in values)
            ax.plot(ks, [values[str(k)] for k in ks], marker="o", label=layout)
        ax.set_xlabel("k (passages retrieved for the question)")
        ax.set_ylabel("recall of the labelled sections")
        ax.set_ylim(0, 1.05)
        ax.legend()
        ax.grid(alpha=0.3)
        plot = f"<div class='plots'><figure>{_png(fig)}</figure></div>"
    ks = sorted({int(k) for values in at_k.values() for k in values})
    summary = [[_e(layout), _num(retrieval.get(f"recall_{layout}"))] + [_num(at_k.get(layout, {}).get(str(k))) for k in ks]
               for layout in ("framework", "thematic") if f"recall_{layout}" in retrieval or layout in at_k]
    per_question = [[_e(r["case"]), _e(r["layout"]), f"Q{r['question']}", _e(r["located_by"]), _num(r.get("read"))]
                    + [_num(r["at_k"].get(str(k))) for k in ks] for r in retrieval.get("rows", [])]
    return ("<h2>Retrieval</h2><p class='muted'>Recall of the sections (or pages) labelled as answering each question: "
            "among the passages the assessment read, and among the top k passages a search for the question "
            "returns, for reports that follow the framework and thematic ones.</p>" + plot
            + _table(["reports", "passages read"] + [f"@{k}" for k in ks], summary)
            + "<details><summary>per question</summary>"
            + _table(["case", "layout", "question", "located by", "read"] + [f"@{k}" for k in ks], per_question)
            + "</details>")


def _metamorphic_section(metrics: dict) -> str:
    section = metrics.get("metamorphic", {})
    rows = section.get("rows", [])
    if not rows:
        return ""
    summary, detail = [], []
    for method in dict.fromkeys(r["method"] for r in rows):
        for prop, text in PROPERTIES.items():
            mine = [r for r in rows if r["method"] == method and r["property"] == prop]
            if not mine:
                continue
            failed = [r for r in mine if not r["held"]]
            known = [r for r in failed if r["known"]]
            cls = "ok" if not failed else "known" if len(known) == len(failed) else "bad"
            summary.append([_e(method), _e(text), f"<td class='num {cls}'>{len(mine) - len(failed)} / {len(mine)}</td>",
                            _e(f"{len(known)} known (xfail)") if known else ""])
            detail += [[_e(method), _e(prop), _e(r["subject"]), _e(r["detail"]),
                        f"<span class='known'>{_e(r['known'])}</span>" if r["known"] else "<span class='bad'>new</span>"]
                       for r in failed]
    seconds = section.get("seconds")
    timing = (f"<p class='muted'>{section.get('reports_assessed', 0)} report files assessed in {seconds:.0f} s.</p>"
              if isinstance(seconds, (int, float)) else "")
    return ("<h2>Metamorphic properties</h2><p class='muted'>Edits whose effect on the grades is known without gold "
            "labels, on every designed case and 45 injection variants of the sample report.</p>"
            + _table(["method", "property", "held", "expected failures"], summary) + timing
            + ("<h3>Where a property fails</h3>" + _table(["method", "property", "case", "what moved", "status"], detail)
               if detail else ""))


def _confidence_section(metrics: dict) -> str:
    splits = {name: metrics[f"confidence:{name}"] for name in ("tuned-on", "held-out") if f"confidence:{name}" in metrics}
    if not splits:
        return ""
    fig, ax = plt.subplots(figsize=(5.2, 3.4))
    for name, values in splits.items():
        xs, ys = zip(*values["curve"]) if values["curve"] else ((), ())
        ax.plot(xs, ys, marker="o", label=name)
    ax.axhline(0.9, color="#b3261e", linestyle=":", linewidth=1, label="target 0.90")
    ax.set_xlabel("coverage (most certain statuses first)")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8)
    rows = []
    for name, values in splits.items():
        for label, key in (("shipped threshold", "shipped"), ("threshold calibrated on tuned-on", "calibrated_on_tuned")):
            at = values[key]
            rows.append([_e(name), _e(label), _num(at["coverage"]), _num(at["accuracy"]), _num(at["n"], 0)])
    return ("<h2>Confidence: accuracy against coverage</h2><p class='muted'>Point statuses ranked by their certainty "
            "(assistant/judging/confidence.py); the curve gives the accuracy of the most certain share. 'sure' "
            "statuses are those at or above the threshold; the shipped threshold is none (corpus/assessment/"
            "confidence.json says why).</p>" + f"<div class='plots'><figure>{_png(fig)}</figure></div>"
            + _table(["cases", "threshold", "coverage", "accuracy", "points"], rows))


def _triage_section(metrics: dict) -> str:
    by_case = metrics.get("triage:by-case", {})
    if not by_case:
        return ""
    orders = ("assistant", "checklist", "random")
    cases = sorted(by_case, key=lambda c: (not by_case[c]["tuned_on"], c))
    fig, ax = plt.subplots(figsize=(8.5, 3.4))
    width = 0.27
    for k, order in enumerate(orders):
        ax.bar([i + (k - 1) * width for i in range(len(cases))], [by_case[c][order] for c in cases], width, label=order)
    ax.set_xticks(range(len(cases)), [c + ("" if by_case[c]["tuned_on"] else " *") for c in cases], rotation=60,
                  ha="right", fontsize=7)
    ax.set_ylabel("checks until the gold-status grades")
    ax.legend(fontsize=8)
    rows = [[_e(c), "yes" if by_case[c]["tuned_on"] else "held out"] + [_num(by_case[c][o], 1) for o in orders]
            + [_num(by_case[c]["points"], 0)] for c in cases]
    totals = metrics.get("triage:totals", {})
    rows += [[f"<b>all {_e(name)}</b>", ""] + [_num(v[o], 1) for o in orders] + ["<td></td>"] for name, v in totals.items()]
    return ("<h2>A scripted panel member</h2><p class='muted'>Checks (a point set to its gold status) until every "
            "question's grade is the rubric's on the gold statuses, in the assistant's triage order (recomputed after "
            "each check), the checklist's order, and at random (mean of 20 orders). * held out.</p>"
            + f"<div class='plots'><figure>{_png(fig)}</figure></div>"
            + _table(["case", "tuned on", "assistant", "checklist", "random", "points"], rows))


def _reviews_section(metrics: dict) -> str:
    """Agreement with the panel's finalised reviews (`panel-assistant eval --reviews`)."""
    data = metrics.get("reviews:agreement")
    if not data:
        return ""
    plot = ""
    if any(any(row) for row in data["grades"]["confusion"]):
        plot = (f"<div class='plots'><figure>{heat_map(data['grades']['confusion'], data['grades']['labels'], 'grades', 'assistant', 'panel (final)', 'Blues', 4.2)}"
                "</figure></div>")
    points = sorted(data["per_point"].items(), key=lambda kv: kv[1]["agreement"])
    return (f"<h2>Agreement with the panel</h2><p class='muted'>{data['reviews']} finalised reviews: the panel's final "
            "statuses and grades against the assistant's suggestion. Points it gets wrong most often first.</p>" + plot
            + _table(["guidance point", "reviews", "status the same"], [[_e(g), _num(v["n"], 0), _num(v["agreement"])]
                                                                        for g, v in points])
            + _table(["question", "reviews", "grade the same"], [[_e(q), _num(v["n"], 0), _num(v["agreement"])]
                                                               for q, v in data["per_question"].items()])
            + _table(["month finalised", "questions", "grade the same"], [[_e(m), _num(v["n"], 0), _num(v["agreement"])]
                                                                        for m, v in data["per_month"].items()]))


def _timing_section(metrics: dict) -> str:
    rows = []
    per_question = metrics.get("assessment:per-question", {}).get("seconds_per_question")
    if per_question is not None:
        rows.append(["assessment alone (no LLM)", _num(per_question)])
    rows += [[_e(key.removeprefix("llm:")), _num(v.get("seconds_per_question"))]
             for key, v in metrics.items() if key.startswith("llm:")]
    return "<h2>Time per question</h2>" + _table(["method", "seconds per question"], rows) if rows else ""


def render(results: dict) -> str:
    metrics = results.get("metrics", {})
    backends = [k.removeprefix("llm:") for k in metrics if k.startswith("llm:")]
    when = results.get("written") or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        f"<h1>Panel Assistant evaluation</h1><p class='muted'>{_e(when)} · methods: assessment alone"
        + "".join(f", {_e(b)}" for b in backends)
        + (" · the embedded 270M model never grades (it only rewrites prose); pass its server as --backend for a row"
           if not backends else "") + "</p>",
        _grades_section(metrics), _points_section(metrics), _confidence_section(metrics), _triage_section(metrics),
        _reviews_section(metrics),
        _retrieval_section(metrics),
        _metamorphic_section(metrics), _timing_section(metrics),
    ]
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Panel Assistant evaluation</title>"
            f"<style>{STYLE}</style></head><body>{''.join(parts)}</body></html>\n")


def write(results: dict, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(results), encoding="utf-8")
    return path


def screenshot(report: Path, png: Path, width: int = 1200) -> Path:
    """A PNG of the report's top (docs/eval-report.png), with Debian's chromium: never a downloaded browser."""
    import shutil

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": width, "height": 1500})
        page.goto(Path(report).resolve().as_uri())
        page.screenshot(path=str(png))
        browser.close()
    return Path(png)


if __name__ == "__main__":
    here = Path(__file__).parent / "results"
    args = sys.argv[1:]
    if args[:1] == ["--screenshot"]:  # python -m eval.report --screenshot docs/eval-report.png
        print(screenshot(here / "report.html", Path(args[1])))
    else:
        source = Path(args[0]) if args else here / "latest.json"
        target = Path(args[1]) if len(args) > 1 else here / "report.html"
        print(write(json.loads(source.read_text(encoding="utf-8")), target))
