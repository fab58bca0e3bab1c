"""Never to a contact of another company; customers see only their own deliveries; receipts applied once
and in any order; templates saved, refused and previewed against a real event."""

from __future__ import annotations

from email.header import decode_header, make_header

import httpx
import pytest
from aftercare.cases.v1 import cases_pb2
from aftercare.intake.v1 import intake_pb2
from aftercare.notify.v1 import notify_pb2
from aftercare.sla.v1 import sla_pb2
from notify.channels.sms_gateways import twilio_signature

from .conftest import SUPERVISOR, Case, World, barrier, eventually, settled

A_PHONE, B_PHONE = "+8613700000001", "+8613700000002"


def caller(phone: str, email: str) -> cases_pb2.Caller:
    return cases_pb2.Caller(name="caller", phone=phone, email=email)


async def test_a_contact_of_company_b_never_hears_of_company_a_s_case(world: World) -> None:
    world.registry.contacts += [
        intake_pb2.Contact(contact_id="ca", company_id="company-a", name="A", phone=A_PHONE, email="a@a.example"),
        intake_pb2.Contact(contact_id="cb", company_id="company-b", name="B", phone=B_PHONE, email="b@b.example"),
    ]
    case_a, case_b = Case(company_id="company-a"), Case(company_id="company-b")
    # company A's case reported by someone whose phone and e-mail are company B's contact's
    case_a_by_b = Case(company_id="company-a")
    async with world.notify() as notify:
        await world.publish(case_a.case_event("created", caller=caller(A_PHONE, "a@a.example")))
        await world.publish(case_b.case_event("created", caller=caller(B_PHONE, "b@b.example")))
        await world.publish(case_a_by_b.case_event("created", caller=caller(B_PHONE, "b@b.example")))
        await world.publish(case_a_by_b.case_event("resolved"))
        await barrier(world, notify)
        await settled(notify)
        mine = await notify.deliveries(subject="b-user", role="customer", company="company-b")
        staff_view = await notify.deliveries(case_id=case_a_by_b.case_id)
        other = await notify.deliveries(case_id=case_a.case_id, subject="b-user", role="customer", company="company-b")
    b_texts = [t.text for t in world.providers.to(B_PHONE)]
    b_mails = [m.message["Subject"] for m in world.smtp.box.to("b@b.example")]
    assert len(b_texts) == 1 and case_b.case_number in b_texts[0]
    assert len(b_mails) == 1 and case_b.case_number in b_mails[0]
    assert not any(n in t for t in b_texts + b_mails for n in (case_a.case_number, case_a_by_b.case_number))
    assert any(case_a.case_number in t.text for t in world.providers.to(A_PHONE))
    assert staff_view == []  # refused before anything was recorded
    # the customer of company B sees its own two deliveries and nothing of company A
    assert {d.case_id for d in mine} == {case_b.case_id} and len(mine) == 2
    assert other == []


async def test_receipts_are_authenticated_applied_once_and_never_backwards(world: World) -> None:
    case = Case(priority=cases_pb2.PRIORITY_P1)
    world.providers.fail_next["aliyun"] = 100  # the SMS goes through the basic-auth provider
    async with world.notify() as notify:
        await world.publish(case.sla_event("breached", [sla_pb2.NOTIFY_ROLE_SUPERVISOR], [sla_pb2.NOTIFY_CHANNEL_SMS]))

        async def sent() -> list[notify_pb2.Delivery]:
            rows = await notify.deliveries(case_id=case.case_id)
            return [r for r in rows if r.state == notify_pb2.DELIVERY_STATE_SENT]

        await eventually(lambda: _non_empty(sent()), within=60, what="the SMS sent")
        [delivery] = await sent()
        assert delivery.provider == "twilio"
        url = notify.settings.twilio_status_callback

        async def post(status: str, signature: str | None = None) -> httpx.Response:
            form = {"MessageSid": delivery.provider_message_id, "MessageStatus": status}
            sig = signature if signature is not None else twilio_signature(url, form, notify.settings.twilio_auth_token)
            return await notify.http.post("/v1/notify/receipts/twilio", data=form, headers={"X-Twilio-Signature": sig})

        assert (await post("delivered", signature="forged")).status_code == 403
        assert (await post("delivered")).json() == {"outcome": "applied"}
        assert (await post("delivered")).json() == {"outcome": "unchanged"}
        assert (await post("sent")).json() == {"outcome": "unchanged"}  # late, out of order
        assert (await post("undelivered")).json() == {"outcome": "unchanged"}
        got = (await notify.stub.GetDelivery(notify_pb2.GetDeliveryRequest(delivery_id=delivery.delivery_id),
                                             metadata=notify.auth())).delivery
        # a resend is a new delivery, once per request id, for staff who may resend
        resend = notify_pb2.ResendRequest(delivery_id=delivery.delivery_id, request_id="r-1", reason="lost phone")
        first = (await notify.stub.Resend(resend, metadata=notify.auth("sup-east", "supervisor"))).delivery
        again = (await notify.stub.Resend(resend, metadata=notify.auth("sup-east", "supervisor"))).delivery
        with pytest.raises(Exception, match="roles"):
            await notify.stub.Resend(resend, metadata=notify.auth("eng-1", "engineer"))
        await settled(notify)
        rows = await notify.deliveries(case_id=case.case_id)
    assert got.state == notify_pb2.DELIVERY_STATE_DELIVERED
    assert [r.status for r in got.receipts] == ["delivered", "sent", "undelivered"]
    assert first.delivery_id == again.delivery_id != delivery.delivery_id and len(rows) == 2
    assert len(world.providers.to(SUPERVISOR.phone)) == 2


