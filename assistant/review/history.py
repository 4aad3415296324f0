"""Earlier texts of a question: the history half of the review store (store.py mixes it in).

What a member can see again and bring back: their own edits set aside (by a regeneration, a restore, the lead's
decision: the archived_edits table) and every suggestion the assistant made, per backend with its provenance (the
suggestions table keeps only each backend's latest; suggestion_history keeps them all, the text, grade and
provenance, not the whole draft). Restoring one makes it the member's text, their current one archived first.
"""

from __future__ import annotations

import json

from ..models import Grade, QuestionDraft
from .reviews import EarlierText, MemberEdit, Provenance, ReviewError


class History:
    """Mixed into ReviewStore: it uses the store's transactions (read, write) and helpers (_archive, _save_edit,
    _check_open, _touch, _audit)."""

    def earlier_texts(self, review_id: int, user: str, number: int | None = None) -> list[EarlierText]:
        """`user`'s archived edits and the assistant's suggestions (of question `number`, or all), per question the
        newest first. An archived edit that had neither text nor grade of its own is left out."""
        texts = []
        with self.read() as db:
            for r in db.execute("SELECT * FROM archived_edits WHERE review_id=? ORDER BY id", (review_id,)):
                edit = MemberEdit.model_validate_json(r["edit"])
                if edit.user != user or (number is not None and edit.number != number) or \
                        (edit.commentary is None and edit.grade is None):
                    continue
                texts.append(EarlierText(id=f"e{r['id']}", number=edit.number, kind="edit", user=user, reason=r["reason"],
                                         commentary=edit.commentary, grade=edit.grade, written_at=edit.updated_at,
                                         set_aside_at=r["archived_at"]))
            query, args = "SELECT * FROM suggestion_history WHERE review_id=?", [review_id]
            if number is not None:
                query, args = query + " AND number=?", args + [number]
            rows = list(db.execute(query + " ORDER BY id", args))
        later: dict[tuple[str, int], str] = {}  # (backend, number) -> when the next suggestion replaced it
        for r in reversed(rows):
            key = (r["backend"], r["number"])
            prov = Provenance.model_validate_json(r["provenance"])
            texts.append(EarlierText(id=f"s{r['id']}", number=r["number"], kind="suggestion", backend=r["backend"],
                                     model=prov.model, commentary=r["commentary"],
                                     grade=Grade(r["grade"]) if r["grade"] else None, written_at=r["created_at"],
                                     set_aside_at=later.get(key, ""), current=key not in later))
            later[key] = r["created_at"]
        texts.sort(key=lambda t: t.set_aside_at or t.written_at, reverse=True)  # the newest first, then (stable)
        return sorted(texts, key=lambda t: (t.number, not t.current))  # per question, current suggestions on top

    def restore_earlier(self, review_id: int, user: str, text_id: str, via: str = "") -> tuple[MemberEdit, EarlierText]:
        """The earlier text `text_id` (from earlier_texts) becomes `user`'s text of its question, and its grade
        theirs where it had one; their current text and grade go to the archive first. Their point statuses and
        leave-out choice stay. Refused, saving nothing, on a finalised letter or another member's archived edit."""
        with self.write() as db:
            self._check_open(db, review_id)
            entry = self._earlier(db, review_id, user, text_id)
            row = db.execute("SELECT * FROM edits WHERE review_id=? AND user=? AND number=?",
                             (review_id, user, entry.number)).fetchone()
            current = MemberEdit(user=user, number=entry.number, commentary=row["commentary"],
                                 grade=Grade(row["grade"]) if row["grade"] else None) if row else None
            if current and (current.commentary is not None or current.grade is not None) \
                    and (current.commentary, current.grade) != (entry.commentary, entry.grade):
                self._archive(db, review_id, user, entry.number, f"set aside by restoring {text_id}")
            # An archived edit without text of its own (commentary None) restores as that: the suggestion's text.
            edit = self._save_edit(db, review_id, user, entry.number, commentary=entry.commentary, grade=entry.grade,
                                   points=json.loads(row["points"]) if row else None,
                                   leave_out=bool(row["leave_out"]) if row else None)
            self._touch(db, review_id)
            self._audit(db, review_id, user, "restore", entry.number,
                        {"from": text_id, "source": entry.source} | ({"via": via} if via else {}))
        return edit, entry

    def _earlier(self, db, review_id: int, user: str, text_id: str) -> EarlierText:
        kind, ident = (text_id or " ")[0], (text_id or " ")[1:]
        if kind not in "es" or not ident.isdigit():
            raise ReviewError(f"no earlier text {text_id!r}: its id is e<n> (an archived text) or s<n> (a suggestion)")
        if kind == "e":
            row = db.execute("SELECT * FROM archived_edits WHERE id=? AND review_id=?", (int(ident), review_id)).fetchone()
            edit = MemberEdit.model_validate_json(row["edit"]) if row else None
            if edit is None or edit.user != user:
                raise ReviewError(f"no earlier text {text_id} in {user}'s archive of this review")
            return EarlierText(id=text_id, number=edit.number, kind="edit", user=user, reason=row["reason"],
                               commentary=edit.commentary, grade=edit.grade, written_at=edit.updated_at,
                               set_aside_at=row["archived_at"])
        row = db.execute("SELECT * FROM suggestion_history WHERE id=? AND review_id=?", (int(ident), review_id)).fetchone()
        if row is None:
            raise ReviewError(f"no earlier text {text_id} among this review's suggestions")
        return EarlierText(id=text_id, number=row["number"], kind="suggestion", backend=row["backend"],
                           commentary=row["commentary"], grade=Grade(row["grade"]) if row["grade"] else None,
                           written_at=row["created_at"])

    @staticmethod
    def _record_suggestion(db, review_id: int, draft: QuestionDraft, prov: Provenance, created_at: str) -> None:
        db.execute("INSERT INTO suggestion_history (review_id, backend, number, commentary, grade, provenance, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)",
                   (review_id, prov.backend, draft.number, draft.commentary,
                    draft.suggested_grade.value if draft.suggested_grade else None, prov.model_dump_json(), created_at))

