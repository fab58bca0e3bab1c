"""A free local TCP port for a service under test."""

from __future__ import annotations

import random
import socket
from pathlib import Path

EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def _below_ephemeral() -> range:
    """Ports the kernel never hands to an outgoing connection: a port probed free and bound a moment later
    by the service cannot meanwhile become some client socket's local port (which the ephemeral range can)."""
    try:
        low = int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768  # Linux's default
    return range(max(1024, low - 12000), low)


# every port this process handed out: two taken before either is bound (a service's HTTP and gRPC ports) were
# the same one about once in 12,000 pairs, and the second bind failed with "address already in use"
_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A port free now, never one this process handed out before."""
    candidates = _below_ephemeral()
    for _ in range(200):
        port = random.choice(candidates)
        if port in _HANDED_OUT:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    with socket.socket() as probe:  # every try taken: let the kernel choose
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
