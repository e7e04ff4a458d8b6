"""An animation asked for as AVIF stays animated (an AVIF image sequence, written by Pillow);
negotiated to AVIF, it becomes WebP, as imgproxy never negotiates an animation to AVIF."""

from __future__ import annotations

import io

from PIL import Image

from imgproxy.url.options import ImageFormat
from tests.transforms import images as im
from transforms.pipeline import render

ANIMATION = im.corpus("gif-animated-30frames.gif")
ANIMATING = im.defaults(max_animation_frames=100)


def _duration(picture: Image.Image, index: int) -> int:
    picture.seek(index)
    picture.load()  # the AVIF reader sets a frame's duration once it is decoded
    duration: int = picture.info["duration"]
    return duration


def test_an_animation_asked_for_as_avif_keeps_its_frames_and_delays() -> None:
    source = Image.open(io.BytesIO(ANIMATION))
    delays = [source.seek(index) or source.info["duration"] for index in range(source.n_frames)]
    rendered = im.run(ANIMATION, "w:64", ANIMATING, extension="avif")
    result = Image.open(io.BytesIO(rendered.data))
    assert (rendered.format, result.format) == (ImageFormat.AVIF, "AVIF")
    assert result.n_frames == source.n_frames
    found = [_duration(result, index) for index in range(result.n_frames)]
    assert found == delays
    assert result.size == (64, rendered.height)


def test_without_animation_frames_it_is_a_still_avif() -> None:
    rendered = im.run(ANIMATION, "w:64", extension="avif")
    assert Image.open(io.BytesIO(rendered.data)).n_frames == 1


def test_an_animation_negotiated_to_avif_becomes_webp() -> None:
    options = im.PARSER.parse("w:64/plain/local:///source").options
    rendered = render(ANIMATION, options, ImageFormat.AVIF, ANIMATING)
    assert rendered.format is ImageFormat.WEBP
    assert rendered.data[8:12] == b"WEBP"
    still = render(im.corpus("jpeg-baseline-icc.jpg"), options, ImageFormat.AVIF, ANIMATING)
    assert still.format is ImageFormat.AVIF, "a still image is negotiated as ever"
