"""The Gradio review workspace. It calls the pipeline and the workspace store; nothing calls it back.

Callbacks live on `WorkspaceCallbacks` so tests can drive them directly with a fake chat client; `build_ui` only
lays out components and wires events.
"""

import queue
import shutil
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlparse

import gradio as gr

from .documents import IngestError
from .drafting import model_failed
from .llm import LLMError, OpenAIChatClient, make_chat_client
from .local_model import EmbeddedModelUnavailable
from .models import Grade, QuestionDraft
from .pipeline import Pipeline
from .prescreen import Prescreen
from .workspace import Workspace, WorkspaceStore, inside, safe_name, user_folder, utc_time

GRADE_CHOICES = [(f"{g.value}: {meaning}", g.value) for g, meaning in zip(
    Grade, ["fully met", "partially met, minor improvements", "partially met, significant improvements", "not met"]
)]
LOCAL_USER = "local"
# Per question, in this order: the member's text, grade, leave-out box and "you changed" note; the assistant's
# suggestion; the evidence, its picker; precedent; follow-ups.
QUESTION_FIELDS = 9
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
EMBEDDED = "embedded"
SERVER = "openai-compatible"

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
"""


def user_of(request) -> str:
    """The logged-in user where auth is on; one shared local user otherwise."""
    return getattr(request, "username", None) or LOCAL_USER


def _update(**kwargs):
    return gr.update(**kwargs)


def saved_at() -> str:
    return f"Saved {utc_time()}"


def render_suggestion(workspace: Workspace, number: int) -> str:
    draft = workspace.suggested.get(number)
    if draft is None:
        return "_Not drafted yet. Write your own text, or draft the questions._"
    mode = {"assessment": "the assessment alone (no LLM)", "llm": f"{draft.model} on top of the assessment",
            "llm-rewrite": f"the assessment, rewritten by {draft.model}"}[draft.mode]
    lines = [f"_Drafted by {mode}._"]
    if draft.suggested_grade:
        rubric = f"; rubric: {draft.rubric_grade.value}" if draft.rubric_grade and draft.rubric_grade != draft.suggested_grade else ""
        lines.append(f"**Grade: {draft.suggested_grade.value}**{rubric}")
    if draft.grade_rationale:
        lines.append(draft.grade_rationale)
    edit = workspace.edits.get(number)
    if edit and edit.commentary is not None and draft.commentary:
        lines.append("**The assistant's text** (yours is above):")
        lines.append("> " + draft.commentary.replace("\n", "\n> "))
    lines += [f"Note: {flag}" for flag in dict.fromkeys(draft.flags)]  # the same note once
    if draft.summary:
        lines.append(f"**Report says:** {draft.summary}")
    if draft.assessment:
        lines.append(render_checklist(draft))
    return "\n\n".join(lines)


def render_checklist(draft: QuestionDraft) -> str:
    """Each guidance point with its status and the report sentences it rests on: what a panel member checks."""
    mark = {"addressed": "✅ addressed", "partly": "🟡 partly", "missing": "❌ missing"}
    rows = ["**Checklist** (core points marked ★):"]
    for point in draft.assessment.points:
        rows.append(f"- {mark[point.status]} {'★ ' if point.core else ''}{point.guidance}")
        rows += [f"    - “{e.quote}” ({e.location})" for e in point.evidence]
    return "\n".join(rows)


def render_changed_note(workspace: Workspace | None, number: int) -> str:
    """Says, as the member types, that their text or grade now differs from the assistant's."""
    edit = workspace.edits.get(number) if workspace else None
    draft = workspace.suggested.get(number) if workspace else None
    if not edit:
        return ""
    changed = [part for part, mine, theirs in (("text", edit.commentary, draft.commentary if draft else ""),
                                               ("grade", edit.grade, draft.suggested_grade if draft else None))
               if mine is not None and mine != theirs]
    if not changed:
        return ""
    kept = "; the assistant's version is kept in its panel below" if draft else ""
    return f"_You changed the {' and '.join(changed)}{kept}._"


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


def parse_list(spec: str) -> list[str]:
    return [item.strip() for item in spec.split(",") if item.strip()]


