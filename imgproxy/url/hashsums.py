"""imgproxy Pro's `hashsum:%type:%hex`, shared by images and `/info`: the hash types, the
expected value a URL names, and how it is read, written and spelled. Standard library only."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from imgproxy.url import args as a


class Hashsum(StrEnum):
    MD5 = "md5"
    SHA1 = "sha1"
    SHA256 = "sha256"
    SHA512 = "sha512"

    @property
    def hex_length(self) -> int:
        return HEX_LENGTHS[self]


HEX_LENGTHS = {Hashsum.MD5: 32, Hashsum.SHA1: 40, Hashsum.SHA256: 64, Hashsum.SHA512: 128}
HASHSUMS = {member.value: member for member in Hashsum}
NO_HASHSUM = "none"
HEX_DIGITS = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class ExpectedHashsum:
    """`hashsum:%type:%hex`: the source's bytes must hash to `value` (a 422 otherwise)."""

    type: Hashsum
    value: str
    """Lower-case hex."""


def read_expected_hashsum(values: list[str]) -> ExpectedHashsum | None:
    """`none` (the hex may then be left out) or a type and its hex digest, any case."""
    a.check_count("hashsum", values, 2)
    if values[0].lower() == NO_HASHSUM:
        return None
    kind = HASHSUMS.get(values[0].lower())
    if kind is None:
        raise a.expected(f"one of {NO_HASHSUM}, {', '.join(HASHSUMS)}", "hashsum type", values[0])
    value = values[1].lower() if len(values) > 1 else ""
    if len(value) != kind.hex_length or not set(value) <= HEX_DIGITS:
        raise a.expected(f"{kind.hex_length} hex digits", f"{kind.value} hashsum", value)
    return ExpectedHashsum(kind, value)


def hashsum_args(expected: ExpectedHashsum | None) -> list[str]:
    return [NO_HASHSUM] if expected is None else [expected.type.value, expected.value]


def hashsum_literal(expected: ExpectedHashsum | None) -> str:
    """The canonical form's spelling, as `imgproxy.url.literals` spells records (the type and
    the hex digits never need quoting or escapes)."""
    if expected is None:
        return "None"
    kind = f"<Hashsum.{expected.type.name}: '{expected.type.value}'>"
    return f"ExpectedHashsum(type={kind}, value='{expected.value}')"
