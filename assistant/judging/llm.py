"""The one narrow LLM interface: chat messages in, a validated pydantic object (or streamed text) out.

Every backend speaks the OpenAI-compatible chat API through the `openai` client; only the base URL, key, model and
the way a JSON schema is passed differ. Invalid output is sent back to the model with the validation error, up to
`llm_retries` times; after that an LLMError tells the caller to flag the item for a human. Tests use a scripted fake
(tests/fakes.py) that runs the same validation and retry code over canned responses.
"""

from __future__ import annotations

import functools
import json
import re
import socket
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import NamedTuple, TypeVar

import httpx2
from pydantic import BaseModel, ValidationError

from ..settings import PRESETS, Settings, StructuredOutput

T = TypeVar("T", bound=BaseModel)
Messages = list[dict[str, str]]
OnToken = Callable[[str], None]


class LLMError(RuntimeError):
    """The model could not give a valid answer (after retries) or the backend failed."""


class LLMTimeout(LLMError):
    """No complete reply within the call's deadline: the backend hangs or is far too slow."""


def _json_payload(text: str) -> str:
    """The JSON object in a reply, without code fences or chatter around it."""
    text = text.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)```", text, re.DOTALL)
    if fenced:
        text = fenced.group(1).strip()
    start, end = text.find("{"), text.rfind("}")
    return text[start : end + 1] if start != -1 and end > start else text


class ChatClient(ABC):
    """A chat backend: structured output with validation and retries over `_complete`, streamed text over `_stream`.

    Subclasses say which model they run (`model_id`), what the backend supports (the capability flags) and how to
    check the connection (`check`)."""

    structured_output: StructuredOutput = "json_schema"
    retries: int = 2
    description: str = ""
    supports_json_schema: bool = True  # takes a JSON schema for structured output (else it goes in the prompt)
    supports_streaming: bool = True
    supports_system_role: bool = True  # else system messages are folded into the first user turn

    @property
    @abstractmethod
    def model_id(self) -> str:
        """The model that answers, as the backend names it."""

    @abstractmethod
    def check(self) -> str:
        """A connection test for the settings page: what answered, or an LLMError saying why nothing did."""

    @abstractmethod
    def _complete(self, messages: Messages, schema: type[BaseModel], on_token: OnToken | None) -> str:
        """The reply's text to a structured-output request."""

    @abstractmethod
    def _stream(self, messages: Messages) -> Iterator[str]:
        """The reply's text in pieces as they arrive."""

    def structured(self, messages: Messages, schema: type[T], on_token: OnToken | None = None) -> T:
        attempt_messages = list(messages)
        if self.structured_output == "json_object":
            attempt_messages = self._with_schema_in_prompt(attempt_messages, schema)
        last_error = ""
        for _ in range(self.retries + 1):
            reply = self._complete(attempt_messages, schema, on_token)
            try:
                # strict=False: small models put raw newlines inside strings; that is no reason to reject a reply.
                return schema.model_validate(json.loads(_json_payload(reply), strict=False))
            except json.JSONDecodeError as exc:
                last_error = f"not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
            except ValidationError as exc:
                last_error = _short_error(exc)
            attempt_messages = attempt_messages + [
                {"role": "assistant", "content": reply},
                {
                    "role": "user",
                    "content": f"That reply was not valid: {last_error}. "
                    "Reply again with one JSON object that matches the schema, and nothing else.",
                },
            ]
        raise LLMError(f"invalid structured output after {self.retries + 1} attempts: {last_error}")

    def stream(self, messages: Messages) -> Iterator[str]:
        yield from self._stream(messages)

    def _with_schema_in_prompt(self, messages: Messages, schema: type[BaseModel]) -> Messages:
        note = "Answer with one JSON object matching this JSON schema:\n" + json.dumps(schema.model_json_schema())
        return messages + [{"role": "system", "content": note}]


def _short_error(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'reply'}: {e['msg']}" for e in exc.errors()[:5])


class BackendSpec(BaseModel):
    """A named chat backend: a preset, the one the settings configure, or one typed into the workspace's form."""

    name: str
    base_url: str = ""  # empty: the embedded model on loopback
    model: str = ""
    api_key: str = "not-needed"
    structured_output: StructuredOutput = "json_schema"

    @property
    def embedded(self) -> bool:
        return not self.base_url


def preset_backends() -> dict[str, BackendSpec]:
    """The presets in settings, as named backends (their model is a default the user may change)."""
    return {
        name: BackendSpec(name=name, base_url=str(preset.get("llm_base_url", "")), model=str(preset.get("llm_model", "")))
        for name, preset in PRESETS.items()
    }


def configured_backend(settings: Settings) -> BackendSpec:
    return BackendSpec(
        name=settings.preset, base_url=settings.llm_base_url, model=settings.llm_model, api_key=settings.llm_api_key,
        structured_output=settings.structured_output,
    )


# The time limit bounds a whole call. The openai client's own timeout applies to each read, so a server that
# drips one byte every 2 s kept a call with a 10 s limit alive for 300 s. Each request of a call carries the call's
# deadline (a context variable, set around the request); the HTTP client caps every socket timeout at the time left
# and shuts the socket when the deadline passes, which ends a read blocked mid-stream.
_deadline: ContextVar[float | None] = ContextVar("llm_call_deadline", default=None)


class _DeadlinePassed(Exception):
    pass


class _DeadlineClient(httpx2.Client):
    def send(self, request: httpx2.Request, *, stream: bool = False, **kwargs) -> httpx2.Response:
        deadline = _deadline.get()
        if deadline is None:
            return super().send(request, stream=stream, **kwargs)
        left = deadline - time.monotonic()
        if left <= 0:
            raise _DeadlinePassed
        timeouts = request.extensions.get("timeout") or {"connect": None, "read": None, "write": None, "pool": None}
        request.extensions["timeout"] = {name: min(value or left, left) for name, value in timeouts.items()}
        response = super().send(request, stream=True, **kwargs)
        response.stream = _DeadlineStream(response, deadline)
        if not stream:
            try:
                response.read()
            finally:
                response.close()
        return response


class _DeadlineStream(httpx2.SyncByteStream):
    def __init__(self, response: httpx2.Response, deadline: float):
        self.inner, self.deadline = response.stream, deadline
        network = response.extensions.get("network_stream")
        self.socket = network.get_extra_info("socket") if network is not None else None
        self.cut = False

    def _cut(self) -> None:
        self.cut = True
        try:
            self.socket.shutdown(socket.SHUT_RDWR)  # wakes a read blocked in another thread; close() would not
        except OSError:
            pass

    def __iter__(self) -> Iterator[bytes]:
        timer = threading.Timer(max(self.deadline - time.monotonic(), 0.0), self._cut)
        timer.daemon = True
        if self.socket is not None:
            timer.start()
        try:
            for chunk in self.inner:
                if self.cut or time.monotonic() > self.deadline:
                    raise _DeadlinePassed
                yield chunk
        except httpx2.TransportError:
            if self.cut:
                raise _DeadlinePassed from None
            raise
        finally:
            timer.cancel()
        if self.cut:  # a shut socket ends a body without a length as if it were complete
            raise _DeadlinePassed

    def close(self) -> None:
        self.inner.close()


class _Errors(NamedTuple):
    backend: tuple[type[BaseException], ...]
    transient: tuple[type[BaseException], ...]
    connection: type[BaseException]


@functools.cache
def _openai_errors() -> _Errors:
    """The exceptions the client catches, importing `openai` on first use rather than when the app starts (it is the
    slowest import after Gradio's, and the assessment never needs it).

    What a reply that is not a chat completion raises on its way through the openai client: a body that is not JSON
    (ValueError), JSON of another shape, a broken stream. Each ends as an LLMError, so the question is flagged.
    Failures worth another try while time is left: no connection, rate limits, server errors."""
    import openai

    backend = (openai.OpenAIError, httpx2.HTTPError, _DeadlinePassed, ValueError, TypeError, AttributeError, KeyError,
               IndexError)
    return _Errors(backend, (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError),
                   openai.APIConnectionError)


class OpenAIChatClient(ChatClient):
    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "not-needed",
        structured_output: StructuredOutput = "json_schema",
        temperature: float = 0.2,
        max_tokens: int = 900,
        timeout_s: float = 300.0,
        retries: int = 2,
        merge_system: bool = False,
        transport_retries: int = 2,
    ):
        from openai import OpenAI

        # Our retries: `retries` for invalid output, `transport_retries` for transient failures within the deadline.
        # The openai client's own would sleep as long as a Retry-After header asks, past the call's time limit.
        self.client = OpenAI(
            base_url=base_url, api_key=api_key or "not-needed", timeout=timeout_s, max_retries=0,
            http_client=_DeadlineClient(timeout=timeout_s, follow_redirects=True),
        )
        self.model = model
        self.structured_output = structured_output
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.timeout_s = timeout_s
        self.retries = retries
        self.transport_retries = transport_retries
        self.merge_system = merge_system
        self.supports_json_schema = structured_output != "json_object"
        self.supports_system_role = not merge_system
        self.description = f"{model} at {base_url}"

    @property
    def model_id(self) -> str:
        return self.model

    def _prepare(self, messages: Messages) -> Messages:
        """Gemma's chat format has no system role and llama-cpp-python drops it: fold it into the first user turn."""
        if not self.merge_system:
            return messages
        system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
        rest = [dict(m) for m in messages if m["role"] != "system"]
        if system and rest and rest[0]["role"] == "user":
            rest[0]["content"] = f"{system}\n\n{rest[0]['content']}"
        return rest

    def _response_format(self, schema: type[BaseModel]) -> dict:
        json_schema = schema.model_json_schema()
        if self.structured_output == "json_schema":
            return {"type": "json_schema", "json_schema": {"name": schema.__name__, "schema": json_schema}}
        if self.structured_output == "json_object_schema":
            return {"type": "json_object", "schema": json_schema}
        return {"type": "json_object"}

    def _error(self, exc: BaseException) -> LLMError:
        if isinstance(exc, _DeadlinePassed) or isinstance(exc.__cause__, _DeadlinePassed):
            return LLMTimeout(f"{self.description}: no complete reply within {self.timeout_s:g} s (PANEL_LLM_TIMEOUT_S)")
        return LLMError(f"{self.description}: {exc.__class__.__name__}: {exc}")

    def _request(self, deadline: float, **kwargs):
        """One request under the call's deadline, tried again after transient failures while time is left."""
        for attempt in range(self.transport_retries + 1):
            token = _deadline.set(deadline)
            try:
                return self.client.chat.completions.create(
                    model=self.model, temperature=self.temperature, max_tokens=self.max_tokens, **kwargs
                )
            except _openai_errors().connection as exc:
                # The openai client wraps what our HTTP client raises at the deadline.
                if isinstance(exc.__cause__, _DeadlinePassed) or time.monotonic() >= deadline:
                    raise _DeadlinePassed from exc
                if attempt == self.transport_retries:
                    raise
            except _openai_errors().transient:
                if attempt == self.transport_retries:
                    raise
            finally:
                _deadline.reset(token)
            time.sleep(min(0.5 * 2**attempt, max(deadline - time.monotonic(), 0.0)))
        raise AssertionError("unreachable")

    def _complete(self, messages: Messages, schema: type[BaseModel], on_token: OnToken | None) -> str:
        try:
            if on_token is None:
                deadline = time.monotonic() + self.timeout_s
                response = self._request(
                    deadline, messages=self._prepare(messages), response_format=self._response_format(schema)
                )
                return _reply_text(response)
            parts = []
            for piece in self._deltas(messages, response_format=self._response_format(schema)):
                parts.append(piece)
                on_token(piece)
            return "".join(parts)
        except _openai_errors().backend as exc:
            raise self._error(exc) from exc

    def _stream(self, messages: Messages) -> Iterator[str]:
        try:
            yield from self._deltas(messages)
        except _openai_errors().backend as exc:
            raise self._error(exc) from exc

    def _deltas(self, messages: Messages, **extra) -> Iterator[str]:
        deadline = time.monotonic() + self.timeout_s
        stream = self._request(deadline, messages=self._prepare(messages), stream=True, **extra)
        chunks = 0
        try:
            for chunk in stream:
                chunks += 1
                if time.monotonic() > deadline:
                    raise _DeadlinePassed
                choices = getattr(chunk, "choices", None)
                if not isinstance(choices, list):
                    raise LLMError(f"{self.description}: a streamed piece is not a chat completion chunk")
                content = choices[0].delta.content if choices and choices[0].delta else None
                if content:
                    yield str(content)
            if not chunks:
                raise LLMError(f"{self.description}: the reply held no chat completion chunks")
        finally:
            if hasattr(stream, "close"):
                stream.close()

    def check(self) -> str:
        try:
            token = _deadline.set(time.monotonic() + self.timeout_s)
            try:
                models = [m.id for m in self.client.models.list().data]
            finally:
                _deadline.reset(token)
        except _openai_errors().backend as exc:
            raise self._error(exc) from exc
        return f"connected to {self.description}; models: {', '.join(map(str, models[:5])) or 'none listed'}"


def _reply_text(response: object) -> str:
    """The assistant's text in a chat completion; an LLMError for anything else a server may send with a 200."""
    choices = getattr(response, "choices", None)
    if not isinstance(choices, list) or not choices:
        raise LLMError(f"the server's reply is not a chat completion with choices: {str(response)[:200]!r}")
    message = getattr(choices[0], "message", None)
    content = getattr(message, "content", None)
    if content is None:
        return ""
    if not isinstance(content, str):
        raise LLMError(f"the server's reply has no text content: {str(content)[:200]!r}")
    return content


def make_chat_client(settings: Settings, backend: BackendSpec | None = None) -> ChatClient:
    """A client for `backend` (default: the one the settings configure), with the settings' generation limits.
    A backend without a URL is the embedded model on loopback; never any other host."""
    backend = backend or configured_backend(settings)
    if backend.embedded:
        from .local_model import embedded_server

        server = embedded_server(settings)
        return OpenAIChatClient(
            base_url=server.base_url, model=server.model_alias, structured_output="json_object_schema",
            temperature=settings.temperature, max_tokens=min(settings.max_tokens, settings.local_max_tokens),
            timeout_s=settings.llm_timeout_s, retries=settings.llm_retries, merge_system=server.merges_system,
        )
    if not backend.model:
        raise LLMError("PANEL_LLM_MODEL is not set: name the model to use at " + backend.base_url)
    return OpenAIChatClient(
        base_url=backend.base_url, model=backend.model, api_key=backend.api_key,
        structured_output=backend.structured_output, temperature=settings.temperature,
        max_tokens=settings.max_tokens, timeout_s=settings.llm_timeout_s, retries=settings.llm_retries,
    )
