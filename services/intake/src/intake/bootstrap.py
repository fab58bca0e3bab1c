"""The one place that builds the intake service's adapters and wires them to its entry points."""

from __future__ import annotations

from datetime import timedelta

from aftercare.intake.v1 import intake_pb2_grpc
from aftercare_platform.lifecycle import Component
from aftercare_platform.paging import PageTokens
from aftercare_platform.service.definition import GrpcServicer, Infrastructure, ServiceDefinition, ServiceParts

from intake.adapters.attachment_storage import (
    AttachmentStorage,
    FileSystemAttachmentStorage,
    ObjectStoreAttachmentStorage,
)
from intake.adapters.cases_gateway import CasesGateway, GrpcCasesGateway
from intake.adapters.rate_limit import ClientLimiter, RateLimiter, SharedRateLimiter
from intake.adapters.submissions import deliveries_pending
from intake.adapters.tables import metadata
from intake.domain.duplicates import DuplicateRule
from intake.domain.web_form_client import TrustedFrontEnds
from intake.entrypoints.consumers import subscriptions
from intake.entrypoints.grpc_api import IntakeServicer
from intake.entrypoints.http_api import HttpLimits, intake_router
from intake.entrypoints.requests import AttachmentLimits
from intake.entrypoints.smtp_listener import InboundMailHandler, SmtpListener
from intake.handlers.delivery import CaseDeliverer
from intake.handlers.pipeline import IntakePipeline
from intake.handlers.registry import RegistryHandlers
from intake.parsing.mime_parts import EmailLimits
from intake.settings import IntakeSettings


def attachment_storage(settings: IntakeSettings) -> AttachmentStorage:
    if settings.attachment_storage == "s3":
        return ObjectStoreAttachmentStorage(
            bucket=settings.attachment_s3_bucket, endpoint_url=settings.attachment_s3_endpoint_url,
            region=settings.attachment_s3_region, access_key=settings.attachment_s3_access_key,
            secret_key=settings.attachment_s3_secret_key, prefix=settings.attachment_s3_prefix)
    return FileSystemAttachmentStorage(settings.attachment_dir)


async def build(infra: Infrastructure[IntakeSettings], gateway: CasesGateway | None = None) -> ServiceParts:
    """The service's parts; tests may hand in their own `gateway` to cases."""
    settings = infra.settings
    database, clock, region = infra.database, infra.clock, settings.region
    grpc_gateway = None
    if gateway is None:
        grpc_gateway = GrpcCasesGateway(settings, target=settings.cases_grpc_target,
                                        timeout=settings.cases_call_timeout_seconds,
                                        reconnect_max_seconds=settings.cases_reconnect_max_seconds,
                                        telemetry=infra.telemetry, creation_calls=settings.cases_creation_calls)
        gateway = grpc_gateway
    deliverer = CaseDeliverer(
        database, gateway, clock, region=region, concurrency=settings.delivery_concurrency,
        initial_backoff=settings.delivery_initial_backoff_seconds, max_backoff=settings.delivery_max_backoff_seconds,
        poll_seconds=settings.delivery_poll_seconds, lease_seconds=settings.cases_call_timeout_seconds * 3)
    storage = attachment_storage(settings)
    pipeline = IntakePipeline(database, storage, deliverer, region=region,
                              duplicate_rule=DuplicateRule(window=timedelta(hours=settings.duplicate_window_hours)),
                              submit_wait_seconds=settings.submit_wait_seconds,
                              alarm_fold_seconds=settings.alarm_fold_seconds)
    page_tokens = PageTokens(settings.page_token_secret)
    registry = RegistryHandlers(database, region, page_tokens)
    attachment_limits = AttachmentLimits(settings.max_attachments, settings.max_attachment_bytes)
    servicer = IntakeServicer(database, pipeline, registry, clock, limits=attachment_limits, region=region,
                              page_tokens=page_tokens)
    # replicas share one bucket per client in the database; embedded mode has one process
    rate, burst = settings.web_form_per_minute, settings.web_form_burst
    limiter: ClientLimiter = RateLimiter(clock, per_minute=rate, burst=burst) if settings.is_sqlite \
        else SharedRateLimiter(database, per_minute=rate, burst=burst)
    http_limits = HttpLimits(settings.max_request_bytes, settings.web_form_max_request_bytes, attachment_limits,
                             settings.sms_webhook_token, settings.sms_webhook_unverified,
                             TrustedFrontEnds.parse(settings.web_form_trusted_clients))

    background: list[Component] = [deliverer]
    if settings.smtp_port:
        mail_limits = EmailLimits(max_message_bytes=settings.smtp_max_message_bytes,
                                  max_attachment_bytes=settings.max_attachment_bytes,
                                  max_attachments=settings.max_attachments)
        handler = InboundMailHandler(database, pipeline, clock, limits=mail_limits, region=region)
        background.append(SmtpListener(handler, host=settings.smtp_host, port=settings.smtp_port,
                                       max_message_bytes=settings.smtp_max_message_bytes))
    return ServiceParts(
        grpc_servicers=[GrpcServicer(intake_pb2_grpc.add_IntakeServiceServicer_to_server, servicer)],
        http_routers=[intake_router(database, pipeline, registry, clock, limiter, http_limits, region,
                                   page_tokens)],
        subscriptions=subscriptions(),
        background=background,
        closers=[grpc_gateway.close] if grpc_gateway else [],
        gauges=[("aftercare_intake_deliveries_pending", "accepted reports not yet handed to cases",
                 lambda: deliveries_pending(database))],
    )


definition = ServiceDefinition(
    name="intake",
    package="intake",
    settings_class=IntakeSettings,
    metadata=metadata,
    build=build,
    start_after=("cases",),  # it hands every report over to cases
)
