"""Registry records, receipts and actors ↔ aftercare.intake.v1 messages (and plain dicts for HTTP)."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime
from typing import Any

from aftercare.cases.v1 import cases_pb2
from aftercare.common.v1 import common_pb2
from aftercare.intake.v1 import intake_pb2 as pb
from aftercare_platform.auth.principal import Principal
from aftercare_platform.contracts import EnumMap
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from intake.domain.registry import Asset, Company, Contact, Contract, Site
from intake.domain.vocabulary import CaseKind, Category, Channel, Priority, StatedSeverity
from intake.parsing.csv_import import ImportKind

Record = Company | Contact | Contract | Site | Asset

# intake's vocabularies <-> their proto enums (the domain values are the wire's short forms)
CHANNELS = EnumMap(pb.IntakeChannel, Channel)
CATEGORIES = EnumMap(cases_pb2.Category, Category)
KINDS = EnumMap(cases_pb2.CaseKind, CaseKind)
SEVERITIES = EnumMap(pb.StatedSeverity, StatedSeverity)
PRIORITIES = EnumMap(cases_pb2.Priority, Priority)
REGISTRY_KINDS = EnumMap(pb.RegistryKind, ImportKind)
# vocabularies intake keeps as text: the short forms of these proto enums
RECEIPT_STATES = EnumMap.words(pb.ReceiptState)
RECEIPT_OUTCOMES = EnumMap.words(pb.ReceiptOutcome)
CASE_CHANNELS = EnumMap.words(cases_pb2.Channel)
ENTITLEMENTS = EnumMap.words(cases_pb2.Entitlement)
ACTOR_ROLES = EnumMap.words(common_pb2.ActorRole)

MESSAGE_OF: dict[ImportKind, type[Message]] = {
    ImportKind.COMPANIES: pb.Company,
    ImportKind.CONTACTS: pb.Contact,
    ImportKind.CONTRACTS: pb.Contract,
    ImportKind.SITES: pb.Site,
    ImportKind.ASSETS: pb.Asset,
}
KIND_OF_RECORD: dict[type, ImportKind] = {Company: ImportKind.COMPANIES, Contact: ImportKind.CONTACTS,
                                          Contract: ImportKind.CONTRACTS, Site: ImportKind.SITES,
                                          Asset: ImportKind.ASSETS}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def record_values(record: Record) -> dict[str, str]:
    """A record as text fields, named as its message and its CSV columns are."""
    return {field.name: _text(getattr(record, field.name)) for field in fields(record)}


def record_message(record: Record) -> Any:
    message = MESSAGE_OF[KIND_OF_RECORD[type(record)]]()
    for name, value in record_values(record).items():
        if name == "warranty_months":
            setattr(message, name, int(value or 0))
        else:
            setattr(message, name, value)
    return message


def message_values(message: Message) -> dict[str, str | None]:
    """A registry message's fields as the text a CSV cell would hold (empty → None)."""
    values: dict[str, str | None] = {}
    for descriptor in message.DESCRIPTOR.fields:
        value = getattr(message, descriptor.name)
        values[descriptor.name] = str(value) if value not in ("", 0) else None
    return values


def timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def actor_message(principal: Principal | None) -> common_pb2.Actor:
    if principal is None:
        return common_pb2.Actor(subject_id="anonymous", role=common_pb2.ACTOR_ROLE_UNSPECIFIED)
    return common_pb2.Actor(
        subject_id=principal.subject, role=ACTOR_ROLES.number(principal.role.value),  # type: ignore[arg-type]
        company_id=principal.company_id or "", display_name=principal.name)


