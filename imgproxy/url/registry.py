"""Every processing option, once: its names, how it is read from a path, written back into one,
and spelled in the canonical form a cache key digests.

The parser (`imgproxy.url.parser`), the generator (`imgproxy.url.generator`) and the canonical
form (`imgproxy.url.canonical`) all walk `ROWS`. Rows follow the field order of `Options`, and
every field has one; a thumbor-only field has a row without a reader or a path spelling.
Adding an option is one row here (plus its pixel step in `transforms/`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from imgproxy.url import delivery_options as d
from imgproxy.url import effect_options as e
from imgproxy.url import encoder_options as enc
from imgproxy.url import filter_options as f
from imgproxy.url import geometry_options as g
from imgproxy.url import literals as lit
from imgproxy.url import object_options as o
from imgproxy.url import video_options as v
from imgproxy.url import writers as w
from imgproxy.url.hashsums import hashsum_args, hashsum_literal
from imgproxy.url.options import DEFAULT_OPTIONS, Options

Reader = Callable[[Options, list[str]], Options]
DEFAULTS = DEFAULT_OPTIONS


@dataclass(frozen=True)
class Spelling:
    """How one kind of value is said: as path arguments, and as a literal in the canonical form."""

    literal: lit.Spell
    args: Callable[[Any], list[str]] | None = None
    """None: the imgproxy grammar cannot say it (the fields only thumbor URLs set)."""


WHOLE = Spelling(lit.scalar, lambda value: [str(value)])
DECIMAL = Spelling(lit.scalar, lambda value: [w.number(value)])
FLAG = Spelling(lit.scalar, lambda value: [w.flag(value)])
TEXT = Spelling(lit.string, lambda value: [value])
RESIZING_TYPE = Spelling(lit.resizing_type, lambda value: [value.value])
RESIZING_ALGORITHM = Spelling(lit.resizing_algorithm, lambda value: [value.value])
EXTEND = Spelling(lit.extend, w.extend_args)
GRAVITY = Spelling(lit.gravity, w.gravity_args)
CROP = Spelling(lit.crop, w.crop_args)
TRIM = Spelling(lit.trim, w.trim_args)
PADDING = Spelling(lit.padding, w.padding_args)
BACKGROUND = Spelling(lit.optional(lit.color), lambda value: [w.color(value)])
MONOCHROME = Spelling(lit.monochrome, w.monochrome_args)
WATERMARK = Spelling(lit.watermark, w.watermark_args)
FORMAT = Spelling(lit.optional(lit.image_format), w.format_args)
FORMAT_QUALITY = Spelling(lit.format_quality, w.format_quality_args)
FORMATS = Spelling(lit.each(lit.image_format), w.formats_args)
FILENAME = Spelling(lit.string, w.filename_args)
SOURCE_FIT = Spelling(lit.optional(lit.source_fit))
PIXEL_FILTERS = Spelling(lit.each(lit.pixel_filter))
TURN = Spelling(lit.scalar)
ASSETS = Spelling(lit.each(lit.asset))
HASHSUM = Spelling(hashsum_literal, hashsum_args)
BASE64 = Spelling(lit.string, d.base64_args)
"""Text (an image URL, Pango markup) in URL-safe base64."""
CACHE_TAGS = Spelling(lit.each(lit.string), list)
JPEG_OPTIONS = Spelling(lit.jpeg_options, w.settings_args)
PNG_OPTIONS = Spelling(lit.png_options, w.settings_args)
WEBP_OPTIONS = Spelling(lit.webp_options, w.settings_args)
AVIF_OPTIONS = Spelling(lit.avif_options, w.settings_args)
DUOTONE = Spelling(lit.duotone, w.duotone_args)
UNSHARP_MASKING = Spelling(lit.unsharp_masking, w.settings_args)
AUTOQUALITY = Spelling(lit.autoquality, w.settings_args)
BLUR_AREAS = Spelling(lit.blur_areas, w.blur_areas_args)
PROGRESSIVE_BLUR = Spelling(lit.progressive_blur, w.progressive_blur_args)
COLORIZE = Spelling(lit.colorize, w.colorize_args)
GRADIENT = Spelling(lit.gradient, w.gradient_args)
VIDEO_TILE = Spelling(v.tile_literal, v.tile_args)
VIDEO_ANIMATION = Spelling(v.animation_literal, v.animation_args)


@dataclass(frozen=True)
class Field:
    path: str
    """The attribute of `Options`, dotted for a nested one (`limits.max_src_file_size`)."""
    spelling: Spelling
    value: Callable[[Options], object] = field(init=False, repr=False, compare=False)
    """The field's value in an `Options` (read on every request's canonical form)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", attrgetter(self.path))


