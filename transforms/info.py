"""What the `/info` endpoint reports about a source: header facts, dominant colour and BlurHash."""

from __future__ import annotations

from collections import Counter

import pyvips

from imgproxy.errors import UndecodableSource
from transforms import blurhash

STATS_SIZE = 64
BLURHASH_SIZE = 32
BLURHASH_COMPONENTS = (4, 3)
BLURHASH_BACKGROUND = (255, 255, 255)


def describe(
    image: pyvips.Image,
    *,
    data_size: int,
    format_name: str,
    media_type: str,
    pages: int,
    orientation: int,
    width: int | None = None,
    height: int | None = None,
) -> dict[str, object]:
    """The info document for a decoded source, ready for orjson.

    `image` may be shrunk on load; pass the source's stored `width` and `height` then (they
    default to the image's own, first page only). Colour statistics come from the first page,
    as displayed: EXIF orientation is applied when the image still carries the tag.
    """
    first_page = _first_page(image)
    thumbnail = _srgb_thumbnail(first_page)
    return {
        "width": first_page.width if width is None else width,
        "height": first_page.height if height is None else height,
        "format": format_name,
        "mime": media_type,
        "size": data_size,
        "orientation": orientation if 1 <= orientation <= 8 else 1,
        "color_space": str(image.interpretation),
        "bands": int(image.bands),
        "alpha": bool(image.hasalpha()),
        "pages": pages,
        "dominant_color": dominant_color(thumbnail),
        "blurhash": _blurhash(thumbnail),
    }


def dominant_color(image: pyvips.Image) -> str:
    """`#rrggbb` of the most common colour of an 8-bit sRGB image, ignoring transparent pixels.

    Pixels are counted in a 4-bit-per-channel histogram; the answer is the mean of the pixels in
    the fullest bin, so a flat colour comes back exactly. An image with nothing visible counts
    every pixel.
    """
    bands = int(image.bands)
    data = bytes(image.write_to_memory())
    reds, greens, blues = data[0::bands], data[1::bands], data[2::bands]
    keys = [
        (r >> 4) << 8 | (g >> 4) << 4 | b >> 4 for r, g, b in zip(reds, greens, blues, strict=True)
    ]
    visible: range | list[int] = range(len(keys))
    if image.hasalpha():
        opaque = [index for index, alpha in enumerate(data[bands - 1 :: bands]) if alpha]
        visible = opaque or visible
    counts = Counter(keys[index] for index in visible)
    winner = counts.most_common(1)[0][0]
    members = [index for index in visible if keys[index] == winner]
    mean = [
        round(sum(channel[i] for i in members) / len(members)) for channel in (reds, greens, blues)
    ]
    return "#{:02x}{:02x}{:02x}".format(*mean)


def _first_page(image: pyvips.Image) -> pyvips.Image:
    """The first frame of an animation loaded as one tall strip; other images unchanged."""
    if not image.get_typeof("page-height"):
        return image
    page_height = int(image.get("page-height"))
    if 0 < page_height < image.height:
        return image.crop(0, 0, image.width, page_height)
    return image


def _srgb_thumbnail(image: pyvips.Image) -> pyvips.Image:
    """At most STATS_SIZE on each side, 8-bit sRGB (alpha kept), read into memory once."""
    profile = {"output_profile": "srgb"} if image.get_typeof("icc-profile-data") else {}
    try:
        small = image.thumbnail_image(STATS_SIZE, height=STATS_SIZE, size="down", **profile)
        if small.interpretation != "srgb":
            small = small.colourspace("srgb")
        if small.format != "uchar":
            small = small.cast("uchar")
        return small.copy_memory()
    except pyvips.Error as error:
        raise UndecodableSource(
            "Source image cannot be decoded", detail=f"info: {' '.join(str(error).split())}"
        ) from None


def _blurhash(thumbnail: pyvips.Image) -> str:
    """BlurHash of the thumbnail flattened on white and shrunk to BLURHASH_SIZE on its long side."""
    rgb = thumbnail
    if rgb.hasalpha():
        rgb = rgb.flatten(background=list(BLURHASH_BACKGROUND))
    rgb = rgb.extract_band(0, n=3)
    scale = BLURHASH_SIZE / max(rgb.width, rgb.height)
    if scale < 1:
        rgb = rgb.resize(scale)
    if rgb.format != "uchar":
        rgb = rgb.cast("uchar")
    x_components, y_components = BLURHASH_COMPONENTS
    return blurhash.encode(
        bytes(rgb.write_to_memory()),
        rgb.width,
        rgb.height,
        x_components=x_components,
        y_components=y_components,
    )
