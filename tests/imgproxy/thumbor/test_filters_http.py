"""Every stock thumbor filter through a running proxy, checked on pixels or headers."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import pyvips

from tests.imgproxy.thumbor.conftest import COPYRIGHTED, PHOTO, Thumbor, image_of
from tests.support import CORPUS, running_proxy

BASELINE = "120x80"


def fetch(thumbor: Thumbor, filters: str, size: str = BASELINE, src: str = PHOTO) -> httpx.Response:
    middle = f"filters:{filters}/" if filters else ""
    return thumbor.get(f"/unsafe/{size}/{middle}local:///{src}", accept="image/*")


def picture(thumbor: Thumbor, filters: str, size: str = BASELINE, src: str = PHOTO) -> pyvips.Image:
    return image_of(fetch(thumbor, filters, size, src))


def rgb_at(image: pyvips.Image, x: int, y: int) -> list[float]:
    return [round(value) for value in image.getpoint(x, y)[:3]]


def detail(image: pyvips.Image) -> float:
    """Mean absolute difference between neighbouring pixels: high when sharp, low when blurred."""
    grey = image.colourspace("b-w").extract_band(0).cast("float")
    return float(
        (
            grey.crop(1, 0, grey.width - 1, grey.height)
            - grey.crop(0, 0, grey.width - 1, grey.height)
        )
        .abs()
        .avg()
    )


@pytest.fixture(scope="module")
def plain(thumbor: Thumbor) -> pyvips.Image:
    return picture(thumbor, "")


def test_quality(thumbor: Thumbor) -> None:
    low, high = fetch(thumbor, "quality(10)"), fetch(thumbor, "quality(95)")
    assert len(low.content) * 2 < len(high.content)


@pytest.mark.parametrize(
    ("name", "media_type"), [("webp", "image/webp"), ("gif", "image/gif"), ("jpg", "image/jpeg")]
)
def test_format(thumbor: Thumbor, name: str, media_type: str) -> None:
    response = fetch(thumbor, f"format({name})")
    assert response.headers["content-type"] == media_type
    assert "vary" not in response.headers


def test_blur_and_sharpen_and_convolution(thumbor: Thumbor, plain: pyvips.Image) -> None:
    assert detail(picture(thumbor, "blur(3)")) < detail(plain) * 0.7
    assert detail(picture(thumbor, "sharpen(2,2,true)")) > detail(plain) * 1.1
    smoothed = picture(thumbor, "convolution(1;2;1;2;4;2;1;2;1,3,true)")
    assert detail(smoothed) < detail(plain) * 0.9


def test_brightness_contrast_saturation(thumbor: Thumbor, plain: pyvips.Image) -> None:
    assert picture(thumbor, "brightness(40)").avg() > plain.avg() + 40
    assert picture(thumbor, "contrast(60)").deviate() > plain.deviate() * 1.3
    grey = picture(thumbor, "saturation(0)")
    red, green, blue = rgb_at(grey, 60, 40)
    assert max(red, green, blue) - min(red, green, blue) <= 3


def chroma(image: pyvips.Image) -> float:
    return float(image.colourspace("lch").extract_band(1).avg())


def test_saturation_takes_any_multiplier_up_to_the_cap(
    thumbor: Thumbor, plain: pyvips.Image
) -> None:
    doubled = picture(thumbor, "saturation(2)")
    fifty = picture(thumbor, "saturation(50)")
    assert chroma(plain) * 1.5 < chroma(doubled) < chroma(fifty)
    capped = fetch(thumbor, "saturation(100)")
    over = fetch(thumbor, "saturation(1e6)")
    assert over.headers["x-cache"] == "HIT"  # the same options as the cap, the same entry
    assert (image_of(over) - image_of(capped)).abs().max() == 0


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "1e400"])
def test_saturation_refuses_what_is_not_a_finite_multiplier(thumbor: Thumbor, value: str) -> None:
    response = fetch(thumbor, f"saturation({value})")
    assert (response.status_code, response.text) == (
        400,
        f"Expected finite number >= 0 for saturation but received '{value}'\n",
    )


def test_grayscale(thumbor: Thumbor) -> None:
    image = picture(thumbor, "grayscale()")
    spread = (image.extract_band(0) - image.extract_band(2)).abs().max()
    assert spread <= 4


def test_rgb_colorize_equalize_noise_curve(thumbor: Thumbor, plain: pyvips.Image) -> None:
    reddened = picture(thumbor, "rgb(40,0,0)")
    assert reddened.extract_band(0).avg() > plain.extract_band(0).avg() + 50
    assert abs(reddened.extract_band(2).avg() - plain.extract_band(2).avg()) < 3
    tinted = picture(thumbor, "colorize(100,0,0,ff0000)")
    assert tinted.extract_band(0).avg() > tinted.extract_band(2).avg() + 100
    equalized = picture(thumbor, "equalize()")
    assert equalized.max() >= 250 and equalized.min() <= 5
    noisy = picture(thumbor, "noise(60,1)")
    assert (noisy - plain).abs().avg() > 5
    lifted = picture(
        thumbor, "curve([(0,0),(255,255)],[(0,128),(255,255)],[(0,0),(255,255)],[(0,0),(255,255)])"
    )
    assert lifted.extract_band(0).avg() > plain.extract_band(0).avg() + 20


def test_rotate_turns_the_result(thumbor: Thumbor, plain: pyvips.Image) -> None:
    turned = picture(thumbor, "rotate(90)")
    assert (turned.width, turned.height) == (80, 120)
    assert (turned - plain.rot270()).abs().avg() < 6  # counter-clockwise, as thumbor
    assert (turned - plain.rot90()).abs().avg() > 20


def test_strip_icc_and_strip_exif(root: Path) -> None:
    env = {
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(root),
        "IMGPROXY_THUMBOR_ALLOW_UNSAFE": "1",
        "IMGPROXY_STRIP_COLOR_PROFILE": "false",
        "IMGPROXY_STRIP_METADATA": "false",
    }
    with running_proxy(env) as base, httpx.Client(base_url=base + "/thumbor/unsafe") as client:
        kept = image_of(client.get("/60x40/local:///jpeg-baseline-icc.jpg"))
        assert "icc-profile-data" in kept.get_fields()
        no_icc = image_of(client.get("/60x40/filters:strip_icc()/local:///jpeg-baseline-icc.jpg"))
        assert "icc-profile-data" not in no_icc.get_fields()
        with_exif = image_of(client.get(f"/60x40/local:///{PHOTO}"))
        assert "exif-data" in with_exif.get_fields()
        no_exif = image_of(client.get(f"/60x40/filters:strip_exif()/local:///{PHOTO}"))
        assert "exif-data" not in no_exif.get_fields()
        exif_kept = image_of(client.get(f"/60x40/filters:strip_icc()/local:///{PHOTO}"))
        assert "exif-data" in exif_kept.get_fields()


@pytest.mark.parametrize("output", ["jpeg", "png", "webp"])
def test_strip_exif_drops_the_copyright_too(thumbor: Thumbor, output: str) -> None:
    """The server's IMGPROXY_KEEP_COPYRIGHT (on) keeps it on imgproxy URLs, not here."""
    source = pyvips.Image.new_from_file(str(CORPUS / COPYRIGHTED))
    assert source.get("exif-ifd0-Copyright").startswith("Marsel Minga")
    kept = picture(thumbor, f"format({output})", "60x40", COPYRIGHTED)
    assert kept.get("exif-ifd0-Copyright").startswith("Marsel Minga")
    stripped = picture(thumbor, f"strip_exif():format({output})", "60x40", COPYRIGHTED)
    assert (stripped.width, stripped.height) == (60, 40)
    assert [name for name in stripped.get_fields() if name.startswith("exif")] == []


