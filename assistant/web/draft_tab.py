"""The Draft tab: every question's text, grade, suggestion, checklist and evidence; drafting, regenerating and each
save as it is made."""

import logging
import queue
import threading

import gradio as gr

from ..judging.drafting import model_failed
from ..judging.llm import LLMError
from ..judging.local_model import EmbeddedModelUnavailable
from ..models import Grade
from ..review.reviews import REMARKS, ReviewError, ReviewFinalised
from ..review.text_safety import md_text
from ..review.workspace import utc_time
from .archive import ArchiveViews
from .page import PageViews
from .render import (
    plain_text,
    quotes,
    render_changed_note,
    render_checklist,
    render_suggestion,
)
from .state import (
    FINALISED,
    GRADE_CHOICES,
    QUESTION_FIELDS,
    STATUSES,
    saved_at,
    user_of,
)

log = logging.getLogger(__name__)


class DraftTab(ArchiveViews, PageViews):
    def build(self, ui) -> None:
        with gr.Tab("Draft") as ui.draft_tab:
            gr.Markdown("Per question: **your text** (green, goes in the letter, saved as you type), the "
                        "**assistant's suggestion** (blue; shared by the panel: drafted once for everyone), the "
                        "**checklist** of guidance points (change a status and the rubric grade follows) and the "
                        "**evidence** quoted from the report (grey).")
            with gr.Row():
                ui.draft_button = gr.Button("Draft all questions", variant="primary")
                ui.draft_status = gr.Markdown(elem_id="draft-status")
            ui.opening = gr.Textbox(label="Overall remarks (opening of the letter)", lines=5, interactive=True,
                                    elem_id="remarks")
            ui.opening_saved = gr.Markdown()
            ui.question_components = []
            for question in self.pipeline.framework.questions:
                ui.question_components += self._question(ui, question)

    def _question(self, ui, question) -> list:
        """One question's accordion, wired to save each change as it is made; returns its QUESTION_FIELDS views."""
        n = question.number
        # Each row's columns stack below about 900 px (their min_width): the grade's whole label stays readable.
        with gr.Accordion(f"{n}. {question.text}", open=n == 1, elem_classes="question"):
            with gr.Row():
                with gr.Column(scale=3, min_width=440, elem_classes="member-panel"):
                    gr.Markdown("Your text — goes in the letter", elem_classes="panel-label")
                    changed = gr.Markdown(elem_id=f"changed-{n}")
                    commentary = gr.Textbox(show_label=False, lines=8, interactive=True, elem_id=f"commentary-{n}",
                                            placeholder="Write the Panel's commentary on this question.")
                with gr.Column(scale=1, min_width=380):
                    grade = gr.Dropdown(label="Grade", choices=GRADE_CHOICES, interactive=True,
                                        visible=question.graded, elem_id=f"grade-{n}")
                    omit = gr.Checkbox(label="Leave this question out of the letter", elem_id=f"omit-{n}")
                    saved = gr.Markdown(elem_id=f"saved-{n}")
                    regenerate = gr.Button("Regenerate this question", size="sm", elem_id=f"regenerate-{n}")
                    regen_status = gr.Markdown(elem_id=f"regen-status-{n}")
            with gr.Row():
                with gr.Column(min_width=440, elem_classes="suggestion-panel"):
                    gr.Markdown("Assistant's suggestion", elem_classes="panel-label")
                    suggestion = gr.Markdown(elem_id=f"suggestion-{n}")
                with gr.Column(min_width=440, elem_classes="evidence-panel"):
                    gr.Markdown("Evidence", elem_classes="panel-label")
                    evidence = gr.Markdown(elem_id=f"evidence-{n}")
                    evidence_pick = gr.Dropdown(label="See a quote in context", choices=[], interactive=True,
                                                elem_id=f"quote-{n}")
                    context = gr.Textbox(label="Surrounding text", lines=6, interactive=False, elem_id=f"context-{n}")
                    page_image = gr.Image(label="Page", type="pil", visible=False, interactive=False,
                                          elem_id=f"page-{n}")
            # The checklist across the whole width below: its quotes sit under their points, listed once.
            with gr.Column(elem_classes="evidence-panel checklist-panel"):
                gr.Markdown("Checklist", elem_classes="panel-label")
                checklist = gr.Markdown(elem_id=f"checklist-{n}")
                with gr.Row():
                    point = gr.Dropdown(label="Guidance point", choices=[], interactive=True, scale=3, min_width=480,
                                        elem_id=f"point-{n}")
                    status = gr.Radio(STATUSES, label="Its status (yours)", interactive=True, scale=2, min_width=280,
                                      elem_id=f"status-{n}")
            with gr.Accordion("Show model output", open=False):
                live = gr.Textbox(show_label=False, lines=4, interactive=False, elem_id=f"live-{n}")
            with gr.Accordion("Past-letter precedent", open=False):
                precedent = gr.Markdown()
            with gr.Accordion("Follow-up of the previous letter", open=False):
                follow_ups = gr.Markdown()
            self.archive_accordion(ui, n, commentary, grade, [saved, changed, suggestion], regen_status)
        fields = [commentary, grade, omit, changed, suggestion, checklist, point, status, evidence,
                  evidence_pick, precedent, follow_ups]
        number = gr.Number(n, visible=False)
        confirm = gr.Checkbox(visible=False)
        notes = [saved, changed, suggestion]
        review_state = ui.review_state
        commentary.input(self.save_commentary, [review_state, number, commentary], notes,
                         trigger_mode="always_last", concurrency_limit=None, show_progress="hidden")
        # The overall remarks follow the member's grades and statuses (where they wrote none of their own).
        grade.input(self.save_grade, [review_state, number, grade], notes, concurrency_limit=None).then(
            self.remarks_view, review_state, ui.opening, show_progress="hidden")
        omit.input(self.save_omit, [review_state, number, omit], notes, concurrency_limit=None).then(
            self.remarks_view, review_state, ui.opening, show_progress="hidden")
        point.input(self.point_status, [review_state, number, point], status, concurrency_limit=None)
        status.input(self.save_status, [review_state, number, point, status],
                     [saved, checklist, suggestion, changed, commentary, grade], concurrency_limit=None).then(
            self.remarks_view, review_state, ui.opening, show_progress="hidden")
        evidence_pick.input(self.show_context, [review_state, number, evidence_pick], [context, page_image],
                            concurrency_limit=None)
        regenerate.click(
            self.regenerate, [review_state, number, confirm], [live, regen_status] + fields,
            concurrency_id="draft", concurrency_limit=2,
            js=f"(d, n, c) => [d, n, confirm('Regenerate question {n}? Your text for it is set aside (kept in "
               "the archive) and replaced by a new draft.')]",
        )
        return fields

    def wire(self, ui) -> None:
        # Checks made in the Verify tab (or by another member) show when the member comes back to the draft.
        ui.draft_tab.select(self.refresh, ui.review_state, ui.page, show_progress="hidden")
        ui.draft_button.click(self.draft_all, ui.review_state, [ui.draft_status] + ui.question_components + [ui.opening],
                              concurrency_id="draft", concurrency_limit=2)
        ui.opening.input(self.save_opening, [ui.review_state, ui.opening], ui.opening_saved, trigger_mode="always_last",
                         concurrency_limit=None, show_progress="hidden")

    def draft_all(self, review_id, request: gr.Request = None, progress=gr.Progress()):
        """Draft every question into the shared review (Pipeline.draft_letter), showing each as it lands; edits
        already made stay on screen."""
        user = user_of(request)
        review = self._review(review_id, request)
        if review is None:
            yield ["Open a report first."] + self.all_views(None, user) + [gr.update()]
            return
        if review.status == "final":
            yield ["The letter is finalised and read-only; the lead can reopen it."] + self.all_views(review, user, only=-1) + [gr.update()]
            return
        landed: queue.Queue = queue.Queue()
        outcome: dict = {}

        def work() -> None:
            try:
                self.pipeline.draft_letter(review.doc_id, review.member, review.year, self.numbers,
                                           lambda done, total, desc: landed.put(done), review_round=review.review_round,
                                           user=user, source=review.source)
            except (LLMError, EmbeddedModelUnavailable, ReviewError, KeyError) as exc:
                outcome["error"] = str(exc).strip("'\"")
            finally:
                landed.put(None)

        threading.Thread(target=work, daemon=True).start()
        total = len(self.numbers) + 1
        while (done := landed.get()) is not None:
            if progress:
                progress(done / total, desc="overall remarks" if done >= len(self.numbers) else f"question {self.numbers[done]}")
            if 1 <= done <= len(self.numbers):
                number = self.numbers[done - 1]
                review = self.store.get(review.id)
                yield [f"Drafted question {number}."] + self.all_views(review, user, only=number) + [gr.update()]
        review = self.store.get(review.id)
        if "error" in outcome:
            yield [f"Error: {md_text(outcome['error'])}"] + self.all_views(review, user, only=-1) + [gr.update()]
            return
        failed = [n for n in self.numbers if not (s := review.suggestion(n)) or not s.draft.commentary or model_failed(s.draft)]
        remarks = gr.update() if review.edit(user, REMARKS) else self.remarks(review, user)
        status = ("Done: all questions drafted." if not failed else
                  f"Drafted, except question{'s' * (len(failed) > 1)} {', '.join(map(str, failed))}: the assistant "
                  "could not draft {}; write {} by hand.".format(*(("them", "them") if len(failed) > 1 else ("it", "it"))))
        yield [status] + self.all_views(review, user, only=-1) + [remarks]

    def regenerate(self, review_id, number: int, confirmed: bool = True, request: gr.Request = None):
        """Redraft one question (Pipeline.draft), streaming the model's output. Once the new draft stands, this
        member's earlier text and grade for it go to the archive; their leave-out choice and point statuses stay,
        and the other members' edits are untouched. Yields [raw model output, status] + that question's view."""
        user, number = user_of(request), int(number)
        review = self._review(review_id, request)
        if review is None:
            yield ["", "Open a report first."] + self.question_view(None, number, user)
            return
        if not confirmed:
            yield [gr.update(), "Not regenerated: your text is as it was."] + [gr.update()] * QUESTION_FIELDS
            return
        tokens: queue.Queue = queue.Queue()
        outcome: dict = {}

        def work() -> None:
            try:
                outcome["draft"] = self.pipeline.draft(review, [number], user=user, on_token=tokens.put)[0]
            except (LLMError, EmbeddedModelUnavailable, ReviewError) as exc:
                outcome["error"] = str(exc)
            finally:
                tokens.put(None)

        threading.Thread(target=work, daemon=True).start()
        live = ""
        while (piece := tokens.get()) is not None:
            live += piece
            yield [live, f"Regenerating question {number}…"] + [gr.update()] * QUESTION_FIELDS
        if "error" in outcome:
            yield [live, f"Error: {md_text(outcome['error'])}. Your text is kept."] + self.question_view(self.store.get(review.id), number, user)
            return
        draft = outcome["draft"]
        if not draft.commentary or model_failed(draft):  # flagged, not raised: never call that done
            why = model_failed(draft) or "no text came back"
            yield [live, f"Error: question {number} was not regenerated ({md_text(why)}). Your text is kept."] + \
                self.question_view(self.store.get(review.id), number, user)
            return
        edit = self.store.get(review.id).edit(user, number)
        if edit and (edit.commentary is not None or edit.grade is not None):
            self.store.archive_edit(review.id, user, number, "regenerated")
            if edit.leave_out or edit.points:  # choices about the question, not about the old text
                self.store.save_edit(review.id, user, number, points=edit.points, leave_out=edit.leave_out or None)
        yield [live, f"Regenerated question {number} at {utc_time()}."] + self.question_view(self.store.get(review.id), number, user)

    def _save(self, review_id, number: int, request, **change) -> list:
        """[saved status, "you changed" note, suggestion panel] after one edit, so the notes follow the typing."""
        review = self._review(review_id, request)
        if review is None:
            return ["Not saved: open or ingest a report first.", gr.update(), gr.update()]
        user, number = user_of(request), int(number)
        try:
            self.store.save_edit(review.id, user, number, **change)
        except ReviewFinalised:
            return [FINALISED, gr.update(), gr.update()]
        review = self.store.get(review.id)
        draft, edit = self.pipeline.member_draft(review, number, user), review.edit(user, number)
        return [saved_at(), render_changed_note(draft, edit), render_suggestion(draft, edit)]

    def save_commentary(self, review_id, number: int, text: str, request: gr.Request = None) -> list:
        return self._save(review_id, number, request, commentary=text)

    def save_grade(self, review_id, number: int, grade: str | None, request: gr.Request = None) -> list:
        if not grade:
            return [gr.update()] * 3
        return self._save(review_id, number, request, grade=Grade(grade))

    def save_omit(self, review_id, number: int, omit: bool, request: gr.Request = None) -> list:
        return self._save(review_id, number, request, leave_out=bool(omit))

    def save_opening(self, review_id, text: str, request: gr.Request = None) -> str:
        review = self._review(review_id, request)
        if review is None:
            return "Not saved: open or ingest a report first."
        try:
            self.store.save_edit(review.id, user_of(request), REMARKS, commentary=text)
        except ReviewFinalised:
            return FINALISED
        return saved_at()

    def point_status(self, review_id, number: int, guidance: str | None, request: gr.Request = None):
        """The status the member sees for the point they picked."""
        review = self._review(review_id, request)
        draft = self.pipeline.member_draft(review, int(number), user_of(request)) if review else None
        points = draft.assessment.points if draft and draft.assessment else []
        return next((p.status for p in points if p.guidance == guidance), None)

    def save_status(self, review_id, number: int, guidance: str | None, status: str | None,
                    request: gr.Request = None) -> list:
        """A member flips a point's status: it is saved as theirs, and the rubric grade, the asks and (where they
        have not set their own) the grade and the assistant's text follow. Text they typed is never touched.
        Returns [saved status, checklist, suggestion, "you changed" note, text box, grade]."""
        unchanged = [gr.update()] * 5
        review = self._review(review_id, request)
        if review is None or not guidance or status not in STATUSES:
            return ["Not saved: pick a guidance point and its status." if review else "Not saved: open a report first."] + unchanged
        user, number = user_of(request), int(number)
        try:
            self.store.save_edit(review.id, user, number, points={guidance: status})
        except ReviewFinalised:
            return [FINALISED] + unchanged
        review = self.store.get(review.id)
        draft, edit = self.pipeline.member_draft(review, number, user), review.edit(user, number)
        text, grade = self.pipeline.member_text(review, number, user)
        original = review.suggestion(number)
        return [
            saved_at(), render_checklist(draft, original.draft.rubric_grade if original else None),
            render_suggestion(draft, edit), render_changed_note(draft, edit),
            gr.update(value=text) if edit.commentary is None else gr.update(),
            gr.update(value=grade.value if grade else None) if edit.grade is None else gr.update(),
        ]

    def show_context(self, review_id, number: int, pick: str | None, request: gr.Request = None) -> list:
        """The passage around a quote, so a panel member can check it in context; for a PDF also the page itself
        with the quote marked. Returns [context text, page image]."""
        no_image = gr.update(value=None, visible=False)
        review = self._review(review_id, request)
        if review is None or pick in (None, ""):
            return ["", no_image]
        found = quotes(self.pipeline.member_draft(review, int(number), user_of(request)))
        index = int(pick)
        if not 0 <= index < len(found):
            return ["", no_image]
        evidence = found[index]
        chunk = self.pipeline.passage(evidence.chunk_id) if evidence.chunk_id else None
        context = f"[{chunk.source}, {chunk.location}]\n\n{plain_text(chunk.text)}" if chunk else f"“{evidence.quote}” ({evidence.location})"
        return [context, self.page_image(review.doc_id, evidence)]
