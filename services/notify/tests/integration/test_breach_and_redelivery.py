"""A P1 breach reaches the region's supervisor on duty by SMS and e-mail, exactly once each."""

from __future__ import annotations

from aftercare.cases.v1 import cases_pb2
from aftercare.notify.v1 import notify_pb2
from aftercare.sla.v1 import sla_pb2
from aftercare_platform.testing.statement_cache import statements_without_cache_key

from .conftest import SUPERVISOR, Case, World, barrier, eventually

BOTH = [sla_pb2.NOTIFY_CHANNEL_SMS, sla_pb2.NOTIFY_CHANNEL_EMAIL]


async def test_p1_breach_sends_one_sms_and_one_email_and_redelivery_sends_nothing_more(world: World) -> None:
    case = Case(priority=cases_pb2.PRIORITY_P1)
    breach = case.sla_event("breached", [sla_pb2.NOTIFY_ROLE_SUPERVISOR], BOTH)
    with statements_without_cache_key("notify") as uncached:
        # two replicas: claims with SKIP LOCKED, so neither sends what the other took
        async with world.notify() as notify, world.notify():
            await world.publish(breach)

            async def both_sent() -> bool:
                found = await notify.deliveries(case_id=case.case_id)
                return len(found) == 2 and all(d.state == notify_pb2.DELIVERY_STATE_SENT for d in found)

            await eventually(both_sent, within=60, what="the SMS and the e-mail sent")
            # the same event again (a redelivery, and a replay under the same id)
            await world.publish(breach)
            await world.publish(breach)

            await barrier(world, notify)
            found = await notify.deliveries(case_id=case.case_id)
            assert len(found) == 2
            [sms_delivery] = [d for d in found if d.channel == notify_pb2.DELIVERY_CHANNEL_SMS]
    texts = world.providers.to(SUPERVISOR.phone)
    mails = world.smtp.box.to(SUPERVISOR.email)
    assert len(texts) == 1 and case.case_number in texts[0].text
    assert texts[0].key == sms_delivery.delivery_id
    assert len(mails) == 1 and case.case_number in mails[0].message["Subject"]
    assert mails[0].message["Auto-Submitted"] == "auto-generated"
    # zh-CN for this supervisor
    assert "超时" in texts[0].text
    assert uncached == []  # every statement of the notice's path compiled once, not on each event
