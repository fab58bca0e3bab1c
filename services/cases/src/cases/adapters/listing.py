"""ListCases and SearchCases as SQL: a scoped filter, a total order, keyset pages."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from aftercare_platform.db.statements import is_postgres
from sqlalchemy import ColumnElement, and_, func, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from cases.adapters.case_codec import case_from_document
from cases.adapters.tables import cases
from cases.domain.case import Case
from cases.domain.cursor import Cursor
from cases.domain.queries import CaseFilter, CaseQuery, SortDirection, SortField


class TextMatch(StrEnum):
    """How SearchCases matches words: as substrings (pg_trgm or SQLite; Chinese needs it), or as
    whole words of a 'simple' tsvector (PostgreSQL without pg_trgm)."""

    SUBSTRING = "substring"
    WORDS = "words"


async def text_match_for(connection: AsyncConnection) -> TextMatch:
    if not is_postgres(connection):
        return TextMatch.SUBSTRING
    found = await connection.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
    return TextMatch.SUBSTRING if found.first() is not None else TextMatch.WORDS


SORT_COLUMNS = {
    SortField.CREATED_AT: cases.c.created_at,
    SortField.UPDATED_AT: cases.c.updated_at,
    SortField.PRIORITY: cases.c.priority,
    SortField.CASE_NUMBER: cases.c.number,
}


def _column_value(field: SortField, key: str | int) -> Any:
    if field in (SortField.CREATED_AT, SortField.UPDATED_AT):
        return datetime.fromisoformat(str(key))
    if field is SortField.PRIORITY:
        return f"P{key}"
    return str(key)


def filter_conditions(wanted: CaseFilter, *, internal_text: bool, match: TextMatch) -> list[ColumnElement[bool]]:
    c = cases.c
    conditions: list[ColumnElement[bool]] = []
    for column, values in (
        (c.company_id, wanted.company_ids),
        (c.status, {s.value for s in wanted.statuses}),
        (c.priority, {p.value for p in wanted.priorities}),
        (c.category, {k.value for k in wanted.categories}),
        (c.kind, {k.value for k in wanted.kinds}),
        (c.tier, {t.value for t in wanted.tiers}),
        (c.region, wanted.regions),
        (c.assignee_id, wanted.assignee_ids),
    ):
        if values:
            conditions.append(column.in_(sorted(values)))
    if wanted.supervisor_review:
        conditions.append(c.supervisor_review.is_(True))
    if wanted.sla_breached:
        conditions.append(c.sla_breached.is_(True))
    if wanted.asset_manufacturer:
        conditions.append(c.manufacturer_key == wanted.asset_manufacturer.lower())
    for column, span in ((c.created_at, wanted.created), (c.closed_at, wanted.closed)):
        if span is not None and span.start is not None:
            conditions.append(column >= span.start)
        if span is not None and span.end is not None:
            conditions.append(column < span.end)
    if wanted.text:
        conditions.append(_text_condition(wanted.text, internal_text=internal_text, match=match))
    return conditions


def _text_condition(text: str, *, internal_text: bool, match: TextMatch) -> ColumnElement[bool]:
    columns = [cases.c.search_text, cases.c.internal_text] if internal_text else [cases.c.search_text]
    if match is TextMatch.WORDS:
        query = func.plainto_tsquery("simple", text)
        return or_(*(func.to_tsvector("simple", column).op("@@")(query) for column in columns))
    words = text.split()
    return and_(*(or_(*(column.ilike(_contains(word), escape="\\") for column in columns)) for word in words))


def _contains(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def find_cases(
    connection: AsyncConnection,
    query: CaseQuery,
    *,
    after: Cursor | None,
    internal_text: bool,
    match: TextMatch,
) -> tuple[list[Case], bool]:
    """One page of cases (already scoped to the asker) and whether more follow."""
    if query.filter.matches_nothing:
        return [], False
    column = SORT_COLUMNS[query.sort.field]
    descending = query.sort.direction is SortDirection.DESCENDING
    statement = select(cases.c.document).where(
        *filter_conditions(query.filter, internal_text=internal_text, match=match)
    )
    if after is not None:
        position = tuple_(column, cases.c.id)
        last_key = literal(_column_value(query.sort.field, after.last_key), column.type)
        bound = tuple_(last_key, literal(after.last_id, cases.c.id.type))
        statement = statement.where(position < bound if descending else position > bound)
    order = (column.desc(), cases.c.id.desc()) if descending else (column.asc(), cases.c.id.asc())
    rows = (await connection.execute(statement.order_by(*order).limit(query.page_size + 1))).all()
    found = [case_from_document(row.document) for row in rows[: query.page_size]]
    return found, len(rows) > query.page_size