def test_upscale_no_upscale_stretch_proportion(thumbor: Thumbor, plain: pyvips.Image) -> None:
    small = "png-rgb8-pngsuite.png"  # 32x32
    assert picture(thumbor, "", "100x100", small).width == 100  # thumbor enlarges crops
    kept = picture(thumbor, "no_upscale()", "100x100", small)
    assert (kept.width, kept.height) == (32, 32)
    assert picture(thumbor, "", "fit-in/100x100", small).width == 32
    assert picture(thumbor, "upscale()", "fit-in/100x100", small).width == 100
    stretched = picture(thumbor, "stretch()", "120x120")
    cropped = picture(thumbor, "", "120x120")
    assert (stretched.width, stretched.height) == (120, 120)
    assert (stretched - cropped).abs().avg() > 10
    half = picture(thumbor, "proportion(0.5)")
    assert (half.width, half.height) == (60, 40)


def test_max_bytes(thumbor: Thumbor) -> None:
    unlimited = fetch(thumbor, "quality(95)", "600x400")
    assert len(unlimited.content) > 12_000
    limited = fetch(thumbor, "quality(95):max_bytes(12000)", "600x400")
    assert len(limited.content) <= 12_000


def test_max_age_is_exactly_the_header_thumbor_sends(thumbor: Thumbor) -> None:
    assert "stale-while-revalidate=" in fetch(thumbor, "").headers["cache-control"]
    limited = fetch(thumbor, "max_age(60)")  # the same result as without: a hit
    assert limited.headers["x-cache"] == "HIT"
    assert limited.headers["cache-control"] == "public, max-age=60"
    assert fetch(thumbor, "max_age(0)").headers["cache-control"] == "no-cache"
    meta = thumbor.get(f"/unsafe/meta/{BASELINE}/filters:max_age(60)/local:///{PHOTO}")
    assert meta.headers["cache-control"] == "public, max-age=60"


