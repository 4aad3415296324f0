"""The organisation's name and the report year a review gives its report: the naming half of the review store
(store.py mixes it in).

The review's name is the one its letter, its exports and its drafting use. Ingestion gives it from what the user
typed, the file name or the report's own cover; a panel member corrects it with a rename, kept in the audit log. The
index is not touched: its passages keep the name they were indexed under (see Pipeline.rename_review)."""

from __future__ import annotations

from .reviews import Review, ReviewError

MAX_NAME_CHARS = 200
YEARS = range(1900, 2201)


def checked_name(member: str, year: int | None) -> tuple[str, int | None]:
    """(name, year) as a review keeps them; a ReviewError says what is wrong with either."""
    member = " ".join((member or "").split())
    if not member:
        raise ReviewError("give the organisation's name")
    if len(member) > MAX_NAME_CHARS:
        raise ReviewError(f"the organisation's name is {len(member)} characters long, over {MAX_NAME_CHARS}")
    if any(not c.isprintable() for c in member):
        raise ReviewError("the organisation's name holds control characters")
    if year is not None and year not in YEARS:
        raise ReviewError(f"the year must be a year like 2023, not {year}")
    return member, year


class Naming:
    """Mixed into ReviewStore: it uses the store's transactions (write) and helpers (_check_open, _touch, _audit)."""

    def rename(self, review_id: int, user: str, member: str, year: int | None) -> Review:
        """The review (its letter, its exports, its round's row) names the report's organisation `member` and its year
        `year`; the change, old and new, goes in the audit log. A finalised letter is read-only: the lead reopens it
        first. The same name again changes nothing."""
        member, year = checked_name(member, year)
        with self.write() as db:
            self._check_open(db, review_id)
            row = db.execute("SELECT member, year FROM reviews WHERE id=?", (review_id,)).fetchone()
            if (row["member"], row["year"]) != (member, year):
                db.execute("UPDATE reviews SET member=?, year=? WHERE id=?", (member, year, review_id))
                db.execute("UPDATE round_reports SET member=?, year=? WHERE review_id=?", (member, year, review_id))
                self._touch(db, review_id)
                self._audit(db, review_id, user, "rename", None,
                            {"member": member, "year": year, "was": {"member": row["member"], "year": row["year"]}})
        return self.get(review_id)
