"""Managing calendars and policies: staff read them, admins and supervisors change them.

Every change is validated against the whole stored set (a policy naming a missing calendar, a
warning after its deadline, overlapping windows, a calendar with no working time are refused with
the field named) and bumps the set's version so every replica reloads it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aftercare_platform.auth.access import require_role
from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.calendar import Calendar
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.errors import DomainError, FailedPrecondition, InvalidArgument, PermissionDenied

from sla_timer.adapters.policy_store import PolicyStore, calendar_document, policy_document, policy_set_from_documents
from sla_timer.domain.policy import Policy, PolicySet
from sla_timer.domain.policy_yaml import dump_policy_set, load_policy_set

MANAGERS = (Role.ADMIN, Role.SUPERVISOR)
# says the loader's field paths as the caller's request paths
Restate = Callable[[DomainError], DomainError]


def _staff(principal: Principal) -> None:
    if not principal.is_staff:
        raise PermissionDenied("only staff may read SLA policies and calendars")


def _documents(current: PolicySet) -> tuple[dict[str, Any], dict[str, Any]]:
    return (
        {name: calendar_document(c) for name, c in current.calendars.items()},
        {name: policy_document(p) for name, p in current.policies.items()},
    )


class PolicyAdmin:
    def __init__(self, database: Database, policies: PolicyStore) -> None:
        self._db = database
        self._store = policies

    async def current(self, principal: Principal) -> PolicySet:
        _staff(principal)
        async with self._db.unit_of_work() as uow:
            return await self._store.current(uow.connection)

    async def policy(self, principal: Principal, name: str) -> tuple[Policy, bool]:
        current = await self.current(principal)
        return current.policy(name), name == current.default_policy

    async def calendar(self, principal: Principal, name: str) -> Calendar:
        return (await self.current(principal)).calendar(name)

    async def put_policy(
        self, principal: Principal, name: str, document: dict[str, Any], restate: Restate
    ) -> tuple[Policy, bool]:
        require_role(principal, *MANAGERS)
        async with self._db.unit_of_work() as uow:
            current = await self._store.lock(uow.connection)
            calendars, policies = _documents(current)
            policies[name] = document
            try:
                changed = policy_set_from_documents(calendars, policies, current.default_policy, source="api")
            except DomainError as error:
                raise restate(error) from None
            policy = changed.policy(name)
            created = await self._store.put_policy(uow.connection, policy, uow.clock.now())
        return policy, created

    async def put_calendar(
        self, principal: Principal, name: str, document: dict[str, Any], restate: Restate
    ) -> tuple[Calendar, bool]:
        require_role(principal, *MANAGERS)
        async with self._db.unit_of_work() as uow:
            current = await self._store.lock(uow.connection)
            calendars, policies = _documents(current)
            calendars[name] = document
            try:
                changed = policy_set_from_documents(calendars, policies, current.default_policy, source="api")
            except DomainError as error:
                raise restate(error) from None
            calendar = changed.calendar(name)
            created = await self._store.put_calendar(uow.connection, calendar, uow.clock.now())
        return calendar, created

    async def delete_policy(self, principal: Principal, name: str) -> None:
        require_role(principal, *MANAGERS)
        async with self._db.unit_of_work() as uow:
            current = await self._store.lock(uow.connection)
            current.policy(name)  # NotFound when missing
            if name == current.default_policy:
                raise FailedPrecondition(f"policy {name!r} is the default policy; make another the default first")
            await self._store.delete_policy(uow.connection, name, uow.clock.now())

    async def delete_calendar(self, principal: Principal, name: str) -> None:
        require_role(principal, *MANAGERS)
        async with self._db.unit_of_work() as uow:
            current = await self._store.lock(uow.connection)
            current.calendar(name)
            users = sorted(p.name for p in current.policies.values() if any(name in t.calendars for *_, t in p.rows()))
            if users:
                raise FailedPrecondition(f"calendar {name!r} is used by the policies {', '.join(users)}")
            await self._store.delete_calendar(uow.connection, name, uow.clock.now())

    async def import_yaml(self, principal: Principal, text: str, *, replace: bool) -> PolicySet:
        require_role(principal, *MANAGERS)
        if not text.strip():
            raise InvalidArgument.for_field("yaml", "is empty")
        async with self._db.unit_of_work() as uow:
            current = await self._store.lock(uow.connection)
            documents = (text,) if replace else (dump_policy_set(current), text)
            imported = load_policy_set(*documents, source="yaml")
            await self._store.replace_all(uow.connection, imported, uow.clock.now(), source="import")
        return imported

    async def export_yaml(self, principal: Principal) -> str:
        return dump_policy_set(await self.current(principal))
