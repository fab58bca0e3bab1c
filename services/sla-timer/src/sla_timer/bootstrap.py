"""The one place that builds the sla-timer's adapters and wires them to its entry points."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from functools import partial

from aftercare.sla.v1 import sla_pb2_grpc
from aftercare_platform.lifecycle import Component
from aftercare_platform.service.definition import GrpcServicer, Infrastructure, ServiceDefinition, ServiceParts

from sla_timer.adapters.deadline_signal import DeadlineSignal
from sla_timer.adapters.policy_store import PolicyStore
from sla_timer.adapters.tables import metadata
from sla_timer.entrypoints.consumers import subscriptions
from sla_timer.entrypoints.firing_scheduler import FiringScheduler
from sla_timer.entrypoints.firing_thread import FiringThread
from sla_timer.entrypoints.grpc_api import SlaServicer
from sla_timer.entrypoints.http_api import sla_router
from sla_timer.firing import DueClockFirer
from sla_timer.handlers import SlaHandlers
from sla_timer.policy_admin import PolicyAdmin
from sla_timer.reads import SlaReads
from sla_timer.settings import SlaTimerSettings


def policies_from_service_loop(firer: DueClockFirer) -> None:
    """Called on the service's loop: a firing thread re-reads the policy set through it (its engine)."""
    service_loop = asyncio.get_running_loop()
    read = firer.refresh_policies

    async def refresh() -> None:
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(read(), service_loop))

    firer.refresh_policies = refresh


async def build(infra: Infrastructure[SlaTimerSettings]) -> ServiceParts:
    settings = infra.settings
    database = infra.database
    policies = PolicyStore()
    await policies.seed_defaults(database)
    async with database.unit_of_work() as uow:
        await policies.current(uow.connection)
    signal = DeadlineSignal(database)
    look_ahead = timedelta(seconds=settings.look_ahead_seconds)
    handlers = SlaHandlers(policies, signal, look_ahead=look_ahead)
    background: list[Component] = []
    relay_yields_to = None
    if settings.firing_enabled:
        firer = DueClockFirer(
            database,
            policies,
            infra.clock,
            outbox_notify_interval=settings.outbox_notify_interval_ms / 1000,
            lanes=settings.firing_lanes,
        )
        scheduler = FiringScheduler(
            firer,
            signal,
            infra.clock,
            look_ahead=look_ahead,
            look_ahead_limit=settings.look_ahead_limit,
            batch_size=settings.claim_batch_size,
            lead=timedelta(milliseconds=settings.claim_lead_ms),
        )
        if settings.relay_yield_max_seconds > 0:
            relay_yields_to = partial(scheduler.hold_while_draining, settings.relay_yield_max_seconds)
        if settings.firing_thread and firer.has_own_connection:
            background.append(FiringThread(scheduler, on_service_loop=lambda: policies_from_service_loop(firer)))
        else:
            background.append(scheduler)
    reads, admin = SlaReads(database, policies), PolicyAdmin(database, policies)
    return ServiceParts(
        grpc_servicers=[GrpcServicer(sla_pb2_grpc.add_SlaServiceServicer_to_server, SlaServicer(reads, admin))],
        http_routers=[sla_router(reads, admin)],
        subscriptions=subscriptions(handlers),
        background=background,
        relay_yields_to=relay_yields_to,
    )


definition = ServiceDefinition(
    name="sla-timer",
    package="sla_timer",
    settings_class=SlaTimerSettings,
    metadata=metadata,
    build=build,
    start_after=("cases",),  # it listens to case events
)
