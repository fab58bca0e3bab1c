"""The port through which notify learns who plays a role for a notice, and where to reach them."""

from __future__ import annotations

from typing import Protocol

from notify.domain.notice import Notice
from notify.domain.recipients import Recipient
from notify.domain.vocabulary import Role


class RecipientDirectory(Protocol):
    async def resolve(self, role: Role, notice: Notice) -> list[Recipient]:
        """The people (or systems) in `role` for this notice; empty when nobody is known."""
        ...


class CompositeDirectory:
    """Each role asked of the directory that knows it."""

    def __init__(self, by_role: dict[Role, RecipientDirectory]) -> None:
        self._by_role = by_role

    async def resolve(self, role: Role, notice: Notice) -> list[Recipient]:
        directory = self._by_role.get(role)
        return await directory.resolve(role, notice) if directory is not None else []


class DirectoryUnavailable(Exception):
    """The service that knows a role cannot be asked now: plan that role later, never for nobody."""
