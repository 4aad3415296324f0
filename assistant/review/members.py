"""Who may see and change a review: the membership half of the review store (store.py mixes it in).

Membership is granted, never taken. A user sees a review they lead, one they are a member of (they uploaded the
report, or the lead or an admin added them, or they worked on it once they could see it) and the reviews of a round
an admin put them on. The store knows no admins and no login: the caller says whether the acting user is an admin,
and without login (one local user) the workspace does not ask at all.
"""

from __future__ import annotations

from .reviews import Review, ReviewError, now

# The SQL condition "the user (three times) may see review r".
VISIBLE = ("(r.lead=? OR EXISTS (SELECT 1 FROM members m WHERE m.review_id=r.id AND m.user=?) OR (r.review_round != '' "
           "AND EXISTS (SELECT 1 FROM round_members rm WHERE rm.round=r.review_round AND rm.user=?)))")


class Membership:
    """Mixed into ReviewStore: it uses the store's transactions (write, db) and helpers (_join, _touch, _audit)."""

    def may_see(self, review_id: int, user: str) -> bool:
        """Whether `user` leads the review, is one of its members, or is on its round."""
        query = f"SELECT 1 FROM reviews r WHERE r.id=? AND {VISIBLE}"
        return self.db.execute(query, (review_id, user, user, user)).fetchone() is not None

    def set_lead(self, review_id: int, lead: str, user: str = "", *, only_if_free: bool = False) -> Review:
        """`lead` leads the review (and is a member); with `only_if_free`, refused where someone else leads it."""
        with self.write() as db:
            row = db.execute("SELECT lead FROM reviews WHERE id=?", (review_id,)).fetchone()
            if row is None:
                raise KeyError(f"no review {review_id}")
            if only_if_free and row["lead"] not in ("", lead):
                raise ReviewError(f"{row['lead']} leads this review")
            self._join(db, review_id, lead)
            self._touch(db, review_id, "lead=?", lead)
            self._audit(db, review_id, user or lead, "lead", None, {"lead": lead})
        return self.get(review_id)

    def add_member(self, review_id: int, member: str, by: str = "", *, admin: bool = False) -> Review:
        """`member` joins the review. Named `by` a user who is not an admin, only the lead may add someone; with no
        `by` (the command line, the service layer) nobody is asked."""
        member = member.strip()
        if not member:
            raise ReviewError("name the member to add")
        with self.write() as db:
            if by and not admin:
                self._require_lead(db, review_id, by, "add members")
            if self._join(db, review_id, member) and by:
                self._audit(db, review_id, by, "add-member", None, {"member": member})
            self._touch(db, review_id)
        return self.get(review_id)

    # Helpers inside a transaction

    def _join(self, db, review_id: int, user: str) -> bool:
        added = db.execute("INSERT OR IGNORE INTO members (review_id, user, joined_at) VALUES (?, ?, ?)",
                           (review_id, user, now())).rowcount
        if added:
            self._audit(db, review_id, user, "join", None, {})
        return bool(added)

    def _require_lead(self, db, review_id: int, user: str, what: str) -> None:
        row = db.execute("SELECT lead FROM reviews WHERE id=?", (review_id,)).fetchone()
        if row is None:
            raise KeyError(f"no review {review_id}")
        if not row["lead"]:
            raise ReviewError(f"review {review_id} has no lead yet: set one before you {what}")
        if row["lead"] != user:
            raise ReviewError(f"only the lead ({row['lead']}) can {what}, not {user}")
