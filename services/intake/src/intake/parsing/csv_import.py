"""CSV import of companies, contacts, contracts, sites and assets: good rows kept, bad rows reported.

Row numbers are as a spreadsheet shows them: the header is row 1, the first record row 2.
Column names are matched case-insensitively; unknown columns are ignored; blank rows skipped.
Each bad row yields every problem it has (`RowError(row, field, reason)`), and a key seen twice
keeps the first row. References between files (a contact's company) are checked by the caller.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from intake.domain.registry import DEFAULT_WARRANTY_MONTHS, Asset, Company, Contact, Contract, Site
from intake.parsing import csv_cells as cells

Record = Company | Contact | Contract | Site | Asset


class ImportKind(StrEnum):
    COMPANIES = "companies"
    CONTACTS = "contacts"
    CONTRACTS = "contracts"
    SITES = "sites"
    ASSETS = "assets"


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    reason: str


@dataclass(frozen=True)
class RowOutcome:
    row: int
    record: Record | None  # None when the row is bad
    errors: tuple[RowError, ...] = ()


@dataclass
class ImportResult:
    kind: ImportKind
    good: list[Record] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_read: int = 0

    @property
    def bad_rows(self) -> int:
        return len({error.row for error in self.errors})


@dataclass(frozen=True)
class _Column:
    name: str
    read: Callable[[str | None], Any]
    required: bool = False


@dataclass(frozen=True)
class _Schema:
    columns: tuple[_Column, ...]
    build: Callable[[dict[str, Any]], Record]
    key: tuple[str, ...]
    check: Callable[[dict[str, Any]], list[tuple[str, str]]] = lambda _: []


def _contact_reachable(values: dict[str, Any]) -> list[tuple[str, str]]:
    return [] if values["phone"] or values["email"] else [("phone", "a contact needs a phone or an email")]


def _asset_dates(values: dict[str, Any]) -> list[tuple[str, str]]:
    installed, accepted = values["installed_on"], values["accepted_on"]
    if installed and accepted and accepted < installed:
        return [("accepted_on", f"{accepted} is before installed_on {installed}")]
    return []


_SCHEMAS: dict[ImportKind, _Schema] = {
    ImportKind.COMPANIES: _Schema(
        (
            _Column("company_id", cells.identifier, True),
            _Column("name", cells.text, True),
            _Column("region", cells.region),
        ),
        lambda v: Company(**v),
        ("company_id",),
    ),
    ImportKind.CONTACTS: _Schema(
        (
            _Column("contact_id", cells.identifier, True),
            _Column("company_id", cells.identifier, True),
            _Column("name", cells.text, True),
            _Column("phone", cells.phone),
            _Column("email", cells.email),
            _Column("role", cells.text),
            _Column("site_id", cells.identifier),
            _Column("language", cells.language),
        ),
        lambda v: Contact(**v),
        ("contact_id",),
        _contact_reachable,
    ),
    ImportKind.CONTRACTS: _Schema(
        (
            _Column("contract_id", cells.identifier, True),
            _Column("company_id", cells.identifier, True),
            _Column("sla_policy", cells.identifier, True),
            _Column("start_on", cells.day, True),
            _Column("acceptance_on", cells.day),
            _Column("warranty_months", lambda raw: cells.whole_number(raw, 0, 600)),
            _Column("billable_rule", cells.text),
        ),
        lambda v: Contract(**{**v, "warranty_months": v["warranty_months"] or DEFAULT_WARRANTY_MONTHS}),
        ("contract_id",),
    ),
    ImportKind.SITES: _Schema(
        (
            _Column("site_id", cells.identifier, True),
            _Column("company_id", cells.identifier, True),
            _Column("name", cells.text, True),
            _Column("address", cells.text, True),
            _Column("region", cells.region, True),
            _Column("time_zone", cells.time_zone),
        ),
        lambda v: Site(**{**v, "time_zone": v["time_zone"] or "Asia/Shanghai"}),
        ("site_id",),
    ),
    ImportKind.ASSETS: _Schema(
        (
            _Column("serial_number", cells.identifier, True),
            _Column("manufacturer", cells.text, True),
            _Column("model", cells.text),
            _Column("site_id", cells.identifier),
            _Column("contract_id", cells.identifier),
            _Column("installed_on", cells.day),
            _Column("accepted_on", cells.day),
            _Column("manufacturer_warranty_end", cells.day),
        ),
        lambda v: Asset(**v),
        ("manufacturer", "serial_number"),
        _asset_dates,
    ),
}


def columns(kind: ImportKind) -> list[tuple[str, bool]]:
    """(column, required) of a kind, in order: what a template file's header should hold."""
    return [(column.name, column.required) for column in _SCHEMAS[kind].columns]


