"""Review rounds for the secretariat: the reports of one round (about nine), pre-screened together into one sheet,
and drafted in the background question by question.

A round lives in the review store's SQLite file: its reports (with the error of any that could not be read) and a
job queue, one job per question of one report and backend. A worker claims one job at a time in a transaction, so
several workers never draft the same question, and a worker that dies leaves its job to the next one: drafting a
round again after a crash or a restart resumes where it stopped.
"""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, Field

from .judging.drafting import model_failed
from .judging.llm import ChatClient
from .pipeline import Pipeline
from .reading.documents import IngestError, read_document
from .reading.safety import detector
from .review.reviews import ReviewFinalised, now
from .review.sheets import write_xlsx
from .review.text_safety import sheet_cell
from .search.embeddings import get_embedder
from .search.ingest import (
    IngestResult,
    _without_instructions,
    guess_member_and_year,
    load_ingest_record,
    original_path,
    read_limits,
)

try:
    import fcntl
except ImportError:  # Windows: a worker's lock file alone says it lives, and a killed one's is removed by hand
    fcntl = None

INJECTION = "addressed to an AI system"
PRESCREEN_COLUMNS = [
    "file", "member", "year", "question", "title", "status", "grade", "provisional", "points to check", "points checked",
    "drafted grade", "pages",
    "passages", "words", "figures", "points missing", "missing points", "injection warnings", "other warnings", "error",
]


class RoundError(RuntimeError):
    pass


class RoundReport(BaseModel):
    path: str
    member: str = ""
    year: int | None = None
    doc_id: str | None = None
    review_id: int | None = None
    pages: int | None = None
    warnings: list[str] = Field(default_factory=list)
    error: str = Field(default="", description="Why the file could not be read; empty when it was")


class Round(BaseModel):
    name: str
    framework_id: str
    created_at: str
    reports: list[RoundReport] = Field(default_factory=list)
    members: list[str] = Field(default_factory=list, description="Users on the round: they see its reviews")


