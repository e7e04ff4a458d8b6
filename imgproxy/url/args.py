"""Validation of option arguments, with one message format for every failure:

Expected integer 0..65535 for width but received 'abc'
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

MAX_DIMENSION = 65535
TRUE_WORDS = frozenset({"1", "t", "true"})
FALSE_WORDS = frozenset({"0", "f", "false"})
EnumT = TypeVar("EnumT", bound=StrEnum)
MAX_NUMBER_CHARS = 32
"""Longer spellings of a number are refused unread: no value in any option's range needs them,
and Python refuses to convert an integer string of more than 4,300 digits."""
MAX_SHOWN_CHARS = 40
INTEGER = re.compile(r"[+-]?[0-9]+")
DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


class ArgumentError(ValueError):
    """An option argument does not fit; the message is public."""


def shown(value: str, most: int = MAX_SHOWN_CHARS) -> str:
    """`value` as a message quotes it: cut short when long, so messages stay short."""
    return value if len(value) <= most else f"{value[:most]}... ({len(value)} characters)"


def expected(what: str, name: str, value: str) -> ArgumentError:
    return ArgumentError(f"Expected {what} for {name} but received '{shown(value)}'")


def check_count(name: str, args: list[str], most: int, least: int = 1) -> None:
    if not least <= len(args) <= most:
        wanted = f"{least}..{most}" if least != most else str(most)
        raise ArgumentError(f"Expected {wanted} arguments for {name} but received {len(args)}")


def integer(name: str, value: str, low: int = 0, high: int = MAX_DIMENSION) -> int:
    readable = len(value) <= MAX_NUMBER_CHARS and INTEGER.fullmatch(value)
    number = int(value) if readable else low - 1
    if not low <= number <= high:
        raise expected(f"integer {low}..{high}", name, value)
    return number


def number(
    name: str, value: str, *, low: float = 0.0, high: float = math.inf, low_inclusive: bool = True
) -> float:
    readable = len(value) <= MAX_NUMBER_CHARS and DECIMAL.fullmatch(value)
    parsed = float(value) if readable else math.nan
    in_range = (parsed >= low if low_inclusive else parsed > low) and parsed <= high
    if not math.isfinite(parsed) or not in_range:
        bounds = f"{'' if low_inclusive else '>'}{low:g}..{high:g}"
        raise expected(f"number {bounds}", name, value)
    return parsed


def boolean(name: str, value: str) -> bool:
    lowered = value.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise expected("boolean (1, t, true, 0, f, false)", name, value)


def choice(name: str, value: str, table: Mapping[str, EnumT]) -> EnumT:
    try:
        return table[value]
    except KeyError:
        raise expected(f"one of {', '.join(table)}", name, value) from None


HEX_COLOR = re.compile(r"[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3}")


def hex_color(name: str, value: str) -> tuple[int, int, int]:
    if not HEX_COLOR.fullmatch(value):
        raise expected("hex colour (RRGGBB)", name, value)
    digits = value if len(value) == 6 else "".join(char * 2 for char in value)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)
