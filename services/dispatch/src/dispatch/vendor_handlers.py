"""The original vendor as a use case: the case goes to the vendor tier through cases (which refuses it
without an expert's confirmation), dispatch keeps who at the vendor has it, the vendor's own ticket
number and its promised answer, and `aftercare.vendor.engaged.v1` starts sla-timer's vendor-response
clock (the underpinning contract); `aftercare.vendor.responded.v1` stops it at the answer's own time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aftercare.dispatch.v1 import events_pb2 as ev
from aftercare_platform.auth.principal import Principal
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.errors import FailedPrecondition

from dispatch.adapters import store
from dispatch.adapters.case_gateway import CasesPort, answering_callers
from dispatch.adapters.case_snapshot import actor_message, case_for_work, event_head, snapshot_of, within_reach
from dispatch.adapters.people_mapping import engineer_from_document, team_from_document
from dispatch.adapters.proto_values import document, stamp
from dispatch.adapters.tables import engineers as engineers_table
from dispatch.adapters.tables import teams as teams_table
from dispatch.adapters.vendor_mapping import engagement_from_document, engagement_to_proto
from dispatch.domain import vendor as rules
from dispatch.domain.vendor import VendorEngagement
from dispatch.handlers import CLOSED_STATUSES


def _repeated(found: tuple[dict[str, Any], dict[str, Any]] | None, ticket: str, case_number: str
              ) -> VendorEngagement:
    """The engagement a case already has, for a repeat of the request that made it (the same vendor ticket:
    a retry, or its concurrent twin); any other engagement of the case is refused."""
    existing = engagement_from_document(found[0]) if found is not None else None
    if existing is None or existing.ticket != ticket.strip():
        raise FailedPrecondition(f"case {case_number} is already with the original vendor")
    return existing


class VendorHandlers:
    def __init__(self, database: Database, cases: CasesPort) -> None:
        self._db = database
        self._cases = cases

    def now(self) -> datetime:
        return self._db.clock.now()

    async def engage(self, principal: Principal, *, case_id: str, contact_id: str, ticket: str,
                     promised_response: timedelta, reason: str) -> VendorEngagement:
        facts = await case_for_work(self._cases, principal, case_id)
        if facts.status in CLOSED_STATUSES:
            raise FailedPrecondition(f"case {facts.case_number} is {facts.status}")
        async with self._db.unit_of_work() as uow:
            found = await store.get_vendor_engagement(uow, facts.case_id)
            if found is not None:
                return _repeated(found, ticket, facts.case_number)
            staff = [engineer_from_document(d) for d in await store.all_documents(uow, engineers_table)]
            teams = [team_from_document(d) for d in await store.all_documents(uow, teams_table)]
        contact = rules.vendor_contact(facts.manufacturer, staff, teams, named=contact_id.strip())
        engagement = rules.engage(case_id=facts.case_id, manufacturer=facts.manufacturer, contact=contact,
                                  ticket=ticket, promised_response=promised_response, at=self.now())
        why = (f"{reason.strip()} (vendor contact {contact.id}, vendor ticket {engagement.ticket}, "
               f"answer promised within {engagement.promised_response})")  # no instant: a twin says the same
        with answering_callers():
            await self._cases.escalate_to_vendor(facts.case_id, why, f"vendor/{facts.case_id}/escalate")
        snapshot = snapshot_of(facts)
        async with self._db.unit_of_work() as uow:
            now = uow.clock.now()
            doc = document(engagement_to_proto(engagement, now))
            if not await store.add_vendor_engagement(uow, facts.case_id, doc, snapshot, now):
                # a concurrent twin engaged the vendor first: its engagement stands, announced once
                return _repeated(await store.get_vendor_engagement(uow, facts.case_id), ticket, facts.case_number)
            head = event_head(facts.case_id, snapshot, engagement.engaged_at, actor_message(principal))
            uow.emit("aftercare.vendor.engaged.v1", subject=facts.case_id, region=facts.region,
                     data=ev.VendorEngaged(**head, vendor_contact_id=contact.id, manufacturer=facts.manufacturer,
                                           vendor_ticket=engagement.ticket,
                                           promised_time=stamp(engagement.promised_at), reason=reason.strip()))
        return engagement

    async def respond(self, principal: Principal, case_id: str, response: str, at: datetime | None
                      ) -> VendorEngagement:
        async with self._db.unit_of_work() as uow:
            found = await store.get_vendor_engagement(uow, case_id)
            doc, snapshot = within_reach(found, principal, "vendor engagement", case_id)
            now = uow.clock.now()
            engagement = rules.respond(engagement_from_document(doc), response, at or now)
            await store.put_vendor_engagement(uow, case_id, document(engagement_to_proto(engagement, now)),
                                              snapshot, now)
            assert engagement.responded_at is not None
            head = event_head(case_id, snapshot, engagement.responded_at, actor_message(principal))
            uow.emit("aftercare.vendor.responded.v1", subject=case_id, region=snapshot["region"],
                     data=ev.VendorResponded(**head, vendor_contact_id=engagement.contact_id,
                                             vendor_ticket=engagement.ticket, response=engagement.response,
                                             late=engagement.late(now)))
        return engagement

    async def get(self, principal: Principal, case_id: str) -> VendorEngagement:
        async with self._db.unit_of_work() as uow:
            doc, _ = within_reach(await store.get_vendor_engagement(uow, case_id), principal, "vendor engagement",
                                  case_id)
        return engagement_from_document(doc)
