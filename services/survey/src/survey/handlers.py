"""One method per command or event: load, decide, save, emit, in one unit of work."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.cases.v1 import events_pb2 as case_events
from aftercare_platform.auth.access import require_role
from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.contracts import EnumMap
from aftercare_platform.db.unit_of_work import Database, UnitOfWork
from aftercare_platform.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, Unavailable
from aftercare_platform.validation import uuid_field
from sqlalchemy.exc import IntegrityError

from survey.adapters import events, store
from survey.adapters.cases_gateway import CasesGateway, CasesRefused, CasesUnavailable
from survey.adapters.intake_gateway import ContactRegistry, RegistryContact, RegistryUnavailable
from survey.domain.case_survey import CaseSurvey, answer_summary, case_survey
from survey.domain.invitation import Invitation, InvitationStatus, needs_return_visit
from survey.domain.open_now import already_open, open_now, refusal
from survey.domain.questionnaire import Answer, Questionnaire, QuestionnaireCatalog, is_unsatisfied, parse_answer
from survey.domain.return_visit import Outcome, ReturnVisit, ReturnVisitStatus
from survey.domain.sla_counts import SlaCount, tally
from survey.domain.tokens import TokenRefused, link, verify
from survey.settings import SurveySettings


class LinkRefused(Exception):
    """The link cannot be used: "forged", "expired", "answered" or "unknown"."""

    def __init__(self, reason: str, invitation: Invitation | None = None) -> None:
        super().__init__(reason)
        self.reason, self.invitation = reason, invitation


@dataclass(frozen=True)
class Form:
    invitation: Invitation
    questionnaire: Questionnaire
    answered: bool


# the case's enums in their one short spelling (kind `defect`, category `B`)
CASE_KINDS = EnumMap.words(cases_pb.CaseKind)
CATEGORIES = EnumMap.words(cases_pb.Category)


def _at(stamp: object, fallback: datetime) -> datetime:
    return stamp.ToDatetime(tzinfo=UTC) if stamp.seconds or stamp.nanos else fallback  # type: ignore[attr-defined]


def stable_id(*parts: str) -> str:
    """An id that a repeat of the same fact computes again (so a repeat adds nothing)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "aftercare/survey/" + "/".join(parts)))


def link_for(settings: SurveySettings, invitation: Invitation) -> str:
    """The no-login link to the invitation's form (signed; valid until the invitation expires)."""
    assert invitation.expires_at is not None
    return link(settings.survey_link_secret, settings.public_base_url, invitation.id, invitation.expires_at)


def unsatisfied_reason(answer: Answer) -> str:
    """The customer's own words as the reopen reason, with the ratings that made it unsatisfied."""
    overall, resolved = answer.rating("overall"), answer.flag("resolved")
    facts = f"overall {overall}/5" + (", not resolved" if resolved is False else "")
    words = answer.text("comment")
    return f"Customer survey: unsatisfied ({facts})" + (f": {words}" if words else "")


