"""The probe's settings: its name and default ports (it has no line in deploy/services.tsv: never deployed)."""

from __future__ import annotations

from aftercare_platform.settings import ServiceSettings


class ProbeSettings(ServiceSettings):
    service_name: str = "probe"
    http_port: int = 8099
    grpc_port: int = 50099
