"""The page around the tabs: the header, the report picker and every question's view, which several tabs refresh."""

import io
import logging

import gradio as gr

from ..models import Evidence
from ..review.prescreen import NAME_UNKNOWN, YEAR_UNKNOWN
from ..review.reviews import REMARKS, Review
from ..review.text_safety import md_code, md_line
from ..review.workspace import utc_time
from .render import (
    point_choices,
    quotes,
    render_changed_note,
    render_checklist,
    render_evidence,
    render_follow_ups,
    render_precedent,
    render_prescreen,
    render_suggestion,
)
from .state import QUESTION_FIELDS, Tab, review_id_of, user_of

log = logging.getLogger(__name__)


class PageViews(Tab):
    def question_view(self, review: Review | None, number: int, user: str) -> list:
        if review is None:
            return [gr.update(value="", interactive=True), gr.update(value=None, interactive=True),
                    gr.update(value=False, interactive=True), "", "_Upload or open a report._", "",
                    gr.update(choices=[], value=None), gr.update(value=None), "", gr.update(choices=[], value=None), "", ""]
        editable = review.status != "final"
        draft = self.pipeline.member_draft(review, number, user)
        edit = review.edit(user, number)
        text, grade = self.pipeline.member_text(review, number, user)
        original = review.suggestion(number)
        points = draft.assessment.points if draft and draft.assessment else []
        first = points[0] if points else None
        return [
            gr.update(value=text, interactive=editable),
            gr.update(value=grade.value if grade else None, interactive=editable),
            gr.update(value=bool(edit and edit.leave_out), interactive=editable),
            render_changed_note(draft, edit),
            render_suggestion(draft, edit),
            render_checklist(draft, original.draft.rubric_grade if original else None),
            gr.update(choices=point_choices(points), value=first.guidance if first else None),
            gr.update(value=first.status if first else None, interactive=editable and first is not None),
            render_evidence(draft),
            gr.update(choices=[(f"{e.quote[:80]} ({e.location})", str(i)) for i, e in enumerate(quotes(draft))], value=None),
            render_precedent(draft),
            render_follow_ups(draft),
        ]

    def all_views(self, review: Review | None, user: str, only: int | None = None) -> list:
        """Every question's view; with `only`, that question's and no-op updates elsewhere, so a member typing in
        one question while another drafts keeps every keystroke. The member's own text and grade are never
        re-sent while drafting (`only`): the box already shows them."""
        views = []
        for number in self.numbers:
            if only is None:
                views += self.question_view(review, number, user)
            elif number != only:
                views += [gr.update()] * QUESTION_FIELDS
            else:
                view = self.question_view(review, number, user)
                edit = review.edit(user, number) if review else None
                if edit and edit.commentary is not None:
                    view[0] = gr.update()
                if edit and edit.grade is not None:
                    view[1] = gr.update()
                views += view
        return views

    def header(self, review: Review | None) -> str:
        if review is None:
            return "No report open."
        saved = utc_time(review.updated_at, with_date=True) if review.updated_at else "never"
        parts = [(f"**{md_line(review.member) or 'Unknown member'}** — report {review.year or '?'} — "
                  f"{md_code(review.source or review.doc_id)}")]
        if review.review_round:
            parts.append(f"round {md_line(review.review_round)}")
        parts.append(f"lead: {md_line(review.lead)}" if review.lead else "no lead yet")
        if review.status == "final":
            parts.append(f"**finalised (version {review.final.version}), read-only**" if review.final else "**finalised**")
        return " — ".join(parts) + f" (last saved {saved})"

    def report_choices(self, user: str) -> list[tuple[str, int]]:
        """The reviews the user may open: their own first, then the others. Without login (one local user) and for
        admins, every review of the panel; with login, those they lead or were added to and those of their rounds."""
        mine = self.store.list(user)
        ids = {r.id for r in mine}
        others = [r for r in self.store.list(visible_to=None if self.sees_all(user) else user) if r.id not in ids]

        def label(review: Review) -> str:
            where = f", round {review.review_round}" if review.review_round else ""
            final = ", final" if review.status == "final" else ""
            return f"{review.member or review.source} {review.year or ''} ({review.source}{where}{final})"

        return [(label(r), r.id) for r in mine + others]

    def open_report(self, review_id, request: gr.Request = None) -> list:
        """Everything the page shows for a review: header, pre-screen (filled in by `prescreen_view` next: a new
        report's takes seconds, and the page must not wait for it), overall remarks, every question. A review
        the user may not open shows as none. Without login, opening a review makes the user one of its members; with
        login, membership is granted (by the upload, the lead, an admin), never taken by opening."""
        user = user_of(request)
        review = self._review(review_id, request)
        if review is not None and not self.auth_on and user not in review.members:
            review = self.store.add_member(review.id, user)
        remarks = self.remarks(review, user) if review is not None else ""
        prescreen = "_Pre-screening the report…_" if review is not None else ""
        return [self.header(review), prescreen, remarks] + self.all_views(review, user)

    def refresh(self, review_id, request: gr.Request = None) -> list:
        """The page again as the store has it (checks made in the Verify tab, another member's work), without
        re-sending what the member types or picks: their text, grade and leave-out box, and the overall remarks. A
        value sent back while they pick or type would undo it."""
        page = self.open_report(review_id, request)
        head, views = page[:3], page[3:]
        head[2] = gr.update()
        for start in range(0, len(views), QUESTION_FIELDS):
            views[start:start + 3] = [gr.update()] * 3
        return head + views

    def prescreen_view(self, review_id, request: gr.Request = None) -> str:
        review = self._review(review_id, request)
        if review is None:
            return ""
        try:
            screen = self.pipeline.prescreen(review.doc_id, review.member, review.year)
        except KeyError:
            return "_This report is no longer in the index: ingest it again to pre-screen it._"
        notes = [f"**Note:** {w}" for w in screen.warnings if w in (NAME_UNKNOWN, YEAR_UNKNOWN)]
        return "\n\n".join(notes + [render_prescreen(screen)])

    def remarks(self, review: Review, user: str) -> str:
        """The overall remarks as they go in the user's letter: their own text, else rebuilt from their statuses and
        grades as they stand (Pipeline.member_remarks)."""
        return self.pipeline.member_remarks(review, user)

    def remarks_view(self, review_id, request: gr.Request = None):
        """The remarks box after a status or grade changed: rebuilt where the member wrote no remarks of their own;
        their own text is never re-sent."""
        review, user = self._review(review_id, request), user_of(request)
        if review is None or getattr(review.edit(user, REMARKS), "commentary", None) is not None:
            return gr.update()
        return self.remarks(review, user)

    def open_if_ingested(self, ingested: bool, review_id, request: gr.Request = None) -> list:
        """After an upload: show the new report; after a failed one, change nothing on the page."""
        if not ingested:
            return [gr.update()] * (3 + QUESTION_FIELDS * len(self.numbers))
        return self.open_report(review_id, request)

    def restore(self, last_review, request: gr.Request = None) -> list:
        """On page load: reopen the review this browser had open, else the user's latest."""
        user = user_of(request)
        choices = self.report_choices(user)
        ids = [value for _, value in choices]
        last = review_id_of(last_review)
        mine = self.store.list(user)
        review_id = last if last in ids else (mine[0].id if mine else None)
        return [review_id, gr.update(choices=choices, value=review_id)] + self.open_report(review_id, request)

    def page_image(self, doc_id: str, evidence: Evidence):
        """The PDF page with the quote marked, where the pipeline can render it (assistant/reading/pages.py)."""
        page_view = getattr(self.pipeline, "page_view", None)
        if page_view is None or evidence.page is None:
            return gr.update(value=None, visible=False)
        try:
            image = page_view(doc_id, evidence.page, evidence.quote)
        except (ValueError, OSError) as exc:  # pages.PageViewError is a ValueError: a page it cannot show
            log.warning("no page image for %s p. %s: %s", doc_id, evidence.page, exc)
            # No image: the label says why; the quote's text is in the surrounding text above it.
            return gr.update(value=None, visible=True, label=f"Page {evidence.page}: this page cannot be shown; the "
                             f"quote is in the surrounding text above. ({exc})")
        if image is None:
            return gr.update(value=None, visible=False)
        from PIL import Image

        found = getattr(image, "found", True)
        label = f"Page {evidence.page}" + ("" if found else " (the quote could not be marked on the page)")
        if not getattr(image, "annotations", True):
            label += " (its annotations are too complex to draw, and are left out)"
        return gr.update(value=Image.open(io.BytesIO(image.png)), label=label, visible=True)
