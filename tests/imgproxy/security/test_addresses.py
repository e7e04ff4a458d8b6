"""Address classes, IPv4 unwrapping from IPv6, the policy, and IP spellings (no network)."""

from __future__ import annotations

import ipaddress

import pytest

from imgproxy.errors import SourceNotAllowed
from imgproxy.security.addresses import (
    AddressClass,
    AddressPolicy,
    address_classes,
    check,
    classify,
    embedded_ipv4,
    is_plain_hostname,
    parse_host_ip,
)

ip = ipaddress.ip_address
C = AddressClass


@pytest.mark.parametrize(
    ("address", "translation", "inner"),
    [
        ("::ffff:127.0.0.1", True, ["127.0.0.1"]),  # v4-mapped
        ("::10.1.2.3", True, ["10.1.2.3"]),  # v4-compatible
        ("64:ff9b::169.254.169.254", True, ["169.254.169.254"]),  # NAT64 well-known
        ("64:ff9b:1:7f00:0:100::", True, ["127.0.0.1"]),  # NAT64 local /48, u-octet skipped
        ("2002:a9fe:a9fe::1", False, ["169.254.169.254"]),  # 6to4
        # Teredo: server 65.54.227.120, client 127.0.0.1 stored XOR 0xffffffff
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", False, ["65.54.227.120", "127.0.0.1"]),
        ("fe80::5efe:192.168.0.1", False, ["192.168.0.1"]),  # ISATAP
        ("2001:4860:1::200:5efe:7f00:1", False, ["127.0.0.1"]),  # ISATAP, U/L bit set
        ("::1", False, []),  # loopback is no v4-compatible 0.0.0.1
        ("::", False, []),
        ("2606:4700::1111", False, []),
    ],
)
def test_embedded_ipv4(address, translation, inner):
    assert embedded_ipv4(ipaddress.IPv6Address(address)) == (translation, [ip(a) for a in inner])


def test_carriers_count_both_the_ipv6_and_the_ipv4_inside():
    assert address_classes(ip("2002:7f00:1::")) == {C.PUBLIC, C.LOOPBACK}
    assert address_classes(ip("::ffff:8.8.8.8")) == {C.PUBLIC}  # a translation counts as v4
    assert address_classes(ip("64:ff9b::8.8.8.8")) == {C.PUBLIC}  # NAT64 (DNS64 networks) works
    assert classify(ip("2002:7f00:1::")) is C.LOOPBACK  # the most restrictive one


def test_zone_ids_do_not_change_the_class():
    assert classify(ip("fe80::1%eth0")) is C.LINK_LOCAL


@pytest.mark.parametrize(
    ("policy", "allowed", "refused"),
    [
        (AddressPolicy(), ["8.8.8.8", "10.0.0.1", "100.64.0.1", "fd00::1"], ["127.0.0.1"]),
        (AddressPolicy(allow_loopback=True), ["127.0.0.1", "::1", "0.0.0.0", "::"], ["fe80::1"]),
        (AddressPolicy(allow_link_local=True), ["169.254.169.254", "224.0.0.1", "ff02::1"], []),
        (AddressPolicy(allow_private=False), ["8.8.8.8"], ["10.0.0.1", "100.64.0.1", "fc00::1"]),
        (
            AddressPolicy(allow_loopback=True, allow_link_local=True, allow_private=True),
            [],
            ["224.0.1.1", "ff05::1", "192.0.2.1", "255.255.255.255", "240.0.0.1", "2001:db8::1"],
        ),
        # the IPv4 inside must be allowed too, whatever the policy allows for the carrier
        (AddressPolicy(allow_loopback=True), [], ["2002:a9fe:a9fe::", "::ffff:169.254.1.1"]),
    ],
)
def test_policy(policy, allowed, refused):
    for address in allowed:
        check(ip(address), policy)
    for address in refused:
        with pytest.raises(SourceNotAllowed) as raised:
            check(ip(address), policy)
        assert raised.value.message == "Source address is not allowed"
        assert raised.value.status == 403


def test_refusal_detail_names_the_classes():
    with pytest.raises(SourceNotAllowed) as raised:
        check(ip("2002:7f00:1::"), AddressPolicy())
    assert raised.value.detail == "2002:7f00:1:: is loopback"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0177.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("0X7F.0.0.01", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("0x", "0.0.0.0"),
        ("%31%32%37.0.0.1", "127.0.0.1"),
        ("\uff11\uff12\uff17\u3002\uff10\uff0e\uff10\uff0e\uff11", "127.0.0.1"),  # full width
        ("169.254.43518", "169.254.169.254"),
        ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"),
        ("[::1]", "::1"),
        ("::1", "::1"),
        ("[::ffff:7f00:1]", "::ffff:127.0.0.1"),
        ("[0:0:0:0:0:ffff:127.0.0.1]", "::ffff:127.0.0.1"),
        ("4294967295", "255.255.255.255"),
        ("4294967296", None),
        ("256.0.0.1", None),
        ("1.2.3.4.5", None),
        ("08.0.0.1", None),
        ("0x1g.0.0.1", None),
        ("1..1", None),
        ("", None),
        (".", None),
        ("example.com", None),
        ("localhost", None),
        ("%zz", None),
        ("%ff", None),
        ("[::1", None),
        ("\u0661\u0662\u0667.0.0.1", None),  # Arabic-Indic digits are no IPv4 spelling
    ],
)
def test_parse_host_ip(host, expected):
    parsed = parse_host_ip(host)
    assert (None if parsed is None else str(parsed)) == (
        None if expected is None else str(ip(expected))
    )


@pytest.mark.parametrize(
    ("host", "plain"),
    [
        ("example.com", True),
        ("localhost", True),
        ("a-b_c.example.", True),
        ("123.example", True),
        ("1.2.3.4.5", False),
        ("256.0.0.1", False),
        ("example.0x1f", False),
        ("evil.com\\good.com", False),
        ("good.com/evil", False),
        ("-bad.example", False),
        ("a..b", False),
        ("", False),
        ("x" * 64 + ".com", False),
        ("b\u00fccher.de", False),
    ],
)
def test_is_plain_hostname(host, plain):
    assert is_plain_hostname(host) is plain
