"""Hostile source URLs, table-driven, and properties of every parser on arbitrary text.

The table runs each URL through what production runs: httpx's parser gives the host the
network backend will be asked to dial; `parse_host_ip` + `classify` name its class;
`GuardedBackend.allowed_addresses` decides (for IP literals, without resolving or dialing);
`AllowedSources` decides on the prefix. No row touches the network.
"""

from __future__ import annotations

import contextlib
import ipaddress
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from imgproxy.errors import InvalidPath, InvalidSignature, ProxyError, SourceNotAllowed
from imgproxy.security.addresses import (
    AddressClass,
    AddressPolicy,
    address_classes,
    classify,
    is_plain_hostname,
    parse_host_ip,
)
from imgproxy.security.allowed_sources import AllowedSources, canonical_url
from imgproxy.security.client_key import client_key
from imgproxy.security.encryption import decrypt_source
from imgproxy.security.network import GuardedBackend
from imgproxy.signing import Verifier
from imgproxy.url.args import ArgumentError
from imgproxy.url.parser import PathParser, split_signature
from imgproxy.url.source import decode_base64, decode_plain

C = AddressClass
GOOD = AllowedSources(["http://good.com/", "https://good.com/"])
DEFAULT = AddressPolicy()

# (url, class of the host the client would dial or None for a name, allowed by GOOD)
HOSTILE = [
    # IPv4, every class
    ("http://127.0.0.1/", C.LOOPBACK, False),
    ("http://127.255.255.254/", C.LOOPBACK, False),
    ("http://0.0.0.0/", C.UNSPECIFIED, False),
    ("http://10.0.0.1/", C.PRIVATE, False),
    ("http://172.16.0.1/", C.PRIVATE, False),
    ("http://172.31.255.255/", C.PRIVATE, False),
    ("http://192.168.1.1/", C.PRIVATE, False),
    ("http://100.64.0.1/", C.CGNAT, False),
    ("http://100.127.255.255/", C.CGNAT, False),
    ("http://169.254.169.254/latest/meta-data", C.LINK_LOCAL, False),
    ("http://224.0.0.251/", C.LINK_LOCAL, False),
    ("http://224.0.1.1/", C.MULTICAST, False),
    ("http://239.255.255.250/", C.MULTICAST, False),
    ("http://192.0.2.1/", C.DOCUMENTATION, False),
    ("http://198.51.100.1/", C.DOCUMENTATION, False),
    ("http://203.0.113.1/", C.DOCUMENTATION, False),
    ("http://255.255.255.255/", C.BROADCAST, False),
    ("http://240.0.0.1/", C.RESERVED, False),
    ("http://198.18.0.1/", C.RESERVED, False),
    ("http://192.0.0.1/", C.RESERVED, False),
    ("http://0.1.2.3/", C.RESERVED, False),
    ("http://8.8.8.8/", C.PUBLIC, False),
    ("http://172.32.0.1/", C.PUBLIC, False),
    ("http://100.128.0.1/", C.PUBLIC, False),
    ("http://169.253.255.255/", C.PUBLIC, False),
    # IPv4 spelled as numbers, octal, hex, short forms, escapes, full width, trailing dot
    ("http://2130706433/", C.LOOPBACK, False),
    ("http://017700000001/", C.LOOPBACK, False),
    ("http://0x7f000001/", C.LOOPBACK, False),
    ("http://0x7f.0.0.1/", C.LOOPBACK, False),
    ("http://0x7f.1/", C.LOOPBACK, False),
    ("http://0177.0.0.1/", C.LOOPBACK, False),
    ("http://0177.1/", C.LOOPBACK, False),
    ("http://127.1/", C.LOOPBACK, False),
    ("http://127.0.1/", C.LOOPBACK, False),
    ("http://127.0.0.1./", C.LOOPBACK, False),
    ("http://%31%32%37.0.0.1/", C.LOOPBACK, False),
    ("http://0/", C.UNSPECIFIED, False),
    ("http://2852039166/", C.LINK_LOCAL, False),
    ("http://0xA9FEA9FE/", C.LINK_LOCAL, False),
    ("http://0251.0376.0251.0376/", C.LINK_LOCAL, False),
    ("http://169.254.43518/", C.LINK_LOCAL, False),
    ("http://0xa.0.0.1/", C.PRIVATE, False),
    ("http://167772161/", C.PRIVATE, False),
    ("http://3232235777/", C.PRIVATE, False),
    ("http://134744072/", C.PUBLIC, False),
    # IPv6, every class, and IPv4 hidden inside
    ("http://[::1]/", C.LOOPBACK, False),
    ("http://[0:0:0:0:0:0:0:1]/", C.LOOPBACK, False),
    ("http://[::]/", C.UNSPECIFIED, False),
    ("http://[::ffff:127.0.0.1]/", C.LOOPBACK, False),
    ("http://[::ffff:7f00:1]/", C.LOOPBACK, False),
    ("http://[0:0:0:0:0:ffff:127.0.0.1]/", C.LOOPBACK, False),
    ("http://[::ffff:0.0.0.0]/", C.UNSPECIFIED, False),
    ("http://[::127.0.0.1]/", C.LOOPBACK, False),
    ("http://[::ffff:a9fe:a9fe]/", C.LINK_LOCAL, False),
    ("http://[::ffff:10.0.0.1]/", C.PRIVATE, False),
    ("http://[64:ff9b::127.0.0.1]/", C.LOOPBACK, False),
    ("http://[64:ff9b::a9fe:a9fe]/", C.LINK_LOCAL, False),
    ("http://[64:ff9b:1:a9fe:a9:fe00::]/", C.LINK_LOCAL, False),
    ("http://[2002:7f00:1::]/", C.LOOPBACK, False),
    ("http://[2002:a9fe:a9fe::1]/", C.LINK_LOCAL, False),
    ("http://[2002:c000:201::]/", C.DOCUMENTATION, False),
    ("http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", C.LOOPBACK, False),
    ("http://[2001:0:7f00:1:8000:63bf:f7f7:f7f7]/", C.LOOPBACK, False),
    ("http://[fe80::5efe:7f00:1]/", C.LOOPBACK, False),
    ("http://[2001:4860:1::200:5efe:a9fe:a9fe]/", C.LINK_LOCAL, False),
    ("http://[fe80::1]/", C.LINK_LOCAL, False),
    ("http://[febf::1]/", C.LINK_LOCAL, False),
    ("http://[ff02::1]/", C.LINK_LOCAL, False),
    ("http://[ff05::1]/", C.MULTICAST, False),
    ("http://[fc00::1]/", C.PRIVATE, False),
    ("http://[fd12:3456::1]/", C.PRIVATE, False),
    ("http://[2001:db8::1]/", C.DOCUMENTATION, False),
    ("http://[3fff::1]/", C.DOCUMENTATION, False),
    ("http://[fec0::1]/", C.RESERVED, False),
    ("http://[100::1]/", C.RESERVED, False),
    ("http://[4000::1]/", C.RESERVED, False),
    ("http://[2606:4700:4700::1111]/", C.PUBLIC, False),
    ("http://[::ffff:8.8.8.8]/", C.PUBLIC, False),
    ("http://[64:ff9b::8.8.8.8]/", C.PUBLIC, False),
    # `@` and look-alike tricks: the host that is dialed is the one after the userinfo
    ("http://good.com@127.0.0.1/", C.LOOPBACK, False),
    ("http://good.com:80@169.254.169.254/", C.LINK_LOCAL, False),
    ("http://good.com%2F@10.0.0.1/", C.PRIVATE, False),
    ("http://good.com\\@[::1]/", C.LOOPBACK, False),
    ("http://127.0.0.1@good.com/", None, False),
    ("http://good.com@evil.com/", None, False),
    ("http://good.com.evil.com/", None, False),
    ("http://evil.com/?http://good.com/", None, False),
    ("http://evil.com#http://good.com/", None, False),
    ("http://good.com#@127.0.0.1/", None, True),  # only a fragment: good.com is fetched
    ("http://good.com?@127.0.0.1/", None, True),  # only a query
    ("http://good.com/", None, True),
    ("https://good.com/img.png", None, True),
]


