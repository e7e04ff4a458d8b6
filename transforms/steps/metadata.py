"""Strip metadata (EXIF, XMP, IPTC, comments), keeping copyright fields when asked."""

from __future__ import annotations

import pyvips

from transforms.job import Job

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
    if not (_keeps_copyright(image, job) or (drops_profile and not job.strip_metadata)):
        return image  # the saver's keep flags (`keep_flags`) drop what has to go
    image = image.copy()
    keep = COPYRIGHT_FIELDS if job.keep_copyright else frozenset()
    for name in image.get_fields():
        dropped = job.strip_metadata and name.startswith(DROPPED_PREFIXES) and name not in keep
        if dropped or (name == "icc-profile-data" and drops_profile):
            image.remove(name)
    return image


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
    if _keeps_copyright(image, job):
        kept.append("exif")
    if image.get_typeof("icc-profile-data") and not job.strip_color_profile:
        kept.append("icc")
    return ":".join(kept) or "none"
