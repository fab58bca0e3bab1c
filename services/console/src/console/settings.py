"""The console's configuration, read once from `AFTERCARE_*` variables."""

from __future__ import annotations

from aftercare_platform.settings import ServiceSettings
from pydantic import Field


class ConsoleSettings(ServiceSettings):
    # its line in deploy/services.tsv (a platform unit test holds them equal)
    service_name: str = "console"
    http_port: int = 8008
    grpc_port: int = 50058
    # the services the pages call, always with the signed-in user's own token
    cases_grpc_target: str = "127.0.0.1:50052"
    intake_grpc_target: str = "127.0.0.1:50051"
    sla_grpc_target: str = "127.0.0.1:50053"
    dispatch_grpc_target: str = "127.0.0.1:50054"
    # the satisfaction figures of the reports page
    survey_grpc_target: str = "127.0.0.1:50057"
    # customers report through intake's web form (intake takes no report from a customer token over gRPC)
    intake_http_url: str = "http://127.0.0.1:8001"
    call_timeout_seconds: float = Field(default=10.0, gt=0)
    # signs the CSRF tokens; set it in production (a `_secret` is refused at its default there)
    session_secret: str = "development-console-session-secret"
    # the session cookie: HTTP-only always; Secure unless told otherwise (a plain-HTTP dev box)
    cookie_secure: bool = True
    session_ttl_seconds: int = Field(default=8 * 3600, gt=60)
    # the development login page that mints tokens for the demo users; never in production
    dev_login: bool = True
    # OpenID Connect (authorization code + PKCE) against the platform's identity provider
    oidc_issuer_url: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    # where the browser reaches the console (the redirect URI is built from it)
    public_url: str = "http://localhost:8008"
    # how often the queue page re-reads when no notification came (a lost NOTIFY is healed)
    queue_refresh_seconds: float = Field(default=15.0, gt=0)
    # how often a replica renews the presence of its open case pages; three missed renewals and it is gone
    presence_heartbeat_seconds: float = Field(default=10.0, gt=0)
