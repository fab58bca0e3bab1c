"""The half-yearly questionnaire goes to every customer contact of intake's registry, not only to contacts a
case survey happened to find; opted-out contacts never; the registry away is a 503 to try again, never a
campaign started with half the contacts."""

from __future__ import annotations

import pytest
from aftercare.survey.v1 import survey_pb2 as pb
from aftercare_platform.clock import FakeClock
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.errors import Unavailable
from google.protobuf import json_format
from survey.adapters import events
from survey.adapters.intake_gateway import RegistryContact, RegistryUnavailable
from survey.handlers import SurveyHandlers
from survey.settings import SurveySettings
from survey.worker import SurveyWorker

from .fakes import FakeCases
from .test_survey_handlers import SETTINGS, outbox, sent_token


class Registry:
    def __init__(self, *contacts: RegistryContact) -> None:
        self.contacts, self.away = list(contacts), False

    async def customer_contacts(self) -> list[RegistryContact]:
        if self.away:
            raise RegistryUnavailable("intake: UNAVAILABLE")
        return self.contacts


async def test_every_registered_contact_is_asked_once_with_the_surveyed_ones_and_never_the_opted_out(
        database: Database, clock: FakeClock) -> None:
    cases = FakeCases()
    cases.add("c1")  # li@example.cn
    cases.add("c2", email="wang@example.cn")
    settings = SurveySettings(**{**SETTINGS.model_dump(), "company_languages": {"globex": "en"}})
    registry = Registry(
        RegistryContact("globex", "west", "Never Surveyed", "+8613900000009", "never@globex.example"),
        # the registry's word on a contact a survey found too: asked once, as the registry has them
        RegistryContact("acme", "north", "Wang Wu", "", "WANG@example.cn"),
        RegistryContact("acme", "east", "Li Lei", "", "li@example.cn"),  # opted out below
        RegistryContact("acme", "east", "No Address", "", ""),
    )
    handlers = SurveyHandlers(database, settings, registry=registry)
    worker = SurveyWorker(database, cases, settings)
    first = await sent_token(database, handlers, worker, clock)
    await sent_token(database, handlers, worker, clock, "c2")
    await handlers.opt_out(first)

    registry.away = True
    with pytest.raises(Unavailable):
        await handlers.start_campaign("2026-H2", "boss-1")
    registry.away = False
    _, asked = await handlers.start_campaign("2026-H2", "boss-1")  # nothing was started the first time
    sent = [json_format.ParseDict(e["data"], pb.SurveySent())
            for e in await outbox(database, events.SURVEY_SENT) if e["data"].get("campaignId")]
    assert asked == 2
    assert sorted((s.contact_email.lower(), s.company_id, s.region, s.language) for s in sent) == [
        ("never@globex.example", "globex", "west", "en"), ("wang@example.cn", "acme", "north", "zh-CN")]
