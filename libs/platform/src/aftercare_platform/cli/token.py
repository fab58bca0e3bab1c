"""`aftercare token …`: development bearer tokens signed with AFTERCARE_JWT_SECRET."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer

from aftercare_platform.auth.principal import Role
from aftercare_platform.auth.tokens import Authenticator, mint_token
from aftercare_platform.errors import Unauthenticated
from aftercare_platform.settings import ServiceSettings

app = typer.Typer(help="Development bearer tokens (signed with AFTERCARE_JWT_SECRET).", no_args_is_help=True)


@app.command("mint")
def mint(
    role: Annotated[Role, typer.Option(help="What the bearer is to Aftercare.")],
    subject: Annotated[str, typer.Option(help="Who the bearer is (the `sub` claim).")],
    company: Annotated[str | None, typer.Option(help="The customer's own company.")] = None,
    region: Annotated[list[str] | None, typer.Option(
        help="A region the bearer may reach; repeat for several. Staff with none reach all.")] = None,
    companies: Annotated[list[str] | None, typer.Option(
        help="For a partner key: a company it may act for; repeat for several.")] = None,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    ttl: Annotated[int, typer.Option(min=1, help="Lifetime in seconds.")] = 3600,
) -> None:
    """Print a signed token, e.g. `aftercare token mint --role customer --company ACME --subject alice`."""
    settings = ServiceSettings()
    # stdout carries the token alone, so `TOKEN=$(aftercare token mint …)` works
    typer.echo(mint_token(settings, subject, role, company=company, regions=region or [], ttl=ttl, name=name,
                          companies=companies or []))


@app.command("verify")
def verify(token: Annotated[str, typer.Argument(help="The token (without 'Bearer ').")]) -> None:
    """Check a token as a service would, and print the principal it stands for."""
    try:
        principal = asyncio.run(Authenticator(ServiceSettings()).authenticate(token))
    except Unauthenticated as refused:
        typer.echo(f"refused: {refused.detail}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(json.dumps({
        "subject": principal.subject,
        "role": principal.role.value,
        "company": principal.company_id,
        "regions": sorted(principal.regions),
        "companies": sorted(principal.companies),
        "name": principal.name,
    }, indent=2))
