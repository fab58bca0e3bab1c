"""The generated contracts import, serialise and map to JSON the way services rely on."""

from __future__ import annotations

from datetime import UTC, datetime

from aftercare.common.v1 import common_pb2
from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp


def test_actor_round_trips_through_canonical_json() -> None:
    actor = common_pb2.Actor(
        subject_id="auth0|42",
        role=common_pb2.ACTOR_ROLE_ENGINEER,
        company_id="0b6f3c1e-8a8d-4b8e-9a53-3f2f1d2c7e10",
        display_name="Li Wei",
    )

    as_json = json_format.MessageToDict(actor)

    # lowerCamelCase names and enum names, as event `data` carries them
    assert as_json == {
        "subjectId": "auth0|42",
        "role": "ACTOR_ROLE_ENGINEER",
        "companyId": "0b6f3c1e-8a8d-4b8e-9a53-3f2f1d2c7e10",
        "displayName": "Li Wei",
    }
    assert json_format.ParseDict(as_json, common_pb2.Actor()) == actor


def test_actor_role_enum_follows_buf_standard_numbering() -> None:
    assert common_pb2.ActorRole.Name(common_pb2.ACTOR_ROLE_UNSPECIFIED) == "ACTOR_ROLE_UNSPECIFIED"
    assert common_pb2.ACTOR_ROLE_UNSPECIFIED == 0
    assert common_pb2.ActorRole.Value("ACTOR_ROLE_SYSTEM") == common_pb2.ACTOR_ROLE_SYSTEM == 8
    roles = [name.removeprefix("ACTOR_ROLE_") for name in common_pb2.ActorRole.keys()]
    assert roles == [
        "UNSPECIFIED",
        "CUSTOMER",
        "AGENT",
        "ENGINEER",
        "EXPERT",
        "SUPERVISOR",
        "PARTNER",
        "ADMIN",
        "SYSTEM",
    ]


def test_time_range_uses_rfc3339_timestamps_in_json() -> None:
    start = Timestamp()
    start.FromDatetime(datetime(2026, 11, 21, 9, 0, tzinfo=UTC))
    time_range = common_pb2.TimeRange(start_time=start)

    as_json = json_format.MessageToDict(time_range)

    assert as_json == {"startTime": "2026-11-21T09:00:00Z"}
    assert not json_format.ParseDict(as_json, common_pb2.TimeRange()).HasField("end_time")


def test_page_response_total_size_is_optional_and_binary_round_trips() -> None:
    last_page = common_pb2.PageResponse()
    counted = common_pb2.PageResponse(next_page_token="abc", total_size=0)

    assert not last_page.HasField("total_size")
    assert counted.HasField("total_size")
    assert common_pb2.PageResponse.FromString(counted.SerializeToString()) == counted


def test_error_detail_carries_field_violations() -> None:
    detail = common_pb2.ErrorDetail(
        code="invalid-argument",
        detail="caller.email: not an email address",
        field_violations=[
            common_pb2.FieldViolation(field="caller.email", description="not an email address")
        ],
        metadata={"channel": "web"},
    )

    parsed = common_pb2.ErrorDetail.FromString(detail.SerializeToString())

    assert [(v.field, v.description) for v in parsed.field_violations] == [
        ("caller.email", "not an email address")
    ]
    assert dict(parsed.metadata) == {"channel": "web"}
