"""A person (or system) a message goes to, as the recipient directory resolved it."""

from __future__ import annotations

from dataclasses import dataclass

from notify.domain.guard import Addressee
from notify.domain.quiet_hours import QuietHours
from notify.domain.vocabulary import Channel


@dataclass(frozen=True)
class Recipient:
    recipient_id: str  # "contact:<id>", "staff:<id>", "extra:<company>:<address>"
    name: str
    # the customer company a contact belongs to; None for the vendor's own staff
    company_id: str | None
    phone: str = ""
    email: str = ""
    webhook_url: str = ""
    language: str = "zh-CN"
    quiet_hours: QuietHours | None = None

    def address(self, channel: Channel) -> str:
        return {Channel.SMS: self.phone, Channel.EMAIL: self.email, Channel.WEBHOOK: self.webhook_url}[channel]

    @property
    def addressee(self) -> Addressee:
        return Addressee(self.recipient_id, self.company_id)


@dataclass(frozen=True)
class StaffMember:
    """A member of staff as dispatch knows them (tier in its short form: `supervisor`)."""

    staff_id: str
    name: str
    tier: str
    regions: tuple[str, ...]
    phone: str = ""
    email: str = ""
    language: str = "zh-CN"
    active: bool = True


def supervisors_on_duty(members: list[StaffMember], on_duty: set[str], region: str) -> list[StaffMember]:
    """Whom "the supervisor" of `region` means now: its active supervisors that a roster has on duty; when no
    roster names one, every active supervisor of the region (a breach is never told to nobody), as dispatch's
    own alerts decide."""
    supervisors = [m for m in members if m.tier == "supervisor" and region in m.regions and m.active]
    on = [m for m in supervisors if m.staff_id in on_duty]
    return sorted(on or supervisors, key=lambda m: m.staff_id)


def on_duty_of_tier(members: list[StaffMember], on_duty: set[str], tier: str) -> list[StaffMember]:
    """The desk agents, experts, field engineers, RMA administrators or vendor contacts on duty now."""
    return sorted((m for m in members if m.tier == tier and m.active and m.staff_id in on_duty),
                  key=lambda m: m.staff_id)
