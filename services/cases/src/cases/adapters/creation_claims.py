"""A batch of CreateCase requests: their request ids claimed and their case numbers taken. On PostgreSQL one
statement does both (the numbers counted from the claims that were fresh), where it was two round trips; SQLite
runs the two apart. Thin: which creation gets which number is decided by the caller."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from aftercare_platform.db.statements import Bind, is_postgres, prebuilt
from sqlalchemy import Date, Integer, String, bindparam, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from cases.adapters.repository import claim_requests, next_sequences
from cases.adapters.tables import case_number_sequences, create_requests

RegionDay = tuple[str, date]


@dataclass(frozen=True)
class ClaimedBatch:
    fresh: set[tuple[str, str]]  # the (requester, request id) pairs this transaction claimed
    first_numbers: dict[RegionDay, int]  # the first sequence taken in each (region, day) of a fresh claim


async def claim_and_number(connection: AsyncConnection, claims: Sequence[dict[str, Any]],
                           days: Mapping[str, RegionDay]) -> ClaimedBatch:
    """Claim the request ids (rows as `repository.claim_requests` takes them, each naming its `case_id`) and take,
    for each (region, day) in `days` (by case id), as many consecutive numbers as it has fresh claims. Claims go in
    key order and number rows in (region, day) order, so two batches never wait on each other crosswise; a number
    row stays locked until commit, so a rolled-back batch gives its numbers back."""
    rows = sorted(claims, key=lambda c: (c["requester"], c["request_id"]))
    if not is_postgres(connection):
        claimed = await claim_requests(connection, rows)
        counts = Counter(days[c["case_id"]] for c in rows if (c["requester"], c["request_id"]) in claimed)
        return ClaimedBatch(claimed, {(region, day): await next_sequences(connection, region, day, count)
                                    for (region, day), count in sorted(counts.items())})
    parameters = {f"claim_{name}": [row[name] for row in rows]
                  for name in ("requester", "request_id", "fingerprint", "case_id", "created_at")}
    parameters |= {"day_case_id": list(days), "day_region": [region for region, _ in days.values()],
                   "day_day": [day for _, day in days.values()]}
    found = await connection.execute(prebuilt(connection, _claim_and_number), parameters)
    fresh: set[tuple[str, str]] = set()
    first_numbers: dict[RegionDay, int] = {}
    for row in found:
        if row.requester is not None:
            fresh.add((row.requester, row.request_id))
        else:
            first_numbers[(row.region, row.day)] = int(row.last) - int(row.taken) + 1
    return ClaimedBatch(fresh, first_numbers)


def _claim_and_number(_bind: Bind) -> Any:
    preparer = postgresql.dialect().identifier_preparer  # type: ignore[no-untyped-call]
    claims, numbers = preparer.format_table(create_requests), preparer.format_table(case_number_sequences)
    statement = text(f"""
        WITH claimed AS (
            INSERT INTO {claims} (requester, request_id, fingerprint, case_id, created_at)
            SELECT * FROM unnest(:claim_requester, :claim_request_id, :claim_fingerprint, :claim_case_id,
                                 :claim_created_at)
            ON CONFLICT (requester, request_id) DO NOTHING
            RETURNING requester, request_id, case_id),
        counted AS (
            SELECT d.region, d.day, count(*) AS taken
            FROM claimed JOIN unnest(:day_case_id, :day_region, :day_day) AS d(case_id, region, day)
                ON d.case_id = claimed.case_id
            GROUP BY d.region, d.day),
        numbered AS (
            INSERT INTO {numbers} AS n (region, day, last)
            SELECT region, day, taken FROM counted ORDER BY region, day
            ON CONFLICT (region, day) DO UPDATE SET last = n.last + excluded.last
            RETURNING n.region, n.day, n.last)
        SELECT requester, request_id, NULL AS region, NULL::date AS day, NULL::integer AS last,
               NULL::bigint AS taken FROM claimed
        UNION ALL
        SELECT NULL, NULL, numbered.region, numbered.day, numbered.last, counted.taken
        FROM numbered JOIN counted USING (region, day)""")
    column = create_requests.c
    arrays = {"claim_requester": column.requester.type, "claim_request_id": column.request_id.type,
              "claim_fingerprint": column.fingerprint.type, "claim_case_id": column.case_id.type,
              "claim_created_at": column.created_at.type, "day_case_id": column.case_id.type,
              "day_region": case_number_sequences.c.region.type, "day_day": Date()}
    return statement.bindparams(*[bindparam(name, type_=postgresql.ARRAY(kind)) for name, kind in arrays.items()]) \
        .columns(requester=String(), request_id=String(), region=String(), day=Date(), last=Integer(),
                 taken=Integer())
