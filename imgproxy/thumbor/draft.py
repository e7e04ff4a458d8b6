"""What a thumbor URL asks for while its parts are being read: options plus the rest."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from imgproxy.url.options import Options, SourceFit
from imgproxy.url.pixel_filters import PixelFilter


@dataclass
class Draft:
    options: Options
    source: str
    fit: SourceFit = field(default_factory=SourceFit)
    pixel_filters: list[PixelFilter] = field(default_factory=list)
    assets: dict[str, str] = field(default_factory=dict)
    """role -> URL of the auxiliary images to fetch."""
    max_age: int | None = None
    ignored_filters: list[str] = field(default_factory=list)
    """Names of the filters skipped as unknown, in URL order."""
    box: tuple[int, int] = (0, 0)
    """The requested width and height (0: proportional or `orig`)."""

    def set(self, **changes: Any) -> None:
        self.options = replace(self.options, **changes)

    def set_fit(self, **changes: Any) -> None:
        self.fit = replace(self.fit, **changes)
