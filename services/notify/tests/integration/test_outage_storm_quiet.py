"""An SMTP outage waited out, a storm held within limits and merged into one digest, quiet hours that end
in a cancellation when the case resolves."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from aftercare.cases.v1 import cases_pb2
from aftercare.notify.v1 import notify_pb2
from aftercare.sla.v1 import sla_pb2
from notify.domain.sms_length import sms_length
from notify.settings import StaffSeed

from .conftest import ENGINEER, SUPERVISOR, Case, World, barrier, eventually, settled, sql

SMS, EMAIL = sla_pb2.NOTIFY_CHANNEL_SMS, sla_pb2.NOTIFY_CHANNEL_EMAIL


async def test_smtp_down_then_back_every_mail_goes_out_once(world: World) -> None:
    world.smtp.stop()
    cases = [Case(priority=cases_pb2.PRIORITY_P1) for _ in range(5)]
    async with world.notify() as notify:
        for case in cases:
            await world.publish(case.sla_event("breached", [sla_pb2.NOTIFY_ROLE_SUPERVISOR], [EMAIL]))

        async def retried() -> bool:
            return await sql(notify, "SELECT count(*) FROM notify.deliveries WHERE attempts >= 2 "
                                     "AND last_error <> '' AND state IN ('pending', 'sending')") == 5

        await eventually(retried, within=60, what="every mail failed and waiting to be tried again")
        world.smtp.start()

        async def all_sent() -> bool:
            return await sql(notify, "SELECT count(*) FROM notify.deliveries WHERE state = 'sent'") == 5

        await eventually(all_sent, within=60, what="every mail sent once the server is back")
        await settled(notify)
    subjects = sorted(m.message["Subject"] for m in world.smtp.box.to(SUPERVISOR.email))
    assert len(subjects) == 5
    assert all(any(c.case_number in s for s in subjects) for c in cases)


async def test_storm_of_200_warnings_stays_within_limits_and_ends_in_one_digest(world: World) -> None:
    limits = {"sms_windows": [(4, 5), (3600, 11)]}
    # numbers that cannot contain "195", so only the digest names that count
    cases = [Case(case_number=f"EA-20261121-{i:06d}") for i in range(40)]
    events = [cases[i % 40].sla_event("warning", [sla_pb2.NOTIFY_ROLE_ASSIGNEE], [SMS], warning_index=i // 40)
              for i in range(200)]
    # one process plans the storm, another sends: the sender starts with all 200 recorded
    async with world.notify(sender_enabled=False, **limits) as planner:
        # SLA events name no assignee: notify knows it from the case's own events
        for case in cases:
            await world.publish(case.case_event("acknowledged"))
        await barrier(world, planner)
        await asyncio.gather(*(world.publish(e) for e in events))

        async def planned() -> bool:
            return await sql(planner, "SELECT count(*) FROM notify.deliveries") == 200

        await eventually(planned, within=120, what="200 deliveries planned")
        async with world.notify(**limits) as sender:

            async def digested() -> bool:
                return await sql(sender, "SELECT count(*) FROM notify.deliveries WHERE state = 'digested'") == 195

            await eventually(digested, within=60, what="195 warnings merged into a digest")
            await settled(sender)
    texts = world.providers.to(ENGINEER.phone)
    assert len(texts) == 6  # 5 in the first window, then one digest: within 5 / 4 s and 11 / hour
    digest = texts[-1].text
    assert "195" in digest and sms_length(digest).segments <= 2
    assert sum("195" in t.text for t in texts) == 1


async def test_quiet_hours_hold_a_message_that_is_cancelled_when_the_case_resolves(world: World) -> None:
    now = datetime.now(UTC)
    span = f"{(now - timedelta(hours=1)):%H:%M}-{(now + timedelta(hours=2)):%H:%M}"
    sleeper = StaffSeed(staff_id="eng-night", name="Night Owl", phone="+8613900000009",
                        email="owl@aftercare.example", language="en", quiet_hours=span, time_zone="UTC")
    quiet_case = Case(assignee_id="eng-night")
    urgent_case = Case(assignee_id="eng-night", priority=cases_pb2.PRIORITY_P1)
    async with world.notify(staff=[SUPERVISOR, ENGINEER, sleeper]) as notify:
        await world.publish(quiet_case.case_event("assigned"))
        await world.publish(urgent_case.case_event("assigned"))

        async def urgent_sent() -> bool:
            rows = await notify.deliveries(case_id=urgent_case.case_id)
            return len(rows) == 2 and all(r.state == notify_pb2.DELIVERY_STATE_SENT for r in rows)

        await eventually(urgent_sent, within=60, what="the P1 assignment sent through quiet hours")
        held = await notify.deliveries(case_id=quiet_case.case_id)
        assert {d.state for d in held} == {notify_pb2.DELIVERY_STATE_HELD}
        assert all(d.hold_reason == "quiet_hours" for d in held) and len(held) == 2
        await world.publish(quiet_case.case_event("resolved"))

        async def cancelled() -> bool:
            rows = await notify.deliveries(case_id=quiet_case.case_id, recipient_id="staff:eng-night")
            return {d.state for d in rows} == {notify_pb2.DELIVERY_STATE_CANCELLED}

        await eventually(cancelled, within=60, what="the held assignment cancelled")
        # later events about the resolved case that would wait are cancelled at once
        await world.publish(quiet_case.sla_event("warning", [sla_pb2.NOTIFY_ROLE_ASSIGNEE], [SMS]))
        await barrier(world, notify)
        rows = await notify.deliveries(case_id=quiet_case.case_id, recipient_id="staff:eng-night")
        assert len(rows) == 3 and {d.state for d in rows} == {notify_pb2.DELIVERY_STATE_CANCELLED}
    assert all(quiet_case.case_number not in t.text for t in world.providers.to(sleeper.phone))
    assert all(quiet_case.case_number not in m.message["Subject"] for m in world.smtp.box.to(sleeper.email))
    assert len(world.providers.to(sleeper.phone)) == 1
