"""The one narrow LLM interface: chat messages in, a validated pydantic object (or streamed text) out.

Every backend speaks the OpenAI-compatible chat API through the `openai` client; only the base URL, key, model and
the way a JSON schema is passed differ. Invalid output is sent back to the model with the validation error, up to
`llm_retries` times; after that an LLMError tells the caller to flag the item for a human. Tests use a scripted fake
(tests/fakes.py) that runs the same validation and retry code over canned responses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from .settings import Settings, StructuredOutput

T = TypeVar("T", bound=BaseModel)
Messages = list[dict[str, str]]
OnToken = Callable[[str], None]


class LLMError(RuntimeError):
    """The model could not give a valid answer (after retries) or the backend failed."""


def _json_payload(text: str) -> str:
    """The JSON object in a reply, without code fences or chatter around it."""
    text = text.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)```", text, re.DOTALL)
    if fenced:
        text = fenced.group(1).strip()
    start, end = text.find("{"), text.rfind("}")
    return text[start : end + 1] if start != -1 and end > start else text


class ChatClient:
    """Base: structured output with validation and retries. Subclasses implement `_complete` and `_stream`."""

    structured_output: StructuredOutput = "json_schema"
    retries: int = 2
    description: str = ""

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

    def _complete(self, messages: Messages, schema: type[BaseModel], on_token: OnToken | None) -> str:
        raise NotImplementedError

    def _stream(self, messages: Messages) -> Iterator[str]:
        raise NotImplementedError


def _short_error(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'reply'}: {e['msg']}" for e in exc.errors()[:5])


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
    ):
        from openai import OpenAI

        # The openai client retries timeouts, 429 and 5xx itself; our retries are for invalid output.
        self.client = OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout_s, max_retries=2)
        self.model = model
        self.structured_output = structured_output
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.retries = retries
        self.merge_system = merge_system
        self.description = f"{model} at {base_url}"

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

    def _complete(self, messages: Messages, schema: type[BaseModel], on_token: OnToken | None) -> str:
        from openai import OpenAIError

        try:
            if on_token is None:
                response = self.client.chat.completions.create(
                    model=self.model, messages=self._prepare(messages), temperature=self.temperature,
                    max_tokens=self.max_tokens, response_format=self._response_format(schema),
                )
                return response.choices[0].message.content or ""
            parts = []
            for piece in self._deltas(messages, response_format=self._response_format(schema)):
                parts.append(piece)
                on_token(piece)
            return "".join(parts)
        except OpenAIError as exc:
            raise LLMError(f"{self.description}: {exc.__class__.__name__}: {exc}") from exc

    def _stream(self, messages: Messages) -> Iterator[str]:
        from openai import OpenAIError

        try:
            yield from self._deltas(messages)
        except OpenAIError as exc:
            raise LLMError(f"{self.description}: {exc.__class__.__name__}: {exc}") from exc

    def _deltas(self, messages: Messages, **extra) -> Iterator[str]:
        stream = self.client.chat.completions.create(
            model=self.model, messages=self._prepare(messages), temperature=self.temperature,
            max_tokens=self.max_tokens, stream=True, **extra,
        )
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                yield chunk.choices[0].delta.content

    def check(self) -> str:
        """A connection test for the settings page: list models, or say why not."""
        from openai import OpenAIError

        try:
            models = [m.id for m in self.client.models.list().data]
        except OpenAIError as exc:
            raise LLMError(f"{self.description}: {exc.__class__.__name__}: {exc}") from exc
        return f"connected to {self.description}; models: {', '.join(models[:5]) or 'none listed'}"


def make_chat_client(settings: Settings) -> ChatClient:
    """The configured backend. With no base URL, the embedded model on loopback; never any other host."""
    if settings.uses_embedded_model:
        from .local_model import embedded_server

        server = embedded_server(settings)
        return OpenAIChatClient(
            base_url=server.base_url, model=server.model_alias, structured_output="json_object_schema",
            temperature=settings.temperature, max_tokens=min(settings.max_tokens, settings.local_max_tokens),
            timeout_s=settings.llm_timeout_s, retries=settings.llm_retries, merge_system=server.merges_system,
        )
    if not settings.llm_model:
        raise LLMError("PANEL_LLM_MODEL is not set: name the model to use at " + settings.llm_base_url)
    return OpenAIChatClient(
        base_url=settings.llm_base_url, model=settings.llm_model, api_key=settings.llm_api_key,
        structured_output=settings.structured_output, temperature=settings.temperature,
        max_tokens=settings.max_tokens, timeout_s=settings.llm_timeout_s, retries=settings.llm_retries,
    )
