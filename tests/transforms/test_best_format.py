"""imgproxy Pro's `format:best`: the smallest of the candidate encodings, the candidates
settled by the preferred formats, the client's `Accept` and the detection flags."""

from __future__ import annotations

from dataclasses import replace

import pytest

from imgproxy.negotiation import FormatChoice, Negotiation, negotiated_format
from imgproxy.url.options import ImageFormat
from tests.transforms import images as im
from transforms.best_format import BestFormatDefaults, candidates, complexity, pick
from transforms.pipeline import Rendered, render

PHOTO = im.corpus("jpeg-baseline-icc.jpg")
ALPHA = im.corpus("png-palette-trns.png")
ANIMATION = im.corpus("gif-animated-30frames.gif")
SVG = im.corpus("svg-basic.svg")
AVIF, WEBP, JPEG, PNG, GIF = (
    ImageFormat.AVIF,
    ImageFormat.WEBP,
    ImageFormat.JPEG,
    ImageFormat.PNG,
    ImageFormat.GIF,
)
BOTH = "image/avif,image/webp,*/*"


@pytest.mark.parametrize(
    ("negotiation", "accept", "choice", "key"),
    [
        (Negotiation(), BOTH, FormatChoice(ImageFormat.BEST, False, ()), "best:none"),
        (
            Negotiation(auto_webp=True, auto_avif=True),
            BOTH,
            FormatChoice(ImageFormat.BEST, True, (AVIF, WEBP)),
            "best:avif,webp",
        ),
        (
            Negotiation(auto_webp=True, auto_avif=True),
            "image/webp,*/*",
            FormatChoice(ImageFormat.BEST, True, (WEBP,)),
            "best:webp",
        ),
        (
            Negotiation(enforce_avif=True),
            BOTH,
            FormatChoice(ImageFormat.BEST, True, (AVIF,)),
            "best:avif",
        ),
    ],
)
def test_the_candidates_follow_accept_and_the_flags(
    negotiation: Negotiation, accept: str, choice: FormatChoice, key: str
) -> None:
    assert negotiation.choose(ImageFormat.BEST, accept) == choice
    assert negotiated_format(negotiation, ImageFormat.BEST, accept) == key


def test_candidates_keep_alpha_and_animation() -> None:
    preferred = (JPEG, PNG, GIF, WEBP, AVIF, ImageFormat.TIFF)
    assert candidates(preferred, (), has_alpha=False, animated=False) == [JPEG, PNG, GIF]
    with_alpha = candidates(preferred, (AVIF, WEBP), has_alpha=True, animated=False)
    assert with_alpha == [AVIF, WEBP, PNG, GIF]
    assert candidates(preferred, (AVIF, WEBP), has_alpha=False, animated=True) == [WEBP, GIF]


def best(source: bytes, path: str = "w:200", accepted: tuple[ImageFormat, ...] = ()) -> Rendered:
    options = im.PARSER.parse(f"{path}/plain/local:///source").options
    server = im.defaults(max_animation_frames=50)
    return render(source, options, ImageFormat.BEST, server, best_of=accepted)


@pytest.mark.parametrize("accepted", [(), (WEBP,), (AVIF, WEBP)])
def test_the_smallest_candidate_is_answered(accepted: tuple[ImageFormat, ...]) -> None:
    chosen = best(PHOTO, accepted=accepted)
    sizes = {
        image_format: len(im.run(PHOTO, "w:200", extension=image_format.value).data)
        for image_format in (*accepted, JPEG, PNG, GIF)
    }
    assert chosen.format is min(sizes, key=lambda image_format: sizes[image_format])
    assert len(chosen.data) == min(sizes.values())


def test_alpha_and_animation_are_kept() -> None:
    assert best(ALPHA, accepted=(AVIF, WEBP)).format in (AVIF, WEBP, PNG, GIF)
    assert best(ALPHA).format in (PNG, GIF)
    animated = best(ANIMATION, accepted=(AVIF, WEBP))
    assert animated.format in (WEBP, GIF)
    assert im.decode(animated, all_pages=True).height > animated.height, "still animated"


def test_a_low_complexity_image_is_lossless_in_webp() -> None:
    drawing = im.solid(64, 64, im.RED).draw_rect([0, 0, 255], 10, 10, 20, 20, fill=True)
    flat = bytes(drawing.pngsave_buffer())
    assert complexity(drawing) < BestFormatDefaults().complexity_threshold
    chosen = best(flat, "", accepted=(WEBP,))
    assert (chosen.format, chosen.data[12:16]) == (WEBP, b"VP8L")
    photo = im.decode(im.run(PHOTO, "w:200", extension="png"))
    assert complexity(photo) > BestFormatDefaults().complexity_threshold


def test_over_the_resolution_limit_one_format_is_picked_untried() -> None:
    options = im.PARSER.parse("w:200/plain/local:///source").options
    limited = replace(im.defaults(), best_format=BestFormatDefaults(max_pixels=10_000))
    assert render(PHOTO, options, ImageFormat.BEST, limited, best_of=(AVIF, WEBP)).format is AVIF
    assert render(PHOTO, options, ImageFormat.BEST, limited, best_of=(WEBP,)).format is WEBP
    assert render(PHOTO, options, ImageFormat.BEST, limited).format is JPEG


def test_svg_is_rasterized_unless_skips_are_allowed() -> None:
    options = im.PARSER.parse("plain/local:///source").options
    assert render(SVG, options, ImageFormat.BEST, im.defaults()).format in (PNG, GIF)
    skipping = replace(im.defaults(), best_format=BestFormatDefaults(allow_skips=True))
    assert render(SVG, options, ImageFormat.BEST, skipping).format is ImageFormat.SVG


@pytest.mark.parametrize("path", ["f:best/plain/local:///a.jpg", "plain/local:///a.jpg@best"])
def test_best_is_read_as_the_format(path: str) -> None:
    assert im.PARSER.parse(path).options.format is ImageFormat.BEST


def test_a_photo_is_not_tried_as_png_or_gif() -> None:
    photo = im.decode(im.run(PHOTO, "w:200", extension="png"))
    drawing = im.solid(64, 64, im.RED).draw_rect([0, 0, 255], 10, 10, 20, 20, fill=True)
    for image, expected in ((photo, [AVIF, JPEG]), (drawing, [AVIF, JPEG, PNG, GIF])):
        tried: list[ImageFormat] = []

        def encoder(
            image_format: ImageFormat, lossless: bool, tried: list[ImageFormat] = tried
        ) -> bytes:
            tried.append(image_format)
            return b"x" * len(tried)

        pick(image, [AVIF, JPEG, PNG, GIF], BestFormatDefaults(), encoder)
        assert tried == expected
