"""Every info option, once: its names (full name first, then the short one the generator
writes), its reader, and how it is written back; the generator and the canonical form (the
input to the cache key) walk `ROWS`. Standard library only."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from imgproxy.url import args as a
from imgproxy.url import info_readers as r
from imgproxy.url import writers as w
from imgproxy.url.hashsums import NO_HASHSUM
from imgproxy.url.info_options import DEFAULT_INFO_OPTIONS, InfoOptions
from imgproxy.url.info_readers import Reader

Writer = Callable[[InfoOptions], list[str]]


@dataclass(frozen=True)
class InfoRow:
    names: tuple[str, ...]
    read: Reader
    fields: tuple[str, ...] = ()
    """The `InfoOptions` fields it sets; none for an option that only takes values this server
    ignores (video thumbnails) or refuses."""
    write: Writer | None = None
    security: bool = False
    keyed_at_default: bool = True
    """False for rows added after cache keys were pinned: out of the canonical form while at
    their defaults, so adding one moves no existing key."""

    @property
    def name(self) -> str:
        return self.names[0]

    @property
    def short(self) -> str:
        return self.names[1] if len(self.names) > 1 else self.names[0]

    def values(self, options: InfoOptions) -> list[object]:
        return [_get(options, name) for name in self.fields]


def _get(options: InfoOptions, path: str) -> object:
    value: object = options
    for part in path.split("."):
        value = getattr(value, part)
    return value


def write_flag(name: str) -> Writer:
    return lambda options: [w.flag(bool(_get(options, name)))]


def write_flags(*names: str) -> Writer:
    return lambda options: [w.flag(bool(_get(options, name))) for name in names]


def write_crop(options: InfoOptions) -> list[str]:
    return w.crop_args(options.crop)


def write_hashsum(options: InfoOptions) -> list[str]:
    found = options.hashsum
    return [NO_HASHSUM] if found is None else [found.type.value, found.value]


def write_whole(path: str) -> Writer:
    return lambda options: [str(_get(options, path))]


def _boolean_row(names: tuple[str, ...], name: str, default: bool) -> InfoRow:
    return InfoRow(names, r.flag(name, default), (name,), write_flag(name))


def _pair_row(names: tuple[str, ...], second: str, defaults: tuple[bool, bool]) -> InfoRow:
    name = names[0]
    return InfoRow(
        names, r.flag_pair(name, second, defaults), (name, second), write_flags(name, second)
    )


ROWS: tuple[InfoRow, ...] = (
    _boolean_row(("size", "s"), "size", True),
    _boolean_row(("format", "f"), "format", True),
    _boolean_row(("dimensions", "d"), "dimensions", True),
    _pair_row(("exif",), "exif_canonical_names", (True, False)),
    _boolean_row(("iptc",), "iptc", True),
    _boolean_row(("xmp",), "xmp", True),
    _boolean_row(("video_meta", "vm"), "video_meta", True),
    InfoRow(
        ("detect_objects", "do"),
        r.flag("detect_objects", False),
        ("detect_objects",),
        write_flag("detect_objects"),
        keyed_at_default=False,
    ),
    InfoRow(("classify", "cl"), r.read_classify),
    _boolean_row(("colorspace", "cs"), "colorspace", False),
    _boolean_row(("bands", "b"), "bands", False),
    _boolean_row(("sample_format", "sf"), "sample_format", False),
    _boolean_row(("pages_number", "pn"), "pages_number", False),
    _pair_row(("alpha", "a"), "check_transparency", (False, False)),
    InfoRow(("crop", "c"), r.read_crop, ("crop",), write_crop),
    InfoRow(("palette", "p"), r.read_palette, ("palette",), write_whole("palette")),
    _pair_row(("average", "avg"), "average_ignore_transparent", (False, True)),
    _pair_row(("dominant_colors", "dc"), "dominant_colors_build_missed", (False, False)),
    InfoRow(
        ("blurhash", "bh"),
        r.read_blurhash,
        ("blurhash",),
        lambda options: [str(count) for count in options.blurhash],
    ),
    _boolean_row(("thumb_hash", "th"), "thumb_hash", False),
    _boolean_row(("perceptual_hash", "phash", "ph"), "perceptual_hash", False),
    InfoRow(
        ("calc_hashsums", "chs"),
        r.read_calc_hashsums,
        ("calc_hashsums",),
        lambda options: [kind.value for kind in options.calc_hashsums] or [""],
    ),
    InfoRow(("page", "pg"), r.read_page, ("page",), write_whole("page")),
    InfoRow(("video_thumbnail_second", "vts"), r.read_video_thumbnail_second),
    InfoRow(("video_thumbnail_keyframes", "vtk"), r.read_video_thumbnail_keyframes),
    InfoRow(
        ("cachebuster", "cb"),
        r.read_cachebuster,
        ("cachebuster",),
        lambda options: [options.cachebuster],
    ),
    _boolean_row(("bypass_cache", "bc"), "bypass_cache", False),
    InfoRow(
        ("cache_tags", "ct"),
        r.read_cache_tags,
        ("cache_tags",),
        lambda options: list(options.cache_tags) or [""],
    ),
    InfoRow(
        ("expires", "exp"),
        r.read_expires,
        ("expires",),
        lambda options: [str(options.expires or 0)],
    ),
    InfoRow(("hashsum", "hs"), r.read_hashsum, ("hashsum",), write_hashsum),
    InfoRow(
        ("max_src_resolution", "msr"),
        r.read_max_src_resolution,
        ("limits.max_src_resolution",),
        lambda options: [w.number(options.limits.max_src_resolution or 0)],
        security=True,
    ),
    InfoRow(
        ("max_src_file_size", "msfs"),
        r.read_max_src_file_size,
        ("limits.max_src_file_size",),
        lambda options: [str(options.limits.max_src_file_size or 0)],
        security=True,
    ),
)

INFO_ROWS_BY_NAME: dict[str, InfoRow] = {name: row for row in ROWS for name in row.names}
"""Every info option name and alias, to its row."""
INFO_SECURITY_OPTIONS = frozenset(name for row in ROWS if row.security for name in row.names)
INFO_PRESET_OPTIONS = frozenset({"preset", "pr"})
WRITTEN_ROWS = tuple(row for row in ROWS if row.write is not None)
DEFAULT_VALUES = [row.values(DEFAULT_INFO_OPTIONS) for row in WRITTEN_ROWS]


def read_info_option(options: InfoOptions, name: str, values: list[str]) -> InfoOptions:
    """One `name:args` segment onto `options`; raises `ArgumentError` (an unknown name too)."""
    row = INFO_ROWS_BY_NAME.get(name)
    if row is None:
        raise a.ArgumentError(f"Unknown info option: {a.shown(name)}")
    return row.read(options, values)


def generate_info_options(options: InfoOptions, separator: str = ":") -> list[str]:
    """The non-default info options as path segments, in one fixed order, with short names."""
    segments = []
    for row, defaults in zip(WRITTEN_ROWS, DEFAULT_VALUES, strict=True):
        if row.values(options) == defaults:
            continue
        assert row.write is not None
        written = row.write(options)
        if any("/" in part or separator in part for part in written):
            raise ValueError(
                f"info option {row.name} value {written!r} cannot be written in a path"
            )
        segments.append(separator.join([row.short, *written]))
    return segments


def canonical_info_options(options: InfoOptions) -> str:
    """Every info option in one fixed order and spelling, as JSON (so any value can be said
    whatever the separator): the input to the cache key."""
    written = []
    for row, defaults in zip(WRITTEN_ROWS, DEFAULT_VALUES, strict=True):
        assert row.write is not None
        if row.keyed_at_default or row.values(options) != defaults:
            written.append([row.name, *row.write(options)])
    return json.dumps(written, separators=(",", ":"), ensure_ascii=False)
