"""Delivery backoff and the web form's per-client token bucket."""

from __future__ import annotations

from datetime import timedelta

from aftercare_platform.clock import FakeClock
from hypothesis import given
from hypothesis import strategies as st
from intake.adapters.rate_limit import RateLimiter
from intake.domain.delivery_backoff import retry_delay


def test_backoff_doubles_then_stays_at_the_cap() -> None:
    delays = [retry_delay(n, initial=0.5, cap=30) for n in range(1, 10)]
    assert delays == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]
    assert retry_delay(0, initial=0.5, cap=30) == 0


@given(st.integers(min_value=1, max_value=10_000), st.floats(min_value=0, max_value=1))
def test_backoff_with_jitter_never_exceeds_the_cap_nor_reaches_zero(attempts: int, jitter: float) -> None:
    delay = retry_delay(attempts, initial=0.5, cap=30, jitter=jitter)
    assert 0.25 <= delay <= 30


def test_a_client_gets_its_burst_then_waits_for_the_refill() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, per_minute=6, burst=2)
    assert [limiter.allow_now("10.0.0.1")[0] for _ in range(3)] == [True, True, False]
    assert limiter.allow_now("10.0.0.2")[0]  # another client has its own bucket
    allowed, wait = limiter.allow_now("10.0.0.1")
    assert not allowed and 9 < wait <= 10
    clock.advance(timedelta(seconds=10))
    assert limiter.allow_now("10.0.0.1")[0]


def test_the_limiter_forgets_the_oldest_clients_beyond_its_bound() -> None:
    limiter = RateLimiter(FakeClock(), per_minute=1, burst=1, max_clients=2)
    for client in ("a", "b", "c"):
        assert limiter.allow_now(client)[0]
    assert limiter.allow_now("a")[0]  # forgotten, so a fresh bucket


def test_outside_development_the_sms_webhook_must_be_verified() -> None:
    import pytest
    from intake.settings import IntakeSettings
    from pydantic import ValidationError

    secrets = {"environment": "production", "jwt_secret": "j" * 40, "page_token_secret": "p" * 40}
    with pytest.raises(ValidationError, match="SMS_WEBHOOK_TOKEN"):
        IntakeSettings(**secrets)
    with pytest.raises(ValidationError, match="development setting only"):
        IntakeSettings(**secrets, sms_webhook_token="t" * 40, sms_webhook_unverified=True)
    assert IntakeSettings(**secrets, sms_webhook_token="t" * 40).sms_webhook_token
