"""The Gradio review workspace. It calls the pipeline (and the review store and rounds it opens); nothing calls it
back.

Opening a report opens its review (assistant/review/reviews.py), shared by the panel: the assistant's suggestions
are everyone's, each member's text, grades, point statuses and comments are their own and saved as they are made,
and the lead finalises one letter. Each tab is a module (`*_tab.py`) whose class holds its callbacks, so tests drive
them directly with a fake chat client, and lays out and wires its own components; `build_ui` puts the tabs on one
page and `Workspace` holds them.
"""

from types import SimpleNamespace

import gradio as gr
from starlette.middleware import Middleware

from ..pipeline import Pipeline
from ..review.workspace import user_folder
from ..settings import get_settings
from .csp import ContentSecurityPolicy
from .draft_tab import DraftTab
from .export_tab import ExportTab
from .page import PageViews
from .panel_tab import PanelTab
from .report_tab import ReportTab
from .round_tab import RoundTab
from .settings_tab import SettingsTab
from .state import parse_auth
from .verify_tab import KEYS_JS, VerifyTab

# System fonts only: Gradio's bundled webfont subsets mix typefaces in bold, and nothing may load from the internet.
THEME = gr.themes.Default(
    font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Noto Sans", "Helvetica Neue", "Arial", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "Liberation Mono", "monospace"],
)
CSS = """
.member-panel { border-left: 4px solid #2f855a; background: #f0fff4; padding: 8px; border-radius: 6px; }
.suggestion-panel { border-left: 4px solid #3182ce; background: #ebf8ff; padding: 8px; border-radius: 6px; }
.evidence-panel { border-left: 4px solid #718096; background: #f7fafc; padding: 8px; border-radius: 6px; }
.panel-label { font-weight: 700; text-transform: uppercase; font-size: 0.8em; letter-spacing: 0.04em; }
.prose table th, .prose table td { word-break: normal; overflow-wrap: normal; hyphens: none; }
.prose table th { white-space: nowrap; }
.prescreen { overflow-x: auto; }
button.label-wrap, .label-wrap span { text-align: left; }
table.consensus { border-collapse: collapse; width: 100%; }
table.consensus th, table.consensus td { border: 1px solid #cbd5e0; padding: 4px 8px; text-align: left; }
table.consensus tr.disagree td { background: #fff5f5; }
table.consensus tr.disagree td:first-child { border-left: 4px solid #c53030; }
.round-progress progress { width: 100%; vertical-align: middle; }
table.round-bars { border-collapse: collapse; width: 100%; table-layout: fixed; }
table.round-bars th, table.round-bars td { padding: 2px 8px; text-align: left; vertical-align: middle; overflow-wrap: anywhere; }
table.round-bars .who { width: 14rem; }
table.round-bars .bar { width: 30%; }
table.round-bars .count { width: 8.5rem; }
table.round-bars td.count { white-space: nowrap; }
.round-legend { font-size: 0.85em; color: #4a5568; }
.checklist-panel { margin-top: 8px; }
#logout { flex-grow: 0; min-width: 6rem; }
#report-header { min-width: min(320px, 100%) !important; }
@media (max-width: 900px) { table.round-bars .who { width: 9rem; } table.round-bars .bar { width: 20%; } }
"""
LOGIN_MESSAGE = ("<h2>Panel Assistant</h2><p>The Independent Review Panel's workspace for feedback letters on "
                 "accountability reports. Log in with the name and password the panel's admin gave you.</p>")


