"""The JSON workspaces of earlier versions: one file per user and report. The workspace now works on the shared
review store (assistant/review/store.py), which imports these files once on start (ReviewStore.import_workspaces) and
leaves them in place; this module reads that format, and names the per-user folders exports still use.

Every user gets a folder named injectively from the user name (a readable part plus a hash of the whole name), so
`a/b` and `a_b` never share a file and no name reaches outside the root."""

from __future__ import annotations

import hashlib
import re
import threading
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel, Field

from ..models import Framework, Grade, LetterDraft, QuestionDraft


class Edit(BaseModel):
    commentary: str | None = None
    grade: Grade | None = None
    omit: bool | None = Field(default=None, description="The member left this question out of the letter")
    updated_at: str = ""

    @property
    def changes_text_or_grade(self) -> bool:
        return self.commentary is not None or self.grade is not None


class ArchivedEdit(BaseModel):
    """An edit set aside when its question was regenerated: kept, never lost."""

    number: int
    edit: Edit
    archived_at: str = ""


class Workspace(BaseModel):
    user: str
    doc_id: str
    source: str = ""
    member: str = ""
    year: int | None = None
    framework_id: str = ""
    suggested: dict[int, QuestionDraft] = Field(default_factory=dict, description="The assistant's latest draft per question")
    edits: dict[int, Edit] = Field(default_factory=dict, description="What the panel member changed")
    archived: list[ArchivedEdit] = Field(default_factory=list, description="Edits replaced by a regeneration")
    opening_suggested: str = ""
    opening_edit: str | None = None
    updated_at: str = ""

    def commentary(self, number: int) -> str:
        edit = self.edits.get(number)
        if edit and edit.commentary is not None:
            return edit.commentary
        draft = self.suggested.get(number)
        return draft.commentary if draft else ""

    def grade(self, number: int) -> Grade | None:
        edit = self.edits.get(number)
        if edit and edit.grade is not None:
            return edit.grade
        draft = self.suggested.get(number)
        return draft.suggested_grade if draft else None

    def omitted(self, number: int) -> bool:
        edit = self.edits.get(number)
        return bool(edit and edit.omit)

    def letter(self, framework: Framework) -> LetterDraft:
        """The letter as the panel member has it now: every question of the framework, their edits over the
        suggestions, an empty commentary where neither exists (the export marks it). Only a question the member
        chose to leave out is missing."""
        questions = []
        for question in framework.questions:
            n = question.number
            if not question.graded or self.omitted(n):
                continue
            draft = self.suggested.get(n) or QuestionDraft(number=n, title=question.title)
            questions.append(draft.model_copy(update={"commentary": self.commentary(n), "suggested_grade": self.grade(n)}))
        statement = framework.statement_question
        opening_statement = "" if statement is None or self.omitted(statement.number) else self.commentary(statement.number)
        return LetterDraft(
            member=self.member, report_year=self.year, framework_id=self.framework_id, doc_id=self.doc_id, source=self.source,
            overall_remarks=self.opening_edit if self.opening_edit is not None else self.opening_suggested,
            opening_statement=opening_statement, questions=questions,
        )


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def utc_time(iso: str = "", with_date: bool = False) -> str:
    """Every time the workspace shows, in one zone and saying so: '14:03:22 UTC'."""
    moment = datetime.fromisoformat(iso) if iso else datetime.now(timezone.utc)
    return moment.astimezone(timezone.utc).strftime(f"{'%Y-%m-%d ' if with_date else ''}%H:%M:%S UTC")