class WorkspaceCallbacks:
    def __init__(self, pipeline: Pipeline, store: WorkspaceStore):
        self.pipeline = pipeline
        self.store = store
        self.numbers = [q.number for q in pipeline.framework.questions]
        settings = pipeline.settings
        self.auth_on = parse_auth(settings.auth) is not None
        self.admins = set(parse_list(settings.admins))
        # The backend drafting really uses; changed only by apply_backend, shown by the banner.
        self.backend = {"backend": EMBEDDED if settings.uses_embedded_model else SERVER, "url": settings.llm_base_url,
                        "model": settings.llm_model, "mode": settings.structured_output}

    # Views

    def question_view(self, workspace: Workspace | None, number: int) -> list:
        if workspace is None:
            return ["", None, False, "", "_Upload or open a report._", "", _update(choices=[], value=None), "", ""]
        draft = workspace.suggested.get(number)
        grade = workspace.grade(number)
        choices = [(f"{e.quote[:80]} ({'p. ' + str(e.page) if e.page else 'section'})", e.chunk_id) for e in (draft.evidence if draft else [])]
        return [
            workspace.commentary(number),
            grade.value if grade else None,
            workspace.omitted(number),
            render_changed_note(workspace, number),
            render_suggestion(workspace, number),
            render_evidence(draft),
            _update(choices=choices, value=None),
            render_precedent(draft),
            render_follow_ups(draft),
        ]

    def all_views(self, workspace: Workspace | None, only: int | None = None) -> list:
        """Every question's view; with `only`, that question's and no-op updates elsewhere, so a member typing in
        one question while another drafts keeps every keystroke. The member's own text and grade are never
        re-sent while drafting (`only`): the box already shows them."""
        views = []
        for number in self.numbers:
            if only is None:
                views += self.question_view(workspace, number)
            elif number != only:
                views += [_update()] * QUESTION_FIELDS
            else:
                view = self.question_view(workspace, number)
                edit = workspace.edits.get(number) if workspace else None
                if edit and edit.commentary is not None:
                    view[0] = _update()
                if edit and edit.grade is not None:
                    view[1] = _update()
                views += view
        return views

    def header(self, workspace: Workspace | None) -> str:
        if workspace is None:
            return "No report open."
        saved = utc_time(workspace.updated_at, with_date=True) if workspace.updated_at else "never"
        return f"**{workspace.member or 'Unknown member'}** — report {workspace.year or '?'} — `{workspace.source}` (last saved {saved})"

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

    def open_if_ingested(self, ingested: bool, doc_id: str | None, request: gr.Request = None) -> list:
        """After an upload: show the new report; after a failed one, change nothing on the page."""
        if not ingested:
            return [_update()] * (3 + QUESTION_FIELDS * len(self.numbers))
        return self.open_report(doc_id, request)

    def restore(self, last_doc_id: str | None, request: gr.Request = None) -> list:
        """On page load: reopen the report this browser had open, else the user's latest."""
        user = user_of(request)
        choices = self.report_choices(user)
        ids = [value for _, value in choices]
        doc_id = last_doc_id if last_doc_id in ids else (ids[0] if ids else None)
        return [doc_id, _update(choices=choices, value=doc_id)] + self.open_report(doc_id, request)

    # Actions

    def ingest(self, file_path: str | None, member: str, year: str | None, current_doc: str | None = None,
               request: gr.Request = None, progress=gr.Progress()) -> list:
        """Returns [status, doc_id, reports dropdown, ingested]. A failed upload keeps the open report open."""
        user = user_of(request)
        kept = [current_doc, _update(), False]
        if not file_path:
            return ["No file to ingest: choose a PDF, DOCX, Markdown or text file above."] + kept

        def report_progress(done: int, total: int) -> None:
            if progress:
                progress(done / max(total, 1), desc=f"indexing {done}/{total} passages")

        try:
            result = self.pipeline.ingest(Path(file_path), member=(member or "").strip(), year=parse_year(year),
                                          progress=report_progress)
        except (IngestError, YearError) as exc:
            still = " The report you had open stays open." if current_doc else ""
            return [f"Error: {str(exc).rstrip('.')}.{still}"] + kept
        self.store.open(user, result.doc_id, source=result.source, member=result.member, year=result.year,
                        framework_id=self.pipeline.framework.id)
        state = "already indexed" if result.already_indexed else "indexed"
        lines = [f"Done: {result.source}: {state}, {result.chunks} passages; questions found: {result.questions_found or 'none'}"]
        lines += [f"Note: {w}" for w in result.warnings]
        return ["\n\n".join(lines), result.doc_id, _update(choices=self.report_choices(user), value=result.doc_id), True]

    def _draft(self, user: str, workspace: Workspace, number: int, on_token=None, replace: bool = False) -> Workspace:
        """Draft one question and store it. `replace` (a regeneration) archives the member's edit of that question,
        but only when the new draft has text and the model asked for did not fail: a failed draft never displaces
        work."""
        draft = self.pipeline.draft_question(number, workspace.doc_id, workspace.member, workspace.year, on_token=on_token)
        if replace and draft.commentary and not model_failed(draft):
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
                yield [f"Drafted question {number}."] + self.all_views(workspace, only=number) + [_update()]
            if progress:
                progress(len(self.numbers) / (len(self.numbers) + 1), desc="overall remarks")
            drafts = [d for _, d in sorted(workspace.suggested.items())]
            writer = self.pipeline.client if any(d.mode == "llm" for d in drafts) else None
            remarks = self.pipeline.drafter.overall_remarks(drafts, workspace.member, workspace.year, writer)
            workspace = self.store.save_opening(user, doc_id, remarks)
        except (LLMError, EmbeddedModelUnavailable) as exc:
            yield [f"Error: {exc}"] + self.all_views(workspace, only=-1) + [_update()]
            return
        failed = [n for n in self.numbers if not (workspace.suggested.get(n) and workspace.suggested[n].commentary)
                  or model_failed(workspace.suggested[n])]
        opening = _update() if workspace.opening_edit is not None else workspace.opening_suggested
        status = ("Done: all questions drafted." if not failed else
                  f"Drafted, except question{'s' * (len(failed) > 1)} {', '.join(map(str, failed))}: the assistant "
                  "could not draft {}; write {} by hand.".format(*(("them", "them") if len(failed) > 1 else ("it", "it"))))
        yield [status] + self.all_views(workspace, only=-1) + [opening]

    def regenerate(self, doc_id: str | None, number: int, confirmed: bool = True, request: gr.Request = None):
        """Redraft one question, streaming the model's output; its earlier edit is archived, the others untouched.
        Yields [raw model output, status] + that question's view."""
        user, number = user_of(request), int(number)
        workspace = self.store.load(user, doc_id) if doc_id else None
        if workspace is None:
            yield ["", "Open a report first."] + self.question_view(None, number)
            return
        if not confirmed:
            yield [_update(), "Not regenerated: your text is as it was."] + [_update()] * QUESTION_FIELDS
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
            yield [live, f"Regenerating question {number}…"] + [_update()] * QUESTION_FIELDS
        if "error" in outcome:
            yield [live, f"Error: {outcome['error']}. Your text is kept."] + self.question_view(workspace, number)
            return
        workspace = outcome["workspace"]
        draft = workspace.suggested[number]
        if not draft.commentary or model_failed(draft):  # flagged, not raised: never call that done
            why = model_failed(draft) or "no text came back"
            yield [live, f"Error: question {number} was not regenerated ({why}). Your text is kept."] + \
                self.question_view(workspace, number)
            return
        yield [live, f"Regenerated question {number} at {utc_time()}."] + self.question_view(workspace, number)

    def _save(self, doc_id: str | None, number: int, request, **change) -> list:
        """[saved status, "you changed" note, suggestion panel] after one edit, so the notes follow the typing."""
        if not doc_id:
            return ["Not saved: open or ingest a report first.", _update(), _update()]
        workspace = self.store.save_edit(user_of(request), doc_id, int(number), **change)
        return [saved_at(), render_changed_note(workspace, int(number)), render_suggestion(workspace, int(number))]

    def save_commentary(self, doc_id: str | None, number: int, text: str, request: gr.Request = None) -> list:
        return self._save(doc_id, number, request, commentary=text)

    def save_grade(self, doc_id: str | None, number: int, grade: str | None, request: gr.Request = None) -> list:
        if not grade:
            return [_update()] * 3
        return self._save(doc_id, number, request, grade=Grade(grade))

    def save_omit(self, doc_id: str | None, number: int, omit: bool, request: gr.Request = None) -> list:
        return self._save(doc_id, number, request, omit=bool(omit))

    def save_opening(self, doc_id: str | None, text: str, request: gr.Request = None) -> str:
        if not doc_id:
            return "Not saved: open or ingest a report first."
        self.store.save_opening_edit(user_of(request), doc_id, text)
        return saved_at()

    def show_context(self, chunk_id: str | None) -> str:
        """The passage around a quote, so a panel member can check it in context."""
        if not chunk_id:
            return ""
        chunk = self.pipeline.passage(chunk_id)
        if chunk is None:
            return "(passage no longer indexed)"
        return f"[{chunk.source}, {chunk.location}]\n\n{chunk.text}"

    def export(self, doc_id: str | None, request: gr.Request = None) -> list:
        """Write the edited letter as DOCX and Markdown into the user's own export folder; returns [status, docx
        button, markdown button]. The buttons get a private copy: Gradio moves it into its cache under a content
        hash, so the download URL cannot be guessed from member or user names."""
        user = user_of(request)
        workspace = self.store.load(user, doc_id) if doc_id else None
        if workspace is None:
            return ["Open a report first.", _update(), _update()]
        folder = self.pipeline.settings.data_dir / "exports" / user_folder(user)
        stem = f"{safe_name((workspace.member or 'letter').replace(' ', '-').lower())}_{workspace.year or ''}_panel-feedback-draft"
        letter = workspace.letter(self.pipeline.framework)
        handout = Path(tempfile.mkdtemp(prefix="panel-export-"))
        buttons = []
        for suffix in (".docx", ".md"):
            path = self.pipeline.export(letter, inside(folder, stem + suffix))
            buttons.append(_update(value=str(shutil.copy2(path, handout / path.name)), interactive=True))
        left_out = [str(n) for n in self.numbers if workspace.omitted(n)]
        note = f" Left out as you chose: question {', '.join(left_out)}." if left_out else ""
        return [f"Letter built at {utc_time()}: {len(letter.questions)} questions.{note}"] + buttons

    # Settings

    def is_admin(self, request) -> bool:
        """Without login the workspace is one person's, on loopback; with login only PANEL_ADMINS are."""
        return not self.auth_on or user_of(request) in self.admins

    def url_allowed(self, url: str) -> bool:
        """With login on, a backend URL must be on PANEL_BACKEND_ALLOWLIST (default: loopback) or be the configured one."""
        if not self.auth_on:
            return True
        target = urlparse(url.strip())
        if target.scheme not in ("http", "https") or not target.hostname:
            return False
        entries = parse_list(self.pipeline.settings.backend_allowlist) or list(LOOPBACK_HOSTS)
        entries += [self.pipeline.settings.llm_base_url] if self.pipeline.settings.llm_base_url else []
        for entry in entries:
            if "://" not in entry:
                if target.hostname == entry.strip("[]").lower():
                    return True
                continue
            allowed = urlparse(entry)
            if ((target.scheme, target.hostname, target.port) == (allowed.scheme, allowed.hostname, allowed.port)
                    and (target.path.rstrip("/") + "/").startswith(allowed.path.rstrip("/") + "/")):
                return True
        return False

    def _refusal(self, backend: str, url: str, request) -> str | None:
        if not self.is_admin(request):
            return "Error: only panel admins (PANEL_ADMINS) may test or change the backend."
        if backend != EMBEDDED and not self.url_allowed(url):
            return f"Error: {url!r} is not on this server's backend allowlist (PANEL_BACKEND_ALLOWLIST)."
        return None

    def banner(self, request: gr.Request = None) -> str:
        """What drafting really uses now, and who a change affects."""
        now = ("the embedded local model (on this machine)" if self.backend["backend"] == EMBEDDED
               else f"{self.backend['model']} at {self.backend['url']}")
        if not self.auth_on:
            scope = ("No login is configured: this workspace is for one person on this machine, and a change here "
                     "applies to this server process until it restarts.")
        elif self.is_admin(request):
            scope = "You are a panel admin: a change here applies to every user of this server until it restarts."
        else:
            scope = "Only panel admins (PANEL_ADMINS) can change the backend."
        return f"Now drafting with: **{now}**.\n\n{scope}"

    def settings_form(self, request: gr.Request = None) -> list:
        """On page load: [banner, backend, URL, model, structured output, test button, apply button] as they really are."""
        admin = self.is_admin(request)
        return [self.banner(request), _update(value=self.backend["backend"], interactive=admin),
                _update(value=self.backend["url"], interactive=admin), _update(value=self.backend["model"], interactive=admin),
                _update(value=self.backend["mode"], interactive=admin), _update(interactive=admin), _update(interactive=admin)]

    def _client_for(self, backend: str, url: str, model: str, key: str, mode: str):
        if backend == EMBEDDED:
            return make_chat_client(self.pipeline.settings.model_copy(update={"llm_base_url": ""}))
        if not url or not model:
            raise LLMError("Give the server URL and the model name")
        return OpenAIChatClient(url, model, api_key=key, structured_output=mode,
                                temperature=self.pipeline.settings.temperature, max_tokens=self.pipeline.settings.max_tokens,
                                timeout_s=self.pipeline.settings.llm_timeout_s, retries=self.pipeline.settings.llm_retries)

    def test_connection(self, backend: str, url: str, model: str, key: str, mode: str, request: gr.Request = None) -> str:
        if refusal := self._refusal(backend, url, request):
            return refusal
        try:
            client = self._client_for(backend, url, model, key, mode)
            return "Connection works: " + client.check() if isinstance(client, OpenAIChatClient) and backend != EMBEDDED \
                else "Connection works: the embedded model is ready."
        except (LLMError, EmbeddedModelUnavailable) as exc:
            return f"Error: {exc}"

    def apply_backend(self, backend: str, url: str, model: str, key: str, mode: str, confirmed: bool = False,
                      request: gr.Request = None) -> list:
        """Returns [status, banner, 'use it anyway' button]. A server that fails its connection test is used only
        once the user confirms."""
        hide = _update(visible=False)
        if refusal := self._refusal(backend, url, request):
            return [refusal, self.banner(request), hide]
        try:
            client = self._client_for(backend, url, model, key, mode)
            if backend != EMBEDDED and not confirmed:
                client.check()
        except (LLMError, EmbeddedModelUnavailable) as exc:
            if backend == EMBEDDED or "Give the server URL" in str(exc):
                return [f"Error: {exc}. Nothing changed.", self.banner(request), hide]
            return [f"Not applied: the connection test failed ({exc}). Drafting still uses the backend named above. "
                    "Press “Use it anyway” if that server will be up before the next draft.",
                    self.banner(request), _update(visible=True)]
        self.pipeline.use_client(client)
        self.backend = {"backend": backend, "url": url if backend != EMBEDDED else "", "model": model if backend != EMBEDDED else "",
                        "mode": mode}
        return [f"Applied at {utc_time()}: drafting now uses {client.description}.", self.banner(request), hide]


