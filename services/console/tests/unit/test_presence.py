"""Who else is viewing a case: the watches of every replica, never oneself, two tabs count once, and a
watch its replica stopped renewing is gone."""

from datetime import UTC, datetime, timedelta

from console.domain.presence import PRESENCE_TTL, expired_before, others, watch
from console.entrypoints.live import presence_event

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def test_each_viewer_sees_the_others_on_the_case_once_and_never_itself() -> None:
    watches = [watch("w1", "c1", "eng-zhao", "Zhao Lei", NOW), watch("w2", "c1", "sup-1", "Supervisor Wang", NOW),
               watch("w3", "c1", "sup-1", "Supervisor Wang", NOW - timedelta(seconds=5))]
    assert others(watches, "eng-zhao", NOW) == ["Supervisor Wang"]
    assert others(watches, "sup-1", NOW) == ["Zhao Lei"]
    assert others([], "sup-1", NOW) == []


def test_a_watch_not_renewed_within_the_ttl_is_gone() -> None:
    stale = watch("w1", "c1", "eng-zhao", "Zhao Lei", NOW - PRESENCE_TTL - timedelta(seconds=1))
    fresh = watch("w2", "c1", "eng-li", "Li  Na\n", NOW - PRESENCE_TTL)
    assert others([stale, fresh], "sup-1", NOW) == ["Li Na"]
    assert expired_before(NOW) == NOW - PRESENCE_TTL


def test_the_presence_event_carries_the_names_as_text() -> None:
    assert presence_event(["Li <Na>", "Zhao"]) == "event: presence\ndata: Li <Na>, Zhao\n\n"
    assert presence_event([]) == "event: presence\ndata: \n\n"
