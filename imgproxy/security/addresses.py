"""Which network addresses a source may live at (the SSRF filter's decision, nothing else).

Classes follow imgproxy 4.0.12 (`privatenet/privatenet.go`):

- loopback: 127/8, ::1 and the unspecified addresses 0.0.0.0 and :: (Linux connects those to
  the local host); allowed only with `allow_loopback`;
- link-local: 169.254/16, fe80::/10 and the link-local multicast 224.0.0/24, ff02::/16;
  allowed only with `allow_link_local`;
- private: RFC 1918, fc00::/7 and CGNAT 100.64/10; allowed by default (`allow_private`);
- multicast, documentation, broadcast and every other reserved or unallocated range: always
  refused, since no image origin lives there.

IPv4 hidden inside IPv6 is unwrapped first (v4-mapped, v4-compatible, 6to4, NAT64 /96 and the
local-use /48, both Teredo addresses, ISATAP) and *every* address found must be allowed, so
`::ffff:127.0.0.1` or `2002:7f00:1::` is refused exactly like `127.0.0.1`.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import unquote

from imgproxy.errors import SourceNotAllowed

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AddressClass(StrEnum):
    PUBLIC = "public"
    LOOPBACK = "loopback"
    UNSPECIFIED = "unspecified"
    LINK_LOCAL = "link_local"
    PRIVATE = "private"
    CGNAT = "cgnat"
    MULTICAST = "multicast"
    DOCUMENTATION = "documentation"
    BROADCAST = "broadcast"
    RESERVED = "reserved"


@dataclass(frozen=True)
class AddressPolicy:
    allow_loopback: bool = False
    allow_link_local: bool = False
    allow_private: bool = True

    def allows(self, kind: AddressClass) -> bool:
        if kind is AddressClass.PUBLIC:
            return True
        if kind in (AddressClass.LOOPBACK, AddressClass.UNSPECIFIED):
            return self.allow_loopback
        if kind is AddressClass.LINK_LOCAL:
            return self.allow_link_local
        if kind in (AddressClass.PRIVATE, AddressClass.CGNAT):
            return self.allow_private
        return False


def _nets(kind: AddressClass, *cidrs: str) -> list[tuple[Network, AddressClass]]:
    return [(ipaddress.ip_network(cidr), kind) for cidr in cidrs]


# First match wins, so specific ranges come before the ranges that contain them.
_V4_TABLE = [
    *_nets(AddressClass.UNSPECIFIED, "0.0.0.0/32"),
    *_nets(AddressClass.RESERVED, "0.0.0.0/8", "192.0.0.0/24", "192.88.99.0/24", "198.18.0.0/15"),
    *_nets(AddressClass.LOOPBACK, "127.0.0.0/8"),
    *_nets(AddressClass.LINK_LOCAL, "169.254.0.0/16", "224.0.0.0/24"),
    *_nets(AddressClass.PRIVATE, "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"),
    *_nets(AddressClass.CGNAT, "100.64.0.0/10"),
    *_nets(AddressClass.MULTICAST, "224.0.0.0/4"),
    *_nets(AddressClass.DOCUMENTATION, "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"),
    *_nets(AddressClass.BROADCAST, "255.255.255.255/32"),
    *_nets(AddressClass.RESERVED, "240.0.0.0/4"),
]
_V6_TABLE = [
    *_nets(AddressClass.UNSPECIFIED, "::/128"),
    *_nets(AddressClass.LOOPBACK, "::1/128"),
    *_nets(AddressClass.LINK_LOCAL, "fe80::/10", "ff02::/16"),
    *_nets(AddressClass.MULTICAST, "ff00::/8"),
    *_nets(AddressClass.PRIVATE, "fc00::/7"),
    *_nets(AddressClass.DOCUMENTATION, "2001:db8::/32", "3fff::/20"),
    # benchmarking, ORCHID, discard-only, SRv6 SIDs, deprecated site-local
    *_nets(AddressClass.RESERVED, "2001:2::/48", "2001:10::/28", "2001:20::/28"),
    *_nets(AddressClass.RESERVED, "100::/64", "5f00::/16", "fec0::/10"),
    *_nets(AddressClass.PUBLIC, "2000::/3"),
]
# Pure translations: the wrapper means nothing by itself, only the IPv4 inside counts.
_V4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
# Carriers: the IPv6 address is routable itself *and* names IPv4 endpoints.
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")
_TEREDO = ipaddress.IPv6Network("2001::/32")
_ISATAP_IDS = (0x0000_5EFE, 0x0200_5EFE)
_SEVERITY = (  # most restrictive first, for `classify`
    AddressClass.RESERVED,
    AddressClass.BROADCAST,
    AddressClass.DOCUMENTATION,
    AddressClass.MULTICAST,
    AddressClass.UNSPECIFIED,
    AddressClass.LOOPBACK,
    AddressClass.LINK_LOCAL,
    AddressClass.CGNAT,
    AddressClass.PRIVATE,
    AddressClass.PUBLIC,
)


def _v4(value: int) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address(value & 0xFFFF_FFFF)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[bool, list[ipaddress.IPv4Address]]:
    """(is a pure translation, IPv4 addresses carried by `ip`)."""
    value = int(ip)
    if ip.ipv4_mapped is not None:
        return True, [ip.ipv4_mapped]
    if ip in _V4_COMPATIBLE and value > 1:  # ::a.b.c.d, but not :: or ::1
        return True, [_v4(value)]
    if ip in _NAT64:
        return True, [_v4(value)]
    if ip in _NAT64_LOCAL:  # RFC 6052 /48 layout: bits 48..63 and 72..87, u-octet skipped
        return True, [_v4(((value >> 64) & 0xFFFF) << 16 | (value >> 40) & 0xFFFF)]
    found: list[ipaddress.IPv4Address] = []
    if ip in _SIX_TO_FOUR:
        found.append(_v4(value >> 80))
    if ip in _TEREDO:  # server in bits 32..63, client obfuscated (XOR) in the last 32 bits
        found += [_v4(value >> 64), _v4(~value)]
    if ((value >> 32) & 0xFFFF_FFFF) in _ISATAP_IDS:  # interface id 0[2]00:5efe:a.b.c.d
        found.append(_v4(value))
    return False, found


def _lookup(ip: IPAddress) -> AddressClass:
    table = _V4_TABLE if isinstance(ip, ipaddress.IPv4Address) else _V6_TABLE
    for network, kind in table:
        if ip in network:
            return kind
    return AddressClass.PUBLIC if ip.version == 4 else AddressClass.RESERVED


def address_classes(ip: IPAddress) -> frozenset[AddressClass]:
    """Every class `ip` belongs to: its own and that of each IPv4 address embedded in it."""
    if isinstance(ip, ipaddress.IPv4Address):
        return frozenset({_lookup(ip)})
    ip = ipaddress.IPv6Address(int(ip))  # drop any %zone: it does not change the class
    translation, inner = embedded_ipv4(ip)
    kinds = {_lookup(address) for address in inner}
    if not translation:
        kinds.add(_lookup(ip))
    return frozenset(kinds)


def classify(ip: IPAddress) -> AddressClass:
    """The most restrictive class of `ip` (see `address_classes`)."""
    kinds = address_classes(ip)
    return next(kind for kind in _SEVERITY if kind in kinds)


def check(ip: IPAddress, policy: AddressPolicy) -> None:
    """Raise `SourceNotAllowed` unless every class of `ip` is allowed by `policy`."""
    refused = sorted(kind for kind in address_classes(ip) if not policy.allows(kind))
    if refused:
        raise SourceNotAllowed(
            "Source address is not allowed", detail=f"{ip} is {'/'.join(refused)}"
        )


_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})  # UTS 46 full stops
_HEX = re.compile(r"0[xX][0-9A-Fa-f]*")
_OCTAL = re.compile(r"0[0-7]*")
_DECIMAL = re.compile(r"[1-9][0-9]{0,9}")
"""At most 10 digits: no 32-bit part needs more, and Python will not read over 4,300."""


def _ipv4_part(part: str) -> int | None:
    if _HEX.fullmatch(part):
        return int(part[2:] or "0", 16)
    if _OCTAL.fullmatch(part):
        return int(part, 8)
    if _DECIMAL.fullmatch(part):
        return int(part)
    return None


def parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """inet_aton / WHATWG spelling: 1-4 parts, each decimal, 0-octal or 0x-hex; the last part
    fills the remaining bytes (`127.1`, `2130706433`, `0x7f.1`, `0177.0.0.1`)."""
    parts = host.removesuffix(".").split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers = [_ipv4_part(part) for part in parts]
    if any(number is None for number in numbers):
        return None
    *head, last = [number or 0 for number in numbers]
    if any(number > 0xFF for number in head) or last >= 1 << (8 * (5 - len(parts))):
        return None
    value = last
    for index, number in enumerate(head):
        value |= number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def parse_host_ip(host: str) -> IPAddress | None:
    """The address a URL host denotes when it is an IP literal in any spelling, else None.

    Percent-escapes are decoded first and a trailing dot is ignored, as browsers and curl do;
    IPv6 may come with or without brackets."""
    try:
        text = unquote(host, errors="strict")
    except UnicodeDecodeError:
        return None
    text = unicodedata.normalize("NFKC", text).translate(_DOTS).strip().lower()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text)
        except ValueError:
            return None
    return parse_ipv4(text)


_LAST_LABEL_NUMERIC = re.compile(r"(?:^|\.)(?:[0-9]+|0[xX][0-9A-Fa-f]*)\.?$")
_HOSTNAME = re.compile(
    r"(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
    r"(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?"
)


def is_plain_hostname(host: str) -> bool:
    """True for a DNS name that is safe to hand to a resolver: letters, digits, `-`, `_`,
    and a last label that is not a number (a numeric-looking host that is no valid IPv4
    spelling, like `1.2.3.4.5` or `0189.0.0.1`, is refused rather than looked up)."""
    return bool(_HOSTNAME.fullmatch(host)) and not _LAST_LABEL_NUMERIC.search(host)
