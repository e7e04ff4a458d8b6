"""DSSIM as the dssim tool defines it: checked against scikit-image's SSIM where the two agree
(one channel through the same Gaussian window), against libvips' CIE L*a*b* for the colour,
and against the tool's own definitions where it departs from plain SSIM (its window, channels
pooled before the formula, scales, each scale's map pooled by its mean absolute deviation)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import pyvips
from skimage.metrics import structural_similarity

from tests.transforms import images as im
from transforms.dssim import WEIGHTS, Reference, dssim
from transforms.dssim_lab import halved, lab, lab_scales, linear
from transforms.dssim_ssim import C1, ssim_map, statistics
from transforms.dssim_window import TOOL_TAPS, Planes, tool_window, window

SIGMA = 1.5
RADIUS = 5
"""scikit-image's Gaussian window: sigma 1.5 truncated at 3.5 sigma, 11 taps."""


def gaussian_taps() -> list[float]:
    weights = [math.exp(-0.5 * (x / SIGMA) ** 2) for x in range(-RADIUS, RADIUS + 1)]
    return [w / sum(weights) for w in weights]


def gaussian(planes: Planes) -> Planes:
    return window(planes, gaussian_taps())


def photo(width: int = 160) -> pyvips.Image:
    return im.decode(im.run(im.corpus("jpeg-baseline-icc.jpg"), f"w:{width}", extension="png"))


def jpeg_of(image: pyvips.Image, quality: int) -> pyvips.Image:
    return pyvips.Image.new_from_buffer(image.jpegsave_buffer(Q=quality), "").copy_memory()


def lightness_plane(image: pyvips.Image) -> Planes:
    return lab(linear(image))[:1]


@pytest.mark.parametrize("shape", [(3, 40, 31), (1, 5, 5), (2, 6, 9), (1, 4, 12), (1, 1, 1)])
def test_the_tool_window_is_its_3_tap_kernel_twice_along_each_axis(
    shape: tuple[int, int, int],
) -> None:
    planes = np.random.default_rng(7).random(shape, np.float32)
    twice = window(window(planes, TOOL_TAPS), TOOL_TAPS)
    np.testing.assert_allclose(tool_window(planes), twice, atol=1e-6)
    flat = np.full(shape, 0.25, np.float32)
    np.testing.assert_allclose(tool_window(flat), flat, atol=1e-6)


@pytest.mark.parametrize("quality", [20, 60, 90])
def test_one_channel_through_a_gaussian_window_is_scikit_images_ssim(quality: int) -> None:
    picture = photo()
    mine, theirs = lightness_plane(picture), lightness_plane(jpeg_of(picture, quality))
    found = ssim_map(statistics(mine, gaussian), theirs, gaussian)
    mean, expected = structural_similarity(
        mine[0],
        theirs[0],
        gaussian_weights=True,
        sigma=SIGMA,
        use_sample_covariance=False,
        data_range=1.0,
        full=True,
    )
    inner = np.s_[RADIUS:-RADIUS, RADIUS:-RADIUS]
    np.testing.assert_allclose(found[inner], expected[inner], atol=2e-4)
    assert float(found[inner].mean()) == pytest.approx(mean, abs=1e-5)
    assert mean < 1 - 1e-4


def test_channels_pool_their_statistics_so_identical_channels_score_as_one() -> None:
    one = lightness_plane(photo(80))
    other = lightness_plane(jpeg_of(photo(80), 30))
    single = ssim_map(statistics(one), other)
    tripled = ssim_map(statistics(np.repeat(one, 3, 0)), np.repeat(other, 3, 0))
    np.testing.assert_allclose(tripled, single, atol=1e-4)


@pytest.mark.parametrize("colour", [(200, 30, 40), (20, 180, 90), (40, 60, 230), (128, 128, 128)])
def test_colour_is_libvips_cie_lab_on_the_tools_scale(colour: tuple[int, int, int]) -> None:
    swatch = im.solid(4, 4, colour)
    ours = lab(linear(swatch))[:, 0, 0]
    lightness, green_red, blue_yellow = swatch.colourspace("lab").getpoint(0, 0)
    expected = [1.05 * lightness / 116, (green_red + 86.2) / 220, (blue_yellow + 107.9) / 220]
    np.testing.assert_allclose(ours, expected, atol=3e-3)


def test_alpha_is_premultiplied_so_hidden_colour_does_not_count() -> None:
    red, blue = im.solid(16, 16, (255, 0, 0, 0)), im.solid(16, 16, (0, 0, 255, 0))
    assert dssim(red, blue) == 0
    assert dssim(im.solid(16, 16, (255, 0, 0, 255)), im.solid(16, 16, (255, 0, 0, 128))) > 0.001


def test_scales_halve_while_both_sides_are_at_least_eight() -> None:
    sizes = [plane.shape[1:] for plane in lab_scales(im.solid(70, 33, (9, 9, 9)), 9)]
    assert sizes == [(33, 70), (16, 35), (8, 17), (4, 8)]
    assert len(lab_scales(im.solid(7, 40, (9, 9, 9)), 5)) == 1
    odd = np.arange(2 * 3 * 5, dtype=np.float32).reshape(2, 3, 5)
    np.testing.assert_allclose(halved(odd)[0], [[3, 5]])


@pytest.mark.parametrize(("first", "second"), [(100, 120), (30, 200), (250, 251)])
def test_flat_greys_score_by_the_tools_pooling(first: int, second: int) -> None:
    """A flat map scores 1 at the full size; at scale n the tool compares each SSIM with the
    map's mean raised to 1/2^n."""
    means = [lab(linear(im.solid(1, 1, (grey,) * 3)))[:, 0, 0] for grey in (first, second)]
    similarity = (2 * float(means[0] @ means[1]) / 3 + C1) / (
        float(means[0] @ means[0] + means[1] @ means[1]) / 3 + C1
    )
    scores = [1 - abs(similarity ** (0.5**n) - similarity) for n in range(4)]
    weights = WEIGHTS[:4]
    expected = sum(w * s for w, s in zip(weights, scores, strict=True)) / sum(weights)
    found = dssim(im.solid(32, 32, (first,) * 3), im.solid(32, 32, (second,) * 3))
    assert found == pytest.approx(1 / expected - 1, rel=1e-3, abs=1e-7)


def test_the_same_picture_is_zero_and_worse_pictures_are_farther() -> None:
    picture = photo()
    reference = Reference(picture)
    assert reference.dssim(picture) == 0
    found = [reference.dssim(jpeg_of(picture, q)) for q in (20, 50, 80, 95)]
    assert found == sorted(found, reverse=True)
    assert found[-1] > 0
    assert reference.dssim(picture.gaussblur(3)) > found[0]


def test_a_change_of_hue_alone_counts() -> None:
    picture = photo()
    hue_turned = picture.colourspace("lch").linear([1, 1, 1], [0, 0, 120]).colourspace("srgb")
    assert dssim(picture, hue_turned.cast("uchar")) > 0.01


def test_a_candidate_of_another_size_is_refused() -> None:
    with pytest.raises(ValueError, match="160x"):
        Reference(photo()).dssim(photo(100))
