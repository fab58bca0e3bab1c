"""Carrying out the calls a committed change owes (adapters/store `owe`): a finding's case and an
on-site inspection's work case through intake (channel inspection), its field visit in dispatch, a
watch's duty roster. Rows are claimed and leased, the call made outside the transaction, the outcome
written in a second one. While the other side is away a row waits with backoff — never dropped;
intake is asked with the finding's own id, so a repeat opens nothing new."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any

from aftercare_platform.db.unit_of_work import Database

from inspection.adapters import store
from inspection.adapters.gateways import CaseReport, DispatchPort, IntakePort, ReceiptView, Refused, Unavailable
from inspection.domain import findings as finding_rules

log = logging.getLogger(__name__)


class Waiting(Exception):
    """Intake has the report but cases has not opened it yet: look again shortly."""


def backoff(attempts: int, cap: float) -> timedelta:
    return timedelta(seconds=min(cap, 0.5 * 2.0 ** min(attempts, 16)))


class Deliveries:
    def __init__(self, database: Database, intake: IntakePort, dispatch: DispatchPort, *,
                 max_backoff_seconds: float = 60.0, lease_seconds: float = 60.0) -> None:
        self._db, self._intake, self._dispatch = database, intake, dispatch
        self._cap, self._lease = max_backoff_seconds, timedelta(seconds=lease_seconds)

    async def run_once(self) -> int:
        async with self._db.unit_of_work() as uow:
            now = uow.clock.now()
            claimed = await store.claim_deliveries(uow.connection, now, now + self._lease)
        for row in claimed:
            await self._deliver(row)
        return len(claimed)

    async def _deliver(self, row: dict[str, Any]) -> None:
        attempts = int(row["attempts"]) + 1
        try:
            if row["kind"] == "finding_case":
                await self._finding_case(row["subject_id"])
            elif row["kind"] == "visit_case":
                await self._visit_case(row["subject_id"])
            elif row["kind"] == "watch_roster":
                await self._watch_roster(row["subject_id"])
            else:
                raise Refused(f"unknown delivery kind {row['kind']!r}")
        except Waiting as waiting:
            await self._settle(row["id"], "pending", str(waiting), backoff(attempts, self._cap))
        except Unavailable as away:
            log.warning("delivery %s waits (attempt %d): %s", row["id"], attempts, away)
            await self._settle(row["id"], "pending", str(away), backoff(attempts, self._cap))
        except Refused as refused:
            log.warning("delivery %s refused for good: %s", row["id"], refused)
            await self._settle(row["id"], "failed", str(refused), None)
            if row["kind"] == "finding_case":
                await self._finding_refused(row["subject_id"], str(refused))
        else:
            await self._settle(row["id"], "done", "", None)

    async def _settle(self, key: str, state: str, error: str, wait: timedelta | None) -> None:
        async with self._db.unit_of_work() as uow:
            next_at = uow.clock.now() + wait if wait is not None else None
            await store.settle_delivery(uow.connection, key, state=state, error=error, next_at=next_at)

    async def _opened(self, report: CaseReport, receipt_id: str) -> ReceiptView:
        receipt = await (self._intake.receipt(receipt_id) if receipt_id else self._intake.submit(report))
        if receipt.state == "failed":
            raise Refused(f"intake could not open the case: {receipt.error}")
        return receipt

    async def _finding_case(self, finding_id: str) -> None:
        async with self._db.unit_of_work() as uow:
            finding = await store.finding(uow.connection, finding_id)
        if finding is None or finding.case_id:
            return
        report = CaseReport(request_id=f"inspection-finding:{finding.id}", company_id=finding.company_id,
                            contract_id=finding.contract_id, site_id=finding.site_id, summary=finding.summary,
                            description=f"{finding.summary}\n\nRaised by inspection {finding.visit_id} "
                                        f"(finding {finding.id}, item {finding.item_id}).", defect=True)
        receipt = await self._opened(report, finding.receipt_id)
        async with self._db.unit_of_work() as uow:
            reported = finding_rules.reported(finding, receipt.receipt_id, receipt.case_id, receipt.case_number)
            await store.save_finding(uow.connection, reported)
        if not receipt.case_id:
            raise Waiting(f"receipt {receipt.receipt_id} is {receipt.state}: no case yet")

    async def _finding_refused(self, finding_id: str, why: str) -> None:
        async with self._db.unit_of_work() as uow:
            finding = await store.finding(uow.connection, finding_id)
            if finding is not None:
                await store.save_finding(uow.connection, finding_rules.refused(finding, why))

    async def _visit_case(self, visit_id: str) -> None:
        """An on-site inspection: a work case through intake (dispatch's visits hang on a case), then
        the field visit requested in dispatch; progress kept in the visit, so a retry resumes."""
        async with self._db.unit_of_work() as uow:
            visit = await store.visit(uow.connection, visit_id)
            progress = await store.delivery_payload(uow.connection, f"visit_case:{visit_id}")
        if visit is None or visit.dispatch_visit_id:
            return
        case_id = visit.dispatch_case_id
        if not case_id:
            report = CaseReport(request_id=f"inspection-visit:{visit.id}", company_id=visit.company_id,
                                contract_id=visit.contract_id, site_id=visit.site_id,
                                summary=f"Scheduled on-site inspection on {visit.scheduled_on}",
                                description=f"On-site inspection {visit.id} of plan {visit.plan_id}, "
                                            f"on {visit.scheduled_on} at site {visit.site_id}.", defect=False)
            receipt = await self._opened(report, str(progress.get("receipt_id", "")))
            async with self._db.unit_of_work() as uow:
                await store.update_delivery_payload(uow.connection, f"visit_case:{visit_id}",
                                                    {"receipt_id": receipt.receipt_id})
                if receipt.case_id:
                    await store.save_visit(uow.connection, replace(visit, dispatch_case_id=receipt.case_id))
            if not receipt.case_id:
                raise Waiting(f"receipt {receipt.receipt_id} is {receipt.state}: no case yet")
            case_id = receipt.case_id
        # the key is the visit's own id: an answer lost to a crash is asked again without a second visit
        dispatch_visit = await self._dispatch.request_visit(
            case_id=case_id, site=visit.site_id, reason=f"Scheduled inspection {visit.id} on {visit.scheduled_on}",
            request_id=f"inspection-visit:{visit.id}")
        async with self._db.unit_of_work() as uow:
            current = await store.visit(uow.connection, visit_id)
            if current is not None:
                await store.save_visit(uow.connection, replace(current, dispatch_case_id=case_id,
                                                            dispatch_visit_id=dispatch_visit))

    async def _watch_roster(self, watch_id: str) -> None:
        async with self._db.unit_of_work() as uow:
            watch = await store.watch(uow.connection, watch_id)
        if watch is None or watch.roster_id or not watch.engineer_ids:
            return
        roster_id = await self._dispatch.put_roster(
            roster_id=f"watch-{watch.id}", name=f"Watch: {watch.event_name}", region=watch.region,
            engineer_ids=watch.engineer_ids, start_local=f"{watch.on_site_from.isoformat()}T08:00:00",
            until_local=f"{(watch.ends_on + timedelta(days=1)).isoformat()}T08:00:00", time_zone="Asia/Shanghai")
        async with self._db.unit_of_work() as uow:
            current = await store.watch(uow.connection, watch_id)
            if current is not None:
                await store.save_watch(uow.connection, replace(current, roster_id=roster_id))
