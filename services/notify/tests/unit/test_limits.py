from datetime import timedelta

from notify.domain.limits import LimitPolicy, ProviderCap, SentRecord, Window, next_allowed
from notify.domain.vocabulary import Channel


def sent(t0, *minutes: float, template: str = "sla.warning"):
    return [SentRecord(t0 + timedelta(minutes=m), template) for m in minutes]


def test_five_sms_in_fifteen_minutes_then_the_sixth_waits_for_the_first_to_leave(t0) -> None:
    history = sent(t0, 0, 1, 2, 3, 4)
    now = t0 + timedelta(minutes=5)
    assert next_allowed(LimitPolicy(), Channel.SMS, history[:4], "sla.warning", now) is None
    assert next_allowed(LimitPolicy(), Channel.SMS, history, "sla.warning", now) == t0 + timedelta(minutes=15)


def test_the_hourly_window_binds_after_eleven(t0) -> None:
    # 11 sends spread so the 15-minute window always has room
    history = sent(t0, 0, 5, 10, 16, 21, 26, 32, 37, 42, 48, 53)
    now = t0 + timedelta(minutes=59)
    assert next_allowed(LimitPolicy(), Channel.SMS, history, "x", now) == t0 + timedelta(hours=1)


def test_urgent_skips_recipient_windows_but_not_the_provider_cap(t0) -> None:
    policy = LimitPolicy(provider_caps={Channel.SMS: ProviderCap(timedelta(hours=24), 3)})
    history = sent(t0, 0, 1, 2, template="sla.breached")
    now = t0 + timedelta(minutes=3)
    assert next_allowed(policy, Channel.SMS, history, "sla.breached", now, urgent=True) == t0 + timedelta(hours=24)
    # another template is not capped, and urgent skips the 5/15 min window
    assert next_allowed(policy, Channel.SMS, sent(t0, 0, 1, 2, 2.5, 2.7), "case.assigned", now, urgent=True) is None


def test_the_provider_cap_is_fifty_per_template_per_day_by_default(t0) -> None:
    policy = LimitPolicy(windows={})
    history = [SentRecord(t0 + timedelta(minutes=i), "t") for i in range(50)]
    now = t0 + timedelta(hours=2)
    assert next_allowed(policy, Channel.SMS, history, "t", now) == t0 + timedelta(hours=24)
    assert next_allowed(policy, Channel.SMS, history[:49], "t", now) is None


def test_channel_without_windows_is_never_limited(t0) -> None:
    policy = LimitPolicy(windows={Channel.SMS: (Window(timedelta(seconds=1), 1),)})
    assert next_allowed(policy, Channel.WEBHOOK, sent(t0, 0, 0, 0), "x", t0) is None