def build_ui(pipeline: Pipeline, store: WorkspaceStore) -> gr.Blocks:
    calls = WorkspaceCallbacks(pipeline, store)
    settings = pipeline.settings
    with gr.Blocks(title="Panel Assistant", analytics_enabled=False) as demo:
        doc_state = gr.State(None)
        ingested = gr.State(False)
        last_doc = gr.BrowserState(None, storage_key="panel-assistant-last-report")
        gr.Markdown("# Panel Assistant\nDraft the Independent Review Panel's feedback letter on an accountability report.")
        with gr.Row():
            reports = gr.Dropdown(label="Open a report you have worked on", choices=[], interactive=True, scale=3)
            header = gr.Markdown("No report open.", elem_id="report-header")

        with gr.Tab("Report"):
            with gr.Row():
                # No file_types filter: the server names an unsupported type itself, once, instead of a pop-up
                # followed by a misleading "choose a file". Oversized files are refused by max_file_size.
                upload = gr.File(label=f"Accountability report (PDF, DOCX, Markdown, text; at most {settings.max_file_mb:g} MB)",
                                 type="filepath")
                with gr.Column():
                    member = gr.Textbox(label="Member organisation (blank: from the file name)")
                    year = gr.Textbox(label="Report year (blank: from the file name)", placeholder="e.g. 2023", max_lines=1)
                    ingest_button = gr.Button("Ingest report", variant="primary")
            ingest_status = gr.Markdown()

        with gr.Tab("Pre-screen"):
            gr.Markdown("For the secretariat: is every question answered, where, and with what evidence. No LLM involved.")
            prescreen_md = gr.Markdown(elem_classes="prescreen")

        with gr.Tab("Draft"):
            gr.Markdown("Per question: **your text** (green, goes in the letter, saved as you type), the "
                        "**assistant's suggestion** (blue) and the **evidence** quoted from the report (grey).")
            with gr.Row():
                draft_button = gr.Button("Draft all questions", variant="primary")
                draft_status = gr.Markdown()
            opening = gr.Textbox(label="Overall remarks (opening of the letter)", lines=5, interactive=True)
            opening_saved = gr.Markdown()
            question_components = []
            for question in pipeline.framework.questions:
                n = question.number
                with gr.Accordion(f"{n}. {question.text}", open=n == 1):
                    with gr.Row():
                        with gr.Column(scale=3, elem_classes="member-panel"):
                            gr.Markdown("Your text — goes in the letter", elem_classes="panel-label")
                            changed = gr.Markdown(elem_id=f"changed-{n}")
                            commentary = gr.Textbox(show_label=False, lines=8, interactive=True, elem_id=f"commentary-{n}",
                                                    placeholder="Write the Panel's commentary on this question.")
                        with gr.Column(scale=1, min_width=220):
                            grade = gr.Dropdown(label="Grade", choices=GRADE_CHOICES, interactive=True,
                                                visible=question.graded, elem_id=f"grade-{n}")
                            omit = gr.Checkbox(label="Leave this question out of the letter", elem_id=f"omit-{n}")
                            saved = gr.Markdown(elem_id=f"saved-{n}")
                            regenerate = gr.Button("Regenerate this question", size="sm", elem_id=f"regenerate-{n}")
                            regen_status = gr.Markdown(elem_id=f"regen-status-{n}")
                    with gr.Row():
                        with gr.Column(elem_classes="suggestion-panel"):
                            gr.Markdown("Assistant's suggestion", elem_classes="panel-label")
                            suggestion = gr.Markdown(elem_id=f"suggestion-{n}")
                        with gr.Column(elem_classes="evidence-panel"):
                            gr.Markdown("Evidence from the report", elem_classes="panel-label")
                            evidence = gr.Markdown(elem_id=f"evidence-{n}")
                            evidence_pick = gr.Dropdown(label="See a quote in context", choices=[], interactive=True)
                            context = gr.Textbox(label="Surrounding text", lines=6, interactive=False)
                    with gr.Accordion("Show model output", open=False):
                        live = gr.Textbox(show_label=False, lines=4, interactive=False, elem_id=f"live-{n}")
                    with gr.Accordion("Past-letter precedent", open=False):
                        precedent = gr.Markdown()
                    with gr.Accordion("Follow-up of the previous letter", open=False):
                        follow_ups = gr.Markdown()
                fields = [commentary, grade, omit, changed, suggestion, evidence, evidence_pick, precedent, follow_ups]
                question_components += fields
                number = gr.Number(n, visible=False)
                confirm = gr.Checkbox(visible=False)
                notes = [saved, changed, suggestion]
                commentary.input(calls.save_commentary, [doc_state, number, commentary], notes, trigger_mode="always_last",
                                 concurrency_limit=None, show_progress="hidden")
                grade.input(calls.save_grade, [doc_state, number, grade], notes, concurrency_limit=None)
                omit.input(calls.save_omit, [doc_state, number, omit], notes, concurrency_limit=None)
                evidence_pick.select(calls.show_context, evidence_pick, context, concurrency_limit=None)
                regenerate.click(
                    calls.regenerate, [doc_state, number, confirm], [live, regen_status] + fields,
                    concurrency_id="draft", concurrency_limit=2,
                    js=f"(d, n, c) => [d, n, confirm('Regenerate question {n}? Your text for it is set aside (kept in "
                       "the archive) and replaced by a new draft.')]",
                )

        with gr.Tab("Export"):
            gr.Markdown("Every question goes in the letter: your text, else the assistant's, else a marked "
                        "placeholder; only questions you chose to leave out are missing.")
            export_button = gr.Button("Build the letter from your edits", variant="primary")
            export_status = gr.Markdown()
            with gr.Row():
                docx_button = gr.DownloadButton("Download DOCX", elem_id="download-docx", interactive=False)
                md_button = gr.DownloadButton("Download Markdown", elem_id="download-md", interactive=False)

        with gr.Tab("Settings"):
            backend_banner = gr.Markdown(calls.banner(), elem_id="backend-banner")
            backend = gr.Radio([EMBEDDED, SERVER], label="Backend", value=calls.backend["backend"])
            base_url = gr.Textbox(label="Base URL (OpenAI, Azure, vLLM, Ollama, llama.cpp server)", value=calls.backend["url"])
            model_name = gr.Textbox(label="Model", value=calls.backend["model"])
            api_key = gr.Textbox(label="API key", type="password")
            mode = gr.Dropdown(["json_schema", "json_object_schema", "json_object"], value=calls.backend["mode"],
                               label="Structured output")
            with gr.Row():
                test_button = gr.Button("Test connection")
                apply_button = gr.Button("Use this backend", variant="primary")
                anyway_button = gr.Button("Use it anyway", variant="stop", visible=False)
            settings_status = gr.Markdown(elem_id="settings-status")

        page = [header, prescreen_md, opening] + question_components
        downloads_off = [_update(value=None, interactive=False)] * 2
        ingest_button.click(
            calls.ingest, [upload, member, year, doc_state], [ingest_status, doc_state, reports, ingested],
            concurrency_id="ingest", concurrency_limit=1,
        ).then(calls.open_if_ingested, [ingested, doc_state], page, show_progress="hidden").then(lambda d: d, doc_state, last_doc)
        reports.input(lambda d: d, reports, doc_state).then(calls.open_report, doc_state, page).then(
            lambda d: d, doc_state, last_doc).then(lambda: downloads_off, None, [docx_button, md_button])
        draft_button.click(calls.draft_all, doc_state, [draft_status] + question_components + [opening],
                           concurrency_id="draft", concurrency_limit=2)
        opening.input(calls.save_opening, [doc_state, opening], opening_saved, trigger_mode="always_last",
                      concurrency_limit=None, show_progress="hidden")
        export_button.click(calls.export, doc_state, [export_status, docx_button, md_button])
        settings_inputs = [backend, base_url, model_name, api_key, mode]
        settings_outputs = [settings_status, backend_banner, anyway_button]
        test_button.click(calls.test_connection, settings_inputs, settings_status)
        apply_button.click(calls.apply_backend, settings_inputs + [gr.State(False)], settings_outputs)
        anyway_button.click(calls.apply_backend, settings_inputs + [gr.State(True)], settings_outputs)
        demo.load(calls.restore, last_doc, [doc_state, reports] + page)
        demo.load(calls.settings_form, None, [backend_banner, backend, base_url, model_name, mode, test_button, apply_button])
    return demo


