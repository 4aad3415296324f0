"""The review store: SQLite (stdlib) in WAL mode, holding the reviews of reviews.py.

No server, safe across processes (the UI, the CLI and the round worker write the same file), and a process killed
mid-write loses nothing it had acknowledged. Each change is one IMMEDIATE transaction, so two writers never interleave
a read-modify-write. The schema evolves through `PRAGMA user_version`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..models import Grade, LetterDraft, PointStatus, QuestionDraft
from ..settings import Settings
from .decisions import Decisions
from .history import History
from .members import VISIBLE, Membership
from .names import Naming
from .reviews import (
    REMARKS,
    ArchivedEdit,
    AuditEntry,
    Comment,
    FinalLetter,
    MemberEdit,
    Provenance,
    Review,
    ReviewError,
    ReviewFinalised,
    Suggestion,
    now,
    passages_seen,
)
from .schema import MIGRATIONS

try:
    import fcntl
except ImportError:  # Windows: SQLite's busy handler alone still serialises writers, just less fairly
    fcntl = None



class ReviewStore(Membership, Decisions, History, Naming):
    """The reviews in `path` (normally settings.data_dir / "reviews.sqlite3"). Safe to share between threads and
    processes: each thread of each process has its own connection, and every change is one transaction. Who may see
    and change a review (members, the lead) is the Membership half, in members.py; the lead's decisions on
    disagreements are in decisions.py, the earlier texts of a question (and restoring one) in history.py; its name,
    names.py."""

    def __init__(self, path: Path, workspaces_dir: Path | None = None, default_framework: str = ""):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._migrate()
        if workspaces_dir is not None:
            self.import_workspaces(Path(workspaces_dir), default_framework)

    @classmethod
    def for_settings(cls, settings: Settings) -> ReviewStore:
        return cls(settings.data_dir / "reviews.sqlite3", settings.data_dir / "workspaces", settings.framework)

    # Connections and transactions

    @property
    def db(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None or self._local.pid != os.getpid():  # a forked child never reuses its parent's
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA journal_mode=WAL")
            # FULL: a commit is on disk before it is acknowledged, so a member's edit survives even a power cut.
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("PRAGMA foreign_keys=ON")
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: it takes the write lock first, so a read-modify-write is never interleaved."""
        db = self.db
        # Writers queue on a file lock first: the kernel wakes them in turn, where SQLite's own busy handler polls
        # with growing sleeps and lets newcomers overtake (seconds of tail latency under load). The lock goes with
        # the process, so a writer killed mid-transaction never blocks the others.
        with self._queue():
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    @contextmanager
    def _queue(self) -> Iterator[None]:
        if fcntl is None:
            yield
            return
        handle = getattr(self._local, "queue", None)
        if handle is None or self._local.queue_pid != os.getpid():
            handle = open(self.path.with_name(self.path.name + ".lock"), "a+b")
            self._local.queue, self._local.queue_pid = handle, os.getpid()
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot across tables (WAL readers never wait for the writer)."""
        db = self.db
        db.execute("BEGIN")
        try:
            yield db
        finally:
            db.execute("COMMIT")

    def _migrate(self) -> None:
        with self.write() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise ReviewError(f"{self.path} is from a newer Panel Assistant (schema {version}); upgrade to open it")
            for number, script in enumerate(MIGRATIONS[version:], version + 1):
                for statement in filter(str.strip, script.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    # Reviews

    def open(self, doc_id: str, framework_id: str, review_round: str = "", *, user: str = "", source: str = "",
             member: str = "", year: int | None = None, lead_if_none: bool = False) -> Review:
        """The review of this report under this framework in this round, made if new; `user` joins its members (and
        with `lead_if_none` leads it where nobody does yet)."""
        with self.write() as db:
            review_id = self._ensure(db, doc_id, framework_id, review_round, source, member, year)
            if user:
                self._join(db, review_id, user)
                if lead_if_none and db.execute("UPDATE reviews SET lead=? WHERE id=? AND lead=''", (user, review_id)).rowcount:
                    self._audit(db, review_id, user, "lead", None, {"lead": user})
        return self.get(review_id)

    def _ensure(self, db, doc_id, framework_id, review_round, source="", member="", year=None) -> int:
        row = db.execute("SELECT id FROM reviews WHERE doc_id=? AND framework_id=? AND review_round=?",
                         (doc_id, framework_id, review_round)).fetchone()
        if row:
            return row["id"]
        stamp = now()
        review_id = db.execute(
            "INSERT INTO reviews (doc_id, framework_id, review_round, source, member, year, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (doc_id, framework_id, review_round, source, member, year, stamp, stamp),
        ).lastrowid
        self._audit(db, review_id, "", "create", None, {"doc_id": doc_id, "framework": framework_id, "round": review_round})
        return review_id

    def find(self, doc_id: str, framework_id: str, review_round: str = "") -> Review | None:
        row = self.db.execute("SELECT id FROM reviews WHERE doc_id=? AND framework_id=? AND review_round=?",
                              (doc_id, framework_id, review_round)).fetchone()
        return self.get(row["id"]) if row else None

    def list(self, user: str | None = None, review_round: str | None = None, visible_to: str | None = None) -> list[Review]:
        """Reviews (those `user` is a member of, those of one round, those `visible_to` may see: see members.py),
        the latest changed first."""
        query, args = "SELECT r.id FROM reviews r", []
        where = []
        if user:
            where.append("EXISTS (SELECT 1 FROM members m WHERE m.review_id=r.id AND m.user=?)")
            args.append(user)
        if visible_to is not None:
            where.append(VISIBLE)
            args += [visible_to] * 3
        if review_round is not None:
            where.append("r.review_round=?")
            args.append(review_round)
        if where:
            query += " WHERE " + " AND ".join(where)
        ids = [row["id"] for row in self.db.execute(query + " ORDER BY r.updated_at DESC", args)]
        return [self.get(i) for i in ids]

    def get(self, review_id: int) -> Review:
        with self.read() as db:
            return self._fetch(db, review_id)

    def _fetch(self, db: sqlite3.Connection, review_id: int) -> Review:
        row = db.execute("SELECT * FROM reviews WHERE id=?", (review_id,)).fetchone()
        if row is None:
            raise KeyError(f"no review {review_id}")
        review = Review(
            id=row["id"], doc_id=row["doc_id"], framework_id=row["framework_id"], review_round=row["review_round"],
            source=row["source"], member=row["member"], year=row["year"], lead=row["lead"], status=row["status"],
            updated_at=row["updated_at"],
        )
        review.members = [r["user"] for r in db.execute(
            "SELECT user FROM members WHERE review_id=? ORDER BY joined_at, user", (review_id,))]
        for r in db.execute("SELECT * FROM suggestions WHERE review_id=? ORDER BY backend, number", (review_id,)):
            review.suggestions.setdefault(r["backend"], {})[r["number"]] = Suggestion(
                backend=r["backend"], draft=QuestionDraft.model_validate_json(r["draft"]),
                provenance=Provenance.model_validate_json(r["provenance"]), created_at=r["created_at"],
            )
        review.remarks = {r["backend"]: r["text"] for r in db.execute("SELECT * FROM remarks WHERE review_id=?", (review_id,))}
        for r in db.execute("SELECT * FROM edits WHERE review_id=? ORDER BY user, number", (review_id,)):
            review.edits.setdefault(r["user"], {})[r["number"]] = _edit(r)
        review.archived = [
            ArchivedEdit(id=r["id"], edit=MemberEdit.model_validate_json(r["edit"]), reason=r["reason"],
                         archived_at=r["archived_at"])
            for r in db.execute("SELECT * FROM archived_edits WHERE review_id=? ORDER BY id", (review_id,))
        ]
        review.comments = [
            Comment(id=r["id"], user=r["user"], number=r["number"], text=r["text"], created_at=r["created_at"])
            for r in db.execute("SELECT * FROM comments WHERE review_id=? ORDER BY id", (review_id,))
        ]
        review.letters = [
            FinalLetter(version=r["version"], letter=LetterDraft.model_validate_json(r["letter"]), backend=r["backend"],
                        finalised_by=r["finalised_by"], finalised_at=r["finalised_at"])
            for r in db.execute("SELECT * FROM letters WHERE review_id=? ORDER BY version", (review_id,))
        ]
        review.decisions = self._decisions(db, review_id)
        return review

    def history(self, review_id: int) -> list[AuditEntry]:
        return [
            AuditEntry(id=r["id"], user=r["user"], action=r["action"], number=r["number"], detail=json.loads(r["detail"]), at=r["at"])
            for r in self.db.execute("SELECT * FROM audit WHERE review_id=? ORDER BY id", (review_id,))
        ]

    # The JSON workspaces of earlier versions (assistant/review/workspace.py)

    def import_workspaces(self, root: Path, default_framework: str = "") -> list[str]:
        """Bring every data_dir/workspaces/<user>/<doc_id>.json not yet imported into its review; the files stay.
        A user's suggestions become the backend 'workspace:<user>' (users drafted separately then); an edit that
        meets a newer one already in the store goes to the archive. Returns problems (unreadable files, kept)."""
        from .workspace import Workspace

        problems = []
        for path in sorted(Path(root).glob("*/*.json")):
            key = str(path.resolve())
            if self.db.execute("SELECT 1 FROM imported_workspaces WHERE path=?", (key,)).fetchone():
                continue
            try:
                workspace = Workspace.model_validate_json(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                problems.append(f"{path}: not imported, left in place ({str(exc).splitlines()[0]})")
                continue
            with self.write() as db:
                if db.execute("SELECT 1 FROM imported_workspaces WHERE path=?", (key,)).fetchone():
                    continue  # another process got there first
                review_id = self._import(db, workspace, default_framework, path)
                db.execute("INSERT INTO imported_workspaces (path, review_id, imported_at) VALUES (?, ?, ?)",
                           (key, review_id, now()))
        return problems

    def _import(self, db, workspace, default_framework: str, path: Path) -> int:
        user, backend = workspace.user, f"workspace:{workspace.user}"
        review_id = self._ensure(db, workspace.doc_id, workspace.framework_id or default_framework, "",
                                 workspace.source, workspace.member, workspace.year)
        self._join(db, review_id, user)
        for number, draft in workspace.suggested.items():
            prov, stamp = Provenance(backend=backend, model=draft.model, passages=passages_seen(draft)), workspace.updated_at or now()
            if db.execute("INSERT OR IGNORE INTO suggestions (review_id, backend, number, draft, provenance, created_at) "
                          "VALUES (?, ?, ?, ?, ?, ?)",
                          (review_id, backend, number, draft.model_dump_json(), prov.model_dump_json(), stamp)).rowcount:
                self._record_suggestion(db, review_id, draft, prov, stamp)
        if workspace.opening_suggested:
            db.execute("INSERT OR IGNORE INTO remarks (review_id, backend, text) VALUES (?, ?, ?)",
                       (review_id, backend, workspace.opening_suggested))
        edits = [MemberEdit(user=user, number=n, commentary=e.commentary, grade=e.grade, updated_at=e.updated_at or now())
                 for n, e in workspace.edits.items()]
        if workspace.opening_edit is not None:
            edits.append(MemberEdit(user=user, number=REMARKS, commentary=workspace.opening_edit, updated_at=workspace.updated_at or now()))
        for edit in edits:
            taken = db.execute("SELECT 1 FROM edits WHERE review_id=? AND user=? AND number=?", (review_id, user, edit.number)).fetchone()
            if taken:
                db.execute("INSERT INTO archived_edits (review_id, edit, reason, archived_at) VALUES (?, ?, ?, ?)",
                           (review_id, edit.model_dump_json(), "imported from a workspace file; a newer edit was in the store", now()))
                continue
            db.execute("INSERT INTO edits (review_id, user, number, commentary, grade, points, leave_out, updated_at) "
                       "VALUES (?, ?, ?, ?, ?, '{}', 0, ?)",
                       (review_id, user, edit.number, edit.commentary, edit.grade.value if edit.grade else None, edit.updated_at))
        for old in workspace.archived:
            edit = MemberEdit(user=user, number=old.number, commentary=old.edit.commentary, grade=old.edit.grade,
                              updated_at=old.edit.updated_at)
            db.execute("INSERT INTO archived_edits (review_id, edit, reason, archived_at) VALUES (?, ?, ?, ?)",
                       (review_id, edit.model_dump_json(), "regenerated (imported from a workspace file)", old.archived_at or now()))
        self._touch(db, review_id)
        self._audit(db, review_id, user, "import", None, {"path": str(path), "questions": sorted(workspace.suggested)})
        return review_id

    # The assistant's suggestions

    def save_suggestion(self, review_id: int, draft: QuestionDraft, prov: Provenance, user: str = "",
                        archive_edit_of: str | None = None) -> None:
        """A draft for one question from one backend; it replaces that backend's earlier one. A regeneration asked
        for by a member archives that member's edit of the question (`archive_edit_of`); other members' edits stay."""
        with self.write() as db:
            self._check_open(db, review_id)
            stamp = now()
            db.execute(
                "INSERT OR REPLACE INTO suggestions (review_id, backend, number, draft, provenance, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (review_id, prov.backend, draft.number, draft.model_dump_json(), prov.model_dump_json(), stamp),
            )
            self._record_suggestion(db, review_id, draft, prov, stamp)  # the one it replaces stays in the history
            if archive_edit_of:
                self._archive(db, review_id, archive_edit_of, draft.number, f"regenerated by {prov.backend}")
            self._touch(db, review_id)
            self._audit(db, review_id, user, "suggest", draft.number, prov.model_dump(mode="json")
                        | {"grade": draft.suggested_grade.value if draft.suggested_grade else None, "flags": draft.flags})

    def save_remarks(self, review_id: int, backend: str, text: str, user: str = "") -> None:
        with self.write() as db:
            self._check_open(db, review_id)
            db.execute("INSERT OR REPLACE INTO remarks (review_id, backend, text) VALUES (?, ?, ?)", (review_id, backend, text))
            self._touch(db, review_id)
            self._audit(db, review_id, user, "suggest-remarks", REMARKS, {"backend": backend})

    # Members' work

    def save_edit(self, review_id: int, user: str, number: int, *, commentary: str | None = None,
                  grade: Grade | str | None = None, points: dict[str, PointStatus] | None = None,
                  leave_out: bool | None = None, evidence: dict[str, dict[str, list[str]]] | None = None) -> MemberEdit:
        """Change what is given, keep the rest; point statuses and a point's evidence merge into those already set."""
        with self.write() as db:
            self._check_open(db, review_id)
            return self._save_edit(db, review_id, user, number, commentary=commentary, grade=grade, points=points,
                                   leave_out=leave_out, evidence=evidence)

    def _save_edit(self, db, review_id: int, user: str, number: int, *, commentary: str | None = None,
                   grade: Grade | str | None = None, points: dict[str, PointStatus] | None = None,
                   leave_out: bool | None = None, evidence: dict[str, dict[str, list[str]]] | None = None) -> MemberEdit:
        grade = Grade(grade) if grade is not None else None
        self._join(db, review_id, user)
        row = db.execute("SELECT * FROM edits WHERE review_id=? AND user=? AND number=?", (review_id, user, number)).fetchone()
        edit = _edit(row) if row else MemberEdit(user=user, number=number)
        change: dict[str, object] = {}
        if commentary is not None:
            change["commentary"] = edit.commentary = commentary
        if grade is not None:
            edit.grade = grade
            change["grade"] = grade.value
        if points:
            edit.points = {**edit.points, **points}
            change["points"] = points
        if leave_out is not None:
            change["leave_out"] = edit.leave_out = leave_out
        if evidence:
            edit.evidence = {**edit.evidence, **evidence}
            change["evidence"] = evidence
        edit.updated_at = now()
        db.execute(
            "INSERT OR REPLACE INTO edits (review_id, user, number, commentary, grade, points, leave_out, updated_at, "
            "evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (review_id, user, number, edit.commentary, edit.grade.value if edit.grade else None,
             json.dumps(edit.points), int(edit.leave_out), edit.updated_at, json.dumps(edit.evidence)),
        )
        self._touch(db, review_id)
        self._audit(db, review_id, user, "edit", number, change)
        return edit

    def describe(self, review_id: int, member: str, year: int | None, user: str = "") -> None:
        """Which member organisation's report of which year the review is (the secretariat corrects a guess)."""
        with self.write() as db:
            self._check_open(db, review_id)
            self._touch(db, review_id, "member=?, year=?", member, year)
            self._audit(db, review_id, user, "describe", None, {"member": member, "year": year})

    def archive_edit(self, review_id: int, user: str, number: int, reason: str = "set aside") -> None:
        with self.write() as db:
            self._check_open(db, review_id)
            self._archive(db, review_id, user, number, reason)
            self._touch(db, review_id)

    def comment(self, review_id: int, user: str, number: int, text: str) -> Comment:
        """Comments stay possible on a finalised letter: discussing it does not change it."""
        with self.write() as db:
            self._join(db, review_id, user)
            stamp = now()
            comment_id = db.execute("INSERT INTO comments (review_id, user, number, text, created_at) VALUES (?, ?, ?, ?, ?)",
                                    (review_id, user, number, text, stamp)).lastrowid
            self._touch(db, review_id)
            self._audit(db, review_id, user, "comment", number, {"comment": comment_id})
        return Comment(id=comment_id, user=user, number=number, text=text, created_at=stamp)

    # Helpers inside a transaction

    def _check_open(self, db, review_id: int) -> None:
        row = db.execute("SELECT status FROM reviews WHERE id=?", (review_id,)).fetchone()
        if row is None:
            raise KeyError(f"no review {review_id}")
        if row["status"] == "final":
            raise ReviewFinalised(f"review {review_id}: the letter is finalised and read-only; the lead can reopen it")

    def _archive(self, db, review_id: int, user: str, number: int, reason: str) -> None:
        row = db.execute("SELECT * FROM edits WHERE review_id=? AND user=? AND number=?", (review_id, user, number)).fetchone()
        if row is None:
            return
        db.execute("INSERT INTO archived_edits (review_id, edit, reason, archived_at) VALUES (?, ?, ?, ?)",
                   (review_id, _edit(row).model_dump_json(), reason, now()))
        db.execute("DELETE FROM edits WHERE review_id=? AND user=? AND number=?", (review_id, user, number))
        self._audit(db, review_id, user, "archive", number, {"reason": reason})

    def _touch(self, db, review_id: int, assignment: str = "", *args) -> None:
        sets = "updated_at=?" + (f", {assignment}" if assignment else "")
        db.execute(f"UPDATE reviews SET {sets} WHERE id=?", (now(), *args, review_id))

    def _audit(self, db, review_id: int, user: str, action: str, number: int | None, detail: dict) -> None:
        db.execute("INSERT INTO audit (review_id, user, action, number, detail, at) VALUES (?, ?, ?, ?, ?, ?)",
                   (review_id, user, action, number, json.dumps(detail, default=str), now()))


def _edit(row: sqlite3.Row) -> MemberEdit:
    return MemberEdit(
        user=row["user"], number=row["number"], commentary=row["commentary"],
        grade=Grade(row["grade"]) if row["grade"] else None, points=json.loads(row["points"]),
        leave_out=bool(row["leave_out"]), updated_at=row["updated_at"], evidence=json.loads(row["evidence"]),
    )
