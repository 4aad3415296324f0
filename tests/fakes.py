"""The scripted chat client the tests use: it runs the product's own validation and retry code over canned replies."""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterable, Iterator

from pydantic import BaseModel

from assistant.judging.llm import ChatClient, LLMError, Messages, OnToken


class FakeChatClient(ChatClient):
    """Scripted responses for tests, in the manner of llm's mock model: enqueue replies (strings, pydantic objects,
    dicts or exceptions to raise) and read back the requests it received."""

    def __init__(self, replies: Iterable[object] = (), retries: int = 2, default: object | None = None):
        self.replies: deque = deque(replies)
        self.requests: list[Messages] = []
        self.retries = retries
        self.default = default
        self.description = "fake chat client"

    @property
    def model_id(self) -> str:
        return "fake"

    def check(self) -> str:
        return f"{self.description}: {len(self.replies)} replies queued"

    def enqueue(self, *replies: object) -> None:
        self.replies.extend(replies)

    def _next(self, messages: Messages) -> str:
        self.requests.append(messages)
        if self.replies:
            reply = self.replies.popleft()
        elif self.default is not None:
            reply = self.default(messages) if callable(self.default) else self.default
        else:
            raise LLMError("fake chat client: no reply queued")
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, BaseModel):
            return reply.model_dump_json()
        if isinstance(reply, dict):
            return json.dumps(reply)
        return str(reply)

    def _complete(self, messages: Messages, schema: type[BaseModel], on_token: OnToken | None) -> str:
        text = self._next(messages)
        if on_token:
            on_token(text)
        return text

    def _stream(self, messages: Messages) -> Iterator[str]:
        text = self._next(messages)
        yield from re.findall(r"\S+\s*", text)
