"""A free local TCP port for a service under test."""

from __future__ import annotations

import os
import random
import socket
from functools import cache
from pathlib import Path

EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
# "i/n": this pytest process is lane i of n running at once (scripts/run-tests.sh), and draws from slice i
SLOT_VARIABLE = "AFTERCARE_TEST_PORT_SLOT"


@cache  # the kernel's range is read once a process, not on every port drawn
def _below_ephemeral() -> range:
    """Ports the kernel never hands to an outgoing connection: a port probed free and bound a moment later
    by the service cannot meanwhile become some client socket's local port (which the ephemeral range can)."""
    try:
        low = int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768  # Linux's default
    return range(max(1024, low - 12000), low)


def _slot(ports: range, lane: str) -> range:
    """The slice of `ports` of lane "i/n" when test folders run side by side: a port one lane probed free and has
    not bound yet is never probed by another lane (each remembers only its own, see _HANDED_OUT)."""
    slot, _, lanes = lane.partition("/")
    if not (slot.isdigit() and lanes.isdigit() and int(slot) < int(lanes)):
        return ports
    width = len(ports) // int(lanes)
    return ports[int(slot) * width:(int(slot) + 1) * width]


# every port this process handed out: two taken before either is bound (a service's HTTP and gRPC ports) were
# the same one about once in 12,000 pairs, and the second bind failed with "address already in use"
_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A port free now, never one this process handed out before."""
    candidates = _slot(_below_ephemeral(), os.environ.get(SLOT_VARIABLE, ""))
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
