"""Configuration from the environment: every service subclasses ServiceSettings."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "AFTERCARE_"
MIN_SECRET_CHARS = 32


class ServiceSettings(BaseSettings):
    """What every Aftercare service reads from `AFTERCARE_*` variables."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    service_name: str = "aftercare"
    # "production" refuses to start with a built-in secret (every `*_secret` setting); Kubernetes sets it
    environment: Literal["development", "production"] = "development"
    region: str = Field(default="east", pattern=r"^[a-z][a-z0-9-]{1,31}$")
    # postgresql+asyncpg://… for PostgreSQL, sqlite+aiosqlite:///… for embedded mode
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/aftercare"
    # PostgreSQL connections one process keeps and uses at most: replicas × services × this must fit the
    # server's max_connections
    database_pool_size: int = Field(default=20, ge=1, le=500)
    # empty selects the in-process bus (embedded mode)
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    http_host: str = "0.0.0.0"
    http_port: int = 8000
    # the largest request body any endpoint takes; past it the answer is 413 before more is read
    http_max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # addresses (or CIDRs, comma-separated) of the reverse proxies whose X-Forwarded-For is believed;
    # empty: none, the client is the TCP peer
    http_trusted_proxies: str = ""
    grpc_host: str = "0.0.0.0"
    grpc_port: int = 50050
    # explicit limits on what one gRPC message may carry, both ways
    grpc_max_message_bytes: int = Field(default=4 * 1024 * 1024, ge=64 * 1024)
    # deliveries a consumer holds unacked: the windows it handles in one transaction come out of these
    prefetch: int = Field(default=128, ge=1, le=10_000)
    # while other windows run, how long a window waits to fill: one transaction per few events is the ceiling
    consumer_window_linger_seconds: float = Field(default=0.05, ge=0, le=1)
    delivery_limit: int = Field(default=5, ge=1)
    handler_retries: int = Field(default=3, ge=1)
    # rows a relay publishes per partition pass, pipelined: bigger batches amortise the confirm round trip
    relay_batch_size: int = Field(default=1000, ge=1)
    relay_partitions: int = Field(default=16, ge=1, le=1024)
    # false: this process leaves its outbox to a relay of its own (`aftercare relay <service>`, a sidecar),
    # so publishing never takes the GIL from a busy service (sla-timer's firing loop)
    relay_in_process: bool = True
    jwt_secret: str = "aftercare-development-secret-change-me"
    # signs List/Search page tokens (aftercare_platform.paging), so a client cannot forge or edit one
    page_token_secret: str = "aftercare-development-page-tokens-change-me"
    jwt_issuer: str = "aftercare"
    jwt_audience: str = "aftercare"
    jwks_url: str | None = None
    otlp_endpoint: str | None = None
    log_level: str = "INFO"
    log_json: bool = True
    shutdown_grace_seconds: float = 10.0
    # dev and `make run` migrate at start; Kubernetes runs `python -m <service> migrate` in an init container
    migrate_on_start: bool = True
    # how long to stay up but not-ready after SIGTERM so load balancers stop sending work
    drain_seconds: float = 0.0
    # the event loop a service process runs on: uvloop (libuv) spends less CPU a request than asyncio's own
    event_loop: Literal["uvloop", "asyncio"] = "uvloop"

    @property
    def is_development(self) -> bool:
        return self.environment == "development"

    @model_validator(mode="after")
    def _no_built_in_secrets_outside_development(self) -> Self:
        if self.is_development:
            return self
        weak = [name for name, field in type(self).model_fields.items()
                if name.endswith("_secret") and not (name == "jwt_secret" and self.jwks_url)
                and (getattr(self, name) == field.default or len(str(getattr(self, name))) < MIN_SECRET_CHARS)]
        if weak:
            names = ", ".join(ENV_PREFIX + name.upper() for name in weak)
            raise ValueError(f"outside development every secret must be set (at least {MIN_SECRET_CHARS} "
                             f"characters, not the built-in one): {names}")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def uses_in_process_bus(self) -> bool:
        return not self.amqp_url
