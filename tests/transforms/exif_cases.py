"""What `strip_metadata` and `keep_copyright` keep of an EXIF block that names an artist, a
copyright holder and a camera: the same for every source format that carries one."""

from __future__ import annotations

from tests.transforms import images as im

TAGGED_FIELDS = ("Copyright", "Artist", "Make")
STRIP_CASES = [
    ("", {"Copyright", "Artist"}),  # strip + keep copyright are the defaults
    ("sm:1/kcr:0", set()),
    ("sm:0", {"Copyright", "Artist", "Make"}),
    ("sm:0/kcr:0", {"Copyright", "Artist", "Make"}),
]
"""(processing options, the tagged fields an answer keeps)."""


def kept_fields(data: bytes, path: str, extension: str = "jpg") -> set[str]:
    """The tagged fields of `data` rendered with `path` to `extension`."""
    image = im.decode(im.run(data, path, extension=extension))
    return {name for name in TAGGED_FIELDS if image.get_typeof(f"exif-ifd0-{name}")}