def parse_auth(spec: str) -> list[tuple[str, str]] | None:
    """PANEL_AUTH="alice:secret,bob:other" turns on login; empty leaves the workspace open (loopback only)."""
    pairs = [item.split(":", 1) for item in spec.split(",") if ":" in item]
    return [(user.strip(), password) for user, password in pairs] or None


def serve(settings=None, prevent_thread_lock: bool = False):
    from .settings import get_settings

    settings = settings or get_settings()
    auth = parse_auth(settings.auth)
    for user, _ in auth or []:
        user_folder(user)  # refuse '.', '..' and empty names at start-up, not at the first save
    pipeline = Pipeline(settings)
    demo = build_ui(pipeline, WorkspaceStore(settings.data_dir / "workspaces"))
    # Drafting or ingesting one report must not block another user's work: saves run unlimited, ingestion and
    # drafting in their own concurrency groups.
    demo.queue(default_concurrency_limit=4)
    return demo.launch(
        server_name=settings.host, server_port=settings.port, root_path=settings.root_path or None, auth=auth,
        ssr_mode=False, show_error=True, run_history=False, prevent_thread_lock=prevent_thread_lock, theme=THEME, css=CSS,
        # Refused in the browser (and by the upload route) before a large file is sent or read.
        max_file_size=int(settings.max_file_mb * 1024 * 1024),
    )
