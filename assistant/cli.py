"""The `panel-assistant` command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

from .settings import disable_telemetry, get_settings
from .version import version

disable_telemetry()


def _pipeline():
    from .pipeline import Pipeline

    return Pipeline(get_settings())


def cmd_ingest(args: argparse.Namespace) -> int:
    from .reading.documents import IngestError
    from .search.ingest import ingest_letter

    pipeline = _pipeline()
    failures = 0
    for path in args.paths:
        try:
            if args.letter:
                result = ingest_letter(Path(path), pipeline.index, pipeline.settings)
            else:
                with tqdm(desc=Path(path).name, unit="chunk", disable=args.json) as bar:
                    def progress(done: int, total: int) -> None:
                        bar.total = total
                        bar.update(done - bar.n)

                    result = pipeline.ingest(Path(path), member=args.member, year=args.year, progress=progress)
        except IngestError as exc:
            failures += 1
            print(f"error: {exc}", file=sys.stderr)
            continue
        if args.json:
            print(result.model_dump_json())
            continue
        state = "already indexed" if result.already_indexed else "indexed"
        print(
            f"{result.source}: {state}, {result.chunks} chunks, member {result.member or '?'}, year {result.year or '?'}, "
            f"questions found {result.questions_found or 'none'}"
        )
        for warning in result.warnings:
            print(f"  warning: {warning}", file=sys.stderr)
    return 1 if failures else 0


def cmd_parse_letter(args: argparse.Namespace) -> int:
    from .reading.corpus import load_letter
    from .reading.documents import IngestError

    try:
        letter = load_letter(Path(args.path))
    except IngestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for warning in letter.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps({
            "member": letter.member,
            "report_year": letter.report_year,
            "review_round": letter.review_round,
            "overall_remarks": letter.overall_remarks,
            "opening_statement": letter.opening_statement,
            "questions": [
                {"number": q.number, "title": q.title, "grade": q.grade.value if q.grade else None, "commentary": q.commentary}
                for q in letter.questions
            ],
        }, indent=2, ensure_ascii=False))
        return 0
    print(f"{letter.member} — report {letter.report_year or '?'} — review round {letter.review_round or '?'}")
    for q in letter.questions:
        print(f"Q{q.number} {q.grade.value if q.grade else '--'}  {q.title[:70]}  ({len(q.commentary)} chars)")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from .search.index import LETTERS, REPORTS

    pipeline = _pipeline()
    hits = (pipeline.precedent_index if args.letters else pipeline.index).search(
        args.query, collection=LETTERS if args.letters else REPORTS, k=args.k,
        question=args.question, member=args.member, year=args.year,
    )
    if args.json:
        print(json.dumps([hit.model_dump(mode="json") for hit in hits], indent=2, ensure_ascii=False))
        return 0
    if not hits:
        print("no results (ingest a report first: panel-assistant ingest FILE)")
    for rank, hit in enumerate(hits, 1):
        c = hit.chunk
        where = f"{c.source}, {c.location}" + (f", Q{c.question}" if c.question is not None else "")
        print(f"[{rank}] {where}  (score {hit.score:.4f})")
        print("    " + c.text.replace("\n", " ")[:300])
    return 0


def _pipeline_with_report(args: argparse.Namespace):
    """The pipeline and the report ingested (a no-op when indexed already); (pipeline, None) after a clear error."""
    from .reading.documents import IngestError

    pipeline = _pipeline()
    try:
        report = pipeline.ingest(Path(args.report), member=args.member, year=args.year)
    except IngestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return pipeline, None
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return pipeline, report


def cmd_prescreen(args: argparse.Namespace) -> int:
    from .review.prescreen import as_table

    pipeline, report = _pipeline_with_report(args)
    if report is None:
        return 1
    result = pipeline.prescreen(report.doc_id, report.member, report.year)
    print(result.model_dump_json(indent=2) if args.json else as_table(result))
    return 0


def cmd_assess(args: argparse.Namespace) -> int:
    """The assessment alone: never starts an LLM."""
    pipeline, report = _pipeline_with_report(args)
    if report is None:
        return 1
    assessments = pipeline.assess(report.doc_id, report.member)
    if args.json:
        print(json.dumps({"questions": [
            {
                "number": a.number,
                "grade": a.grade.value if a.grade else None,
                "rationale": a.rationale,
                "provisional": a.provisional,
                "grade_range": [g.value for g in a.grade_range],
                "grade_note": a.grade_note,
                "to_check": a.to_check,
                "points": [
                    {"guidance": p.guidance, "status": p.status, "confidence": p.confidence,
                     "confidence_reason": p.confidence_reason,
                     "evidence": [{"quote": e.quote, "page": e.page, "section": e.section} for e in p.evidence]}
                    for p in a.points
                ],
                "commentary": a.commentary,
            }
            for a in assessments
        ]}, indent=2, ensure_ascii=False))
        return 0
    mark = {"addressed": "[x]", "partly": "[~]", "missing": "[ ]"}
    for a in assessments:
        print(f"\nQ{a.number} {a.grade.value if a.grade else '--'}  {a.title}  (answer located by {a.located_by})")
        if a.rationale:
            print(f"  {a.rationale}")
        if a.provisional:
            print(f"  provisional: {a.grade_note or 'a core point is still to be checked'}")
        for p in a.points:
            where = f" ({p.evidence[0].location})" if p.evidence else ""
            check = f"  [check: {p.confidence_reason}]" if p.confidence == "check" else ""
            print(f"  {mark[p.status]} {'*' if p.core else ' '} {p.guidance}{where}{check}")
    return 0




def cmd_draft(args: argparse.Namespace) -> int:
    from .judging.llm import LLMError
    from .judging.local_model import EmbeddedModelUnavailable

    pipeline, report = _pipeline_with_report(args)
    if report is None:
        return 1
    numbers = args.question or None
    total = len(numbers or pipeline.framework.questions) + 1
    with tqdm(total=total, desc="drafting", unit="step") as bar:
        def progress(done: int, _total: int, what: str) -> None:
            bar.set_postfix_str(what)
            bar.update(done - bar.n)

        try:
            letter = pipeline.draft_letter(report.doc_id, report.member, report.year, numbers, progress,
                                           review_round=args.round, user=args.user, source=report.source)
        except (LLMError, EmbeddedModelUnavailable) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    for question in letter.questions:
        for flag in question.flags:
            print(f"Q{question.number}: {flag}", file=sys.stderr)
    print(f"saved to the review of {report.source}" + (f" in round {args.round}" if args.round else ""), file=sys.stderr)
    if args.out:
        print(f"wrote {pipeline.export(letter, Path(args.out))}")
    else:
        print(pipeline.markdown(letter))
    # The letter is written whatever failed (nothing is lost), but a script must not take it for a finished draft.
    from .judging.drafting import model_failed

    failed = [q.number for q in letter.questions if model_failed(q)]
    if failed:
        print(f"error: the model failed on question(s) {', '.join(map(str, failed))}; they are flagged to be written "
              "or graded by hand.", file=sys.stderr)
        return 1
    return 0


def cmd_round(args: argparse.Namespace) -> int:
    from .rounds import RoundError, Rounds

    rounds = Rounds(_pipeline())
    try:
        if args.action == "create":
            rounds.create(args.name)
            print(f"round {args.name} created; add reports with `panel-assistant round add {args.name} FILES...`")
        elif args.action == "add":
            failures = 0
            for report in rounds.add(args.name, [Path(f) for f in args.files]):
                if report.error:
                    failures += 1
                    print(f"error: {report.path}: {report.error}", file=sys.stderr)
                else:
                    print(f"{Path(report.path).name}: {report.member or '?'}, {report.year or '?'}, {report.pages} pages")
            return 1 if failures else 0
        elif args.action == "prescreen":
            print(f"wrote {rounds.write_prescreen(args.name, Path(args.out))}")
        elif args.action == "member":
            for user in args.users:
                members = rounds.add_member(args.name, user).members
            print(f"round {args.name}: {', '.join(members)} see its reviews in the workspace")
        elif args.action == "draft":
            waiting = rounds.enqueue(args.name, _backend(rounds), args.question or None)
            if args.wait:
                return _work(rounds, args.name)
            worker = rounds.start_worker(args.name)
            print(f"drafting {waiting} questions in the background (worker {worker.pid}); "
                  f"`panel-assistant round status {args.name}` shows progress; running this again resumes after a restart")
        elif args.action == "work":
            return _work(rounds, args.name)
        elif args.action == "status":
            counts = rounds.progress(args.name)
            print(f"round {args.name}: " + ", ".join(f"{n} {status}" for status, n in counts.items()))
            for failure in rounds.failures(args.name):
                print(f"  failed: {failure}")
    except RoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _backend(rounds) -> str:
    return rounds.pipeline.drafting_backend()[1]


def _work(rounds, name: str) -> int:
    counts = rounds.work(name)
    print(f"round {name}: " + ", ".join(f"{n} {status}" for status, n in counts.items()))
    for failure in rounds.failures(name):
        print(f"  failed: {failure}", file=sys.stderr)
    return 1 if counts["failed"] else 0


def cmd_archive(args: argparse.Namespace) -> int:
    """A member's earlier texts of a report's questions (their archived edits, the assistant's suggestions), or one
    of them restored as their text: what the Draft tab's 'Earlier texts' shows and does."""
    from .review.reviews import ReviewError
    from .review.workspace import utc_time

    pipeline = _pipeline()
    try:
        review = pipeline.find_review(args.report, args.round)
        if args.restore:
            edit, earlier = pipeline.restore_text(review, args.user, args.restore, via="cli")
            print(f"restored {earlier.id} ({earlier.source}) as {args.user}'s text of question {earlier.number} in review "
                  f"{review.id}, saved {utc_time(edit.updated_at, with_date=True)}; any text it replaced is in the archive")
            return 0
        texts = pipeline.earlier_texts(review, args.user, args.question)
    except ReviewError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([t.model_dump(mode="json") | {"source": t.source} for t in texts], indent=2, ensure_ascii=False))
        return 0
    if not texts:
        print(f"no earlier texts of {args.user} in review {review.id}" + (f", question {args.question}" if args.question is not None else ""))
    for t in texts:
        when = [f"written {utc_time(t.written_at, with_date=True)}"] if t.written_at else []
        if t.set_aside_at:
            when.append(f"{'archived' if t.kind == 'edit' else 'replaced'} {utc_time(t.set_aside_at, with_date=True)}")
        print(f"Q{t.number} {t.id}  {t.source}; {', '.join(when)}; grade {t.grade.value if t.grade else '—'}")
        text = t.commentary if t.commentary is not None else "(the assistant's text: only the grade was the member's)"
        print("    " + text.replace("\n", "\n    "))
    print(f"restore one with `panel-assistant archive {args.report} --user {args.user} --restore ID`", file=sys.stderr)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .web.app import serve

    serve(get_settings())
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    """Remove a report (a withdrawn submission): its passages leave both search signals, its files the data folder."""
    removed = _pipeline().delete_report(args.doc_id)
    if not removed:
        print(f"error: no report {args.doc_id!r} in the index (see `panel-assistant doctor`)", file=sys.stderr)
        return 1
    print(f"removed {args.doc_id}: {removed} chunks")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """Where things are and whether they work: settings, data, index, LLM backend (a short probe)."""
    from .doctor import diagnose

    report = diagnose(get_settings(), timeout_s=args.timeout, start_model=args.start_model)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        for key, value in report.items():
            print(f"{key:>16}: {value}")
    return 0 if report["llm_status"].startswith(("ok", "not started")) else 1


