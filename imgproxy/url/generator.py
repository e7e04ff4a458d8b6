"""Options back into a path: the inverse of the parser (`parse(generate(x)) == x`)."""

from __future__ import annotations

import operator

from imgproxy.url import literals as lit
from imgproxy.url.options import DEFAULT_OPTIONS, ImageRequest, Options
from imgproxy.url.pipelines import PIPELINE_SEPARATOR
from imgproxy.url.registry import BY_NAME, ROWS, OptionRow
from imgproxy.url.source import encode_base64, encode_plain

DEFAULTS = DEFAULT_OPTIONS
FORMAT = BY_NAME["format"]
WRITTEN: tuple[OptionRow, ...] = (
    *(row for row in ROWS if row.in_path and row.fields and row is not FORMAT),
    FORMAT,
)
"""The registry's rows that set fields, in its order but the format last: a path usually says
the format as the source's extension instead."""
UNTOUCHED = [row.values(DEFAULTS) for row in WRITTEN]
"""Each row's default values: an `Options` whose row holds these very objects says the
defaults, and its segment is written once per separator."""
OWN_ATTRIBUTES = [frozenset(item.path.partition(".")[0] for item in row.fields) for row in WRITTEN]
"""The attributes of `Options` each row reads (`limits` for `limits.max_src_file_size`)."""
SAID_AT_DEFAULT = [
    row.keyed_at_default and any(value is not None for value in values)
    for row, values in zip(WRITTEN, UNTOUCHED, strict=True)
]
"""Whether the full form writes a row that holds its defaults."""
DEFAULT_ATTRIBUTES = vars(DEFAULTS)
ROWS_READING: dict[str, tuple[int, ...]] = {
    name: tuple(index for index, names in enumerate(OWN_ATTRIBUTES) if name in names)
    for name in DEFAULT_ATTRIBUTES
}
"""Each attribute of `Options` to the indexes of the rows that read it."""
FORMAT_INDEX = WRITTEN.index(FORMAT)
NOTHING_SAID: list[str | None] = [None] * len(WRITTEN)
_default_segments: dict[str, list[str | None]] = {}


class UnwritableValue(ValueError):
    """A value the path grammar cannot write with this separator."""


def segment(row: OptionRow, options: Options, separator: str) -> str:
    written = row.write(options)
    if any("/" in part or separator in part for part in written):
        literals = row.literals(options)
        shown = literals[0] if len(literals) == 1 else lit.tuple_of(literals)
        raise UnwritableValue(f"{row.fields[0].path} value {shown} cannot be written in a path")
    return separator.join([row.short, *written])


def generate_options(
    options: Options, separator: str = ":", *, full: bool = False, with_format: bool = True
) -> list[str]:
    """Option segments in one fixed order; only non-default ones unless `full`. Only the rows
    reading an attribute that does not hold the defaults' very object are looked at: every
    other row says its defaults, written once per separator."""
    segments = list(_untouched_segments(separator) if full else NOTHING_SAID)
    for index in _touched_rows(options):
        if not _holds_defaults(index, options):
            segments[index] = _changed_segment(index, options, separator, full=full)
    if not with_format:
        segments[FORMAT_INDEX] = None
    return [found for found in segments if found is not None]


def _touched_rows(options: Options) -> list[int]:
    """The indexes in `WRITTEN` of the rows reading an attribute `options` changed, in order."""
    indexes = {index for name in touched_attributes(options) for index in ROWS_READING[name]}
    return sorted(indexes)


def _changed_segment(index: int, options: Options, separator: str, *, full: bool) -> str | None:
    row = WRITTEN[index]
    values = row.values(options)
    if all(value is None for value in values):
        return None
    if not full and values == row.values(DEFAULTS):
        return None
    if full and not row.keyed(options):
        return None
    return segment(row, options, separator)


def touched_attributes(options: Options) -> set[str]:
    """The attributes of `options` that do not hold the defaults' very objects: a row reading
    none of them holds its defaults."""
    return {name for name, value in vars(options).items() if value is not DEFAULT_ATTRIBUTES[name]}


def _holds_defaults(index: int, options: Options) -> bool:
    """The row at `index` holds the defaults' very objects (a nested record was replaced, but
    not this row's field of it)."""
    return all(map(operator.is_, WRITTEN[index].values(options), UNTOUCHED[index]))


def _untouched_segments(separator: str) -> list[str | None]:
    """What the full form writes for each row holding its defaults (None: nothing)."""
    found = _default_segments.get(separator)
    if found is None:
        found = _default_segments[separator] = [
            segment(row, DEFAULTS, separator) if said else None
            for row, said in zip(WRITTEN, SAID_AT_DEFAULT, strict=True)
        ]
    return found


def generate_path(request: ImageRequest, separator: str = ":", *, base64: bool = False) -> str:
    """A path without the signature, starting with '/': what gets signed."""
    options = request.options
    extension = options.format.extension if options.format and not options.raw else ""
    segments = generate_options(options, separator, with_format=bool(options.raw))
    for pipeline in options.chained:
        segments += [PIPELINE_SEPARATOR, *generate_options(pipeline, separator)]
    source = (
        encode_base64(request.source, extension)
        if base64
        else encode_plain(request.source, extension)
    )
    return "/" + "/".join([*segments, source])
