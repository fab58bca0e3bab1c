"""Proto messages as REST JSON: enums in their short forms out, short or long names in."""

from __future__ import annotations

import pytest
from aftercare.cases.v1 import cases_pb2
from aftercare.sla.v1 import sla_pb2
from aftercare_platform.contracts.rest_json import from_rest, to_rest
from aftercare_platform.errors import InvalidArgument


def policy() -> sla_pb2.Policy:
    return sla_pb2.Policy(name="gold", targets=[sla_pb2.ClockTarget(
        priority=cases_pb2.PRIORITY_P1, clock_kind=sla_pb2.CLOCK_KIND_FIRST_RESPONSE, calendar="always",
        warnings=[sla_pb2.WarningRule(percent=50, actions=[sla_pb2.Action(
            kind=sla_pb2.ACTION_KIND_NOTIFY, roles=[sla_pb2.NOTIFY_ROLE_SUPERVISOR],
            channels=[sla_pb2.NOTIFY_CHANNEL_SMS, sla_pb2.NOTIFY_CHANNEL_EMAIL])])])])


def test_enums_come_out_in_their_short_forms() -> None:
    body = to_rest(policy())
    target = body["targets"][0]
    assert (target["priority"], target["clock_kind"]) == ("P1", "FIRST_RESPONSE")
    [action] = target["warnings"][0]["actions"]
    assert action == {"kind": "notify", "roles": ["supervisor"], "channels": ["sms", "email"]}


def test_short_forms_read_back_into_the_same_message() -> None:
    assert from_rest(to_rest(policy()), sla_pb2.Policy(), "policy") == policy()


def test_long_names_and_any_case_are_accepted_on_input() -> None:
    body = {"targets": [{"priority": "PRIORITY_P1", "clock_kind": "first_response", "calendar": "always",
                         "warnings": [{"percent": 50, "actions": [{"kind": "NOTIFY", "roles": ["SUPERVISOR"],
                                                                   "channels": ["sms", "NOTIFY_CHANNEL_EMAIL"]}]}]}],
            "name": "gold"}
    assert from_rest(body, sla_pb2.Policy(), "policy") == policy()


def test_an_unknown_value_names_its_field() -> None:
    body = {"targets": [{"priority": "P1"}, {"priority": "P9"}]}
    with pytest.raises(InvalidArgument) as unknown:
        from_rest(body, sla_pb2.Policy(), "policy")
    assert unknown.value.violations[0].field == "policy.targets[1].priority"
    with pytest.raises(InvalidArgument) as bad_role:
        from_rest({"targets": [{"breach_actions": [{"roles": ["boss"]}]}]}, sla_pb2.Policy(), "policy")
    assert bad_role.value.violations[0].field == "policy.targets[0].breach_actions[0].roles[0]"


def test_other_parse_errors_name_the_body() -> None:
    with pytest.raises(InvalidArgument) as bad:
        from_rest({"targets": [{"target": "soon"}]}, sla_pb2.Policy(), "policy")
    assert bad.value.violations[0].field == "policy"


def test_the_body_given_is_left_as_it_was() -> None:
    body = {"targets": [{"priority": "P2"}]}
    from_rest(body, sla_pb2.Policy(), "policy")
    assert body == {"targets": [{"priority": "P2"}]}