async def _non_empty(rows: object) -> bool:
    return bool(await rows)  # type: ignore[misc]


async def test_templates_saved_refused_and_previewed_against_a_real_event(world: World) -> None:
    case = Case(priority=cases_pb2.PRIORITY_P1)
    event = case.sla_event("breached", [sla_pb2.NOTIFY_ROLE_SUPERVISOR], [sla_pb2.NOTIFY_CHANNEL_SMS])
    async with world.notify() as notify:
        admin = notify.auth()
        template = notify_pb2.Template(event_type="sla.breached", channel=notify_pb2.DELIVERY_CHANNEL_SMS,
                                       language="zh-CN", body="【Aftercare】{{ case_number }} 超时，请处理")
        saved = (await notify.stub.SaveTemplate(notify_pb2.SaveTemplateRequest(template=template),
                                                metadata=admin)).template
        assert saved.version == 1
        too_long = notify_pb2.Template(event_type="sla.breached", channel=notify_pb2.DELIVERY_CHANNEL_SMS,
                                       language="zh-CN", body="超时" * 100)
        with pytest.raises(Exception, match="budget") as refused:
            await notify.stub.SaveTemplate(notify_pb2.SaveTemplateRequest(template=too_long), metadata=admin)
        assert refused.value.code().name == "INVALID_ARGUMENT"  # type: ignore[attr-defined]
        attack = notify_pb2.Template(event_type="sla.breached", channel=notify_pb2.DELIVERY_CHANNEL_SMS,
                                     language="en", body="{{ ''.__class__.__mro__ }}")
        with pytest.raises(Exception, match=r"sandbox|unsafe"):
            await notify.stub.SaveTemplate(notify_pb2.SaveTemplateRequest(template=attack), metadata=admin)
        with pytest.raises(Exception, match="roles"):
            await notify.stub.SaveTemplate(notify_pb2.SaveTemplateRequest(template=template),
                                           metadata=notify.auth("eng-1", "engineer"))
        await world.publish(event)
        await eventually(lambda: _non_empty(notify.deliveries(case_id=case.case_id)), within=60, what="planned")
        preview = await notify.stub.PreviewTemplate(notify_pb2.PreviewTemplateRequest(
            event_type="sla.breached", channel=notify_pb2.DELIVERY_CHANNEL_SMS, language="zh-CN",
            event_id=event.id), metadata=admin)
        assert case.case_number in preview.text and preview.template_version == 1
        assert preview.sms_segments == 1 and preview.sms_encoding == "ucs2"
        http = await notify.http.post("/v1/notify/templates/preview", headers=dict(admin), json={
            "event_type": "sla.breached", "channel": "sms", "language": "en", "event_id": "no-such-event"})
        assert http.status_code == 404
        await settled(notify)
    [text] = world.providers.to(SUPERVISOR.phone)
    assert text.text == f"【Aftercare】{case.case_number} 超时，请处理"


async def test_a_contact_is_told_in_the_language_the_registry_keeps_for_them(world: World) -> None:
    world.registry.contacts += [
        intake_pb2.Contact(contact_id="en-1", company_id="company-l", name="Ann", phone="+8613700000031",
                           email="ann@l.example", language="en"),
        intake_pb2.Contact(contact_id="zh-1", company_id="company-l", name="李雷", phone="+8613700000032",
                           email="li@l.example"),
    ]
    ann_case, li_case = Case(company_id="company-l"), Case(company_id="company-l")
    async with world.notify(default_language="zh-CN") as notify:
        await world.publish(ann_case.case_event("created", caller=caller("+8613700000031", "ann@l.example")))
        await world.publish(li_case.case_event("created", caller=caller("+8613700000032", "li@l.example")))
        await barrier(world, notify)
        await settled(notify)
    [ann_mail] = world.smtp.box.to("ann@l.example")
    [li_mail] = world.smtp.box.to("li@l.example")
    assert "Case opened" in ann_mail.message["Subject"] and ann_case.case_number in ann_mail.message["Subject"]
    subject = str(make_header(decode_header(li_mail.message["Subject"])))
    assert "报修已受理" in subject  # no language of her own: the platform's default
