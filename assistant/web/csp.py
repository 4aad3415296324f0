"""The Content-Security-Policy every response of the workspace carries: scripts, styles, images, fonts and
connections from the app's own origin only. A report's text is escaped before it is shown (review/text_safety.py);
this is the second wall: an image or link that slipped through still cannot make the browser of a panel member
reach another host (and tell it when and where the report is read).

Gradio's page needs inline scripts (its config), `new Function` for the `js=` of an event (Regenerate's confirm),
inline styles (Svelte, the theme) and data:/blob: images (its icons, uploaded previews)."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "media-src 'self' data: blob:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
)
POLICY = "; ".join(DIRECTIVES)


class ContentSecurityPolicy:
    """ASGI middleware: adds the policy to every HTTP response that does not set one itself (streamed ones too:
    it touches only the response's start)."""

    def __init__(self, app: ASGIApp, policy: str = POLICY):
        self.app, self.policy = app, policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).setdefault("Content-Security-Policy", self.policy)
            await send(message)

        await self.app(scope, receive, send_with_policy)
