"""The OpenAI-compatible client against a real HTTP server on loopback that answers like one."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pydantic import BaseModel

from assistant.llm import FakeChatClient, LLMError, OpenAIChatClient, make_chat_client
from assistant.settings import Settings


class Verdict(BaseModel):
    grade: str
    reason: str


class FakeOpenAI(BaseHTTPRequestHandler):
    replies: list = []
    bodies: list = []

    def log_message(self, *args):  # keep test output quiet
        pass

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._send(200, {"object": "list", "data": [{"id": "tiny", "object": "model", "created": 0, "owned_by": "me"}]})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeOpenAI.bodies.append(body)
        reply = FakeOpenAI.replies.pop(0) if FakeOpenAI.replies else '{"grade": "PM", "reason": "ok"}'
        if isinstance(reply, int):
            self._send(reply, {"error": {"message": "boom", "type": "server_error"}})
            return
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for piece in [reply[: len(reply) // 2], reply[len(reply) // 2 :]]:
                chunk = {"id": "1", "object": "chat.completion.chunk", "created": 0, "model": "tiny",
                         "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            return
        self._send(200, {
            "id": "1", "object": "chat.completion", "created": 0, "model": "tiny",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        })


@pytest.fixture
def server():
    FakeOpenAI.replies, FakeOpenAI.bodies = [], []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()


MESSAGES = [{"role": "system", "content": "rules"}, {"role": "user", "content": "grade it"}]


def test_json_schema_mode(server):
    client = OpenAIChatClient(server, "tiny", structured_output="json_schema")
    assert client.structured(MESSAGES, Verdict) == Verdict(grade="PM", reason="ok")
    sent = FakeOpenAI.bodies[0]
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["response_format"]["json_schema"]["schema"]["required"] == ["grade", "reason"]
    assert sent["model"] == "tiny" and sent["messages"] == MESSAGES


def test_json_object_schema_mode_and_system_folding(server):
    client = OpenAIChatClient(server, "tiny", structured_output="json_object_schema", merge_system=True)
    client.structured(MESSAGES, Verdict)
    sent = FakeOpenAI.bodies[0]
    assert sent["response_format"]["type"] == "json_object" and "schema" in sent["response_format"]
    assert sent["messages"] == [{"role": "user", "content": "rules\n\ngrade it"}]


def test_json_object_mode_puts_the_schema_in_the_prompt(server):
    OpenAIChatClient(server, "tiny", structured_output="json_object").structured(MESSAGES, Verdict)
    sent = FakeOpenAI.bodies[0]
    assert sent["response_format"] == {"type": "json_object"}
    assert '"grade"' in sent["messages"][-1]["content"]


def test_streaming_tokens_arrive_in_pieces(server):
    client = OpenAIChatClient(server, "tiny")
    pieces = []
    assert client.structured(MESSAGES, Verdict, on_token=pieces.append).grade == "PM"
    assert len(pieces) == 2 and FakeOpenAI.bodies[0]["stream"] is True
    FakeOpenAI.replies = ["plain streamed text"]
    assert "".join(client.stream(MESSAGES)) == "plain streamed text"


def test_invalid_reply_is_retried(server):
    FakeOpenAI.replies = ["```json\n{\"grade\": 3}\n```", '{"grade": "PS", "reason": "fixed"}']
    assert OpenAIChatClient(server, "tiny").structured(MESSAGES, Verdict).reason == "fixed"
    assert "not valid" in FakeOpenAI.bodies[1]["messages"][-1]["content"]


def test_server_errors_become_llm_errors(server):
    FakeOpenAI.replies = [500, 500, 500]
    with pytest.raises(LLMError, match="500|InternalServerError"):
        OpenAIChatClient(server, "tiny").structured(MESSAGES, Verdict)
    assert len(FakeOpenAI.bodies) == 3  # the openai client's own retries, then a clear error


def test_unreachable_backend_is_a_clear_error():
    client = OpenAIChatClient("http://127.0.0.1:9/v1", "tiny", timeout_s=2)
    with pytest.raises(LLMError, match="127.0.0.1:9"):
        client.structured(MESSAGES, Verdict)


def test_connection_check(server):
    assert "tiny" in OpenAIChatClient(server, "tiny").check()


def test_configured_url_needs_a_model_and_is_used_as_given(server):
    with pytest.raises(LLMError, match="PANEL_LLM_MODEL"):
        make_chat_client(Settings(llm_base_url=server, llm_model=""))
    client = make_chat_client(Settings(llm_base_url=server, llm_model="tiny"))
    assert str(client.client.base_url).startswith(server)


def test_fake_client_records_and_runs_out_loudly():
    fake = FakeChatClient([Verdict(grade="FM", reason="r")])
    assert fake.structured(MESSAGES, Verdict).grade == "FM"
    assert fake.requests == [MESSAGES]
    with pytest.raises(LLMError, match="no reply queued"):
        fake.structured(MESSAGES, Verdict)
