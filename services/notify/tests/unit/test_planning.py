from datetime import time

from notify.domain.guard import Addressee, CrossCompanyRecipient, ensure_may_receive, may_receive
from notify.domain.keys import delivery_key
from notify.domain.planning import plan_deliveries
from notify.domain.quiet_hours import QuietHours
from notify.domain.rules import RuleBook
from notify.domain.vocabulary import Channel, DeliveryState, Role

from .conftest import notice, person

NIGHT = QuietHours(time(0), time(23, 59))  # always quiet, for the test


def test_key_is_stable_per_event_recipient_and_channel() -> None:
    assert delivery_key("e", "r", Channel.SMS) == delivery_key("e", "r", "sms")
    assert len({delivery_key("e", "r", Channel.SMS), delivery_key("e", "r", Channel.EMAIL),
                delivery_key("e2", "r", Channel.SMS), delivery_key("e", "r2", Channel.SMS)}) == 4


def test_contact_of_another_company_is_refused_and_staff_may_hear_of_any_case(t0) -> None:
    n = notice("case.created")
    a, b = person("contact:a", "company-a"), person("contact:b", "company-b")
    plan = plan_deliveries(n, RuleBook().targets(n), {Role.CUSTOMER_CONTACT: [a, b]}, [], t0)
    assert {d.recipient.recipient_id for d in plan.deliveries} == {"contact:a"}
    assert {r.recipient.recipient_id for r in plan.refused} == {"contact:b"}
    assert may_receive(Addressee("staff:s", None), "company-b")


def test_unidentified_case_is_told_to_no_customer_contact() -> None:
    assert not may_receive(Addressee("contact:a", "company-a"), "")
    try:
        ensure_may_receive(Addressee("contact:a", "company-a"), "company-b")
    except CrossCompanyRecipient as refused:
        assert "company-b" in str(refused)
    else:
        raise AssertionError("a cross-company recipient passed")


def test_quiet_hours_hold_non_urgent_and_let_p1_and_breaches_through(t0) -> None:
    eng = person("staff:eng-1", quiet_hours=NIGHT)
    warning = notice("sla.warning")
    plan = plan_deliveries(warning, RuleBook().targets(warning), {Role.ASSIGNEE: [eng]}, [], t0)
    assert {d.state for d in plan.deliveries} == {DeliveryState.HELD}
    assert all(d.hold_reason == "quiet_hours" and d.not_before > t0 for d in plan.deliveries)
    for urgent in (notice("sla.warning", priority="P1"), notice("sla.breached")):
        targets = RuleBook().targets(urgent)
        plan = plan_deliveries(urgent, targets, {Role.ASSIGNEE: [eng], Role.SUPERVISOR: [eng]}, [], t0)
        assert {d.state for d in plan.deliveries} == {DeliveryState.PENDING}


def test_one_person_in_two_roles_hears_it_once_per_channel_and_missing_address_is_recorded(t0) -> None:
    n = notice("sla.breached", actions=())
    sup = person("staff:sup", phone="")
    plan = plan_deliveries(n, RuleBook().targets(n), {Role.SUPERVISOR: [sup, sup]}, [], t0)
    by_channel = {d.channel: d for d in plan.deliveries}
    assert set(by_channel) == {Channel.SMS, Channel.EMAIL}
    assert by_channel[Channel.SMS].state is DeliveryState.FAILED
    assert "sms" in by_channel[Channel.SMS].failure
