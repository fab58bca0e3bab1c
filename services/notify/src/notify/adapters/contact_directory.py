"""The case's customer contact: the caller the case was opened for, matched against intake's registry
(over gRPC) so a known contact is named by its registry id and company. Whatever it finds, the company
check keeps a contact of another company out."""

from __future__ import annotations

import re
from typing import Any

import grpc
from aftercare.common.v1 import common_pb2
from aftercare.intake.v1 import intake_pb2, intake_pb2_grpc

from notify.directory import DirectoryUnavailable
from notify.domain.notice import Contact, Notice
from notify.domain.recipients import Recipient
from notify.domain.vocabulary import Role


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)[-11:]


def _same_person(caller: Contact, contact: Any) -> bool:
    return bool((caller.phone and _digits(caller.phone) == _digits(contact.phone))
                or (caller.email and caller.email.strip().lower() == contact.email.strip().lower()))


class IntakeRegistry:
    """ListContacts over gRPC: every contact the system token may see that matches the caller."""

    def __init__(self, channel: Any, timeout: float = 5.0) -> None:
        self._stub = intake_pb2_grpc.IntakeServiceStub(channel)
        self._timeout = timeout

    async def contacts_matching(self, caller: Contact) -> list[Any]:
        found, token = [], ""
        while True:
            page = common_pb2.PageRequest(page_size=500, page_token=token)
            response = await self._stub.ListContacts(intake_pb2.ListContactsRequest(page=page), timeout=self._timeout)
            found += [c for c in response.contacts if _same_person(caller, c)]
            token = response.page.next_page_token
            if not token:
                return found


    async def contacts_of(self, company_id: str) -> list[Any]:
        """The company's registered contacts (a notice about the company, not a case: an inspection's)."""
        found, token = [], ""
        while True:
            page = common_pb2.PageRequest(page_size=500, page_token=token)
            response = await self._stub.ListContacts(intake_pb2.ListContactsRequest(company_id=company_id, page=page),
                                                     timeout=self._timeout)
            found += [c for c in response.contacts if c.company_id == company_id and (c.email or c.phone)]
            token = response.page.next_page_token
            if not token:
                return found


class ContactDirectory:
    """The caller comes with the notice (the handler fills it in from the case's opening event). A registered
    contact is told in their own language (intake's registry keeps it), else the one the event asks for (survey's
    invitation), else their company's, else the default."""

    def __init__(self, registry: IntakeRegistry | None, default_language: str = "zh-CN",
                 company_languages: dict[str, str] | None = None) -> None:
        self._registry = registry
        self._default_language, self._company_languages = default_language, company_languages or {}

    def language(self, notice: Notice, company_id: str | None, own: str = "") -> str:
        return own or notice.language or self._company_languages.get(company_id or "", "") or self._default_language

    async def resolve(self, role: Role, notice: Notice) -> list[Recipient]:
        caller = notice.caller
        if role is Role.CUSTOMER_CONTACT and not (caller.phone or caller.email) and not notice.case_number:
            return await self._company_contacts(notice)
        if role is not Role.CUSTOMER_CONTACT or not (caller.phone or caller.email):
            return []
        if self._registry is not None:
            try:
                contacts = await self._registry.contacts_matching(caller)
            except grpc.aio.AioRpcError as error:
                # the registry is down: the caller as the case names it is still the right person
                if error.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                    raise
                contacts = []
            if contacts:
                # the registry's word on the company, whatever the case says: the guard compares the two
                return [Recipient(f"contact:{c.contact_id}", c.name, c.company_id, c.phone, c.email,
                                  language=self.language(notice, c.company_id, c.language)) for c in contacts]
        # a case's caller by the case; a campaign's contact (no case) by their own address
        who = notice.case_id if notice.case_number else (caller.phone or caller.email)
        return [Recipient(f"caller:{who}", caller.name, notice.company_id, caller.phone, caller.email,
                          language=self.language(notice, notice.company_id))]

    async def _company_contacts(self, notice: Notice) -> list[Recipient]:
        """No caller and no case (an inspection notice): every contact the registry keeps for the company;
        the registry away is waited out, never taken as nobody."""
        if self._registry is None or not notice.company_id:
            return []
        try:
            contacts = await self._registry.contacts_of(notice.company_id)
        except grpc.aio.AioRpcError as error:
            if error.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                raise
            raise DirectoryUnavailable(f"intake: {error.code().name} {error.details()}") from error
        return [Recipient(f"contact:{c.contact_id}", c.name, c.company_id, c.phone, c.email,
                          language=self.language(notice, c.company_id, c.language)) for c in contacts]
