"""The Settings tab: which backend drafting uses, tested before it is applied; only admins change it when login is on."""

from urllib.parse import urlparse

import gradio as gr

from ..judging.llm import LLMError, OpenAIChatClient, make_chat_client
from ..judging.local_model import (
    INSTALL_HINT,
    EmbeddedModelUnavailable,
    runtime_installed,
)
from ..pipeline import Pipeline
from ..review.text_safety import md_code, md_line, md_text
from ..review.workspace import utc_time
from .state import EMBEDDED, LOOPBACK_HOSTS, SERVER, Tab, parse_list


class SettingsTab(Tab):
    def __init__(self, pipeline: Pipeline):
        super().__init__(pipeline)
        settings = pipeline.settings
        # The backend drafting really uses; changed only by apply_backend, shown by the banner.
        self.backend = {"backend": EMBEDDED if settings.uses_embedded_model else SERVER, "url": settings.llm_base_url,
                        "model": settings.llm_model, "mode": settings.structured_output}

    def build(self, ui) -> None:
        with gr.Tab("Settings"):
            ui.backend_banner = gr.Markdown(self.banner(), elem_id="backend-banner")
            ui.backend = gr.Radio([EMBEDDED, SERVER], label="Backend", value=self.backend["backend"])
            ui.base_url = gr.Textbox(label="Base URL (OpenAI, Azure, vLLM, Ollama, llama.cpp server)",
                                     value=self.backend["url"])
            ui.model_name = gr.Textbox(label="Model", value=self.backend["model"])
            ui.api_key = gr.Textbox(label="API key", type="password")
            ui.mode = gr.Dropdown(["json_schema", "json_object_schema", "json_object"], value=self.backend["mode"],
                                  label="Structured output")
            with gr.Row():
                ui.test_button = gr.Button("Test connection")
                ui.apply_button = gr.Button("Use this backend", variant="primary")
                ui.anyway_button = gr.Button("Use it anyway", variant="stop", visible=False)
            ui.settings_status = gr.Markdown(elem_id="settings-status")

    def wire(self, ui) -> None:
        inputs = [ui.backend, ui.base_url, ui.model_name, ui.api_key, ui.mode]
        outputs = [ui.settings_status, ui.backend_banner, ui.anyway_button]
        ui.test_button.click(self.test_connection, inputs, ui.settings_status)
        ui.apply_button.click(self.apply_backend, inputs + [gr.State(False)], outputs)
        ui.anyway_button.click(self.apply_backend, inputs + [gr.State(True)], outputs)

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
            return f"Error: {md_code(url)} is not on this server's backend allowlist (PANEL_BACKEND_ALLOWLIST)."
        return None

    def banner(self, request: gr.Request = None) -> str:
        """What writes the drafts now (the pipeline's own choice of mode: the assessment alone, or the model on top
        of it), what a model would be where one is asked for, and who a change affects."""
        model = ("the embedded local model (on this machine)" if self.backend["backend"] == EMBEDDED
                 else f"{md_line(self.backend['model'])} at {md_code(self.backend['url'])}")
        mode, configured = self.pipeline.drafting_mode(), self.pipeline.settings.draft_mode
        drafts = {"assessment": "the assessment alone (no LLM)", "llm": f"{model}, on top of the assessment",
                  "llm-rewrite": f"the assessment, rewritten by {model}"}[mode]
        why = ("PANEL_DRAFT_MODE=auto and no PANEL_LLM_BASE_URL configured: the embedded model's prose is too weak "
               "to draft with; PANEL_DRAFT_MODE=llm or llm-rewrite has the model below write" if mode == "assessment"
               and configured == "auto" else f"PANEL_DRAFT_MODE={configured}")
        if self.backend["backend"] == EMBEDDED and not runtime_installed():
            model += f" — not installed here: to use it, {INSTALL_HINT}; until then drafts are the assessment's own"
        lines = [f"Drafts are written by: **{drafts}** ({why}).",
                 f"The model, for a rewrite or model drafting where asked for: **{model}**."]
        if not self.auth_on:
            scope = ("No login is configured: this workspace is for one person on this machine, and a change here "
                     "applies to this server process until it restarts.")
        elif self.is_admin(request):
            scope = "You are a panel admin: a change here applies to every user of this server until it restarts."
        else:
            scope = "Only panel admins (PANEL_ADMINS) can change the backend."
        return "\n\n".join(lines + [scope])

    def settings_form(self, request: gr.Request = None) -> list:
        """On page load: [banner, backend, URL, model, structured output, test button, apply button] as they really are."""
        admin = self.is_admin(request)
        return [self.banner(request), gr.update(value=self.backend["backend"], interactive=admin),
                gr.update(value=self.backend["url"], interactive=admin), gr.update(value=self.backend["model"], interactive=admin),
                gr.update(value=self.backend["mode"], interactive=admin), gr.update(interactive=admin), gr.update(interactive=admin)]

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
            return "Connection works: " + md_text(client.check()) if isinstance(client, OpenAIChatClient) and backend != EMBEDDED \
                else "Connection works: the embedded model is ready."
        except (LLMError, EmbeddedModelUnavailable) as exc:
            return f"Error: {md_text(exc)}"

    def apply_backend(self, backend: str, url: str, model: str, key: str, mode: str, confirmed: bool = False,
                      request: gr.Request = None) -> list:
        """Returns [status, banner, 'use it anyway' button]. A server that fails its connection test is used only
        once the user confirms."""
        hide = gr.update(visible=False)
        if refusal := self._refusal(backend, url, request):
            return [refusal, self.banner(request), hide]
        try:
            client = self._client_for(backend, url, model, key, mode)
            if backend != EMBEDDED and not confirmed:
                client.check()
        except (LLMError, EmbeddedModelUnavailable) as exc:
            if backend == EMBEDDED or "Give the server URL" in str(exc):
                return [f"Error: {md_text(exc)}. Nothing changed.", self.banner(request), hide]
            return [f"Not applied: the connection test failed ({md_text(exc)}). Drafting still uses the backend named above. "
                    "Press “Use it anyway” if that server will be up before the next draft.",
                    self.banner(request), gr.update(visible=True)]
        self.pipeline.use_client(client)
        self.backend = {"backend": backend, "url": url if backend != EMBEDDED else "", "model": model if backend != EMBEDDED else "",
                        "mode": mode}
        return [f"Applied at {utc_time()}: drafting now uses {md_code(client.description)}.", self.banner(request), hide]
