"""survey's events in notify: the invitation goes to the contact survey names, with survey's own link, in the
language survey asks for; an unsatisfied answer goes to the supervisor; closing a case sends nothing itself."""

from aftercare.cases.v1 import events_pb2 as case_events
from aftercare.survey.v1 import survey_pb2
from aftercare_platform.bus.envelope import CloudEvent, payload_to_dict
from notify.adapters.contact_directory import ContactDirectory
from notify.adapters.notices import notice_document, notice_from_document, notice_from_event
from notify.default_templates import default_template
from notify.domain.notice import Contact
from notify.domain.rules import RuleBook, Target
from notify.domain.vocabulary import Channel, Role
from notify.templating import TemplateKey, render

LINK = "https://survey.example/s/aW52LTE.1798761600.4f2a"
SENT = survey_pb2.SurveySent(
    invitation_id="inv-1", case_id="case-1", case_number="EA-20261121-000001", region="east", company_id="company-a",
    link=LINK, contact_name="Li Lei", contact_phone="+8613800000000", contact_email="li.lei@a.example",
    language="en", opt_out_link=f"{LINK}/opt-out")


def event(kind: str, message: object, subject: str = "case-1") -> CloudEvent:
    return CloudEvent(type=f"aftercare.{kind}.v1", source="/services/survey", subject=subject, region="east",
                      data=payload_to_dict(message))  # type: ignore[arg-type]


def test_the_invitation_goes_to_the_contact_survey_names_with_its_link_in_its_language() -> None:
    notice = notice_from_event(event("survey.sent", SENT))
    assert notice.caller == Contact("Li Lei", "+8613800000000", "li.lei@a.example")
    assert notice.language == "en" and notice.facts["link"] == LINK
    assert notice_from_document(notice_document(notice)) == notice
    assert RuleBook().targets(notice).by_role == (Target(Role.CUSTOMER_CONTACT, Channel.SMS),
                                                  Target(Role.CUSTOMER_CONTACT, Channel.EMAIL))
    sms = render(default_template(TemplateKey("survey.sent", Channel.SMS, "en")), notice.template_context())
    assert LINK in sms.text and "EA-20261121-000001" in sms.text
    mail = render(default_template(TemplateKey("survey.sent", Channel.EMAIL, "en")), notice.template_context())
    assert f"{LINK}/opt-out" in mail.text and mail.subject == "[EA-20261121-000001] How did we do?"


def test_the_contacts_language_picks_the_template_language() -> None:
    directory = ContactDirectory(None, default_language="zh-CN", company_languages={"company-b": "en"})
    english = notice_from_event(event("survey.sent", SENT))
    assert directory.language(english, "company-a") == "en"  # survey said so
    chinese = notice_from_event(event("survey.sent", survey_pb2.SurveySent(**{**_fields(SENT), "language": ""})))
    assert directory.language(chinese, "company-a") == "zh-CN"
    assert directory.language(chinese, "company-b") == "en"  # the company's language
    text = render(default_template(TemplateKey("survey.sent", Channel.SMS, "zh-CN")), chinese.template_context()).text
    assert "请评价" in text and LINK in text


async def test_a_campaigns_contact_is_told_by_their_own_address_not_a_shared_one() -> None:
    campaign = survey_pb2.SurveySent(**{**_fields(SENT), "case_id": "", "case_number": "", "campaign_id": "2026-H2"})
    notice = notice_from_event(event("survey.sent", campaign, subject="inv-1"))
    [recipient] = await ContactDirectory(None).resolve(Role.CUSTOMER_CONTACT, notice)
    assert recipient.recipient_id == "caller:+8613800000000" and recipient.language == "en"
    mail = render(default_template(TemplateKey("survey.sent", Channel.EMAIL, "en")), notice.template_context())
    assert mail.subject == "How did we do?"


def test_an_unsatisfied_answer_tells_the_supervisor_and_closing_a_case_sends_no_survey_of_its_own() -> None:
    unsatisfied = notice_from_event(event("survey.unsatisfied", survey_pb2.SurveyUnsatisfied(
        invitation_id="inv-1", case_id="case-1", case_number="EA-1", region="east", company_id="company-a",
        overall=2, comment="still dark at night")))
    assert RuleBook().targets(unsatisfied).by_role == (Target(Role.SUPERVISOR, Channel.SMS),
                                                       Target(Role.SUPERVISOR, Channel.EMAIL))
    text = render(default_template(TemplateKey("survey.unsatisfied", Channel.EMAIL, "en")),
                  unsatisfied.template_context()).text
    assert "2/5" in text and "still dark at night" in text
    closed = notice_from_event(event("case.closed", case_events.CaseClosed(case_id="case-1", case_number="EA-1")))
    assert RuleBook().targets(closed).by_role == ()


def _fields(message: survey_pb2.SurveySent) -> dict[str, object]:
    return {f.name: getattr(message, f.name) for f in message.DESCRIPTOR.fields}