def cmd_benchmark(args: argparse.Namespace) -> int:
    from . import benchmark

    results = benchmark.run(get_settings(), sizes=tuple(args.sizes), drafting=args.drafting, setup=args.setup,
                            setup_ref=args.setup_ref)
    print(json.dumps(results, indent=2))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluate import evaluate

    return evaluate(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="panel-assistant", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", help="index reports (PDF, DOCX, MD, TXT) or, with --letter, past letters")
    ingest.add_argument("paths", nargs="+")
    ingest.add_argument("--member", default="", help="member organisation (default: guessed from the file name)")
    ingest.add_argument("--year", type=int, help="report year (default: guessed from the file name)")
    ingest.add_argument("--letter", action="store_true", help="the files are past feedback letters")
    ingest.add_argument("--json", action="store_true")
    ingest.set_defaults(func=cmd_ingest)

    parse = sub.add_parser("parse-letter", help="split a feedback letter into per-question commentary and grades")
    parse.add_argument("path")
    parse.add_argument("--json", action="store_true")
    parse.set_defaults(func=cmd_parse_letter)

    search = sub.add_parser("search", help="search ingested reports (or past letters with --letters)")
    search.add_argument("query")
    search.add_argument("--question", type=int)
    search.add_argument("--member")
    search.add_argument("--year", type=int)
    search.add_argument("--letters", action="store_true", help="search past letters instead of reports")
    search.add_argument("-k", type=int, default=None, help="number of results")
    search.add_argument("--json", action="store_true")
    search.set_defaults(func=cmd_search)

    # What _pipeline_with_report reads: the report file and who and when it is from.
    report_args = argparse.ArgumentParser(add_help=False)
    report_args.add_argument("report")
    report_args.add_argument("--member", default="", help="member organisation (default: guessed from the file name)")
    report_args.add_argument("--year", type=int, help="report year (default: guessed from the file name)")

    screen = sub.add_parser(
        "prescreen", parents=[report_args], help="secretariat pre-screen: is every question answered, with what evidence"
    )
    screen.add_argument("--json", action="store_true")
    screen.set_defaults(func=cmd_prescreen)

    assess = sub.add_parser(
        "assess", parents=[report_args], help="assess each question against the framework's guidance points (no LLM)"
    )
    assess.add_argument("--json", action="store_true")
    assess.set_defaults(func=cmd_assess)

    draft = sub.add_parser("draft", parents=[report_args], help="draft the panel's letter on a report")
    draft.add_argument("--question", type=int, action="append", help="draft only this question (repeatable)")
    draft.add_argument("--out", help="write FILE.md, FILE.docx or FILE.json instead of printing Markdown")
    draft.add_argument("--round", default="", help="the review round the draft is saved in (default: none)")
    draft.add_argument("--user", default="cli", help="who drafted, in the review's audit log")
    draft.set_defaults(func=cmd_draft)

    round_ = sub.add_parser("round", help="the secretariat's review rounds: add reports, pre-screen, draft in the background")
    actions = round_.add_subparsers(dest="action", required=True)
    actions.add_parser("create", help="start a review round").add_argument("name")
    add = actions.add_parser("add", help="add reports (member and year from file names) or a CSV manifest (file,member,year)")
    add.add_argument("name")
    add.add_argument("files", nargs="+")
    member = actions.add_parser("member", help="put users on the round: with login on they see its reviews")
    member.add_argument("name")
    member.add_argument("users", nargs="+")
    sheet = actions.add_parser("prescreen", help="one row per report and question, as .xlsx or .csv")
    sheet.add_argument("name")
    sheet.add_argument("--out", required=True, help="round.xlsx or round.csv")
    batch = actions.add_parser("draft", help="draft every report of the round in the background; again to resume")
    batch.add_argument("name")
    batch.add_argument("--question", type=int, action="append", help="only this question (repeatable)")
    batch.add_argument("--wait", action="store_true", help="draft in this process instead of the background")
    actions.add_parser("work", help="the background worker (what `round draft` starts)").add_argument("name")
    actions.add_parser("status", help="how far the round's drafting is").add_argument("name")
    round_.set_defaults(func=cmd_round)

    archive = sub.add_parser("archive", help="a member's earlier texts of a report's questions; --restore one as their text")
    archive.add_argument("report", help="the review id, the report file, its file name or its document id")
    archive.add_argument("--question", type=int, help="only this question")
    archive.add_argument("--user", default="local", help="whose texts (default: local, the workspace's user without login)")
    archive.add_argument("--round", default=None, help="the review round, where the report is reviewed in several")
    archive.add_argument("--restore", metavar="ID", help="make this earlier text (e12, s3: see the list) the member's text")
    archive.add_argument("--json", action="store_true")
    archive.set_defaults(func=cmd_archive)

    serve = sub.add_parser(
        "serve", help="open the review workspace in the browser (127.0.0.1:7860; PANEL_HOST, PANEL_PORT, PANEL_ROOT_PATH)"
    )
    serve.set_defaults(func=cmd_serve)

    delete = sub.add_parser("delete", help="remove an ingested report from the index by its id")
    delete.add_argument("doc_id")
    delete.set_defaults(func=cmd_delete)

    doctor = sub.add_parser("doctor", help="check the set-up: backend, model, data folder, index, Chroma mode")
    doctor.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the LLM backend")
    doctor.add_argument("--start-model", action="store_true", help="also start the embedded model and ask it")
    doctor.add_argument("--json", action="store_true")
    doctor.set_defaults(func=cmd_doctor)

    bench = sub.add_parser("benchmark", help="print ingestion, embedding and retrieval figures")
    bench.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000], help="index sizes for retrieval")
    bench.add_argument("--drafting", action="store_true", help="also time drafting a whole letter with the configured model")
    bench.add_argument("--setup", action="store_true",
                       help="also time `make run` on a fresh clone until the first page answers (minutes; needs a clone)")
    bench.add_argument("--setup-ref", default="HEAD", metavar="REF", help="the commit --setup clones (default HEAD)")
    bench.set_defaults(func=cmd_benchmark)

    evaluate = sub.add_parser(
        "eval", help="run the evaluation suite (pytest eval) and write eval/results/report.html; needs a clone of "
        "the repository", description="Runs pytest on the repository's eval/ folder, so it works in a clone (not "
        "from an installed package), and prints the path of the HTML report it writes. Repeat --backend URL --model "
        "M to compare models side by side; without any, the assessment alone is measured (no LLM).")
    evaluate.add_argument("--backend", action="append", default=[], metavar="URL",
                          help="OpenAI-compatible base URL of a model to measure on top of the assessment (repeatable)")
    evaluate.add_argument("--model", action="append", default=[], metavar="M", help="model name for each --backend")
    evaluate.add_argument("--reviews", action="store_true",
                          help="measure the assistant against the panel's finalised reviews in the data folder instead")
    evaluate.add_argument("pytest_args", nargs="*", help="further pytest arguments, after --")
    evaluate.set_defaults(func=cmd_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .logs import configure_logging

    args = build_parser().parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
