"""The intake service's configuration, read once from `AFTERCARE_*` variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from aftercare_platform.settings import ServiceSettings
from pydantic import Field, model_validator


class IntakeSettings(ServiceSettings):
    service_name: str = "intake"
    http_port: int = 8001
    grpc_port: int = 50051
    # the CSV import takes up to 4 × max_request_bytes; SubmitCase carries attachments
    http_max_body_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    grpc_max_message_bytes: int = Field(default=32 * 1024 * 1024, ge=64 * 1024)

    # where intake hands reports over (aftercare.cases.v1.CaseService)
    cases_grpc_target: str = "127.0.0.1:50052"
    cases_call_timeout_seconds: float = Field(default=10.0, gt=0)
    # the gRPC channel's reconnect backoff cap: how soon a restarted cases is noticed
    cases_reconnect_max_seconds: float = Field(default=2.0, gt=0)
    # CreateCases calls out at once: creations that arrive meanwhile wait and go together in the next
    cases_creation_calls: int = Field(default=1, ge=1, le=64)

    # the inbound SMTP listener (the support address's MX points here); port 0 disables it
    smtp_host: str = "0.0.0.0"
    smtp_port: int = Field(default=2525, ge=0, le=65535)
    smtp_max_message_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)

    # attachments: "filesystem" (attachment_dir, one node) or "s3" (an S3-compatible object store)
    attachment_storage: Literal["filesystem", "s3"] = "filesystem"
    attachment_dir: Path = Path("var/intake/attachments")
    attachment_s3_bucket: str = ""
    attachment_s3_endpoint_url: str = ""  # empty: AWS itself; MinIO / Ceph: their URL
    attachment_s3_region: str = ""
    attachment_s3_prefix: str = "attachments/"
    # empty: boto3's own chain (the pod's IAM role / web identity); else from a Secret
    attachment_s3_access_key: str = ""
    attachment_s3_secret_key: str = ""
    max_attachment_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    max_attachments: int = Field(default=20, ge=0)

    # the public web form: per client IP, a bucket of `web_form_burst` refilled at `web_form_per_minute`
    web_form_per_minute: float = Field(default=10.0, gt=0)
    web_form_burst: int = Field(default=5, ge=1)
    # addresses or CIDRs (comma-separated) of the front ends that post the web form for their signed-in users
    # (the console): their X-Aftercare-End-Client names the user the limit counts; anyone else's is ignored
    web_form_trusted_clients: str = ""
    # request bodies larger than this are refused with 413 before they are read (web form, SMS, agent entry)
    max_request_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    web_form_max_request_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    # SMS gateways must send it as `X-Webhook-Token` (or `?token=`); without it every callback is refused
    sms_webhook_token: str = ""
    # development only: accept SMS callbacks without a token
    sms_webhook_unverified: bool = False

    # delivery to cases: durable, retried with exponential backoff up to this cap
    delivery_concurrency: int = Field(default=16, ge=1, le=512)
    delivery_initial_backoff_seconds: float = Field(default=0.5, gt=0)
    delivery_max_backoff_seconds: float = Field(default=30.0, gt=0)
    delivery_poll_seconds: float = Field(default=1.0, gt=0)
    # a synchronous channel waits this long for the first delivery, to answer with the case number
    submit_wait_seconds: float = Field(default=5.0, ge=0)
    # a repeated alarm goes onto its case this long after it came, with the repeats that came meanwhile: one note
    # for a storm's repeats every few seconds, not one for each (domain.note_batches)
    alarm_fold_seconds: float = Field(default=5.0, ge=0, le=300)

    # duplicates: same asset and symptom within this many hours is noted on the open case
    duplicate_window_hours: float = Field(default=24.0, gt=0)

    @model_validator(mode="after")
    def _object_storage_names_its_bucket(self) -> Self:
        if self.attachment_storage == "s3" and not self.attachment_s3_bucket.strip():
            raise ValueError("AFTERCARE_ATTACHMENT_STORAGE=s3 needs AFTERCARE_ATTACHMENT_S3_BUCKET")
        return self

    @model_validator(mode="after")
    def _sms_webhook_is_verified_outside_development(self) -> Self:
        if self.is_development:
            return self
        if self.sms_webhook_unverified:
            raise ValueError("AFTERCARE_SMS_WEBHOOK_UNVERIFIED is a development setting only")
        if len(self.sms_webhook_token) < 32:
            raise ValueError("outside development AFTERCARE_SMS_WEBHOOK_TOKEN must be set (at least 32 characters)")
        return self
