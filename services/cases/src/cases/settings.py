"""The cases service's configuration, read once from `AFTERCARE_*` variables."""

from __future__ import annotations

from aftercare_platform.settings import ServiceSettings
from pydantic import Field


class CasesSettings(ServiceSettings):
    service_name: str = "cases"
    http_port: int = 8002
    grpc_port: int = 50052
    # region -> IANA zone a case number is dated in; regions not named here use Asia/Shanghai
    region_time_zones: dict[str, str] = Field(default_factory=dict)
    # WatchCase re-reads the timeline at least this often, even without a notification
    watch_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    # a customer's reply or reopen request within this many days of closing reopens the case; after it a
    # new case is opened, linked to the old one. These two are the fallback: the case's SLA policy decides
    # once sla-timer has announced it (aftercare.sla.policy_applied.v1)
    reopen_window_days: int = Field(default=14, ge=0, le=3650)
    # a customer's reply (a note, an e-mail) ends "waiting for customer" and resumes the paused clocks
    customer_reply_resumes: bool = True
