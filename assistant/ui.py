"""The Gradio review workspace. It calls the pipeline and the workspace store; nothing calls it back.

Callbacks live on `WorkspaceCallbacks` so tests can drive them directly with a fake chat client; `build_ui` only
lays out components and wires events.
"""

import queue
import threading
from datetime import datetime
from pathlib import Path

import gradio as gr

from .documents import IngestError
from .llm import LLMError, OpenAIChatClient, make_chat_client
from .local_model import EmbeddedModelUnavailable
from .models import Grade, QuestionDraft
from .pipeline import Pipeline
from .prescreen import Prescreen
from .workspace import Workspace, WorkspaceStore

GRADE_CHOICES = [(f"{g.value}: {meaning}", g.value) for g, meaning in zip(
    Grade, ["fully met", "partially met, minor improvements", "partially met, significant improvements", "not met"]
)]
LOCAL_USER = "local"
QUESTION_FIELDS = 7  # commentary, grade, suggestion, evidence, evidence picker, precedent, follow-ups


def user_of(request) -> str:
    """The logged-in user where auth is on; one shared local user otherwise."""
    return getattr(request, "username", None) or LOCAL_USER


def _update(**kwargs):
    return gr.update(**kwargs)


def render_suggestion(workspace: Workspace, number: int) -> str:
    draft = workspace.suggested.get(number)
    if draft is None:
        return "_Not drafted yet._"
    lines = []
    if draft.suggested_grade:
        lines.append(f"**Assistant's grade: {draft.suggested_grade.value}** (confidence {draft.confidence:.0%})")
    if draft.grade_rationale:
        lines.append(draft.grade_rationale)
    edit = workspace.edits.get(number)
    if edit and (edit.commentary is not None or edit.grade is not None):
        changed = [part for part, value in (("text", edit.commentary), ("grade", edit.grade)) if value is not None]
        lines.append(f"_You changed the {' and '.join(changed)}; the assistant's text is kept below._")
        lines.append("> " + draft.commentary.replace("\n", "\n> "))
    lines += [f"Note: {flag}" for flag in draft.flags]
    if draft.summary:
        lines.append(f"**Report says:** {draft.summary}")
    for title, items in (("Strengths", draft.strengths), ("Gaps", draft.gaps),
                         ("Ask the member", draft.questions_for_member), ("Good practice", draft.good_practice)):
        if items:
            lines.append(f"**{title}:** " + "; ".join(items))
    return "\n\n".join(lines)


def render_evidence(draft: QuestionDraft | None) -> str:
    if not draft or not draft.evidence:
        return "_No verified quotes._"
    return "\n".join(f"- “{e.quote}” ({f'p. {e.page}' if e.page else e.section[:60] or 'report'})" for e in draft.evidence)


def render_precedent(draft: QuestionDraft | None) -> str:
    if not draft or not draft.precedents:
        return "_No past-letter precedent for this question._"
    return "\n\n".join(
        f"**{p.member} {p.year or ''}** {f'(graded {p.grade.value})' if p.grade else ''}: {p.text[:700]}" for p in draft.precedents
    )


def render_follow_ups(draft: QuestionDraft | None) -> str:
    if not draft or not draft.follow_ups:
        return "_No earlier letter to this member in the corpus, or no asks on this question._"
    mark = {"yes": "[addressed]", "partly": "[partly]", "no": "[not addressed]"}
    return "\n".join(
        f"- {mark.get(f.addressed, '')} {f.ask}" + (f" — “{f.evidence[0].quote[:200]}”" if f.evidence else "")
        for f in draft.follow_ups
    )


def render_prescreen(result: Prescreen) -> str:
    rows = ["| Q | Status | Where | Passages | Words | Figures | Possibly missing |", "|---|---|---|---|---|---|---|"]
    for q in result.questions:
        where = ", ".join(f"p. {p}" for p in q.pages) or (q.sections[0][:40] if q.sections else "—")
        missing = "<br>".join(q.missing_guidance) or "—"
        rows.append(f"| {q.number} | {q.status} | {where} | {q.passages} | {q.words} | {q.figures} | {missing} |")
    return "\n".join(rows)


