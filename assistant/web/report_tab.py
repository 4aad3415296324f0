"""The Report tab (upload a report, open its review) and the Pre-screen tab beside it."""

from pathlib import Path

import gradio as gr

from ..reading.documents import IngestError
from ..review.reviews import ReviewError
from ..review.text_safety import md_code, md_line, md_text
from ..review.workspace import utc_time
from .page import PageViews
from .state import user_of

# Where ingestion found a name or year, as the status says it ('given' needs no word).
FOUND_IN = {"file name": "from the file name", "report": "read from the report's cover or title",
            "record": "as kept for this report"}


class YearError(ValueError):
    pass


def parse_year(text: str | float | None) -> int | None:
    """Blank means: from the file name or the report itself."""
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
                    ui.member = gr.Textbox(label="Member organisation (blank: from the file name or the report's cover)")
                    ui.year = gr.Textbox(label="Report year (blank: from the file name or the report's title)",
                                         placeholder="e.g. 2023", max_lines=1)
                    ui.ingest_button = gr.Button("Ingest report", variant="primary")
            ui.ingest_status = gr.Markdown(elem_id="ingest-status")
            # The open review's name and year, as its letter and exports use them.
            with gr.Row():
                ui.org_name = gr.Textbox(label="Organisation", scale=3, max_lines=1, elem_id="org-name")
                ui.org_year = gr.Textbox(label="Year", scale=1, max_lines=1, elem_id="org-year")
                ui.rename_button = gr.Button("Rename", scale=1, elem_id="rename")
            ui.rename_status = gr.Markdown(elem_id="rename-status")

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
        ui.header.change(self.name_fields, ui.review_state, [ui.org_name, ui.org_year], show_progress="hidden")
        ui.rename_button.click(self.rename, [ui.review_state, ui.org_name, ui.org_year],
                               [ui.rename_status, ui.header, ui.reports, ui.prescreen_md])

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
            given_year = parse_year(year)
            result = self.pipeline.ingest(Path(file_path), member=(member or "").strip(), year=given_year,
                                          progress=report_progress)
        except (IngestError, YearError) as exc:
            still = " The report you had open stays open." if current else ""
            return [f"Error: {md_text(str(exc).rstrip('.'))}.{still}"] + kept
        # The uploader is a member of the report's review; with login they lead it where nobody does yet.
        review = self.pipeline.review_for(result, user=user, lead_if_none=self.auth_on)
        state = "already indexed" if result.already_indexed else "indexed"
        found = ", ".join(map(str, result.questions_found)) or "none"
        lines = [f"Done: {md_code(result.source)}: {state}, {result.chunks} passages; questions found: {found}"]
        # A name typed for a report already reviewed renames its review: the index stays as it is.
        given = (member or "").strip()
        if (given and given != review.member) or (given_year and given_year != review.year):
            try:
                review = self.pipeline.rename_review(review, given or review.member, given_year or review.year, user)
                lines.append("Renamed: the review, its letter and its exports use the name given (the index is "
                             "unchanged, nothing was read again).")
            except ReviewError as exc:
                lines.append(f"Note: not renamed: {exc}.")
        lines.append(self.name_line(review, result))
        if review.suggestions:
            others = ", ".join(md_line(m) for m in review.members if m != user) or "no other member yet"
            lines.append(f"The panel's review of this report is open ({others}), the assistant's drafts already there.")
        lines += [f"Note: {md_text(w)}" for w in result.warnings]
        return ["\n\n".join(lines), review.id, gr.update(choices=self.report_choices(user), value=review.id), True]

    @staticmethod
    def name_line(review, result) -> str:
        """Which organisation and year the letter will name, and where they came from: one read from the report or
        its file name is to be checked."""
        if not review.member:
            name = ("Organisation: **unknown** (not in the file name nor on the report's cover): the letter says "
                    "[ORGANISATION] until you set it below (Organisation, Rename).")
        else:
            found = FOUND_IN.get(result.member_from) if review.member == result.member else None
            name = f"Organisation: **{md_line(review.member)}**" + (f" ({found}: check it; Rename below corrects it)." if found else ".")
        if not review.year:
            return name + " Year: **unknown**: the letter says [YEAR] until you set it below."
        found = FOUND_IN.get(result.year_from) if review.year == result.year else None
        return name + f" Year: **{review.year}**" + (f" ({found})." if found else ".")

    def name_fields(self, review_id, request: gr.Request = None) -> list:
        """[organisation, year] of the open review, for the rename fields."""
        review = self._review(review_id, request)
        return [review.member, str(review.year or "")] if review else ["", ""]

    def rename(self, review_id, member: str, year: str | None, request: gr.Request = None) -> list:
        """Name the open review's organisation and year (Pipeline.rename_review): its letter and exports follow.
        Returns [status, header, reports dropdown, pre-screen]; a refused rename changes nothing."""
        user, unchanged = user_of(request), [gr.update()] * 3
        review = self._review(review_id, request)
        if review is None:
            return ["Open a report first."] + unchanged
        try:
            renamed = self.pipeline.rename_review(review, member or "", parse_year(year), user)
        except (YearError, ReviewError) as exc:
            return [f"Not renamed: {str(exc).rstrip('.')}."] + unchanged
        return [f"Renamed at {utc_time()}: the letter and its exports name **{md_line(renamed.member)}**, "
                f"{renamed.year or 'year unknown'}. Build the letter again for new files.", self.header(renamed),
                gr.update(choices=self.report_choices(user), value=renamed.id), self.prescreen_view(renamed.id, request)]
