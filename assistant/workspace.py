"""A panel member's work on one report, saved as it is made: the assistant's suggestions and the member's edits,
side by side (that pair is future evaluation data). One JSON file per user and report, written atomically, so a
browser reload or a server restart restores everything and two users never write the same file."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel, Field

from .models import Grade, LetterDraft, QuestionDraft


class Edit(BaseModel):
    commentary: str | None = None
    grade: Grade | None = None
    updated_at: str = ""


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

    def letter(self) -> LetterDraft:
        """The letter as the panel member has it now: their edits over the suggestions."""
        questions = [
            draft.model_copy(update={"commentary": self.commentary(n), "suggested_grade": self.grade(n)})
            for n, draft in sorted(self.suggested.items())
            if n != 0
        ]
        opening_statement = self.commentary(0) if 0 in self.suggested else ""
        return LetterDraft(
            member=self.member, report_year=self.year, framework_id=self.framework_id, source=self.source,
            opening=self.opening_edit if self.opening_edit is not None else self.opening_suggested,
            opening_statement=opening_statement, questions=questions,
        )


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "_"


class WorkspaceStore:
    def __init__(self, root: Path):
        self.root = Path(root)
        self._locks: dict[Path, threading.Lock] = {}
        self._guard = threading.Lock()

    def _path(self, user: str, doc_id: str) -> Path:
        return self.root / _safe(user) / f"{_safe(doc_id)}.json"

    def _lock(self, path: Path) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(path, threading.Lock())

    def load(self, user: str, doc_id: str) -> Workspace | None:
        path = self._path(user, doc_id)
        return Workspace.model_validate_json(path.read_text(encoding="utf-8")) if path.exists() else None

    def list(self, user: str) -> list[Workspace]:
        folder = self.root / _safe(user)
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

    def save_edit(self, user: str, doc_id: str, number: int, commentary: str | None = None, grade: Grade | None = None) -> Workspace:
        def change(workspace: Workspace) -> None:
            edit = workspace.edits.get(number) or Edit()
            if commentary is not None:
                edit.commentary = commentary
            if grade is not None:
                edit.grade = grade
            edit.updated_at = _now()
            workspace.edits[number] = edit

        return self.update(user, doc_id, change)

    def replace_suggestion(self, user: str, doc_id: str, draft: QuestionDraft) -> Workspace:
        """A regenerated question: the new draft shows, and the member's earlier edit of it moves to the archive."""

        def change(workspace: Workspace) -> None:
            workspace.suggested[draft.number] = draft
            if draft.number in workspace.edits:
                edit = workspace.edits.pop(draft.number)
                workspace.archived.append(ArchivedEdit(number=draft.number, edit=edit, archived_at=_now()))

        return self.update(user, doc_id, change)

    def save_opening_edit(self, user: str, doc_id: str, text: str) -> Workspace:
        return self.update(user, doc_id, lambda w: setattr(w, "opening_edit", text))
