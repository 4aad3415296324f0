"""Shared fixtures. Every test gets its own data directory; the bad-input files are made here, not shipped."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from assistant.reading.corpus import load_framework
from assistant.settings import PROJECT_ROOT, Settings, disable_telemetry

disable_telemetry()

SAMPLE_REPORT = PROJECT_ROOT / "corpus" / "samples" / "example-relief-network_2023_accountability-report.md"
REAL_LETTER = PROJECT_ROOT / "corpus" / "letters" / "amnesty-international_2022_panel-feedback.txt"


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    """The ONNX embedding graph, built once per test session."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture
def settings(tmp_path: Path, model_cache: Path) -> Settings:
    """A data directory of the test's own, sharing the session's embedding graph."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "models").symlink_to(model_cache)
    return Settings(data_dir=data_dir, preset="embedded")


@pytest.fixture(scope="session")
def framework():
    return load_framework(PROJECT_ROOT / "corpus", "accountable-now-2022")


def make_pdf(path: Path, pages: list[str]) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    pdf.output(str(path))
    return path


def make_docx(path: Path, sections: list[tuple[str, str]], page_breaks: bool = True) -> Path:
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    for i, (heading, body) in enumerate(sections):
        if i and page_breaks:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        document.add_heading(heading, level=2)
        document.add_paragraph(body)
    document.save(str(path))
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def app_server(settings, log_path: Path, **env: str):
    """`python app.py` on a free loopback port with these PANEL_ variables; yields (URL, process) once it answers,
    so a test can kill the process itself."""
    port = _free_port()
    env = os.environ | {"PANEL_DATA_DIR": str(settings.data_dir), "PANEL_PORT": str(port)} | env
    with open(log_path, "ab") as log:
        process = subprocess.Popen([sys.executable, "app.py"], cwd=PROJECT_ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 90
        try:
            while time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(url, timeout=2)
                    break
                except OSError:
                    assert process.poll() is None, log_path.read_text()
                    time.sleep(0.5)
            yield url, process
        finally:
            if process.poll() is None:
                process.terminate()
            process.wait(timeout=20)


@contextmanager
def app_process(settings, log_path: Path, **env: str):
    """`python app.py` on a free loopback port with these PANEL_ variables; yields its URL once it answers."""
    with app_server(settings, log_path, **env) as (url, _):
        yield url


@pytest.fixture
def running_app(tmp_path, settings):
    """`python app.py` on a free loopback port, drafting with a scripted OpenAI-compatible server."""
    from .fake_openai import FakeOpenAIServer
    from .test_ui import scripted

    llm = FakeOpenAIServer(lambda body: json.dumps(scripted(body["messages"])))
    try:
        with app_process(settings, tmp_path / "app.log", PANEL_LLM_BASE_URL=llm.url, PANEL_LLM_MODEL="tiny") as url:
            yield url
    finally:
        llm.close()
