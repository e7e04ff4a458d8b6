"""Allowed-source prefixes: matching on the canonical URL, immune to userinfo and host tricks."""

from __future__ import annotations

import pytest

from imgproxy.errors import SourceNotAllowed
from imgproxy.security.allowed_sources import AllowedSources, canonical_url, compile_prefix

PREFIXES = [
    "http://good.com/",
    "https://*.cdn.example/img/",
    "http://bare.example",
    "local:///images/",
    "s3://bucket/public/",
    "HTTPS://Upper.Example:443/x/",
    "http://127.0.0.1:8080/",
]
SOURCES = AllowedSources(PREFIXES)

ALLOWED = [
    "http://good.com/",
    "http://good.com/a.jpg",
    "http://GOOD.COM/a.jpg",
    "HTTP://good.com/a.jpg",
    "http://good.com./a.jpg",
    "http://good.com:80/a.jpg",
    "http://good.com/a.jpg#fragment",
    "http://good.com/a.jpg?size=1&next=http://evil.com/",
    "http://good%2Ecom/a.jpg",
    "https://a.cdn.example/img/x.png",
    "https://a-b.cdn.example/img/x.png",
    "http://bare.example/a.jpg",
    "http://bare.example:8000/a.jpg",
    "local:///images/a.jpg",
    "s3://bucket/public/a.jpg",
    "https://upper.example/x/a.jpg",
    "http://127.0.0.1:8080/a.jpg",
    "http://2130706433:8080/a.jpg",  # the same address, spelled as one number
]

REFUSED = [
    # userinfo, in every disguise
    "http://good.com@evil.com/",
    "http://good.com:80@evil.com/",
    "http://good.com%2F@evil.com/",
    "http://good.com%40evil.com@evil.com/",
    "http://good.com\\@evil.com/",
    "http://user:pass@good.com/a.jpg",
    "http://@good.com/a.jpg",
    # host look-alikes
    "http://good.com.evil.com/",
    "http://good.comevil.com/",
    "http://evil.com/good.com/",
    "http://evil.com/?http://good.com/",
    "http://evil.com#http://good.com/",
    "http://good.com\\evil.com/",
    "http://good.com%2Fevil.com/",
    "http://good.com%5C.evil.com/",
    "https://evil.com/.cdn.example/img/x.png",
    "https://.cdn.example/img/x.png",
    "https://evil.com?.cdn.example/img/x.png",
    "https://a.cdn.example.evil.com/img/x.png",
    "http://bare.example.evil.com/",
    "http://bare.examplex/",
    "http://bare.example@evil.com/",
    # other ports and schemes, paths outside the prefix
    "http://good.com:8080/a.jpg",
    "https://good.com/a.jpg",
    "ftp://good.com/a.jpg",
    "http://127.0.0.1:8081/a.jpg",
    "https://a.cdn.example/other/x.png",
    "local:///etc/passwd",
    "s3://bucket/private/a.jpg",
    "s3://bucket.evil/public/a.jpg",
    # dot segments, plain, encoded, or with backslashes
    "http://good.com/a/../b.jpg",
    "local:///images/../etc/passwd",
    "local:///images/%2e%2e/%2E%2E/etc/passwd",
    "https://a.cdn.example/img/..%2f..%2fprivate",
    "https://a.cdn.example/img/..\\..\\private",
    "s3://bucket/public/%2e%2e/private/a.jpg",
    "http://good.com/./a.jpg",
    # malformed
    "",
    "good.com/a.jpg",
    "//good.com/a.jpg",
    "http:/good.com/a.jpg",
    "http:\\\\good.com\\a.jpg",
    " http://good.com/a.jpg",
    "http://good.com/a.jpg\n",
    "http://good.com/a\x00.jpg",
    "http://[::1/",
    "http://good.com:99999/",
    "http://%zz/",
    "http://%ff.com/",
]


@pytest.mark.parametrize("url", ALLOWED)
def test_allowed(url):
    SOURCES.check(url)


@pytest.mark.parametrize("url", REFUSED)
def test_refused(url):
    with pytest.raises(SourceNotAllowed) as raised:
        SOURCES.check(url)
    assert (raised.value.status, raised.value.message) == (403, "Source is not allowed")


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTP://Good.COM.:80/A.jpg?Q#f", "http://good.com/A.jpg?Q"),
        ("https://b\u00fccher.de/x", "https://xn--bcher-kva.de/x"),
        ("http://0x7f.1:8080/x", "http://127.0.0.1:8080/x"),
        ("http://[::FFFF:127.0.0.1]/x", "http://[::ffff:7f00:1]/x"),
        ("http://good%2ecom/x%20y", "http://good.com/x%20y"),
        ("local:///images/a.jpg", "local:///images/a.jpg"),
        ("http://good.com", "http://good.com/"),
    ],
)
def test_canonical_url(url, canonical):
    assert canonical_url(url) == canonical


def test_refusal_detail_says_why():
    with pytest.raises(SourceNotAllowed) as raised:
        SOURCES.check("http://good.com@evil.com/")
    assert raised.value.detail == (
        "'http://good.com@evil.com/': userinfo is not allowed in source URLs"
    )
    with pytest.raises(SourceNotAllowed) as raised:
        SOURCES.check("http://evil.com/")
    assert raised.value.detail == "'http://evil.com/': http://evil.com/ matches no allowed prefix"


def test_empty_list_allows_everything():
    empty = AllowedSources([])
    assert not empty.enabled
    for url in [*ALLOWED, *REFUSED]:
        empty.check(url)
    assert not AllowedSources(["", "  "]).enabled


@pytest.mark.parametrize(
    ("prefix", "pattern"),
    [
        ("http://good.com/", "^http://good\\.com/"),
        ("https://*.cdn.example/", "^https://[^/]*\\.cdn\\.example/"),
        ("http://bare.example", "^http://bare\\.example(?=[:/?]|$)"),
        ("HTTP://Good.Com:80/Path/", "^http://good\\.com/Path/"),
    ],
)
def test_compile_prefix(prefix, pattern):
    assert compile_prefix(prefix).pattern == pattern
