"""The one place the processing order is written, and the worker-thread entry point."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import pyvips

from imgproxy.errors import (
    SourceResolutionTooLarge,
    UndecodableSource,
    UnprocessableSource,
    UnsupportedFormat,
)
from imgproxy.url.formats import DEFAULT_PREFERRED_FORMATS, preferred_output
from imgproxy.url.options import (
    AvifOptions,
    ImageFormat,
    JpegOptions,
    Options,
    PngOptions,
    UnsharpMasking,
    WebpCompression,
    WebpOptions,
)
from transforms.animation import join_frames, split_frames
from transforms.assets import NO_ASSETS, Assets, decode_asset
from transforms.autoquality import AutoqualityDefaults
from transforms.best_format import BestFormatDefaults, candidates, pick
from transforms.cancellation import Cancellation
from transforms.chained import intermediate_source
from transforms.costs import Spent, bound_work
from transforms.decode_memory import DecodeMemory, decode_bytes
from transforms.encode import encode
from transforms.faces import FaceDefaults, faces_key
from transforms.job import (
    SERVER_AVIF,
    SERVER_JPEG,
    SERVER_PNG,
    SERVER_UNSHARP,
    SERVER_WEBP,
    Encoding,
    Job,
    resolved,
)
from transforms.jxl_saver import LOSSLESS_QUALITY
from transforms.limits import Limits
from transforms.pages import stacked_pages
from transforms.plan import Orientation, Plan
from transforms.probe import SourceInfo
from transforms.short_data import guard_short_data
from transforms.sources import Source, SvgSource, VipsSource, open_source, styled
from transforms.stages.loading import Loading, LoadStage
from transforms.stages.object_crop import crop_to_faces
from transforms.stages.planning import plan_geometry
from transforms.stages.scale_on_load import shrink_on_load
from transforms.stages.source_fit import fit_source
from transforms.stages.thumbnail import enforce_thumbnail
from transforms.stages.trim import trim_source
from transforms.stages.vector_guard import guard_vector
from transforms.steps.adjust import adjust
from transforms.steps.blurs import blur_regions
from transforms.steps.color_profile import export_color_profile, profile_path
from transforms.steps.colorspace import (
    to_processing_space,
    to_processing_space_after_resize,
    to_result_space,
)
from transforms.steps.crop import crop_source, crop_to_result
from transforms.steps.detections import mark_faces
from transforms.steps.extend import extend, extend_aspect_ratio, padding
from transforms.steps.filters import apply_filters
from transforms.steps.fix_size import fix_size
from transforms.steps.flatten import flatten
from transforms.steps.metadata import set_resolution, strip_metadata, stripped
from transforms.steps.overlays import overlay
from transforms.steps.pixel import pixel_filters
from transforms.steps.rotate import rotate_and_flip
from transforms.steps.scale import scale
from transforms.steps.turn import turn
from transforms.steps.watermark import watermark
from transforms.video.ranged import RangedBytes
from transforms.video.ranged_video import open_ranged
from transforms.video.settings import VIDEO_OFF, VideoDefaults
from transforms.video.source import VideoSource
from transforms.watermark_text import render_text

Step = Callable[[pyvips.Image, Job], pyvips.Image]

# First, once per source: settle the geometry, decode (each loader returns early when an
# earlier one decoded already) and make the plan.
LOAD_STAGES: tuple[LoadStage, ...] = (
    fit_source,
    guard_vector,
    crop_to_faces,
    trim_source,
    enforce_thumbnail,
    plan_geometry,
    shrink_on_load,
)
# Then on every frame of an animation:
MAIN_STEPS: tuple[Step, ...] = (
    to_processing_space,
    crop_source,
    scale,
    rotate_and_flip,
    crop_to_result,
    to_processing_space_after_resize,
    apply_filters,
    blur_regions,
    mark_faces,
    adjust,
    overlay,
    extend,
    extend_aspect_ratio,
    padding,
    fix_size,
    pixel_filters,
    turn,
    flatten,
    watermark,
)
# Then once on the whole result, before saving:
FINAL_STEPS: tuple[Step, ...] = (
    to_result_space,
    strip_metadata,
    export_color_profile,
    set_resolution,
)


NEVER_NEGOTIATED_FOR_ANIMATION = frozenset({ImageFormat.AVIF, ImageFormat.JXL})


@dataclass(frozen=True)
class Defaults:
    """Server settings that fill in what the URL leaves open."""

    limits: Limits
    quality: int
    format_quality: dict[ImageFormat, int]
    auto_rotate: bool
    strip_metadata: bool
    keep_copyright: bool = True
    strip_color_profile: bool = True
    avif_effort: int = 1
    webp_effort: int = 4
    jxl_effort: int = 4
    jpeg: JpegOptions = SERVER_JPEG
    png: PngOptions = SERVER_PNG
    webp: WebpOptions = SERVER_WEBP
    avif: AvifOptions = SERVER_AVIF
    unsharp: UnsharpMasking = SERVER_UNSHARP
    color_profiles_dir: Path | None = None
    autoquality: AutoqualityDefaults = field(default_factory=AutoqualityDefaults)
    best_format: BestFormatDefaults = field(default_factory=BestFormatDefaults)
    watermark: pyvips.Image | None = None
    watermark_opacity: float = 1.0
    preferred_formats: tuple[ImageFormat, ...] = DEFAULT_PREFERRED_FORMATS
    """The output of a URL that names no format, when the source's own is not listed."""
    decode_memory: DecodeMemory = field(default_factory=lambda: DecodeMemory(0))
    """Shared by every job of the process."""
    video: VideoDefaults = VIDEO_OFF
    faces: FaceDefaults = field(default_factory=FaceDefaults)
    """Face settings; its cache is shared by every job of the process."""


