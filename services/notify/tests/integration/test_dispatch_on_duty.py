"""The supervisor on duty and the assignee are dispatch's word (`python -m dispatch` as a real process, its
engineers and roster put through its API). While dispatch is down a P1 breach waits for it (nothing sent,
nothing dropped); when it is back, exactly one SMS and one e-mail reach the supervisor its roster has on duty,
and none the supervisor off duty or notify's own staff table."""

from __future__ import annotations

import asyncio
import os
import sys

import grpc
import httpx
from aftercare.cases.v1 import cases_pb2
from aftercare.dispatch.v1 import dispatch_pb2 as pb
from aftercare.dispatch.v1 import dispatch_pb2_grpc
from aftercare.notify.v1 import notify_pb2
from aftercare.sla.v1 import sla_pb2
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.testing.ports import free_port
from aftercare_platform.testing.processes import terminate
from google.protobuf.duration_pb2 import Duration

from .conftest import SUPERVISOR, Case, World, barrier, eventually, sql

BOTH = [sla_pb2.NOTIFY_CHANNEL_SMS, sla_pb2.NOTIFY_CHANNEL_EMAIL]
ON_DUTY = pb.Engineer(engineer_id="sup-on", subject="sup-on", name="Sun OnDuty", tier=pb.ENGINEER_TIER_SUPERVISOR,
                      regions=["east"], phone="+8613911110001", email="sup-on@aftercare.example", language="en",
                      capacity=5, active=True)
OFF_DUTY = pb.Engineer(engineer_id="sup-off", subject="sup-off", name="Li OffDuty", tier=pb.ENGINEER_TIER_SUPERVISOR,
                       regions=["east"], phone="+8613911110002", email="sup-off@aftercare.example", capacity=5,
                       active=True)
ASSIGNEE = pb.Engineer(engineer_id="eng-d1", subject="eng-d1", name="Zhou Field", tier=pb.ENGINEER_TIER_FIELD_ENGINEER,
                       regions=["east"], phone="+8613911110003", email="eng-d1@aftercare.example", language="zh-CN",
                       capacity=5, active=True)


def supervisors_roster() -> pb.Roster:
    day = Duration()
    day.FromSeconds(24 * 3600)
    layer = pb.RotationLayer(name="all-day", member_ids=["sup-on"], rule="FREQ=DAILY;BYHOUR=0;BYMINUTE=0",
                             start_local="2026-01-01T00:00:00", shift_length=day, days=pb.DAY_FILTER_ALL)
    return pb.Roster(roster_id="east-supervisors", name="East supervisors", region="east", team="supervisors",
                     time_zone="Asia/Shanghai", layers=[layer])


class DispatchProcess:
    """`python -m dispatch` on the test's database and vhost; cases is not there (not needed for this)."""

    def __init__(self, world: World) -> None:
        self.http_port, self.grpc_port = free_port(), free_port()
        self.env = {
            **os.environ, "AFTERCARE_DATABASE_URL": world.database_url, "AFTERCARE_AMQP_URL": world.amqp_url,
            "AFTERCARE_HTTP_HOST": "127.0.0.1", "AFTERCARE_GRPC_HOST": "127.0.0.1",
            "AFTERCARE_HTTP_PORT": str(self.http_port), "AFTERCARE_GRPC_PORT": str(self.grpc_port),
            "AFTERCARE_CASES_GRPC_TARGET": f"127.0.0.1:{free_port()}", "AFTERCARE_LOG_JSON": "false",
            "AFTERCARE_DRAIN_SECONDS": "0", "AFTERCARE_SHUTDOWN_GRACE_SECONDS": "2", "AFTERCARE_REGION": "east",
        }
        self.process: asyncio.subprocess.Process | None = None

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "dispatch", env=self.env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)

        async def ready() -> bool:
            assert self.process is not None
            if self.process.returncode is not None:
                raise AssertionError(f"dispatch exited with {self.process.returncode}")
            try:
                async with httpx.AsyncClient(timeout=2) as http:
                    return (await http.get(f"http://127.0.0.1:{self.http_port}/readyz")).status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(ready, within=120, what="the dispatch process ready")

    async def stop(self) -> None:
        if self.process is not None:
            await terminate(self.process)


async def test_the_supervisor_on_duty_comes_from_dispatch_and_a_breach_waits_while_dispatch_is_down(
        world: World) -> None:
    dispatch = DispatchProcess(world)
    await dispatch.start()
    try:
        admin = [("authorization", f"Bearer {mint_token(world.settings(), 'admin-1', 'admin')}")]
        async with grpc.aio.insecure_channel(dispatch.target) as channel:
            stub = dispatch_pb2_grpc.DispatchServiceStub(channel)
            for engineer in (ON_DUTY, OFF_DUTY, ASSIGNEE):
                await stub.PutEngineer(pb.PutEngineerRequest(engineer=engineer), metadata=admin)
            await stub.PutRoster(pb.PutRosterRequest(roster=supervisors_roster()), metadata=admin)
        await dispatch.stop()

        case = Case(priority=cases_pb2.PRIORITY_P1, assignee_id="eng-d1")
        breach = case.sla_event("breached", [sla_pb2.NOTIFY_ROLE_SUPERVISOR], BOTH)
        async with world.notify(dispatch_grpc_target=dispatch.target, role_retry_poll_seconds=0.2) as notify:
            await world.publish(breach)

            async def waiting() -> bool:
                return bool(await sql(notify, "SELECT count(*) FROM notify.role_waits WHERE event_id = $1", breach.id))

            await eventually(waiting, within=60, what="the supervisor waiting for dispatch")
            assert await notify.deliveries(case_id=case.case_id) == []

            await dispatch.start()

            async def both_sent() -> bool:
                found = await notify.deliveries(case_id=case.case_id)
                return len(found) == 2 and all(d.state == notify_pb2.DELIVERY_STATE_SENT for d in found)

            await eventually(both_sent, within=90, what="the SMS and the e-mail to the supervisor on duty")
            assert not await sql(notify, "SELECT count(*) FROM notify.role_waits")

            # the assignee, as dispatch knows them (case.assigned: SMS and e-mail)
            await world.publish(case.case_event("assigned"))
            await world.publish(breach)  # and the breach again: nothing more

            async def assignee_told() -> bool:
                return len(world.providers.to(ASSIGNEE.phone)) == 1 and len(world.smtp.box.to(ASSIGNEE.email)) == 1

            await eventually(assignee_told, within=60, what="the assignee's SMS")
            await barrier(world, notify)
            assert len(await notify.deliveries(case_id=case.case_id)) == 4
    finally:
        await dispatch.stop()
    texts, mails = world.providers.to(ON_DUTY.phone), world.smtp.box.to(ON_DUTY.email)
    assert len(texts) == 1 and case.case_number in texts[0].text
    assert len(mails) == 1 and case.case_number in mails[0].message["Subject"]
    assert "breach" in texts[0].text.lower()  # the supervisor's language (en), not the default zh-CN
    for nobody in (OFF_DUTY.phone, SUPERVISOR.phone):
        assert world.providers.to(nobody) == []
    assert world.smtp.box.to(OFF_DUTY.email) == [] and world.smtp.box.to(SUPERVISOR.email) == []
