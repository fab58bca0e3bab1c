"""Plan 003 §3: the customer defines its own severity and the response time it asks for. Recorded for every
case; used only where the contract's policy honours them (Policy.honours_customer_severity / _requested_response)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from sla_timer.domain.policy import ClockTarget, Policy
from sla_timer.domain.vocabulary import ClockKind, Priority

_GRAVITY = list(Priority)  # P1 first: the gravest


@dataclass(frozen=True)
class CustomerTerms:
    severity: Priority | None = None
    requested_response: timedelta | None = None

    def priority(self, policy: Policy, agents: Priority) -> Priority:
        """The priority the clocks run under: the customer's severity when honoured and graver than the agent's."""
        if policy.honours_customer_severity and self.severity is not None:
            return min(agents, self.severity, key=_GRAVITY.index)
        return agents

    def target(self, policy: Policy, kind: ClockKind, target: ClockTarget | None) -> ClockTarget | None:
        """The first-response target shortened to what the customer asked for, when honoured."""
        asked = self.requested_response
        if kind is not ClockKind.FIRST_RESPONSE or target is None or asked is None or asked <= timedelta(0):
            return target
        if not policy.honours_requested_response or asked >= target.target:
            return target
        return replace(target, target=asked)


NO_TERMS = CustomerTerms()
