"""The configured directory of staff (a table, seeded from settings and SetStaffMember): everyone's own quiet
hours; and, where no dispatch is configured (development), the assignee by id and the region's supervisor."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aftercare_platform.clock import Clock, SystemClock
from aftercare_platform.db.statements import upsert
from aftercare_platform.db.unit_of_work import Database
from sqlalchemy import select

from notify.adapters.tables import staff
from notify.domain.notice import Notice
from notify.domain.quiet_hours import QuietHours
from notify.domain.recipients import Recipient
from notify.domain.vocabulary import Role
from notify.settings import StaffSeed


def recipient_of(row: Any) -> Recipient:
    quiet = QuietHours.parse(row.quiet_hours, row.time_zone) if row.quiet_hours else None
    return Recipient(f"staff:{row.staff_id}", row.name or row.staff_id, None, row.phone, row.email,
                     language=row.language, quiet_hours=quiet)


class StaffDirectory:
    """Kept in memory (a handful of rows), re-read every `refresh_seconds` and after every change here, so
    resolving a role takes no database connection inside the consumer's transaction."""

    def __init__(self, database: Database, refresh_seconds: float = 30.0, clock: Clock | None = None) -> None:
        self._database, self._refresh = database, timedelta(seconds=refresh_seconds)
        self._clock = clock or SystemClock()
        self._rows: list[Any] = []
        self._loaded_at: datetime | None = None

    async def refresh(self) -> None:
        async with self._database.unit_of_work() as uow:
            self._rows = list((await uow.connection.execute(select(staff))).all())
        self._loaded_at = self._clock.now()

    async def resolve(self, role: Role, notice: Notice) -> list[Recipient]:
        loaded_at = self._loaded_at
        if loaded_at is None or not timedelta(0) <= self._clock.now() - loaded_at <= self._refresh:
            await self.refresh()
        if role is Role.ASSIGNEE:
            rows = [r for r in self._rows if notice.assignee_id and r.staff_id == notice.assignee_id]
        elif role is Role.SUPERVISOR:
            rows = [r for r in self._rows if notice.region in (r.supervisor_of_regions or [])]
        else:
            rows = []
        return [recipient_of(r) for r in rows]

    def quiet_hours_of(self, staff_id: str) -> QuietHours | None:
        """A staff member's own quiet hours (dispatch keeps none), from the last read of the table."""
        row = next((r for r in self._rows if r.staff_id == staff_id), None)
        return QuietHours.parse(row.quiet_hours, row.time_zone) if row is not None and row.quiet_hours else None

    async def save(self, member: StaffSeed) -> None:
        if member.quiet_hours:
            QuietHours.parse(member.quiet_hours, member.time_zone)
        values = member.model_dump()
        async with self._database.unit_of_work() as uow:
            await uow.connection.execute(upsert(uow.connection, staff, ["staff_id"], values))
        await self.refresh()
