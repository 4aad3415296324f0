"""The Round tab: a whole review round's pre-screen, and drafting it in the background (for the secretariat)."""

import html
from pathlib import Path

import gradio as gr

from ..pipeline import Pipeline
from ..review.text_safety import md_line, md_text
from ..review.workspace import utc_time
from ..rounds import RoundError
from .round_worker import RoundWorker
from .state import Tab, user_of


class RoundTab(Tab):
    def __init__(self, pipeline: Pipeline):
        super().__init__(pipeline)
        self.round_worker = RoundWorker(pipeline)

    def build(self, ui) -> None:
        with gr.Tab("Round") as ui.round_tab:
            gr.Markdown("For the secretariat: a whole review round. Make rounds with `panel-assistant round create` and "
                        "`round add`; here you see their pre-screen and draft them in the background.")
            with gr.Row():
                ui.round_pick = gr.Dropdown(label="Review round", choices=[], interactive=True, elem_id="round")
                ui.round_draft = gr.Button("Draft the round in the background (admins)", variant="primary")
                ui.round_page = gr.Number(1, label="Page", precision=0, minimum=1, interactive=True, elem_id="round-page")
            with gr.Row():
                ui.round_member = gr.Textbox(label="Put a user on the round (admins): they see its reviews", scale=3,
                                             elem_id="round-member")
                ui.round_member_button = gr.Button("Add to the round", scale=1)
            ui.round_status = gr.Markdown(elem_id="round-status")
            ui.round_progress = gr.HTML(elem_id="round-progress")
            ui.round_table = gr.Markdown(elem_classes="prescreen", elem_id="round-table")
            ui.round_timer = gr.Timer(3, active=False)

    def wire(self, ui) -> None:
        ui.round_tab.select(self.round_choices, None, ui.round_pick)
        ui.round_pick.input(lambda: 1, None, ui.round_page).then(self.round_view, [ui.round_pick, ui.round_page],
                                                                  [ui.round_table, ui.round_progress])
        ui.round_page.input(self.round_view, [ui.round_pick, ui.round_page], [ui.round_table, ui.round_progress])
        ui.round_draft.click(self.start_round, ui.round_pick, [ui.round_status, ui.round_progress]).then(
            lambda: gr.Timer(active=True), None, ui.round_timer)
        ui.round_member_button.click(self.add_round_member, [ui.round_pick, ui.round_member],
                                     [ui.round_status, ui.round_member])
        ui.round_timer.tick(self.round_progress_page, [ui.round_pick, ui.round_page], ui.round_progress,
                            show_progress="hidden")

    def round_choices(self, request: gr.Request = None) -> dict:
        """Every round for admins (and without login); with login, the rounds the user is on."""
        user = user_of(request)
        return gr.update(choices=self.round_worker.rounds.names(None if self.sees_all(user) else user))

    def may_see_round(self, name: str, request) -> bool:
        user = user_of(request)
        return self.sees_all(user) or user in self.round_worker.rounds.get(name).members

    def page_of(self, round_, page) -> tuple[slice, str]:
        """The reports of one page of the round's table (about PANEL_ROUND_PAGE_ROWS rows: a row per question of
        each report) and a line that says which."""
        size = max(1, self.pipeline.settings.round_page_rows // max(1, len(self.numbers)))
        pages = max(1, -(-len(round_.reports) // size))
        try:
            page = min(max(int(page or 1), 1), pages)
        except (TypeError, ValueError):
            page = 1
        first = (page - 1) * size
        shown = f"reports {first + 1}–{min(first + size, len(round_.reports))} of {len(round_.reports)}"
        return slice(first, first + size), f"Page {page} of {pages} ({shown if round_.reports else 'no reports yet'})."

    def round_view(self, name: str | None, page=1, request: gr.Request = None) -> list:
        """[pre-screen table per report and question, one page of it, and drafting progress]."""
        if not name:
            return ["_Pick a round. Rounds are made with `panel-assistant round create NAME` and `round add`._", ""]
        rounds = self.round_worker.rounds
        try:
            if not self.may_see_round(name, request):
                return ["Error: you are not on this round; an admin can put you on it.", ""]
            round_ = rounds.get(name)
            reports, where = self.page_of(round_, page)
            rows = rounds.prescreen_rows(name, reports)
        except RoundError as exc:
            return [f"Error: {md_text(exc)}", ""]
        table = [where, "", "| File | Member | Q | Status | Pages | Points missing | Injection warnings | Error |",
                 "|---|---|---|---|---|---|---|---|"]
        for row in rows:
            cells = [row["file"], row["member"], row["question"], row["status"], row["pages"], row["missing points"],
                     row["injection warnings"], row["error"]]
            table.append("| " + " | ".join(md_text(c).replace("\n", "<br>") for c in cells) + " |")
        return ["\n".join(table), self.round_progress(name, round_, reports)]

    def round_progress_page(self, name: str | None, page=1, request: gr.Request = None) -> str:
        """The timer's refresh of the progress of the page shown."""
        try:
            if not name or not self.may_see_round(name, request):
                return ""
            round_ = self.round_worker.rounds.get(name)
        except RoundError as exc:
            return html.escape(f"Error: {exc}")
        return self.round_progress(name, round_, self.page_of(round_, page)[0])

    def round_progress(self, name: str, round_=None, reports: slice | None = None) -> str:
        """The round's drafting: how many questions are done, and per report (of one page) how far it is."""
        rounds = self.round_worker.rounds
        round_ = round_ or rounds.get(name)
        counts = rounds.progress(name)
        total = sum(counts.values())
        backend = self.pipeline.drafting_backend()[1] if total else ""
        lines = []
        for report in round_.reports[reports or slice(None)]:
            title = html.escape(f"{report.member or Path(report.path).name} {report.year or ''}")
            if report.error or report.review_id is None:
                lines.append(f"<div>{title}: not readable ({html.escape(report.error)})</div>")
                continue
            drafted = len(self.store.get(report.review_id).suggestions.get(backend, {})) if backend else 0
            lines.append(f"<div>{title}: <progress max='{len(self.numbers)}' value='{drafted}'></progress> "
                         f"{drafted}/{len(self.numbers)} questions</div>")
        working = " — drafting now" if self.round_worker.current == name else ""
        summary = (f"<p><b>Drafting:</b> {counts['done']} of {total} questions done, {counts['failed']} failed, "
                   f"{counts['pending'] + counts['running']} waiting{working}.</p>" if total else
                   "<p>Not drafted yet.</p>")
        failures = "".join(f"<li>{html.escape(f)}</li>" for f in rounds.failures(name))
        return (f"<div class='round-progress'>{summary}{''.join(lines)}"
                + (f"<p>Failed (drafting the round again retries them):</p><ul>{failures}</ul>" if failures else "") + "</div>")

    def start_round(self, name: str | None, request: gr.Request = None) -> list:
        """Only an admin drafts a whole round (the command line's `round draft` is the secretariat's own). Returns
        [status, progress]."""
        if not name:
            return ["Pick a round first.", ""]
        if not self.is_admin(request):
            return ["Not drafted: only panel admins draft a whole round; draft a report's questions on its Draft tab.", ""]
        try:
            waiting = self.round_worker.start(name)
        except RoundError as exc:
            return [f"Error: {md_text(exc)}", ""]
        return [f"Drafting {waiting} questions of round {md_line(name)} in the background ({utc_time()}); a restart of the "
                "server resumes where it stopped.", self.round_progress_page(name, 1, request)]

    def add_round_member(self, name: str | None, user: str, request: gr.Request = None) -> list:
        """An admin puts a user on the round: they see its reviews. Returns [status, name box]."""
        user = (user or "").strip()
        if not name:
            return ["Pick a round first.", gr.update()]
        if not self.is_admin(request):
            return ["Not added: only panel admins put users on a round.", gr.update()]
        if why := self.unknown_user(user):
            return [why, gr.update()]
        try:
            members = self.round_worker.rounds.add_member(name, user, by=user_of(request)).members
        except RoundError as exc:
            return [f"Error: {md_text(exc)}", gr.update()]
        return [f"On round {md_line(name)} now: {', '.join(md_line(m) for m in members)} ({utc_time()}).", ""]
