"""`python -m imgproxy sign` refuses keys that cannot sign, in one line on stderr and exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from imgproxy.signing import SigningKeyError, Verifier, read_key_pairs

ROOT = Path(__file__).resolve().parents[2]
KEY, SALT = b"cli-key".hex(), b"cli-salt".hex()
SOURCE = "https://example.com/a.jpg"
NO_KEY = (
    "error: no signing key: pass --key and --salt (or set IMGPROXY_KEY and IMGPROXY_SALT), "
    "or --unsigned for an /unsafe/ URL"
)


def sign_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    inherited = {name: value for name, value in os.environ.items() if "IMGPROXY_" not in name}
    return subprocess.run(
        [sys.executable, "-m", "imgproxy", "sign", SOURCE, "w:10", *args],
        cwd=ROOT,
        env=inherited | env,
        capture_output=True,
        text=True,
        check=False,
    )


def assert_refused(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert (result.returncode, result.stdout, result.stderr) == (2, "", message + "\n")


def test_no_key_is_refused() -> None:
    assert_refused(sign_cli(), NO_KEY)


@pytest.mark.parametrize(
    "env", [{"IMGPROXY_KEY": "", "IMGPROXY_SALT": ""}, {"IMGPROXY_KEY": " , "}]
)
def test_empty_keys_are_no_key(env: dict[str, str]) -> None:
    assert_refused(sign_cli(**env), NO_KEY)


def test_unsigned_prints_the_unsafe_path_even_with_a_key_in_the_environment() -> None:
    expected = f"/unsafe/w:10/plain/{SOURCE}\n"
    for env in ({}, {"IMGPROXY_KEY": KEY, "IMGPROXY_SALT": SALT}):
        result = sign_cli("--unsigned", **env)
        assert (result.returncode, result.stdout, result.stderr) == (0, expected, "")


@pytest.mark.parametrize("flag", ["--key", "--salt"])
def test_unsigned_with_a_key_flag_is_refused(flag: str) -> None:
    result = sign_cli("--unsigned", flag, KEY)
    assert_refused(result, "error: --unsigned cannot be combined with --key or --salt")


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--key", "zz", "--salt", SALT], {}, "error: --key must be hex"),
        (["--key", KEY, "--salt", "abc"], {}, "error: --salt must be hex"),
        ([], {"IMGPROXY_KEY": "not hex", "IMGPROXY_SALT": SALT}, "error: IMGPROXY_KEY must be hex"),
        ([], {"IMGPROXY_KEY": KEY, "IMGPROXY_SALT": "0xff"}, "error: IMGPROXY_SALT must be hex"),
    ],
)
def test_a_key_or_salt_that_is_not_hex_is_one_line(
    args: list[str], env: dict[str, str], message: str
) -> None:
    assert_refused(sign_cli(*args, **env), message + " (digits 0-9 and a-f, two per byte)")


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--key", KEY], {}, "--key is set but IMGPROXY_SALT is not"),
        (["--salt", SALT], {}, "--salt is set but IMGPROXY_KEY is not"),
        ([], {"IMGPROXY_KEY": KEY}, "IMGPROXY_KEY is set but IMGPROXY_SALT is not"),
        ([], {"IMGPROXY_SALT": SALT}, "IMGPROXY_SALT is set but IMGPROXY_KEY is not"),
        (["--key", KEY, "--salt", ""], {"IMGPROXY_SALT": SALT}, "--key is set but --salt is not"),
    ],
)
def test_a_key_without_its_salt_is_refused(
    args: list[str], env: dict[str, str], message: str
) -> None:
    assert_refused(sign_cli(*args, **env), f"error: {message}: each key needs its salt")


def test_unequal_key_and_salt_lists_are_refused() -> None:
    result = sign_cli(IMGPROXY_KEY=f"{KEY},{KEY}", IMGPROXY_SALT=SALT)
    assert_refused(
        result, "error: IMGPROXY_KEY has 2 entries but IMGPROXY_SALT has 1: they are used in pairs"
    )


@pytest.mark.parametrize("size", ["x", "0", "33"])
def test_a_bad_signature_size_is_one_line(size: str) -> None:
    result = sign_cli(IMGPROXY_KEY=KEY, IMGPROXY_SALT=SALT, IMGPROXY_SIGNATURE_SIZE=size)
    assert_refused(result, f"error: IMGPROXY_SIGNATURE_SIZE must be 1..32, got {size!r}")


def test_a_flag_pairs_with_the_environment() -> None:
    result = sign_cli("--key", KEY, IMGPROXY_SALT=SALT)
    assert (result.returncode, result.stderr) == (0, "")
    signature, _, path = result.stdout.strip().removeprefix("/").partition("/")
    assert path == f"w:10/plain/{SOURCE}"
    Verifier([bytes.fromhex(KEY)], [bytes.fromhex(SALT)]).verify(signature, "/" + path)


def test_read_key_pairs_pairs_in_order_and_skips_blanks() -> None:
    assert read_key_pairs("aa, bb,", "cc,dd") == [(b"\xaa", b"\xcc"), (b"\xbb", b"\xdd")]
    assert read_key_pairs("", " ") == []
    with pytest.raises(SigningKeyError, match=r"^KEY must be hex"):
        read_key_pairs("xyz", "cc", ("KEY", "SALT"))
