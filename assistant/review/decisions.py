"""The lead's letter: their decisions on the questions the panel disagrees on, finalising and reopening; the letter
half of the review store (store.py mixes it in).

For one question the lead puts a member's text and grade into the letter, or a text they merged, or accepts the
disagreement as it stands. A chosen text becomes the lead's own edit of the question (their earlier one goes to the
archive first, never lost), so the lead's letter, their Draft tab and the finalised version all carry it. Each
decision is saved with every member's grade as it then stands and in the audit log (who decided what); a later
grade outside those opens the question again. Finalising is refused while a disagreement is open (finalise()).
"""

from __future__ import annotations

import json

from ..models import Grade, LetterDraft
from .reviews import (
    DECISION_KINDS,
    Decision,
    FinalLetter,
    GradeOf,
    OpenDisagreements,
    Review,
    ReviewError,
    now,
    open_disagreements,
    panel_grades,
)


class Decisions:
    """Mixed into ReviewStore: it uses the store's transactions (write) and helpers (_fetch, _archive, _save_edit,
    _require_lead, _check_open, _touch, _audit)."""

    def finalise(self, review_id: int, user: str, backend: str | None = None, letter: LetterDraft | None = None,
                 edits: dict[int, tuple[str | None, Grade | None]] | None = None, grade_of=None) -> FinalLetter:
        """The lead's letter (their edits over `backend`'s suggestions, or `letter` as the service layer built it
        with every framework question) becomes the next version, read-only. `edits` (number -> text, grade; None:
        unchanged) are saved as the lead's first, in the same transaction: a refusal saves none of them. Refused
        (OpenDisagreements, listing them) while members' grades (`grade_of`, see reviews.py) differ on a question
        the lead has neither resolved nor accepted (decisions.py)."""
        with self.write() as db:
            self._require_lead(db, review_id, user, "finalise the letter")
            self._check_open(db, review_id)
            review = self._fetch(db, review_id)
            backend = backend or review.default_backend() or ""
            if review.suggestions and backend not in review.suggestions:
                raise ReviewError(f"no suggestions from backend {backend!r}; choose one of {', '.join(review.backends)}")
            self._refuse_open_disagreements(review, grade_of or (lambda r, u, n: r.grade(n, u, backend or None)))
            for number, (text, grade) in (edits or {}).items():
                self._save_edit(db, review_id, user, number, commentary=text, grade=grade)
            version = db.execute("SELECT COALESCE(MAX(version), 0) + 1 FROM letters WHERE review_id=?", (review_id,)).fetchone()[0]
            final = FinalLetter(version=version, letter=letter or review.letter(user, backend), backend=backend,
                                finalised_by=user, finalised_at=now())
            db.execute("INSERT INTO letters (review_id, version, letter, backend, finalised_by, finalised_at) VALUES (?, ?, ?, ?, ?, ?)",
                       (review_id, version, final.letter.model_dump_json(), backend, user, final.finalised_at))
            self._touch(db, review_id, "status='final'")
            self._audit(db, review_id, user, "finalise", None, {"version": version, "backend": backend, "decisions": {
                n: d.describe() for n, d in review.decisions.items()}})
        return final

    def reopen(self, review_id: int, user: str) -> Review:
        with self.write() as db:
            self._require_lead(db, review_id, user, "reopen the letter")
            self._touch(db, review_id, "status='open'")
            self._audit(db, review_id, user, "reopen", None, {})
        return self.get(review_id)

    def decide(self, review_id: int, user: str, number: int, kind: str, *, member: str = "",
               commentary: str | None = None, grade: Grade | str | None = None,
               grade_of: GradeOf | None = None) -> Decision:
        """The lead's decision on question `number`: `member`'s text and grade (`commentary`, `grade`: as that
        member has them, which the service layer works out), a `merge` (the lead's `commentary`, and `grade` or
        their own), or `accept`. `grade_of` gives each member's grade for the record (default: hand-set, else the
        suggestion). Refused, saving nothing, unless `user` leads the open review."""
        if kind not in DECISION_KINDS:
            raise ReviewError(f"no decision {kind!r}: choose one of {', '.join(DECISION_KINDS)}")
        grade = Grade(grade) if grade else None
        with self.write() as db:
            self._require_lead(db, review_id, user, "decide which text goes into the letter")
            self._check_open(db, review_id)
            review = self._fetch(db, review_id)
            if kind == "member" and member not in review.members:
                raise ReviewError(f"{member or 'nobody'} is not a member of this review")
            if kind == "merge" and not (commentary or "").strip():
                raise ReviewError("write the merged text first")
            if kind != "accept":
                review = self._take_text(db, review, user, number, commentary, grade,
                                         f"replaced by {member}'s text, chosen by {user}" if kind == "member"
                                         else f"replaced by a merged text, by {user}")
            decision = Decision(number=number, kind=kind, member=member if kind == "member" else "",
                                commentary=commentary if kind != "accept" else None,
                                grade=review.edit(user, number).grade if kind != "accept" else None,
                                grades=panel_grades(review, number, grade_of), decided_by=user, decided_at=now())
            db.execute(
                "INSERT OR REPLACE INTO decisions (review_id, number, kind, member, commentary, grade, grades, decided_by, "
                "decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (review_id, number, kind, decision.member, decision.commentary,
                 decision.grade.value if decision.grade else None,
                 json.dumps({u: g.value if g else None for u, g in decision.grades.items()}), user, decision.decided_at))
            self._touch(db, review_id)
            self._audit(db, review_id, user, "decide", number, decision.model_dump(mode="json", exclude={"number"}))
        return decision

    def _take_text(self, db, review: Review, user: str, number: int, commentary: str | None, grade: Grade | None,
                   reason: str) -> Review:
        """The lead's edit of the question becomes `commentary` and `grade` (None: theirs stays); an earlier text or
        grade of theirs that differs goes to the archive first. Their point statuses stay; the question goes in."""
        current = review.edit(user, number)
        grade = grade if grade is not None else (current.grade if current else None)
        if current and (current.commentary is not None or current.grade is not None) \
                and (current.commentary, current.grade) != (commentary, grade):
            self._archive(db, review.id, user, number, reason)
        self._save_edit(db, review.id, user, number, commentary=commentary, grade=grade,
                        points=current.points if current else None, leave_out=False)
        return self._fetch(db, review.id)

    def _refuse_open_disagreements(self, review: Review, grade_of: GradeOf | None) -> None:
        if found := open_disagreements(review, grade_of):
            raise OpenDisagreements(found)

    @staticmethod
    def _decisions(db, review_id: int) -> dict[int, Decision]:
        return {
            r["number"]: Decision(number=r["number"], kind=r["kind"], member=r["member"], commentary=r["commentary"],
                                  grade=Grade(r["grade"]) if r["grade"] else None,
                                  grades={u: Grade(g) if g else None for u, g in json.loads(r["grades"]).items()},
                                  decided_by=r["decided_by"], decided_at=r["decided_at"])
            for r in db.execute("SELECT * FROM decisions WHERE review_id=? ORDER BY number", (review_id,))
        }
