"""Structured JSON logs, one object a line, carrying the service, region and current trace."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from opentelemetry import trace

from aftercare_platform.settings import ServiceSettings

# LogRecord's own attributes; anything else on a record came in through `extra=` and is logged as a field
_RECORD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime", "taskName"}
)
# libraries chatty at INFO that drown a service's own lines
_QUIET_LOGGERS = ("uvicorn.access", "aio_pika", "aiormq", "httpx", "httpcore", "asyncio")


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str, region: str) -> None:
        super().__init__()
        self._service = service
        self._region = region

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "service": self._service,
            "region": self._region,
        }
        entry.update(_trace_fields())
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_") and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """For a developer's terminal (AFTERCARE_LOG_JSON=false): still shows the trace id."""

    def __init__(self, service: str) -> None:
        super().__init__(f"%(asctime)s %(levelname)-7s {service} %(name)s: %(message)s%(trace)s")

    def format(self, record: logging.LogRecord) -> str:
        trace_id = _trace_fields().get("trace_id")
        record.trace = f" [trace={trace_id}]" if trace_id else ""
        return super().format(record)


class RepeatedWarningFilter(logging.Filter):
    """A reconnecting library says the same thing every second: the first time is a WARNING line without its
    stack, repeats within `window` seconds are dropped."""

    def __init__(self, window: float = 60.0) -> None:
        super().__init__()
        self._window = window
        self._last: dict[tuple[str, object], float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key = (record.name, record.msg)
        last = self._last.get(key)
        self._last[key] = record.created
        if last is not None and record.created - last < self._window:
            return False
        record.exc_info, record.exc_text = None, None
        return True


# the libraries whose reconnect attempts repeat
_RECONNECTING_LOGGERS = ("aio_pika", "aiormq", "asyncpg", "sqlalchemy.pool")


def configure_logging(settings: ServiceSettings, *, stream: TextIO | None = None) -> logging.Handler:
    """Replace the root handlers with one that writes to stderr (or `stream`) in the chosen format."""
    handler = logging.StreamHandler(stream or sys.stderr)
    formatter: logging.Formatter = (
        JsonFormatter(settings.service_name, settings.region) if settings.log_json
        else TextFormatter(settings.service_name)
    )
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    repeats = RepeatedWarningFilter()
    for name in _RECONNECTING_LOGGERS:
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, RepeatedWarningFilter)]:
            logger.removeFilter(old)
        logger.addFilter(repeats)
    # uvicorn and grpc log through the root handler instead of their own
    for name in ("uvicorn", "uvicorn.error", "grpc"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    return handler


def _trace_fields() -> dict[str, str]:
    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return {}
    return {"trace_id": format(span_context.trace_id, "032x"), "span_id": format(span_context.span_id, "016x")}
