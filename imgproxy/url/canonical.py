"""The canonical form of `Options`: one spelling per request, whatever the URL said.

Cache keys digest it (`cache.keys`), so every byte of it is pinned
(`tests/cache/test_keys_golden.py`). Every row of the registry is in it:

* the generator's path segments, defaults included, in its order: `rt:fit/ra:lanczos3/w:300/...`
  (rows added after the keys were pinned, `registry.later`, only once off their defaults, so
  that a new option changes no existing key);
* then, when a thumbor URL set any thumbor-only field, `|thumbor:` and the literals of those
  fields as a tuple: `|thumbor:(None, (), 1, ())`;
* and when a value cannot be written in a path at all (a `:` in a cachebuster read with another
  separator), the literal of the whole record instead: `Options(resizing_type=..., ...)`;
* then, for each chained pipeline, `/-/` and the segments it sets (or its record's literal).
"""

from __future__ import annotations

from imgproxy.url import literals as lit
from imgproxy.url.generator import UnwritableValue, generate_options
from imgproxy.url.options import DEFAULT_OPTIONS, Options
from imgproxy.url.registry import ROWS, THUMBOR_ROWS

DEFAULTS = DEFAULT_OPTIONS
RECORDS = {"": "Options", "limits": "SecurityLimits"}
"""The class name each nested record of `Options` is spelled with."""


def canonical_options(options: Options) -> str:
    try:
        text = "/".join(generate_options(options, full=True))
    except UnwritableValue:
        return options_literal(options) + chained_text(options)
    extras = thumbor_literal(options)
    text = f"{text}|thumbor:{extras}" if extras else text
    return text + chained_text(options) if options.chained else text


def chained_text(options: Options) -> str:
    """`/-/` and each chained pipeline's own segments, only those off their defaults."""
    parts = []
    for pipeline in options.chained:
        try:
            parts.append("/".join(["", "-", *generate_options(pipeline)]))
        except UnwritableValue:
            parts.append("/-/" + options_literal(pipeline))
    return "".join(parts)


def thumbor_literal(options: Options) -> str:
    """The thumbor-only fields as a tuple literal; '' when all are at their defaults."""
    if all(row.values(options) == row.values(DEFAULTS) for row in THUMBOR_ROWS):
        return ""
    keyed = (row for row in THUMBOR_ROWS if row.keyed(options))
    return lit.tuple_of([text for row in keyed for text in row.literals(options)])


def options_literal(options: Options) -> str:
    """`Options(field=literal, ...)` in the registry's (the record's) field order."""
    records: dict[str, dict[str, str]] = {"": {}}
    for row in (row for row in ROWS if row.keyed(options)):
        for item, text in zip(row.fields, row.literals(options), strict=True):
            outer, _, inner = item.path.rpartition(".")
            if outer not in records:
                records[outer] = {}
                records[""][outer] = ""
            records[outer][inner] = text
    for outer, fields in records.items():
        if outer:
            records[""][outer] = lit.record(RECORDS[outer], **fields)
    return lit.record(RECORDS[""], **records[""])
