"""`name(arg,arg):name(arg)` into filter calls, in linear time and with bounded sizes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from imgproxy.errors import InvalidOption

MAX_FILTERS = 32
MAX_CALL_CHARS = 4096
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
"""A Python identifier, as thumbor's own and custom filters are named (any case, any length)."""


@dataclass(frozen=True)
class FilterCall:
    name: str
    args: tuple[str, ...]


def split_args(text: str) -> tuple[str, ...]:
    """Comma-separated, whitespace-trimmed; a 'single-quoted' argument may hold commas."""
    if not text.strip():
        return ()
    args: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == "'":
            quoted = not quoted
        elif char == "," and not quoted:
            args.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    args.append("".join(current).strip())
    return tuple(arg[1:-1] if len(arg) > 1 and arg[0] == arg[-1] == "'" else arg for arg in args)


def parse_calls(text: str) -> tuple[FilterCall, ...]:
    """`text` is what follows `filters:` up to and including the last `)`."""
    pieces = text.split("):", MAX_FILTERS)
    if len(pieces) > MAX_FILTERS:
        raise InvalidOption(f"Expected at most {MAX_FILTERS} filters")
    calls = []
    for index, raw in enumerate(pieces):
        piece = raw.removesuffix(")") if index == len(pieces) - 1 else raw
        if len(piece) > MAX_CALL_CHARS:
            raise InvalidOption(f"Filter is longer than {MAX_CALL_CHARS} characters")
        name, paren, inside = piece.partition("(")
        if not paren or not NAME.fullmatch(name):
            raise InvalidOption(f"Invalid filter: {piece[:40]}")
        calls.append(FilterCall(name, split_args(inside)))
    return tuple(calls)
