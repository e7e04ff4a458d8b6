"""The outputs libvips does not write here, through Pillow: HEIC (pillow-heif's x265 encoder),
BMP and ICO; and plain JPEGs and WebPs, which Pillow writes as libvips would, for less CPU
(a JPEG that keeps no ICC profile goes to imagecodecs instead: `transforms.jpeg_turbo_saver`).
The image arrives 8-bit sRGB or grey, with or without alpha."""

from __future__ import annotations

import io
from collections.abc import Mapping

import pyvips
from PIL import Image

from transforms import jpeg_turbo_saver
from transforms.animation import split_frames
from transforms.pixel_filters.bands import as_rgb, split_alpha

ICO_MAX_SIDE = 256
"""The largest icon an ICO holds (imgproxy scales results down to it)."""
MODES = {3: "RGB", 4: "RGBA"}


def to_pillow(image: pyvips.Image) -> Image.Image:
    """RGB or RGBA pixels, grey spread over three bands; Pillow reads libvips' copy in place."""
    if image.bands not in MODES:
        colour, alpha = split_alpha(image)
        image = as_rgb(colour) if alpha is None else as_rgb(colour).bandjoin(alpha)
    mode = MODES[image.bands]
    size = (image.width, image.height)
    return Image.frombuffer(mode, size, image.write_to_memory(), "raw", mode, 0, 1)


def _icc(image: pyvips.Image, keep: str) -> bytes | None:
    wanted = keep == "all" or "icc" in keep.split(":")
    return (
        bytes(image.get("icc-profile-data"))
        if wanted and image.get_typeof("icc-profile-data")
        else None
    )


def heic_bytes(image: pyvips.Image, quality: int, keep: str) -> bytes:
    import pillow_heif  # noqa: PLC0415 - its codecs (3 MB a process) load with the first HEIC

    picture = to_pillow(image)
    heif = pillow_heif.from_pillow(picture)
    output = io.BytesIO()
    icc = _icc(image, keep)
    heif.save(output, quality=quality, **({"icc_profile": icc} if icc else {}))
    return output.getvalue()


def bmp_bytes(image: pyvips.Image) -> bytes:
    return bytes(_saved(image, "BMP", {}))


def ico_bytes(image: pyvips.Image) -> bytes:
    return bytes(_saved(image, "ICO", {"sizes": [(image.width, image.height)]}))


def avif_animation_bytes(
    image: pyvips.Image, frames: int, quality: int, speed: int, subsample: str
) -> bytes:
    """An AVIF image sequence of the `frames` stacked in `image`, with their delays, on one
    encoder thread."""
    pictures = [to_pillow(frame) for frame in split_frames(image, frames)]
    delays = image.get("delay") if image.get_typeof("delay") else [100] * len(pictures)
    output = io.BytesIO()
    pictures[0].save(
        output,
        format="AVIF",
        save_all=True,
        append_images=pictures[1:],
        duration=list(delays[: len(pictures)]),
        quality=quality,
        speed=speed,
        subsampling=subsample,
        max_threads=1,
    )
    return output.getvalue()


def jpeg_bytes(image: pyvips.Image, quality: int, keep: str, *, subsample: bool) -> bytes:
    """The bytes `jpegsave_buffer(Q=quality, keep=keep, optimize_coding=True)` writes for an
    8-bit, 3-band sRGB image with no other option set and `keep` of "none" or "icc", through
    libjpeg-turbo, which encodes them for two-thirds of the CPU of the mozjpeg in the pyvips
    wheel (`bench/RESULTS.md`): imagecodecs' where no profile is kept, as it lets the GIL go
    while it encodes; Pillow's, which holds it, where one is. libjpeg always writes a JFIF
    segment, which libvips leaves out: it is cut. `subsample`: 4:2:0 chroma, else 4:4:4."""
    icc = _icc(image, keep)
    if icc is None:  # imagecodecs writes the same bytes with the GIL let go
        return jpeg_turbo_saver.jpeg_bytes(image, quality, subsample=subsample)
    options = {"quality": quality, "optimize": True, "subsampling": 2 if subsample else 0}
    return jpeg_turbo_saver.without_jfif(_saved(image, "JPEG", options, icc))


def webp_bytes(image: pyvips.Image, quality: int, effort: int, keep: str) -> bytes:
    """The bytes `webpsave_buffer(Q=quality, effort=effort, keep=keep)` writes for one frame
    of 8-bit sRGB, with or without alpha, with no other option set and `keep` of "none" or
    "icc": the same libwebp encoder, called from Pillow without libvips' sink around it, for
    about four-fifths of the CPU (`bench/RESULTS.md`)."""
    options = {"quality": quality, "method": effort}
    return bytes(_saved(image, "WEBP", options, _icc(image, keep)))


def _saved(
    image: pyvips.Image, fmt: str, options: Mapping[str, object], icc: bytes | None = None
) -> memoryview:
    """The image saved by Pillow as `fmt`, with the ICC profile `icc` if there is one."""
    output = io.BytesIO()
    to_pillow(image).save(output, format=fmt, **options, **({"icc_profile": icc} if icc else {}))
    return output.getbuffer()
