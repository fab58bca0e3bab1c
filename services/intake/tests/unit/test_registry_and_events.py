"""The registry's writes and their events, the CSV import's per-row report, and what case events
teach intake (open cases, downtime) — applied twice, with one effect."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from aftercare.cases.v1 import cases_pb2, events_pb2
from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied
from google.protobuf.json_format import MessageToDict
from intake.adapters import case_index
from intake.domain.identification import asset_key
from intake.domain.intake_request import IntakeRequest
from intake.domain.vocabulary import Channel
from intake.entrypoints.consumers import on_case_events
from intake.handlers.registry_import import import_csv
from intake.parsing.csv_import import ImportKind
from intake.reads import check_coverage

from .conftest import AGENT, NOW, Service, events

CUSTOMER = Principal("li", Role.CUSTOMER, company_id="ACME")


async def test_registry_writes_check_fields_and_references_and_announce_contracts_and_assets(
        service: Service) -> None:
    registry = service.registry
    company = await registry.create(AGENT, ImportKind.COMPANIES, {"company_id": None, "name": "Auto Id"})
    assert len(company.company_id) == 36  # allocated
    with pytest.raises(InvalidArgument) as bad:
        await registry.create(AGENT, ImportKind.CONTRACTS, {"contract_id": "C-1", "company_id": "NOPE",
                                                            "sla_policy": "gold", "start_on": "2026/02/30"})
    assert [v.field for v in bad.value.violations] == ["contract.start_on"]
    with pytest.raises(InvalidArgument) as missing:
        await registry.create(AGENT, ImportKind.CONTRACTS, {"contract_id": "C-1", "company_id": "NOPE",
                                                            "sla_policy": "gold", "start_on": "2026-02-01"})
    assert missing.value.violations[0].field == "contract.company_id"
    await registry.create(AGENT, ImportKind.CONTRACTS, {"contract_id": "C-1", "company_id": company.company_id,
                                                        "sla_policy": "gold", "start_on": "2026-02-01"})
    with pytest.raises(AlreadyExists):
        await registry.create(AGENT, ImportKind.CONTRACTS, {"contract_id": "C-1", "company_id": company.company_id,
                                                            "sla_policy": "gold", "start_on": "2026-02-01"})
    updated = await registry.update(AGENT, ImportKind.CONTRACTS, {
        "contract_id": "C-1", "company_id": company.company_id, "sla_policy": "platinum", "start_on": "2026-02-01",
        "warranty_months": "36"})
    assert updated.warranty_months == 36  # type: ignore[union-attr]
    await registry.create(AGENT, ImportKind.ASSETS, {"serial_number": "SN-1", "manufacturer": "Dahua",
                                                     "contract_id": "C-1"})
    assert await events(service) == ["aftercare.contract.created.v1", "aftercare.contract.updated.v1",
                                      "aftercare.asset.created.v1"]
    with pytest.raises(InvalidArgument) as unknown:
        await registry.create(AGENT, ImportKind.COMPANIES, {"company_id": "X", "name": "X", "colour": "red"})
    assert unknown.value.violations[0].field == "company.colour"
    with pytest.raises(PermissionDenied):
        await registry.create(CUSTOMER, ImportKind.COMPANIES, {"company_id": "Y", "name": "Y"})
    with pytest.raises(NotFound):  # another company's record looks absent to a customer
        await registry.get(CUSTOMER, ImportKind.CONTRACTS, "C-1")


async def test_a_csv_import_keeps_good_rows_and_reports_bad_ones_with_their_file_row(service: Service) -> None:
    await service.registry.create(AGENT, ImportKind.COMPANIES, {"company_id": "ACME", "name": "ACME"})
    await service.registry.create(AGENT, ImportKind.SITES, {"site_id": "S-1", "company_id": "ACME", "name": "G",
                                                            "address": "Road", "region": "east"})
    text = ("serial_number,manufacturer,site_id,accepted_on\n"
            "SN-1,Hikvision,S-1,2025-06-01\n"
            "SN-2,Hikvision,S-404,\n"
            "SN-3,,S-1,\n"
            "SN-1,HIKVISION,S-1,\n"
            "SN-4,Dahua,,2025-13-01\n")
    report = await import_csv(service.database, AGENT, ImportKind.ASSETS, text, first_row=102, region="east")
    assert (report.rows_read, report.rows_imported, report.rows_rejected) == (5, 1, 4)
    assert [(e.row, e.field) for e in report.errors] == [
        (103, "site_id"), (104, "manufacturer"), (105, "serial_number"), (106, "accepted_on")]
    assert "S-404 is not registered" in report.errors[0].reason
    assert (await events(service))[-1] == "aftercare.asset.imported.v1"
    again = await import_csv(service.database, AGENT, ImportKind.ASSETS,
                             "serial_number,manufacturer,model\nSN-1,Hikvision,new model\n", region="east")
    assert again.rows_imported == 1  # an import updates by key
    asset = await service.registry.get_asset(AGENT, "SN-1", None)
    assert asset.model == "new model" and asset.site_id is None


def case_event(event_type: str, message: object, event_id: str | None = None) -> CloudEvent:
    data = MessageToDict(message)  # type: ignore[arg-type]
    event = CloudEvent(type=event_type, source="/services/cases", subject="case-1", region="east", data=data)
    return CloudEvent(**{**event.__dict__, "id": event_id or event.id})


def lifecycle(opened_days_after: int, down_days: float, *, priority: int = cases_pb2.PRIORITY_P1,
              fault_party: int = cases_pb2.FAULT_PARTY_VENDOR, outage: bool = True) -> tuple[CloudEvent, CloudEvent]:
    """A case opened and resolved; its fault report records an outage from the opening for `down_days`."""
    opened = NOW - timedelta(days=400 - opened_days_after)
    snapshot = {"case_id": "case-1", "case_number": "EA-20251017-000001", "region": "east", "company_id": "ACME",
                "contract_id": "C-1", "priority": priority}
    created = events_pb2.CaseCreated(**snapshot, status=cases_pb2.CASE_STATUS_NEW, description="all down",
                                     asset=cases_pb2.Asset(serial_number="CAM-1", manufacturer="Hikvision"))
    created.occurred_at.FromDatetime(opened)
    report = cases_pb2.FaultReport(cause="c", method="m", result="r", prevention="p", fault_party=fault_party)
    if outage:
        report.outage_started_at.FromDatetime(opened)
        report.restored_at.FromDatetime(opened + timedelta(days=down_days))
    resolved = events_pb2.CaseResolved(**snapshot, status=cases_pb2.CASE_STATUS_RESOLVED, fault_report=report)
    # resolved a day after the restoration: the outage, not the resolution, is what counts
    resolved.occurred_at.FromDatetime(opened + timedelta(days=down_days + 1))
    return (case_event("aftercare.case.created.v1", created), case_event("aftercare.case.resolved.v1", resolved))


async def _downtime(service: Service, *events: CloudEvent) -> list[timedelta]:
    for event in events:
        async with service.database.unit_of_work() as uow:
            await on_case_events([event], uow)
    async with service.database.unit_of_work() as uow:
        spans = await case_index.downtime_for(uow.connection, asset_key=asset_key("Hikvision", "CAM-1"),
                                              contract_id="C-1", whole_contract=False)
    return [s.restored_at - s.opened_at for s in spans]


@pytest.mark.parametrize(
    ("priority", "fault_party", "outage", "counted"),
    [
        (cases_pb2.PRIORITY_P1, cases_pb2.FAULT_PARTY_CUSTOMER, True, []),  # the customer's own fault
        (cases_pb2.PRIORITY_P1, cases_pb2.FAULT_PARTY_THIRD_PARTY, True, []),
        (cases_pb2.PRIORITY_P1, cases_pb2.FAULT_PARTY_UNKNOWN, True, []),
        (cases_pb2.PRIORITY_P1, cases_pb2.FAULT_PARTY_VENDOR, False, []),  # no outage recorded
        (cases_pb2.PRIORITY_P2, cases_pb2.FAULT_PARTY_VENDOR, True, [timedelta(days=3)]),  # a P1 lowered to P2
    ],
)
async def test_only_a_vendor_fault_outage_is_downtime_whatever_the_priority(
        service: Service, priority: int, fault_party: int, outage: bool, counted: list[timedelta]) -> None:
    events = lifecycle(0, 3, priority=priority, fault_party=fault_party, outage=outage)
    assert await _downtime(service, *events) == counted


async def test_a_resolution_after_a_rejection_replaces_the_outage_it_recorded(service: Service) -> None:
    created, vendor = lifecycle(0, 3)
    _, customers = lifecycle(0, 3, fault_party=cases_pb2.FAULT_PARTY_CUSTOMER)
    assert await _downtime(service, created, vendor) == [timedelta(days=3)]
    assert await _downtime(service, customers) == []


@pytest.mark.parametrize("resolved_first", [False, True])
async def test_a_resolved_p1_case_is_downtime_whatever_the_order_and_however_often_delivered(
        service: Service, resolved_first: bool) -> None:
    created, resolved = lifecycle(0, 10)
    order = [resolved, created, resolved, created] if resolved_first else [created, resolved, created, resolved]
    for event in order:
        async with service.database.unit_of_work() as uow:
            await on_case_events([event], uow)
    async with service.database.unit_of_work() as uow:
        key = asset_key("Hikvision", "CAM-1")
        spans = await case_index.downtime_for(uow.connection, asset_key=key, contract_id="C-1", whole_contract=False)
        known = await case_index.find_case(uow.connection, "case-1")
        still_open = await case_index.open_cases_for(uow.connection, key)
    assert [(s.restored_at - s.opened_at) for s in spans] == [timedelta(days=10)]
    assert known is not None and known.status == "resolved" and still_open == []


@pytest.mark.parametrize("resolved_first", [False, True])
async def test_a_window_holding_a_cases_opening_and_resolution_learns_what_one_by_one_would(
        service: Service, resolved_first: bool) -> None:
    created, resolved = lifecycle(0, 10)
    other = CloudEvent(**{**created.__dict__, "id": "other-created", "subject": "case-2",
                          "data": {**created.data, "case_id": "case-2", "case_number": "EA-20251017-000002"}})
    async with service.database.unit_of_work() as uow:
        await on_case_events([resolved, created, other] if resolved_first else [created, other, resolved], uow)
    async with service.database.unit_of_work() as uow:
        key = asset_key("Hikvision", "CAM-1")
        spans = await case_index.downtime_for(uow.connection, asset_key=key, contract_id="C-1", whole_contract=False)
        statuses = [(await case_index.find_case(uow.connection, case_id)) for case_id in ("case-1", "case-2")]
        still_open = await case_index.open_cases_for(uow.connection, key)
    assert [(s.restored_at - s.opened_at) for s in spans] == [timedelta(days=10)]
    assert [known.status if known else None for known in statuses] == ["resolved", "new"]
    assert [case.case_number for case in still_open] == ["EA-20251017-000002"]


async def test_coverage_counts_the_downtime_of_the_asset(service: Service) -> None:
    await service.registry.create(AGENT, ImportKind.COMPANIES, {"company_id": "ACME", "name": "ACME"})
    accepted = NOW.date() - timedelta(days=731)
    await service.registry.create(AGENT, ImportKind.CONTRACTS, {
        "contract_id": "C-1", "company_id": "ACME", "sla_policy": "gold", "start_on": "2024-01-01",
        "acceptance_on": accepted.isoformat()})
    await service.registry.create(AGENT, ImportKind.ASSETS, {"serial_number": "CAM-1", "manufacturer": "Hikvision",
                                                             "contract_id": "C-1"})
    before = await check_coverage(service.database, AGENT, serial_number="CAM-1", manufacturer=None, contract_id=None,
                                  on_date=None)
    assert not before.coverage.covered
    for event in lifecycle(50, 10):
        async with service.database.unit_of_work() as uow:
            await on_case_events([event], uow)
    after = await check_coverage(service.database, AGENT, serial_number="CAM-1", manufacturer=None, contract_id=None,
                                 on_date=None)
    assert after.coverage.covered and after.coverage.extension_days == 10
    assert after.on_date == NOW.date() and isinstance(after.coverage.until, date)
    with pytest.raises(NotFound):
        await check_coverage(service.database, AGENT, serial_number="NOPE", manufacturer=None, contract_id=None,
                             on_date=None)


@pytest.mark.parametrize("outsider", [
    Principal("han", Role.CUSTOMER, company_id="OTHER"),
    Principal("other-nms", Role.PARTNER, companies=frozenset({"OTHER"})),
    Principal("agent-west", Role.AGENT, regions=frozenset({"west"})),
])
async def test_coverage_is_visible_only_to_whoever_may_see_the_company(service: Service, outsider: Principal) -> None:
    await service.registry.create(AGENT, ImportKind.COMPANIES, {"company_id": "ACME", "name": "ACME", "region": "east"})
    await service.registry.create(AGENT, ImportKind.SITES, {"site_id": "S-1", "company_id": "ACME", "name": "Gate",
                                                            "address": "1 Road", "region": "east"})
    await service.registry.create(AGENT, ImportKind.CONTRACTS, {
        "contract_id": "C-1", "company_id": "ACME", "sla_policy": "gold", "start_on": "2025-01-01",
        "acceptance_on": "2026-01-01"})
    await service.registry.create(AGENT, ImportKind.ASSETS, {"serial_number": "CAM-1", "manufacturer": "Hikvision",
                                                             "contract_id": "C-1", "site_id": "S-1"})
    for asked in ({"serial_number": "CAM-1", "contract_id": None}, {"serial_number": None, "contract_id": "C-1"}):
        with pytest.raises(NotFound):  # like an asset never registered: nothing of ACME's leaks
            await check_coverage(service.database, outsider, manufacturer=None, on_date=None, **asked)
        own = await check_coverage(service.database, CUSTOMER, manufacturer=None, on_date=None, **asked)
        assert own.coverage.covered


async def test_a_regional_agent_reads_only_its_regions_registry_records(service: Service) -> None:
    await service.registry.create(AGENT, ImportKind.COMPANIES, {"company_id": "ACME", "name": "ACME", "region": "east"})
    await service.registry.create(AGENT, ImportKind.SITES, {"site_id": "S-1", "company_id": "ACME", "name": "Gate",
                                                            "address": "1 Road", "region": "east"})
    await service.registry.create(AGENT, ImportKind.CONTACTS, {"contact_id": "K-1", "company_id": "ACME",
                                                               "name": "Li", "phone": "13800138000"})
    await service.registry.create(AGENT, ImportKind.ASSETS, {"serial_number": "CAM-1", "manufacturer": "Hikvision",
                                                             "site_id": "S-1"})
    west = Principal("agent-west", Role.AGENT, regions=frozenset({"west"}))
    east = Principal("agent-east", Role.AGENT, regions=frozenset({"east"}))
    for kind, key in ((ImportKind.COMPANIES, "ACME"), (ImportKind.SITES, "S-1"), (ImportKind.CONTACTS, "K-1")):
        with pytest.raises(NotFound):  # as its cases answer: another region's records look absent
            await service.registry.get(west, kind, key)
        assert await service.registry.get(east, kind, key)
    with pytest.raises(NotFound):
        await service.registry.get_asset(west, "CAM-1", None)
    assert await service.registry.get_asset(east, "CAM-1", None)
async def test_registry_lists_page_with_signed_tokens_bound_to_their_kind(service: Service) -> None:
    registry = service.registry
    for n in range(3):
        await registry.create(AGENT, ImportKind.COMPANIES, {"company_id": f"CO-{n}", "name": f"Company {n}"})
    first, token = await registry.list(AGENT, ImportKind.COMPANIES, {}, page_size=2, page_token="")
    rest, last = await registry.list(AGENT, ImportKind.COMPANIES, {}, page_size=2, page_token=token)
    assert [c.company_id for c in first + rest] == ["CO-0", "CO-1", "CO-2"] and last == ""
    edited = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (edited, "Q08tMQ", token + "x"):  # edited, unsigned (the old form), extended
        with pytest.raises(InvalidArgument) as refused:
            await registry.list(AGENT, ImportKind.COMPANIES, {}, page_size=2, page_token=bad)
        assert refused.value.violations[0].field == "page.page_token"
    with pytest.raises(InvalidArgument, match="not issued for a list of contacts"):
        await registry.list(AGENT, ImportKind.CONTACTS, {"company_id": "CO-0"}, page_size=2, page_token=token)


async def test_a_report_naming_no_device_is_entitled_through_its_contracts_downtime(service: Service) -> None:
    """The whole system was down through the vendor's fault (a case naming no device): a report that names no device
    either gets the contract's warranty extended by it (the downtime comes with the report's candidates)."""
    await service.registry.create(AGENT, ImportKind.COMPANIES, {"company_id": "ACME", "name": "ACME"})
    await service.registry.create(AGENT, ImportKind.CONTRACTS, {
        "contract_id": "C-1", "company_id": "ACME", "sla_policy": "gold", "start_on": "2024-01-01",
        "acceptance_on": (NOW.date() - timedelta(days=731)).isoformat()})  # the free period ended yesterday
    await service.registry.create(AGENT, ImportKind.CONTACTS, {"contact_id": "K-1", "company_id": "ACME",
                                                               "name": "Li Lei", "phone": "13800138000"})

    async def entitlement_of(description: str) -> str:
        await service.pipeline.submit(IntakeRequest.create(
            channel=Channel.SMS, received_at=NOW, description=description, reporter={"phone": "13800138000"}))
        await service.deliverer.deliver_due()
        plan = next(plan for _, plan in service.cases.created.values() if plan.description == description)
        return plan.entitlement

    assert await entitlement_of("the platform is down") == "billable"  # out of warranty
    created, resolved = lifecycle(0, 10)
    for event in (created, resolved):  # the same case, naming no device: the whole system's downtime
        data = {name: value for name, value in event.data.items() if name != "asset"}
        async with service.database.unit_of_work() as uow:
            await on_case_events([CloudEvent(**{**event.__dict__, "data": data})], uow)
    assert await entitlement_of("the platform is down again") == "in_warranty"  # ten days more
