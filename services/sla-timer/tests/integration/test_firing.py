"""Warnings and the breach fire on time and in order, never early; a met clock says so and nothing else;
a late stop is judged by its own time. Three cases side by side, so the suite waits for one deadline."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime

from .conftest import SECOND, Bus, Case, Sla, new_case, query, utc_now


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _assert_warnings_then_breach_never_early(bus: Bus, case: Case, created_at: datetime) -> None:
    events = bus.of(case)
    assert [e["type"] for e in events] == [
        "aftercare.sla.warning.v1",
        "aftercare.sla.warning.v1",
        "aftercare.sla.breached.v1",
    ]
    first, second, breach = (e["data"] for e in events)
    assert (first.get("warningIndex", 0), second["warningIndex"]) == (0, 1)
    assert [first["warningLabel"], second["warningLabel"]] == ["2s", "4s"]
    dues = [_time(d["dueTime"]) for d in (first, second, breach)]
    assert dues == [created_at + 2 * SECOND, created_at + 4 * SECOND, created_at + 6 * SECOND]
    for data, due in zip((first, second, breach), dues, strict=True):
        assert _time(data["occurredAt"]) >= due  # fired at or after its due instant, never before
        assert data["caseNumber"] == case.case_number and data["companyId"] == case.company_id
        assert data["clockKind"] == "CLOCK_KIND_FIRST_RESPONSE" and data["policy"] == "seconds"
        assert _time(data["deadline"]) == created_at + 6 * SECOND
    for received in (r for r in bus.received if r.event["subject"] == case.case_id):
        assert received.at >= _time(received.event["data"]["dueTime"])
    assert [a["kind"] for a in breach["actions"]] == [
        "ACTION_KIND_NOTIFY",
        "ACTION_KIND_REASSIGN",
        "ACTION_KIND_ESCALATE",
    ]
    assert breach["actions"][0]["channels"] == ["NOTIFY_CHANNEL_SMS", "NOTIFY_CHANNEL_EMAIL"]


async def test_warnings_then_breach_on_time_met_alone_and_late_stops_judged_by_their_own_time(
    sla: Sla, bus: Bus, database_url: str
) -> None:
    silent, answered, late = new_case(1), new_case(2), new_case(3)
    created_at = utc_now()
    for case in (silent, answered, late):
        await bus.publish(case.event("created", created_at))
    await bus.publish(answered.event("acknowledged", created_at + SECOND, first_response=True))

    await bus.wait_for(3, silent, within=30)
    _assert_warnings_then_breach_never_early(bus, silent, created_at)
    fired = await query(
        database_url,
        "SELECT item, due_at, fired_at FROM sla_timer.fired WHERE case_id = $1 ORDER BY due_at",
        silent.case_id,
    )
    assert [r["item"] for r in fired] == ["warning:0", "warning:1", "breach"]
    assert all(r["fired_at"] >= r["due_at"] for r in fired)

    # past the breach instant: the acknowledged case has its met event and nothing else
    await asyncio.sleep(max(0.0, (created_at + 7 * SECOND - utc_now()).total_seconds()))
    assert bus.kinds(answered) == ["met"]
    met = bus.of(answered)[0]["data"]
    assert met["businessElapsed"] == "1s" and met["reason"] == "acknowledged"

    # acknowledged at 5.5 s, before the 6 s deadline, but delivered after the breach fired
    await bus.wait_for(3, late)
    await bus.publish(late.event("acknowledged", created_at + 5.5 * SECOND, first_response=True))
    await bus.wait_for(5, late)
    assert bus.kinds(late) == ["warning", "warning", "breached", "breach_withdrawn", "met"]

    headers = {"authorization": f"Bearer {sla.token('sup-1', 'supervisor')}"}
    report = (await sla.http.get("/v1/compliance", params={"clock_kind": "FIRST_RESPONSE"}, headers=headers)).json()
    assert (int(report.get("met", 0)), int(report.get("breached", 0))) == (2, 1), report
    rows = list(csv.DictReader(io.StringIO((await sla.http.get("/v1/compliance.csv", headers=headers)).text)))
    assert [(r["company_id"], r["priority"], r["clock_kind"], r["met"], r["breached"]) for r in rows] == [
        ("company-a", "P1", "FIRST_RESPONSE", "2", "1")
    ]
    other = {"authorization": f"Bearer {sla.token('cust-9', 'customer', 'company-b')}"}
    assert (await sla.http.get("/v1/compliance", headers=other)).json().get("rows", []) == []
