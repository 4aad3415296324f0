"""The Draft tab's 'Earlier texts' accordion under each question (DraftTab mixes it in): the member's own texts set
aside (by a regeneration, a restore, the lead's decision) and the assistant's suggestions, replaced or current,
each with when and whence; one is shown in full when picked and restored with one click (Pipeline.restore_text:
it becomes the member's text, the one it replaces archived first, saved as made)."""

import gradio as gr

from ..review.reviews import EarlierText, Review, ReviewError, ReviewFinalised
from ..review.workspace import utc_time
from .render import render_changed_note, render_suggestion
from .state import FINALISED, Tab, saved_at, user_of


def _label(text: EarlierText) -> str:
    when = utc_time(text.set_aside_at or text.written_at, with_date=True) if (text.set_aside_at or text.written_at) else "?"
    grade = f", grade {text.grade.value}" if text.grade else ""
    return f"{text.id} · {when} · {text.source}{grade}"


def _listing(texts: list[EarlierText]) -> str:
    if not texts:
        return "_No earlier texts of this question yet: a regenerated or replaced text of yours, and each of the " \
               "assistant's suggestions, shows here._"
    rows = []
    for text in texts:
        body = (text.commentary or "").strip().replace("\n", " ")
        excerpt = body[:160] + ("…" if len(body) > 160 else "") if text.commentary is not None else "(the assistant's text)"
        written = f" Written {utc_time(text.written_at, with_date=True)}." if text.set_aside_at and text.written_at else ""
        rows.append(f"- **{_label(text)}**.{written} {excerpt.replace('<', '&lt;')}")
    return "\n".join(rows)


class ArchiveViews(Tab):
    def archive_accordion(self, ui, number: int, commentary, grade, notes: list, regen_status) -> None:
        """Under one question: the list, a picker, the picked text in full and its Restore button. It loads when
        opened and after a regeneration; a restore refreshes the question's text, grade and `notes` (saved, changed,
        suggestion)."""
        n = number
        with gr.Accordion("Earlier texts (archive)", open=False, elem_id=f"archive-box-{n}") as box:
            listing = gr.Markdown(elem_id=f"archive-{n}")
            with gr.Row():
                pick = gr.Dropdown(label="An earlier text", choices=[], interactive=True, scale=3, elem_id=f"archive-pick-{n}")
                restore = gr.Button("Restore it as your text", size="sm", scale=1, elem_id=f"archive-restore-{n}")
            shown = gr.Textbox(label="Its text", lines=5, interactive=False, elem_id=f"archive-text-{n}")
            status = gr.Markdown(elem_id=f"archive-status-{n}")
        question = gr.Number(n, visible=False)
        views = [listing, pick, shown]
        box.expand(self.archive_list, [ui.review_state, question], views)
        regen_status.change(self.archive_list, [ui.review_state, question], views, show_progress="hidden")
        pick.input(self.archive_text, [ui.review_state, question, pick], shown)
        restore.click(self.restore_text, [ui.review_state, question, pick], [status, commentary, grade] + notes + views)

    def _texts(self, review: Review | None, number: int, request) -> list[EarlierText]:
        return self.pipeline.earlier_texts(review, user_of(request), int(number)) if review else []

    def archive_list(self, review_id, number, request: gr.Request = None) -> list:
        """[list, picker, shown text] of one question's earlier texts."""
        texts = self._texts(self._review(review_id, request), number, request)
        return [_listing(texts), gr.update(choices=[(_label(t), t.id) for t in texts], value=None), ""]

    def archive_text(self, review_id, number, text_id: str | None, request: gr.Request = None) -> str:
        texts = self._texts(self._review(review_id, request), number, request)
        found = next((t for t in texts if t.id == text_id), None)
        if found is None:
            return ""
        return found.commentary if found.commentary is not None else "(the assistant's text: the grade alone was set aside)"

    def restore_text(self, review_id, number, text_id: str | None, request: gr.Request = None) -> list:
        """Restore the picked text; returns [status, text box, grade, saved, changed note, suggestion, list, picker,
        shown text]."""
        unchanged = [gr.update()] * 5
        review, user = self._review(review_id, request), user_of(request)
        if review is None:
            return ["Open a report first."] + unchanged + [gr.update()] * 3
        if not text_id:
            return ["Pick an earlier text first."] + unchanged + [gr.update()] * 3
        try:
            edit, earlier = self.pipeline.restore_text(review, user, text_id)
        except ReviewFinalised:
            return [FINALISED] + unchanged + [gr.update()] * 3
        except ReviewError as exc:
            return [f"Not restored: {exc}."] + unchanged + self.archive_list(review_id, number, request)
        review = self.store.get(review.id)
        number = earlier.number
        text, grade = self.pipeline.member_text(review, number, user)
        draft = self.pipeline.member_draft(review, number, user)
        status = f"Restored {earlier.id} ({earlier.source}) as your text at {utc_time()}; any text it replaced is listed."
        return [status, gr.update(value=text), gr.update(value=grade.value if grade else None), saved_at(),
                render_changed_note(draft, edit), render_suggestion(draft, edit)] + self.archive_list(review_id, number, request)
