"""A policy's reply settings (issue 10): whether a customer's reply resumes a waiting case and the
reopen window, in the YAML, validation, the proto mapping, and when they are announced to cases."""

from __future__ import annotations

import pytest
from aftercare.sla.v1 import sla_pb2
from aftercare_platform.errors import InvalidArgument
from sla_timer.adapters.policy_store import policy_document as stored_document
from sla_timer.adapters.policy_store import policy_set_from_documents
from sla_timer.domain.applied_policy import AppliedPolicy, to_announce
from sla_timer.domain.defaults import load_default_policy_set
from sla_timer.domain.policy import ReplySettings
from sla_timer.domain.policy_yaml import dump_policy_set, load_policy_set
from sla_timer.entrypoints.policy_messages import policy_document, policy_message, restate_policy_error

DOCUMENT = """
calendars:
  always: {time_zone: UTC, weekly: {mon: ["00:00-24:00"]}}
default_policy: plain
policies:
  plain:
    targets: {P1: {FIRST_RESPONSE: {target: 1h, calendar: always}}}
  quiet:
    customer_reply_resumes: false
    reopen_window_days: 3
    targets: {P1: {FIRST_RESPONSE: {target: 1h, calendar: always}}}
"""


def test_a_policy_says_whether_replies_resume_and_its_reopen_window_absent_meaning_on_and_14_days() -> None:
    policies = load_policy_set(DOCUMENT)
    assert policies.policy("plain").reply_settings == ReplySettings(customer_reply_resumes=True, reopen_window_days=14)
    assert policies.policy("quiet").reply_settings == ReplySettings(customer_reply_resumes=False, reopen_window_days=3)


def test_export_then_import_keeps_the_settings_and_a_stored_policy_without_them_reads_the_defaults() -> None:
    policies = load_policy_set(DOCUMENT)
    assert load_policy_set(dump_policy_set(policies)) == policies
    assert "reopen_window_days" not in stored_document(policies.policy("plain")), "defaults are not written"
    assert stored_document(policies.policy("quiet"))["reopen_window_days"] == 3


def test_the_shipped_policies_keep_replies_resuming_and_a_14_day_window() -> None:
    for policy in load_default_policy_set().policies.values():
        assert policy.reply_settings == ReplySettings(True, 14), policy.name


@pytest.mark.parametrize("days", [-1, 3651])
def test_a_window_outside_0_to_3650_days_is_refused_naming_the_field(days: int) -> None:
    with pytest.raises(InvalidArgument) as error:
        load_policy_set(DOCUMENT.replace("reopen_window_days: 3", f"reopen_window_days: {days}"))
    assert [v.field for v in error.value.violations] == ["policies.quiet.reopen_window_days"]


def test_0_and_3650_days_are_windows() -> None:
    for days in (0, 3650):
        policies = load_policy_set(DOCUMENT.replace("reopen_window_days: 3", f"reopen_window_days: {days}"))
        assert policies.policy("quiet").reopen_window_days == days


def test_the_proto_policy_carries_both_settings_and_absent_ones_are_the_defaults() -> None:
    policies = load_policy_set(DOCUMENT)
    quiet = policy_message(policies.policy("quiet"), is_default=False)
    assert quiet.HasField("customer_reply_resumes") and quiet.customer_reply_resumes is False
    assert quiet.reopen_window_days == 3
    # a request without them: the defaults
    request = sla_pb2.Policy(name="new", targets=list(quiet.targets))
    name, document, _ = policy_document(request)
    made = policy_set_from_documents({"always": {"time_zone": "UTC", "weekly": {"mon": ["00:00-24:00"]}}},
                                     {name: document}, name, source="api")
    assert made.policy("new").reply_settings == ReplySettings(True, 14)
    # given, even as false and 0, they are kept
    request.customer_reply_resumes = False
    request.reopen_window_days = 0
    name, document, _ = policy_document(request)
    assert document["customer_reply_resumes"] is False and document["reopen_window_days"] == 0


def test_a_bad_window_in_a_request_names_the_requests_field() -> None:
    policies = load_policy_set(DOCUMENT)
    request = policy_message(policies.policy("quiet"), is_default=False)
    request.reopen_window_days = 4000
    name, document, order = policy_document(request)
    with pytest.raises(InvalidArgument) as error:
        try:
            policy_set_from_documents({"always": {"time_zone": "UTC", "weekly": {"mon": ["00:00-24:00"]}}},
                                      {name: document}, name, source="api")
        except InvalidArgument as invalid:
            raise restate_policy_error(invalid, name, order) from None
    assert [v.field for v in error.value.violations] == ["policy.reopen_window_days"]


def test_the_policy_is_announced_when_none_was_and_again_only_when_it_or_its_settings_change() -> None:
    policies = load_policy_set(DOCUMENT)
    plain, quiet = policies.policy("plain"), policies.policy("quiet")
    first = to_announce(None, plain)
    assert first == AppliedPolicy("plain", ReplySettings(True, 14))
    assert to_announce(first, plain) is None
    assert to_announce(first, quiet) == AppliedPolicy("quiet", ReplySettings(False, 3))
    edited = load_policy_set(DOCUMENT.replace("  plain:\n", "  plain:\n    reopen_window_days: 30\n"))
    assert to_announce(first, edited.policy("plain")) == AppliedPolicy("plain", ReplySettings(True, 30))
