"""The `/info` document for a source, with imgproxy Pro's keys: what the info options ask for.

Header facts (size, format, dimensions, EXIF, IPTC, XMP, colour space, bands, sample format,
pages) come without decoding pixels. Everything else is read from one small oriented 8-bit sRGB
RGBA sample of the requested page (at most `SAMPLE_SIDE` on each side), decoded once;
transparency is checked on the whole page and a smart crop on a larger preview.
"""

from __future__ import annotations

from typing import Any

import pyvips

from imgproxy.url.info_options import InfoOptions
from imgproxy.url.options import Gravity, GravityType
from transforms import blurhash, faces, info_colours, info_hashes
from transforms.gravity import position
from transforms.info_exif import exif_of
from transforms.info_iptc import iptc_of
from transforms.info_xmp import xmp_of
from transforms.probe import ROTATING_ORIENTATIONS
from transforms.sources import Source, VipsSource, WholeSource
from transforms.video.ranged import VideoBytes

SAMPLE_SIDE = 100
THUMB_HASH_SIDE = 48
"""ThumbHash takes at most 100x100; its few components need no more than this, and the
encoder is pure Python."""
PREVIEW_SIDE = 256
"""Smart crops are found on a preview of about this size."""
BLURHASH_SIDE = 32
WHITE = [255, 255, 255]
MAX_ALPHA = {"uchar": 255.0, "char": 127.0, "ushort": 65535.0, "short": 32767.0}


def describe(source: Source, data: VideoBytes, options: InfoOptions) -> dict[str, object]:
    """The info document, ready for orjson. `data` is the source's bytes (size, hashsums),
    or a video's left at its origin (whose hashsums are never asked for)."""
    info = source.info
    if isinstance(source, VipsSource):
        header = source.header(options.page)
    elif isinstance(source, WholeSource):
        header = source.header_image()
    else:
        header = source.load(page=options.page)
    orientation = info.orientation if 1 <= info.orientation <= 8 else 1
    document: dict[str, object] = {}
    if options.size:
        document["size"] = len(data)
    if options.format:
        document["format"] = info.format.value
        document["mime_type"] = info.format.media_type
    if options.dimensions:
        width, height = _oriented(_page_size(header), orientation)
        document.update(width=width, height=height, orientation=orientation)
    document.update(_metadata(header, options))
    if options.colorspace:
        document["colorspace"] = str(header.interpretation)
    if options.bands:
        document["bands"] = int(header.bands)
    if options.sample_format:
        document["sample_format"] = str(header.format)
    if options.pages_number:
        document["pages_number"] = info.pages
    if options.alpha:
        document["alpha"] = bool(header.hasalpha())
        if options.check_transparency:
            document["has_transparency"] = _has_transparency(source, options.page)
    if options.needs_pixels:
        document.update(_from_pixels(source, header, orientation, options))
    if options.detect_objects:
        document["objects"] = _objects(source, header, orientation, options.page)
    if options.calc_hashsums and isinstance(data, bytes):
        document["hashsums"] = info_hashes.hashsums(data, options.calc_hashsums)
    return document


def _metadata(header: pyvips.Image, options: InfoOptions) -> dict[str, object]:
    found: dict[str, object] = {}
    if options.exif:
        found["exif"] = exif_of(header, canonical_names=options.exif_canonical_names)
    if options.iptc:
        iptc, photoshop = iptc_of(_blob(header, "iptc-data"))
        found["iptc"] = iptc
        if photoshop:
            found["photoshop"] = photoshop
    if options.xmp:
        found["xmp"] = xmp_of(_blob(header, "xmp-data"))
    return found


def _from_pixels(
    source: Source, header: pyvips.Image, orientation: int, options: InfoOptions
) -> dict[str, Any]:
    oriented = _oriented(_page_size(header), orientation)
    shrink = max(1.0, max(oriented) / PREVIEW_SIDE)
    preview = _preview(source.load(shrink, page=options.page))
    sample = _rgba_sample(preview)
    rgba = bytes(sample.write_to_memory())
    pixels = info_colours.pixels_of(rgba)
    found: dict[str, Any] = {}
    if options.crop.width and options.crop.height:
        found["crop"] = _crop(options, oriented, preview)
    if options.palette:
        found["palette"] = info_colours.palette(pixels, options.palette)
    if options.average:
        ignore = options.average_ignore_transparent
        found["average"] = info_colours.average(pixels, ignore_transparent=ignore)
    if options.dominant_colors:
        build = options.dominant_colors_build_missed
        found["dominant_colors"] = info_colours.dominant_colors(pixels, build_missed=build)
    if all(options.blurhash):
        found["blurhash"] = _blurhash(sample, options.blurhash)
    if options.thumb_hash:
        small = sample.thumbnail_image(THUMB_HASH_SIDE, height=THUMB_HASH_SIDE, size="down")
        pixels_bytes = bytes(small.write_to_memory())
        found["thumb_hash"] = info_hashes.thumb_hash(pixels_bytes, small.width, small.height)
    if options.perceptual_hash:
        grey = _flattened(sample).colourspace("b-w")
        grey = grey.thumbnail_image(
            info_hashes.PHASH_SIDE, height=info_hashes.PHASH_SIDE, size="force"
        )
        found["perceptual_hash"] = info_hashes.perceptual_hash(bytes(grey.write_to_memory()))
    return found


