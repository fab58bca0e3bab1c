"""aftercare.intake.v1.IntakeService: thin translation between the wire and the handlers."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from aftercare.common.v1 import common_pb2
from aftercare.intake.v1 import intake_pb2 as pb
from aftercare.intake.v1 import intake_pb2_grpc
from aftercare_platform.auth.context import current_principal
from aftercare_platform.auth.principal import Role
from aftercare_platform.clock import Clock
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.paging import PageTokens
from google.protobuf.json_format import MessageToDict

from intake.adapters.proto_mapping import CHANNELS, message_values, record_message
from intake.entrypoints import grpc_mapping as read
from intake.entrypoints.requests import (
    AttachmentLimits,
    alarm_request,
    report_fields,
    require_submitter,
    submitted_request,
    uploads,
)
from intake.handlers.pipeline import IntakePipeline, Submitted
from intake.handlers.registry import RegistryHandlers
from intake.handlers.registry_import import decode_csv, import_csv
from intake.handlers.rejections import RecordedRejection, list_rejections, message_fields
from intake.parsing.csv_import import ImportKind
from intake.reads import check_coverage, get_receipt

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["IntakeService"].full_name
C, K, T, S, A = ImportKind.COMPANIES, ImportKind.CONTACTS, ImportKind.CONTRACTS, ImportKind.SITES, ImportKind.ASSETS


def _hints(message: pb.ReportHints) -> dict[str, Any]:
    return MessageToDict(message, preserving_proto_field_name=True)


def _scope(role: Role, companies: frozenset[str], company_id: str | None) -> frozenset[str] | None:
    if role is not Role.PARTNER:
        return None
    return companies | ({company_id} if company_id else set())


def _rejection_message(recorded: RecordedRejection) -> pb.Rejection:
    return pb.Rejection(**message_fields(recorded.rejection_id, recorded.rejection))


class IntakeServicer(intake_pb2_grpc.IntakeServiceServicer):
    def __init__(self, database: Database, pipeline: IntakePipeline, registry: RegistryHandlers, clock: Clock, *,
                 limits: AttachmentLimits, region: str, page_tokens: PageTokens) -> None:
        self._db = database
        self._page_tokens = page_tokens
        self._pipeline = pipeline
        self._registry = registry
        self._clock = clock
        self._limits = limits
        self._region = region

    # ---- reports -------------------------------------------------------------------------

    async def _submit(self, request: Any, items: list[Any] | None = None) -> Submitted:
        principal = current_principal()
        files = uploads([(a.filename, a.content_type, a.content) for a in items or []], self._limits)
        return await self._pipeline.submit(request, files, company_scope=_scope(
            principal.role, principal.companies, principal.company_id))

    async def SubmitCase(self, request: pb.SubmitCaseRequest, context: Any) -> pb.SubmitCaseResponse:
        principal = current_principal()
        require_submitter(principal)
        fields = report_fields(
            reporter=MessageToDict(request.reporter, preserving_proto_field_name=True), hints=_hints(request.hints),
            summary=request.summary, description=request.description, error_codes=list(request.error_codes),
            category=read.category(request.category), kind=read.kind(request.kind),
            severity=read.severity(request.stated_severity), quoted_case_number=request.quoted_case_number,
            requested_response=(request.customer_requested_response.ToTimedelta()
                                if request.HasField("customer_requested_response") else None))
        intake_request = submitted_request(principal, fields, request.partner_request_id, self._clock.now(),
                                           read.channel(request.channel), read.priority(request.priority))
        done = await self._submit(intake_request, list(request.attachments))
        return pb.SubmitCaseResponse(receipt=read.receipt_message(done.receipt), replayed=done.replayed)

    async def ReportAlarm(self, request: pb.ReportAlarmRequest, context: Any) -> pb.ReportAlarmResponse:
        principal = current_principal()
        require_submitter(principal)
        raised_at = request.raised_at.ToDatetime(tzinfo=UTC) if request.HasField("raised_at") else self._clock.now()
        intake_request = alarm_request(
            principal, alarm_id=request.alarm_id, serial_number=request.serial_number,
            manufacturer=request.manufacturer, alarm_code=request.alarm_code, description=request.description,
            severity=read.severity(request.severity, "severity"), raised_at=raised_at, hints=_hints(request.hints))
        done = await self._submit(intake_request)
        return pb.ReportAlarmResponse(receipt=read.receipt_message(done.receipt), replayed=done.replayed)

    async def GetReceipt(self, request: pb.GetReceiptRequest, context: Any) -> pb.GetReceiptResponse:
        receipt = await get_receipt(self._db, request.receipt_id, current_principal())
        return pb.GetReceiptResponse(receipt=read.receipt_message(receipt))

    async def CheckCoverage(self, request: pb.CheckCoverageRequest, context: Any) -> pb.CheckCoverageResponse:
        answer = await check_coverage(self._db, current_principal(), serial_number=request.serial_number or None,
                                      manufacturer=request.manufacturer or None,
                                      contract_id=request.contract_id or None, on_date=read.day(request.date, "date"))
        return read.coverage_message(answer)

    async def ImportRegistry(self, request: pb.ImportRegistryRequest, context: Any) -> pb.ImportRegistryResponse:
        kind = read.registry_kind(request.kind)
        report = await import_csv(self._db, current_principal(), kind, decode_csv(request.csv),
                                  first_row=request.first_row or 2, region=self._region)
        return pb.ImportRegistryResponse(
            rows_read=report.rows_read, rows_imported=report.rows_imported, rows_rejected=report.rows_rejected,
            errors=[pb.RowError(row=e.row, field=e.field, reason=e.reason) for e in report.errors])

    async def ListRejections(self, request: pb.ListRejectionsRequest, context: Any) -> pb.ListRejectionsResponse:
        channel = CHANNELS.optional(request.channel, "channel")
        found, token = await list_rejections(self._db, current_principal(), self._page_tokens, channel=channel,
                                             reason=request.reason, page_size=request.page.page_size,
                                             page_token=request.page.page_token)
        return pb.ListRejectionsResponse(rejections=[_rejection_message(r) for r in found],
                                         page=common_pb2.PageResponse(next_page_token=token))

    # ---- the registry ----------------------------------------------------------------------

    async def _create(self, kind: ImportKind, message: Any) -> Any:
        return record_message(await self._registry.create(current_principal(), kind, message_values(message)))

    async def _update(self, kind: ImportKind, message: Any) -> Any:
        return record_message(await self._registry.update(current_principal(), kind, message_values(message)))

    async def _get(self, kind: ImportKind, key: str) -> Any:
        return record_message(await self._registry.get(current_principal(), kind, key))

    async def _list(self, kind: ImportKind, request: Any, **where: str) -> tuple[list[Any], Any]:
        records, token = await self._registry.list(current_principal(), kind, where,
                                                   page_size=request.page.page_size, page_token=request.page.page_token)
        return [record_message(r) for r in records], common_pb2.PageResponse(next_page_token=token)

    async def CreateCompany(self, request: pb.CreateCompanyRequest, context: Any) -> pb.CreateCompanyResponse:
        return pb.CreateCompanyResponse(company=await self._create(C, request.company))

    async def GetCompany(self, request: pb.GetCompanyRequest, context: Any) -> pb.GetCompanyResponse:
        return pb.GetCompanyResponse(company=await self._get(C, request.company_id))

    async def ListCompanies(self, request: pb.ListCompaniesRequest, context: Any) -> pb.ListCompaniesResponse:
        found, page = await self._list(C, request)
        return pb.ListCompaniesResponse(companies=found, page=page)

    async def UpdateCompany(self, request: pb.UpdateCompanyRequest, context: Any) -> pb.UpdateCompanyResponse:
        return pb.UpdateCompanyResponse(company=await self._update(C, request.company))

    async def CreateContact(self, request: pb.CreateContactRequest, context: Any) -> pb.CreateContactResponse:
        return pb.CreateContactResponse(contact=await self._create(K, request.contact))

    async def GetContact(self, request: pb.GetContactRequest, context: Any) -> pb.GetContactResponse:
        return pb.GetContactResponse(contact=await self._get(K, request.contact_id))

    async def ListContacts(self, request: pb.ListContactsRequest, context: Any) -> pb.ListContactsResponse:
        found, page = await self._list(K, request, company_id=request.company_id)
        return pb.ListContactsResponse(contacts=found, page=page)

    async def UpdateContact(self, request: pb.UpdateContactRequest, context: Any) -> pb.UpdateContactResponse:
        return pb.UpdateContactResponse(contact=await self._update(K, request.contact))

    async def CreateContract(self, request: pb.CreateContractRequest, context: Any) -> pb.CreateContractResponse:
        return pb.CreateContractResponse(contract=await self._create(T, request.contract))

    async def GetContract(self, request: pb.GetContractRequest, context: Any) -> pb.GetContractResponse:
        return pb.GetContractResponse(contract=await self._get(T, request.contract_id))

    async def ListContracts(self, request: pb.ListContractsRequest, context: Any) -> pb.ListContractsResponse:
        found, page = await self._list(T, request, company_id=request.company_id)
        return pb.ListContractsResponse(contracts=found, page=page)

    async def UpdateContract(self, request: pb.UpdateContractRequest, context: Any) -> pb.UpdateContractResponse:
        return pb.UpdateContractResponse(contract=await self._update(T, request.contract))

    async def CreateSite(self, request: pb.CreateSiteRequest, context: Any) -> pb.CreateSiteResponse:
        return pb.CreateSiteResponse(site=await self._create(S, request.site))

    async def GetSite(self, request: pb.GetSiteRequest, context: Any) -> pb.GetSiteResponse:
        return pb.GetSiteResponse(site=await self._get(S, request.site_id))

    async def ListSites(self, request: pb.ListSitesRequest, context: Any) -> pb.ListSitesResponse:
        found, page = await self._list(S, request, company_id=request.company_id)
        return pb.ListSitesResponse(sites=found, page=page)

    async def UpdateSite(self, request: pb.UpdateSiteRequest, context: Any) -> pb.UpdateSiteResponse:
        return pb.UpdateSiteResponse(site=await self._update(S, request.site))

    async def CreateAsset(self, request: pb.CreateAssetRequest, context: Any) -> pb.CreateAssetResponse:
        return pb.CreateAssetResponse(asset=await self._create(A, request.asset))

    async def GetAsset(self, request: pb.GetAssetRequest, context: Any) -> pb.GetAssetResponse:
        asset = await self._registry.get_asset(current_principal(), request.serial_number, request.manufacturer)
        return pb.GetAssetResponse(asset=record_message(asset))

    async def ListAssets(self, request: pb.ListAssetsRequest, context: Any) -> pb.ListAssetsResponse:
        found, page = await self._list(A, request, site_id=request.site_id, contract_id=request.contract_id)
        return pb.ListAssetsResponse(assets=found, page=page)

    async def UpdateAsset(self, request: pb.UpdateAssetRequest, context: Any) -> pb.UpdateAssetResponse:
        return pb.UpdateAssetResponse(asset=await self._update(A, request.asset))
