"""The OpenAI-compatible client against a real HTTP server on loopback that answers like one."""

import pytest
from pydantic import BaseModel

from assistant.judging.llm import LLMError, OpenAIChatClient, make_chat_client
from assistant.settings import Settings
from tests.fakes import FakeChatClient

from .fake_openai import FakeOpenAIServer


class Verdict(BaseModel):
    grade: str
    reason: str


@pytest.fixture
def server():
    """Replies queued in `server.replies`; the default is a valid verdict."""
    replies: list = []
    fake = FakeOpenAIServer(lambda body: replies.pop(0) if replies else '{"grade": "PM", "reason": "ok"}')
    fake.replies = replies
    yield fake
    fake.close()


MESSAGES = [{"role": "system", "content": "rules"}, {"role": "user", "content": "grade it"}]


def test_json_schema_mode(server):
    client = OpenAIChatClient(server.url, "tiny", structured_output="json_schema")
    assert client.structured(MESSAGES, Verdict) == Verdict(grade="PM", reason="ok")
    sent = server.bodies[0]
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["response_format"]["json_schema"]["schema"]["required"] == ["grade", "reason"]
    assert sent["model"] == "tiny" and sent["messages"] == MESSAGES


def test_json_object_schema_mode_and_system_folding(server):
    client = OpenAIChatClient(server.url, "tiny", structured_output="json_object_schema", merge_system=True)
    client.structured(MESSAGES, Verdict)
    sent = server.bodies[0]
    assert sent["response_format"]["type"] == "json_object" and "schema" in sent["response_format"]
    assert sent["messages"] == [{"role": "user", "content": "rules\n\ngrade it"}]


def test_json_object_mode_puts_the_schema_in_the_prompt(server):
    OpenAIChatClient(server.url, "tiny", structured_output="json_object").structured(MESSAGES, Verdict)
    sent = server.bodies[0]
    assert sent["response_format"] == {"type": "json_object"}
    assert '"grade"' in sent["messages"][-1]["content"]


def test_streaming_tokens_arrive_in_pieces(server):
    client = OpenAIChatClient(server.url, "tiny")
    pieces = []
    assert client.structured(MESSAGES, Verdict, on_token=pieces.append).grade == "PM"
    assert len(pieces) == 2 and server.bodies[0]["stream"] is True
    server.replies[:] = ["plain streamed text"]
    assert "".join(client.stream(MESSAGES)) == "plain streamed text"


def test_invalid_reply_is_retried(server):
    server.replies[:] = ["```json\n{\"grade\": 3}\n```", '{"grade": "PS", "reason": "fixed"}']
    assert OpenAIChatClient(server.url, "tiny").structured(MESSAGES, Verdict).reason == "fixed"
    assert "not valid" in server.bodies[1]["messages"][-1]["content"]


def test_server_errors_become_llm_errors(server):
    server.replies[:] = [500, 500, 500]
    with pytest.raises(LLMError, match="500|InternalServerError"):
        OpenAIChatClient(server.url, "tiny").structured(MESSAGES, Verdict)
    assert len(server.bodies) == 3  # the openai client's own retries, then a clear error


def test_unreachable_backend_is_a_clear_error():
    client = OpenAIChatClient("http://127.0.0.1:9/v1", "tiny", timeout_s=2)
    with pytest.raises(LLMError, match="127.0.0.1:9"):
        client.structured(MESSAGES, Verdict)


def test_connection_check(server):
    assert "tiny" in OpenAIChatClient(server.url, "tiny").check()


def test_configured_url_needs_a_model_and_is_used_as_given(server):
    with pytest.raises(LLMError, match="PANEL_LLM_MODEL"):
        make_chat_client(Settings(llm_base_url=server.url, llm_model=""))
    client = make_chat_client(Settings(llm_base_url=server.url, llm_model="tiny"))
    assert str(client.client.base_url).startswith(server.url)


def test_fake_client_records_and_runs_out_loudly():
    fake = FakeChatClient([Verdict(grade="FM", reason="r")])
    assert fake.structured(MESSAGES, Verdict).grade == "FM"
    assert fake.requests == [MESSAGES]
    with pytest.raises(LLMError, match="no reply queued"):
        fake.structured(MESSAGES, Verdict)


def test_a_backend_from_a_form_goes_through_the_same_factory(server):
    from assistant.judging.llm import BackendSpec, preset_backends

    settings = Settings(llm_base_url="", llm_timeout_s=7)  # configured: embedded; the form names another backend
    client = make_chat_client(settings, BackendSpec(name="form", base_url=server.url, model="tiny",
                                                    structured_output="json_object"))
    assert client.model_id == "tiny" and client.timeout_s == 7
    assert not client.supports_json_schema and client.supports_system_role and client.supports_streaming
    assert client.structured(MESSAGES, Verdict).grade == "PM"
    presets = preset_backends()
    assert presets["ollama"].base_url == "http://127.0.0.1:11434/v1" and presets["embedded"].embedded


def test_chat_client_is_abstract():
    from assistant.judging.llm import ChatClient

    with pytest.raises(TypeError, match="abstract"):
        ChatClient()
    assert FakeChatClient().model_id == "fake" and "fake" in FakeChatClient().check()
