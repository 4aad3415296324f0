"""The Round tab: a whole review round's pre-screen, and drafting it in the background (for the secretariat)."""

import html
from pathlib import Path

import gradio as gr

from ..pipeline import Pipeline
from ..review.text_safety import md_line, md_text
from ..review.workspace import utc_time
from ..rounds import RoundError
from .round_worker import RoundWorker
from .state import Tab


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
                ui.round_draft = gr.Button("Draft the round in the background", variant="primary")
            ui.round_status = gr.Markdown(elem_id="round-status")
            ui.round_progress = gr.HTML(elem_id="round-progress")
            ui.round_table = gr.Markdown(elem_classes="prescreen", elem_id="round-table")
            ui.round_timer = gr.Timer(3, active=False)

    def wire(self, ui) -> None:
        ui.round_tab.select(self.round_choices, None, ui.round_pick)
        ui.round_pick.input(self.round_view, ui.round_pick, [ui.round_table, ui.round_progress])
        ui.round_draft.click(self.start_round, ui.round_pick, [ui.round_status, ui.round_progress]).then(
            lambda: gr.Timer(active=True), None, ui.round_timer)
        ui.round_timer.tick(self.round_progress, ui.round_pick, ui.round_progress, show_progress="hidden")

    def round_choices(self) -> dict:
        return gr.update(choices=self.round_worker.rounds.names())

    def round_view(self, name: str | None) -> list:
        """[pre-screen table per report and question, drafting progress]."""
        if not name:
            return ["_Pick a round. Rounds are made with `panel-assistant round create NAME` and `round add`._", ""]
        rounds = self.round_worker.rounds
        try:
            rows = rounds.prescreen_rows(name)
            round_ = rounds.get(name)
        except RoundError as exc:
            return [f"Error: {md_text(exc)}", ""]
        table = ["| File | Member | Q | Status | Pages | Points missing | Injection warnings | Error |",
                 "|---|---|---|---|---|---|---|---|"]
        for row in rows:
            cells = [row["file"], row["member"], row["question"], row["status"], row["pages"], row["missing points"],
                     row["injection warnings"], row["error"]]
            table.append("| " + " | ".join(md_text(c).replace("\n", "<br>") for c in cells) + " |")
        return ["\n".join(table), self.round_progress(name, round_)]

    def round_progress(self, name: str, round_=None) -> str:
        rounds = self.round_worker.rounds
        round_ = round_ or rounds.get(name)
        counts = rounds.progress(name)
        total = sum(counts.values())
        backend = self.pipeline.drafting_backend()[1] if total else ""
        lines = []
        for report in round_.reports:
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

    def start_round(self, name: str | None) -> list:
        """Returns [status, progress]."""
        if not name:
            return ["Pick a round first.", ""]
        try:
            waiting = self.round_worker.start(name)
        except RoundError as exc:
            return [f"Error: {md_text(exc)}", ""]
        return [f"Drafting {waiting} questions of round {md_line(name)} in the background ({utc_time()}); a restart of the "
                "server resumes where it stopped.", self.round_progress(name)]
