"""Colour answers of `/info`, from a small 8-bit RGBA sample of the source: the average colour,
a palette (median cut) and the six dominant colours (vibrant and muted, each light, normal and
dark), chosen as Android's Palette chooses its swatches."""

from __future__ import annotations

import colorsys
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

Pixel = tuple[int, int, int, int]
RGB = tuple[int, int, int]
MOSTLY_TRANSPARENT = 128
"""Pixels less opaque than this take no part in the dominant colours."""
DOMINANT_CANDIDATES = 16


@dataclass(frozen=True)
class Target:
    """A swatch wanted: HSL saturation and lightness ranges and the values it prefers."""

    name: str
    saturation: tuple[float, float, float]
    lightness: tuple[float, float, float]
    """(lowest, preferred, highest)."""


VIBRANT_S = (0.35, 1.0, 1.0)
MUTED_S = (0.0, 0.3, 0.4)
LIGHT_L = (0.55, 0.74, 1.0)
NORMAL_L = (0.3, 0.5, 0.7)
DARK_L = (0.0, 0.26, 0.45)
TARGETS = (
    Target("vibrant", VIBRANT_S, NORMAL_L),
    Target("light_vibrant", VIBRANT_S, LIGHT_L),
    Target("dark_vibrant", VIBRANT_S, DARK_L),
    Target("muted", MUTED_S, NORMAL_L),
    Target("light_muted", MUTED_S, LIGHT_L),
    Target("dark_muted", MUTED_S, DARK_L),
)
WEIGHTS = (0.24, 0.52, 0.24)
"""Saturation, lightness and population in a swatch's score."""


def pixels_of(data: bytes) -> list[Pixel]:
    """RGBA bytes as pixels."""
    return list(zip(data[0::4], data[1::4], data[2::4], data[3::4], strict=True))


def average(pixels: list[Pixel], *, ignore_transparent: bool) -> dict[str, int]:
    """Mean R, G, B and A; fully transparent pixels left out when asked (unless all are)."""
    counted = [pixel for pixel in pixels if pixel[3]] if ignore_transparent else pixels
    counted = counted or pixels
    sums = [sum(pixel[channel] for pixel in counted) for channel in range(4)]
    return dict(zip("RGBA", (round(total / len(counted)) for total in sums), strict=True))


def median_cut(pixels: list[Pixel], most: int) -> list[tuple[Pixel, int]]:
    """At most `most` colours, each the mean of one box of pixels, with the box's population,
    most populous first. The box with the widest channel is split at that channel's median."""
    if not pixels:
        return []
    boxes = [_box(pixels)]
    while len(boxes) < most:
        widest = max(boxes, key=lambda box: (box[0], len(box[2])))
        spread, channel, members = widest
        if spread == 0:
            break
        boxes.remove(widest)
        ordered = sorted(members, key=lambda pixel: pixel[channel])
        cut = _cut([pixel[channel] for pixel in ordered])
        boxes += [_box(ordered[:cut]), _box(ordered[cut:])]
    merged: dict[Pixel, int] = {}
    for _, _, members in boxes:
        colour = _mean(members)
        merged[colour] = merged.get(colour, 0) + len(members)
    return sorted(merged.items(), key=lambda item: -item[1])


def _cut(values: list[int]) -> int:
    """Where to split sorted values of two or more kinds: at the change of value nearest the
    middle, so that no colour is split across two boxes."""
    middle = values[len(values) // 2]
    changes = [bisect_left(values, middle), bisect_right(values, middle)]
    inside = [index for index in changes if 0 < index < len(values)]
    return min(inside, key=lambda index: abs(index - len(values) // 2))


def _box(members: list[Pixel]) -> tuple[int, int, list[Pixel]]:
    """(widest channel's spread, that channel, the pixels)."""
    spreads = [max(p[c] for p in members) - min(p[c] for p in members) for c in range(4)]
    widest = max(range(4), key=spreads.__getitem__)
    return spreads[widest], widest, members


def palette(pixels: list[Pixel], colors: int) -> list[dict[str, int]]:
    return [dict(zip("RGBA", colour, strict=True)) for colour, _ in median_cut(pixels, colors)]


def dominant_colors(pixels: list[Pixel], *, build_missed: bool) -> dict[str, dict[str, int]]:
    """The swatch of each target found (best score, each candidate used once), in the order
    of `TARGETS`; with `build_missed`, missing ones derived from a found one."""
    visible = [pixel for pixel in pixels if pixel[3] >= MOSTLY_TRANSPARENT]
    candidates = [
        ((colour[0], colour[1], colour[2]), population)
        for colour, population in median_cut(visible, DOMINANT_CANDIDATES)
    ]
    most = max((population for _, population in candidates), default=1)
    chosen: dict[str, RGB] = {}
    for target in TARGETS:
        best = _best(target, candidates, most, set(chosen.values()))
        if best is not None:
            chosen[target.name] = best
    if build_missed and chosen:
        for target in TARGETS:
            if target.name not in chosen:
                chosen[target.name] = _built(target, chosen)
    return {
        target.name: dict(zip("RGB", chosen[target.name], strict=True))
        for target in sorted(TARGETS, key=lambda target: target.name)
        if target.name in chosen
    }


def _best(
    target: Target,
    candidates: list[tuple[RGB, int]],
    most: int,
    used: set[RGB],
) -> RGB | None:
    best: tuple[float, RGB] | None = None
    for colour, population in candidates:
        if colour in used:
            continue
        _, lightness, saturation = _hls(colour)
        if not (
            target.saturation[0] <= saturation <= target.saturation[2]
            and target.lightness[0] <= lightness <= target.lightness[2]
        ):
            continue
        score = (
            WEIGHTS[0] * (1 - abs(saturation - target.saturation[1]))
            + WEIGHTS[1] * (1 - abs(lightness - target.lightness[1]))
            + WEIGHTS[2] * population / most
        )
        if best is None or score > best[0]:
            best = (score, colour)
    return None if best is None else best[1]


def _built(target: Target, chosen: dict[str, RGB]) -> RGB:
    """A found swatch of the same family (vibrant or muted; normal lightness first), else any,
    moved to the target's preferred lightness."""
    family = target.name.rsplit("_", 1)[-1]
    order = [name for name in (family, f"dark_{family}", f"light_{family}") if name in chosen]
    source = chosen[order[0]] if order else next(iter(chosen.values()))
    hue, _, saturation = _hls(source)
    red, green, blue = colorsys.hls_to_rgb(hue, target.lightness[1], saturation)
    return round(red * 255), round(green * 255), round(blue * 255)


def _hls(colour: RGB) -> tuple[float, float, float]:
    return colorsys.rgb_to_hls(colour[0] / 255, colour[1] / 255, colour[2] / 255)


def _mean(box: list[Pixel]) -> Pixel:
    count = len(box)
    red, green, blue, alpha = (round(sum(p[c] for p in box) / count) for c in range(4))
    return red, green, blue, alpha