def dialed_host(url: str) -> str:
    """The host httpx would dial, or the raw spelling when httpx refuses the URL itself."""
    try:
        return httpx.URL(url).raw_host.decode("ascii")
    except httpx.InvalidURL:
        return urlsplit(url).hostname or ""


@pytest.mark.parametrize(("url", "kind", "by_prefix"), HOSTILE)
def test_host_class(url, kind, by_prefix):
    address = parse_host_ip(dialed_host(url))
    assert (None if address is None else classify(address)) == kind


@pytest.mark.parametrize(("url", "kind"), [(u, k) for u, k, _ in HOSTILE if k is not None])
async def test_network_decision_under_the_default_policy(url, kind):
    refused = kind not in (C.PUBLIC, C.PRIVATE, C.CGNAT)
    try:
        host = httpx.URL(url).raw_host.decode("ascii")
    except httpx.InvalidURL:
        assert refused  # httpx itself refuses some spellings: nothing is dialed either way
        return
    backend = GuardedBackend(DEFAULT, resolver=None)
    if refused:
        with pytest.raises(SourceNotAllowed) as raised:
            await backend.allowed_addresses(host, 80)
        assert raised.value.message == "Source address is not allowed"
    else:
        assert await backend.allowed_addresses(host, 80) == [parse_host_ip(host)]


