"""Presets: named lists of options from IMGPROXY_PRESETS (`name=opt/opt,...`) or a file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from imgproxy.url.pipelines import PIPELINE_SEPARATOR

RawOption = tuple[str, tuple[str, ...]]
Preset = tuple[RawOption, ...]


class PresetError(ValueError):
    """A preset definition cannot be read."""


def split_options(segments: list[str], separator: str) -> tuple[list[RawOption], list[str]]:
    """Read `name:arg:arg` segments, and `-` (the next chained pipeline, as `("-", ())`),
    until the first other segment without a separator.

    Returns the options and the remaining segments (where the source URL starts).
    """
    options: list[RawOption] = []
    for index, segment in enumerate(segments):
        if segment == PIPELINE_SEPARATOR:
            options.append((PIPELINE_SEPARATOR, ()))
            continue
        name, *args = segment.split(separator)
        if not args:
            return options, segments[index:]
        options.append((name, tuple(args)))
    return options, []


def parse_presets(lines: Iterable[str], separator: str = ":") -> Mapping[str, Preset]:
    presets: dict[str, Preset] = {}
    for line in lines:
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        name, equals, value = (part.strip() for part in text.partition("="))
        if not equals or not name or not value or "=" in value:
            raise PresetError(f"Invalid preset {text!r}: expected name=option/option")
        options, rest = split_options(value.split("/"), separator)
        if rest:
            raise PresetError(f"Invalid preset {text!r}: {rest[0]!r} is not an option")
        presets[name] = tuple(options)
    return presets
