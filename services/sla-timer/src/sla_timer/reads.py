"""What GetCaseSla and the compliance report read, with who may see what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aftercare_platform.auth.access import ensure_access, scope_of
from aftercare_platform.auth.principal import Principal
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.errors import InvalidArgument, NotFound
from aftercare_platform.validation import uuid_field

from sla_timer.adapters.case_repository import CaseInfo, contract_policy, find_case
from sla_timer.adapters.clock_repository import load_case_clocks
from sla_timer.adapters.compliance import compliance_report
from sla_timer.adapters.policy_store import PolicyStore
from sla_timer.domain.customer_view import for_customer
from sla_timer.domain.explain import ClockExplanation, case_zone, explain
from sla_timer.domain.report import Report, ReportFilter
from sla_timer.domain.vocabulary import ClockKind


@dataclass(frozen=True)
class CaseSla:
    case: CaseInfo
    policy: str
    clocks: list[ClockExplanation]
    as_of: datetime


class SlaReads:
    def __init__(self, database: Database, policies: PolicyStore) -> None:
        self._db = database
        self._policies = policies

    async def case_sla(self, principal: Principal, *, case_id: str = "", case_number: str = "") -> CaseSla:
        if not case_id and not case_number:
            raise InvalidArgument.for_field("case_id", "name the case by case_id or case_number")
        if case_id:
            case_id = uuid_field("case_id", case_id)  # the one behaviour: a non-UUID id is INVALID_ARGUMENT
        async with self._db.unit_of_work() as uow:
            case = await find_case(uow.connection, case_id=case_id, case_number=case_number)
            if case is None:
                raise NotFound("case not found")
            # another company's case looks exactly like one never heard of
            ensure_access(principal, case.company_id, case.region, resource="case")
            policy_set = await self._policies.current(uow.connection)
            policy = policy_set.policy_for_contract(await contract_policy(uow.connection, case.contract_id))
            clocks = await load_case_clocks(uow.connection, case.case_id, lock=False)
            now = uow.clock.now()
            # one zone for every time of the case (the policy's calendar's), whatever each clock's calendar
            zone = case_zone(policy, policy_set.calendars)
            explained = [
                explain(clocks[k], now=now, calendars=policy_set.calendars, zone=zone) for k in ClockKind if k in clocks
            ]
            if not principal.is_staff:
                # docs/customers-and-slas.md: targets, deadlines, met/breached; never warnings or actions
                explained = [for_customer(e, zone) for e in explained]
        return CaseSla(case, policy.name, explained, now)

    async def compliance(self, principal: Principal, wanted: ReportFilter) -> Report:
        scope = scope_of(principal)
        if scope.is_empty:
            return Report()
        async with self._db.reading() as connection:
            # who held a case is the desk's business: customers and partners see their totals only
            return await compliance_report(connection, wanted, scope, by_engineer=principal.is_staff)
