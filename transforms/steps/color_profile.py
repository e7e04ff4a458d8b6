"""imgproxy Pro's `color_profile`: the result converted to a profile it then carries, whatever
`strip_color_profile` says, in the formats that carry one."""

from __future__ import annotations

from pathlib import Path

import pyvips

from imgproxy.errors import InvalidOption
from imgproxy.url.options import ImageFormat
from transforms.job import Job

BUILT_IN = frozenset({"srgb", "cmyk"})
"""libvips' own profiles: a compact sRGB, and "Chemical proof" CMYK (about 1 MB)."""
PROFILE_EXTENSIONS = ("", ".icc", ".icm")
CARRIERS = frozenset(
    {ImageFormat.JPEG, ImageFormat.PNG, ImageFormat.WEBP, ImageFormat.AVIF, ImageFormat.TIFF}
)
CMYK_CARRIERS = frozenset({ImageFormat.JPEG, ImageFormat.TIFF})


def profile_path(name: str, directory: Path | None) -> str:
    """The built-in profile's name, or the file `name` (its extension optional) in
    `directory`; blank for blank."""
    if not name or name in BUILT_IN:
        return name
    if directory is not None:
        for extension in PROFILE_EXTENSIONS:
            candidate = directory / f"{name}{extension}"
            if candidate.is_file():
                return str(candidate)
    raise InvalidOption(f"Unknown color profile: {name}")


def exports_profile(job: Job) -> bool:
    """The result carries `color_profile`'s profile: its format can (CMYK only JPEG and TIFF)."""
    if job.color_profile == "cmyk":
        return job.output in CMYK_CARRIERS
    return bool(job.color_profile) and job.output in CARRIERS


def export_color_profile(image: pyvips.Image, job: Job) -> pyvips.Image:
    profile = job.color_profile
    if not exports_profile(job):
        return image
    try:
        return image.icc_transform(
            profile,
            embedded=True,
            input_profile="srgb",
            intent="relative",
            depth=16 if image.format == "ushort" else 8,
        )
    except pyvips.Error:
        raise InvalidOption(f"Invalid color profile: {Path(profile).name}") from None
