"""A registered contact is told in their own language (intake's registry keeps it), before the event's,
their company's and the platform's default."""

from datetime import UTC, datetime

from aftercare.intake.v1 import intake_pb2
from notify.adapters.contact_directory import ContactDirectory
from notify.domain.notice import Contact, Notice
from notify.domain.vocabulary import Role


class _Registry:
    def __init__(self, *contacts: intake_pb2.Contact) -> None:
        self.contacts = list(contacts)

    async def contacts_matching(self, caller: Contact) -> list[intake_pb2.Contact]:
        return [c for c in self.contacts if c.email == caller.email]


def _notice(email: str, language: str = "") -> Notice:
    return Notice(event_id="e1", event_type="case.created", case_id="case-1", case_number="EAST-2026-000001",
                  company_id="company-a", region="east", priority="P2",
                  occurred_at=datetime(2026, 12, 3, tzinfo=UTC), caller=Contact(name="", phone="", email=email),
                  language=language)


async def test_the_contacts_own_language_wins_over_the_events_and_the_companys() -> None:
    registry = _Registry(
        intake_pb2.Contact(contact_id="k1", company_id="company-a", name="Ann", email="ann@a.example", language="en"),
        intake_pb2.Contact(contact_id="k2", company_id="company-a", name="Li", email="li@a.example"))
    directory = ContactDirectory(registry, "zh-CN", {"company-a": "zh-CN"})  # type: ignore[arg-type]
    ann = await directory.resolve(Role.CUSTOMER_CONTACT, _notice("ann@a.example", language="zh-CN"))
    assert [r.language for r in ann] == ["en"]
    # no language of their own: the event's, else the company's
    li = await directory.resolve(Role.CUSTOMER_CONTACT, _notice("li@a.example", language="en"))
    assert [r.language for r in li] == ["en"]
    li_by_company = await ContactDirectory(registry, "zh-CN", {"company-a": "en"}).resolve(  # type: ignore[arg-type]
        Role.CUSTOMER_CONTACT, _notice("li@a.example"))
    assert [r.language for r in li_by_company] == ["en"]
