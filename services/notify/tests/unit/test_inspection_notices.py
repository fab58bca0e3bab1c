"""inspection's events in notify: the customer is told of an on-site inspection when its notice is due
(15 working days ahead), not when it is first put on the schedule; the submitted report is announced."""

from aftercare.inspection.v1 import events_pb2 as inspection_events
from aftercare_platform.bus.envelope import CloudEvent, payload_to_dict
from notify.adapters.notices import notice_from_event
from notify.default_templates import default_template
from notify.domain.rules import RuleBook, Target
from notify.domain.vocabulary import Channel, Role
from notify.templating import TemplateKey, render

HEAD = dict(visit_id="P1:2026-03-02", plan_id="P1", company_id="company-a", contract_id="C1", site_id="S1",
            region="east", mode="on_site", scheduled_on="2026-03-02", kind="routine")


def event(kind: str, message: object) -> CloudEvent:
    return CloudEvent(type=f"aftercare.{kind}.v1", source="/services/inspection", subject="P1:2026-03-02",
                      region="east", data=payload_to_dict(message))  # type: ignore[arg-type]


def test_the_notice_due_tells_the_customer_contact_by_email_with_the_day() -> None:
    notice = notice_from_event(event("inspection.notice_due", inspection_events.InspectionNoticeDue(
        **HEAD, notice_working_days=15, plan_title="Quarterly check")))
    assert notice.company_id == "company-a"
    assert RuleBook().targets(notice).by_role == (Target(Role.CUSTOMER_CONTACT, Channel.EMAIL),)
    mail = render(default_template(TemplateKey("inspection.notice_due", Channel.EMAIL, "en")),
                  notice.template_context())
    assert "2026-03-02" in mail.text
    scheduled = notice_from_event(event("inspection.scheduled", inspection_events.InspectionScheduled(**HEAD)))
    assert RuleBook().targets(scheduled).by_role == ()  # months ahead: the notice comes later


def test_a_submitted_report_is_announced_to_the_customer() -> None:
    notice = notice_from_event(event("inspection.reported", inspection_events.InspectionReported(
        **HEAD, on_time=True, summary="All healthy")))
    assert RuleBook().targets(notice).by_role == (Target(Role.CUSTOMER_CONTACT, Channel.EMAIL),)


class _Registry:
    """intake's registry as far as a company-wide notice asks it."""

    def __init__(self) -> None:
        from aftercare.intake.v1 import intake_pb2

        self.contacts = [intake_pb2.Contact(contact_id="c1", company_id="company-a", name="Li Lei",
                                            email="li.lei@a.example")]

    async def contacts_of(self, company_id: str) -> list[object]:
        return [c for c in self.contacts if c.company_id == company_id]


async def test_a_notice_without_a_caller_goes_to_the_companys_registered_contacts() -> None:
    from notify.adapters.contact_directory import ContactDirectory

    notice = notice_from_event(event("inspection.notice_due", inspection_events.InspectionNoticeDue(
        **HEAD, notice_working_days=15, plan_title="Quarterly check")))
    found = await ContactDirectory(_Registry()).resolve(Role.CUSTOMER_CONTACT, notice)  # type: ignore[arg-type]
    assert [(r.recipient_id, r.email, r.company_id) for r in found] == [("contact:c1", "li.lei@a.example", "company-a")]
