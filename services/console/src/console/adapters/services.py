"""The services the pages call, always with the signed-in user's own token: every access rule stays
in the service that owns the data. A refusal comes back as the service's own DomainError."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, TypeVar

import grpc
import httpx
from aftercare.cases.v1 import cases_pb2_grpc
from aftercare.dispatch.v1 import dispatch_pb2_grpc
from aftercare.intake.v1 import intake_pb2_grpc
from aftercare.sla.v1 import sla_pb2_grpc
from aftercare.survey.v1 import survey_pb2_grpc
from aftercare_platform.contracts.headers import END_CLIENT_HEADER
from aftercare_platform.errors import FieldViolation, InvalidArgument, ResourceExhausted, Unavailable
from aftercare_platform.servers.grpc_client import create_channel, reconnect_options
from aftercare_platform.servers.grpc_errors import domain_error_from_rpc_error
from aftercare_platform.telemetry.setup import Telemetry
from google.protobuf.message import Message

from console.settings import ConsoleSettings

R = TypeVar("R", bound=Message)


class Services:
    """One channel per service; stubs are shared, the token travels with each call."""

    def __init__(self, settings: ConsoleSettings, telemetry: Telemetry | None = None) -> None:
        options = reconnect_options(2.0)
        self._timeout = settings.call_timeout_seconds
        self._channels = [create_channel(target, telemetry=telemetry, options=options) for target in (
            settings.cases_grpc_target, settings.intake_grpc_target, settings.sla_grpc_target,
            settings.dispatch_grpc_target, settings.survey_grpc_target)]
        cases, intake, sla, dispatch, survey = self._channels
        self.cases = cases_pb2_grpc.CaseServiceStub(cases)
        self.intake = intake_pb2_grpc.IntakeServiceStub(intake)
        self.sla = sla_pb2_grpc.SlaServiceStub(sla)
        self.dispatch = dispatch_pb2_grpc.DispatchServiceStub(dispatch)
        self.survey = survey_pb2_grpc.SurveyServiceStub(survey)
        self._http = httpx.AsyncClient(base_url=settings.intake_http_url, timeout=settings.call_timeout_seconds)

    async def call(self, method: Any, request: Message, token: str) -> Any:
        try:
            return await method(request, metadata=(("authorization", f"Bearer {token}"),), timeout=self._timeout)
        except grpc.aio.AioRpcError as failed:
            raise _as_domain_error(failed) from None

    async def stream(self, method: Any, request: Message, token: str) -> AsyncIterator[Any]:
        """A server stream (WatchCase) with the user's token; no deadline: it lasts as long as the page."""
        call = method(request, metadata=(("authorization", f"Bearer {token}"),))
        try:
            async for item in call:
                yield item
        except grpc.aio.AioRpcError as failed:
            raise _as_domain_error(failed) from None
        finally:
            call.cancel()

    async def web_form(self, report: dict[str, Any], end_client: str) -> str:
        """A customer's report through intake's web form (the customers' channel); the receipt id. The user
        is named in X-Aftercare-End-Client: an intake that trusts this console counts each user's budget
        on its own (AFTERCARE_WEB_FORM_TRUSTED_CLIENTS), else every user shares the console's."""
        try:
            answer = await self._http.post("/v1/intake/web-form", json=report,
                                           headers={END_CLIENT_HEADER: end_client})
        except httpx.HTTPError as failed:
            raise Unavailable(f"intake's web form did not answer: {failed}") from None
        if answer.status_code >= 400:
            problem = answer.json() if answer.headers.get("content-type", "").endswith("json") else {}
            violations = [FieldViolation(str(v.get("field", "")), str(v.get("description", "")))
                          for v in problem.get("errors", problem.get("violations", [])) if isinstance(v, dict)]
            detail = str(problem.get("detail") or answer.text[:200])
            if answer.status_code == 429:
                raise ResourceExhausted(f"too many reports just now; try again in "
                                        f"{answer.headers.get('retry-after', 'a few')} s")
            raise (Unavailable(detail) if answer.status_code >= 500
                   else InvalidArgument(detail, violations=violations))
        return str(answer.json()["receipt_id"])

    async def close(self) -> None:
        await self._http.aclose()
        for channel in self._channels:
            await channel.close()


def _as_domain_error(failed: grpc.aio.AioRpcError) -> Exception:
    error = domain_error_from_rpc_error(failed)
    if error is not None:
        return error
    return Unavailable(f"the service answered {failed.code().name}: {failed.details() or ''}".strip())
