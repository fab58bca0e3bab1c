"""On PostgreSQL the records a delivery or a case's opening leaves are one statement each (the other writes are
CTEs of it): the same rows change as the several statements embedded mode runs."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest_asyncio
from aftercare_platform.clock import FakeClock
from aftercare_platform.db.engine import create_engine
from aftercare_platform.db.statements import lock_parameters
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.service.assemble import open_database
from intake.adapters import case_index, submissions
from intake.adapters.attachment_storage import InMemoryAttachmentStorage
from intake.adapters.candidates import KeyClaim, load_candidates
from intake.adapters.case_index import KnownCase
from intake.adapters.submissions import State
from intake.adapters.tables import assets, companies, contacts, contracts, downtime, known_cases, sites
from intake.bootstrap import definition
from intake.domain.duplicates import DuplicateRule
from intake.domain.identification import device_lock
from intake.domain.intake_request import IntakeRequest
from intake.domain.vocabulary import Channel
from intake.handlers.pipeline import IntakePipeline
from sqlalchemy import event, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

NOW = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


@pytest_asyncio.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, definition.schema)
    yield engine
    await engine.dispose()


def _submission(receipt_id: str, **values: object) -> dict[str, object]:
    return {"receipt_id": receipt_id, "channel": "web", "outcome": "new_case", "state": "pending", "request": {},
            "plan": {}, "identification": {}, "target_case_number": None, "target_receipt_id": None,
            "asset_key": None, "alarm_code": None, "partner_id": None, "attempts": 0, "next_attempt_at": NOW,
            "claimed_until": NOW, "last_error": None, "case_id": None, "case_number": None, "received_at": NOW,
            "submitted_at": None, **values}


def _known(case_id: str, number: str) -> KnownCase:
    return KnownCase(case_id=case_id, case_number=number, company_id="ACME", contract_id="C-1",
                     asset_key="hik:cam-9", description="camera dark", error_codes=("E7",), priority="P2",
                     status="new", opened_at=NOW, event_at=NOW, alarm_code="VIDEO-LOSS", reported_by="nms")


def _count_statements(engine: AsyncEngine) -> list[str]:
    seen: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: seen.append(statement))
    return seen


async def test_a_delivery_that_opened_a_case_is_recorded_in_one_statement(engine: AsyncEngine) -> None:
    parent, note, other = (str(uuid.uuid4()) for _ in range(3))
    case_id, number = f"case-{parent}", f"EA-{parent[:8]}"
    async with engine.begin() as connection:
        await submissions.insert(connection, _submission(parent))
        await submissions.insert(connection, _submission(note, outcome="note_on_quoted_case", target_receipt_id=parent))
        await submissions.insert(connection, _submission(other, outcome="note_on_quoted_case", target_receipt_id=note))
    statements = _count_statements(engine)
    async with engine.begin() as connection:
        recorded, notes_due = await submissions.mark_opened(
            connection, parent, case_id=case_id, case_number=number, at=NOW + timedelta(seconds=1), attempts=1,
            known=_known(case_id, number))
    assert len(statements) == 1
    assert (recorded.state, recorded.case_number, recorded.attempts, notes_due) == (State.SUBMITTED, number, 1, 1)
    async with engine.connect() as connection:
        waiting = {r.receipt_id: r.target_case_number for r in await connection.execute(
            select(submissions.submissions).where(submissions.submissions.c.receipt_id.in_([note, other])))}
        case = await case_index.find_case(connection, case_id)
    assert waiting == {note: number, other: None}  # only the notes waiting for this receipt learn the number
    assert case is not None and (case.reported_by, case.alarm_code, case.asset_key) == ("nms", "VIDEO-LOSS",
                                                                                        "hik:cam-9")


async def test_a_windows_openings_and_the_downtime_they_complete_take_one_statement(engine: AsyncEngine) -> None:
    case_id, other = f"case-{uuid.uuid4()}", f"case-{uuid.uuid4()}"
    number = f"EA-{case_id[5:13]}"
    async with engine.begin() as connection:
        await connection.execute(insert(downtime).values(case_id=case_id, case_number=number, asset_key=None,
                                                      contract_id=None, opened_at=None,
                                                      restored_at=NOW + timedelta(hours=3)))
    statements = _count_statements(engine)
    async with engine.begin() as connection:
        # the window also opens another case, which no resolution came before
        await case_index.record_openings(connection, [_known(case_id, number), _known(other, f"EA-{other[5:13]}")])
    assert len(statements) == 1
    async with engine.connect() as connection:
        row = (await connection.execute(select(downtime).where(downtime.c.case_id == case_id))).one()
        known = dict((await connection.execute(select(known_cases.c.case_id, known_cases.c.status).where(
            known_cases.c.case_id.in_([case_id, other])))).all())
    assert (row.asset_key, row.contract_id, row.opened_at) == ("hik:cam-9", "C-1", NOW)
    assert known == {case_id: "new", other: "new"}


async def test_a_reports_key_is_claimed_by_the_statement_that_reads_its_candidates(engine: AsyncEngine) -> None:
    request = IntakeRequest.create(channel=Channel.ALARM, received_at=NOW, description="video loss", alarm_code="VL",
                                   hints={"serial_number": "NO-SUCH-SERIAL"})
    scope, key = "alarm:nms", f"alarm-{uuid.uuid4()}"
    statements = _count_statements(engine)
    async with engine.begin() as connection:
        first = await load_candidates(connection, request, KeyClaim(scope, key, str(uuid.uuid4()), NOW))
    assert first is not None and len(statements) == 1
    async with engine.begin() as connection:  # the same key again: held by the first receipt
        assert await load_candidates(connection, request, KeyClaim(scope, key, str(uuid.uuid4()), NOW)) is None


async def test_a_devices_lock_is_taken_by_the_statement_that_reads_its_candidates(engine: AsyncEngine) -> None:
    serial = f"CAM-{uuid.uuid4().hex[:8]}"
    request = IntakeRequest.create(channel=Channel.ALARM, received_at=NOW, description="video loss", alarm_code="VL",
                                   hints={"serial_number": serial})
    lock = device_lock(serial)
    assert lock is not None
    probe = text("SELECT pg_try_advisory_xact_lock(:namespace, :key)")
    statements = _count_statements(engine)
    async with engine.begin() as connection:
        assert await load_candidates(connection, request, lock=lock) is not None
        assert len(statements) == 1
        async with engine.begin() as other:  # held: another report of the device waits
            assert (await other.execute(probe, lock_parameters(lock))).scalar_one() is False
            assert (await other.execute(probe, lock_parameters(device_lock("ANOTHER-CAM")))).scalar_one() is True
    async with engine.begin() as other:  # released at commit
        assert (await other.execute(probe, lock_parameters(lock))).scalar_one() is True


class _CountingTrigger:
    """Stands in for the deliverer: notes how many statements deciding a report took, by the time it is woken."""

    def __init__(self, statements: list[str]) -> None:
        self.statements, self.decided_in = statements, 0

    def wake(self) -> None:
        self.decided_in = len(self.statements)

    async def attempt_now(self, receipt_id: str, wait_seconds: float) -> None:  # pragma: no cover - never waits
        raise AssertionError("the report was submitted without waiting")

    def lease_until(self, now: datetime) -> datetime:
        return now

    async def deliver_leased(self, submission: object, wait_seconds: float) -> None:  # pragma: no cover
        raise AssertionError("nothing is leased without waiting")


def _count_statements_and_transactions(engine: AsyncEngine) -> list[tuple[str, bool]]:
    """(statement, whether it ran inside a transaction): an AUTOCOMMIT connection sends no BEGIN or COMMIT."""
    seen: list[tuple[str, bool]] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda conn, cursor, statement, *rest: seen.append(
        (statement, conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT")))
    return seen


async def _known_caller(database: Database, *, at_site_with_one_asset: bool = False) -> str:
    """A known caller (their phone, returned) of a company with one contract; at a site that has one asset."""
    company, phone = f"CO-{uuid.uuid4().hex[:8]}", f"139{uuid.uuid4().int % 10**8:08d}"
    site = f"S-{company}" if at_site_with_one_asset else None
    async with database.engine.begin() as connection:
        await connection.execute(insert(companies).values(company_id=company, name=company, name_key=company.casefold(),
                                                          region="east", updated_at=NOW))
        await connection.execute(insert(contacts).values(contact_id=f"K-{company}", company_id=company, name="Li",
                                                         phone=f"+86{phone}", site_id=site, updated_at=NOW))
        await connection.execute(insert(contracts).values(contract_id=f"C-{company}", company_id=company,
                                                          sla_policy="default", start_on=NOW.date(),
                                                          warranty_months=24, updated_at=NOW))
        if site is not None:
            await connection.execute(insert(sites).values(site_id=site, company_id=company, name="plant",
                                                          address="1 Road", region="east",
                                                          time_zone="Asia/Shanghai", updated_at=NOW))
            await connection.execute(insert(assets).values(asset_key=f"hik:{company}", serial_number=company,
                                                           manufacturer="Hik", site_id=site,
                                                           contract_id=f"C-{company}", updated_at=NOW))
    return phone


async def test_a_report_is_decided_in_the_statements_its_route_needs(database_url: str) -> None:
    """A report naming no device reads its candidates (and its contract's downtime) and writes its submission with
    its key claimed: two statements, with no transaction around them. An alarm that opens its device's case is
    decided again after two such reads: its device's lock taken with its candidates' read, its open cases read,
    its submission written, between BEGIN and COMMIT. A repeat that folds into that case reads and writes with
    no transaction and no lock."""
    database = open_database(definition, definition.settings(database_url=database_url, amqp_url=""), FakeClock(NOW))
    statements = _count_statements_and_transactions(database.engine)
    trigger = _CountingTrigger(statements)
    pipeline = IntakePipeline(database, InMemoryAttachmentStorage(), trigger, region="east",
                              duplicate_rule=DuplicateRule(), submit_wait_seconds=0)
    phone = await _known_caller(database)
    statements.clear()
    try:
        sms = IntakeRequest.create(channel=Channel.SMS, received_at=NOW, description="all dark",
                                   reporter={"phone": phone}, channel_message_id=f"sms-{uuid.uuid4()}")
        first = await pipeline.submit(sms, wait=False)
        assert trigger.decided_in == 2, statements
        assert not any(in_transaction for _, in_transaction in statements)
        assert "request_keys" in statements[1][0] and "INSERT INTO intake.submissions" in statements[1][0]
        again = await pipeline.submit(sms, wait=False)  # the gateway sent it twice: one receipt
        assert again.replayed and again.receipt.receipt_id == first.receipt.receipt_id
        alarm = IntakeRequest.create(channel=Channel.ALARM, received_at=NOW, description="video loss",
                                     alarm_code="VL", hints={"serial_number": f"CAM-{uuid.uuid4()}"},
                                     reporter={"email": "noc@example.com"})
        statements.clear()
        opened = await pipeline.submit(alarm, wait=False)  # opens the device's case: decided again under its lock
        decided = statements[:trigger.decided_in]
        assert [inside for _, inside in decided] == [False, False, True, True, True], statements
        assert "pg_advisory_xact_lock" in decided[2][0] and "INSERT INTO intake.submissions" in decided[4][0]
        statements.clear()
        repeat = await pipeline.submit(alarm.model_copy(update={"received_at": NOW + timedelta(seconds=5)}),
                                       wait=False)  # folds into the case being opened: no lock, no transaction
        assert repeat.receipt.outcome == "alarm_folded", repeat
        # a folded repeat is answered from what was written: its candidates, its device's open cases, the insert
        assert len(statements) == 3 and "INSERT INTO intake.submissions" in statements[2][0], statements
        assert not any(inside for _, inside in statements), statements
        assert opened.receipt.outcome == "new_case"
    finally:
        await database.close()


async def test_a_report_whose_device_is_found_without_being_named_is_decided_again_under_its_lock(
        database_url: str) -> None:
    """The caller's site has one asset, so identification finds the device the report does not name: the read
    made with no transaction is set aside, and the report decided again in a transaction holding the device's
    lock (what keeps two concurrent reports of one device from opening two cases)."""
    database = open_database(definition, definition.settings(database_url=database_url, amqp_url=""), FakeClock(NOW))
    statements = _count_statements_and_transactions(database.engine)
    trigger = _CountingTrigger(statements)
    pipeline = IntakePipeline(database, InMemoryAttachmentStorage(), trigger, region="east",
                              duplicate_rule=DuplicateRule(), submit_wait_seconds=0)
    phone = await _known_caller(database, at_site_with_one_asset=True)
    statements.clear()
    try:
        submitted = await pipeline.submit(IntakeRequest.create(channel=Channel.SMS, received_at=NOW,
                                                               description="all dark", reporter={"phone": phone},
                                                               channel_message_id=f"sms-{uuid.uuid4()}"), wait=False)
        first_locked = next(n for n, (_, in_transaction) in enumerate(statements) if in_transaction)
        set_aside, decided = statements[:first_locked], statements[first_locked:]
        assert set_aside and not any("INSERT" in statement for statement, _ in set_aside)  # nothing written
        in_transaction = [statement for statement, inside in decided if inside]
        assert any("pg_advisory_xact_lock" in statement for statement in in_transaction), in_transaction
        assert any("INSERT INTO intake.submissions" in statement for statement in in_transaction)
        async with database.reading() as connection:
            row = await submissions.get(connection, submitted.receipt.receipt_id)
        assert row is not None and row.asset_key is not None and row.asset_key.startswith("hik:CO-")
    finally:
        await database.close()
