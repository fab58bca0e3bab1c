"""One call gives a service its tracer and meter providers, OTLP export and Prometheus metrics."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field

from opentelemetry import metrics, propagate, trace
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.metrics.view import View
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from prometheus_client import REGISTRY, CollectorRegistry

from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry.sampling import ExportAwareTracerProvider

log = logging.getLogger(__name__)

# what HTTP server metrics are labelled with: never the Host header, a client's address or the raw path,
# which any client could vary to create series without end
HTTP_METRIC_ATTRIBUTES = frozenset({
    "http.method", "http.request.method", "http.status_code", "http.response.status_code", "http.route",
    "http.scheme", "url.scheme",
})


def bounded_metric_views() -> list[View]:
    return [View(instrument_name="http.server.*", attribute_keys=set(HTTP_METRIC_ATTRIBUTES))]


@dataclass
class Telemetry:
    """The providers a service runs with; interceptors and instrumentations are given these."""

    service_name: str
    region: str
    resource: Resource
    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    # /metrics exposes this registry: OTel metrics plus anything registered with prometheus_client directly
    registry: CollectorRegistry
    otlp_endpoint: str | None = None
    _shut_down: bool = field(default=False, repr=False)

    def tracer(self, name: str = "aftercare") -> trace.Tracer:
        return self.tracer_provider.get_tracer(name)

    def meter(self, name: str = "aftercare") -> metrics.Meter:
        return self.meter_provider.get_meter(name)

    def flush(self, timeout_millis: int = 5_000) -> None:
        self.tracer_provider.force_flush(timeout_millis)
        self.meter_provider.force_flush(timeout_millis)

    def shutdown(self) -> None:
        """Flush pending spans and metrics to the exporters and release them; safe to call twice."""
        if self._shut_down:
            return
        self._shut_down = True
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


def use_w3c_propagation() -> None:
    """tracecontext carries the trace, baggage carries cross-service key/values (e.g. region)."""
    propagate.set_global_textmap(
        CompositePropagator([TraceContextTextMapPropagator(), W3CBaggagePropagator()])
    )


def service_resource(settings: ServiceSettings) -> Resource:
    return Resource.create(
        {
            "service.name": settings.service_name,
            "service.namespace": "aftercare",
            "service.instance.id": f"{socket.gethostname()}-{os.getpid()}",
            "cloud.region": settings.region,
            "aftercare.region": settings.region,
        }
    )


def setup_telemetry(
    settings: ServiceSettings,
    *,
    span_processors: Sequence[SpanProcessor] = (),
    metric_readers: Sequence[MetricReader] = (),
    registry: CollectorRegistry | None = None,
    set_global: bool = True,
) -> Telemetry:
    """Configure tracing and metrics for one service process.

    `set_global` installs the providers behind the OpenTelemetry API (what `trace.get_tracer` and
    `metrics.get_meter` use); OpenTelemetry allows that once per process, so tests pass False.
    """
    resource = service_resource(settings)
    use_w3c_propagation()

    tracer_provider = ExportAwareTracerProvider(resource=resource)  # records nothing until something exports
    for processor in span_processors:
        tracer_provider.add_span_processor(processor)

    target_registry = registry if registry is not None else REGISTRY
    readers: list[MetricReader] = [PrometheusMetricReader(registry=target_registry), *metric_readers]

    if settings.otlp_endpoint:
        # imported only when used: the OTLP exporters pull in the gRPC exporter stack
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        insecure = settings.otlp_endpoint.startswith("http://")
        tracer_provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.otlp_endpoint, insecure=insecure))
        )
        readers.append(
            PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=settings.otlp_endpoint, insecure=insecure))
        )

    meter_provider = MeterProvider(resource=resource, metric_readers=readers, views=bounded_metric_views())
    if set_global:
        trace.set_tracer_provider(tracer_provider)
        metrics.set_meter_provider(meter_provider)

    log.info(
        "telemetry configured",
        extra={"otlp_endpoint": settings.otlp_endpoint or "", "otlp_export": bool(settings.otlp_endpoint)},
    )
    return Telemetry(
        service_name=settings.service_name,
        region=settings.region,
        resource=resource,
        tracer_provider=tracer_provider,
        meter_provider=meter_provider,
        registry=target_registry,
        otlp_endpoint=settings.otlp_endpoint,
    )
