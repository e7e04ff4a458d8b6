"""The rate-limit key: peer address, or the right-most untrusted X-Forwarded-For hop."""

from __future__ import annotations

import ipaddress

import pytest

from imgproxy.security.client_key import client_key, parse_forwarded_entry

TRUSTED = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8")]


def scope(peer: str | None, *forwarded: str) -> dict:
    headers = [(b"x-forwarded-for", value.encode("latin-1")) for value in forwarded]
    return {
        "type": "http",
        "client": None if peer is None else (peer, 50000),
        "headers": [(b"host", b"proxy"), *headers],
    }


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        # untrusted peers: the header is ignored, whatever it says
        ("203.0.113.7", [], "203.0.113.7"),
        ("203.0.113.7", ["198.51.100.1"], "203.0.113.7"),
        # a trusted proxy: the right-most address it did not add itself
        ("10.0.0.2", ["198.51.100.1"], "198.51.100.1"),
        ("10.0.0.2", ["6.6.6.6, 198.51.100.1"], "198.51.100.1"),  # the client forged the left
        ("10.0.0.2", ["6.6.6.6, 198.51.100.1, 10.0.0.3"], "198.51.100.1"),  # two trusted hops
        ("10.0.0.2", ["6.6.6.6", "198.51.100.1, 10.0.0.3"], "198.51.100.1"),  # header repeated
        ("10.0.0.2", ["10.0.0.9, 10.0.0.3"], "10.0.0.9"),  # all trusted: the left-most
        ("10.0.0.2", [], "10.0.0.2"),  # nothing forwarded: the proxy itself
        ("10.0.0.2", ["garbage, 198.51.100.1"], "198.51.100.1"),
        ("10.0.0.2", ["198.51.100.1, garbage"], "10.0.0.2"),  # a trusted hop wrote garbage
        ("10.0.0.2", ["198.51.100.1:4711"], "198.51.100.1"),
        ("10.0.0.2", ["[2001:db8::1]:4711"], "2001:db8::/64"),
        ("10.0.0.2", [" 198.51.100.1 ,10.0.0.3 "], "198.51.100.1"),
        ("::ffff:10.0.0.2", ["198.51.100.1"], "198.51.100.1"),  # v4-mapped peer is trusted
        ("fd00::5", ["198.51.100.1"], "198.51.100.1"),
        # IPv6 clients share a key per /64; v4-mapped counts as IPv4
        ("2001:db8:1:2:3:4:5:6", [], "2001:db8:1:2::/64"),
        ("2001:db8:1:2::ffff", [], "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", [], "203.0.113.7"),
        # no peer address (a unix socket) or a name
        (None, ["198.51.100.1"], "unknown"),
        ("testclient", ["198.51.100.1"], "testclient"),
    ],
)
def test_client_key(peer, forwarded, expected):
    assert client_key(scope(peer, *forwarded), TRUSTED) == expected


def test_no_trusted_proxies_means_the_peer():
    assert client_key(scope("10.0.0.2", "198.51.100.1")) == "10.0.0.2"


def test_ipv6_prefix_is_configurable():
    assert client_key(scope("2001:db8::1"), ipv6_prefix=128) == "2001:db8::1"
    assert client_key(scope("2001:db8::1"), ipv6_prefix=48) == "2001:db8::/48"


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("1.2.3.4", "1.2.3.4"),
        (" 1.2.3.4:80 ", "1.2.3.4"),
        ("[::1]:80", "::1"),
        ("[::1]", "::1"),
        ("::1", "::1"),
        ("unknown", None),
        ("", None),
        ("1.2.3.4:80:90", None),
        ("_hidden", None),
    ],
)
def test_parse_forwarded_entry(entry, expected):
    parsed = parse_forwarded_entry(entry)
    assert (None if parsed is None else str(parsed)) == expected
