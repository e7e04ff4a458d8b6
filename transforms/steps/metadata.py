"""Strip metadata (EXIF, XMP, IPTC, comments), keeping copyright fields when asked."""

from __future__ import annotations

import pyvips

from imgproxy.url.options import ImageFormat
from transforms.job import Job
from transforms.steps.color_profile import exports_profile

MM_PER_INCH = 25.4
COPYRIGHT_FIELDS = frozenset({"exif-ifd0-Copyright", "exif-ifd0-Artist"})
DROPPED_PREFIXES = (
    "exif-",
    "xmp-",
    "iptc-",
    "photoshop-",
    "png-comment-",
    "gif-comment",
    "jpeg-thumbnail-",
    "heif-",
)


def strip_metadata(image: pyvips.Image, job: Job) -> pyvips.Image:
    """Drop metadata when `strip_metadata`, and the ICC profile when `strip_color_profile`
    (the pixels are in sRGB by then), each independently of the other."""
    drops_profile = job.strip_color_profile and bool(image.get_typeof("icc-profile-data"))
    if not (_writes_exif(image, job) or (drops_profile and not job.strip_metadata)):
        return image  # the saver's keep flags (`keep_flags`) drop what has to go
    image = image.copy()
    for name in image.get_fields():
        dropped = job.strip_metadata and stripped(name, keep_copyright=job.keep_copyright)
        if dropped or (name == "icc-profile-data" and drops_profile):
            image.remove(name)
    return image


def stripped(name: str, *, keep_copyright: bool) -> bool:
    """Whether stripping metadata removes the field `name`."""
    return name.startswith(DROPPED_PREFIXES) and not (keep_copyright and name in COPYRIGHT_FIELDS)


def set_resolution(image: pyvips.Image, job: Job) -> pyvips.Image:
    """`dpi`: the resolution the saver writes, in libvips' pixels per mm: PNG and TIFF in
    their own fields, JPEG in an EXIF block the saver builds (`_writes_exif`)."""
    dpi = job.options.dpi
    if not dpi:
        return image
    return image.copy(xres=dpi / MM_PER_INCH, yres=dpi / MM_PER_INCH)


def _writes_exif(image: pyvips.Image, job: Job) -> bool:
    """The saver writes an EXIF block (so stripped fields must go from the image itself):
    for copyright fields kept, or for a JPEG's `dpi`."""
    return _keeps_copyright(image, job) or bool(job.options.dpi and job.output is ImageFormat.JPEG)


def _keeps_copyright(image: pyvips.Image, job: Job) -> bool:
    """Metadata is stripped but for copyright fields the image has."""
    return (
        job.strip_metadata
        and job.keep_copyright
        and any(image.get_typeof(name) for name in COPYRIGHT_FIELDS)
    )


def keep_flags(image: pyvips.Image, job: Job) -> str:
    """What the saver may write of the metadata left on the image."""
    if not job.strip_metadata:
        return "all"
    kept = []
    if _writes_exif(image, job):
        kept.append("exif")
    if image.get_typeof("icc-profile-data") and (
        not job.strip_color_profile or exports_profile(job)
    ):
        kept.append("icc")
    return ":".join(kept) or "none"
