"""The scale-out path: the same index on a Chroma server (`chroma run` on loopback) instead of on disk."""

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from assistant.search.index import Index
from assistant.search.ingest import ingest_report

from .conftest import SAMPLE_REPORT, _free_port

CHROMA = Path(sys.executable).parent / "chroma"  # installed with chromadb into the same environment


@pytest.mark.skipif(not CHROMA.exists(), reason="the chroma command is not installed")
def test_index_on_a_chroma_server(settings, framework, tmp_path):
    port = _free_port()
    server = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={"ANONYMIZED_TELEMETRY": "False", "PATH": ""},
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                time.sleep(0.3)
        settings = settings.model_copy(update={"chroma_url": f"http://127.0.0.1:{port}"})
        index = Index(settings)
        result = ingest_report(SAMPLE_REPORT, index, framework, settings)
        assert ingest_report(SAMPLE_REPORT, index, framework, settings).already_indexed
        hits = index.search("USD 5,000 sign-off", k=2)
        assert hits[0].chunk.question == 3 and hits[0].chunk.doc_id == result.doc_id
        assert not settings.chroma_dir.exists()  # nothing written to the embedded store
    finally:
        server.terminate()
        server.wait(timeout=10)
