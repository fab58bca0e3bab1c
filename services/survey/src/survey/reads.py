"""Queries that only read: the statistics, the assessment, return visits, and what a case's survey did."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aftercare_platform.auth.access import can_access, ensure_access
from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.errors import NotFound
from aftercare_platform.validation import uuid_field
from sqlalchemy import select

from survey.adapters import store
from survey.adapters.tables import case_calls, invitations
from survey.domain.case_survey import CaseSurvey, answer_summary, case_survey
from survey.domain.invitation import InvitationStatus
from survey.domain.return_visit import ReturnVisit
from survey.domain.statistics import (
    CaseRecord,
    Dimension,
    EngineerAssessment,
    Satisfaction,
    assess_all,
    satisfaction,
    satisfaction_by,
)
from survey.domain.tokens import link


@dataclass(frozen=True)
class CampaignFigures:
    campaign_id: str
    period: str
    questionnaire: str
    sent: int
    answered: int
    response_rate: float | None


@dataclass(frozen=True)
class YearlyReport:
    year: int
    overall: Satisfaction
    by: dict[str, list[Satisfaction]]
    engineers: list[EngineerAssessment]
    campaigns: list[CampaignFigures]


def case_record(row: Any) -> CaseRecord:
    values = row.values or {}
    timed = (row.sla_breaches or 0) + (row.sla_met or 0)
    return CaseRecord(
        case_id=row.case_id, company_id=row.company_id, region=row.region, engineer_id=row.engineer_id,
        category=row.category, closed_at=row.closed_at,
        sent=row.status in (InvitationStatus.SENT.value, InvitationStatus.ANSWERED.value),
        answered=row.status == InvitationStatus.ANSWERED.value,
        overall=values.get("overall"), recommend=values.get("recommend"), resolved=values.get("resolved"),
        reopen_count=row.reopens or 0, sla_breached=None if timed == 0 else (row.sla_breaches or 0) > 0,
    )


@dataclass(frozen=True)
class LinkSigner:
    """What a customer's link is made with: the service's link secret and its public address."""

    secret: str
    base_url: str


class SurveyReads:
    def __init__(self, database: Database, *, threshold: int = 2, links: LinkSigner | None = None) -> None:
        self.database, self.threshold, self.links = database, threshold, links

    async def case_survey(self, viewer: Principal, case_id: str) -> CaseSurvey:
        """The survey of the case's latest closing. Another company's (or region's) case and a case survey
        has no invitation for are the same NotFound; the link goes to a customer of the case's company only,
        and only while the survey can be answered (the same signed link the invitation carried)."""
        case_id = uuid_field("case_id", case_id)
        async with self.database.unit_of_work() as uow:
            now = uow.clock.now()
            invitation = await store.case_invitation_for(uow.connection, viewer, case_id)
            row = await store.load_answer(uow.connection, invitation.id)
        answer = None if row is None else answer_summary(dict(row.values or {}), row.answered_at, row.unsatisfied)
        answerer = viewer.role is Role.CUSTOMER and viewer.company_id == invitation.company_id
        signed = None
        if answerer and self.links is not None and invitation.answerable(now) and invitation.expires_at:
            signed = link(self.links.secret, self.links.base_url, invitation.id, invitation.expires_at)
        return case_survey(invitation, now, link=signed, answer=answer)

    async def records(self, viewer: Principal | None, closed_from: datetime | None = None,
                      closed_until: datetime | None = None) -> list[CaseRecord]:
        """The closings in the period that the viewer may see (None: every one, for the service itself)."""
        async with self.database.reading() as connection:
            rows = await store.record_rows(connection, closed_from, closed_until)
        records = [case_record(row) for row in rows]
        return [r for r in records if viewer is None or can_access(viewer, r.company_id, r.region)]

    async def statistics(self, viewer: Principal | None, dimension: Dimension, closed_from: datetime | None = None,
                         closed_until: datetime | None = None) -> list[Satisfaction]:
        records = await self.records(viewer, closed_from, closed_until)
        return satisfaction_by(dimension, records, threshold=self.threshold)

    async def assessment(self, viewer: Principal | None, closed_from: datetime | None = None,
                         closed_until: datetime | None = None) -> list[EngineerAssessment]:
        latest: dict[str, CaseRecord] = {}
        for record in await self.records(viewer, closed_from, closed_until):
            latest[record.case_id] = record  # rows come by closing time: a case counts once, by its last closing
        return assess_all(latest.values())

    async def yearly_report(self, viewer: Principal | None, year: int) -> YearlyReport:
        """The year's satisfaction report: every figure by every dimension, the assessment, the campaigns."""
        start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
        records = await self.records(viewer, start, end)
        by = {d.value: satisfaction_by(d, records, threshold=self.threshold)
              for d in (Dimension.COMPANY, Dimension.REGION, Dimension.ENGINEER, Dimension.CATEGORY, Dimension.MONTH)}
        periods = (f"{year}-H1", f"{year}-H2")
        return YearlyReport(year, satisfaction(str(year), records, threshold=self.threshold), by,
                            await self.assessment(viewer, start, end),
                            [c for c in await self.campaigns() if c.period in periods])

    async def return_visits(self, viewer: Principal | None, status: str | None = None) -> list[ReturnVisit]:
        async with self.database.reading() as connection:
            visits = await store.list_return_visits(connection, status)
        return [v for v in visits if viewer is None or can_access(viewer, v.company_id, v.region)]

    async def return_visit(self, viewer: Principal, visit_id: str) -> ReturnVisit:
        async with self.database.reading() as connection:
            visit = await store.load_return_visit(connection, visit_id)
        if visit is None:
            raise NotFound(f"return visit {visit_id} not found")
        ensure_access(viewer, visit.company_id, visit.region, resource="return visit")
        return visit

    async def campaigns(self) -> list[CampaignFigures]:
        async with self.database.reading() as connection:
            rows = await store.campaign_rows(connection)
        return [CampaignFigures(row.id, row.period, row.questionnaire, int(row.sent), int(row.answered or 0),
                                None if not row.sent else int(row.answered or 0) / int(row.sent)) for row in rows]

    async def campaign(self, campaign_id: str) -> CampaignFigures:
        [found] = [c for c in await self.campaigns() if c.campaign_id == campaign_id]
        return found

    async def invitations_of(self, case_id: str) -> list[Any]:
        async with self.database.reading() as connection:
            query = select(invitations).where(invitations.c.case_id == case_id).order_by(invitations.c.closed_at)
            return list(await connection.execute(query))

    async def calls_of(self, case_id: str) -> list[Any]:
        async with self.database.reading() as connection:
            query = select(case_calls).where(case_calls.c.case_id == case_id).order_by(case_calls.c.id)
            return list(await connection.execute(query))
