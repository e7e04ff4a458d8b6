"""The size limits in force for one request: the server's, narrowed by security options."""

from __future__ import annotations

from dataclasses import dataclass, replace

from imgproxy.url.options import Options


@dataclass(frozen=True)
class Limits:
    max_src_pixels: int = 50_000_000
    max_src_file_size: int = 0
    max_animation_frames: int = 1
    max_animation_frame_pixels: int = 0
    max_result_dimension: int = 0

    def narrowed_by(self, options: Options) -> Limits:
        """Apply the URL's security options (the parser only accepts them when allowed)."""
        given = options.limits
        updates: dict[str, int] = {}
        if given.max_src_resolution is not None:
            updates["max_src_pixels"] = int(given.max_src_resolution * 1_000_000)
        if given.max_src_file_size is not None:
            updates["max_src_file_size"] = given.max_src_file_size
        if given.max_animation_frames is not None:
            updates["max_animation_frames"] = given.max_animation_frames
        if given.max_animation_frame_resolution is not None:
            updates["max_animation_frame_pixels"] = int(
                given.max_animation_frame_resolution * 1_000_000
            )
        if given.max_result_dimension is not None:
            updates["max_result_dimension"] = given.max_result_dimension
        return replace(self, **updates)
