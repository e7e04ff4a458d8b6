"""The table of every processing option: names and aliases to the function that applies it."""

from __future__ import annotations

from collections.abc import Callable

from imgproxy.url import delivery_options as d
from imgproxy.url import effect_options as e
from imgproxy.url import geometry_options as g
from imgproxy.url.options import Options

Applier = Callable[[Options, list[str]], Options]

RESIZING_TYPES = g.RESIZING_TYPES
apply_format = d.apply_format

OPTIONS: tuple[tuple[tuple[str, ...], Applier], ...] = (
    (("resize", "rs"), g.apply_resize),
    (("size", "s"), g.apply_size),
    (("resizing_type", "rt"), g.apply_resizing_type),
    (("resizing_algorithm", "ra"), g.apply_resizing_algorithm),
    (("width", "w"), g.apply_width),
    (("height", "h"), g.apply_height),
    (("min-width", "mw"), g.apply_min_width),
    (("min-height", "mh"), g.apply_min_height),
    (("zoom", "z"), g.apply_zoom),
    (("dpr",), g.apply_dpr),
    (("enlarge", "el"), g.apply_enlarge),
    (("extend", "ex"), g.apply_extend),
    (("extend_aspect_ratio", "extend_ar", "exar"), g.apply_extend_aspect_ratio),
    (("gravity", "g"), g.apply_gravity),
    (("crop", "c"), g.apply_crop),
    (("trim", "t"), g.apply_trim),
    (("padding", "pd"), g.apply_padding),
    (("auto_rotate", "ar"), g.apply_auto_rotate),
    (("rotate", "rot"), g.apply_rotate),
    (("flip", "fl"), g.apply_flip),
    (("page", "pg"), g.apply_page),
    (("background", "bg"), e.apply_background),
    (("background_alpha", "bga"), e.apply_background_alpha),
    (("blur", "bl"), e.apply_blur),
    (("sharpen", "sh"), e.apply_sharpen),
    (("pixelate", "pix"), e.apply_pixelate),
    (("brightness", "br"), e.apply_brightness),
    (("contrast",), e.apply_contrast),
    (("saturation", "sa"), e.apply_saturation),
    (("monochrome", "mc"), e.apply_monochrome),
    (("watermark", "wm"), e.apply_watermark),
    (("format", "f", "ext"), d.apply_format),
    (("quality", "q"), d.apply_quality),
    (("format_quality", "fq"), d.apply_format_quality),
    (("max_bytes", "mb"), d.apply_max_bytes),
    (("strip_metadata", "sm"), d.apply_strip_metadata),
    (("keep_copyright", "kcr"), d.apply_keep_copyright),
    (("strip_color_profile", "scp"), d.apply_strip_color_profile),
    (("preserve_hdr", "ph"), d.apply_preserve_hdr),
    (("enforce_thumbnail", "eth"), d.apply_enforce_thumbnail),
    (("skip_processing", "skp"), d.apply_skip_processing),
    (("raw",), d.apply_raw),
    (("cachebuster", "cb"), d.apply_cachebuster),
    (("expires", "exp"), d.apply_expires),
    (("filename", "fn"), d.apply_filename),
    (("return_attachment", "att"), d.apply_return_attachment),
    (("max_src_resolution", "msr"), d.apply_max_src_resolution),
    (("max_src_file_size", "msfs"), d.apply_max_src_file_size),
    (("max_animation_frames", "maf"), d.apply_max_animation_frames),
    (("max_animation_frame_resolution", "mafr"), d.apply_max_animation_frame_resolution),
    (("max_result_dimension", "mrd"), d.apply_max_result_dimension),
)

APPLIERS: dict[str, Applier] = {name: applier for names, applier in OPTIONS for name in names}
SECURITY_OPTIONS = frozenset(
    {
        "max_src_resolution",
        "msr",
        "max_src_file_size",
        "msfs",
        "max_animation_frames",
        "maf",
        "max_animation_frame_resolution",
        "mafr",
        "max_result_dimension",
        "mrd",
    }
)
PRESET_OPTIONS = frozenset({"preset", "pr"})
