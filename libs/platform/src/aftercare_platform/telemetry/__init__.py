"""Traces, metrics and logs: OpenTelemetry set-up, trace propagation and JSON logging."""

from aftercare_platform.telemetry.logs import JsonFormatter, configure_logging
from aftercare_platform.telemetry.propagation import (
    current_trace_headers,
    current_trace_id,
    extract_context,
    inject_headers,
    start_consumer_span,
)
from aftercare_platform.telemetry.setup import Telemetry, setup_telemetry

__all__ = [
    "JsonFormatter",
    "Telemetry",
    "configure_logging",
    "current_trace_headers",
    "current_trace_id",
    "extract_context",
    "inject_headers",
    "setup_telemetry",
    "start_consumer_span",
]