@dataclass(frozen=True)
class OptionRow:
    names: tuple[str, ...]
    """The full name first, then the short one the generator writes, then other aliases.
    A thumbor-only row has just the field's name, which no imgproxy path accepts."""
    read: Reader | None
    """The path arguments onto `Options`; None for a thumbor-only row."""
    fields: tuple[Field, ...]
    """What the row sets; none for a shorthand of other rows (`resize`, `size`)."""
    security: bool = False
    """Only allowed with IMGPROXY_ALLOW_SECURITY_OPTIONS."""
    keyed_at_default: bool = True
    """False for rows added after cache keys were pinned: the canonical form leaves them out
    while they hold their defaults, so adding an option changes no existing key."""
    in_key: bool = True
    """False for an option that changes nothing in the result it names (`bypass_cache`): never
    in the canonical form, so the URL with it shares the key of the URL without it."""

    @property
    def name(self) -> str:
        return self.names[0]

    @property
    def short(self) -> str:
        return self.names[1] if len(self.names) > 1 else self.names[0]

    @property
    def in_path(self) -> bool:
        """The imgproxy grammar reads and writes it."""
        return self.read is not None and all(item.spelling.args for item in self.fields)

    def values(self, options: Options) -> list[object]:
        return [item.value(options) for item in self.fields]

    def keyed(self, options: Options) -> bool:
        """Part of the canonical form: always, or (a later row) once off its defaults; never
        when not `in_key`."""
        if not self.in_key:
            return False
        return self.keyed_at_default or self.values(options) != self.values(DEFAULTS)

    def write(self, options: Options) -> list[str]:
        """The path arguments after `short`; none for a row the grammar cannot say."""
        return [
            arg
            for item in self.fields
            if item.spelling.args is not None
            for arg in item.spelling.args(item.value(options))
        ]

    def literals(self, options: Options) -> list[str]:
        """The canonical literal of each field."""
        return [item.spelling.literal(item.value(options)) for item in self.fields]


def option(names: tuple[str, ...], read: Reader | None, *fields: tuple[str, Spelling]) -> OptionRow:
    return OptionRow(names, read, tuple(Field(*item) for item in fields))


def later(
    names: tuple[str, ...],
    read: Reader | None,
    *fields: tuple[str, Spelling],
    in_key: bool = True,
) -> OptionRow:
    """A row added after cache keys were pinned (`OptionRow.keyed_at_default`)."""
    row_fields = tuple(Field(*item) for item in fields)
    return OptionRow(names, read, row_fields, keyed_at_default=False, in_key=in_key)


def limit(names: tuple[str, str], read: Reader, spelling: Spelling) -> OptionRow:
    """A per-URL security limit: `Options.limits.<full name>`."""
    return OptionRow(names, read, (Field(f"limits.{names[0]}", spelling),), security=True)


