"""The seeded demo users the development login page offers (the demo data creates their companies)."""

from __future__ import annotations

from dataclasses import dataclass

DEMO_REGION = "east"
# the demo companies' ids, fixed so the demo users' tokens name them
ACME = "9d0c6a2e-4c1b-4f0a-9a51-0000000a0001"
BOREAL = "9d0c6a2e-4c1b-4f0a-9a51-0000000b0002"


@dataclass(frozen=True)
class DemoUser:
    subject: str
    name: str
    role: str
    company_id: str | None = None


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("agent-li", "李娜", "agent"),
    DemoUser("eng-wang", "王强", "engineer"),
    DemoUser("eng-zhao", "赵敏", "engineer"),
    DemoUser("sup-chen", "陈静", "supervisor"),
    DemoUser("cust-acme", "Alice Wu", "customer", ACME),
    DemoUser("cust-boreal", "Bob Lin", "customer", BOREAL),
)


def demo_user(subject: str) -> DemoUser | None:
    return next((user for user in DEMO_USERS if user.subject == subject), None)
