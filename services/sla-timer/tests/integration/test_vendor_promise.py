"""Issue 12: the original vendor's own promised answer is the vendor-response clock's deadline, on the real
broker and database: a silent vendor breaches at its promise (never early), one that answers in time is met."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aftercare.cases.v1 import cases_pb2
from aftercare.dispatch.v1 import events_pb2 as dispatch_events
from aftercare_platform.bus.envelope import CloudEvent, payload_to_dict
from google.protobuf.timestamp_pb2 import Timestamp

from .conftest import SECOND, Bus, Case, Sla, new_case, query, utc_now


def _stamp(instant: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(instant)
    return stamp


def _vendor_event(case: Case, verb: str, at: datetime, **facts: Any) -> CloudEvent:
    message_class = dispatch_events.VendorEngaged if verb == "engaged" else dispatch_events.VendorResponded
    message = message_class(
        case_id=case.case_id, case_number=case.case_number, region=case.region, company_id=case.company_id,
        contract_id=case.contract_id, priority=cases_pb2.PRIORITY_P1, occurred_at=_stamp(at),
        vendor_contact_id="vendor-contact-1", **facts,
    )
    return CloudEvent(type=f"aftercare.vendor.{verb}.v1", source="/services/dispatch", subject=case.case_id,
                      region=case.region, data=payload_to_dict(message), time=at)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_a_silent_vendor_breaches_at_its_promise_and_an_answer_in_time_is_met(
    sla: Sla, bus: Bus, database_url: str
) -> None:
    silent, answering = new_case(41), new_case(42)
    engaged_at = utc_now()
    promised = engaged_at + 3 * SECOND  # the test policy promises nothing for the vendor: only the promise counts
    for case in (silent, answering):
        await bus.publish(_vendor_event(case, "engaged", engaged_at, vendor_ticket="V-1",
                                        promised_time=_stamp(promised)))
    await bus.publish(_vendor_event(answering, "responded", engaged_at + SECOND, vendor_ticket="V-1"))

    await bus.wait_for(1, silent, within=30)
    await bus.wait_for(1, answering, within=30)
    (breach,) = [r for r in bus.received if r.event["subject"] == silent.case_id]
    data = breach.event["data"]
    assert breach.event["type"] == "aftercare.sla.breached.v1"
    assert data["clockKind"] == "CLOCK_KIND_VENDOR_RESPONSE"
    assert _time(data["dueTime"]) == promised and _time(data["deadline"]) == promised
    assert breach.at >= promised and _time(data["occurredAt"]) >= promised  # never early
    assert "actions" not in data  # the vendor's lateness does not reassign or escalate our case
    assert bus.kinds(answering) == ["met"]
    assert bus.of(answering)[0]["data"]["clockKind"] == "CLOCK_KIND_VENDOR_RESPONSE"

    # the breached clock still counts until the vendor answers; GetCaseSla says breached and why
    rows = await query(database_url, "SELECT case_id, status FROM sla_timer.clocks WHERE kind = 'VENDOR_RESPONSE'")
    assert {r["case_id"]: r["status"] for r in rows} == {silent.case_id: "RUNNING", answering.case_id: "MET"}
    agent = {"authorization": f"Bearer {sla.token('agent-1', 'agent')}"}
    response = await sla.http.get(f"/v1/cases/{silent.case_number}/sla", headers=agent)
    assert response.status_code == 200, response.text
    (clock,) = [c for c in response.json()["clocks"] if c["clock_kind"] == "VENDOR_RESPONSE"]
    assert clock["status"] == "BREACHED" and clock["target"] == "3s"
    assert "the original vendor's own promised answer" in clock["why"]
