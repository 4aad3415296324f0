"""The Panel tab's side-by-side view and the lead's decisions (PanelTab mixes it in).

Per question, each member's grade, point statuses and text beside the others', with the comments on it: the members
of a review see each other's work here (Tab._review has checked the user may open the review). The lead picks what
goes into the letter for a question: a member's text and grade, a merge they edit, or the disagreement accepted as
it stands (Pipeline.decide); finalising is refused while a disagreement is open, and the refusal lists them."""

import html

import gradio as gr

from ..review.reviews import Review, ReviewError
from ..review.workspace import utc_time
from .state import GRADE_CHOICES, Tab, user_of

STATUS_MARK = {"addressed": "✔ addressed", "partly": "◐ partly", "missing": "✘ missing"}


def _text(value: str) -> str:
    return html.escape(value).replace("\n", "<br>") if value else "<i>no text</i>"


class SideBySide(Tab):
    def build_decisions(self, ui) -> None:
        gr.Markdown("**What goes into the letter (the lead).** Pick a question, then a member's text and grade, a "
                    "merge (edit the text and grade below), or accept the disagreement as it stands. A text you "
                    "replace goes to your archive (Draft tab, 'Earlier texts').")
        with gr.Row():
            ui.decide_question = gr.Dropdown([(f"{q.number}. {q.title}", q.number) for q in self.pipeline.framework.questions],
                                             label="Question", scale=2, min_width=560, elem_id="decide-question")
            ui.decide_source = gr.Radio([], label="Goes into the letter", scale=3, elem_id="decide-source")
        with gr.Row():
            ui.decide_text = gr.Textbox(label="Its text (edit it for a merge)", lines=5, scale=3, elem_id="decide-text")
            ui.decide_grade = gr.Dropdown(GRADE_CHOICES, label="Its grade", scale=1, elem_id="decide-grade")
        ui.decide_button = gr.Button("Decide (lead)", elem_id="decide-button")

    def wire_decisions(self, ui) -> None:
        form = [ui.decide_source, ui.decide_text, ui.decide_grade]
        ui.decide_question.input(self.decision_form, [ui.review_state, ui.decide_question], form)
        ui.decide_source.input(self.source_text, [ui.review_state, ui.decide_question, ui.decide_source],
                               [ui.decide_text, ui.decide_grade])
        for box in (ui.decide_text, ui.decide_grade):  # editing what a member wrote makes it a merge
            box.input(None, None, ui.decide_source, js="() => 'merge'")
        ui.decide_button.click(self.decide, [ui.review_state, ui.decide_question] + form, [ui.panel_status] + ui.panel
                               ).then(ui.open_report, ui.review_state, ui.page)

    # The view

    def question_mark(self, review: Review, number: int, disagree: bool, open_numbers: set[int]) -> str:
        """The consensus row's note: an open disagreement, the lead's decision, or a grade only the assistant's differs from."""
        if number in open_numbers:
            return " ⚠ disagreement"
        if number in review.decisions:
            return f" ✓ {html.escape(review.decisions[number].describe())}"
        return " ⚠ differs from the assistant" if disagree else ""

    def side_by_side_html(self, review: Review, open_numbers: set[int]) -> str:
        """Per question with any work on it, the members' grades, texts and point statuses in columns, the comments
        and the lead's decision; an open disagreement shows unfolded."""
        backend = review.default_backend()
        drafted = {n for drafts in review.suggestions.values() for n in drafts}
        parts = []
        for question in self.pipeline.framework.questions:
            n = question.number
            if n not in drafted and not any(n in edits for edits in review.edits.values()):
                continue
            head, grades, texts, statuses = [], [], [], {}
            for member in review.members:
                draft = self.pipeline.member_draft(review, n, member, backend)
                text, grade = self.pipeline.member_text(review, n, member, backend)
                edit = review.edit(member, n)
                head.append(f"<th>{html.escape(member)}{' (lead)' if member == review.lead else ''}</th>")
                grades.append(f"<td>{grade.value if grade else '—'}{' ✎' if edit and edit.grade is not None else ''}</td>")
                own = "own text" if edit and edit.commentary is not None else "the assistant's text, as they see it"
                left_out = "<b>left out of their letter</b><br>" if edit and edit.leave_out else ""
                texts.append(f"<td style='vertical-align: top'>{left_out}<i>{own}</i><br>{_text(text)}</td>")
                for point in (draft.assessment.points if draft and draft.assessment else []):
                    mark = STATUS_MARK[point.status] + (" (theirs)" if point.guidance in (edit.points if edit else {}) else "")
                    statuses.setdefault(point.guidance, {})[member] = mark
            rows = [f"<tr><th>Grade</th>{''.join(grades)}</tr>", f"<tr><th>Text</th>{''.join(texts)}</tr>"]
            rows += [f"<tr><td>{html.escape(guidance)}</td>" + "".join(f"<td>{by.get(m, '—')}</td>" for m in review.members)
                     + "</tr>" for guidance, by in statuses.items()]
            comments = [f"<li>{html.escape(c.user)} ({utc_time(c.created_at)}): {html.escape(c.text)}</li>"
                        for c in review.comments if c.number == n]
            decision = review.decisions.get(n)
            if n in open_numbers:
                state = " — ⚠ open disagreement: the lead decides below what goes into the letter"
            elif decision:
                state = f" — ✓ {html.escape(decision.describe())} at {utc_time(decision.decided_at)}"
            else:
                state = ""
            parts.append(
                f"<details class='side-by-side' data-side='{n}'{' open' if n in open_numbers else ''}><summary>"
                f"{n}. {html.escape(question.title)}{state}</summary><table class='consensus'><thead><tr><th></th>"
                f"{''.join(head)}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
                + (f"<ul>{''.join(comments)}</ul>" if comments else "") + "</details>")
        return "<h4>Side by side</h4>" + "".join(parts) if parts else ""

    # The lead's decision

    def decision_form(self, review_id, number, request: gr.Request = None) -> list:
        """For the question picked: the choices (each member's text, a merge, accept), the decision standing, and the
        user's own text and grade to start a merge from. Returns [choices, text, grade]."""
        review, user = self._review(review_id, request), user_of(request)
        if review is None or number in (None, ""):
            return [gr.update(choices=[], value=None), "", None]
        number = int(number)
        choices = [(f"{m}'s text and grade{' (yours)' if m == user else ''}", f"member:{m}") for m in review.members]
        choices += [("A merge: the text and grade below", "merge"), ("Accept as it stands: your own text and grade", "accept")]
        decision = review.decisions.get(number)
        value = None if decision is None else (f"member:{decision.member}" if decision.kind == "member" else decision.kind)
        text, grade = self.pipeline.member_text(review, number, user)
        return [gr.update(choices=choices, value=value), text, grade.value if grade else None]

    def source_text(self, review_id, number, source: str | None, request: gr.Request = None) -> list:
        """A member's text and grade (or, to accept, the user's own) shown as picked; a merge keeps what is there."""
        review = self._review(review_id, request)
        if review is None or number in (None, "") or not source or source == "merge":
            return [gr.update(), gr.update()]
        member = source.split(":", 1)[1] if source.startswith("member:") else user_of(request)
        text, grade = self.pipeline.member_text(review, int(number), member)
        return [text, grade.value if grade else None]

    def decide(self, review_id, number, source: str | None, text: str, grade: str | None,
               request: gr.Request = None) -> list:
        """The lead's decision, saved (Pipeline.decide); returns [status, consensus view, lead]."""
        review, user = self._review(review_id, request), user_of(request)
        if review is None:
            return ["Open a report first."] + self.panel_view(review_id, request)
        if number in (None, "") or not source:
            return ["Pick a question and what goes into its letter first."] + self.panel_view(review_id, request)
        kind, _, member = source.partition(":")
        try:
            decision = self.pipeline.decide(review, user, int(number), kind, member, text, grade or None)
        except (ReviewError, ValueError) as exc:
            return [f"Error: {exc}."] + self.panel_view(review_id, request)
        left = self.pipeline.disagreements(self.store.get(review.id))
        after = ("Open disagreements left: " + "; ".join(d.describe() for d in left) + "." if left
                 else "No open disagreement: the letter can be finalised.")
        return [f"Question {decision.number}: {decision.describe()} ({utc_time()}). {after}"] + self.panel_view(review_id, request)