class Rounds:
    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline
        self.store = pipeline.reviews

    def create(self, name: str) -> Round:
        with self.store.write() as db:
            if db.execute("SELECT 1 FROM rounds WHERE name=?", (name,)).fetchone():
                raise RoundError(f"round {name!r} exists already")
            db.execute("INSERT INTO rounds (name, framework_id, created_at) VALUES (?, ?, ?)",
                       (name, self.pipeline.settings.framework, now()))
        return self.get(name)

    def names(self, user: str | None = None) -> list[str]:
        """Every round (those `user` is on), the newest first."""
        if user is None:
            return [r["name"] for r in self.store.db.execute("SELECT name FROM rounds ORDER BY created_at DESC, name")]
        return [r["name"] for r in self.store.db.execute(
            "SELECT name FROM rounds WHERE name IN (SELECT round FROM round_members WHERE user=?) "
            "ORDER BY created_at DESC, name", (user,))]

    def add_member(self, name: str, user: str, by: str = "") -> Round:
        """Put `user` on the round: they see its reviews (and work on them). Who may do it is the caller's to check:
        the workspace lets only admins; the command line is the secretariat's own."""
        user = user.strip()
        if not user:
            raise RoundError("name the user to put on the round")
        self.get(name)
        with self.store.write() as db:
            db.execute("INSERT OR IGNORE INTO round_members (round, user, added_by, added_at) VALUES (?, ?, ?, ?)",
                       (name, user, by, now()))
        return self.get(name)

    def get(self, name: str) -> Round:
        with self.store.read() as db:
            row = db.execute("SELECT * FROM rounds WHERE name=?", (name,)).fetchone()
            if row is None:
                raise RoundError(f"no round {name!r}: make it with `panel-assistant round create {name}`")
            reports = [
                RoundReport(path=r["path"], member=r["member"], year=r["year"], doc_id=r["doc_id"], review_id=r["review_id"],
                            pages=r["pages"], warnings=json.loads(r["warnings"]), error=r["error"])
                for r in db.execute("SELECT * FROM round_reports WHERE round=? ORDER BY added_at, path", (name,))
            ]
            members = [r["user"] for r in db.execute("SELECT user FROM round_members WHERE round=? ORDER BY added_at, user", (name,))]
        return Round(name=row["name"], framework_id=row["framework_id"], created_at=row["created_at"], reports=reports,
                     members=members)

    # Reports

    def add(self, name: str, files: list[Path]) -> list[RoundReport]:
        """Ingest reports into the round. A CSV among the files is a manifest (columns file, member, year; paths
        relative to it, and inside its folder or PANEL_ROUND_FOLDERS); other files take member and year from their
        names. A file that cannot be read, or a manifest row naming one outside those folders (never read), is kept
        in the round with its error, and the others go on. A round over PANEL_MAX_ROUND_REPORTS gets nothing added."""
        settings = self.pipeline.settings
        entries: list[tuple[Path, str, int | None, str]] = []
        for file in map(Path, files):
            if file.suffix.lower() == ".csv":
                entries += _manifest(file, _folders(settings.round_folders), settings.max_round_reports,
                                     settings.corpus_dir)
            else:
                entries.append((file, *guess_member_and_year(file, settings.corpus_dir), ""))
        self._check_size(name, {str(path.resolve()) for path, *_ in entries})
        return [self._add_one(name, *entry) for entry in entries]

    def add_ingested(self, name: str, picks: list[tuple[str, str, str, int | None]]) -> list[RoundReport]:
        """Put reports already ingested (doc_id, source, member, year each) into the round, from the index: no file
        is read again. A report already in the round stays as it is (and is not returned); one no longer indexed is
        refused, and so is a round that would grow over PANEL_MAX_ROUND_REPORTS: then nothing is added."""
        settings = self.pipeline.settings
        there = {r.doc_id for r in self.get(name).reports}
        results = []
        for doc_id, source, member, year in picks:
            if doc_id in there:
                continue
            chunks = self.pipeline.index.chunks(doc_id=doc_id)
            if not chunks:
                raise RoundError(f"{source} is no longer in the index: ingest it again; nothing was added")
            record = load_ingest_record(settings, doc_id)
            results.append(IngestResult(
                doc_id=doc_id, source=source, member=member, year=year, chunks=len(chunks), already_indexed=True,
                pages=max((c.page or 0 for c in chunks), default=0), warnings=record.warnings if record else []))
            there.add(doc_id)
        # Its key in the round: the copy the data folder keeps of it (the index's id where none is kept).
        paths = {r.doc_id: str(original_path(settings, r.doc_id) or settings.data_dir / "reports" / r.doc_id) for r in results}
        self._check_size(name, set(paths.values()))
        added = []
        for result in results:
            review = self.pipeline.review_for(result, review_round=name)
            report = RoundReport(path=paths[result.doc_id], member=result.member, year=result.year, doc_id=result.doc_id,
                                 review_id=review.id, pages=result.pages, warnings=result.warnings)
            self._save_report(name, report)
            added.append(report)
        return added

    def set_report(self, name: str, path: str, member: str, year: int | None, user: str = "") -> RoundReport:
        """Say which member organisation's report of which year one report of the round is: in the round, and in its
        review (so the letter is addressed to it). A finalised review is refused, and nothing changes."""
        member = (member or "").strip()
        if not member:
            raise RoundError("name the member organisation")
        report = next((r for r in self.get(name).reports if r.path == path), None)
        if report is None:
            raise RoundError(f"round {name!r} has no report {Path(path).name!r}")
        if report.review_id is not None:
            try:
                self.store.describe(report.review_id, member, year, user)
            except ReviewFinalised as exc:
                raise RoundError(f"{exc}; nothing was changed") from exc
        with self.store.write() as db:
            db.execute("UPDATE round_reports SET member=?, year=? WHERE round=? AND path=?", (member, year, name, path))
        return report.model_copy(update={"member": member, "year": year})

    def room(self, name: str) -> int:
        """How many more reports the round may hold (PANEL_MAX_ROUND_REPORTS)."""
        return max(0, self.pipeline.settings.max_round_reports - len(self.get(name).reports))

    def summary(self, report: RoundReport, backend: str = "") -> dict[str, object]:
        """A readable report's state: its questions drafted by `backend`; each graded question's grade (the drafted
        one once there is one, else the pre-screen's) and whether it is provisional; its points checked (as in
        `prescreen_rows`) and to check."""
        review, screen = self.store.get(report.review_id), self.pipeline.prescreen(report.doc_id)
        grades, checked = [], 0
        for q in screen.questions:
            suggestion = review.suggestion(q.number)
            draft = suggestion.draft if suggestion and suggestion.draft.suggested_grade else None
            if draft or q.rubric_grade:
                provisional = bool(draft.assessment and draft.assessment.provisional) if draft else q.provisional
                grades.append((q.number, (draft.suggested_grade if draft else q.rubric_grade).value, provisional))
            checked += _checked(review, q.number, q.checks)
        return {"drafted": len(review.suggestions.get(backend, {})) if backend else 0, "grades": grades,
                "checked": checked, "to check": sum(q.to_check for q in screen.questions)}

    def _check_size(self, name: str, paths: set[str]) -> None:
        limit = self.pipeline.settings.max_round_reports
        total = len({r.path for r in self.get(name).reports} | paths)
        if total > limit:
            raise RoundError(f"round {name!r} would hold {total:,} reports, over the {limit:,} limit "
                             "(PANEL_MAX_ROUND_REPORTS); nothing was added. Split the round, or raise the limit.")

    def _add_one(self, name: str, path: Path, member: str, year: int | None, refused: str = "") -> RoundReport:
        report = RoundReport(path=str(path.resolve()), member=member, year=year, error=refused)
        if not refused:
            report = self._ingest(name, report, path)
        self._save_report(name, report)
        return report

    def _save_report(self, name: str, report: RoundReport) -> None:
        with self.store.write() as db:
            db.execute(
                "INSERT OR REPLACE INTO round_reports (round, path, member, year, doc_id, review_id, pages, warnings, error, added_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE((SELECT added_at FROM round_reports WHERE round=? AND path=?), ?))",
                (name, report.path, report.member, report.year, report.doc_id, report.review_id, report.pages,
                 json.dumps(report.warnings), report.error, name, report.path, now()),
            )

    def _ingest(self, name: str, report: RoundReport, path: Path) -> RoundReport:
        try:
            result = self.pipeline.ingest(path, member=report.member, year=report.year)
            warnings = result.warnings
            if result.already_indexed and load_ingest_record(self.pipeline.settings, result.doc_id) is None:
                warnings = warnings + self._removed_text(path)  # indexed before ingest records were kept
            review = self.pipeline.review_for(result, review_round=name)
        except (IngestError, OSError) as exc:
            return report.model_copy(update={"error": str(exc) or exc.__class__.__name__})
        return report.model_copy(update={"doc_id": result.doc_id, "review_id": review.id, "pages": result.pages,
                                         "warnings": warnings, "member": result.member, "year": result.year})

    def _removed_text(self, path: Path) -> list[str]:
        """The warnings for text ingestion would take out of a report, read again (the index keeps no record)."""
        settings = self.pipeline.settings
        judge = detector(settings.corpus_dir, get_embedder(settings.models_dir, settings.embedding_batch))
        return _without_instructions(read_document(path, read_limits(settings)), judge)[1]

    # Pre-screen

    def prescreen_rows(self, name: str, reports: slice | None = None) -> list[dict[str, object]]:
        """One row per report (of the `reports` slice: a page of the round) and question; a report that could not
        be read or screened gets one row with why. With the pre-screen's grade, the grade the assistant drafted
        (once it has), and the points checked: of the points the assessment asks a member to check, those a member
        has set a status for (a member's edit of the question with point statuses counts them)."""
        rows = []
        for report in self.get(name).reports[reports or slice(None)]:
            review = self.store.get(report.review_id) if report.review_id is not None else None
            base = {"file": review.source if review and review.source else Path(report.path).name,
                    "member": report.member, "year": report.year}
            injections = [w for w in report.warnings if INJECTION in w]
            others = [w for w in report.warnings if INJECTION not in w]
            if report.error or not report.doc_id:
                rows.append(base | {"status": "error", "error": report.error})
                continue
            try:
                screen = self.pipeline.prescreen(report.doc_id)
            except (KeyError, ValueError) as exc:
                rows.append(base | {"status": "error", "error": f"pre-screen failed: {exc}"})
                continue
            for q in screen.questions:
                rows.append(base | {
                    "question": q.number, "title": q.title, "status": q.status,
                    "grade": q.rubric_grade.value if q.rubric_grade else "", "provisional": q.grade_note if q.provisional else "",
                    "points to check": q.to_check, "points checked": _checked(review, q.number, q.checks),
                    "drafted grade": _drafted_grade(review, q.number),
                    "pages": ", ".join(map(str, q.pages)), "passages": q.passages, "words": q.words, "figures": q.figures,
                    "points missing": len(q.missing_guidance), "missing points": "\n".join(q.missing_guidance),
                    "injection warnings": "\n".join(injections), "other warnings": "\n".join(others), "error": "",
                })
        return [{column: row.get(column, "") for column in PRESCREEN_COLUMNS} for row in rows]

    def write_prescreen(self, name: str, out: Path) -> Path:
        """The round's pre-screen as .xlsx or .csv. File names, member names and warnings come from the reports:
        a cell that a spreadsheet would run as a formula is written as text (text_safety.sheet_cell)."""
        out = Path(out)
        rows = [{column: sheet_cell(value) for column, value in row.items()} for row in self.prescreen_rows(name)]
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix.lower() == ".csv":
            with out.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=PRESCREEN_COLUMNS)
                writer.writeheader()
                writer.writerows(rows)
            return out
        if out.suffix.lower() != ".xlsx":
            raise RoundError(f"unsupported pre-screen format {out.suffix!r}: use .xlsx or .csv")
        write_xlsx(rows, PRESCREEN_COLUMNS, out, title=f"Pre-screen {name}")
        return out

    # Drafting in the background

    def enqueue(self, name: str, backend: str, numbers: list[int] | None = None) -> int:
        """Queue each question of each readable report for `backend`; jobs already done stay done, failed ones are
        tried again. Returns how many jobs wait."""
        numbers = numbers if numbers is not None else [q.number for q in self.pipeline.framework.questions]
        reports = [r for r in self.get(name).reports if r.review_id is not None]
        with self.store.write() as db:
            for report in reports:
                for number in numbers:
                    db.execute("INSERT OR IGNORE INTO jobs (round, review_id, number, backend, updated_at) VALUES (?, ?, ?, ?, ?)",
                               (name, report.review_id, number, backend, now()))
            db.execute("UPDATE jobs SET status='pending', error='', updated_at=? WHERE round=? AND backend=? AND status='failed'",
                       (now(), name, backend))
            return db.execute("SELECT COUNT(*) FROM jobs WHERE round=? AND backend=? AND status='pending'", (name, backend)).fetchone()[0]

    def progress(self, name: str) -> dict[str, int]:
        counts = {"pending": 0, "running": 0, "done": 0, "failed": 0}
        for row in self.store.db.execute("SELECT status, COUNT(*) AS n FROM jobs WHERE round=? GROUP BY status", (name,)):
            counts[row["status"]] = row["n"]
        return counts

    def failures(self, name: str) -> list[str]:
        return [f"review {r['review_id']} question {r['number']}: {r['error']}" for r in self.store.db.execute(
            "SELECT review_id, number, error FROM jobs WHERE round=? AND status='failed' ORDER BY id", (name,))]

    def recover(self, name: str) -> int:
        """Jobs left 'running' by a worker on this machine that no longer lives go back to the queue."""
        host = socket.gethostname()
        with self.store.write() as db:
            stale = [r["id"] for r in db.execute("SELECT id, worker FROM jobs WHERE round=? AND status='running'", (name,))
                     if self._dead(r["worker"], host)]
            for job_id in stale:
                db.execute("UPDATE jobs SET status='pending', worker='', updated_at=? WHERE id=?", (now(), job_id))
        return len(stale)

    def work(self, name: str, client: ChatClient | None = None, limit: int | None = None) -> dict[str, int]:
        """Draft queued questions of the round with `client` (the pipeline's if none), one at a time, each saved to
        its review as it lands, until the queue is empty (or `limit` jobs are done)."""
        client, backend = self.pipeline.drafting_backend(client)
        worker = f"{socket.gethostname()}:{os.getpid()}"
        with self._alive(os.getpid()):
            self.recover(name)
            finished = 0
            while limit is None or finished < limit:
                with self.store.write() as db:
                    job = db.execute(
                        "UPDATE jobs SET status='running', worker=?, attempts=attempts+1, updated_at=? WHERE id = "
                        "(SELECT id FROM jobs WHERE round=? AND backend=? AND status='pending' ORDER BY id LIMIT 1) "
                        "RETURNING id, review_id, number", (worker, now(), name, backend),
                    ).fetchone()
                if job is None:
                    break
                try:
                    review = self.store.get(job["review_id"])
                    drafts = self.pipeline.draft(review, [job["number"]], client=client, user=f"round {name}")
                    # A model that failed is flagged on its draft, not raised: that question is not done.
                    failed = [model_failed(d) for d in drafts if model_failed(d)]
                    status, error = ("failed", failed[0]) if failed else ("done", "")
                except Exception as exc:  # one question's failure is recorded in its row; the round goes on
                    status, error = "failed", f"{exc.__class__.__name__}: {exc}"
                with self.store.write() as db:
                    db.execute("UPDATE jobs SET status=?, error=?, updated_at=? WHERE id=?", (status, error, now(), job["id"]))
                finished += 1
        return self.progress(name)

    # A worker holds a lock file for as long as it lives; the kernel drops the lock when the process ends however it
    # ends, so a free lock (or none) means a dead worker, whatever became of its process id.

    def _lock_path(self, pid: int) -> Path:
        return self.pipeline.settings.data_dir / "rounds" / "workers" / f"{_safe(socket.gethostname())}-{pid}.lock"

    @contextmanager
    def _alive(self, pid: int) -> Iterator[None]:
        path = self._lock_path(pid)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a+b") as handle:
            if fcntl:
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                path.unlink(missing_ok=True)

    def _dead(self, worker: str, host: str) -> bool:
        worker_host, _, pid = worker.rpartition(":")
        if worker_host != host or not pid.isdigit():
            return False  # another machine's worker: not ours to judge
        path = self._lock_path(int(pid))
        if not path.exists():
            return True
        if fcntl is None:
            return False
        with path.open("a+b") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

    def start_worker(self, name: str) -> subprocess.Popen:
        """A detached `panel-assistant round work NAME`: it outlives this command; its log is in data_dir/rounds."""
        log_dir = self.pipeline.settings.data_dir / "rounds"
        log_dir.mkdir(parents=True, exist_ok=True)
        log = open(log_dir / f"{_safe(name)}.log", "ab")
        return subprocess.Popen([sys.executable, "-m", "assistant.cli", "round", "work", name], stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)


