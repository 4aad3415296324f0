"""Structured logs for operators: one configuration, stdlib logging, key=value or JSON lines on stderr.

    logging.getLogger(__name__).info("report indexed", extra={"doc_id": key, "chunks": 42})

gives  `ts=2024-05-01T10:00:00 level=info logger=assistant.ingest msg="report indexed" doc_id=… chunks=42`
(PANEL_LOG_FORMAT=json: the same fields as one JSON object a line). PANEL_LOG_LEVEL picks the threshold.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

# The attributes every LogRecord has; anything else on a record came in through `extra=` and is logged as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
# Libraries that log every request or step at INFO; an operator wants our events, and their warnings.
_CHATTY = {"httpx", "httpcore", "chromadb", "urllib3", "gradio", "uvicorn", "bm25s"}


def _fields(record: logging.LogRecord) -> dict:
    fields = {
        "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
        "level": record.levelname.lower(),
        "logger": record.name,
        "msg": record.getMessage(),
    }
    fields |= {key: value for key, value in vars(record).items() if key not in _STANDARD}
    if record.exc_info:
        fields["exc"] = logging.Formatter().formatException(record.exc_info)
    return fields


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return " ".join(f"{key}={_quote(value)}" for key, value in _fields(record).items())


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(_fields(record), ensure_ascii=False, default=str)


def _quote(value: object) -> str:
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if not text or any(c in text for c in ' "=\n') else text


def _quiet_libraries(record: logging.LogRecord) -> bool:
    """Libraries set their own loggers' levels when imported, after us: filter at the handler instead."""
    return record.levelno >= logging.WARNING or record.name.split(".")[0] not in _CHATTY


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    """Idempotent: the CLI and the app both call it; the last call's level and format hold."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else KeyValueFormatter())
    handler.addFilter(_quiet_libraries)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_panel_assistant", False)]:
        root.removeHandler(old)
    handler._panel_assistant = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise ValueError(f"PANEL_LOG_LEVEL: unknown level {level!r}; use DEBUG, INFO, WARNING or ERROR")
    root.setLevel(numeric)
