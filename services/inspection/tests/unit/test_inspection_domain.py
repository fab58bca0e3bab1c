from datetime import UTC, datetime

import pytest
from aftercare_platform.errors import InvalidArgument
from inspection.domain.pings import MAX_TEXT, new_ping

AT = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


def test_a_ping_keeps_its_text_trimmed() -> None:
    assert new_ping("p-1", "  hello ", "agent-1", AT).text == "hello"


@pytest.mark.parametrize("text", ["", "   ", "x" * (MAX_TEXT + 1)])
def test_a_ping_without_usable_text_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        new_ping("p-1", text, "agent-1", AT)
    assert [v.field for v in refused.value.violations] == ["text"]