def _checked(review, number: int, checks: list[str]) -> int:
    """How many of the points to check (`checks`) of a question some member has set a status for."""
    if review is None:
        return 0
    set_by_hand = {guidance for edits in review.edits.values() if (edit := edits.get(number)) for guidance in edit.points}
    return sum(guidance in set_by_hand for guidance in checks)


def _drafted_grade(review, number: int) -> str:
    suggestion = review.suggestion(number) if review is not None else None
    grade = suggestion.draft.suggested_grade if suggestion else None
    return grade.value if grade else ""


def _folders(spec: str) -> list[Path]:
    return [Path(item.strip()).expanduser().resolve() for item in spec.split(",") if item.strip()]


def _manifest(path: Path, folders: list[Path], limit: int,
              corpus_dir: Path) -> list[tuple[Path, str, int | None, str]]:
    """(file, member, year, why it is refused or ''), a row each. A file must resolve (links followed) inside the
    manifest's folder or one of `folders`: `..` and absolute paths elsewhere are refused, the file never opened.
    Reading stops past `limit` rows."""
    roots = [path.parent.resolve(), *folders]
    where = "the manifest's folder" + (" or PANEL_ROUND_FOLDERS" if folders else " (PANEL_ROUND_FOLDERS adds others)")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "file" not in reader.fieldnames:
            raise RoundError(f"{path}: a manifest needs the columns file, member, year")
        entries = []
        for line, row in enumerate(reader, 2):
            if len(entries) >= limit:
                raise RoundError(f"{path}: more than {limit:,} reports, the limit of a round (PANEL_MAX_ROUND_REPORTS); "
                                 "nothing was added. Split the manifest, or raise the limit.")
            named = (row.get("file") or "").strip()
            file = path.parent / named  # an absolute path replaces the folder
            refused = ""
            if not named:
                refused = f"{path}, line {line}: no file named"
            elif not any(file.resolve().is_relative_to(root) for root in roots):
                refused = f"{path}, line {line}: {named!r} is outside {where}; refused, not read"
            guessed_member, guessed_year = guess_member_and_year(file, corpus_dir)
            year = (row.get("year") or "").strip()
            if year and not year.isdigit():
                raise RoundError(f"{path}, line {line}: year {year!r} is not a number")
            entries.append((file, (row.get("member") or "").strip() or guessed_member, int(year) if year else guessed_year,
                            refused))
        return entries


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "_"