def _read_row(schema: _Schema, row: int, cells_by_name: dict[str, str | None]) -> RowOutcome:
    values: dict[str, Any] = {}
    errors: list[RowError] = []
    for column in schema.columns:
        try:
            values[column.name] = column.read(cells_by_name.get(column.name))
        except cells.CellError as bad:
            errors.append(RowError(row, column.name, str(bad)))
            continue
        if column.required and values[column.name] is None:
            errors.append(RowError(row, column.name, "required"))
    if not errors:
        errors.extend(RowError(row, name, reason) for name, reason in schema.check(values))
    if errors:
        return RowOutcome(row, None, tuple(errors))
    return RowOutcome(row, schema.build(values))


def read_record(kind: ImportKind, values: dict[str, str | None]) -> RowOutcome:
    """One record from named text values (an API request's fields), checked as a CSV row would be."""
    return _read_row(_SCHEMAS[kind], 0, values)


def iter_import(kind: ImportKind, lines: Iterable[str]) -> Iterator[RowOutcome]:
    """One outcome per non-blank record row, streaming (for progress bars over large files)."""
    schema = _SCHEMAS[kind]
    reader = csv.reader(iter(lines))
    try:
        header = next(reader, None)
    except csv.Error as bad:
        yield RowOutcome(1, None, (RowError(1, "header", f"unreadable CSV: {bad}"),))
        return
    if header is None:
        yield RowOutcome(1, None, (RowError(1, "header", "the file is empty"),))
        return
    names = [name.lstrip("\ufeff").strip().lower() for name in header]
    missing = [column.name for column in schema.columns if column.required and column.name not in names]
    if missing:
        yield RowOutcome(1, None, tuple(RowError(1, name, "required column missing") for name in missing))
        return
    seen: dict[tuple[Any, ...], int] = {}
    row = 1
    while True:
        try:
            record = next(reader, None)
        except csv.Error as bad:
            yield RowOutcome(row + 1, None, (RowError(row + 1, "row", f"unreadable CSV, import stopped: {bad}"),))
            return
        if record is None:
            return
        row += 1
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(names):
            yield RowOutcome(row, None, (RowError(row, "row", f"{len(record)} cells but {len(names)} columns"),))
            continue
        outcome = _read_row(schema, row, dict(zip(names, record, strict=False)))
        if outcome.record is not None:
            key = tuple(getattr(outcome.record, name) for name in schema.key)
            key = tuple(part.casefold() if isinstance(part, str) else part for part in key)
            if key in seen:
                reason = f"duplicate of row {seen[key]}"
                outcome = RowOutcome(row, None, (RowError(row, schema.key[-1], reason),))
            else:
                seen[key] = row
        yield outcome


def parse_import(kind: ImportKind, source: str | Iterable[str]) -> ImportResult:
    """Every row of `source` (the text, or its lines): the good records and every row error."""
    lines = io.StringIO(source, newline="") if isinstance(source, str) else source
    result = ImportResult(kind)
    for outcome in iter_import(kind, lines):
        if outcome.row > 1:
            result.rows_read += 1
        if outcome.record is not None:
            result.good.append(outcome.record)
        result.errors.extend(outcome.errors)
    return result
