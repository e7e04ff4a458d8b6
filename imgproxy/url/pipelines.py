"""imgproxy Pro's chained pipelines: `.../rs:fit:500:500/-/trim:10/...` runs a second pass of
processing on the first one's result. The options a URL reads go to the pipeline they stand
in; the ones about the whole answer (how it is encoded, cached and delivered, and the security
limits) belong to the URL wherever they stand, the later one winning."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from imgproxy.url.options import DEFAULT_OPTIONS, Options
from imgproxy.url.records import replace

PIPELINE_SEPARATOR = "-"
"""The path segment that starts the next pipeline."""

URL_WIDE_FIELDS = (
    "format",
    "quality",
    "format_quality",
    "max_bytes",
    "autoquality",
    "strip_metadata",
    "keep_copyright",
    "strip_color_profile",
    "preserve_hdr",
    "dpi",
    "color_profile",
    "jpeg_options",
    "png_options",
    "webp_options",
    "avif_options",
    "skip_processing",
    "raw",
    "cachebuster",
    "expires",
    "filename",
    "return_attachment",
    "hashsum",
    "fallback_image_url",
    "bypass_cache",
    "cache_tags",
    "limits",
)
"""`Options` fields of the answer as a whole: kept in the first pipeline's `Options`."""


@dataclass
class Chain:
    """The pipelines a path builds while it is read, and the one its next option goes to."""

    pipelines: list[Options] = field(default_factory=lambda: [DEFAULT_OPTIONS])
    at: int = 0

    @property
    def current(self) -> Options:
        return self.pipelines[self.at]

    @current.setter
    def current(self, options: Options) -> None:
        self.pipelines[self.at] = options

    def next_pipeline(self) -> None:
        """Moves on to the next pipeline: a new one, or one a preset started already."""
        self.at += 1
        if self.at == len(self.pipelines):
            self.pipelines.append(DEFAULT_OPTIONS)

    def joined(self) -> Options:
        """The first pipeline's `Options`, holding the URL-wide fields and the others as
        `chained`."""
        head, *rest = self.pipelines
        if not rest:
            return head
        updates: dict[str, Any] = {}
        chained = []
        for options in rest:
            moved = {
                name: getattr(options, name)
                for name in URL_WIDE_FIELDS
                if getattr(options, name) != getattr(DEFAULT_OPTIONS, name)
            }
            updates.update(moved)
            reset = {name: getattr(DEFAULT_OPTIONS, name) for name in moved}
            chained.append(replace(options, **reset) if reset else options)
        return replace(head, **updates, chained=tuple(chained))
