"""The one queue sla-timer consumes: every case event, the dispatch events that run the on-site,
loaner and vendor-response clocks, and the contract events that say which policy a contract selects.
Each is read here into a typed value (the case snapshot, the contracts' policies) and handed to `SlaHandlers`."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from aftercare.cases.v1 import cases_pb2
from aftercare_platform.bus.consumer import EventSubscription
from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.contracts.case_snapshot import case_snapshot, is_about_a_case, snapshot_message
from aftercare_platform.contracts.event_types import message_class, parse_data
from aftercare_platform.db.unit_of_work import UnitOfWork

from sla_timer.adapters.proto_vocabulary import PRIORITIES
from sla_timer.domain.customer_terms import CustomerTerms
from sla_timer.domain.event_plan import CASE_CREATED, CASE_WORKAROUND, VENDOR_ENGAGED
from sla_timer.handlers import ContractPolicy, SlaHandlers

log = logging.getLogger(__name__)

QUEUE = "sla-timer.case-events"
BINDINGS = ["case.#", "visit.#", "rma.#", "loaner.#", "vendor.#", "contract.#"]
CONTRACT_EVENTS = "aftercare.contract."
ACTIVITY_RECORDED = "aftercare.case.activity_recorded.v1"


def contract_policies(event: CloudEvent) -> list[ContractPolicy]:
    """The policy each contract of a contract event selects."""
    message: Any = parse_data(event)
    # created/updated carry one `contract`, imported a `contracts` list
    contracts = list(message.contracts) if "contracts" in message.DESCRIPTOR.fields_by_name else [message.contract]
    occurred_at = message.occurred_at.ToDatetime(tzinfo=UTC) if message.HasField("occurred_at") else event.time
    return [ContractPolicy(contract.contract_id, contract.sla_policy, occurred_at)
            for contract in contracts if contract.contract_id and contract.sla_policy]


def clock_event_type(event: CloudEvent) -> str:
    """The event's type as the clock rules read it: an activity recorded as a workaround is its own event."""
    if event.type != ACTIVITY_RECORDED:
        return event.type
    message: Any = parse_data(event)
    return CASE_WORKAROUND if message.activity.kind == cases_pb2.ACTIVITY_KIND_WORKAROUND else event.type


def customer_terms(event: CloudEvent, message: Any | None = None) -> CustomerTerms | None:
    """What the customer stated when reporting (plan 003 §3): only the created event says it. `message`: the
    event's data parsed already (parsing is the costly part)."""
    if event.type != CASE_CREATED:
        return None
    message = parse_data(event) if message is None else message
    severity = PRIORITIES.optional(message.customer_severity, "data.customer_severity")
    asked = message.customer_requested_response
    return CustomerTerms(severity=severity, requested_response=asked.ToTimedelta() if asked.ByteSize() else None)


def vendor_promise(event: CloudEvent, message: Any | None = None) -> datetime | None:
    """When the original vendor promised to answer (vendor.engaged only; None when it did not say)."""
    if event.type != VENDOR_ENGAGED:
        return None
    message = parse_data(event) if message is None else message
    return message.promised_time.ToDatetime(tzinfo=UTC) if message.HasField("promised_time") else None


def subscriptions(handlers: SlaHandlers) -> list[EventSubscription]:
    async def on_event(event: CloudEvent, uow: UnitOfWork) -> None:
        if event.type.startswith(CONTRACT_EVENTS):
            if message_class(event.type) is None:
                log.info("skipping %s %s: a contract event this build does not know", event.type, event.id)
                return
            policies = contract_policies(event)
            if not policies:
                log.info("%s %s names no contract with an SLA policy; nothing to remember", event.type, event.id)
            await handlers.on_contract_policies(uow, policies)
        elif is_about_a_case(event.type):
            message = snapshot_message(event)  # parsed once for the snapshot, the terms and the promise
            await handlers.on_case_event(
                uow, clock_event_type(event), case_snapshot(event, message=message), customer_terms(event, message),
                promised_by=vendor_promise(event, message),
            )

    return [EventSubscription(QUEUE, BINDINGS, on_event)]