@dataclass(frozen=True)
class Rendered:
    data: bytes
    format: ImageFormat
    width: int
    height: int
    source: SourceInfo
    encode_seconds: float = 0.0
    """Time spent saving (libvips is lazy: this includes pulling the pixels through the steps)."""


def _pick(value: bool | None, default: bool) -> bool:
    return default if value is None else value


def _animates(info: SourceInfo, options: Options, limits: Limits) -> bool:
    return info.pages > 1 and limits.max_animation_frames > 1 and not options.disable_animation


def _frames(source: Source, options: Options, limits: Limits, output: ImageFormat) -> int:
    """Frames to process: several only when source and result can animate (then `page` and
    `pages` are ignored, as imgproxy does)."""
    pages = source.info.pages
    if output.writes_animation and _animates(source.info, options, limits):
        return min(pages, limits.max_animation_frames)
    if options.page >= pages:
        raise UnprocessableSource(
            f"Page {options.page} does not exist", detail=f"source has {pages} pages"
        )
    return 1


def _check_resolution(info: SourceInfo, frames: int, limits: Limits, vector: bool) -> None:
    if vector:
        return
    frame_pixels = info.width * info.height
    if limits.max_animation_frame_pixels and frames > 1:
        if frame_pixels > limits.max_animation_frame_pixels:
            raise SourceResolutionTooLarge(
                "Source image frame resolution is too big",
                detail=f"{info.width}x{info.height} per frame over the limit",
            )
        return
    if limits.max_src_pixels and frame_pixels * frames > limits.max_src_pixels:
        raise SourceResolutionTooLarge(
            "Source image resolution is too big",
            detail=f"{info.width}x{info.height}x{frames} frames over the limit",
        )


def _output(
    requested: ImageFormat | None,
    info: SourceInfo,
    options: Options,
    limits: Limits,
    defaults: Defaults,
) -> ImageFormat:
    """The one place the output format is settled: asked for, else from the preferred list.
    An animation negotiated to AVIF or JPEG XL (not asked for by the URL) becomes WebP, as in
    imgproxy."""
    animated = _animates(info, options, limits)
    if requested in NEVER_NEGOTIATED_FOR_ANIMATION and animated and options.format is not requested:
        return ImageFormat.WEBP
    if requested is not None:
        return requested
    return preferred_output(
        defaults.preferred_formats, info.format, has_alpha=info.has_alpha, animated=animated
    )


def _watermark(
    options: Options, defaults: Defaults, assets: Assets, cancellation: Cancellation
) -> tuple[pyvips.Image | None, float]:
    """The pipeline's `watermark_text` or `watermark_url` image, else the request's own
    (thumbor `watermark(url)`, at full opacity), else the server's."""
    if options.watermark_text and options.watermark.opacity > 0:
        return render_text(options.watermark_text), defaults.watermark_opacity
    if options.watermark_url and options.watermark.opacity > 0:
        data = assets.watermarks[options.watermark_url]
        return decode_asset(data, "watermark", cancellation), defaults.watermark_opacity
    if assets.watermark is None:
        return defaults.watermark, defaults.watermark_opacity
    return decode_asset(assets.watermark, "watermark", cancellation), 1.0


