"""free_port never gives one process the same port twice: a service's HTTP and gRPC ports, both taken before
either is bound, cannot collide (500 draws from ~12,000 ports repeated one about ten times before)."""

from aftercare_platform.testing.ports import _below_ephemeral, free_port


def test_ports_handed_out_are_all_different_and_below_the_ephemeral_range() -> None:
    ports = [free_port() for _ in range(500)]
    assert len(set(ports)) == len(ports)
    assert all(port in _below_ephemeral() for port in ports)
