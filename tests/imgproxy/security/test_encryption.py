"""Encrypted source URLs: imgproxy's vector, key sizes, one error for every failure."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from imgproxy.errors import InvalidPath
from imgproxy.security.encryption import (
    decode_encrypted,
    decrypt_source,
    derive_iv,
    encode_encrypted,
    encrypt_source,
)
from imgproxy.security.encryption_key import check_key

# The test vector of imgproxy's docs/usage/encrypting_source_url.mdx
KEY = bytes.fromhex("1eb5b0e971ad7f45324c1bb15c947cb207c43152fa5c6c7f35c4f36e0c18e0f1")
IV = bytes.fromhex("a79563a2b35d86cee6451c3c800f535a")
URL = "http://example.com/images/curiosity.jpg"
TOKEN = "p5VjorNdhs7mRRw8gA9TWoRlGci3l1kuzqN43UQlRaRIQ0qtBKW3qFABIsx-ZRz_cVc8iVTYbhsNsxNBL1BHaQ"
INVALID = "Invalid encrypted source URL"


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_reference_vector():
    assert decrypt_source(TOKEN, KEY) == URL
    assert encrypt_source(URL, KEY, IV) == TOKEN


def test_vector_split_by_slashes_with_extension():
    segments = [TOKEN[:20], TOKEN[20:50], TOKEN[50:] + ".png"]
    assert decode_encrypted(segments, KEY) == (URL, "png")
    assert decode_encrypted([TOKEN], KEY) == (URL, "")
    assert decrypt_source(TOKEN + "==", KEY) == URL  # padding is tolerated, as in imgproxy


@pytest.mark.parametrize("size", [16, 24, 32])
def test_every_aes_key_size_round_trips(size):
    key = bytes(range(size))
    for url in [URL, "s3://bucket/ключ.jpg", "x" * 16, "local:///a b?c#d"]:
        assert decrypt_source(encrypt_source(url, key), key) == url


def test_deterministic_iv_is_stable_and_per_url():
    iv_key = b"another key for the IVs"
    first = encrypt_source(URL, KEY, iv_key=iv_key)
    assert first == encrypt_source(URL, KEY, iv_key=iv_key)
    assert base64.urlsafe_b64decode(first + "==")[:16] == derive_iv(URL, iv_key)
    assert first != encrypt_source(URL + "?", KEY, iv_key=iv_key)
    assert first != encrypt_source(URL, KEY)  # the IV key defaults to the encryption key
    assert encrypt_source(URL, KEY) == encrypt_source(URL, KEY)
    assert encode_encrypted(URL, KEY, "webp") == f"enc/{encrypt_source(URL, KEY)}.webp"


def flip(token: str, index: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token + "=="))
    raw[index] ^= 0x01
    return b64(bytes(raw))


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param(TOKEN[:-1], id="truncated by a character"),
        pytest.param(b64(base64.urlsafe_b64decode(TOKEN + "==")[:-16]), id="truncated by a block"),
        pytest.param(b64(base64.urlsafe_b64decode(TOKEN + "==")[:16]), id="IV only"),
        pytest.param(b64(base64.urlsafe_b64decode(TOKEN + "==")[:40]), id="partial block"),
        pytest.param(flip(TOKEN, 47), id="bad padding (last byte)"),
        pytest.param(flip(TOKEN, 63), id="bad padding (flipped)"),
        pytest.param(encrypt_source("", KEY), id="empty URL"),
        pytest.param(TOKEN.replace("-", "+"), id="standard alphabet"),
        pytest.param(TOKEN + "!", id="foreign character"),
        pytest.param("", id="empty"),
        pytest.param("=", id="only padding"),
        pytest.param("A", id="one character"),
    ],
)
def test_every_failure_raises_the_same_error(encoded):
    with pytest.raises(InvalidPath) as raised:
        decrypt_source(encoded, KEY)
    assert (raised.value.status, raised.value.message) == (400, INVALID)
    assert "padding" not in raised.value.message


def test_tampered_iv_changes_the_first_block():
    # CBC: flipping an IV bit flips the same plaintext bit; the result is still valid here
    assert decrypt_source(flip(TOKEN, 0), KEY) == "ittp://example.com/images/curiosity.jpg"


def test_wrong_key_raises_the_same_error():
    for key in [bytes(32), KEY[:16], KEY[:24], bytes(reversed(KEY))]:
        with pytest.raises(InvalidPath, match=INVALID):
            decrypt_source(TOKEN, key)


def test_invalid_utf8_raises_the_same_error():
    key = bytes(16)
    padder = padding.PKCS7(128).padder()
    plain = padder.update(b"http://\xff\xfe/") + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(IV)).encryptor()
    token = b64(IV + encryptor.update(plain) + encryptor.finalize())
    with pytest.raises(InvalidPath, match=INVALID):
        decrypt_source(token, key)


def test_multiple_extensions():
    with pytest.raises(InvalidPath, match="Multiple formats are specified"):
        decode_encrypted([TOKEN + ".png.jpg"], KEY)


@pytest.mark.parametrize("size", [0, 8, 15, 17, 31, 33, 64])
def test_bad_key_sizes_are_configuration_errors(size):
    message = f"Expected a 16, 24 or 32 byte source URL encryption key but received {size} bytes"
    with pytest.raises(ValueError, match=message):
        check_key(bytes(size))
    with pytest.raises(ValueError, match=message):
        decrypt_source(TOKEN, bytes(size))


def test_bad_iv_size():
    with pytest.raises(ValueError, match="Expected a 16 byte IV but received 8 bytes"):
        encrypt_source(URL, KEY, bytes(8))
