"""The inspection service's configuration, read once from `AFTERCARE_*` variables."""

from __future__ import annotations

from aftercare_platform.settings import ServiceSettings


class InspectionSettings(ServiceSettings):
    # its line in deploy/services.tsv (a platform unit test holds them equal)
    service_name: str = "inspection"
    http_port: int = 8006
    grpc_port: int = 50056
    # findings and on-site inspection work become cases through intake (channel inspection)
    intake_grpc_target: str = "127.0.0.1:50051"
    # on-site inspections become field visits, watches duty rosters, in dispatch
    dispatch_grpc_target: str = "127.0.0.1:50054"
    # who intake answers about the cases inspection opens
    reporter_email: str = "inspection@aftercare.example.cn"
    # how often due notices, missed visits, report deadlines and owed calls are looked at
    tick_seconds: float = 5.0
    # how often every plan's horizon is topped up
    schedule_every_seconds: float = 3600.0
    delivery_max_backoff_seconds: float = 60.0
    gateway_timeout_seconds: float = 10.0
    gateway_reconnect_max_seconds: float = 5.0