class SurveyHandlers:
    def __init__(self, database: Database, settings: SurveySettings,
                 catalog: QuestionnaireCatalog | None = None, registry: ContactRegistry | None = None,
                 cases: CasesGateway | None = None) -> None:
        self.database, self.settings = database, settings
        # cases, asked whether the case is still closed when a customer opens its survey itself
        self.cases = cases
        self.catalog = catalog or QuestionnaireCatalog()
        # intake's registry: every customer contact, for the campaigns; None: the contacts surveys found
        self.registry = registry

    # ---- events from cases and sla-timer ------------------------------------------------------

    async def on_case_closed(self, closed: case_events.CaseClosed, uow: UnitOfWork) -> None:
        """Schedules this closing's invitation (and, for a repair, the return-visit call)."""
        now = uow.clock.now()
        closed_at = _at(closed.occurred_at, now)
        kind = CASE_KINDS.spell(closed.kind) or ""
        invitation = Invitation(
            id=str(uuid.uuid4()), case_id=closed.case_id, case_number=closed.case_number,
            company_id=closed.company_id, region=closed.region, engineer_id=closed.assignee_id,
            category=CATEGORIES.spell(closed.category) or "", kind=kind, rma=closed.rma,
            closed_at=closed_at, contact_name="", contact_phone="", contact_email="",
            language=self.settings.company_languages.get(closed.company_id, self.settings.default_language),
            questionnaire=self.catalog.current("case", closed.company_id or None).ref,
            status=InvitationStatus.SCHEDULED,
            due_at=closed_at + timedelta(seconds=self.settings.company_invitation_delay_seconds.get(
                closed.company_id, self.settings.invitation_delay_seconds)),
        )
        if not await store.add_invitation(uow.connection, invitation):
            return  # this closing is already scheduled
        if needs_return_visit(kind, closed.rma, await store.had_field_visit(uow.connection, closed.case_id)):
            await self._open_return_visit(uow, invitation, "repair", now)

    async def on_case_reopened(self, reopened: case_events.CaseReopened, uow: UnitOfWork) -> None:
        """A reopen before the invitation went out cancels it; every reopen counts against first-time fix."""
        for invitation in await store.scheduled_for_case(uow.connection, reopened.case_id):
            await store.save_invitation(uow.connection, invitation.cancel())
        await store.bump_fact(uow.connection, reopened.case_id, reopen_count=1)

    async def on_sla_counts(self, counts: Sequence[SlaCount], uow: UnitOfWork) -> None:
        """A window of sla-timer's verdicts: one write for all the cases it touches."""
        await store.add_sla_counts(uow.connection, tally(counts))

    async def on_activity(self, recorded: case_events.CaseActivityRecorded, uow: UnitOfWork) -> None:
        if recorded.activity.kind == cases_pb.ACTIVITY_KIND_ON_SITE_VISIT:
            await store.mark_field_visit(uow.connection, recorded.case_id)

    # ---- the customer's link -----------------------------------------------------------------

    async def _by_token(self, uow: UnitOfWork, token: str, *, for_update: bool = False) -> Invitation:
        try:
            link = verify(self.settings.survey_link_secret, token, uow.clock.now())
        except TokenRefused as refused:
            raise LinkRefused(refused.reason) from None
        invitation = await store.load_invitation(uow.connection, link.invitation_id, for_update=for_update)
        if invitation is None or invitation.status not in (InvitationStatus.SENT, InvitationStatus.ANSWERED):
            raise LinkRefused("unknown")
        return invitation

    async def open_form(self, token: str) -> Form:
        async with self.database.unit_of_work() as uow:
            invitation = await self._by_token(uow, token)
        questionnaire = self.catalog.by_ref(invitation.questionnaire)
        return Form(invitation, questionnaire, invitation.status is InvitationStatus.ANSWERED)

    async def submit(self, token: str, fields: dict[str, str]) -> tuple[Invitation, bool]:
        """Records the answer once; unsatisfied: a return visit, the reopen (carried out once by the worker)
        and `survey.unsatisfied`. Returns the invitation and whether the answer was unsatisfied."""
        async with self.database.unit_of_work() as uow:
            now = uow.clock.now()
            invitation = await self._by_token(uow, token, for_update=True)
            if invitation.status is InvitationStatus.ANSWERED:
                raise LinkRefused("answered", invitation)
            answer = parse_answer(self.catalog.by_ref(invitation.questionnaire), fields)
            unsatisfied = is_unsatisfied(answer, threshold=self.settings.unsatisfied_threshold)
            invitation = invitation.answer(now)
            await store.save_invitation(uow.connection, invitation)
            try:
                await store.add_answer(uow.connection, invitation.id, dict(answer.values), unsatisfied, now)
            except IntegrityError:
                raise LinkRefused("answered", invitation) from None  # a twin submission won (SQLite has no row lock)
            if fields.get("opt_out") == "yes":
                await store.opt_out(uow.connection, invitation.contact_key, now)
            uow.emit(events.SURVEY_COMPLETED, subject=invitation.case_id or invitation.id, region=invitation.region,
                     data=events.survey_completed(invitation, answer, unsatisfied, now))
            if invitation.campaign_id:
                return invitation, unsatisfied  # about the service in general: no case to note or reopen
            await store.enqueue_call(uow.connection, f"note:{invitation.id}", "note", invitation.case_id, {
                "text": f"Survey answered: {_summary(answer)}", "internal": False,
                "request_id": stable_id("survey-note", invitation.id)}, now)
            if unsatisfied:
                visit = await self._open_return_visit(uow, invitation, "unsatisfied", now)
                await store.enqueue_call(uow.connection, f"reopen:{invitation.id}", "reopen", invitation.case_id, {
                    "reason": unsatisfied_reason(answer), "reopen_count": invitation.reopen_count,
                    "request_id": stable_id("survey-reopen", invitation.id)}, now)
                uow.emit(events.SURVEY_UNSATISFIED, subject=invitation.case_id, region=invitation.region,
                         data=events.survey_unsatisfied(invitation, answer, visit.id, now))
        return invitation, unsatisfied

    async def complain(self, token: str, about: str, text: str) -> Invitation:
        """The customer's complaint from the survey page, filed once per survey (the worker calls cases)."""
        text = text.strip()
        if not text:
            raise InvalidArgument.for_field("text", "is required")
        if about not in ("fix", "engineer"):
            raise InvalidArgument.for_field("about", "must be fix or engineer")
        async with self.database.unit_of_work() as uow:
            invitation = await self._by_token(uow, token, for_update=True)
            if invitation.status is not InvitationStatus.ANSWERED or invitation.campaign_id:
                raise FailedPrecondition("a complaint is filed about a case, after its survey is answered")
            if not await store.mark_complaint_filed(uow.connection, invitation.id):
                raise LinkRefused("complained", invitation)
            await store.enqueue_call(uow.connection, f"complaint:{invitation.id}", "complaint", invitation.case_id, {
                "about": about, "text": text, "company_id": invitation.company_id,
                "complainant": f"survey-link:{invitation.id}"}, uow.clock.now())
        return invitation

    async def opt_out(self, token: str) -> None:
        async with self.database.unit_of_work() as uow:
            invitation = await self._by_token(uow, token)
            await store.opt_out(uow.connection, invitation.contact_key, uow.clock.now())

    async def open_case_survey(self, viewer: Principal, case_id: str, request_id: str) -> CaseSurvey:
        """"Give feedback now": the case's survey with a usable link for a customer of the case's company
        (domain/open_now.py decides). Another company's case reads as absent, as GetCaseSurvey; anyone but a
        customer is refused. Opened here, the invitation is sent: the worker's delayed send finds it done, and
        no `survey.sent` goes out (the customer is on the page; nobody is messaged)."""
        case_id = uuid_field("case_id", case_id)
        request_id = request_id.strip()
        if not request_id or len(request_id) > 128:
            raise InvalidArgument.for_field("request_id", "is required (at most 128 characters)")
        require_role(viewer, Role.CUSTOMER)
        async with self.database.unit_of_work() as uow:
            now = uow.clock.now()
            invitation = await store.case_invitation_for(uow.connection, viewer, case_id)
            if already_open(invitation, request_id, now):
                return await self._as_opened(uow, invitation, now)
            if (refused := refusal(invitation, now)) is not None:
                raise refused
        if self.cases is None:
            raise Unavailable("cases cannot be asked whether the case is closed")
        try:
            case = await self.cases.get_case(case_id)  # the reopen event may be late: cases says
        except CasesUnavailable as away:
            raise Unavailable(f"cases cannot say whether the case is closed; try again: {away}") from None
        except CasesRefused:
            raise NotFound("case survey not found") from None
        async with self.database.unit_of_work() as uow:
            now = uow.clock.now()
            current = await store.load_invitation(uow.connection, invitation.id, for_update=True)
            assert current is not None
            if not already_open(current, request_id, now):
                current = replace_contact(current, case.contact_name, case.contact_phone, case.contact_email,
                                          case.reopen_count)
            surveyed = await store.surveyed_closing(uow.connection, case_id, case.reopen_count, current.id)
            opened = open_now(current, request_id=request_id, case_status=case.status, closing_surveyed=surveyed,
                              now=now, link_lifetime=timedelta(days=self.settings.link_lifetime_days))
            if opened != current:
                await store.save_invitation(uow.connection, opened)
            return await self._as_opened(uow, opened, now)

    async def _as_opened(self, uow: UnitOfWork, invitation: Invitation, now: datetime) -> CaseSurvey:
        row = await store.load_answer(uow.connection, invitation.id)
        answer = None if row is None else answer_summary(dict(row.values or {}), row.answered_at, row.unsatisfied)
        signed = link_for(self.settings, invitation) if invitation.expires_at is not None else None
        return case_survey(invitation, now, link=signed, answer=answer)

    # ---- campaigns --------------------------------------------------------------------------

    async def start_campaign(self, period: str, by: str) -> tuple[str, int]:
        """The period's questionnaire to every customer contact of intake's registry (and every contact a case
        survey found), opted-out ones left out; the campaign id and how many."""
        if not re.fullmatch(r"\d{4}-H[12]", period):
            raise InvalidArgument.for_field("period", "must be a half year like 2026-H2")
        registered: list[RegistryContact] = []
        if self.registry is not None:
            try:
                registered = await self.registry.customer_contacts()
            except RegistryUnavailable as away:
                raise Unavailable(f"intake's registry cannot be read now; start the campaign again: {away}") from None
        async with self.database.unit_of_work() as uow:
            now = uow.clock.now()
            campaign_id = str(uuid.uuid4())
            # the link outlives the reminder by a whole link lifetime
            lifetime = timedelta(days=self.settings.link_lifetime_days + self.settings.campaign_reminder_days)
            questionnaire = self.catalog.current("half_yearly", None).ref
            if not await store.add_campaign(uow.connection, campaign_id, period, questionnaire, by=by, now=now,
                                            remind_at=now + timedelta(days=self.settings.campaign_reminder_days)):
                raise AlreadyExists(f"the campaign for {period} was already started")
            contacts = await store.campaign_contacts(uow.connection, [self._as_invitation(c, now) for c in registered])
            for contact in contacts:
                invitation = Invitation(
                    id=str(uuid.uuid4()), case_id="", case_number="", company_id=contact.company_id,
                    region=contact.region, engineer_id="", category="", kind="", rma=False, closed_at=now,
                    contact_name=contact.contact_name, contact_phone=contact.contact_phone,
                    contact_email=contact.contact_email, language=contact.language,
                    questionnaire=self.catalog.current("half_yearly", contact.company_id or None).ref,
                    status=InvitationStatus.SCHEDULED, due_at=now, campaign_id=campaign_id,
                ).send(now, lifetime)
                await store.add_invitation(uow.connection, invitation)
                uow.emit(events.SURVEY_SENT, subject=invitation.id, region=invitation.region,
                         data=events.survey_sent(invitation, link_for(self.settings, invitation), now))
        return campaign_id, len(contacts)

    def _as_invitation(self, contact: RegistryContact, now: datetime) -> Invitation:
        """A registered contact in the shape the campaign reads (company, region, name, phone, e-mail)."""
        return Invitation(
            id="", case_id="", case_number="", company_id=contact.company_id, region=contact.region,
            engineer_id="", category="", kind="", rma=False, closed_at=now, contact_name=contact.name,
            contact_phone=contact.phone, contact_email=contact.email,
            language=self.settings.company_languages.get(contact.company_id, self.settings.default_language),
            questionnaire=self.catalog.current("half_yearly", None).ref, status=InvitationStatus.SCHEDULED, due_at=now)

    # ---- return visits ----------------------------------------------------------------------

    async def _open_return_visit(self, uow: UnitOfWork, invitation: Invitation, reason: str,
                                 now: datetime) -> ReturnVisit:
        visit = ReturnVisit(stable_id("return-visit", reason, invitation.case_id, invitation.closed_at.isoformat()),
                            invitation.case_id, invitation.case_number, invitation.company_id,
                            invitation.engineer_id, reason, ReturnVisitStatus.OPEN, now, region=invitation.region)
        await store.add_return_visit(uow.connection, visit, now)
        return visit

    async def record_return_visit(self, visit_id: str, outcome: Outcome, by: str) -> ReturnVisit:
        async with self.database.unit_of_work() as uow:
            now = uow.clock.now()
            visit = await store.load_return_visit(uow.connection, visit_id, for_update=True)
            if visit is None:
                raise NotFound(f"return visit {visit_id} not found")
            visit = visit.record(outcome, now)
            await store.save_return_visit(uow.connection, visit)
            uow.emit(events.RETURN_VISIT_RECORDED, subject=visit.case_id, region=visit.region or self.settings.region,
                     data=events.return_visit_recorded(visit, visit.region or self.settings.region, now))
            await store.enqueue_call(uow.connection, f"rv-note:{visit.id}:{visit.attempts}", "note", visit.case_id, {
                "text": _visit_summary(visit, by), "internal": True,
                "request_id": stable_id("return-visit-note", visit.id, str(visit.attempts))}, now)
        return visit


def _summary(answer: Answer) -> str:
    parts = [f"{key} {answer.rating(key)}/5" for key in ("overall", "response_speed", "attitude")
             if answer.rating(key) is not None]
    if answer.flag("resolved") is not None:
        parts.append("resolved" if answer.flag("resolved") else "not resolved")
    if answer.text("comment"):
        parts.append(f"\u201c{answer.text('comment')}\u201d")
    return ", ".join(parts)


def _visit_summary(visit: ReturnVisit, by: str) -> str:
    outcome = visit.outcome
    assert outcome is not None
    if not outcome.reached:
        return f"Return visit call {visit.attempts} by {by}: customer not reached ({visit.status.value})"
    text = f"Return visit by {by}: reached, satisfaction {outcome.satisfaction}/5"
    if outcome.follow_up:
        text += ", follow-up needed"
    return text + (f": {outcome.comments}" if outcome.comments else "")


def replace_contact(invitation: Invitation, name: str, phone: str, email: str, reopen_count: int) -> Invitation:
    return replace(invitation, contact_name=name, contact_phone=phone, contact_email=email, reopen_count=reopen_count)
