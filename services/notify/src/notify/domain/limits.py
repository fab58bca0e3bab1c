"""Storm control: per-recipient limits over several windows, and the providers' own caps.

Pure arithmetic over what was already sent: given the sends to one recipient on one channel, when may
the next one go? `None` means now. Urgent messages (P1, breaches) skip the recipient's own windows but
never a provider cap: the provider would refuse them anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from notify.domain.vocabulary import Channel


@dataclass(frozen=True)
class Window:
    span: timedelta
    limit: int


@dataclass(frozen=True)
class ProviderCap:
    """E.g. Aliyun: 50 messages per template per number per 24 h."""

    span: timedelta = timedelta(hours=24)
    limit: int = 50


@dataclass(frozen=True)
class SentRecord:
    at: datetime
    template: str


def _default_windows() -> dict[Channel, tuple[Window, ...]]:
    return {
        Channel.SMS: (Window(timedelta(minutes=15), 5), Window(timedelta(hours=1), 11)),
        Channel.EMAIL: (Window(timedelta(minutes=15), 20), Window(timedelta(hours=1), 60)),
    }


@dataclass(frozen=True)
class LimitPolicy:
    windows: dict[Channel, tuple[Window, ...]] = field(default_factory=_default_windows)
    provider_caps: dict[Channel, ProviderCap] = field(default_factory=lambda: {Channel.SMS: ProviderCap()})


def _free_at(times: Sequence[datetime], span: timedelta, limit: int, now: datetime) -> datetime | None:
    """When a window of `span` holding at most `limit` sends has room again; None when it has room now."""
    recent = sorted(t for t in times if now - span < t <= now)
    if len(recent) < limit:
        return None
    # the send that must leave the window before another fits
    return recent[len(recent) - limit] + span


def next_allowed(
    policy: LimitPolicy,
    channel: Channel,
    history: Sequence[SentRecord],
    template: str,
    now: datetime,
    *,
    urgent: bool = False,
) -> datetime | None:
    """The earliest time the next message may go (None: now)."""
    blocked: list[datetime] = []
    if not urgent:
        times = [r.at for r in history]
        for window in policy.windows.get(channel, ()):
            if (at := _free_at(times, window.span, window.limit, now)) is not None:
                blocked.append(at)
    cap = policy.provider_caps.get(channel)
    if cap is not None:
        same_template = [r.at for r in history if r.template == template]
        if (at := _free_at(same_template, cap.span, cap.limit, now)) is not None:
            blocked.append(at)
    return max(blocked) if blocked else None


def longest_span(policy: LimitPolicy, channel: Channel) -> timedelta:
    """How far back the history must reach to decide."""
    spans = [w.span for w in policy.windows.get(channel, ())]
    if (cap := policy.provider_caps.get(channel)) is not None:
        spans.append(cap.span)
    return max(spans, default=timedelta(0))
