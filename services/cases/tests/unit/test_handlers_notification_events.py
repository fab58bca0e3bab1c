"""cases' consumer of notify's outcomes, on SQLite: who was told what and when is one internal timeline entry
per event however often delivered; the customer never sees it; a digest or a notification about no case of
ours is skipped, not parked."""

from __future__ import annotations

import uuid

from aftercare.notify.v1 import events_pb2, notify_pb2
from aftercare_platform.bus.envelope import payload_to_dict
from cases.domain.references import CaseRef
from cases.domain.vocabulary import Visibility
from cases.entrypoints.notification_events import notification_events
from google.protobuf.timestamp_pb2 import Timestamp

from .conftest import CasesBench, new_case_report


def sent(bench: CasesBench, case_id: str, **fields: object):
    stamp = Timestamp(seconds=1_795_000_000)
    message = events_pb2.NotificationSent(
        delivery_id="d-1", event_id="evt-breach", event_type="sla.breached", case_id=case_id, case_number="EA-1",
        company_id="company-a", region="east", recipient_id="staff:sup-1", role="supervisor",
        channel=notify_pb2.DELIVERY_CHANNEL_SMS, provider="aliyun", occurred_at=stamp, **fields)
    return bench.bench.event("aftercare.notification.sent.v1", subject=case_id, data=payload_to_dict(message),
                             source="/services/notify")


def failed(bench: CasesBench, case_id: str):
    message = events_pb2.NotificationFailed(
        delivery_id="d-2", event_id="evt-created", event_type="case.created", case_id=case_id, case_number="EA-1",
        recipient_id="caller:x", role="customer_contact", channel=notify_pb2.DELIVERY_CHANNEL_EMAIL,
        error="550 no such user", attempts=1)
    return bench.bench.event("aftercare.notification.failed.v1", subject=case_id, data=payload_to_dict(message),
                             source="/services/notify")


async def test_who_was_told_what_is_one_internal_entry_however_often_delivered(cases: CasesBench, people) -> None:
    case = (await cases.handlers.create_case(people.agent, "req-1", new_case_report())).case
    subscription = notification_events(cases.handlers)
    told = sent(cases, case.id)
    assert await cases.bench.deliver(subscription, told)
    assert not await cases.bench.deliver(subscription, told), "a redelivery is absorbed by the inbox"
    assert await cases.bench.deliver(subscription, failed(cases, case.id))
    page = await cases.reads.timeline(people.agent, CaseRef(case_id=case.id), after=0, page_size=50)
    facts = [e for e in page.entries if e.kind.startswith("notification.")]
    assert [e.kind for e in facts] == ["notification.sent", "notification.failed"]
    assert all(e.visibility is Visibility.INTERNAL and e.actor["subject_id"] == "service:notify" for e in facts)
    assert {k: facts[0].payload[k] for k in ("about", "recipient_id", "role", "channel", "provider")} == {
        "about": "sla.breached", "recipient_id": "staff:sup-1", "role": "supervisor", "channel": "sms",
        "provider": "aliyun"}
    assert facts[0].payload["occurred_at"].startswith("2026-11-18")
    assert (facts[1].payload["error"], facts[1].payload["attempts"], facts[1].payload["channel"]) == (
        "550 no such user", 1, "email")
    customer_page = await cases.reads.timeline(people.customer, CaseRef(case_id=case.id), after=0, page_size=50)
    assert not [e for e in customer_page.entries if e.kind.startswith("notification.")]


async def test_digests_and_notifications_about_no_case_of_ours_are_skipped_not_parked(cases: CasesBench) -> None:
    subscription = notification_events(cases.handlers)
    assert await cases.bench.deliver(subscription, sent(cases, str(uuid.uuid4())))  # a campaign's invitation
    assert await cases.bench.deliver(subscription, sent(cases, "not-a-case-id"))
    assert await cases.bench.deliver(subscription, sent(cases, "", digest_of=12))
