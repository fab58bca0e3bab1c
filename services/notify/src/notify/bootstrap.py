"""The one place that builds the notify service's adapters and wires them to its entry points."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
from aftercare.notify.v1 import notify_pb2_grpc
from aftercare_platform.servers.grpc_client import SystemTokenSource, create_channel, reconnect_options
from aftercare_platform.service.definition import GrpcServicer, Infrastructure, ServiceDefinition, ServiceParts

from notify.adapters.channel_factory import build_channels
from notify.adapters.contact_directory import ContactDirectory, IntakeRegistry
from notify.adapters.dispatch_gateway import DispatchStaff
from notify.adapters.staff_directory import StaffDirectory
from notify.adapters.tables import metadata
from notify.api import NotifyApi
from notify.directory import CompositeDirectory, RecipientDirectory
from notify.domain.limits import LimitPolicy, ProviderCap, Window
from notify.domain.vocabulary import Channel, Role
from notify.entrypoints.consumers import subscriptions
from notify.entrypoints.grpc_api import NotifyServicer
from notify.entrypoints.http_api import notify_router, receipts_router
from notify.handlers import NotifyHandlers, PlanningSettings
from notify.receipts import ReceiptBook
from notify.role_retry import RoleRetry
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
    staff = StaffDirectory(database, clock=infra.clock)
    for member in settings.staff:
        await staff.save(member)
    await staff.refresh()
    closers: list[Callable[[], Awaitable[None]]] = []

    def channel_to(target: str) -> Any:
        channel = create_channel(target, telemetry=infra.telemetry, token=SystemTokenSource(settings),
                                 options=reconnect_options(5.0))
        closers.append(channel.close)
        return channel

    registry = IntakeRegistry(channel_to(settings.intake_grpc_target)) if settings.intake_grpc_target else None
    # who is on duty is dispatch's word; the staff table stands in only where no dispatch is configured
    people: RecipientDirectory = staff
    if settings.dispatch_grpc_target:
        people = DispatchStaff(channel_to(settings.dispatch_grpc_target), staff.quiet_hours_of)
    contacts = ContactDirectory(registry, settings.default_language, settings.company_languages)
    directory = CompositeDirectory({Role.CUSTOMER_CONTACT: contacts,
                                    **{role: people for role in Role if role is not Role.CUSTOMER_CONTACT}})
    client = httpx.AsyncClient()
    closers.append(client.aclose)
    channels = build_channels(settings, client, infra.clock)
    sender = DeliverySender(database, channels, infra.clock, limit_policy(settings),
                            SenderSettings(settings.sender_batch_size, settings.sender_poll_seconds,
                                           settings.sender_concurrency, settings.max_attempts,
                                           settings.retry_base_seconds, settings.retry_max_seconds,
                                           settings.sending_lease_seconds, settings.sms_segment_budget,
                                           settings.console_url))
    handlers = NotifyHandlers(directory, PlanningSettings(settings.console_url))
    retry = RoleRetry(database, handlers, infra.clock, sender.wake, settings.role_retry_poll_seconds)
    handlers.waiting = retry.wake
    api = NotifyApi(database, staff, settings.sms_segment_budget)
    return ServiceParts(
        grpc_servicers=[GrpcServicer(notify_pb2_grpc.add_NotifyServiceServicer_to_server, NotifyServicer(api))],
        http_routers=[notify_router(api), receipts_router(
            ReceiptBook(database), twilio_token=settings.twilio_auth_token, twilio_url=settings.twilio_status_callback,
            aliyun_token=settings.aliyun_receipt_token)],
        subscriptions=subscriptions(handlers, sender.wake),
        background=[retry, sender] if settings.sender_enabled else [retry],
        closers=closers,
    )


definition = ServiceDefinition(
    name="notify",
    package="notify",
    settings_class=NotifySettings,
    metadata=metadata,
    build=build,
    # contacts come from intake's registry, staff on duty from dispatch
    start_after=("intake", "dispatch"),
)
