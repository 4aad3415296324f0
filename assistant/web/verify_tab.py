"""The Verify tab: the points to check, one at a time, in triage order (a point whose flip alone moves a grade
first). Each shows the question's passages as a list of sentences, the candidate ones marked; a single key sets the
status (a, p, m), confirms it (d) or skips (n); picking a sentence attaches it as evidence; a wrong quote can be
rejected. Every check is saved as the member's edit, and the grade, asks and commentary follow, as in the Draft tab."""

import gradio as gr

from ..judging.assessment import sentences_of
from ..models import QuestionDraft
from ..review.reviews import Review, ReviewFinalised
from .page import PageViews
from .state import FINALISED, STATUSES, user_of

KEYS = {"a": "verify-addressed", "p": "verify-partly", "m": "verify-missing", "d": "verify-done", "n": "verify-skip",
        "r": "verify-reject"}
# Single keys press the buttons, except while typing in a field.
KEYS_JS = ("<script>document.addEventListener('keydown', (e) => {const t = e.target.tagName;"
           " if (['INPUT', 'TEXTAREA', 'SELECT'].includes(t) || e.ctrlKey || e.metaKey || e.altKey) return;"
           f" const id = {{{', '.join(f'{k!r}: {v!r}' for k, v in KEYS.items())}}}[e.key];"
           " const b = id && document.getElementById(id); if (b) {e.preventDefault(); b.click();}});</script>")
MARK = "▶ "


