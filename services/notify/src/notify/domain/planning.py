"""From a notice, its targets and the resolved recipients to the deliveries to record (before any send)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from notify.domain.guard import may_receive
from notify.domain.keys import delivery_key
from notify.domain.notice import Notice
from notify.domain.quiet_hours import release_time
from notify.domain.recipients import Recipient
from notify.domain.rules import Targets
from notify.domain.vocabulary import Channel, DeliveryState, Role


@dataclass(frozen=True)
class PlannedDelivery:
    delivery_id: str  # = the idempotency key of (event, recipient, channel)
    notice: Notice
    recipient: Recipient
    role: Role | None  # None for a company's extra recipient
    channel: Channel
    address: str
    state: DeliveryState
    not_before: datetime
    hold_reason: str = ""
    failure: str = ""


@dataclass(frozen=True)
class Refusal:
    """A recipient the company check kept out (logged and counted, never sent)."""

    recipient: Recipient
    channel: Channel
    reason: str


@dataclass(frozen=True)
class Plan:
    deliveries: tuple[PlannedDelivery, ...]
    refused: tuple[Refusal, ...]


def plan_deliveries(
    notice: Notice,
    targets: Targets,
    recipients: Mapping[Role, Sequence[Recipient]],
    extras: Sequence[Recipient],
    now: datetime,
) -> Plan:
    planned: dict[str, PlannedDelivery] = {}
    refused: list[Refusal] = []
    pairs: list[tuple[Role | None, Recipient, Channel]] = [
        (t.role, r, t.channel) for t in targets.by_role for r in recipients.get(t.role, ())
    ]
    pairs += [(None, r, Channel(_channel_of(r))) for r in extras]
    for role, recipient, channel in pairs:
        if not may_receive(recipient.addressee, notice.company_id):
            refused.append(Refusal(recipient, channel, "recipient belongs to another company"))
            continue
        key = delivery_key(notice.event_id, recipient.recipient_id, channel)
        if key in planned:  # one person in two roles hears it once per channel
            continue
        address = recipient.address(channel)
        state, not_before, hold, failure = DeliveryState.PENDING, now, "", ""
        if not address:
            state, failure = DeliveryState.FAILED, f"recipient has no {channel} address"
        elif (release := release_time(recipient.quiet_hours, now, urgent=notice.urgent)) is not None:
            state, not_before, hold = DeliveryState.HELD, release, "quiet_hours"
        planned[key] = PlannedDelivery(key, notice, recipient, role, channel, address, state, not_before, hold, failure)
    return Plan(tuple(planned.values()), tuple(refused))


def _channel_of(recipient: Recipient) -> Channel:
    """An extra recipient has exactly one address."""
    if recipient.webhook_url:
        return Channel.WEBHOOK
    return Channel.EMAIL if recipient.email else Channel.SMS
