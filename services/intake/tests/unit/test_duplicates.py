"""Duplicate detection and alarm folding."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from intake.domain.duplicates import (
    DuplicateRule,
    OpenCase,
    description_similarity,
    find_duplicate,
    fold_alarm,
)

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
ASSET = "hikvision:SN-001"


def case(number: str, hours_ago: float, description: str, codes: tuple[str, ...] = (), asset: str | None = ASSET,
         alarm: str | None = None) -> OpenCase:  # fmt: skip
    return OpenCase(number, asset, NOW - timedelta(hours=hours_ago), description, codes, alarm)


def test_same_asset_same_error_code_within_window_is_a_duplicate() -> None:
    open_cases = [case("EA-20261120-000001", 5, "camera offline", ("E-102",))]
    match = find_duplicate(ASSET, ["e-102"], "totally different words", NOW, open_cases)
    assert match is not None and match.case_number == "EA-20261120-000001"
    assert "E-102" in match.reason or "e102" in match.reason


def test_same_asset_similar_description_is_a_duplicate() -> None:
    open_cases = [case("EA-20261120-000002", 3, "3号机房摄像头离线，无法查看画面")]
    match = find_duplicate(ASSET, [], "3号机房的摄像头离线了 无法查看画面", NOW, open_cases)
    assert match is not None and match.case_number == "EA-20261120-000002"
    assert "similar description" in match.reason


def test_different_symptom_is_not_a_duplicate() -> None:
    open_cases = [case("EA-1", 3, "摄像头离线", ("E-102",))]
    assert find_duplicate(ASSET, [], "硬盘录像机风扇噪音很大", NOW, open_cases) is None
    assert find_duplicate(ASSET, ["E-500"], "摄像头离线", NOW, open_cases) is None  # different codes


def test_other_asset_or_no_asset_is_not_a_duplicate() -> None:
    open_cases = [case("EA-1", 3, "camera offline", ("E-102",))]
    assert find_duplicate("dahua:SN-9", ["E-102"], "camera offline", NOW, open_cases) is None
    assert find_duplicate(None, ["E-102"], "camera offline", NOW, open_cases) is None


def test_outside_the_window_is_not_a_duplicate() -> None:
    open_cases = [case("EA-1", 30, "camera offline", ("E-102",))]
    assert find_duplicate(ASSET, ["E-102"], "camera offline", NOW, open_cases) is None
    wide = DuplicateRule(window=timedelta(hours=48))
    assert find_duplicate(ASSET, ["E-102"], "camera offline", NOW, open_cases, wide) is not None


def test_error_code_match_beats_similar_text_and_newest_wins() -> None:
    open_cases = [
        case("EA-similar", 1, "camera offline"),
        case("EA-code-old", 10, "something", ("E-102",)),
        case("EA-code-new", 2, "something else", ("E-102",)),
    ]
    match = find_duplicate(ASSET, ["E-102"], "camera offline", NOW, open_cases)
    assert match is not None and match.case_number == "EA-code-new"


def test_similarity_is_symmetric_and_bounded() -> None:
    assert description_similarity("Camera 3 OFFLINE!", "camera 3 offline") == 1.0
    assert description_similarity("", "x") == 0.0
    a, b = "服务器宕机", "服务器 CPU 过高"
    assert description_similarity(a, b) == description_similarity(b, a)
    assert 0.0 < description_similarity(a, b) < 0.75


def test_alarm_folds_into_the_open_case_for_the_same_asset_and_code() -> None:
    open_cases = [
        case("EA-alarm", 200, "alarm LINK_DOWN", alarm="LINK_DOWN"),
        case("EA-other-code", 1, "alarm FAN", alarm="FAN_FAIL"),
        case("EA-other-asset", 1, "alarm LINK_DOWN", asset="dahua:SN-9", alarm="LINK_DOWN"),
    ]
    assert fold_alarm(ASSET, "link_down", open_cases) == "EA-alarm"  # however long ago it opened
    assert fold_alarm(ASSET, "DISK_FULL", open_cases) is None
    assert fold_alarm("dahua:SN-9", "LINK_DOWN", open_cases) == "EA-other-asset"


def test_alarm_code_recorded_as_error_code_also_folds() -> None:
    assert fold_alarm(ASSET, "E-7", [case("EA-1", 1, "x", ("E-7",))]) == "EA-1"


def test_twenty_repeated_alarms_give_one_case() -> None:
    open_cases: list[OpenCase] = []
    opened, notes = 0, 0
    for minute in range(20):
        at = NOW + timedelta(minutes=minute)
        target = fold_alarm(ASSET, "LINK_DOWN", open_cases)
        if target is None:
            opened += 1
            open_cases.append(OpenCase(f"EA-{opened}", ASSET, at, "LINK_DOWN", alarm_code="LINK_DOWN"))
        else:
            notes += 1
    assert (opened, notes) == (1, 19)
