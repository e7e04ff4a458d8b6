"""The bundled samples `local:///` reaches, the best photograph first.

"Best": a photograph (a JPEG, HEIC or AVIF without alpha) before anything else, one stored
upright before one that needs its EXIF orientation, then the most pixels; ties by name.
"""

from __future__ import annotations

from pathlib import Path

import pyvips

from config.settings import SAMPLES_DIR, Settings

PHOTO_LOADERS = frozenset({"jpegload", "heifload"})


def photo_rank(path: Path) -> tuple[bool, bool, int, str]:
    """Sorts ascending: the best photograph has the smallest rank. Reads the header only."""
    try:
        image = pyvips.Image.new_from_file(str(path), access="sequential")
    except pyvips.Error:
        return (True, True, 0, path.name)
    loader = str(image.get("vips-loader")).removesuffix("_source").removesuffix("_file")
    photo = loader in PHOTO_LOADERS and not image.hasalpha()
    orientation = image.get("orientation") if image.get_typeof("orientation") else 1
    return (not photo, orientation != 1, -image.width * image.height, path.name)


def bundled_samples(settings: Settings, folder: Path = SAMPLES_DIR) -> list[dict[str, str]]:
    """The bundled samples that `local:///` reaches (all of them with `--dev`)."""
    root = settings.local_filesystem_root
    if root is None:
        return []
    paths = [path for path in folder.iterdir() if path.suffix != ".md"]
    reached = [path for path in paths if (root / path.name).is_file()]
    return [
        {"name": path.name, "source": f"local:///{path.name}"}
        for path in sorted(reached, key=photo_rank)
    ]
