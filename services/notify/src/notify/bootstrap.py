"""The one place that builds the notify service's adapters and wires them to its entry points."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import httpx
from aftercare.notify.v1 import notify_pb2_grpc
from aftercare_platform.servers.grpc_client import SystemTokenSource, create_channel
from aftercare_platform.service.definition import GrpcServicer, Infrastructure, ServiceDefinition, ServiceParts

from notify.adapters.channel_factory import build_channels
from notify.adapters.contact_directory import ContactDirectory, IntakeRegistry
from notify.adapters.staff_directory import StaffDirectory
from notify.adapters.tables import metadata
from notify.api import NotifyApi
from notify.directory import CompositeDirectory
from notify.domain.limits import LimitPolicy, ProviderCap, Window
from notify.domain.vocabulary import Channel, Role
from notify.entrypoints.consumers import subscriptions
from notify.entrypoints.grpc_api import NotifyServicer
from notify.entrypoints.http_api import notify_router, receipts_router
from notify.handlers import NotifyHandlers, PlanningSettings
from notify.receipts import ReceiptBook
from notify.sender import DeliverySender, SenderSettings
from notify.settings import NotifySettings


def limit_policy(s: NotifySettings) -> LimitPolicy:
    def windows(pairs: list[tuple[int, int]]) -> tuple[Window, ...]:
        return tuple(Window(timedelta(seconds=span), limit) for span, limit in pairs)

    return LimitPolicy(windows={Channel.SMS: windows(s.sms_windows), Channel.EMAIL: windows(s.email_windows)},
                       provider_caps={Channel.SMS: ProviderCap(timedelta(hours=24), s.sms_template_cap_per_day)})


async def build(infra: Infrastructure[NotifySettings]) -> ServiceParts:
    settings = infra.settings
    database = infra.database
    staff = StaffDirectory(database)
    for member in settings.staff:
        await staff.save(member)
    await staff.refresh()
    closers: list[Callable[[], Awaitable[None]]] = []
    registry = None
    if settings.intake_grpc_target:
        intake_channel = create_channel(settings.intake_grpc_target, telemetry=infra.telemetry,
                                        token=SystemTokenSource(settings))
        registry = IntakeRegistry(intake_channel)
        closers.append(intake_channel.close)
    contacts = ContactDirectory(registry)
    directory = CompositeDirectory({Role.CUSTOMER_CONTACT: contacts, Role.ASSIGNEE: staff, Role.SUPERVISOR: staff})
    client = httpx.AsyncClient()
    closers.append(client.aclose)
    sender = DeliverySender(database, build_channels(settings, client), infra.clock, limit_policy(settings),
                            SenderSettings(settings.sender_batch_size, settings.sender_poll_seconds,
                                           settings.sender_concurrency, settings.max_attempts,
                                           settings.retry_base_seconds, settings.retry_max_seconds,
                                           settings.sending_lease_seconds, settings.sms_segment_budget,
                                           settings.console_url))
    handlers = NotifyHandlers(directory, PlanningSettings(settings.console_url))
    api = NotifyApi(database, staff, settings.sms_segment_budget)
    return ServiceParts(
        grpc_servicers=[GrpcServicer(notify_pb2_grpc.add_NotifyServiceServicer_to_server, NotifyServicer(api))],
        http_routers=[notify_router(api), receipts_router(
            ReceiptBook(database), twilio_token=settings.twilio_auth_token, twilio_url=settings.twilio_status_callback,
            aliyun_token=settings.aliyun_receipt_token)],
        subscriptions=subscriptions(handlers, sender.wake),
        background=[sender] if settings.sender_enabled else [],
        closers=closers,
    )


definition = ServiceDefinition(
    name="notify",
    package="notify",
    settings_class=NotifySettings,
    metadata=metadata,
    build=build,
    # contacts come from intake's registry
    start_after=("intake",),
)
