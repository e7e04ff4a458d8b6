"""What the load stages hand each other: each reads it and returns it with its own part set."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pyvips

from imgproxy.url.options import Options
from transforms.cancellation import Cancellation
from transforms.limits import Limits
from transforms.plan import Orientation, Plan
from transforms.sources import Source


@dataclass(frozen=True)
class Loading:
    source: Source
    options: Options
    """The request's options, as they came."""
    orientation: Orientation
    frames: int
    limits: Limits
    """The server's limits narrowed by the request's."""
    geometry: Options
    """The options the plan is made from: `options`, unless the source settles their size."""
    shrink: float = 1.0
    """The least shrink to decode at (vector sources over the pixel limit)."""
    image: pyvips.Image | None = None
    size: tuple[int, int] | None = None
    """The stored size the plan is made for (the source's at `shrink`, or what trim left)."""
    plan: Plan | None = None
    cancellation: Cancellation = field(default_factory=Cancellation)

    @property
    def unshrunk_size(self) -> tuple[int, int]:
        info = self.source.info
        return round(info.width / self.shrink), round(info.height / self.shrink)

    def loaded(self) -> tuple[pyvips.Image, Plan]:
        if self.image is None or self.plan is None:
            raise RuntimeError("The load stages ended without an image and a plan")
        return self.image, self.plan


LoadStage = Callable[[Loading], Loading]