def _job(
    plan: Plan,
    options: Options,
    output: ImageFormat,
    defaults: Defaults,
    *,
    watermark: tuple[pyvips.Image | None, float],
    frame: bytes | None,
    frames: int,
    downscaled: bool,
    cancellation: Cancellation,
    source_key: str = "",
) -> Job:
    quality = _quality(options, output, defaults)
    return Job(
        plan=plan,
        options=options,
        output=output,
        encoding=Encoding(
            quality,
            avif_effort=defaults.avif_effort,
            webp_effort=defaults.webp_effort,
            jxl_effort=defaults.jxl_effort,
            jpeg=resolved(options.jpeg_options, defaults.jpeg),
            png=resolved(options.png_options, defaults.png),
            webp=resolved(options.webp_options, defaults.webp),
            avif=resolved(options.avif_options, defaults.avif),
            max_bytes=options.max_bytes,
        ),
        strip_metadata=_pick(options.strip_metadata, defaults.strip_metadata),
        keep_copyright=_pick(options.keep_copyright, defaults.keep_copyright),
        strip_color_profile=_pick(options.strip_color_profile, defaults.strip_color_profile),
        watermark=watermark[0],
        watermark_opacity=watermark[1],
        frame=frame,
        frames=frames,
        unsharp=resolved(options.unsharp_masking, defaults.unsharp),
        color_profile=profile_path(options.color_profile, defaults.color_profiles_dir),
        autoquality=defaults.autoquality,
        downscaled=downscaled,
        cancellation=cancellation,
        faces=defaults.faces,
        faces_key=source_key,
    )


def _quality(options: Options, output: ImageFormat, defaults: Defaults) -> int:
    return (
        options.quality
        or dict(options.format_quality).get(output)
        or defaults.format_quality.get(output, defaults.quality)
    )


def _downscales(image: pyvips.Image, plan: Plan, frames: int, size: tuple[int, int]) -> bool:
    """The plan makes `image` (loaded from a `size` source, maybe shrunk on load) smaller."""
    width, height = size
    return bool(
        image.width * plan.x_scale < width or image.height // frames * plan.y_scale < height
    )


def _checked(step: Step, image: pyvips.Image, job: Job) -> pyvips.Image:
    job.cancellation.check()
    return step(image, job)


def _load(loading: Loading) -> tuple[pyvips.Image, Plan]:
    for stage in LOAD_STAGES:
        loading.cancellation.check()
        loading = stage(loading)
    return loading.loaded()


def _main_steps(image: pyvips.Image, job: Job) -> pyvips.Image:
    frames = job.frames
    parts = split_frames(image, frames) if frames > 1 else [image]
    for step in MAIN_STEPS:
        parts = [_checked(step, part, job) for part in parts]
    return join_frames(parts, image) if frames > 1 else parts[0]


