"""`EmailRejected`: the one error the email parser raises, with a machine-readable reason."""

from __future__ import annotations

from enum import StrEnum

from aftercare_platform.errors import FieldViolation, InvalidArgument


class EmailRejectReason(StrEnum):
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    MALFORMED = "malformed"
    TOO_MANY_PARTS = "too_many_parts"
    NO_SENDER = "no_sender"
    INVALID_SENDER = "invalid_sender"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    NO_TEXT = "no_text"
    ATTACHMENT_TOO_LARGE = "attachment_too_large"
    TOO_MANY_ATTACHMENTS = "too_many_attachments"
    INVALID_REQUEST = "invalid_request"


# Reasons that say "a machine wrote this": record and drop silently, never answer (mail loops).
AUTOMATED_REASONS = frozenset({EmailRejectReason.AUTO_REPLY, EmailRejectReason.BOUNCE})
# Reasons an SMTP listener answers with 552 (size) rather than 550/554.
SIZE_REASONS = frozenset(
    {EmailRejectReason.TOO_LARGE, EmailRejectReason.ATTACHMENT_TOO_LARGE, EmailRejectReason.TOO_MANY_ATTACHMENTS}
)


class EmailRejected(InvalidArgument):
    """This message does not become a case or a note; `reason` says why, `detail` says more."""

    def __init__(self, reason: EmailRejectReason, detail: str) -> None:
        super().__init__(
            f"email rejected ({reason}): {detail}",
            violations=[FieldViolation("email", f"{reason}: {detail}")],
            reason=str(reason),
        )
        self.reason = reason

    @property
    def automated(self) -> bool:
        return self.reason in AUTOMATED_REASONS