ROWS: tuple[OptionRow, ...] = (
    option(("resize", "rs"), g.read_resize),
    option(("size", "s"), g.read_size),
    option(("resizing_type", "rt"), g.read_resizing_type, ("resizing_type", RESIZING_TYPE)),
    option(
        ("resizing_algorithm", "ra"),
        g.read_resizing_algorithm,
        ("resizing_algorithm", RESIZING_ALGORITHM),
    ),
    option(("width", "w"), g.read_width, ("width", WHOLE)),
    option(("height", "h"), g.read_height, ("height", WHOLE)),
    option(("min-width", "mw"), g.read_min_width, ("min_width", WHOLE)),
    option(("min-height", "mh"), g.read_min_height, ("min_height", WHOLE)),
    option(("zoom", "z"), g.read_zoom, ("zoom_x", DECIMAL), ("zoom_y", DECIMAL)),
    option(("dpr",), g.read_dpr, ("dpr", DECIMAL)),
    option(("enlarge", "el"), g.read_enlarge, ("enlarge", FLAG)),
    option(("extend", "ex"), g.read_extend, ("extend", EXTEND)),
    option(
        ("extend_aspect_ratio", "exar", "extend_ar"),
        g.read_extend_aspect_ratio,
        ("extend_aspect_ratio", EXTEND),
    ),
    option(("gravity", "g"), g.read_gravity, ("gravity", GRAVITY)),
    later(
        ("objects_position", "op", "obj_pos"),
        o.read_objects_position,
        ("objects_position", GRAVITY),
    ),
    option(("crop", "c"), g.read_crop, ("crop", CROP)),
    later(
        ("crop_aspect_ratio", "car", "crop_ar"),
        g.read_crop_aspect_ratio,
        ("crop_aspect_ratio", DECIMAL),
        ("crop_aspect_ratio_enlarge", FLAG),
    ),
    later(("crop_objects", "c_obj"), o.read_crop_objects, ("crop_objects", DECIMAL)),
    option(("trim", "t"), g.read_trim, ("trim", TRIM)),
    option(("padding", "pd"), g.read_padding, ("padding", PADDING)),
    option(("auto_rotate", "ar"), g.read_auto_rotate, ("auto_rotate", FLAG)),
    option(("rotate", "rot"), g.read_rotate, ("rotate", WHOLE)),
    option(("flip", "fl"), g.read_flip, ("flip_horizontal", FLAG), ("flip_vertical", FLAG)),
    option(("page", "pg"), g.read_page, ("page", WHOLE)),
    later(("pages", "pgs"), g.read_pages, ("pages", WHOLE)),
    later(("disable_animation", "da"), g.read_disable_animation, ("disable_animation", FLAG)),
    option(("background", "bg"), e.read_background, ("background", BACKGROUND)),
    option(("background_alpha", "bga"), e.read_background_alpha, ("background_alpha", DECIMAL)),
    option(("blur", "bl"), e.read_blur, ("blur", DECIMAL)),
    option(("sharpen", "sh"), e.read_sharpen, ("sharpen", DECIMAL)),
    option(("pixelate", "pix"), e.read_pixelate, ("pixelate", WHOLE)),
    option(("brightness", "br"), e.read_brightness, ("brightness", WHOLE)),
    option(("contrast",), e.read_contrast, ("contrast", DECIMAL)),
    option(("co",), e.read_co),
    option(("saturation", "sa"), e.read_saturation, ("saturation", DECIMAL)),
    option(("adjust", "a"), e.read_adjust),
    option(("monochrome", "mc"), e.read_monochrome, ("monochrome", MONOCHROME)),
    later(("duotone", "dt"), f.read_duotone, ("duotone", DUOTONE)),
    later(
        ("unsharp_masking", "ush"),
        f.read_unsharp_masking,
        ("unsharp_masking", UNSHARP_MASKING),
    ),
    later(("blur_areas", "ba"), f.read_blur_areas, ("blur_areas", BLUR_AREAS)),
    later(
        ("progressive_blur", "pbl"),
        f.read_progressive_blur,
        ("progressive_blur", PROGRESSIVE_BLUR),
    ),
    later(("colorize", "col"), f.read_colorize, ("colorize", COLORIZE)),
    later(("gradient", "gr"), f.read_gradient, ("gradient", GRADIENT)),
    later(("blur_detections", "bd"), o.read_blur_detections, ("blur_detections", DECIMAL)),
    later(("draw_detections", "dd"), o.read_draw_detections, ("draw_detections", FLAG)),
    option(("watermark", "wm"), e.read_watermark, ("watermark", WATERMARK)),
    later(("watermark_url", "wmu"), d.read_watermark_url, ("watermark_url", BASE64)),
    later(("watermark_text", "wmt"), d.read_watermark_text, ("watermark_text", BASE64)),
    later(
        ("watermark_size", "wms"),
        e.read_watermark_size,
        ("watermark_width", WHOLE),
        ("watermark_height", WHOLE),
    ),
    later(
        ("watermark_rotate", "wmr", "wm_rot"),
        e.read_watermark_rotate,
        ("watermark_rotate", DECIMAL),
    ),
    later(("watermark_shadow", "wmsh"), e.read_watermark_shadow, ("watermark_shadow", DECIMAL)),
    option(("format", "f", "ext"), d.read_format, ("format", FORMAT)),
    option(("quality", "q"), d.read_quality, ("quality", WHOLE)),
    option(("format_quality", "fq"), d.read_format_quality, ("format_quality", FORMAT_QUALITY)),
    option(("max_bytes", "mb"), d.read_max_bytes, ("max_bytes", WHOLE)),
    later(("autoquality", "aq"), enc.read_autoquality, ("autoquality", AUTOQUALITY)),
    option(("strip_metadata", "sm"), d.read_strip_metadata, ("strip_metadata", FLAG)),
    option(("keep_copyright", "kcr"), d.read_keep_copyright, ("keep_copyright", FLAG)),
    option(
        ("strip_color_profile", "scp"), d.read_strip_color_profile, ("strip_color_profile", FLAG)
    ),
    option(("preserve_hdr", "ph"), d.read_preserve_hdr, ("preserve_hdr", FLAG)),
    option(("enforce_thumbnail", "eth"), d.read_enforce_thumbnail, ("enforce_thumbnail", FLAG)),
    # `stl`: what imgproxy's own JS client (@imgproxy/imgproxy-js-core) writes.
    later(("style", "st", "stl"), d.read_style, ("style", BASE64)),
    later(("dpi",), d.read_dpi, ("dpi", DECIMAL)),
    later(("color_profile", "cp", "icc"), d.read_color_profile, ("color_profile", TEXT)),
    later(("jpeg_options", "jpgo"), enc.read_jpeg_options, ("jpeg_options", JPEG_OPTIONS)),
    later(("png_options", "pngo"), enc.read_png_options, ("png_options", PNG_OPTIONS)),
    later(("webp_options", "webpo"), enc.read_webp_options, ("webp_options", WEBP_OPTIONS)),
    later(("avif_options", "avifo"), enc.read_avif_options, ("avif_options", AVIF_OPTIONS)),
    # `sp`: what imgproxy's own JS client (@imgproxy/imgproxy-js-core) writes.
    option(("skip_processing", "skp", "sp"), d.read_skip_processing, ("skip_processing", FORMATS)),
    option(("raw",), d.read_raw, ("raw", FLAG)),
    option(("cachebuster", "cb"), d.read_cachebuster, ("cachebuster", TEXT)),
    option(("expires", "exp"), d.read_expires, ("expires", WHOLE)),
    option(("filename", "fn"), d.read_filename, ("filename", FILENAME)),
    option(("return_attachment", "att"), d.read_return_attachment, ("return_attachment", FLAG)),
    later(("hashsum", "hs"), d.read_hashsum, ("hashsum", HASHSUM)),
    later(
        ("fallback_image_url", "fiu"),
        d.read_fallback_image_url,
        ("fallback_image_url", BASE64),
    ),
    later(("bypass_cache", "bc"), d.read_bypass_cache, ("bypass_cache", FLAG), in_key=False),
    later(("cache_tags", "ct"), d.read_cache_tags, ("cache_tags", CACHE_TAGS)),
    later(
        ("video_thumbnail_second", "vts"),
        d.read_video_thumbnail_second,
        ("video_thumbnail_second", DECIMAL),
    ),
    later(
        ("video_thumbnail_keyframes", "vtk"),
        d.read_video_thumbnail_keyframes,
        ("video_thumbnail_keyframes", FLAG),
    ),
    later(
        ("video_thumbnail_tile", "vtt"),
        v.read_video_thumbnail_tile,
        ("video_thumbnail_tile", VIDEO_TILE),
    ),
    later(
        ("video_thumbnail_animation", "vta"),
        v.read_video_thumbnail_animation,
        ("video_thumbnail_animation", VIDEO_ANIMATION),
    ),
    limit(("max_src_resolution", "msr"), d.read_max_src_resolution, DECIMAL),
    limit(("max_src_file_size", "msfs"), d.read_max_src_file_size, WHOLE),
    limit(("max_animation_frames", "maf"), d.read_max_animation_frames, WHOLE),
    limit(
        ("max_animation_frame_resolution", "mafr"),
        d.read_max_animation_frame_resolution,
        DECIMAL,
    ),
    limit(("max_result_dimension", "mrd"), d.read_max_result_dimension, WHOLE),
    # Set by thumbor URLs only.
    option(("source_fit",), None, ("source_fit", SOURCE_FIT)),
    option(("pixel_filters",), None, ("pixel_filters", PIXEL_FILTERS)),
    option(("turn",), None, ("turn", TURN)),
    option(("assets",), None, ("assets", ASSETS)),
)

BY_NAME: dict[str, OptionRow] = {name: row for row in ROWS if row.in_path for name in row.names}
"""Every name and alias an imgproxy path may use, to its row."""
SECURITY_OPTIONS = frozenset(name for row in ROWS if row.security for name in row.names)
PRESET_OPTIONS = frozenset({"preset", "pr"})
"""Not a row: a preset stands for other options, which the parser reads in its place."""
THUMBOR_ROWS = tuple(row for row in ROWS if not row.in_path)
"""The fields only thumbor URLs set, in the order of the canonical form's `|thumbor:` part."""
