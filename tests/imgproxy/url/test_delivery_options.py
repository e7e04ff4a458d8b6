"""imgproxy Pro's delivery options in the path grammar: `hashsum`, `fallback_image_url`,
`bypass_cache` and `cache_tags`: what each reads, what it refuses (pinned messages), what it
writes back, and which of them the cache key holds."""

from __future__ import annotations

import base64

import pytest

from cache.keys import canonical_options
from imgproxy.errors import Forbidden, InvalidOption, ProxyError
from imgproxy.url.generator import generate_path
from imgproxy.url.hashsums import ExpectedHashsum, Hashsum
from imgproxy.url.options import ImageRequest, Options
from imgproxy.url.parser import PathParser
from imgproxy.url.presets import parse_presets

SOURCE = "http://example.com/a.jpg"
PARSER = PathParser(allow_bypass_cache=True)
EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e"
NOT_HEX = "g" * 40
EMPTY_SHA512 = (
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
    "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
)


def b64(text: str, padded: bool = False) -> str:
    encoded = base64.urlsafe_b64encode(text.encode()).decode()
    return encoded if padded else encoded.rstrip("=")


def parsed(segment: str, parser: PathParser = PARSER) -> Options:
    return parser.parse(f"{segment}/plain/{SOURCE}").options


def refusal(segment: str, parser: PathParser = PARSER) -> ProxyError:
    with pytest.raises((InvalidOption, Forbidden)) as caught:
        parsed(segment, parser)
    return caught.value


# hashsum


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        (f"hashsum:md5:{EMPTY_MD5}", ExpectedHashsum(Hashsum.MD5, EMPTY_MD5)),
        (f"hs:MD5:{EMPTY_MD5.upper()}", ExpectedHashsum(Hashsum.MD5, EMPTY_MD5)),
        (f"hs:sha1:{'a' * 40}", ExpectedHashsum(Hashsum.SHA1, "a" * 40)),
        (f"hs:sha256:{'0' * 64}", ExpectedHashsum(Hashsum.SHA256, "0" * 64)),
        (f"hs:sha512:{EMPTY_SHA512}", ExpectedHashsum(Hashsum.SHA512, EMPTY_SHA512)),
        ("hs:none", None),
        ("hs:none:ignored", None),
        (f"hs:md5:{EMPTY_MD5}/hs:none", None),
    ],
)
def test_hashsum(segment: str, expected: ExpectedHashsum | None) -> None:
    assert parsed(segment).hashsum == expected


@pytest.mark.parametrize(
    ("segment", "message"),
    [
        (
            f"hs:crc32:{EMPTY_MD5}",
            "Expected one of none, md5, sha1, sha256, sha512 for hashsum type but received 'crc32'",
        ),
        ("hs:md5", "Expected 32 hex digits for md5 hashsum but received ''"),
        (f"hs:md5:{'0' * 31}", f"Expected 32 hex digits for md5 hashsum but received '{'0' * 31}'"),
        (
            f"hs:sha1:{'g' * 40}",
            f"Expected 40 hex digits for sha1 hashsum but received '{'g' * 40}'",
        ),
        (f"hs:md5:{EMPTY_MD5}:x", "Expected 1..2 arguments for hashsum but received 3"),
    ],
)
def test_hashsum_refusals(segment: str, message: str) -> None:
    error = refusal(segment)
    assert (type(error), error.status, error.message) == (InvalidOption, 400, message)


# fallback_image_url


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        (f"fallback_image_url:{b64('http://example.com/fb.png')}", "http://example.com/fb.png"),
        (f"fiu:{b64('http://example.com/f.png', padded=True)}", "http://example.com/f.png"),
        (f"fiu:{b64('local:///fallback.png')}", "local:///fallback.png"),
        (f"fiu:{b64('http://example.com/ф.png?v=1&w=2')}", "http://example.com/ф.png?v=1&w=2"),
        (f"fiu:{b64('http://a/b.png')}/fiu:", ""),
    ],
)
def test_fallback_image_url(segment: str, expected: str) -> None:
    assert parsed(segment).fallback_image_url == expected


