"""FindSimilarCases as SQL: resolved and closed cases whose words (description, error codes, fault
report) share the most with a case's description and error codes. PostgreSQL ranks with full text
(`ts_rank` over the 'simple' configuration, words OR-ed); embedded SQLite counts the shared words."""

from __future__ import annotations

import re

from aftercare_platform.db.statements import is_postgres
from sqlalchemy import ColumnElement, Float, cast, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from cases.adapters.case_codec import case_from_document
from cases.adapters.listing import TextMatch, filter_conditions
from cases.adapters.tables import cases
from cases.domain.case import Case
from cases.domain.queries import CaseFilter
from cases.domain.vocabulary import Status

WORDS_MAX = 40
_WORD = re.compile(r"[\w][\w.\-]*[\w]", re.UNICODE)
# words too common to say two faults are alike
_COMMON = frozenset("the and for with not was are has have from this that our all any but can its".split())


def query_words(case: Case) -> list[str]:
    """The distinct words of the case's description and error codes that say what the fault is."""
    found: list[str] = []
    for word in _WORD.findall(" ".join((case.description, *case.error_codes))):
        lowered = word.lower()
        if len(lowered) >= 3 and lowered not in _COMMON and lowered not in found:
            found.append(lowered)
    return found[:WORDS_MAX]


async def similar_cases(
    connection: AsyncConnection, case: Case, scope: CaseFilter, *, limit: int
) -> list[tuple[Case, float]]:
    """At most `limit` resolved or closed cases within `scope`, closest first (the case itself left out)."""
    words = query_words(case)
    if not words or scope.matches_nothing:
        return []
    settled = CaseFilter(statuses=frozenset({Status.RESOLVED, Status.CLOSED}))
    conditions: list[ColumnElement[bool]] = [
        *filter_conditions(scope, internal_text=False, match=TextMatch.SUBSTRING),
        *filter_conditions(settled, internal_text=False, match=TextMatch.SUBSTRING),
        cases.c.id != case.id,
    ]
    if is_postgres(connection):
        query = func.to_tsquery("simple", literal(" | ".join(_quoted(w) for w in words)))
        document = func.to_tsvector("simple", cases.c.search_text)
        score = cast(func.ts_rank(document, query), Float).label("score")
        statement = (
            select(cases.c.document, score)
            .where(*conditions, document.op("@@")(query))
            .order_by(score.desc(), cases.c.updated_at.desc())
            .limit(limit)
        )
        rows = (await connection.execute(statement)).all()
        return [(case_from_document(row.document), float(row.score)) for row in rows]
    matching = or_(*(cases.c.search_text.ilike(f"%{w}%") for w in words))
    rows = (await connection.execute(select(cases.c.document, cases.c.search_text).where(*conditions, matching)
                                     .limit(500))).all()
    scored = [(case_from_document(r.document), float(sum(w in r.search_text.lower() for w in words))) for r in rows]
    return sorted(scored, key=lambda pair: -pair[1])[:limit]


def _quoted(word: str) -> str:
    """A tsquery lexeme: quoted, so `v2.3.1` or `E-1042` is one term, never an operator."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
