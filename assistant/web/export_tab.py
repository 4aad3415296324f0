"""The Export tab: the letter as DOCX and Markdown, into the user's own export folder."""

import re
import shutil
import tempfile
import unicodedata
from pathlib import Path

import gradio as gr

from ..review.workspace import inside, safe_name, user_folder, utc_time
from .state import Tab, user_of


def file_part(name: str) -> str:
    """'Cedar & Olive Relief' -> 'cedar-olive-relief': letters and digits (accents dropped), words joined by '-'."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return safe_name("-".join(re.findall(r"[a-z0-9]+", plain.lower())), 80).strip("_")


class ExportTab(Tab):
    def build(self, ui) -> None:
        with gr.Tab("Export"):
            gr.Markdown("Every question goes in the letter: your text, else the assistant's, else a marked "
                        "placeholder; only questions you chose to leave out are missing. Once the lead has finalised "
                        "the letter, the finalised version is exported.")
            ui.with_appendix = gr.Checkbox(label="Add an appendix: the assistant's suggestions against the final text "
                                                 "(finalised letters)", elem_id="appendix")
            ui.appendix_state = gr.State(False)
            ui.export_button = gr.Button("Build the letter", variant="primary")
            ui.export_status = gr.Markdown()
            with gr.Row():
                ui.docx_button = gr.DownloadButton("Download DOCX", elem_id="download-docx", interactive=False)
                ui.md_button = gr.DownloadButton("Download Markdown", elem_id="download-md", interactive=False)

    def wire(self, ui) -> None:
        ui.with_appendix.change(lambda x: bool(x), ui.with_appendix, ui.appendix_state)
        ui.export_button.click(self.export, [ui.review_state, ui.appendix_state],
                               [ui.export_status, ui.docx_button, ui.md_button])

    def export(self, review_id, request: gr.Request = None, with_appendix: bool = False) -> list:
        """Write the letter as DOCX and Markdown into the user's own export folder: the finalised version where
        there is one, else the user's letter as it stands. Returns [status, docx button, markdown button]. The
        buttons get a private copy: Gradio moves it into its cache under a content hash, so the download URL cannot
        be guessed from member or user names."""
        user = user_of(request)
        review = self._review(review_id, request)
        if review is None:
            return ["Open a report first.", gr.update(), gr.update()]
        folder = self.pipeline.settings.data_dir / "exports" / user_folder(user)
        final = review.final if review.status == "final" else None
        letter = final.letter if final else self.pipeline.member_letter(review, user)
        # Named as the letter names the organisation and year (the review's, after any rename).
        stem = "_".join(part for part in (file_part(letter.member) or "letter", str(letter.report_year or ""),
                                          "panel-feedback" + (f"_v{final.version}" if final else "-draft")) if part)
        handout = Path(tempfile.mkdtemp(prefix="panel-export-"))
        buttons = []
        for suffix in (".docx", ".md"):
            path = self.pipeline.export_review(letter, inside(folder, stem + suffix), review, with_appendix and final is not None)
            buttons.append(gr.update(value=str(shutil.copy2(path, handout / path.name)), interactive=True))
        what = f"Finalised letter, version {final.version}" if final else "Letter built"
        left_out = [str(n) for n in self.numbers if getattr(review.edit(user, n), "leave_out", False)]
        note = f" Left out as you chose: question {', '.join(left_out)}." if left_out and not final else ""
        if with_appendix:
            note += (" With the appendix of the assistant's suggestions against the final text." if final else
                     " The appendix comes with a finalised letter: the lead finalises it on the Panel tab.")
        return [f"{what} at {utc_time()}: {len(letter.questions)} questions.{note}"] + buttons