class WorkspaceCallbacks:
    def __init__(self, pipeline: Pipeline, store: WorkspaceStore):
        self.pipeline = pipeline
        self.store = store
        self.numbers = [q.number for q in pipeline.framework.questions]

    # Views

    def question_view(self, workspace: Workspace | None, number: int) -> list:
        if workspace is None:
            return ["", None, "_Upload or open a report._", "", _update(choices=[], value=None), "", ""]
        draft = workspace.suggested.get(number)
        grade = workspace.grade(number)
        choices = [(f"{e.quote[:80]} ({'p. ' + str(e.page) if e.page else 'section'})", e.chunk_id) for e in (draft.evidence if draft else [])]
        return [
            workspace.commentary(number),
            grade.value if grade else None,
            render_suggestion(workspace, number),
            render_evidence(draft),
            _update(choices=choices, value=None),
            render_precedent(draft),
            render_follow_ups(draft),
        ]

    def all_views(self, workspace: Workspace | None) -> list:
        views = []
        for number in self.numbers:
            views += self.question_view(workspace, number)
        return views

    def header(self, workspace: Workspace | None) -> str:
        if workspace is None:
            return "No report open."
        return f"**{workspace.member or 'Unknown member'}** — report {workspace.year or '?'} — `{workspace.source}` (last saved {workspace.updated_at or 'never'})"

    def report_choices(self, user: str) -> list[tuple[str, str]]:
        return [(f"{w.member or w.source} {w.year or ''} ({w.source})", w.doc_id) for w in self.store.list(user)]

    def open_report(self, doc_id: str | None, request: gr.Request = None) -> list:
        """Everything the page shows for a report: header, pre-screen, opening, every question."""
        user = user_of(request)
        workspace = self.store.load(user, doc_id) if doc_id else None
        prescreen = render_prescreen(self.pipeline.prescreen(doc_id)) if workspace else ""
        opening = (workspace.opening_edit if workspace and workspace.opening_edit is not None
                   else workspace.opening_suggested if workspace else "")
        return [self.header(workspace), prescreen, opening] + self.all_views(workspace)

    def restore(self, last_doc_id: str | None, request: gr.Request = None) -> list:
        """On page load: reopen the report this browser had open, else the user's latest."""
        user = user_of(request)
        choices = self.report_choices(user)
        ids = [value for _, value in choices]
        doc_id = last_doc_id if last_doc_id in ids else (ids[0] if ids else None)
        return [doc_id, _update(choices=choices, value=doc_id)] + self.open_report(doc_id, request)

    # Actions

    def ingest(self, file_path: str | None, member: str, year: float | None, request: gr.Request = None, progress=gr.Progress()) -> list:
        """Returns [status, doc_id, reports dropdown]."""
        user = user_of(request)
        if not file_path:
            return ["Choose a file first.", None, _update()]

        def report_progress(done: int, total: int) -> None:
            if progress:
                progress(done / max(total, 1), desc=f"indexing {done}/{total} passages")

        try:
            result = self.pipeline.ingest(Path(file_path), member=member.strip(), year=int(year) if year else None,
                                          progress=report_progress)
        except IngestError as exc:
            return [f"Error: {exc}", None, _update()]
        self.store.open(user, result.doc_id, source=result.source, member=result.member, year=result.year,
                        framework_id=self.pipeline.framework.id)
        state = "already indexed" if result.already_indexed else "indexed"
        lines = [f"Done: {result.source}: {state}, {result.chunks} passages; questions found: {result.questions_found or 'none'}"]
        lines += [f"Note: {w}" for w in result.warnings]
        return ["\n\n".join(lines), result.doc_id, _update(choices=self.report_choices(user), value=result.doc_id)]

    def _draft(self, user: str, workspace: Workspace, number: int, on_token=None, replace: bool = False) -> Workspace:
        """Draft one question and store it. `replace` (a regeneration) archives the member's edit of that question,
        but only when the new draft has text: a failed draft never displaces work."""
        draft = self.pipeline.draft_question(number, workspace.doc_id, workspace.member, workspace.year, on_token=on_token)
        if replace and draft.commentary:
            return self.store.replace_suggestion(user, workspace.doc_id, draft)
        return self.store.save_suggestion(user, workspace.doc_id, draft)

    def draft_all(self, doc_id: str | None, request: gr.Request = None, progress=gr.Progress()):
        """Draft every question in turn, showing each as it lands; edits already made stay on screen."""
        user = user_of(request)
        workspace = self.store.load(user, doc_id) if doc_id else None
        if workspace is None:
            yield ["Open a report first."] + self.all_views(None) + [_update()]
            return
        try:
            for i, number in enumerate(self.numbers):
                if progress:
                    progress(i / (len(self.numbers) + 1), desc=f"drafting question {number}")
                workspace = self._draft(user, workspace, number)
                yield [f"Drafted question {number}."] + self.all_views(workspace) + [_update()]
            if progress:
                progress(len(self.numbers) / (len(self.numbers) + 1), desc="overall remarks")
            graded = [d for n, d in sorted(workspace.suggested.items()) if n != 0]
            remarks = self.pipeline.drafter.overall_remarks(workspace.member, workspace.year, graded)
            workspace = self.store.save_opening(user, doc_id, remarks)
        except (LLMError, EmbeddedModelUnavailable) as exc:
            yield [f"Error: {exc}"] + self.all_views(workspace) + [_update()]
            return
        opening = workspace.opening_edit if workspace.opening_edit is not None else workspace.opening_suggested
        yield ["Done: all questions drafted."] + self.all_views(workspace) + [opening]

    def regenerate(self, doc_id: str | None, number: int, request: gr.Request = None):
        """Redraft one question, streaming the model's output; its earlier edit is archived, the others untouched.
        Yields [live text] + that question's view."""
        user, number = user_of(request), int(number)
        workspace = self.store.load(user, doc_id) if doc_id else None
        if workspace is None:
            yield ["Open a report first."] + self.question_view(None, number)
            return
        tokens: queue.Queue = queue.Queue()
        outcome: dict = {}

        def work() -> None:
            try:
                outcome["workspace"] = self._draft(user, workspace, number, on_token=tokens.put, replace=True)
            except (LLMError, EmbeddedModelUnavailable) as exc:
                outcome["error"] = str(exc)
            finally:
                tokens.put(None)

        threading.Thread(target=work, daemon=True).start()
        live = ""
        while (piece := tokens.get()) is not None:
            live += piece
            yield [live] + [_update()] * QUESTION_FIELDS
        if "error" in outcome:
            yield [f"Error: {outcome['error']}"] + self.question_view(workspace, number)
            return
        yield [live or "done"] + self.question_view(outcome["workspace"], number)

    def save_commentary(self, doc_id: str | None, number: int, text: str, request: gr.Request = None) -> str:
        if not doc_id:
            return ""
        self.store.save_edit(user_of(request), doc_id, int(number), commentary=text)
        return f"Saved {datetime.now():%H:%M:%S}"

    def save_grade(self, doc_id: str | None, number: int, grade: str | None, request: gr.Request = None) -> str:
        if not doc_id or not grade:
            return ""
        self.store.save_edit(user_of(request), doc_id, int(number), grade=Grade(grade))
        return f"Saved {datetime.now():%H:%M:%S}"

    def save_opening(self, doc_id: str | None, text: str, request: gr.Request = None) -> str:
        if not doc_id:
            return ""
        self.store.save_opening_edit(user_of(request), doc_id, text)
        return f"Saved {datetime.now():%H:%M:%S}"

    def show_context(self, chunk_id: str | None) -> str:
        """The passage around a quote, so a panel member can check it in context."""
        if not chunk_id:
            return ""
        found = self.pipeline.index.collections["report_chunks"].get(ids=[chunk_id], include=["documents", "metadatas"])
        if not found["ids"]:
            return "(passage no longer indexed)"
        meta = found["metadatas"][0]
        where = f"p. {meta['page']}" if "page" in meta else meta.get("section", "")
        return f"[{meta.get('source', '')}, {where}]\n\n{found['documents'][0]}"

    def export(self, doc_id: str | None, request: gr.Request = None) -> list:
        """Write the edited letter as DOCX and Markdown; returns [status, docx path, md path]."""
        user = user_of(request)
        workspace = self.store.load(user, doc_id) if doc_id else None
        if workspace is None:
            return ["Open a report first.", None, None]
        folder = self.pipeline.settings.data_dir / "exports" / user
        stem = f"{(workspace.member or 'letter').replace(' ', '-').lower()}_{workspace.year or ''}_panel-feedback-draft"
        letter = workspace.letter()
        docx_path = self.pipeline.export(letter, folder / f"{stem}.docx")
        md_path = self.pipeline.export(letter, folder / f"{stem}.md")
        return [f"Letter built {datetime.now():%H:%M:%S}.", str(docx_path), str(md_path)]

    # Settings

    def _client_for(self, backend: str, url: str, model: str, key: str, mode: str):
        if backend == "embedded":
            return make_chat_client(self.pipeline.settings.model_copy(update={"llm_base_url": ""}))
        if not url or not model:
            raise LLMError("Give the server URL and the model name.")
        return OpenAIChatClient(url, model, api_key=key, structured_output=mode,
                                temperature=self.pipeline.settings.temperature, max_tokens=self.pipeline.settings.max_tokens,
                                timeout_s=self.pipeline.settings.llm_timeout_s, retries=self.pipeline.settings.llm_retries)

    def test_connection(self, backend: str, url: str, model: str, key: str, mode: str) -> str:
        try:
            client = self._client_for(backend, url, model, key, mode)
            return "Done: " + client.check() if isinstance(client, OpenAIChatClient) else "Done: ready"
        except (LLMError, EmbeddedModelUnavailable) as exc:
            return f"Error: {exc}"

    def apply_backend(self, backend: str, url: str, model: str, key: str, mode: str) -> str:
        try:
            client = self._client_for(backend, url, model, key, mode)
        except (LLMError, EmbeddedModelUnavailable) as exc:
            return f"Error: {exc}"
        self.pipeline.use_client(client)
        return f"Done: Drafting now uses {client.description}."