@pytest.mark.parametrize(("url", "by_prefix"), [(u, p) for u, _, p in HOSTILE])
def test_prefix_decision(url, by_prefix):
    if by_prefix:
        GOOD.check(url)
    else:
        with pytest.raises(SourceNotAllowed) as raised:
            GOOD.check(url)
        assert raised.value.message == "Source is not allowed"


# --- properties on arbitrary text ------------------------------------------------------------

TOKENS = [
    "",
    "plain",
    "enc",
    "unsafe",
    "rs:fill:300:200",
    "rs:fit:0:0:1",
    "w:abc",
    "h:99999999999",
    "q:50",
    "f:png",
    "pr:nope",
    "exp:1",
    "fit",
    "http:",
    "http://127.0.0.1",
    "local:",
    "s3:",
    "@png",
    "@",
    ".png",
    ".",
    "..",
    "%",
    "%3A",
    "%zz",
    "%ff",
    ":",
    "::::",
    "aHR0cDovL2V4YW1wbGUuY29tL2EuanBn",
    "aHR0cDovL2V4YW1w",
    "====",
    "\x00",
    "\u00ff",
    "\U0001f600",
]
pieces = st.one_of(st.sampled_from(TOKENS), st.text(max_size=12))
path_like = st.lists(pieces, max_size=10).map("/".join)
anything = st.one_of(st.text(max_size=200), path_like)
segments = st.lists(pieces, max_size=8)
fuzz = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def client_error(error: BaseException) -> bool:
    return isinstance(error, ArgumentError) or (
        isinstance(error, ProxyError) and 400 <= error.status < 500
    )


def only_client_errors(call, *args) -> None:
    try:
        call(*args)
    except Exception as error:  # the property: nothing else may escape
        assert client_error(error), f"{type(error).__name__}: {error!r}"


@fuzz
@given(segments)
@example(["http:", "", "a", "%ff"])  # found by this test: invalid UTF-8 after percent-decoding
def test_decode_plain_raises_only_argument_errors(parts):
    only_client_errors(decode_plain, parts)


@fuzz
@given(segments)
def test_decode_base64_raises_only_argument_errors(parts):
    only_client_errors(decode_base64, parts)


@fuzz
@given(anything)
@example("rs:fill:300:200/plain/http://a/%ff")
def test_path_parser_raises_only_client_errors(path):
    only_client_errors(PathParser().parse, path)
    only_client_errors(PathParser(separator=",", only_presets=True).parse, path)
    only_client_errors(split_signature, path)


@fuzz
@given(st.text(max_size=60), anything)
def test_verifier_raises_only_invalid_signature(signature, path):
    for verifier in [Verifier([b"key"], [b"salt"]), Verifier([b"k"], [b"s"], size=8), Verifier()]:
        with contextlib.suppress(InvalidSignature):
            verifier.verify(signature, path)


@fuzz
@given(anything)
def test_security_parsers_on_arbitrary_text(text):
    parse_host_ip(text)
    is_plain_hostname(text)
    try:
        decrypt_source(text, bytes(32))
    except InvalidPath as error:
        assert error.message == "Invalid encrypted source URL"
    for check in (GOOD.check, canonical_url):
        try:
            check(text)
        except SourceNotAllowed as error:
            assert error.message == "Source is not allowed"


@fuzz
@given(st.integers(0, 2**128 - 1), st.integers(0, 2**32 - 1))
def test_every_address_has_a_class(v6, v4):
    for address in (ipaddress.IPv6Address(v6), ipaddress.IPv4Address(v4)):
        kinds = address_classes(address)
        assert kinds and classify(address) in kinds


@fuzz
@given(st.binary(max_size=80), st.sampled_from(["10.0.0.2", "2001:db8::1", "x", "::ffff:10.1.1.1"]))
def test_client_key_on_arbitrary_headers(header, peer):
    scope = {"client": (peer, 1), "headers": [(b"x-forwarded-for", header)]}
    assert client_key(scope, [ipaddress.ip_network("10.0.0.0/8")])
