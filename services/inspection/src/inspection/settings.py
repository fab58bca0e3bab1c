"""The inspection service's configuration, read once from `AFTERCARE_*` variables."""

from __future__ import annotations

from aftercare_platform.settings import ServiceSettings


class InspectionSettings(ServiceSettings):
    # its line in deploy/services.tsv (a platform unit test holds them equal)
    service_name: str = "inspection"
    http_port: int = 8006
    grpc_port: int = 50056
