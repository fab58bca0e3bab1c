"""free_port never gives one process the same port twice: a service's HTTP and gRPC ports, both taken before
either is bound, cannot collide (500 draws from ~12,000 ports repeated one about ten times before); lanes of test
folders running side by side (scripts/run-tests.sh) draw from slices apart."""

import pytest
from aftercare_platform.testing.ports import SLOT_VARIABLE, _below_ephemeral, _slot, free_port


def test_ports_handed_out_are_all_different_and_below_the_ephemeral_range() -> None:
    ports = [free_port() for _ in range(500)]
    assert len(set(ports)) == len(ports)
    assert all(port in _below_ephemeral() for port in ports)


def test_lanes_running_side_by_side_draw_from_slices_that_do_not_overlap(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = []
    for lane in ("0/2", "1/2"):
        monkeypatch.setenv(SLOT_VARIABLE, lane)
        drawn.append({free_port() for _ in range(200)})
    assert not drawn[0] & drawn[1]
    assert max(drawn[0]) < min(drawn[1])
    assert all(port in _below_ephemeral() for port in drawn[0] | drawn[1])


def test_a_slot_that_makes_no_sense_leaves_the_whole_range() -> None:
    whole = _below_ephemeral()
    for value in ("", "2/2", "x/2", "1/0", "1"):
        assert _slot(whole, value) == whole
