"""The notify service's configuration, read once from `AFTERCARE_*` variables."""

from __future__ import annotations

from aftercare_platform.settings import ServiceSettings
from pydantic import BaseModel, Field, model_validator


class StaffSeed(BaseModel):
    """A staff member of the configured directory, seeded at start (AFTERCARE_STAFF, JSON list)."""

    staff_id: str
    name: str = ""
    phone: str = ""
    email: str = ""
    language: str = "zh-CN"
    quiet_hours: str = ""
    time_zone: str = "Asia/Shanghai"
    supervisor_of_regions: list[str] = Field(default_factory=list)


class NotifySettings(ServiceSettings):
    service_name: str = "notify"
    http_port: int = 8005
    grpc_port: int = 50055
    # events taken at once: the consumer plans them in windows of up to prefetch / 4 (one transaction and one
    # pooled connection per window, four windows side by side); 8 made every event a transaction of its own,
    # which could not keep up with 50 events/s (bench/bench_notify.py)
    prefetch: int = Field(default=64, ge=1, le=10_000)

    # e-mail: "smtp", or "file" (development only: written to file_sink_dir)
    email_transport: str = Field(default="smtp", pattern="^(smtp|file)$")
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_security: str = Field(default="starttls", pattern="^(starttls|tls|none)$")
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_ca_file: str = ""
    mail_from: str = "Aftercare <noreply@aftercare.example>"
    mail_bounce_address: str = "bounces@aftercare.example"
    # intake's mailbox: a reply to a notification becomes a note on the case
    mail_reply_to: str = ""
    mail_domain: str = "aftercare.example"

    # SMS: the first provider and the fail-over ("aliyun", "twilio", "file" or "" for none)
    sms_primary: str = Field(default="", pattern="^(aliyun|twilio|file|)$")
    sms_secondary: str = Field(default="", pattern="^(aliyun|twilio|file|)$")
    aliyun_url: str = "https://dysmsapi.aliyuncs.com/"
    aliyun_access_key_id: str = ""
    aliyun_access_key_secret: str = ""
    aliyun_sign_name: str = "Aftercare"
    aliyun_template_code: str = "SMS_AFTERCARE_TEXT"
    # the shared token Aliyun-style receipt pushes must carry (Authorization: Bearer ...)
    aliyun_receipt_token: str = ""
    twilio_url: str = ""
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from: str = ""
    # the public URL of our Twilio-style receipt endpoint: both the StatusCallback and what its signature covers
    twilio_status_callback: str = ""
    webhook_secret: str = "aftercare-development-webhook-secret-change-me"
    file_sink_dir: str = ""
    # the file sink writes messages to disk instead of sending them: refused unless this is a development setup
    development: bool = False

    # storm control: [seconds, limit] windows per recipient, and the provider cap per template per number per day
    sms_windows: list[tuple[int, int]] = Field(default_factory=lambda: [(900, 5), (3600, 11)])
    email_windows: list[tuple[int, int]] = Field(default_factory=lambda: [(900, 20), (3600, 60)])
    sms_template_cap_per_day: int = Field(default=50, ge=1)
    sms_segment_budget: int = Field(default=2, ge=1, le=10)
    console_url: str = "https://console.aftercare.example/notifications"

    # the sender loop; false: this process only plans (records deliveries) and serves the API
    sender_enabled: bool = True
    sender_batch_size: int = Field(default=100, ge=1, le=5000)
    sender_poll_seconds: float = Field(default=0.5, gt=0, le=60)
    sender_concurrency: int = Field(default=16, ge=1, le=500)
    # attempts over which a transient failure is retried (backoff doubling up to retry_max_seconds)
    max_attempts: int = Field(default=12, ge=1)
    retry_base_seconds: float = Field(default=2.0, gt=0)
    retry_max_seconds: float = Field(default=300.0, gt=0)
    # in-process retries of one attempt (tenacity), before the delivery goes back to the database
    attempt_retries: int = Field(default=2, ge=1, le=10)
    # a delivery left `sending` this long (its sender died) is tried again, under the same key; it must outlast
    # the slowest live attempt (attempt_retries x the providers' 10 s timeouts), or a slow send is sent twice
    sending_lease_seconds: float = Field(default=60.0, gt=0)

    # the language a customer contact is told in when the event names none: their company's, else this
    default_language: str = Field(default="zh-CN", pattern="^(zh-CN|en)$")
    company_languages: dict[str, str] = Field(default_factory=dict)
    # where intake's registry is (contacts); empty: the caller named on the case only
    intake_grpc_target: str = ""
    # where dispatch is (the assignee, the region's supervisor on duty); empty: the staff table stands in
    # (development and tests that need no rosters)
    dispatch_grpc_target: str = "127.0.0.1:50054"
    # how often roles dispatch could not answer for are asked again (backoff per role up to a minute)
    role_retry_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    staff: list[StaffSeed] = Field(default_factory=list)

    @model_validator(mode="after")
    def _file_sink_only_in_development(self) -> NotifySettings:
        uses_file = "file" in (self.email_transport, self.sms_primary, self.sms_secondary)
        if uses_file and not self.development:
            raise ValueError("the file sink sends nothing: set AFTERCARE_DEVELOPMENT=true to use it")
        if uses_file and not self.file_sink_dir:
            raise ValueError("file_sink_dir is required with the file sink")
        return self
