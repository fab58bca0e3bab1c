"""Single sign-on against a real OpenID Connect provider over HTTP: the console in-process, the cases service
as its own process, both verifying tokens by the provider's JWKS only (no shared secret), and an HTTP client
that follows redirects as a browser does: console -> provider's authorize form -> callback with code and
state -> token exchange with the PKCE verifier -> ID token verified (signature, issuer, audience, nonce) ->
session -> the user's own page, whose data the console fetched from cases with the user's token."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import grpc
import httpx
import pytest
import pytest_asyncio
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.cases.v1 import cases_pb2_grpc
from aftercare_platform.testing.in_process import service_in_process
from aftercare_platform.testing.infra import Servers, create_database, drop_database
from aftercare_platform.testing.ports import free_port
from aftercare_platform.testing.processes import ServiceProcess
from aftercare_platform.testing.waiting import eventually
from console.bootstrap import definition
from console.settings import ConsoleSettings
from oidc_provider_mock import User

from .oidc_provider import Provider, oidc_provider, s256

pytestmark = pytest.mark.asyncio(loop_scope="module")

REGION = "east"
COMPANY = str(uuid.uuid4())
# the platform's audience: the provider's client id for the console, so its ID tokens are the services' bearer
AUDIENCE = "aftercare"
USERS = (
    User(sub="oidc-agent", claims={"role": "agent", "regions": [REGION], "name": "Wang Fang"}),
    User(sub="oidc-customer", claims={"role": "customer", "company": COMPANY, "name": "Li Lei"}),
    User(sub="oidc-admin", claims={"role": "admin", "name": "Admin"}),
)
FAILED = "Sign-in failed"


@dataclass
class Desk:
    url: str
    provider: Provider
    case_number: str

    def browser(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(follow_redirects=True, timeout=30, headers={"accept-language": "en"})


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def desk(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Desk]:
    database, database_url = await create_database(servers.pg_admin_url, prefix="aftercare_console_oidc")
    with oidc_provider(USERS) as provider:
        # the services trust the provider's keys, never a shared secret
        trust = {"jwks_url": provider.jwks_url, "jwt_issuer": provider.issuer, "jwt_audience": AUDIENCE}
        common = {"database_url": database_url, "amqp_url": servers.amqp_url, "region": REGION,
                  "log_json": "false", "log_level": "WARNING", **trust}
        cases = ServiceProcess("cases", common, tmp_path_factory.mktemp("oidc-logs"))
        port = free_port()
        settings = ConsoleSettings(
            **common, http_port=port, grpc_port=free_port(), http_host="127.0.0.1", grpc_host="127.0.0.1",
            cases_grpc_target=cases.target, public_url=f"http://127.0.0.1:{port}", cookie_secure=False,
            dev_login=False, oidc_issuer_url=provider.issuer, oidc_client_id=AUDIENCE,
            oidc_client_secret="console-client-secret", queue_refresh_seconds=1)
        await cases.start()
        try:
            # the console first: its queue is fed by the case events published after it is bound
            async with service_in_process(definition, settings):
                admin = await provider.id_token("oidc-admin", AUDIENCE, settings.public_url + "/login/oidc/callback")
                async with grpc.aio.insecure_channel(cases.target) as channel:
                    created = await cases_pb2_grpc.CaseServiceStub(channel).CreateCase(cases_pb.CreateCaseRequest(
                        request_id=uuid.uuid4().hex, region=REGION, company_id=COMPANY, description="Printer jams",
                        caller=cases_pb.Caller(name="Li Lei", phone="+8613800000001"),
                        priority=cases_pb.PRIORITY_P2, channel=cases_pb.CHANNEL_HOTLINE,
                        category=cases_pb.CATEGORY_A, kind=cases_pb.CASE_KIND_DEFECT),
                        metadata=[("authorization", f"Bearer {admin}")])
                yield Desk(settings.public_url, provider, created.case.case_number)
        finally:
            await cases.stop()
            await drop_database(servers.pg_admin_url, database)


async def consent(browser: httpx.AsyncClient, desk: Desk, next_page: str = "/") -> httpx.Response:
    """From the console's SSO link to the provider's authorize form (the redirects followed)."""
    form = await browser.get(f"{desk.url}/login/oidc", params={"next": next_page})
    assert form.status_code == 200 and str(form.url).startswith(desk.provider.issuer + "/oauth2/authorize?")
    return form


async def callback_url(browser: httpx.AsyncClient, authorize_url: str, subject: str) -> str:
    """The provider's answer to the consent (a code and the state), not yet followed."""
    answer = await browser.post(authorize_url, data={"sub": subject}, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    return urlunsplit(parts._replace(query=urlencode({**query, **changes})))


async def test_a_customer_signs_in_through_the_provider_and_sees_its_company_s_cases(desk: Desk) -> None:
    async with desk.browser() as browser:
        form = await consent(browser, desk)
        asked = parse_qs(urlsplit(str(form.url)).query)
        assert asked["code_challenge_method"] == ["S256"] and asked["nonce"][0] and asked["state"][0]
        page = await browser.post(str(form.url), data={"sub": "oidc-customer"})
        assert page.status_code == 200 and page.url.path == "/portal", page.text
        # the portal's list came from cases, called with the user's own token: the customer's company's case
        assert desk.case_number in page.text and "Li Lei" in page.text
        # PKCE walked for real: the token request carried the verifier of the challenge the browser was sent
        assert s256(desk.provider.pkce.verifiers[-1]) == asked["code_challenge"][0]
        assert browser.cookies.get("aftercare_session") and not browser.cookies.get("aftercare_oidc")
        # the role came from the provider's claims: a customer is kept off the desk
        assert (await browser.get(f"{desk.url}/queue")).status_code == 403


async def test_an_agent_signs_in_and_its_queue_shows_the_case_from_the_bus(desk: Desk) -> None:
    async with desk.browser() as browser:
        form = await consent(browser, desk, next_page="/queue?view=all")
        page = await browser.post(str(form.url), data={"sub": "oidc-agent"})
        assert page.status_code == 200 and page.url.path == "/queue", page.text
        assert "Wang Fang" in page.text

        async def listed() -> bool:
            return desk.case_number in (await browser.get(f"{desk.url}/queue/rows?view=all")).text

        await eventually(listed, within=60, what="the case in the agent's queue")


async def assert_refused(page: httpx.Response, browser: httpx.AsyncClient) -> None:
    assert 400 <= page.status_code < 500, (page.status_code, page.text)
    assert FAILED in page.text and 'href="/login"' in page.text
    assert not browser.cookies.get("aftercare_session")


async def test_a_callback_with_another_state_is_refused(desk: Desk) -> None:
    async with desk.browser() as browser:
        form = await consent(browser, desk)
        back = await callback_url(browser, str(form.url), "oidc-customer")
        page = await browser.get(with_query(back, state="forged-state"))
        await assert_refused(page, browser)
        assert page.status_code == 401
        assert (await browser.get(with_query(back, state="\u72b6\u6001"))).status_code == 401  # not ASCII either


async def test_a_code_used_once_is_refused_the_second_time(desk: Desk) -> None:
    async with desk.browser() as victim:
        form = await consent(victim, desk)
        back = await callback_url(victim, str(form.url), "oidc-customer")
        assert (await victim.get(back)).url.path == "/portal"
    code = parse_qs(urlsplit(back).query)["code"][0]
    async with desk.browser() as attacker:
        started = await attacker.get(f"{desk.url}/login/oidc", follow_redirects=False)
        state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
        page = await attacker.get(f"{desk.url}/login/oidc/callback", params={"code": code, "state": state})
        await assert_refused(page, attacker)


async def test_a_code_issued_to_another_sign_in_fails_its_pkce_check(desk: Desk) -> None:
    async with desk.browser() as victim:
        form = await consent(victim, desk)
        stolen = parse_qs(urlsplit(await callback_url(victim, str(form.url), "oidc-customer")).query)["code"][0]
    async with desk.browser() as attacker:
        started = await attacker.get(f"{desk.url}/login/oidc", follow_redirects=False)
        state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
        page = await attacker.get(f"{desk.url}/login/oidc/callback", params={"code": stolen, "state": state})
        await assert_refused(page, attacker)


async def test_an_id_token_with_another_nonce_is_refused(desk: Desk) -> None:
    async with desk.browser() as browser:
        started = await browser.get(f"{desk.url}/login/oidc", follow_redirects=False)
        # an authorization request injected with the browser's state and verifier, but a nonce of its own
        forged = with_query(started.headers["location"], nonce="someone-elses-nonce")
        assert (await browser.get(forged)).status_code == 200
        back = await callback_url(browser, forged, "oidc-customer")
        page = await browser.get(back)
        await assert_refused(page, browser)
        assert page.status_code == 401


async def test_a_denied_consent_is_a_sign_in_error_page(desk: Desk) -> None:
    async with desk.browser() as browser:
        form = await consent(browser, desk)
        page = await browser.post(str(form.url), data={"action": "deny"})
        assert page.url.path == "/login/oidc/callback"
        await assert_refused(page, browser)