@pytest.mark.parametrize(
    ("argument", "shown"),
    [
        ("aHR0cDovL2E*", "aHR0cDovL2E*"),  # not base64url
        ("aHR0cDovL2E.png", "aHR0cDovL2E.png"),  # no extension here
        ("a", "a"),  # one character decodes to nothing
        (b64("http://"), b64("http://")),  # an http URL without a host
        (b64("http://[::1/a.png"), b64("http://[::1/a.png")),  # unreadable host
        ("_w", "_w"),  # not UTF-8
    ],
)
def test_fallback_image_url_refusals(argument: str, shown: str) -> None:
    error = refusal(f"fiu:{argument}")
    assert (type(error), error.status) == (InvalidOption, 400)
    assert error.message == (
        f"Expected URL-safe base64 of an image URL for fallback_image_url but received '{shown}'"
    )


# bypass_cache


@pytest.mark.parametrize("segment", ["bc:1", "bypass_cache:true", "pr:fresh"])
def test_bypass_cache_is_refused_unless_allowed(segment: str) -> None:
    error = refusal(segment, PathParser(presets=parse_presets(["fresh=bc:1"])))
    assert (type(error), error.status) == (Forbidden, 403)
    assert error.message == "Option bypass_cache is not allowed"


def test_bypass_cache() -> None:
    assert parsed("bc:0", PathParser()).bypass_cache is False
    assert parsed("bc:1").bypass_cache is True
    assert parsed("bc:t/bc:f").bypass_cache is False
    assert refusal("bc:yes").message == (
        "Expected boolean (1, t, true, 0, f, false) for bypass_cache but received 'yes'"
    )


# cache_tags


ODD_TAG = "product=12;v~2!$%&'()*+-.<>@[]^_`{|}"
"""Punctuation a tag may hold (`/`, `?`, `#` and the separator never reach one: they split the
path)."""
MANY_TAGS = [f"t{n}" for n in range(50)]


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("cache_tags:products:home", ("products", "home")),
        ("ct:b:a:b", ("b", "a")),  # the URL's order, each once
        ("ct:a::b:", ("a", "b")),  # blank tags are skipped
        ("ct:a/ct:", ()),  # blank: none
        ("ct:" + "x" * 256, ("x" * 256,)),
        (f"ct:{ODD_TAG}", (ODD_TAG,)),
        ("ct:" + ":".join(MANY_TAGS[:49]), tuple(MANY_TAGS[:49])),
    ],
)
def test_cache_tags(segment: str, expected: tuple[str, ...]) -> None:
    assert parsed(segment).cache_tags == expected


TAG_EXPECTED = "Expected 1..256 visible ASCII characters without commas for cache_tags"


@pytest.mark.parametrize(
    ("segment", "message"),
    [
        ("ct:" + "x" * 257, f"{TAG_EXPECTED} but received '{'x' * 40}... (257 characters)'"),
        ("ct:a,b", f"{TAG_EXPECTED} but received 'a,b'"),
        ("ct:café", f"{TAG_EXPECTED} but received 'café'"),
        ("ct:a b", f"{TAG_EXPECTED} but received 'a b'"),
        ("ct:" + ":".join(MANY_TAGS), "Expected at most 49 tags for cache_tags but received 50"),
    ],
)
def test_cache_tags_refusals(segment: str, message: str) -> None:
    error = refusal(segment)
    assert (type(error), error.status, error.message) == (InvalidOption, 400, message)


# Written back, and keyed (or not)

EVERY = Options(
    width=30,
    hashsum=ExpectedHashsum(Hashsum.SHA1, "a" * 40),
    fallback_image_url="http://example.com/fb.png?a=b",
    bypass_cache=True,
    cache_tags=("a", "b"),
)


def test_generate_writes_what_parse_reads() -> None:
    path = generate_path(ImageRequest(EVERY, SOURCE))
    assert path == (
        f"/w:30/hs:sha1:{'a' * 40}/fiu:{b64('http://example.com/fb.png?a=b')}/bc:1/ct:a:b"
        f"/plain/{SOURCE}"
    )
    assert PARSER.parse(path).options == EVERY


def test_bypass_cache_is_not_in_the_key_and_the_others_are() -> None:
    plain = Options(width=30)
    assert canonical_options(Options(width=30, bypass_cache=True)) == canonical_options(plain)
    for changed in (
        Options(width=30, hashsum=EVERY.hashsum),
        Options(width=30, fallback_image_url="http://example.com/fb.png"),
        Options(width=30, cache_tags=("a",)),
    ):
        assert canonical_options(changed) != canonical_options(plain), changed
    assert canonical_options(Options(cache_tags=("a", "b"))) != canonical_options(
        Options(cache_tags=("b", "a"))
    )
