"""What a customer's word does to a case: a reply ends the wait, a reply or a request on a closed case
brings it back within the reopen window, and after it opens a new case linked to the old one.

The plans keep the work going "until the customer is satisfied" (domain.md): a customer who answers is
not left waiting, and one who comes back is heard. Staff notes and staff reopens are unchanged: only the
customer's side (a customer or partner token, or a channel passing a customer's message on) does this.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from aftercare_platform.errors import PermissionDenied

from cases.domain import decisions
from cases.domain.actors import Actor, Role
from cases.domain.case import Case, CasePolicy
from cases.domain.commands._base import advance, reason_required
from cases.domain.commands.closing import reopen
from cases.domain.commands.handling import resume
from cases.domain.commands.opening import NewCase, acting_for
from cases.domain.commands.recording import add_note
from cases.domain.decisions import Decision
from cases.domain.text import REASON_MAX, require_aware
from cases.domain.visibility import require_visible
from cases.domain.vocabulary import Channel, Status, Visibility

REOPEN_WINDOW_DEFAULT = timedelta(days=14)


@dataclass(frozen=True)
class ReplyPolicy:
    """How a case answers its customer: the settings of the case's SLA policy (`Case.policy`, announced by
    sla-timer), else the deployment's (AFTERCARE_REOPEN_WINDOW_DAYS, AFTERCARE_CUSTOMER_REPLY_RESUMES)."""

    reopen_window: timedelta = REOPEN_WINDOW_DEFAULT
    reply_resumes: bool = True  # a customer's reply ends "waiting for customer" and its paused clocks

    def within_window(self, case: Case, at: datetime) -> bool:
        return case.closed_at is not None and at <= case.closed_at + self.reopen_window

    def for_case(self, case: Case) -> ReplyPolicy:
        """The settings in force for `case`."""
        # the case's own policy once sla-timer announced it; until then (or for a case stored before) the service's
        if case.policy is None:
            return self
        return ReplyPolicy(reopen_window=case.policy.reopen_window, reply_resumes=case.policy.reply_resumes)


DEFAULT_POLICY = ReplyPolicy()


def _from_customer(author: Actor) -> bool:
    return author.role in (Role.CUSTOMER, Role.PARTNER)


def note(
    case: Case,
    actor: Actor,
    at: datetime,
    *,
    text: str,
    visibility: Visibility = Visibility.PUBLIC,
    on_behalf: Actor | None = None,
    policy: ReplyPolicy = DEFAULT_POLICY,
) -> Decision:
    """A note; from the customer it also resumes a waiting case, reopens a closed one within the window,
    or asks for a follow-up case after it. `on_behalf`: the customer a channel (intake's e-mail) speaks for."""
    author = acting_for(actor, on_behalf)
    noted = add_note(case, author, at, text=text, visibility=visibility)
    policy = policy.for_case(case)
    if not _from_customer(author) or visibility is not Visibility.PUBLIC:
        return noted
    if case.status is Status.WAITING_CUSTOMER and policy.reply_resumes:
        return noted.then(resume(noted.case, author, at, reason="the customer replied"))
    if case.status is Status.CLOSED:
        reason = text.strip()[:REASON_MAX]
        if policy.within_window(case, at):
            return noted.then(reopen(noted.case, author, at, reason=reason))
        return noted.then(_follow_up(noted.case, author, at, reason, relayed=author is not actor))
    return noted


def customer_reopen(
    case: Case,
    actor: Actor,
    at: datetime,
    *,
    reason: str,
    policy: ReplyPolicy = DEFAULT_POLICY,
) -> Decision:
    """Reopen: staff (and the survey) reopen any closed case; a customer within the window reopens it,
    after the window a new case is opened, linked to this one (which stays closed)."""
    require_aware("at", at)
    require_visible(case, actor)
    policy = policy.for_case(case)
    if _from_customer(actor) and case.status is Status.CLOSED and not policy.within_window(case, at):
        return _follow_up(case, actor, at, reason_required(reason), relayed=False)
    return reopen(case, actor, at, reason=reason)


def _follow_up(case: Case, author: Actor, at: datetime, reason: str, *, relayed: bool) -> Decision:
    """The case as it is, and the new case the handler opens (then records `follow_up_opened` here)."""
    if author.role is Role.PARTNER:
        channel = Channel.PARTNER
    else:
        channel = Channel.EMAIL if relayed else Channel.WEB
    report = NewCase(
        region=case.region,
        company_id=case.company_id,
        contract_id=case.contract_id,
        caller=case.caller,
        description=f"Follow-up of {case.number}, closed {case.closed_at:%Y-%m-%d}: {reason}",
        category=case.category,
        kind=case.kind,
        priority=case.priority,
        asset=case.asset,
        error_codes=case.error_codes,
        channel=channel,
        entitlement=case.entitlement,
        unidentified=case.flags.unidentified,
        not_entitled=case.flags.not_entitled,
        reported_by=case.reported_by,
        on_behalf=author,
        follows_case=case.number,
    )
    return Decision(case=case, follow_up=report)


def follow_up_opened(case: Case, author: Actor, at: datetime, *, number: str, reason: str) -> Decision:
    """The old case records the new one that follows it up (it stays closed)."""
    changed = advance(case, at, case.status)
    return Decision(
        case=changed,
        entries=(decisions.entry("follow_up_opened", author, at, follow_up_case_number=number, reason=reason),),
    )


def apply_policy(case: Case, actor: Actor, at: datetime, *, policy: CasePolicy) -> Decision:
    """sla-timer's word on the case's SLA policy and its reply settings: kept on the case, with an internal
    entry (staff see why a reply did or did not resume); the same word again changes nothing."""
    require_aware("at", at)
    if actor.role is not Role.SYSTEM:
        raise PermissionDenied("only sla-timer says which policy applies to a case")
    if case.policy == policy:
        return Decision(case=case)
    changed = replace(advance(case, at, case.status), policy=policy)
    entry = decisions.entry(
        "sla.policy_applied", actor, at, Visibility.INTERNAL,
        policy=policy.name, customer_reply_resumes=policy.reply_resumes,
        reopen_window_days=policy.reopen_window.days,
    )
    return Decision(case=changed, entries=(entry,))
