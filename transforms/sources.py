"""A source image that can be decoded at a chosen shrink, whatever decoder reads it."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Protocol

import pyvips

from imgproxy.errors import (
    InvalidOption,
    SourceResolutionTooLarge,
    UndecodableSource,
    UnsupportedFormat,
)
from imgproxy.url.options import ImageFormat
from transforms.decoded import shrunk
from transforms.decoders import DecodeError, Layout
from transforms.decoders.metadata import Blocks, attached
from transforms.probe import PLAIN_DECODE, SourceInfo, open_encoded, opened
from transforms.video import sniff as video_sniff
from transforms.video.settings import VIDEO_OFF, VideoDefaults

JPEG_SHRINKS = (8, 4, 2)


def jpeg_shrink(shrink: float) -> int:
    """The largest factor a JPEG decoder shrinks by in the DCT that `shrink` allows."""
    return next((value for value in JPEG_SHRINKS if shrink >= value), 1)


class Source(Protocol):
    info: SourceInfo
    vector: bool

    def load(
        self, shrink: float = 1.0, *, page: int = 0, frames: int = 1, thumbnail: bool = False
    ) -> pyvips.Image:
        """Decode; `thumbnail` prefers an embedded thumbnail (AVIF) over the full image."""
        ...


@dataclass
class VipsSource:
    """Anything libvips decodes itself, with shrink-on-load where the format allows it."""

    data: bytes
    info: SourceInfo
    vector: bool = False
    opened: tuple[bytes, pyvips.Image] | None = None
    """The image the header was read from, and the bytes it reads: the first plain decode of
    these same bytes takes it instead of opening them again."""
    guard: Callable[[bytes], bytes] | None = None
    """What the short-data guard makes of `data` for libvips (`for_libvips`): a JPEG that
    libjpeg-turbo decodes is never scanned, as libjpeg-turbo refuses data that ends early by
    itself, where libvips would fill it with grey."""
    skipped_metadata: Callable[[str], bool] | None = None
    """Metadata fields libjpeg-turbo's frame is not given (the ones the render strips anyway):
    each field copied from libvips' header costs a few calls into libvips."""

    def shrink_arguments(self, shrink: float) -> dict[str, object]:
        if self.info.format is ImageFormat.JPEG and self.info.pages == 1:
            factor = jpeg_shrink(shrink)
            return {"shrink": factor} if factor > 1 else {}
        if self.info.format is ImageFormat.WEBP and shrink > 1:
            return {"scale": 1 / shrink}
        return {}

    def load(
        self, shrink: float = 1.0, *, page: int = 0, frames: int = 1, thumbnail: bool = False
    ) -> pyvips.Image:
        if thumbnail and self.info.format is ImageFormat.AVIF:
            return open_encoded(self.data, fail_on="error", thumbnail=True)
        if self.info.format is ImageFormat.JPEG and self.info.pages == 1:
            turbo = self.turbo_decoded(jpeg_shrink(shrink))
            if turbo is not None:
                return turbo
        return self._opened_by_libvips(shrink, page, frames)

    def header(self, page: int = 0) -> pyvips.Image:
        """The image of `page` as libvips opens it, whose pixels nothing has decoded yet: what
        reading its header needs (libjpeg-turbo would decode a JPEG whole). The guard runs
        first, so data that ends early is refused as a decode would refuse it; the header
        itself, which the guard leaves as it is, comes from the probe's image where it can."""
        self.for_libvips  # noqa: B018 - the guard's refusal, before any header is read
        if page == 0 and self.opened is not None and self.opened[0] is self.data:
            return self.opened[1]
        return self._opened_by_libvips(1.0, page, 1)

    @functools.cached_property
    def for_libvips(self) -> bytes:
        """The bytes libvips decodes: `data` as the guard leaves them, guarded when libvips
        first comes to decode them (a JPEG's one scan followed by filler, no end marker)."""
        return self.data if self.guard is None else self.guard(self.data)

    def _opened_by_libvips(self, shrink: float, page: int, frames: int) -> pyvips.Image:
        data = self.for_libvips
        arguments: dict[str, object] = {"fail_on": "error", **self.shrink_arguments(shrink)}
        if self.info.pages > 1:
            arguments.update(page=page, n=frames)
        if frames == 1:
            arguments["access"] = "sequential"
        if arguments == PLAIN_DECODE and self.opened is not None and self.opened[0] is data:
            image, self.opened = self.opened[1], None
        else:
            image = open_encoded(data, **arguments)
        return image

    def turbo_decoded(self, shrink: int) -> pyvips.Image | None:
        """libjpeg-turbo's pixels with the header's metadata, or None for libvips to decode."""
        from transforms.decoders import jpeg_turbo  # noqa: PLC0415 - simplejpeg on demand

        if not jpeg_turbo.takes(self.info.bands, self.info.width, self.info.height, shrink):
            return None  # known from the probe, without opening a header
        if self.opened is not None and self.opened[0] is self.data:
            header = self.opened[1]
        else:
            header = open_encoded(self.data, **PLAIN_DECODE)
        return jpeg_turbo.decoded(self.data, header, shrink, self.skipped_metadata)


@dataclass
class SvgSource:
    """A sanitized SVG, rasterized at the scale the plan asks for (vectors enlarge freely)."""

    data: bytes
    info: SourceInfo
    vector: bool = True

    def load(
        self, shrink: float = 1.0, *, page: int = 0, frames: int = 1, thumbnail: bool = False
    ) -> pyvips.Image:
        return pyvips.Image.svgload_buffer(self.data, scale=1 / shrink, unlimited=False)


