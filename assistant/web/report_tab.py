"""The Report tab (upload a report, open its review) and the Pre-screen tab beside it."""

from pathlib import Path

import gradio as gr

from ..reading.documents import IngestError
from ..review.text_safety import md_code, md_line, md_text
from .page import PageViews
from .state import user_of


class YearError(ValueError):
    pass


def parse_year(text: str | float | None) -> int | None:
    """Blank means: from the file name."""
    text = str(text if text is not None else "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1900 <= int(text) <= 2200:
        raise YearError(f"the year must be a year like 2023, not {text!r}")
    return int(text)


class ReportTab(PageViews):
    def build(self, ui) -> None:
        settings = self.pipeline.settings
        with gr.Tab("Report"):
            with gr.Row():
                # No file_types filter: the server names an unsupported type itself, once, instead of a pop-up
                # followed by a misleading "choose a file". Oversized files are refused by max_file_size.
                ui.upload = gr.File(label=f"Accountability report (PDF, DOCX, Markdown, text; at most {settings.max_file_mb:g} MB)",
                                    type="filepath")
                with gr.Column():
                    ui.member = gr.Textbox(label="Member organisation (blank: from the file name)")
                    ui.year = gr.Textbox(label="Report year (blank: from the file name)", placeholder="e.g. 2023", max_lines=1)
                    ui.ingest_button = gr.Button("Ingest report", variant="primary")
            ui.ingest_status = gr.Markdown()

        with gr.Tab("Pre-screen"):
            gr.Markdown("For the secretariat: is every question answered, where, and with what evidence. No LLM involved.")
            ui.prescreen_md = gr.Markdown(elem_classes="prescreen")

    def wire(self, ui) -> None:
        ui.ingest_button.click(
            self.ingest, [ui.upload, ui.member, ui.year, ui.review_state],
            [ui.ingest_status, ui.review_state, ui.reports, ui.ingested], concurrency_id="ingest", concurrency_limit=1,
            show_progress_on=ui.ingest_status,  # under the button, not over the report picker
        ).then(self.open_if_ingested, [ui.ingested, ui.review_state], ui.page, show_progress="hidden").then(
            lambda d: d, ui.review_state, ui.last_review).then(self.prescreen_view, ui.review_state, ui.prescreen_md)

    def ingest(self, file_path: str | None, member: str, year: str | None, current=None,
               request: gr.Request = None, progress=gr.Progress()) -> list:
        """Returns [status, review id, reports dropdown, ingested]. A failed upload keeps the open report open."""
        user = user_of(request)
        kept = [current, gr.update(), False]
        if not file_path:
            return ["No file to ingest: choose a PDF, DOCX, Markdown or text file above."] + kept

        def report_progress(done: int, total: int) -> None:
            if progress:
                progress(done / max(total, 1), desc=f"indexing {done}/{total} passages")

        try:
            result = self.pipeline.ingest(Path(file_path), member=(member or "").strip(), year=parse_year(year),
                                          progress=report_progress)
        except (IngestError, YearError) as exc:
            still = " The report you had open stays open." if current else ""
            return [f"Error: {md_text(str(exc).rstrip('.'))}.{still}"] + kept
        # The uploader is a member of the report's review; with login they lead it where nobody does yet.
        review = self.pipeline.review_for(result, user=user, lead_if_none=self.auth_on)
        state = "already indexed" if result.already_indexed else "indexed"
        found = ", ".join(map(str, result.questions_found)) or "none"
        lines = [f"Done: {md_code(result.source)}: {state}, {result.chunks} passages; questions found: {found}"]
        if review.suggestions:
            others = ", ".join(md_line(m) for m in review.members if m != user) or "no other member yet"
            lines.append(f"The panel's review of this report is open ({others}), the assistant's drafts already there.")
        lines += [f"Note: {md_text(w)}" for w in result.warnings]
        return ["\n\n".join(lines), review.id, gr.update(choices=self.report_choices(user), value=review.id), True]
