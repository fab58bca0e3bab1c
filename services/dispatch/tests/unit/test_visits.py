"""Visits: the order of their steps, and the device's own check-in time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aftercare_platform.errors import FailedPrecondition, InvalidArgument
from dispatch.domain.visits import VisitStatus, check_in, check_out, plan_visit, request_visit, start_travel

REQUESTED = datetime(2026, 12, 3, 1, tzinfo=UTC)


def requested():  # type: ignore[no-untyped-def]
    return request_visit(visit_id="v1", case_id="c1", case_status="in_progress", site="Gate 3",
                         reason="replace the camera", at=REQUESTED)


def planned():  # type: ignore[no-untyped-def]
    return plan_visit(requested(), engineer_id="eng-a", planned_for=REQUESTED + timedelta(hours=1), parts=("cam",))


def test_an_offline_check_in_keeps_the_devices_own_time() -> None:
    on_the_way = start_travel(planned(), REQUESTED + timedelta(minutes=10))
    # checked in at 01:40 on the phone, heard of at 03:00 when it came back online
    on_site = check_in(on_the_way, device_time=REQUESTED + timedelta(minutes=40),
                       received_at=REQUESTED + timedelta(hours=2))
    assert on_site.status is VisitStatus.ON_SITE
    assert on_site.checked_in_at == REQUESTED + timedelta(minutes=40)
    assert on_site.check_in_received_at == REQUESTED + timedelta(hours=2)
    done = check_out(on_site, at=REQUESTED + timedelta(hours=3), report="camera replaced, picture back")
    assert done.status is VisitStatus.CHECKED_OUT


def test_a_check_in_for_a_visit_never_planned_is_refused() -> None:
    with pytest.raises(FailedPrecondition, match="never planned"):
        check_in(requested(), device_time=REQUESTED, received_at=REQUESTED)


def test_a_check_out_before_the_check_in_is_refused() -> None:
    with pytest.raises(FailedPrecondition, match="check in first"):
        check_out(planned(), at=REQUESTED, report="done")


def test_a_visit_for_a_closed_case_is_refused() -> None:
    with pytest.raises(FailedPrecondition, match="no longer open"):
        request_visit(visit_id="v", case_id="c", case_status="closed", site="", reason="x", at=REQUESTED)


def test_impossible_check_in_times_name_the_field() -> None:
    with pytest.raises(InvalidArgument) as before:
        check_in(planned(), device_time=REQUESTED - timedelta(seconds=1), received_at=REQUESTED)
    assert before.value.violations[0].field == "occurred_at"
    with pytest.raises(InvalidArgument, match="future"):
        check_in(planned(), device_time=REQUESTED + timedelta(hours=1), received_at=REQUESTED)


def test_a_reinstall_waits_for_the_customers_signed_approval() -> None:
    from dispatch.domain import visits as v

    at = datetime(2026, 12, 3, 2, tzinfo=UTC)
    visit = v.Visit("v1", "c1", "Gate 3", "no video", at, status=v.VisitStatus.ON_SITE, engineer_id="f1")
    with pytest.raises(FailedPrecondition, match="approval"):
        v.record_work(visit, text="reinstalled", action="Reinstall", at=at)
    plain = v.record_work(visit, text="checked the cabling", action="", at=at)
    assert [w.text for w in plain.work_log] == ["checked the cabling"]
    approved = v.approve(visit, action="reinstall", signed_by="Li Lei", at=at)
    done = v.record_work(approved, text="reinstalled", action="reinstall", at=at)
    assert [w.action for w in done.work_log] == ["reinstall"]
    out = v.check_out(done, at=at, report="fixed", parts_used=("HDD 4TB", " "))
    assert out.parts_used == ("HDD 4TB",)
    with pytest.raises(FailedPrecondition, match="only on site"):
        v.record_work(out, text="more", action="", at=at)
