"""dispatch over gRPC: who the assignee is and who the region's supervisor on duty is now (GetEngineer,
ListEngineers, WhoIsOnDuty), with their phone, e-mail and language. dispatch unreachable is
`DirectoryUnavailable`: the planner waits and asks again, it never plans nobody."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import grpc
from aftercare.dispatch.v1 import dispatch_pb2 as pb
from aftercare.dispatch.v1 import dispatch_pb2_grpc
from aftercare_platform.contracts import EnumMap

from notify.directory import DirectoryUnavailable
from notify.domain.notice import Notice
from notify.domain.quiet_hours import QuietHours
from notify.domain.recipients import Recipient, StaffMember, on_duty_of_tier, supervisors_on_duty
from notify.domain.vocabulary import Role

log = logging.getLogger(__name__)
TIERS = EnumMap.words(pb.EngineerTier)
# the roles that mean "whoever of this tier is on duty in the case's region" (as dispatch resolves them)
ON_DUTY_TIERS = {Role.DESK_AGENT: "desk_agent", Role.EXPERT_PANEL: "expert", Role.FIELD_TEAM: "field_engineer",
                 Role.RMA_ADMIN: "rma_administrator", Role.VENDOR_CONTACT: "vendor_contact"}
# answers that say "there is nobody to ask about" (a region or id dispatch cannot take); every other failure
# (dispatch down, slow, refusing our token) is waited out: the role is planned again once dispatch answers
_NOBODY = {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND}


def member_of(engineer: pb.Engineer) -> StaffMember:
    return StaffMember(engineer.engineer_id, engineer.name, TIERS.spell(engineer.tier) or "", tuple(engineer.regions),
                       engineer.phone, engineer.email, engineer.language or "zh-CN", engineer.active)


class DispatchStaff:
    """A RecipientDirectory for the assignee and the supervisor. `quiet_hours_of` adds what dispatch does
    not keep: a staff member's own quiet hours (notify's staff preferences, by the same id)."""

    def __init__(self, channel: Any, quiet_hours_of: Callable[[str], QuietHours | None], timeout: float = 5.0) -> None:
        self._stub = dispatch_pb2_grpc.DispatchServiceStub(channel)
        self._quiet_hours_of, self._timeout = quiet_hours_of, timeout

    async def resolve(self, role: Role, notice: Notice) -> list[Recipient]:
        try:
            if role is Role.ASSIGNEE:
                members = await self._assignee(notice.assignee_id)
            elif role is Role.SUPERVISOR:
                members = await self._supervisors(notice.region)
            elif role in ON_DUTY_TIERS:
                members = await self._on_duty(notice.region, ON_DUTY_TIERS[role])
            else:
                return []
        except grpc.aio.AioRpcError as error:
            if error.code() not in _NOBODY:
                raise DirectoryUnavailable(f"dispatch: {error.code().name} {error.details()}") from error
            log.warning("dispatch knows no %s for %s (case %s): %s", role, notice.region, notice.case_number,
                        error.details())
            return []
        return [self._recipient(m) for m in members]

    async def _assignee(self, engineer_id: str) -> list[StaffMember]:
        if not engineer_id:
            return []
        try:
            found = await self._stub.GetEngineer(pb.GetEngineerRequest(engineer_id=engineer_id), timeout=self._timeout)
        except grpc.aio.AioRpcError as error:
            if error.code() is grpc.StatusCode.NOT_FOUND:
                return []
            raise
        return [member_of(found.engineer)]

    async def _supervisors(self, region: str) -> list[StaffMember]:
        if not region:
            return []
        engineers = await self._stub.ListEngineers(pb.ListEngineersRequest(region=region), timeout=self._timeout)
        duty = await self._stub.WhoIsOnDuty(pb.WhoIsOnDutyRequest(region=region), timeout=self._timeout)
        return supervisors_on_duty([member_of(e) for e in engineers.engineers], set(duty.engineer_ids), region)

    async def _on_duty(self, region: str, tier: str) -> list[StaffMember]:
        if not region:
            return []
        engineers = await self._stub.ListEngineers(pb.ListEngineersRequest(region=region), timeout=self._timeout)
        duty = await self._stub.WhoIsOnDuty(pb.WhoIsOnDutyRequest(region=region), timeout=self._timeout)
        return on_duty_of_tier([member_of(e) for e in engineers.engineers], set(duty.engineer_ids), tier)

    def _recipient(self, member: StaffMember) -> Recipient:
        return Recipient(f"staff:{member.staff_id}", member.name or member.staff_id, None, member.phone,
                         member.email, language=member.language, quiet_hours=self._quiet_hours_of(member.staff_id))
