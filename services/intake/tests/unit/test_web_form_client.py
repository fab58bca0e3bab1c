"""Whose budget a web-form post counts against: the end client only when a trusted front end names it."""

import pytest
from intake.domain.web_form_client import MAX_END_CLIENT_CHARS, TrustedFrontEnds, limit_key

CONSOLE = TrustedFrontEnds.parse("10.1.0.0/16, 192.0.2.7 ,fd00::/8")


def test_a_trusted_front_end_s_user_is_counted_on_its_own() -> None:
    assert limit_key("10.1.4.2", "user:cust-1", CONSOLE) == "end:user:cust-1"
    assert limit_key("192.0.2.7", " user:cust-2 ", CONSOLE) == "end:user:cust-2"
    assert limit_key("fd00::5", "user:cust-1", CONSOLE) == "end:user:cust-1"
    assert limit_key("::ffff:10.1.0.9", "user:cust-1", CONSOLE) == "end:user:cust-1"  # IPv4 seen as mapped IPv6


def test_anyone_else_naming_an_end_client_is_still_counted_by_its_own_address() -> None:
    assert limit_key("203.0.113.9", "user:cust-1", CONSOLE) == "203.0.113.9"
    assert limit_key("192.0.2.8", "user:cust-1", CONSOLE) == "192.0.2.8"
    assert limit_key("unknown", "user:cust-1", CONSOLE) == "unknown"
    assert limit_key("10.1.4.2", "user:cust-1", TrustedFrontEnds()) == "10.1.4.2"  # nothing configured


def test_a_trusted_front_end_naming_nothing_usable_is_counted_as_itself() -> None:
    for named in (None, "", "   ", "x" * (MAX_END_CLIENT_CHARS + 1), "user:\u674e", "user:a\x00b"):
        assert limit_key("10.1.4.2", named, CONSOLE) == "10.1.4.2"


def test_a_wrong_entry_in_the_setting_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="web_form_trusted_clients: 'console' is not an address or a CIDR"):
        TrustedFrontEnds.parse("10.0.0.1,console")
    assert TrustedFrontEnds.parse(" , ").networks == ()
