"""The dispatch service's configuration, read once from `AFTERCARE_*` variables."""

from __future__ import annotations

from aftercare_platform.settings import ServiceSettings
from pydantic import Field


class DispatchSettings(ServiceSettings):
    service_name: str = "dispatch"
    http_port: int = 8004
    grpc_port: int = 50054
    # where dispatch assigns, reassigns and escalates (aftercare.cases.v1.CaseService)
    cases_grpc_target: str = "127.0.0.1:50052"
    cases_call_timeout_seconds: float = Field(default=10.0, gt=0)
    cases_reconnect_max_seconds: float = Field(default=2.0, gt=0)
    # the day `assigned today` counts in (fairness over the day), when a region names no zone
    default_time_zone: str = "Asia/Shanghai"
    # how often the loaner sweep looks for reminders and 3-month transfers that came due
    loaner_sweep_seconds: float = Field(default=60.0, gt=0)
