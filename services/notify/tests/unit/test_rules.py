from notify.domain.rules import CompanyOverride, ExtraRecipient, RuleBook, Target
from notify.domain.vocabulary import Channel, Role

from .conftest import NotifyAction, notice


def test_assignment_tells_the_engineer_by_sms_and_email() -> None:
    targets = RuleBook().targets(notice("case.assigned"))
    assert set(targets.by_role) == {Target(Role.ASSIGNEE, Channel.SMS), Target(Role.ASSIGNEE, Channel.EMAIL)}


def test_policy_actions_of_an_sla_event_replace_the_default_rule() -> None:
    action = NotifyAction((Role.SUPERVISOR, Role.ASSIGNEE), (Channel.SMS,))
    targets = RuleBook().targets(notice("sla.breached", actions=(action,)))
    assert set(targets.by_role) == {Target(Role.SUPERVISOR, Channel.SMS), Target(Role.ASSIGNEE, Channel.SMS)}


def test_breach_without_actions_falls_back_to_supervisor_by_both_channels() -> None:
    targets = RuleBook().targets(notice("sla.breached"))
    assert set(targets.by_role) == {Target(Role.SUPERVISOR, Channel.SMS), Target(Role.SUPERVISOR, Channel.EMAIL)}


def test_company_override_changes_channels_and_adds_recipients_only_for_that_company() -> None:
    duty = ExtraRecipient("duty desk", Channel.WEBHOOK, "https://a.example/hook")
    book = RuleBook(overrides=[CompanyOverride("company-a", "case.created", channels=(Channel.EMAIL,),
                                               extra_recipients=(duty,))])
    mine = book.targets(notice("case.created"))
    assert mine.by_role == (Target(Role.CUSTOMER_CONTACT, Channel.EMAIL),)
    assert mine.extra == (duty,)
    other = book.targets(notice("case.created", company_id="company-b"))
    assert len(other.by_role) == 2 and other.extra == ()


def test_company_can_switch_an_event_off() -> None:
    book = RuleBook(overrides=[CompanyOverride("company-a", "*", enabled=False)])
    assert book.targets(notice("case.resolved")).by_role == ()


def test_internal_event_never_targets_the_customer() -> None:
    book = RuleBook(overrides=[CompanyOverride("company-a", "*", extra_roles=(Role.CUSTOMER_CONTACT,))])
    targets = book.targets(notice("sla.warning", internal=True))
    assert all(t.role is not Role.CUSTOMER_CONTACT for t in targets.by_role)


def test_unknown_event_type_notifies_nobody() -> None:
    assert RuleBook().targets(notice("case.note_added")).by_role == ()
