"""A scripted OpenAI-compatible server on loopback, for tests that need a real HTTP backend."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class RawBody:
    """A hostile or broken server's answer, sent as it is: any status, any bytes, any content type."""

    data: bytes
    status: int = 200
    content_type: str = "application/json"


@dataclass
class SlowDrip:
    """A valid answer sent one byte every `interval_s` seconds: each read finishes well within a per-read timeout."""

    text: str
    interval_s: float = 0.5


@dataclass
class Hang:
    """Take the request and never answer (until the server closes): a backend stuck on a long queue or a dead GPU."""


# Garbage a broken backend returns with a 200: bytes that are not JSON, and a well-formed completion whose text is
# not the JSON asked for.
GARBAGE_BODY = RawBody(b"\x00\xff<<garbage>>\n" * 20)
GARBAGE_TEXT = "I'm sorry, as a language model I cannot... }{ ]] grade: maybe?"
FAULTS = {"hang": Hang(), "http-500": 500, "garbage-body": GARBAGE_BODY, "garbage-text": GARBAGE_TEXT}


def fault_after(good: Callable[[dict], str], answered: int, fault: object) -> Callable[[dict], object]:
    """A backend that answers the first `answered` requests with `good(body)` and fails every later one: the fault
    starts in the middle of a letter."""
    count = 0
    lock = threading.Lock()

    def reply(body: dict) -> object:
        nonlocal count
        with lock:
            count += 1
            current = count
        return good(body) if current <= answered else fault

    return reply


def _completion(text: str) -> dict:
    return {
        "id": "1", "object": "chat.completion", "created": 0, "model": "tiny",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _chunk(piece: str) -> bytes:
    chunk = {"id": "1", "object": "chat.completion.chunk", "created": 0, "model": "tiny",
             "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
    return f"data: {json.dumps(chunk)}\n\n".encode()


class FakeOpenAIServer:
    """`reply(body)`: the assistant's text for a request, an HTTP status to fail with, a RawBody, a SlowDrip or a
    Hang."""

    def __init__(self, reply: Callable[[dict], str | int | RawBody | SlowDrip | Hang]):
        self.bodies: list[dict] = []
        self.closing = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._send(200, {"object": "list", "data": [{"id": "tiny", "object": "model", "created": 0, "owned_by": "t"}]})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.bodies.append(body)
                answer = reply(body)
                try:
                    if isinstance(answer, int):
                        self._send(answer, {"error": {"message": "scripted failure", "type": "server_error"}})
                    elif isinstance(answer, RawBody):
                        self.send_response(answer.status)
                        self.send_header("Content-Type", answer.content_type)
                        self.send_header("Content-Length", str(len(answer.data)))
                        self.end_headers()
                        self.wfile.write(answer.data)
                    elif isinstance(answer, Hang):
                        server.closing.wait(600)
                    elif isinstance(answer, SlowDrip):
                        self._drip(answer, streaming=bool(body.get("stream")))
                    elif body.get("stream"):
                        self.send_response(200)
                        self.send_header("Content-Type", "text/event-stream")
                        self.end_headers()
                        for piece in (answer[: len(answer) // 2], answer[len(answer) // 2 :]):
                            self.wfile.write(_chunk(piece))
                        self.wfile.write(b"data: [DONE]\n\n")
                    else:
                        self._send(200, _completion(answer))
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as it should with a server like this

            def _drip(self, answer: SlowDrip, streaming: bool) -> None:
                data = (_chunk(answer.text) + b"data: [DONE]\n\n") if streaming else json.dumps(_completion(answer.text)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream" if streaming else "application/json")
                if not streaming:
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                for i in range(len(data)):
                    self.wfile.write(data[i : i + 1])
                    self.wfile.flush()
                    time.sleep(answer.interval_s)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.closing.set()
        self.httpd.shutdown()
        self.httpd.server_close()
