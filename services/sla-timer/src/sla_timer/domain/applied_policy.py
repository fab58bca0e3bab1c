"""Which policy a case is under, as sla-timer last told cases, and when to tell it again.

cases decides what a customer's reply does (resume a waiting case, reopen a closed one within the window)
by the reply settings of the case's policy; sla-timer is where the policy is resolved, so it announces
the policy and its settings when a case's clocks are first planned and whenever a later event of the case
finds another policy, or the same policy with other settings, in force."""

from __future__ import annotations

from dataclasses import dataclass

from sla_timer.domain.policy import Policy, ReplySettings


@dataclass(frozen=True)
class AppliedPolicy:
    policy: str
    settings: ReplySettings

    @classmethod
    def of(cls, policy: Policy) -> AppliedPolicy:
        return cls(policy.name, policy.reply_settings)


def to_announce(announced: AppliedPolicy | None, policy: Policy) -> AppliedPolicy | None:
    """What to announce for a case now under `policy`, given what was announced before; None: nothing new."""
    current = AppliedPolicy.of(policy)
    return None if current == announced else current
