"""An expert joins a case as a participant (recorded by dispatch); the case keeps its assignee."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest
from aftercare_platform.errors import FailedPrecondition, InvalidArgument
from cases.adapters.case_codec import case_from_document, case_to_document
from cases.domain import commands
from cases.domain.activities import Activity, ActivityKind
from cases.domain.case import Case
from cases.domain.vocabulary import Status, Visibility


def joins(who: str | None) -> Activity:
    return Activity(ActivityKind.PARTICIPANT_ADDED, "expert panel support", visibility=Visibility.INTERNAL,
                    participant_id=who, participant_role="expert")


def test_an_expert_joins_and_the_assignee_stays(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    case = case_in(Status.IN_PROGRESS)
    joined = commands.record_activity(case, people.engineer, case.updated_at, activity=joins("expert-7"))
    assert joined.case.participants == ("expert-7",)
    assert joined.case.assignee == case.assignee
    assert joined.entries[0].payload["activity"]["participant_id"] == "expert-7"
    assert case_from_document(case_to_document(joined.case)).participants == ("expert-7",)
    with pytest.raises(FailedPrecondition, match="already works on this case"):
        commands.record_activity(joined.case, people.engineer, case.updated_at, activity=joins("expert-7"))


def test_a_participant_activity_names_who(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    case = case_in(Status.IN_PROGRESS)
    with pytest.raises(InvalidArgument, match="participant_id"):
        commands.record_activity(case, people.engineer, case.updated_at, activity=joins(None))
    call = Activity(ActivityKind.PHONE_CALL, "called", participant_id="x")
    with pytest.raises(InvalidArgument, match="participant_id"):
        commands.record_activity(case, people.engineer, case.updated_at, activity=call)
