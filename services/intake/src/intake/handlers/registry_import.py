"""Bulk CSV import: every good row is created or updated by its key, every bad row is reported
(row, field, reason) — bad cells, duplicates within the file, and references to records that do
not exist. One transaction per call; contracts and assets are announced in chunks."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aftercare.intake.v1 import events_pb2
from aftercare_platform.auth.access import require_role
from aftercare_platform.auth.principal import Principal
from aftercare_platform.db.unit_of_work import Database, UnitOfWork
from aftercare_platform.errors import InvalidArgument

from intake.adapters import registry_repository as repository
from intake.adapters.proto_mapping import Record, actor_message, record_message, timestamp
from intake.adapters.registry_rows import Kind
from intake.domain.registry import Asset, Contract
from intake.handlers.registry import KINDS, WRITERS, references
from intake.parsing.csv_import import ImportKind, RowError, iter_import

EVENT_CHUNK = 500  # records per aftercare.<aggregate>.imported.v1 event
MAX_IMPORT_BYTES = 64 * 1024 * 1024


@dataclass
class ImportReport:
    rows_read: int = 0
    rows_imported: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        return len({error.row for error in self.errors if error.row > 1})


def decode_csv(data: bytes) -> str:
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidArgument.for_field("csv", f"{len(data)} bytes, over {MAX_IMPORT_BYTES}: send it in chunks")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as bad:
        try:
            return data.decode("gb18030")  # spreadsheets saved on Chinese Windows
        except UnicodeDecodeError:
            raise InvalidArgument.for_field("csv", f"is neither UTF-8 nor GB18030 (byte {bad.start})") from None


async def _missing_references(uow: UnitOfWork, good: Sequence[tuple[int, Record]]) -> list[RowError]:
    wanted: dict[Kind, set[str]] = defaultdict(set)
    for _, record in good:
        for _, kind, key in references(record):
            if key:
                wanted[kind].add(key)
    existing = {kind: await repository.existing_keys(uow.connection, kind, keys) for kind, keys in wanted.items()}
    errors = []
    for row, record in good:
        for name, kind, key in references(record):
            if key and key not in existing[kind]:
                errors.append(RowError(row, name, f"{kind.name} {key} is not registered"))
    return errors


def _announce(uow: UnitOfWork, records: Sequence[Record], principal: Principal, region: str) -> None:
    common: dict[str, Any] = {"actor": actor_message(principal), "occurred_at": timestamp(uow.clock.now())}
    for start in range(0, len(records), EVENT_CHUNK):
        chunk = records[start : start + EVENT_CHUNK]
        first = chunk[0]
        if isinstance(first, Contract):
            data: Any = events_pb2.ContractsImported(contracts=[record_message(r) for r in chunk], **common)
            uow.emit("aftercare.contract.imported.v1", subject=first.contract_id, data=data, region=region)
        elif isinstance(first, Asset):
            data = events_pb2.AssetsImported(assets=[record_message(r) for r in chunk], **common)
            uow.emit("aftercare.asset.imported.v1", subject=first.key, data=data, region=region)


async def import_csv(database: Database, principal: Principal, kind: ImportKind, text: str, *,
                     first_row: int = 2, region: str) -> ImportReport:
    require_role(principal, *WRITERS)
    if first_row < 2:
        raise InvalidArgument.for_field("first_row", "is the file row of the first record: 2 or more")
    shift = first_row - 2
    report = ImportReport()
    good: list[tuple[int, Record]] = []
    for outcome in iter_import(kind, io.StringIO(text, newline="")):
        row = outcome.row + shift if outcome.row > 1 else outcome.row
        if outcome.row > 1:
            report.rows_read += 1
        if outcome.record is not None:
            good.append((row, outcome.record))
        report.errors.extend(RowError(row, error.field, error.reason) for error in outcome.errors)
    async with database.unit_of_work() as uow:
        missing = await _missing_references(uow, good)
        bad_rows = {error.row for error in missing}
        report.errors.extend(missing)
        kept = [record for row, record in good if row not in bad_rows]
        await repository.upsert_many(uow.connection, KINDS[kind], kept, uow.clock.now())
        _announce(uow, kept, principal, region)
    report.rows_imported = len(kept)
    report.errors.sort(key=lambda error: error.row)
    return report
