"""Who is asking: the key a client is rate-limited under.

The peer address of the connection, unless the peer is a trusted proxy: then the right-most
address of `X-Forwarded-For` that is not itself a trusted proxy (every trusted hop appends the
address it saw, so everything left of that entry may be forged by the client). An IPv6 client
is keyed by its /64 (`ipv6_prefix`), since one host usually owns a whole /64 and could rotate
through it; IPv4-mapped IPv6 peers count as their IPv4 address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.types import Scope

from imgproxy.security.addresses import IPAddress, Network

UNKNOWN = "unknown"


def parse_forwarded_entry(entry: str) -> IPAddress | None:
    """One X-Forwarded-For entry: `a.b.c.d`, `a.b.c.d:port`, `v6` or `[v6]:port`."""
    text = entry.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _key(address: IPAddress, ipv6_prefix: int) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        network = ipaddress.IPv6Network((int(address), ipv6_prefix), strict=False)
        return str(address) if ipv6_prefix == 128 else str(network)
    return str(address)


def client_key(
    scope: Scope, trusted_proxies: Sequence[Network] = (), *, ipv6_prefix: int = 64
) -> str:
    client = scope.get("client")
    if not client:
        return UNKNOWN
    peer = parse_forwarded_entry(str(client[0]))
    if peer is None:
        return str(client[0])

    def trusted(address: IPAddress) -> bool:
        unwrapped = getattr(address, "ipv4_mapped", None) or address
        return any(unwrapped in network for network in trusted_proxies)

    address = peer
    if trusted(peer):
        entries = b",".join(
            value for name, value in scope.get("headers", ()) if name.lower() == b"x-forwarded-for"
        )
        for entry in reversed(entries.decode("latin-1").split(",")):
            hop = parse_forwarded_entry(entry)
            if hop is None:  # a trusted hop wrote garbage: keep the last address we trust
                break
            address = hop
            if not trusted(hop):
                break
    return _key(address, ipv6_prefix)
