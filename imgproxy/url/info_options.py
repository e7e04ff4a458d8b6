"""The info options of one `/info` URL (imgproxy Pro's grammar), as one frozen typed value.

Standard library only: the URL-signing helper writes these too. Defaults are Pro's: the header
facts (size, format, dimensions, EXIF, IPTC, XMP, video metadata) are on until turned off;
everything that needs the pixels is off until asked for. `imgproxy.url.info_rows` reads and
writes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from imgproxy.url.hashsums import ExpectedHashsum, Hashsum
from imgproxy.url.options import Crop, SecurityLimits

MAX_BLURHASH_COMPONENTS = 9
MIN_PALETTE_COLORS = 2
MAX_PALETTE_COLORS = 256


@dataclass(frozen=True, kw_only=True)
class InfoOptions:
    # Read from the header
    size: bool = True
    format: bool = True
    dimensions: bool = True
    exif: bool = True
    exif_canonical_names: bool = False
    iptc: bool = True
    xmp: bool = True
    video_meta: bool = True
    # Read from the pixels
    colorspace: bool = False
    bands: bool = False
    sample_format: bool = False
    pages_number: bool = False
    alpha: bool = False
    check_transparency: bool = False
    crop: Crop = field(default_factory=Crop)
    palette: int = 0
    """0: off; otherwise at most this many colours, 2..256."""
    average: bool = False
    average_ignore_transparent: bool = True
    dominant_colors: bool = False
    dominant_colors_build_missed: bool = False
    blurhash: tuple[int, int] = (0, 0)
    """x and y components; off unless both are above zero."""
    thumb_hash: bool = False
    perceptual_hash: bool = False
    detect_objects: bool = False
    """Pro's `objects`: the faces found, in relative coordinates."""
    calc_hashsums: tuple[Hashsum, ...] = ()
    page: int = 0
    # Delivery
    cachebuster: str = ""
    bypass_cache: bool = False
    cache_tags: tuple[str, ...] = ()
    expires: int | None = None
    hashsum: ExpectedHashsum | None = None
    limits: SecurityLimits = field(default_factory=SecurityLimits)
    """Only `max_src_resolution` and `max_src_file_size` (IMGPROXY_ALLOW_SECURITY_OPTIONS)."""

    @property
    def needs_pixels(self) -> bool:
        """Whether anything asked for is computed from decoded pixels, not the header."""
        return bool(
            (self.crop.width and self.crop.height)
            or self.palette
            or self.average
            or self.dominant_colors
            or all(self.blurhash)
            or self.thumb_hash
            or self.perceptual_hash
        )


DEFAULT_INFO_OPTIONS = InfoOptions()
