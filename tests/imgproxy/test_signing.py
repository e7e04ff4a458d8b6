"""Signature vectors from imgproxy's docs (signing the URL), rotation and unsigned mode."""

from __future__ import annotations

import pytest

from imgproxy.errors import InvalidSignature, MissingSignature
from imgproxy.signing import SIGNATURE_LOOKS_LIKE_OPTION, Verifier, sign

DOCS_KEY = bytes.fromhex("736563726574")
DOCS_SALT = bytes.fromhex("68656C6C6F")
DOCS_PATH = "/rs:fill:300:400:0/g:sm/aHR0cDovL2V4YW1w/bGUuY29tL2ltYWdl/cy9jdXJpb3NpdHku/anBn.png"
EXAMPLE_KEY = bytes.fromhex("943b421c9eb07c830af81030552c86009268de4e532ba2ee2eab8247c6da0881")
EXAMPLE_SALT = bytes.fromhex("520f986b998545b4785e0defbc4f3c1203f22de2374a3d53cb7a7fe9fea309c5")
EXAMPLE_PATH = "/rs:fit:300:300/plain/http://img.example.com/pretty/image.jpg"


@pytest.mark.parametrize(
    ("key", "salt", "path", "size", "expected"),
    [
        (DOCS_KEY, DOCS_SALT, DOCS_PATH, 32, "oKfUtW34Dvo2BGQehJFR4Nr0_rIjOtdtzJ3QFsUcXH8"),
        (b"test-key", b"test-salt", "/asd", 32, "oWaL7QoW5TsgbuiS9-5-DI8S3Ibbo1gdB2SteJh3a20"),
        (b"test-key", b"test-salt", "/asd", 8, "oWaL7QoW5Ts"),
        (b"test-key2", b"test-salt2", "/asd", 32, "jYz1UZ7j1BCdSzH3pZhaYf0iuz0vusoOTdqJsUT6WXI"),
        (
            EXAMPLE_KEY,
            EXAMPLE_SALT,
            EXAMPLE_PATH,
            32,
            "m3k5QADfcKPDj-SDI2AIogZbC3FlAXszuwhtWXYqavc",
        ),
        (EXAMPLE_KEY, EXAMPLE_SALT, EXAMPLE_PATH, 8, "m3k5QADfcKM"),
    ],
)
def test_reference_vectors(key: bytes, salt: bytes, path: str, size: int, expected: str) -> None:
    assert sign(path, key, salt, size) == expected
    Verifier([key], [salt], size).verify(expected, path)


def test_several_pairs_each_verify() -> None:
    verifier = Verifier([b"test-key", b"test-key2"], [b"test-salt", b"test-salt2"])
    verifier.verify("oWaL7QoW5TsgbuiS9-5-DI8S3Ibbo1gdB2SteJh3a20", "/asd")
    verifier.verify("jYz1UZ7j1BCdSzH3pZhaYf0iuz0vusoOTdqJsUT6WXI", "/asd")


def test_key_of_one_pair_with_salt_of_another_does_not_verify() -> None:
    crossed = sign("/asd", b"test-key", b"test-salt2")
    verifier = Verifier([b"test-key", b"test-key2"], [b"test-salt", b"test-salt2"])
    with pytest.raises(InvalidSignature):
        verifier.verify(crossed, "/asd")


@pytest.mark.parametrize(
    "signature",
    [
        "oWaL7QoW5TsgbuiS9-5-DI8S3Ibbo1gdB2SteJh3a21",
        "oWaL7QoW5TsgbuiS9-5-DI8S3Ibbo1gdB2SteJh3a20=",
        "oWaL7QoW5Ts",
        "",
        "!!!",
    ],
)
def test_wrong_truncated_padded_or_garbled_signatures_fail(signature: str) -> None:
    with pytest.raises(InvalidSignature) as caught:
        Verifier([b"test-key"], [b"test-salt"]).verify(signature, "/asd")
    assert type(caught.value) is InvalidSignature
    assert (caught.value.status, caught.value.message) == (403, "Invalid signature")
    assert "oWaL7QoW5TsgbuiS9-5-DI8S3Ibbo1gdB2SteJh3a20" not in caught.value.message


def test_truncated_size_accepts_only_the_truncated_form() -> None:
    verifier = Verifier([b"test-key"], [b"test-salt"], size=8)
    verifier.verify("oWaL7QoW5Ts", "/asd")
    with pytest.raises(InvalidSignature):
        verifier.verify("oWaL7QoW5TsgbuiS9-5-DI8S3Ibbo1gdB2SteJh3a20", "/asd")


def test_the_docs_final_example_does_not_verify() -> None:
    with pytest.raises(InvalidSignature):
        Verifier([DOCS_KEY, EXAMPLE_KEY], [DOCS_SALT, EXAMPLE_SALT]).verify(
            "AfrOrF3gWeDA6VOlDG4TzxMv39O7MXnF4CXpKUwGqRM", EXAMPLE_PATH
        )


@pytest.mark.parametrize("signature", ["unsafe", "insecure", "_", "anything"])
def test_unsigned_mode_accepts_any_signature_segment(signature: str) -> None:
    Verifier().verify(signature, "/w:100/plain/http://example.com/a.jpg")


def test_unsigned_mode_refuses_an_option_in_place_of_the_signature() -> None:
    with pytest.raises(InvalidSignature) as caught:
        Verifier().verify("rs:fit:300:300", "/plain/http://example.com/a.jpg")
    assert caught.value.message == SIGNATURE_LOOKS_LIKE_OPTION


@pytest.mark.parametrize("signature", ["unsafe", "insecure", "_", "rs:fit:300:300", "plain"])
def test_signed_mode_names_a_missing_signature(signature: str) -> None:
    with pytest.raises(MissingSignature) as caught:
        Verifier([b"test-key"], [b"test-salt"]).verify(signature, "/w:100/plain/local:///a.jpg")
    assert (caught.value.status, caught.value.message) == (403, "Missing signature")


def test_refusals_keep_the_key_and_the_expected_signature_out_of_the_message() -> None:
    expected = sign("/asd", b"test-key", b"test-salt")
    for signature in ("unsafe", "AAAA", "!!!", expected[:-1] + "A"):
        with pytest.raises(InvalidSignature) as caught:
            Verifier([b"test-key"], [b"test-salt"]).verify(signature, "/asd")
        error = caught.value
        for secret in (expected, "test-key", b"test-key".hex(), "test-salt"):
            assert secret not in error.message
            assert secret not in error.detail


def test_a_trusted_signature_is_accepted_even_if_it_reads_as_unsigned() -> None:
    Verifier([b"test-key"], [b"test-salt"], trusted=["unsafe"]).verify("unsafe", "/asd")
