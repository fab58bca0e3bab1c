"""The desk's list of what intake rejected pages with the platform's signed page tokens: a token
cannot be forged, edited, or carried over to another listing."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from aftercare_platform.errors import InvalidArgument
from aftercare_platform.paging import PageTokens
from intake.domain.vocabulary import Channel
from intake.handlers.rejections import Rejection, list_rejections, record

from .conftest import AGENT, NOW, Service

TOKENS = PageTokens("unit-test-rejection-tokens")


async def recorded(service: Service, count: int) -> list[str]:
    return [await record(service.database, Rejection(Channel.EMAIL, "bounce", f"bounce {n}", NOW + timedelta(minutes=n),
                                                     sender=f"mailer-{n}@mx.example"), "east")
            for n in range(count)]


async def test_pages_follow_each_other_newest_first(service: Service) -> None:
    ids = await recorded(service, 5)
    first, token = await list_rejections(service.database, AGENT, TOKENS, channel=None, reason="", page_size=2,
                                         page_token="")
    second, token2 = await list_rejections(service.database, AGENT, TOKENS, channel=None, reason="", page_size=2,
                                           page_token=token)
    third, last = await list_rejections(service.database, AGENT, TOKENS, channel=None, reason="", page_size=2,
                                        page_token=token2)
    assert [r.rejection_id for r in first + second + third] == ids[::-1]
    assert last == ""


async def test_a_forged_edited_or_foreign_page_token_is_refused_naming_the_field(service: Service) -> None:
    await recorded(service, 3)
    _, token = await list_rejections(service.database, AGENT, TOKENS, channel=None, reason="", page_size=1,
                                     page_token="")
    body = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    edited = base64.urlsafe_b64encode(body.replace(b'"r":""', b'"r":"x"')).decode().rstrip("=")
    unsigned = base64.urlsafe_b64encode(f"{NOW.isoformat()}|ffffffff".encode()).decode().rstrip("=")
    for bad, tokens, channel in ((edited, TOKENS, None), (unsigned, TOKENS, None),
                                 (token, PageTokens("another-service-secret"), None),
                                 (token, TOKENS, Channel.SMS)):  # signed here, for the unfiltered listing
        with pytest.raises(InvalidArgument) as refused:
            await list_rejections(service.database, AGENT, tokens, channel=channel, reason="", page_size=1,
                                  page_token=bad)
        assert refused.value.violations[0].field == "page.page_token"
