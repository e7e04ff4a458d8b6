"""The worker-thread entry point of the service: `transforms.pipeline.render`, with the output
format of a URL that names none settled by IMGPROXY_PREFERRED_FORMATS when that is set."""

from __future__ import annotations

from collections.abc import Sequence

from imgproxy.preferred import DEFAULT_PREFERRED_FORMATS, preferred_output
from imgproxy.url.options import ImageFormat, Options
from transforms.pipeline import Defaults, Rendered, render
from transforms.sources import open_source


def render_preferred(
    data: bytes,
    options: Options,
    requested: ImageFormat | None,
    defaults: Defaults,
    preferred: Sequence[ImageFormat] = DEFAULT_PREFERRED_FORMATS,
) -> Rendered:
    """The default list is what the pipeline does by itself, so only a configured list costs
    a second look at the source's header."""
    if requested is None and tuple(preferred) != DEFAULT_PREFERRED_FORMATS:
        requested = _settle(data, options, defaults, preferred)
    return render(data, options, requested, defaults)


def _settle(
    data: bytes, options: Options, defaults: Defaults, preferred: Sequence[ImageFormat]
) -> ImageFormat | None:
    limits = defaults.limits.narrowed_by(options)
    info = open_source(data, max_pixels=limits.max_src_pixels).info
    if info.format is ImageFormat.SVG or info.format in options.skip_processing:
        return None  # kept as it is (sanitized SVG, skip_processing), as without a list
    animated = info.pages > 1 and limits.max_animation_frames > 1
    return preferred_output(preferred, info.format, has_alpha=info.has_alpha, animated=animated)
