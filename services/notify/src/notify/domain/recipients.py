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