def _chained_pass(
    result: pyvips.Image,
    options: Options,
    job: Job,
    limits: Limits,
    *,
    spent: Spent,
    source_format: ImageFormat,
    mark: tuple[pyvips.Image | None, float],
    unsharp: UnsharpMasking,
) -> tuple[pyvips.Image, Spent]:
    """One chained pipeline (`/-/`) on the previous one's result: its own load stages, plan and
    steps; the encoding, the limits and the budgets (`spent`) are the first pipeline's."""
    frames, cancellation = job.frames, job.cancellation
    previous = to_result_space(result, job)
    source = intermediate_source(previous, frames, source_format, cancellation)
    upright = Orientation.from_exif(1, auto_rotate=False)
    loading = Loading(
        source, options, upright, frames, limits, geometry=options, cancellation=cancellation
    )
    image, plan = _load(loading)
    pipeline_job = replace(
        job,
        plan=plan,
        options=options,
        watermark=mark[0],
        watermark_opacity=mark[1],
        unsharp=unsharp,
        downscaled=_downscales(image, plan, frames, (previous.width, previous.height // frames)),
        faces_key="",
    )
    spent = bound_work(image, pipeline_job, limits, spent)
    return _main_steps(image, pipeline_job), spent


def _encoder(
    image: pyvips.Image, job: Job, defaults: Defaults
) -> Callable[[ImageFormat, bool], bytes]:
    """Encodes the finished `image` as another format (`format:best`), at that format's
    quality, WebP and JPEG XL losslessly when asked to."""

    def encoded(output: ImageFormat, lossless: bool) -> bytes:
        encoding = replace(job.encoding, quality=_quality(job.options, output, defaults))
        if lossless and output is ImageFormat.JXL:
            encoding = replace(encoding, quality=LOSSLESS_QUALITY)
        if lossless and output is ImageFormat.WEBP:
            webp = replace(encoding.webp, compression=WebpCompression.LOSSLESS)
            encoding = replace(encoding, webp=webp)
        return encode(image, replace(job, output=output, encoding=encoding))

    return encoded


def _passthrough(
    data: bytes, source: Source, options: Options, requested: ImageFormat | None
) -> bytes | None:
    """The bytes to answer unprocessed: SVG kept as SVG (sanitized), or `skip_processing`."""
    info = source.info
    if info.format is ImageFormat.SVG and requested in (None, ImageFormat.SVG):
        return source.data if isinstance(source, SvgSource) else data
    if requested is ImageFormat.SVG:
        raise UnsupportedFormat("SVG output needs an SVG source")
    skippable = not isinstance(source, VideoSource)  # a video's thumbnail is always made
    if skippable and info.format in options.skip_processing and requested in (None, info.format):
        return data
    return None


def _without_stripped_metadata(source: Source, options: Options, defaults: Defaults) -> Source:
    """`source`, told not to carry onto a decoded frame the fields the render strips anyway."""
    if not isinstance(source, VipsSource) or not _pick(
        options.strip_metadata, defaults.strip_metadata
    ):
        return source
    keep_copyright = _pick(options.keep_copyright, defaults.keep_copyright)
    return replace(source, skipped_metadata=partial(stripped, keep_copyright=keep_copyright))


def render(
    data: bytes | RangedBytes,
    options: Options,
    requested: ImageFormat | None,
    defaults: Defaults,
    assets: Assets = NO_ASSETS,
    *,
    cancellation: Cancellation | None = None,
    best_of: tuple[ImageFormat, ...] = (),
) -> Rendered:
    """Runs in a worker thread: open, load stages, steps, encode. Once `cancellation` fires,
    the work stops at its next tile or step with `WorkCancelled`. `best_of`: for
    `format:best`, the modern formats the client accepts."""
    cancellation = cancellation or Cancellation()
    limits = defaults.limits.narrowed_by(options)
    video = defaults.video.overridden(
        options.video_thumbnail_second,
        options.video_thumbnail_keyframes,
        tile=options.video_thumbnail_tile,
        animation=options.video_thumbnail_animation,
        max_pages=limits.max_animation_frames,
    )
    if isinstance(data, bytes):
        source = open_source(data, max_pixels=limits.max_src_pixels, video=video)
    else:  # a video left at its origin; its identity stands for its bytes (never passed through)
        source, data = open_ranged(data, video, max_pixels=limits.max_src_pixels), data.identity
    if options.style and isinstance(source, SvgSource):
        source = styled(source, options.style)
    info = source.info
    best = requested is ImageFormat.BEST
    skips = None if best and defaults.best_format.allow_skips else requested
    unprocessed = _passthrough(data, source, options, skips)
    if unprocessed is not None:
        return Rendered(unprocessed, info.format, info.width, info.height, info)
    tried: list[ImageFormat] = []
    if best:
        animated = _animates(info, options, limits)
        tried = candidates(
            defaults.preferred_formats, best_of, has_alpha=info.has_alpha, animated=animated
        )
        requested = tried[0] if tried else None
    output = _output(requested, info, options, limits, defaults)
    frames = _frames(source, options, limits, output)
    source = guard_short_data(source, max(frames, options.page + options.pages))
    source = _without_stripped_metadata(source, options, defaults)
    source = stacked_pages(source, options, frames)
    _check_resolution(source.info, frames, limits, source.vector)
    orientation = Orientation.from_exif(
        info.orientation, _pick(options.auto_rotate, defaults.auto_rotate)
    )
    watermark = _watermark(options, defaults, assets, cancellation)
    loading = Loading(
        source, options, orientation, frames, limits, geometry=options, cancellation=cancellation
    )
    with defaults.decode_memory.held(decode_bytes(source.info) * frames, cancellation):
        try:
            image, plan = _load(loading)
            stored = (source.info.width, source.info.height)
            job = _job(
                plan,
                options,
                output,
                defaults,
                watermark=watermark,
                frame=assets.frame,
                frames=frames,
                downscaled=_downscales(image, plan, frames, stored),
                cancellation=cancellation,
                source_key=faces_key(data, options, orientation, defaults.faces),
            )
            spent = bound_work(image, job, limits)
            result = _main_steps(image, job)
            for chained in options.chained:
                mark = _watermark(chained, defaults, assets, cancellation)
                result, spent = _chained_pass(
                    result,
                    chained,
                    job,
                    limits,
                    spent=spent,
                    source_format=info.format,
                    mark=mark,
                    unsharp=resolved(chained.unsharp_masking, defaults.unsharp),
                )
            for step in FINAL_STEPS:
                result = _checked(step, result, job)
            encode_started = time.perf_counter()
            if len(tried) > 1:
                result = cancellation.in_memory(result)  # encoded once per candidate
                output, encoded = pick(
                    result, tried, defaults.best_format, _encoder(result, job, defaults)
                )
            else:
                encoded = encode(result, job)
            encode_seconds = time.perf_counter() - encode_started
        except pyvips.Error as error:
            cancellation.check()  # a kill the last evaluation left behind
            raise UndecodableSource(
                "Source image cannot be decoded", detail=str(error).strip()
            ) from None
    height = result.height // frames
    return Rendered(encoded, output, result.width, height, info, encode_seconds)
