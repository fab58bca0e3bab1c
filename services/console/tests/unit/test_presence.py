"""Who else is viewing a case: joins and leaves per open live stream, never oneself, two tabs count once."""

from console.domain.presence import Presence
from console.entrypoints.live import presence_event


def test_each_viewer_sees_the_others_on_the_same_case_only() -> None:
    presence = Presence()
    zhao = presence.join("c1", "eng-zhao", "Zhao Lei")
    presence.join("c1", "sup-1", "Supervisor Wang")
    second_tab = presence.join("c1", "sup-1", "Supervisor Wang")
    presence.join("c2", "eng-li", "Li Na")
    assert presence.others("c1", "eng-zhao") == ["Supervisor Wang"]
    assert presence.others("c1", "sup-1") == ["Zhao Lei"]
    presence.leave("c1", second_tab)
    assert presence.others("c1", "eng-zhao") == ["Supervisor Wang"]
    presence.leave("c1", zhao)
    assert presence.others("c1", "sup-1") == []
    assert presence.others("c3", "sup-1") == []


def test_the_presence_event_carries_the_names_as_text() -> None:
    assert presence_event(["Li <Na>", "Zhao"]) == "event: presence\ndata: Li <Na>, Zhao\n\n"
    assert presence_event([]) == "event: presence\ndata: \n\n"