def safe_name(name: str, limit: int = 60) -> str:
    """A file name part made of letters, digits, '_', '-' only: no separators, no leading dots."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_")[:limit] or "_"


def user_folder(user: str) -> str:
    """One folder per user name, injectively: the readable part alone could merge `a/b` and `a_b`."""
    if user.strip() in ("", ".", ".."):
        raise ValueError(f"not a usable user name: {user!r}")
    return f"{safe_name(user, 40)}-{hashlib.sha256(user.encode()).hexdigest()[:12]}"


def inside(folder: Path, name: str) -> Path:
    """`folder / name`, refused if it would resolve anywhere outside `folder`."""
    path = (folder / name).resolve()
    if not path.is_relative_to(folder.resolve()):
        raise ValueError(f"{name!r} would be written outside {folder}")
    return path


class WorkspaceStore:
    def __init__(self, root: Path):
        self.root = Path(root)
        self._locks: dict[Path, threading.Lock] = {}
        self._guard = threading.Lock()

    def folder(self, user: str) -> Path:
        folder = self.root / user_folder(user)
        legacy = self.root / user
        # Workspaces saved before folders were hashed sat under the plain user name; move them once, where that
        # name was unambiguous (already safe), so no earlier work goes missing.
        with self._guard:
            if not folder.exists() and safe_name(user) == user and legacy.is_dir():
                legacy.rename(folder)
        return folder

    def _path(self, user: str, doc_id: str) -> Path:
        return inside(self.folder(user), f"{safe_name(doc_id, 128)}.json")

    def _lock(self, path: Path) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(path, threading.Lock())

    def load(self, user: str, doc_id: str) -> Workspace | None:
        path = self._path(user, doc_id)
        return Workspace.model_validate_json(path.read_text(encoding="utf-8")) if path.exists() else None

    def list(self, user: str) -> list[Workspace]:
        folder = self.folder(user)
        spaces = [Workspace.model_validate_json(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")]
        return sorted(spaces, key=lambda w: w.updated_at, reverse=True)

    def _write(self, workspace: Workspace) -> Workspace:
        workspace.updated_at = _now()
        path = self._path(workspace.user, workspace.doc_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{threading.get_ident()}.tmp")
        tmp.write_text(workspace.model_dump_json(indent=1), encoding="utf-8")
        tmp.replace(path)  # atomic: a crash mid-write never leaves half a file
        return workspace

    def update(self, user: str, doc_id: str, change, **defaults) -> Workspace:
        """Load (or create), apply `change(workspace)`, save; serialised per file."""
        path = self._path(user, doc_id)
        with self._lock(path):
            workspace = self.load(user, doc_id) or Workspace(user=user, doc_id=doc_id, **defaults)
            change(workspace)
            return self._write(workspace)

    def open(self, user: str, doc_id: str, **defaults) -> Workspace:
        return self.update(user, doc_id, lambda w: None, **defaults)

    def save_suggestion(self, user: str, doc_id: str, draft: QuestionDraft) -> Workspace:
        """A fresh draft replaces the suggestion for its question only; the member's edits stay."""
        return self.update(user, doc_id, lambda w: w.suggested.__setitem__(draft.number, draft))

    def save_opening(self, user: str, doc_id: str, remarks: str) -> Workspace:
        return self.update(user, doc_id, lambda w: setattr(w, "opening_suggested", remarks))

    def save_edit(self, user: str, doc_id: str, number: int, commentary: str | None = None, grade: Grade | None = None,
                  omit: bool | None = None) -> Workspace:
        def change(workspace: Workspace) -> None:
            edit = workspace.edits.get(number) or Edit()
            if commentary is not None:
                edit.commentary = commentary
            if grade is not None:
                edit.grade = grade
            if omit is not None:
                edit.omit = omit
            edit.updated_at = _now()
            workspace.edits[number] = edit

        return self.update(user, doc_id, change)

    def replace_suggestion(self, user: str, doc_id: str, draft: QuestionDraft) -> Workspace:
        """A regenerated question: the new draft shows, and the member's earlier edit of it moves to the archive."""

        def change(workspace: Workspace) -> None:
            workspace.suggested[draft.number] = draft
            edit = workspace.edits.get(draft.number)
            if edit and edit.changes_text_or_grade:
                workspace.archived.append(ArchivedEdit(number=draft.number, edit=edit, archived_at=_now()))
                # "Leave out of the letter" is a choice about the question, not about the old text: it stays.
                if edit.omit:
                    workspace.edits[draft.number] = Edit(omit=True, updated_at=_now())
                else:
                    del workspace.edits[draft.number]

        return self.update(user, doc_id, change)

    def save_opening_edit(self, user: str, doc_id: str, text: str) -> Workspace:
        return self.update(user, doc_id, lambda w: setattr(w, "opening_edit", text))
