"""Whose budget a web-form post counts against. Everyone is counted by the address it connects from; a
front end the deployment trusts (the console, posting for its signed-in users) may name the user it posts
for in `X-Aftercare-End-Client`, and then that user is counted. From anyone else the header changes
nothing, so forging it gains no fresh budget."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from aftercare_platform.contracts.headers import END_CLIENT_HEADER

__all__ = ["END_CLIENT_HEADER", "MAX_END_CLIENT_CHARS", "TrustedFrontEnds", "limit_key"]
# the key is stored (rate_buckets.client, 200 characters) with its "end:" prefix
MAX_END_CLIENT_CHARS = 180

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class TrustedFrontEnds:
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, text: str, setting: str = "web_form_trusted_clients") -> TrustedFrontEnds:
        """Addresses or CIDRs, comma-separated; a wrong entry is refused naming it (the service does not start)."""
        networks = []
        for entry in (part.strip() for part in text.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ValueError(f"{setting}: {entry!r} is not an address or a CIDR") from None
        return cls(tuple(networks))

    def trusts(self, peer: str) -> bool:
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)


def limit_key(peer: str, end_client: str | None, trusted: TrustedFrontEnds) -> str:
    """The bucket of a post from `peer`: the end client a trusted front end names, else the peer itself
    (also when a trusted front end names none, or a value that is not printable ASCII of a sane length)."""
    if end_client is None or not trusted.trusts(peer):
        return peer
    named = end_client.strip()
    if not named or len(named) > MAX_END_CLIENT_CHARS or not (named.isascii() and named.isprintable()):
        return peer
    return "end:" + named
