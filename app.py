"""Panel Assistant's web workspace: `python app.py` serves it on 127.0.0.1:7860 (PANEL_HOST, PANEL_PORT)."""

from assistant.settings import disable_telemetry

disable_telemetry()  # before Gradio and Chroma are imported

from assistant.logs import configure_logging  # noqa: E402
from assistant.settings import get_settings  # noqa: E402
from assistant.web.app import serve  # noqa: E402

if __name__ == "__main__":
    configure_logging(get_settings().log_level, get_settings().log_format)
    serve()
