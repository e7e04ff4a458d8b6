"""thumbor signatures: the documentation's vectors, libthumbor, and the replace bypass."""

from __future__ import annotations

import pytest
from libthumbor import CryptoURL

from imgproxy.errors import InvalidPath, InvalidSignature
from imgproxy.thumbor.signing import ThumborVerifier, sign, split_signature

VECTORS = [
    (
        "my-security-key",
        "300x200/my.server.com/some/path/to/image.jpg",
        "8ammJH8D-7tXy6kU3lTvoXlhu4o=",
    ),
    (
        "my-security-key",
        "meta/my.server.com/some/path/to/image.jpg",
        "Ps3ORJDqxlSQ8y00T29GdNAh2CY=",
    ),
    (
        "my-security-key",
        "smart/my.server.com/some/path/to/image.jpg",
        "-2NHpejRK2CyPAm61FigfQgJBxw=",
    ),
    (
        "my-security-key",
        "fit-in/my.server.com/some/path/to/image.jpg",
        "uvLnA6TJlF-Cc-L8z9pEtfasO3s=",
    ),
    (
        "my-security-key",
        "filters:brightness(10):contrast(20)/my.server.com/some/path/to/image.jpg",
        "ZZtPCw-BLYN1g42Kh8xTcRs0Qls=",
    ),
    ("MY_SECURE_KEY", "300x200/smart/my.domain.com/some/image.jpg", "-1It8Oo49bLMasfTQ8jt_vPiMPk="),
    ("31337", "filters:brightness(42,88):sun(43)/i.jpg", "k7ZKdIDzfFtf45nIYc12qwcdci4="),
    (
        "mysecret",
        "500x500/top/raw.githubusercontent.com/cshum/imagor/master/testdata/gopher.png",
        "cST4Ko5_FqwT3BDn-Wf4gO3RFSk=",
    ),
]


@pytest.mark.parametrize(("key", "path", "expected"), VECTORS)
def test_documented_vectors(key: str, path: str, expected: str) -> None:
    assert sign(key, path) == expected
    ThumborVerifier(key).verify(expected, path)


def test_the_documented_url_verifies_as_sent() -> None:
    url = "/8ammJH8D-7tXy6kU3lTvoXlhu4o=/300x200/my.server.com/some/path/to/image.jpg"
    signature, rest = split_signature(url)
    assert signature == "8ammJH8D-7tXy6kU3lTvoXlhu4o="
    ThumborVerifier("my-security-key").verify(signature, rest)


def test_libthumbor_urls_verify() -> None:
    crypto = CryptoURL(key="MY_SECURE_KEY")
    url = crypto.generate(
        width=120,
        height=80,
        fit_in=True,
        filters=["quality(40)", "watermark(a.com/w.png,10,-10,50)"],
        image_url="http%3A%2F%2Fexample.com%2Fa%20b.jpg",
    )
    ThumborVerifier("MY_SECURE_KEY").verify(*split_signature(url))


def test_signature_covers_the_still_encoded_path() -> None:
    encoded = "300x200/example.com/a%20b.jpg"
    verifier = ThumborVerifier("k")
    verifier.verify(sign("k", encoded), encoded)
    with pytest.raises(InvalidSignature):
        verifier.verify(sign("k", "300x200/example.com/a b.jpg"), encoded)


def test_padding_is_required_but_may_be_percent_encoded() -> None:
    path = "300x200/my.server.com/some/path/to/image.jpg"
    verifier = ThumborVerifier("my-security-key")
    verifier.verify("8ammJH8D-7tXy6kU3lTvoXlhu4o%3D", path)
    with pytest.raises(InvalidSignature) as caught:
        verifier.verify("8ammJH8D-7tXy6kU3lTvoXlhu4o", path)
    assert caught.value.message == "Invalid signature"


def test_replace_bypass_is_refused() -> None:
    """CVE-2026-53501: removing every `/HASH/` (not just the leading one) made this path
    verify against the signature of a different one."""
    key, signed = "k", "300x200/host/a.jpg"
    signature = sign(key, signed)
    crafted = f"/{signature}/300x200/{signature}//host/a.jpg"
    assert crafted.replace(f"/{signature}/", "") == signed  # what the old check compared
    with pytest.raises(InvalidSignature):
        ThumborVerifier(key).verify(*split_signature(crafted))


def test_unsafe_only_when_allowed() -> None:
    ThumborVerifier(allow_unsafe=True).verify("unsafe", "300x200/a.jpg")
    with pytest.raises(InvalidSignature, match="Unsafe URLs are not allowed"):
        ThumborVerifier("key").verify("unsafe", "300x200/a.jpg")
    with pytest.raises(InvalidSignature) as caught:
        ThumborVerifier(allow_unsafe=True).verify(sign("key", "a.jpg"), "a.jpg")
    assert caught.value.message == "Signed URLs are not enabled"


@pytest.mark.parametrize("path", ["/", "/onlyhash", "/hash/", "//a.jpg"])
def test_paths_without_signature_or_image(path: str) -> None:
    with pytest.raises(InvalidPath):
        split_signature(path)
