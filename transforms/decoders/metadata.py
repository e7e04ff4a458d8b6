"""The metadata a decoder outside libvips hands on with its pixels: the EXIF and XMP of a HEIF
(pillow-heif reads them) or of a JPEG XL container (`transforms.decoders.jxl_boxes`).

Set on an image as `exif-data`, an EXIF block is parsed by libvips into its
`exif-ifd{N}-{Name}` fields, resolution and orientation, as a JPEG's is on load, so the render
keeps or strips it and `/info` lists it the same way. These decoders give upright pixels
(libheif applies a HEIF's irot and imir, libjxl a JPEG XL's orientation), so the orientation
read from the block is dropped, as libvips' own HEIF loader drops it.
"""

from __future__ import annotations

import pyvips

ORIENTATION_FIELDS = ("orientation", "exif-ifd0-Orientation")
Blocks = tuple[tuple[str, bytes], ...]
"""(field, block): `exif-data` and `xmp-data`, each at most once."""


def blocks(exif: object, xmp: object) -> Blocks:
    """(field, block) of the EXIF and XMP blocks a decoder found; empty ones left out."""
    found = (("exif-data", exif), ("xmp-data", xmp))
    return tuple((name, block) for name, block in found if isinstance(block, bytes) and block)


def attached(image: pyvips.Image, metadata: Blocks) -> pyvips.Image:
    """`image` carrying the `blocks`, read as libvips reads them, orientation left out."""
    if not metadata:
        return image
    image = image.copy()
    for name, block in metadata:
        image.set_type(pyvips.GValue.blob_type, name, block)
    for name in ORIENTATION_FIELDS:
        if image.get_typeof(name):
            image.remove(name)
    return image
