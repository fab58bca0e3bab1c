"""The survey service's configuration, read once from `AFTERCARE_*` variables."""

from __future__ import annotations

from pathlib import Path

from aftercare_platform.settings import ServiceSettings
from pydantic import Field


class SurveySettings(ServiceSettings):
    # its line in deploy/services.tsv (a platform unit test holds them equal)
    service_name: str = "survey"
    http_port: int = 8007
    grpc_port: int = 50057
    cases_grpc_target: str = "127.0.0.1:50052"
    cases_timeout_seconds: float = Field(default=5.0, gt=0)
    cases_reconnect_max_seconds: float = Field(default=5.0, gt=0)
    # intake's registry: every customer contact, for the half-yearly campaign; empty: the contacts surveys found
    intake_grpc_target: str = "127.0.0.1:50051"
    # how long after the close the invitation goes out (a reopen before then cancels it)
    invitation_delay_seconds: float = Field(default=3600.0, ge=0)
    # a company whose invitations wait another time than the default, e.g. {"<company id>": 86400}
    company_invitation_delay_seconds: dict[str, float] = Field(default_factory=dict)
    link_lifetime_days: float = Field(default=14.0, gt=0)
    # signs the links; set a long random value in production (AFTERCARE_SURVEY_LINK_SECRET)
    survey_link_secret: str = "aftercare-survey-development-secret-change-me"
    # where customers reach this service's pages: the link is <public_base_url>/s/<token>
    public_base_url: str = "http://127.0.0.1:8007"
    default_language: str = Field(default="zh-CN", pattern=r"^(zh-CN|en)$")
    # a company whose contacts read another language than the default, e.g. {"<company id>": "en"}
    company_languages: dict[str, str] = Field(default_factory=dict)
    # a YAML file of further questionnaires ({"questionnaires": [...]}): a company's own, newer versions
    questionnaires_file: Path | None = None
    # overall rating at or below this is unsatisfied
    unsatisfied_threshold: int = Field(default=2, ge=1, le=4)
    repeat_interval_days: float = Field(default=30.0, ge=0)
    sampling: float = Field(default=1.0, ge=0, le=1)
    # per-company share of surveyed cases, e.g. {"<company id>": 0.5}
    company_sampling: dict[str, float] = Field(default_factory=dict)
    # a half-yearly campaign sends its link again to those who have not answered after this long
    campaign_reminder_days: float = Field(default=14.0, gt=0)
    # the background worker: how often it looks for due invitations and calls, and its lease
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    worker_lease_seconds: float = Field(default=60.0, gt=0)
    worker_max_backoff_seconds: float = Field(default=300.0, gt=0)