def build_ui(pipeline: Pipeline, store: WorkspaceStore) -> gr.Blocks:
    calls = WorkspaceCallbacks(pipeline, store)
    settings = pipeline.settings
    with gr.Blocks(title="Panel Assistant", analytics_enabled=False) as demo:
        doc_state = gr.State(None)
        last_doc = gr.BrowserState(None, storage_key="panel-assistant-last-report")
        gr.Markdown("# Panel Assistant\nDraft the Independent Review Panel's feedback letter on an accountability report.")
        with gr.Row():
            reports = gr.Dropdown(label="Open a report you have worked on", choices=[], interactive=True, scale=3)
            header = gr.Markdown("No report open.")

        with gr.Tab("Report"):
            with gr.Row():
                upload = gr.File(label="Accountability report (PDF, DOCX, Markdown, text)", type="filepath",
                                 file_types=[".pdf", ".docx", ".md", ".txt"])
                with gr.Column():
                    member = gr.Textbox(label="Member organisation (blank: from the file name)")
                    year = gr.Number(label="Report year (blank: from the file name)", precision=0)
                    ingest_button = gr.Button("Ingest report", variant="primary")
            ingest_status = gr.Markdown()

        with gr.Tab("Pre-screen"):
            gr.Markdown("For the secretariat: is every question answered, where, and with what evidence. No LLM involved.")
            prescreen_md = gr.Markdown()

        with gr.Tab("Draft"):
            with gr.Row():
                draft_button = gr.Button("Draft all questions", variant="primary")
                draft_status = gr.Markdown()
            opening = gr.Textbox(label="Overall remarks (opening of the letter)", lines=5, interactive=True)
            opening_saved = gr.Markdown()
            question_components = []
            for question in pipeline.framework.questions:
                with gr.Accordion(f"{question.number}. {question.text}", open=question.number == 1):
                    with gr.Row():
                        with gr.Column(scale=3):
                            commentary = gr.Textbox(label="Commentary (your edits are saved as you type)", lines=8,
                                                    interactive=True, elem_id=f"commentary-{question.number}")
                        with gr.Column(scale=1):
                            grade = gr.Dropdown(label="Grade", choices=GRADE_CHOICES, interactive=True,
                                                visible=question.graded, elem_id=f"grade-{question.number}")
                            saved = gr.Markdown()
                            regenerate = gr.Button("Regenerate this question", size="sm")
                    suggestion = gr.Markdown()
                    live = gr.Textbox(label="Model output (live)", lines=3, interactive=False, visible=True)
                    with gr.Accordion("Evidence from the report", open=False):
                        evidence = gr.Markdown()
                        evidence_pick = gr.Dropdown(label="See a quote in context", choices=[], interactive=True)
                        context = gr.Textbox(label="Surrounding text", lines=6, interactive=False)
                    with gr.Accordion("Past-letter precedent", open=False):
                        precedent = gr.Markdown()
                    with gr.Accordion("Follow-up of the previous letter", open=False):
                        follow_ups = gr.Markdown()
                fields = [commentary, grade, suggestion, evidence, evidence_pick, precedent, follow_ups]
                question_components += fields
                number = gr.Number(question.number, visible=False)
                commentary.input(calls.save_commentary, [doc_state, number, commentary], saved, trigger_mode="always_last")
                grade.input(calls.save_grade, [doc_state, number, grade], saved)
                evidence_pick.select(calls.show_context, evidence_pick, context)
                regenerate.click(calls.regenerate, [doc_state, number], [live] + fields)

        with gr.Tab("Export"):
            export_button = gr.Button("Build the letter from your edits", variant="primary")
            export_status = gr.Markdown()
            with gr.Row():
                docx_button = gr.DownloadButton("Download DOCX", elem_id="download-docx")
                md_button = gr.DownloadButton("Download Markdown", elem_id="download-md")

        with gr.Tab("Settings"):
            gr.Markdown(f"Now drafting with: **{'embedded local model' if settings.uses_embedded_model else settings.llm_base_url}**. "
                        "Changes apply to this server process until it restarts.")
            backend = gr.Radio(["embedded", "openai-compatible"], label="Backend",
                               value="embedded" if settings.uses_embedded_model else "openai-compatible")
            base_url = gr.Textbox(label="Base URL (OpenAI, Azure, vLLM, Ollama, llama.cpp server)", value=settings.llm_base_url)
            model_name = gr.Textbox(label="Model", value=settings.llm_model)
            api_key = gr.Textbox(label="API key", type="password")
            mode = gr.Dropdown(["json_schema", "json_object_schema", "json_object"], value=settings.structured_output,
                               label="Structured output")
            with gr.Row():
                test_button = gr.Button("Test connection")
                apply_button = gr.Button("Use this backend", variant="primary")
            settings_status = gr.Markdown()

        page = [header, prescreen_md, opening] + question_components
        ingest_button.click(calls.ingest, [upload, member, year], [ingest_status, doc_state, reports]).then(
            calls.open_report, doc_state, page).then(lambda d: d, doc_state, last_doc)
        reports.input(lambda d: d, reports, doc_state).then(calls.open_report, doc_state, page).then(
            lambda d: d, doc_state, last_doc)
        draft_button.click(calls.draft_all, doc_state, [draft_status] + question_components + [opening])
        opening.input(calls.save_opening, [doc_state, opening], opening_saved, trigger_mode="always_last")
        export_button.click(calls.export, doc_state, [export_status, docx_button, md_button])
        settings_inputs = [backend, base_url, model_name, api_key, mode]
        test_button.click(calls.test_connection, settings_inputs, settings_status)
        apply_button.click(calls.apply_backend, settings_inputs, settings_status)
        demo.load(calls.restore, last_doc, [doc_state, reports] + page)
    return demo


def parse_auth(spec: str) -> list[tuple[str, str]] | None:
    """PANEL_AUTH="alice:secret,bob:other" turns on login; empty leaves the workspace open (loopback only)."""
    pairs = [item.split(":", 1) for item in spec.split(",") if ":" in item]
    return [(user.strip(), password) for user, password in pairs] or None


def serve(settings=None, prevent_thread_lock: bool = False):
    from .settings import get_settings

    settings = settings or get_settings()
    pipeline = Pipeline(settings)
    demo = build_ui(pipeline, WorkspaceStore(settings.data_dir / "workspaces"))
    # Drafting one report must not block another user's work: several events run at once.
    demo.queue(default_concurrency_limit=4)
    return demo.launch(
        server_name=settings.host, server_port=settings.port, root_path=settings.root_path or None,
        auth=parse_auth(settings.auth),
        ssr_mode=False, show_error=True, run_history=False, prevent_thread_lock=prevent_thread_lock,
        allowed_paths=[str(settings.data_dir / "exports")],
    )