class Workspace:
    """Every tab's callbacks over one pipeline."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline
        self.page = PageViews(pipeline)
        self.report = ReportTab(pipeline)
        self.verify = VerifyTab(pipeline)
        self.draft = DraftTab(pipeline)
        self.panel = PanelTab(pipeline)
        self.round = RoundTab(pipeline)
        self.export = ExportTab(pipeline)
        self.settings = SettingsTab(pipeline)
        self.numbers = self.page.numbers

    @property
    def store(self):
        return self.pipeline.reviews

    @property
    def tabs(self) -> list:
        return [self.report, self.verify, self.draft, self.panel, self.round, self.export, self.settings]


def build_ui(workspace: Workspace) -> gr.Blocks:
    page = workspace.page
    with gr.Blocks(title="Panel Assistant", analytics_enabled=False, fill_width=True) as demo:
        ui = SimpleNamespace(open_report=page.open_report)
        ui.review_state = gr.State(None)
        ui.ingested = gr.State(False)
        ui.last_review = gr.BrowserState(None, storage_key="panel-assistant-last-review")
        gr.Markdown("# Panel Assistant\nDraft the Independent Review Panel's feedback letter on an accountability report.")
        with gr.Row():
            ui.reports = gr.Dropdown(label="Open a report (the panel's reviews)", choices=[], interactive=True, scale=3,
                                     elem_id="reports", min_width=560)
            ui.header = gr.Markdown("No report open.", elem_id="report-header")  # min-width in CSS: rows wrap
            # Gradio's own /logout route ends the login (every session of the user) and goes back to the login page.
            ui.logout = gr.Button("Log out", link=logout_url(workspace.pipeline.settings.root_path), size="sm",
                                  visible=page.auth_on, elem_id="logout", scale=0, min_width=96)
        for tab in workspace.tabs:
            tab.build(ui)
        ui.page = [ui.header, ui.prescreen_md, ui.opening] + ui.question_components
        for tab in workspace.tabs:
            tab.wire(ui)

        downloads_off = [gr.update(value=None, interactive=False)] * 2
        ui.reports.input(lambda d: d, ui.reports, ui.review_state).then(page.open_report, ui.review_state, ui.page).then(
            lambda d: d, ui.review_state, ui.last_review).then(lambda: downloads_off, None, [ui.docx_button, ui.md_button]).then(
            workspace.panel.panel_view, ui.review_state, ui.panel).then(page.prescreen_view, ui.review_state, ui.prescreen_md)
        demo.load(page.restore, ui.last_review, [ui.review_state, ui.reports] + ui.page).then(
            workspace.panel.panel_view, ui.review_state, ui.panel).then(page.prescreen_view, ui.review_state, ui.prescreen_md)
        demo.load(workspace.settings.settings_form, None, [ui.backend_banner, ui.backend, ui.base_url, ui.model_name,
                                                           ui.mode, ui.test_button, ui.apply_button])
    return demo


def logout_url(root_path: str = "") -> str:
    return f"{(root_path or '').rstrip('/')}/logout"


def serve(settings=None, prevent_thread_lock: bool = False):
    settings = settings or get_settings()
    auth = parse_auth(settings.auth)
    for user, _ in auth or []:
        user_folder(user)  # refuse '.', '..' and empty names at start-up, not at the first save
    pipeline = Pipeline(settings)
    pipeline.reviews  # opened now: the JSON workspaces of earlier versions are imported on start, not on a first click
    workspace = Workspace(pipeline)
    demo = build_ui(workspace)
    workspace.round.round_worker.resume()  # a round whose drafting a stop interrupted goes on where it stopped
    # Drafting or ingesting one report must not block another user's work: saves run unlimited, ingestion and
    # drafting in their own concurrency groups.
    demo.queue(default_concurrency_limit=4)
    launched = demo.launch(
        server_name=settings.host, server_port=settings.port, root_path=settings.root_path or None, auth=auth,
        auth_message=LOGIN_MESSAGE,
        ssr_mode=False, show_error=True, run_history=False, prevent_thread_lock=True, theme=THEME, css=CSS,
        head=KEYS_JS,
        # Refused in the browser (and by the upload route) before a large file is sent or read.
        max_file_size=int(settings.max_file_mb * 1024 * 1024),
        # Every response says: images, scripts and connections from this origin only (web/csp.py).
        app_kwargs={"middleware": [Middleware(ContentSecurityPolicy)]},
    )
    # Once the page answers: the index, the embedding model and the shipped letters, before the first upload or draft.
    pipeline.warm_up_in_background()
    if not prevent_thread_lock:
        demo.block_thread()
    return launched
