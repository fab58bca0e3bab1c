"""The satisfaction survey on the case's timeline, where survey's own notes do not already say it.

`cases.survey-events` binds `survey.sent.*` and `survey.unsatisfied.*`: an INTERNAL entry `survey.sent`
(the invitation went out: to whom, until when, a reminder or not) and `survey.unsatisfied` (the ratings and
the customer's words that reopened the case), written by `service:survey` in the consumer's unit of work.
`survey.completed` and `return_visit.recorded` are not consumed: survey adds them to the timeline itself as
notes (a public note for the answer, an internal one per return-visit call), and a second entry would say the
same twice. A campaign's invitation (no case) and an event about a case cases never had are skipped with a
log line: survey only surveys cases it learned of from cases, so there is nothing to wait for.
"""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any

from aftercare.survey.v1 import survey_pb2
from aftercare_platform.bus.consumer import EventSubscription, PermanentError
from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.db.unit_of_work import UnitOfWork
from aftercare_platform.errors import InvalidArgument
from google.protobuf import json_format
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from cases.domain.vocabulary import Visibility
from cases.handlers import CaseHandlers

log = logging.getLogger(__name__)

QUEUE = "cases.survey-events"
BINDINGS = ["survey.sent.*", "survey.unsatisfied.*"]
SOURCE = "survey"


def _instant(stamp: Timestamp) -> str | None:
    if stamp.seconds == 0 and stamp.nanos == 0:
        return None
    return stamp.ToDatetime(tzinfo=UTC).isoformat(timespec="microseconds")


def _sent(m: survey_pb2.SurveySent) -> dict[str, Any]:
    return {"invitation_id": m.invitation_id, "contact_name": m.contact_name or None, "language": m.language or None,
            "expires_time": _instant(m.expires_time), "reminder": m.reminder, "occurred_at": _instant(m.occurred_at)}


def _unsatisfied(m: survey_pb2.SurveyUnsatisfied) -> dict[str, Any]:
    return {"invitation_id": m.invitation_id, "overall": int(m.overall), "resolved": m.resolved,
            "comment": m.comment or None, "return_visit_id": m.return_visit_id or None,
            "occurred_at": _instant(m.occurred_at)}


FACTS: dict[str, tuple[str, type[Message], Any]] = {
    "aftercare.survey.sent.v1": ("survey.sent", survey_pb2.SurveySent, _sent),
    "aftercare.survey.unsatisfied.v1": ("survey.unsatisfied", survey_pb2.SurveyUnsatisfied, _unsatisfied),
}


def survey_events(handlers: CaseHandlers) -> EventSubscription:
    async def on_survey_event(event: CloudEvent, uow: UnitOfWork) -> None:
        fact = FACTS.get(event.type)
        if fact is None:
            log.info("skipping %s %s: not a fact the timeline records", event.type, event.id)
            return
        kind, message_class, details = fact
        try:
            message: Any = event.data_as(message_class)
        except json_format.ParseError as bad:
            raise PermanentError(f"{event.type} {event.id}: data does not parse: {bad}") from bad
        if not message.case_id:  # a campaign's questionnaire is about a contact, not a case
            return
        payload = {k: v for k, v in {**details(message), "event_id": event.id}.items() if v is not None}
        try:
            outcome = await handlers.record_fact(uow, message.case_id, source=SOURCE, kind=kind, payload=payload,
                                                 visibility=Visibility.INTERNAL)
        except InvalidArgument:
            outcome = None
        if outcome is None:
            log.info("skipping %s %s: case %s is not one cases has", event.type, event.id, message.case_id)

    return EventSubscription(QUEUE, BINDINGS, on_survey_event)
