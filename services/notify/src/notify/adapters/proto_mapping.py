"""Rows and domain values as NotifyService messages, and requests back into domain values."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aftercare.notify.v1 import notify_pb2 as pb
from aftercare_platform.contracts import EnumMap
from aftercare_platform.errors import InvalidArgument
from google.protobuf.timestamp_pb2 import Timestamp

from notify.domain.rules import CompanyOverride, ExtraRecipient, Rule
from notify.domain.vocabulary import Channel, DeliveryState, Role
from notify.settings import StaffSeed
from notify.templating import MessageTemplate, TemplateKey

# the one conversion between notify's words and its proto enums (DELIVERY_CHANNEL_SMS <-> sms)
CHANNELS = EnumMap(pb.DeliveryChannel, Channel)
STATES = EnumMap(pb.DeliveryState, DeliveryState)


def channel_number(channel: Channel | str) -> pb.DeliveryChannel.ValueType:
    return pb.DeliveryChannel.ValueType(CHANNELS.number(channel))


def state_number(state: DeliveryState | str) -> pb.DeliveryState.ValueType:
    return pb.DeliveryState.ValueType(STATES.number(state))


def timestamp(at: datetime | None) -> Timestamp | None:
    if at is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(at)
    return stamp


def delivery_message(row: Any, found_receipts: list[Any] = ()) -> pb.Delivery:  # type: ignore[assignment]
    return pb.Delivery(
        delivery_id=row.id, event_id=row.event_id, event_type=row.event_type, case_id=row.case_id,
        case_number=row.case_number, company_id=row.company_id, region=row.region, recipient_id=row.recipient_id,
        recipient_name=row.recipient_name, role=row.role, channel=channel_number(row.channel), address=row.address,
        state=state_number(row.state), language=row.language, template=row.template,
        template_version=row.template_version, subject=row.subject, text=row.text, sms_segments=row.sms_segments,
        provider=row.provider, provider_message_id=row.provider_message_id, attempts=row.attempts,
        last_error=row.last_error, hold_reason=row.hold_reason, digest_id=row.digest_id or "",
        created_time=timestamp(row.created_at), not_before=timestamp(row.not_before), sent_time=timestamp(row.sent_at),
        delivered_time=timestamp(row.delivered_at),
        receipts=[pb.Receipt(provider=r.provider, status=r.status, received_at=timestamp(r.received_at),
                             detail=r.detail) for r in found_receipts],
    )


def template_key(event_type: str, channel: int, language: str, prefix: str = "") -> TemplateKey:
    if not event_type:
        raise InvalidArgument.for_field(f"{prefix}event_type", "is required")
    return TemplateKey(event_type, CHANNELS.member(channel, f"{prefix}channel"), language or "zh-CN")


def template_from(message: pb.Template, prefix: str = "template.") -> MessageTemplate:
    key = template_key(message.event_type, message.channel, message.language, prefix)
    return MessageTemplate(key, message.version, message.body, message.subject, message.html)


def template_message(t: MessageTemplate) -> pb.Template:
    return pb.Template(event_type=t.key.event_type, channel=channel_number(t.key.channel), language=t.key.language,
                       version=t.version, subject=t.subject, body=t.body, html=t.html)


def rule_message(rule: Rule) -> pb.Rule:
    return pb.Rule(event_type=rule.event_type, roles=[str(r) for r in rule.roles],
                   channels=[channel_number(c) for c in rule.channels])


def _role(word: str, field: str) -> Role:
    try:
        return Role(word)
    except ValueError:
        raise InvalidArgument.for_field(field, f"{word!r} is not one of {', '.join(r.value for r in Role)}") from None


def override_from(m: pb.CompanyOverride) -> CompanyOverride:
    return CompanyOverride(
        m.company_id, m.event_type or "*", m.enabled,
        tuple(CHANNELS.member(c, f"override.channels[{i}]") for i, c in enumerate(m.channels)) or None,
        tuple(_role(r, f"override.extra_roles[{i}]") for i, r in enumerate(m.extra_roles)),
        tuple(ExtraRecipient(x.name, CHANNELS.member(x.channel, f"override.extra_recipients[{i}].channel"), x.address,
                             x.language or "zh-CN") for i, x in enumerate(m.extra_recipients)),
    )


def override_message(o: CompanyOverride) -> pb.CompanyOverride:
    return pb.CompanyOverride(
        company_id=o.company_id, event_type=o.event_type, enabled=o.enabled,
        channels=[channel_number(c) for c in o.channels or ()], extra_roles=[str(r) for r in o.extra_roles],
        extra_recipients=[pb.ExtraRecipient(name=x.name, channel=channel_number(x.channel), address=x.address,
                                            language=x.language) for x in o.extra_recipients])


def staff_from(m: pb.StaffMember) -> StaffSeed:
    return StaffSeed(staff_id=m.staff_id, name=m.name, phone=m.phone, email=m.email, language=m.language or "zh-CN",
                     quiet_hours=m.quiet_hours, time_zone=m.time_zone or "Asia/Shanghai",
                     supervisor_of_regions=list(m.supervisor_of_regions))


def staff_message(s: StaffSeed) -> pb.StaffMember:
    return pb.StaffMember(staff_id=s.staff_id, name=s.name, phone=s.phone, email=s.email, language=s.language,
                          quiet_hours=s.quiet_hours, time_zone=s.time_zone,
                          supervisor_of_regions=s.supervisor_of_regions)
