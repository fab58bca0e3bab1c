"""How survey reaches intake's registry: every customer contact (指定联系人) of every company, each with its
company's region, for the half-yearly questionnaire. `RegistryUnavailable`: try again later."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import grpc
from aftercare.common.v1 import common_pb2
from aftercare.intake.v1 import intake_pb2 as pb
from aftercare.intake.v1 import intake_pb2_grpc
from aftercare_platform.servers.grpc_client import SystemTokenSource, create_channel, reconnect_options
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry.setup import Telemetry

PAGE = 500


@dataclass(frozen=True)
class RegistryContact:
    company_id: str
    region: str
    name: str
    phone: str
    email: str


class RegistryUnavailable(Exception):
    pass


class ContactRegistry(Protocol):
    async def customer_contacts(self) -> list[RegistryContact]: ...


class GrpcIntakeRegistry:
    """ListCompanies and ListContacts with survey's system token (it sees every company), page by page."""

    def __init__(self, settings: ServiceSettings, *, target: str, timeout: float, reconnect_max_seconds: float,
                 telemetry: Telemetry | None = None) -> None:
        self._channel = create_channel(target, telemetry=telemetry, token=SystemTokenSource(settings),
                                       options=reconnect_options(reconnect_max_seconds))
        self._stub = intake_pb2_grpc.IntakeServiceStub(self._channel)
        self._timeout = timeout

    async def close(self) -> None:
        await self._channel.close()

    async def _pages(self, method: Any, request_of: Any, items: str) -> list[Any]:
        found: list[Any] = []
        token = ""
        while True:
            try:
                page = await method(request_of(common_pb2.PageRequest(page_size=PAGE, page_token=token)),
                                    timeout=self._timeout)
            except grpc.aio.AioRpcError as error:
                raise RegistryUnavailable(f"intake: {error.code().name}: {error.details()}") from None
            found += list(getattr(page, items))
            token = page.page.next_page_token
            if not token:
                return found

    async def customer_contacts(self) -> list[RegistryContact]:
        companies = await self._pages(self._stub.ListCompanies, lambda p: pb.ListCompaniesRequest(page=p), "companies")
        region_of = {c.company_id: c.region for c in companies}
        contacts = await self._pages(self._stub.ListContacts, lambda p: pb.ListContactsRequest(page=p), "contacts")
        return [RegistryContact(c.company_id, region_of.get(c.company_id, ""), c.name, c.phone, c.email)
                for c in contacts if c.phone or c.email]