@dataclass
class WholeSource:
    """A format decoded outside libvips (JPEG XL by libjxl; HEIC, BMP and ICO by pillow-heif and
    Pillow): its header read on opening, the whole image decoded on the first load, inside the
    render's decode-memory budget, and shrunk by a resize. `metadata` (the EXIF and XMP of a
    HEIF or a JPEG XL container) goes on the decoded image and on the header image alike."""

    info: SourceInfo
    decode: Callable[[], pyvips.Image]
    """The decoder's call; its `DecodeError` makes the source undecodable."""
    layout: Layout | None
    """What `decode` gives, where the header says it."""
    vector: bool = False
    metadata: Blocks = ()
    decoded: pyvips.Image | None = None

    def load(
        self, shrink: float = 1.0, *, page: int = 0, frames: int = 1, thumbnail: bool = False
    ) -> pyvips.Image:
        if self.decoded is None:
            with _undecodable():
                self.decoded = attached(self.decode(), self.metadata)
        return shrunk(self.decoded, shrink)

    def header_image(self) -> pyvips.Image:
        """What `load` gives as far as a header says (size, bands, sample format,
        interpretation), on a blank image that is never computed; the decode itself where the
        header cannot say."""
        if self.layout is None or self.decoded is not None:
            return self.load()
        blank = pyvips.Image.black(self.info.width, self.info.height, bands=self.layout.bands)
        blank = blank.cast(self.layout.format).copy(interpretation=self.layout.interpretation)
        return attached(blank, self.metadata)


def open_jxl(data: bytes, *, max_pixels: int) -> WholeSource:
    from transforms.decoders import jxl_boxes, jxl_header  # noqa: PLC0415

    with _undecodable():
        header = jxl_header.read_header(data)
    _check_pixels(header.width * header.height, max_pixels)

    def decode() -> pyvips.Image:
        from transforms.decoders import jxl  # noqa: PLC0415 - libjxl on demand

        return jxl.decode(data, header, max_pixels=max_pixels)

    info = SourceInfo(ImageFormat.JXL, header.width, header.height, 1, header.has_alpha)
    return WholeSource(info, decode, jxl_header.layout(header), metadata=jxl_boxes.metadata(data))


def open_fallback(data: bytes, *, max_pixels: int) -> WholeSource:
    """HEIC, BMP or ICO."""
    from transforms.decoders import pillow_fallback  # noqa: PLC0415

    with _undecodable():
        header = pillow_fallback.read_header(data)
    _check_pixels(header.width * header.height, max_pixels)
    info = SourceInfo(
        ImageFormat(header.format.value), header.width, header.height, 1, header.has_alpha
    )
    decode = functools.partial(pillow_fallback.decode, data, header, max_pixels=max_pixels)
    layout = pillow_fallback.layout(header)
    return WholeSource(info, decode, layout, metadata=header.metadata)


@contextmanager
def _undecodable() -> Iterator[None]:
    """An outside decoder's `DecodeError` as the client's `UndecodableSource`."""
    try:
        yield
    except DecodeError as error:
        raise UndecodableSource(error.message) from None


def _check_pixels(pixels: int, max_pixels: int) -> None:
    if max_pixels and pixels > max_pixels:
        raise SourceResolutionTooLarge("Source image resolution is too big")


def styled(source: SvgSource, css: str) -> SvgSource:
    """`source` with `css` as its first stylesheet (imgproxy Pro's `style`)."""
    from transforms import svg  # noqa: PLC0415 - optional module, imported on demand

    try:
        data = svg.with_style(source.data, css)
        header = pyvips.Image.svgload_buffer(data)
    except svg.SvgError as error:
        raise InvalidOption(error.message) from None
    except pyvips.Error as error:
        raise UndecodableSource("Source image cannot be decoded", detail=str(error)) from None
    info = replace(source.info, width=header.width, height=header.height)
    return SvgSource(data, info)


def open_source(data: bytes, *, max_pixels: int, video: VideoDefaults = VIDEO_OFF) -> Source:
    """Pick the decoder for these bytes and read the header; pixels are not decoded yet, and
    the formats decoded outside libvips are refused past `max_pixels` on their header. A video
    is a source only when `video` is enabled; otherwise it is refused as any unrecognised
    format."""
    from transforms import svg  # noqa: PLC0415 - optional modules, imported on demand
    from transforms.decoders import jxl_header, pillow_fallback  # noqa: PLC0415

    container = video_sniff.sniff(data) if video.enabled else None
    if container is not None:
        from transforms.video.source import open_video  # noqa: PLC0415

        return open_video(data, container, video, max_pixels=max_pixels)
    if svg.is_svg(data):
        try:
            clean = svg.sanitize(data)
            header = pyvips.Image.svgload_buffer(clean)
        except svg.SvgError as error:
            raise UnsupportedFormat(error.message) from None
        except pyvips.Error as error:
            raise UndecodableSource(
                "Source image cannot be decoded", detail=str(error).strip()
            ) from None
        info = SourceInfo(ImageFormat.SVG, header.width, header.height, 1, True)
        return SvgSource(clean, info)
    if jxl_header.is_jxl(data):
        return open_jxl(data, max_pixels=max_pixels)
    if pillow_fallback.sniff(data) is not None:
        return open_fallback(data, max_pixels=max_pixels)
    info, header = opened(data)
    if info.format in {ImageFormat.SVG, ImageFormat.HEIC}:
        raise UnsupportedFormat(f"{info.format.value.upper()} sources are not supported")
    return VipsSource(data, replace(info), opened=(data, header))