class VerifyTab(PageViews):
    def build(self, ui) -> None:
        with gr.Tab("Verify") as ui.verify_tab:
            gr.Markdown("The points to check, one at a time, those that would move a grade first. Keys: **a** "
                        "addressed, **p** partly, **m** missing, **d** done (the status stands), **n** next, **r** reject "
                        "the picked quote. Pick a sentence of the passage to attach it as evidence (▶ marks the "
                        "assistant's quotes).")
            ui.verify_pointer = gr.State(None)
            ui.verify_point = gr.Markdown(elem_id="verify-point")
            with gr.Row():
                ui.verify_buttons = {status: gr.Button(f"{status} ({status[0]})", elem_id=f"verify-{status}", size="sm")
                                     for status in STATUSES}
                ui.verify_done = gr.Button("done (d)", elem_id="verify-done", size="sm", variant="primary")
                ui.verify_skip = gr.Button("next (n)", elem_id="verify-skip", size="sm")
            ui.verify_status = gr.Markdown(elem_id="verify-status")
            with gr.Row(elem_classes="stack-narrow"):
                with gr.Column(scale=3):
                    ui.verify_sentences = gr.Radio([], label="The passage, sentence by sentence: pick one to attach it",
                                                   elem_id="verify-sentences")
                with gr.Column(scale=2):
                    ui.verify_quotes = gr.Dropdown([], label="A quote of this point", elem_id="verify-quotes")
                    ui.verify_reject = gr.Button("reject this quote (r)", elem_id="verify-reject", size="sm")
                    ui.verify_page = gr.Image(label="Page", type="pil", visible=False, interactive=False,
                                              elem_id="verify-page")

    def wire(self, ui) -> None:
        outputs = [ui.verify_pointer, ui.verify_point, ui.verify_sentences, ui.verify_quotes, ui.verify_page,
                   ui.verify_status]
        ui.verify_tab.select(self.start, ui.review_state, outputs)
        for status, button in ui.verify_buttons.items():
            button.click(self.set_status, [ui.review_state, ui.verify_pointer, gr.State(status)], outputs)
        ui.verify_done.click(self.set_status, [ui.review_state, ui.verify_pointer, gr.State(None)], outputs)
        ui.verify_skip.click(self.skip, [ui.review_state, ui.verify_pointer], outputs)
        ui.verify_sentences.input(self.attach, [ui.review_state, ui.verify_pointer, ui.verify_sentences], outputs)
        ui.verify_reject.click(self.reject, [ui.review_state, ui.verify_pointer, ui.verify_quotes], outputs)

    # The points to check

    def queue(self, review: Review, user: str) -> list[tuple[int, str]]:
        """(question, guidance) of every point still to check, as the member's own statuses leave them: grade-moving
        points of every question first, then the rest, each question in triage order."""
        views = [(n, self.pipeline.member_draft(review, n, user)) for n in self.numbers]
        assessed = [(n, d.assessment) for n, d in views if d is not None and d.assessment is not None and d.assessment.graded]
        moving = [(n, g) for n, a in assessed for g in a.grade_moving]
        return moving + [(n, g) for n, a in assessed for g in a.to_check if (n, g) not in moving]

    def start(self, review_id, request: gr.Request = None) -> list:
        return self._show(review_id, None, request)

    def skip(self, review_id, pointer, request: gr.Request = None) -> list:
        return self._show(review_id, pointer, request, after=True)

    def set_status(self, review_id, pointer, status: str | None, request: gr.Request = None) -> list:
        """Save the point's status as the member's check (`None`: the status as it stands), then the next point."""
        review = self._review(review_id, request)
        if review is None or not pointer:
            return self._show(review_id, None, request)
        number, guidance = pointer["number"], pointer["guidance"]
        point = self._point(review, number, guidance, user_of(request))
        status = status or (point.status if point else None)
        if status not in STATUSES:
            return self._show(review_id, pointer, request)
        try:
            self.store.save_edit(review.id, user_of(request), number, points={guidance: status})
        except ReviewFinalised:
            return self._show(review_id, pointer, request, note=FINALISED)
        return self._show(review_id, None, request, note=f"Q{number} ‘{guidance}’: {status}, checked.")

    def attach(self, review_id, pointer, sentence: str | None, request: gr.Request = None) -> list:
        return self._evidence(review_id, pointer, request, "attached", (sentence or "").removeprefix(MARK))

    def reject(self, review_id, pointer, quote: str | None, request: gr.Request = None) -> list:
        return self._evidence(review_id, pointer, request, "rejected", quote or "")

    def _evidence(self, review_id, pointer, request, kind: str, sentence: str) -> list:
        review = self._review(review_id, request)
        if review is None or not pointer or not sentence:
            return self._show(review_id, pointer, request)
        number, guidance, user = pointer["number"], pointer["guidance"], user_of(request)
        edit = review.edit(user, number)
        change = dict((edit.evidence if edit else {}).get(guidance, {}))
        change[kind] = list(dict.fromkeys(change.get(kind, []) + [sentence]))
        other = "rejected" if kind == "attached" else "attached"
        change[other] = [s for s in change.get(other, []) if s != sentence]
        try:
            self.store.save_edit(review.id, user, number, evidence={guidance: change})
        except ReviewFinalised:
            return self._show(review_id, pointer, request, note=FINALISED)
        done = "attached as evidence" if kind == "attached" else "rejected"
        return self._show(review_id, pointer, request, note=f"“{sentence[:80]}” {done}.", stay=True)

    # Views

    def _point(self, review: Review, number: int, guidance: str, user: str):
        draft = self.pipeline.member_draft(review, number, user)
        points = draft.assessment.points if draft and draft.assessment else []
        return next((p for p in points if p.guidance == guidance), None)

    def _show(self, review_id, pointer, request, note: str = "", after: bool = False, stay: bool = False) -> list:
        """[pointer, point, passage sentences, quotes, page image, status] for the point to check now: the pointer's
        own point (stay), the one after it (after), or the first of the queue."""
        no_image = gr.update(value=None, visible=False)
        review = self._review(review_id, request)
        if review is None:
            return [None, "_Open a report first._", gr.update(choices=[], value=None), gr.update(choices=[], value=None),
                    no_image, note]
        user = user_of(request)
        queue = self.queue(review, user)
        here = (pointer["number"], pointer["guidance"]) if pointer else None
        if stay and here:
            chosen = here
        elif after and here in queue:
            chosen = queue[(queue.index(here) + 1) % len(queue)]
        else:
            chosen = queue[0] if queue else None
        if chosen is None:
            return [None, "**Every point is checked.** The grades are no longer provisional.",
                    gr.update(choices=[], value=None), gr.update(choices=[], value=None), no_image, note]
        number, guidance = chosen
        draft = self.pipeline.member_draft(review, number, user)
        point = next(p for p in draft.assessment.points if p.guidance == guidance)
        return [{"number": number, "guidance": guidance}, self._describe(draft, point, queue.index(chosen), len(queue)),
                gr.update(choices=self._sentences(draft, point), value=None),
                gr.update(choices=[e.quote for e in point.evidence], value=point.evidence[0].quote if point.evidence else None),
                self._page(review, point), note]

    @staticmethod
    def _describe(draft: QuestionDraft, point, index: int, total: int) -> str:
        a = draft.assessment
        grade = a.grade.value if a.grade else "—"
        mark = f", provisional: {a.grade_note}" if a.provisional and a.grade_note else ", provisional" if a.provisional else ""
        why = f" — to check: {point.confidence_reason}" if point.confidence == "check" else f" — {point.confidence_reason}"
        return (f"**Point {index + 1} of {total} to check.** Question {a.number}, {a.title}: {'★ ' if point.core else ''}"
                f"‘{point.guidance}’\n\nThe assistant says **{point.status}**{why}.\n\nGrade now: **{grade}**{mark}. "
                + (f"The Panel would ask for: {'; '.join(a.asks[:3])}." if a.asks else ""))

    def _sentences(self, draft: QuestionDraft, point) -> list[str]:
        quoted = {e.quote for e in point.evidence}
        chunks = [c for i in draft.assessment.passages if (c := self.pipeline.passage(i)) is not None]
        texts = dict.fromkeys(s.text for s in sentences_of(chunks, self.pipeline.assessor.features))
        return [MARK + s if s in quoted else s for s in texts]

    def _page(self, review: Review, point):
        quote = next((e for e in point.evidence if e.page is not None), None)
        return self.page_image(review.doc_id, quote) if quote else gr.update(value=None, visible=False)