def test_focal_and_extract_focal_pick_the_crop(thumbor: Thumbor) -> None:
    left = picture(thumbor, "", "100x100/left")
    right = picture(thumbor, "", "100x100/right")
    at_left = picture(thumbor, "focal(0x0:300x1200)", "100x100")
    assert (at_left - left).abs().avg() < 2
    assert (at_left - right).abs().avg() > 10
    nested = f"/unsafe/100x100/filters:extract_focal()/example.com/unsafe/1500x0:1800x1200/local:///{PHOTO}"
    extracted = image_of(thumbor.get(nested))
    assert (extracted - right).abs().avg() < 2


def test_fill_colours_and_blur(thumbor: Thumbor) -> None:
    red = picture(thumbor, "fill(red)", "fit-in/120x120")
    assert (red.width, red.height) == (120, 120)
    assert rgb_at(red, 60, 2) == [254, 0, 0] or rgb_at(red, 60, 2) == [255, 0, 0]
    blurred = picture(thumbor, "fill(blur)", "fit-in/120x120")
    assert (blurred.width, blurred.height) == (120, 120)
    assert rgb_at(blurred, 60, 2) != [255, 255, 255]
    auto = picture(thumbor, "fill(auto)", "fit-in/120x120")
    assert (auto.width, auto.height) == (120, 120)
    clear = fetch(thumbor, "fill(transparent):format(png)", "fit-in/120x120")
    assert image_of(clear).getpoint(60, 2)[3] == 0


def test_background_color(thumbor: Thumbor) -> None:
    image = picture(thumbor, "background_color(00ff00):format(jpeg)", "40x40", "half-clear.png")
    assert all(abs(a - b) < 8 for a, b in zip(rgb_at(image, 5, 20), [0, 255, 0], strict=True))
    assert all(abs(a - b) < 8 for a, b in zip(rgb_at(image, 35, 20), [0, 0, 255], strict=True))


def test_round_corner(thumbor: Thumbor) -> None:
    image = picture(thumbor, "round_corner(30,255,0,0)")
    red, green, blue = rgb_at(image, 0, 0)
    assert red > 220 and green < 30 and blue < 30
    red, green, blue = rgb_at(image, 60, 40)
    assert not (red > 220 and green < 30 and blue < 30)


def test_watermark(thumbor: Thumbor, plain: pyvips.Image) -> None:
    marked = picture(thumbor, "watermark(local:///mark.png,10,10,0)")
    red, green, blue = rgb_at(marked, 20, 20)
    assert red > 230 and green < 30 and blue < 30
    assert (marked.crop(40, 40, 60, 30) - plain.crop(40, 40, 60, 30)).abs().avg() < 2
    from_right = picture(thumbor, "watermark(local:///mark.png,-5,-5,50)")
    red, green, blue = rgb_at(from_right, 120 - 10, 80 - 10)
    assert red > green + 60
    missing = fetch(thumbor, "watermark(local:///none.png,0,0,0)")
    assert missing.status_code == 404


def test_frame(thumbor: Thumbor) -> None:
    framed = picture(thumbor, "frame(local:///frame.png)")
    assert framed.width > 120 and framed.height > 80
    assert rgb_at(framed, 1, framed.height // 2)[2] > 200  # the blue border


def test_trim(thumbor: Thumbor) -> None:
    trimmed = picture(thumbor, "", "trim", "bordered.png")
    assert (trimmed.width, trimmed.height) == (60, 40)
    from_corner = picture(thumbor, "", "trim:bottom-right:10", "bordered.png")
    assert (from_corner.width, from_corner.height) == (60, 40)
