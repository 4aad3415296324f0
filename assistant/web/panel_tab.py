"""The Panel tab: each member's grade beside the assistant's and the rubric's, comments, the lead and finalising; the
members' texts side by side and the lead's decisions on disagreements are in side_by_side.py."""

import html

import gradio as gr

from ..review.reviews import Review, ReviewError, consensus
from ..review.text_safety import md_line, md_text
from ..review.workspace import utc_time
from .side_by_side import SideBySide
from .state import user_of


class PanelTab(SideBySide):
    def build(self, ui) -> None:
        with gr.Tab("Panel") as ui.panel_tab:
            gr.Markdown("Each member's grade beside the assistant's and the rubric's; rows where the panel disagrees are "
                        "marked. ✎: set by hand; otherwise the grade the member's view of the suggestion gives.")
            ui.consensus_view = gr.HTML(elem_id="consensus")
            ui.refresh_panel = gr.Button("Refresh", size="sm", elem_id="refresh-panel")
            with gr.Row():
                ui.comment_on = gr.Dropdown([(f"{q.number}. {q.title}", q.number) for q in self.pipeline.framework.questions],
                                            label="Comment on question", scale=1, min_width=400, elem_id="comment-question")
                ui.comment_text = gr.Textbox(label="Comment", scale=3, elem_id="comment-text")
                ui.comment_button = gr.Button("Add comment", scale=1)
            ui.lead_view = gr.Markdown(elem_id="lead")
            with gr.Row():
                ui.lead_button = gr.Button("Take the lead")
                ui.finalise_button = gr.Button("Finalise the letter (lead)", variant="primary")
                ui.reopen_button = gr.Button("Reopen (lead)")
            self.build_decisions(ui)
            with gr.Row():
                ui.member_name = gr.Textbox(label="Add a member (the lead or an admin): user name", scale=3,
                                            elem_id="member-name")
                ui.member_button = gr.Button("Add member", scale=1)
            ui.panel_status = gr.Markdown(elem_id="panel-status")
        ui.panel = [ui.consensus_view, ui.lead_view]

    def wire(self, ui) -> None:
        ui.panel_tab.select(self.panel_view, ui.review_state, ui.panel)
        ui.refresh_panel.click(self.panel_view, ui.review_state, ui.panel)
        ui.comment_button.click(self.add_comment, [ui.review_state, ui.comment_on, ui.comment_text],
                                [ui.panel_status, ui.comment_text] + ui.panel)
        ui.member_button.click(self.add_member, [ui.review_state, ui.member_name], [ui.panel_status, ui.member_name] + ui.panel)
        for button, action in ((ui.lead_button, self.take_lead), (ui.finalise_button, self.finalise),
                               (ui.reopen_button, self.reopen)):
            button.click(action, ui.review_state, [ui.panel_status] + ui.panel).then(ui.open_report, ui.review_state, ui.page)
        self.wire_decisions(ui)

    def consensus_html(self, review: Review | None, user: str = "") -> str:
        """Per question, each member's grade beside the assistant's and the rubric's; disagreements marked. A
        member's grade is the one they set (✎), else the one their view of the suggestion gives. The rubric column
        is the viewing `user`'s: the grade the rubric gives their own point statuses where they set some (the
        assistant's statuses' beside it where that differs), as the Draft tab's checklist says; every member's own
        statuses already show in their grade cell."""
        if review is None:
            return "<p>No report open.</p>"
        rows = {c.number: c for c in consensus(review)}
        if not rows:
            return "<p>Nothing drafted or graded yet.</p>"
        backend = review.default_backend()
        members = review.members
        open_numbers = {d.number for d in self.pipeline.disagreements(review, backend)}
        head = "".join(f"<th>{html.escape(m)}{' (lead)' if m == review.lead else ''}</th>" for m in members)
        body = []
        for question in self.pipeline.framework.questions:
            view = rows.get(question.number)
            if view is None or not question.graded:
                continue
            cells, grades = [], set()
            for member in members:
                _, grade = self.pipeline.member_text(review, question.number, member, backend)
                edit = review.edit(member, question.number)
                grades.add(grade)
                mark = " ✎" if edit and edit.grade is not None else ""
                statuses = " (own statuses)" if edit and edit.points else ""
                cells.append(f"<td>{grade.value if grade else '—'}{mark}{statuses}</td>")
            assistant = view.assistant.get(backend) if backend else None
            differs = len(grades) > 1 or (assistant is not None and grades - {assistant, None})
            disagree = bool(view.disagreement or differs)
            comments = len(view.comments)
            body.append(
                f"<tr class='{'disagree' if disagree else 'agree'}' data-question='{question.number}'>"
                f"<td>{question.number}. {html.escape(question.title)}{self.question_mark(review, question.number, disagree, open_numbers)}</td>"
                + "".join(cells)
                + f"<td>{assistant.value if assistant else '—'}</td><td>{self._rubric_cell(review, question.number, user, backend, view.rubric)}</td>"
                f"<td>{comments or ''}</td></tr>"
            )
        table = (f"<table class='consensus'><thead><tr><th>Question</th>{head}<th>Assistant ({html.escape(backend or '—')})"
                 f"</th><th>Rubric</th><th>Comments</th></tr></thead><tbody>{''.join(body)}</tbody></table>")
        notes = [f"<li><b>Q{c.number}</b> {html.escape(c.user)} ({utc_time(c.created_at)}): {html.escape(c.text)}</li>"
                 for c in review.comments]
        return table + (f"<h4>Comments</h4><ul>{''.join(notes)}</ul>" if notes else "") + self.side_by_side_html(review, open_numbers)

    def _rubric_cell(self, review: Review, number: int, user: str, backend, assistants) -> str:
        """The rubric grade of `user`'s own statuses where they set some, else of the assistant's."""
        edit = review.edit(user, number)
        mine = self.pipeline.member_draft(review, number, user, backend) if edit and edit.points else None
        if mine is None or mine.rubric_grade is None:
            return assistants.value if assistants else '—'
        theirs = f"; the assistant's statuses: {assistants.value}" if assistants and assistants != mine.rubric_grade else ""
        return f"{mine.rubric_grade.value} (your statuses{theirs})"

    def lead_md(self, review: Review | None, user: str) -> str:
        if review is None:
            return ""
        lines = [f"**Lead:** {md_line(review.lead) or 'nobody yet'}. **Members:** {', '.join(map(md_line, review.members)) or '—'}. "
                 f"**Letter:** {'finalised, read-only' if review.status == 'final' else 'open'}."]
        if review.letters:
            lines.append("**Versions:** " + "; ".join(
                f"v{f.version} by {md_line(f.finalised_by)} at {utc_time(f.finalised_at, with_date=True)}" for f in review.letters))
        if checked := checked_points(review):
            lines.append("**Points checked:** " + ", ".join(f"{md_line(member)} {count}" for member, count in checked.items()))
        if review.lead == user:
            lines.append("_You lead this review: you finalise (and reopen) the letter._")
        return "\n\n".join(lines)

    def panel_view(self, review_id, request: gr.Request = None) -> list:
        """[consensus table, lead and versions]."""
        review = self._review(review_id, request)
        return [self.consensus_html(review, user_of(request)), self.lead_md(review, user_of(request))]

    def add_comment(self, review_id, number, text: str, request: gr.Request = None) -> list:
        """Returns [status, comment box, consensus table, lead]."""
        review = self._review(review_id, request)
        if review is None or number in (None, "") or not (text or "").strip():
            return ["Pick a question and write a comment first.", gr.update()] + self.panel_view(review_id, request)
        self.store.comment(review.id, user_of(request), int(number), text.strip())
        return [f"Comment added at {utc_time()}.", ""] + self.panel_view(review_id, request)

    def add_member(self, review_id, name: str, request: gr.Request = None) -> list:
        """The lead or an admin gives a user the review (with login, one of PANEL_AUTH's users). Returns [status,
        name box, consensus table, lead]."""
        review, name = self._review(review_id, request), (name or "").strip()
        if review is None:
            return ["Open a report first.", gr.update()] + self.panel_view(review_id, request)
        if why := self.unknown_user(name):
            return [why, gr.update()] + self.panel_view(review_id, request)
        try:
            self.store.add_member(review.id, name, by=user_of(request), admin=self.is_admin(request))
        except ReviewError as exc:
            return [f"Error: {exc}.", gr.update()] + self.panel_view(review_id, request)
        return [f"{name} is a member of this review ({utc_time()}).", ""] + self.panel_view(review_id, request)

    def _lead_action(self, review_id, request, action) -> list:
        """Returns [status, consensus table, lead]."""
        review = self._review(review_id, request)
        if review is None:
            return ["Open a report first."] + self.panel_view(review_id, request)
        try:
            status = action(review, user_of(request))
        except ReviewError as exc:
            status = f"Error: {md_text(exc)}."
        return [status] + self.panel_view(review_id, request)

    def take_lead(self, review_id, request: gr.Request = None) -> list:
        def take(review: Review, user: str) -> str:
            self.store.set_lead(review.id, user, only_if_free=True)
            return f"You lead this review ({utc_time()})."

        return self._lead_action(review_id, request, take)

    def finalise(self, review_id, request: gr.Request = None) -> list:
        def finalise(review: Review, user: str) -> str:
            final = self.pipeline.finalise(review, user)
            return f"Finalised: version {final.version} at {utc_time()}. The letter is read-only now."

        return self._lead_action(review_id, request, finalise)

    def reopen(self, review_id, request: gr.Request = None) -> list:
        def reopen(review: Review, user: str) -> str:
            self.store.reopen(review.id, user)
            return f"Reopened at {utc_time()}: the letter can be edited again; the finalised versions stay."

        return self._lead_action(review_id, request, reopen)


def checked_points(review: Review) -> dict[str, int]:
    """How many point statuses each member has set or confirmed (in the Verify or the Draft tab)."""
    return {member: sum(len(edit.points) for edit in edits.values())
            for member, edits in review.edits.items() if any(edit.points for edit in edits.values())}