def _objects(
    source: Source, header: pyvips.Image, orientation: int, page: int
) -> list[dict[str, object]]:
    """imgproxy Pro's `objects`: each face's class, confidence and relative box."""
    oriented = _oriented(_page_size(header), orientation)
    shrink = max(1.0, max(oriented) / faces.DETECTION_SIZE)
    image = source.load(shrink, page=page)
    width, height = _page_size(image)
    if height != image.height:
        image = image.crop(0, 0, width, height)
    image = image.copy_memory()
    upright = image.autorot() if image.get_typeof("orientation") else image
    return [
        {
            "class_id": 0,
            "class_name": "face",
            "confidence": face.confidence,
            "left": face.left,
            "top": face.top,
            "width": face.width,
            "height": face.height,
        }
        for face in faces.detect(upright)
    ]


def _page_size(image: pyvips.Image) -> tuple[int, int]:
    """One page's stored size (an animation loaded as a strip is one page high)."""
    page_height = int(image.get("page-height")) if image.get_typeof("page-height") else 0
    return image.width, page_height if 0 < page_height < image.height else image.height


def _oriented(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    return (size[1], size[0]) if orientation in ROTATING_ORIENTATIONS else size


def _preview(image: pyvips.Image) -> pyvips.Image:
    """At most PREVIEW_SIDE on each side, in memory, as displayed: the EXIF orientation applied
    (in memory, as the decoder may only read forwards)."""
    width, height = _page_size(image)
    if height != image.height:
        image = image.crop(0, 0, width, height)
    small = image.thumbnail_image(PREVIEW_SIDE, height=PREVIEW_SIDE, size="down").copy_memory()
    return small.autorot() if small.get_typeof("orientation") else small


def _rgba_sample(image: pyvips.Image) -> pyvips.Image:
    """At most SAMPLE_SIDE on each side, 8-bit sRGB with alpha, in memory."""
    profile = {"output_profile": "srgb"} if image.get_typeof("icc-profile-data") else {}
    small = image.thumbnail_image(SAMPLE_SIDE, height=SAMPLE_SIDE, size="down", **profile)
    if small.interpretation != "srgb":
        small = small.colourspace("srgb")
    if small.format != "uchar":
        small = small.cast("uchar")
    if not small.hasalpha():
        small = small.bandjoin_const([255])
    return small.extract_band(0, n=4).copy_memory()


def _flattened(sample: pyvips.Image) -> pyvips.Image:
    return sample.flatten(background=WHITE).cast("uchar")


def _blurhash(sample: pyvips.Image, components: tuple[int, int]) -> str:
    """BlurHash of the sample flattened on white and shrunk to BLURHASH_SIDE on its long side."""
    rgb = _flattened(sample)
    scale = BLURHASH_SIDE / max(rgb.width, rgb.height)
    if scale < 1:
        rgb = rgb.resize(scale).cast("uchar")
    return blurhash.encode(
        bytes(rgb.write_to_memory()),
        rgb.width,
        rgb.height,
        x_components=components[0],
        y_components=components[1],
    )


def _crop(
    options: InfoOptions, oriented: tuple[int, int], preview: pyvips.Image
) -> dict[str, float]:
    """The crop the `crop` processing option would cut from the upright image, relative to it."""
    width, height = oriented
    crop_w = _crop_side(width, options.crop.width)
    crop_h = _crop_side(height, options.crop.height)
    anchor = options.crop.gravity or Gravity()
    if anchor.type is GravityType.SMART:
        left, top = _smart_position(preview, crop_w / width, crop_h / height)
    else:
        x, y = position(oriented, (crop_w, crop_h), anchor)
        left, top = x / width, y / height
    return {"left": left, "top": top, "width": crop_w / width, "height": crop_h / height}


def _crop_side(size: int, requested: float) -> int:
    side = int(requested) if requested >= 1 else max(1, round(size * requested))
    return min(side, size)


def _smart_position(preview: pyvips.Image, width: float, height: float) -> tuple[float, float]:
    """Top-left corner (relative) of the most interesting area of this relative size."""
    crop_w = max(1, round(preview.width * width))
    crop_h = max(1, round(preview.height * height))
    _, found = preview.smartcrop(
        crop_w, crop_h, interesting="attention", attention_x=True, attention_y=True
    )
    left = min(max(0, int(found["attention_x"]) - crop_w // 2), preview.width - crop_w)
    top = min(max(0, int(found["attention_y"]) - crop_h // 2), preview.height - crop_h)
    return left / preview.width, top / preview.height


def _has_transparency(source: Source, page: int) -> bool:
    """Whether any pixel of the page is less than fully opaque (the whole page is decoded)."""
    image = source.load(page=page)
    if not image.hasalpha():
        return False
    alpha = image.extract_band(image.bands - 1)
    return float(alpha.min()) < MAX_ALPHA.get(str(image.format), 1.0)


def _blob(image: pyvips.Image, name: str) -> bytes:
    return bytes(image.get(name)) if image.get_typeof(name) else b""
