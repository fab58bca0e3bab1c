"""The events inspection consumes: an urgent problem (a P1 case, opened or raised to P1) brings the
company's next on-site inspection forward. The platform runs each in one unit of work with the inbox."""

from __future__ import annotations

from aftercare_platform.bus.consumer import EventSubscription
from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.contracts.case_snapshot import case_snapshot
from aftercare_platform.db.unit_of_work import UnitOfWork

from inspection.handlers.plans import PlanHandlers

URGENT = "P1"


def subscriptions(plans: PlanHandlers) -> list[EventSubscription]:
    async def on_case(event: CloudEvent, uow: UnitOfWork) -> None:
        case = case_snapshot(event)
        if case.priority != URGENT or not case.company_id:
            return
        await plans.on_urgent_problem(uow, company_id=case.company_id, contract_id=case.contract_id,
                                      case_number=case.case_number or case.case_id)

    return [EventSubscription("inspection.urgent-cases", ["case.created.*", "case.priority_changed.*"], on_case)]
