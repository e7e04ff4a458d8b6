"""Encoding options: format, quality, format_quality, max_bytes, strip_metadata,
keep_copyright, strip_color_profile, preserve_hdr, skip_processing, enforce_thumbnail, and the
corpus formats (CMYK, 16-bit, palette, HEIC, BMP, ICO, SVG) they meet.

Quality: `q` wins over `fq`, which wins over the server's per-format default (webp 79, avif 63),
then the server's 80 (processing/options.go). max_bytes lowers the quality until the result fits
(processing/save_fit_bytes.go).
"""

from __future__ import annotations

import pytest
import pyvips

from imgproxy.url.options import ImageFormat
from tests.support import BENCH_PHOTOS
from tests.transforms import images as im
from tests.transforms.exif_cases import STRIP_CASES, kept_fields
from transforms import pipeline
from transforms.pipeline import Rendered
from transforms.steps import colorspace
from transforms.steps.colorspace import is_standard_srgb

QUAD = im.png(im.quadrants())
PHOTO = im.corpus("jpeg-baseline-icc.jpg")  # 290x442
LOADERS = {
    "jpg": ("jpegload", ImageFormat.JPEG),
    "png": ("pngload", ImageFormat.PNG),
    "webp": ("webpload", ImageFormat.WEBP),
    "avif": ("heifload", ImageFormat.AVIF),
    "gif": ("gifload", ImageFormat.GIF),
    "tiff": ("tiffload", ImageFormat.TIFF),
}


@pytest.mark.parametrize("extension", sorted(LOADERS))
@pytest.mark.parametrize("spelling", ["extension", "option"])
def test_every_writable_format(extension, spelling):
    loader, image_format = LOADERS[extension]
    if spelling == "extension":
        rendered = im.run(QUAD, "w:100", extension=extension)
    else:
        rendered = im.run(QUAD, f"w:100/f:{extension}")
    image = im.decode(rendered)
    assert rendered.format is image_format
    assert str(image.get("vips-loader")).startswith(loader)
    assert (rendered.width, rendered.height, image.width, image.height) == (100, 50, 100, 50)
    assert im.corners(image) == ("red", "green", "blue", "white")
    if extension == "avif":
        assert image.get("heif-compression") == "av1"


@pytest.mark.parametrize(
    ("name", "image_format", "size"),
    [
        ("png-rgb8-pngsuite.png", ImageFormat.PNG, (32, 32)),
        ("jpeg-baseline-icc.jpg", ImageFormat.JPEG, (290, 442)),
        ("webp-lossy.webp", ImageFormat.WEBP, (550, 368)),
        ("gif-static-interlaced.gif", ImageFormat.GIF, (159, 203)),
        ("tiff-multipage.tiff", ImageFormat.TIFF, (10, 10)),
        ("avif-alpha.avif", ImageFormat.AVIF, (64, 64)),
        ("bmp-rgb24.bmp", ImageFormat.JPEG, (127, 64)),  # not writable: JPEG without alpha
        ("bmp-pal8-rle.bmp", ImageFormat.JPEG, (127, 64)),
        ("ico-favicon.ico", ImageFormat.PNG, (48, 48)),  # ... PNG with alpha
        ("heic-small.heic", ImageFormat.JPEG, (256, 256)),
    ],
)
def test_without_a_format_the_source_format_is_kept_when_writable(name, image_format, size):
    rendered = im.run(im.corpus(name), "")
    image = im.decode(rendered)
    assert rendered.format is image_format
    assert (image.width, image.height) == size


def test_decoded_corpus_formats_resize():
    heic = im.run(im.corpus("heic-iphone-12mp.heic"), "w:300")
    assert (heic.format, heic.width, heic.height) == (ImageFormat.JPEG, 300, 225)
    bmp = im.decode(im.run(im.corpus("bmp-rgb24.bmp"), "w:100"))
    assert (bmp.width, bmp.height) == (100, 50)
    ico = im.decode(im.run(im.corpus("ico-favicon.ico"), "w:24"))
    assert (ico.width, ico.height, ico.bands) == (24, 24, 4)
    irot = im.run(im.corpus("avif-irot90.avif"), "w:100")  # displayed 722x1024
    assert (irot.width, irot.height) == (100, 142)


def test_palette_pngs_keep_their_colours_and_transparency():
    palette = im.corpus("png-palette.png")
    small = im.decode(im.run(palette, "w:100"))
    assert (small.width, small.height) == (100, 152)
    whole = im.decode(im.run(palette, "w:100", extension="png"))
    want = im.decode(palette).resize(100 / 290)
    assert im.mean_abs_difference(whole.extract_band(0, n=3), want.extract_band(0, n=3)) < 6
    clear = im.corpus("png-palette-trns.png")
    kept = im.decode(im.run(clear, ""))
    assert kept.bands == 4
    assert kept.extract_band(3).min() == 0
    flat = im.decode(im.run(clear, "bg:ff0000", extension="jpg"))
    assert flat.bands == 3


def test_svg_is_kept_or_rasterized_at_any_size():
    svg = im.corpus("svg-basic.svg")
    kept = im.run(svg, "")
    assert kept.format is ImageFormat.SVG
    assert b"<svg" in kept.data
    small = im.decode(im.run(svg, "w:100", extension="png"))
    assert (small.width, small.height) == (100, 75)
    big = im.decode(im.run(svg, "w:1472", extension="png"))  # vectors enlarge freely
    assert (big.width, big.height) == (1472, 1104)
    assert big.deviate() > 10


@pytest.mark.parametrize("extension", ["jpg", "webp", "avif", "tiff"])
def test_higher_quality_gives_a_larger_file(extension):
    sizes = [len(im.run(PHOTO, f"q:{q}", extension=extension).data) for q in (10, 50, 90)]
    assert sizes[0] < sizes[1] < sizes[2]


@pytest.mark.parametrize(("extension", "default"), [("jpg", 80), ("webp", 79), ("avif", 63)])
def test_default_quality_comes_from_the_server(extension, default):
    plain = im.run(PHOTO, "", extension=extension).data
    assert len(plain) == len(im.run(PHOTO, f"q:{default}", extension=extension).data)


def test_format_quality_applies_to_its_format_and_quality_wins():
    default = len(im.run(PHOTO, "", extension="jpg").data)
    low = len(im.run(PHOTO, "fq:jpg:20:webp:90", extension="jpg").data)
    other = len(im.run(PHOTO, "fq:webp:20", extension="jpg").data)
    both = len(im.run(PHOTO, "q:90/fq:jpg:20", extension="jpg").data)
    assert low < default == other < both
    assert both == len(im.run(PHOTO, "q:90", extension="jpg").data)


@pytest.mark.parametrize("extension", ["jpg", "webp", "avif", "tiff"])
def test_max_bytes_lowers_quality_until_the_result_fits(extension):
    full = len(im.run(PHOTO, "", extension=extension).data)
    floor = len(im.run(PHOTO, "q:10", extension=extension).data)
    limit = (full + floor) // 2
    rendered = im.run(PHOTO, f"mb:{limit}", extension=extension)
    assert len(rendered.data) <= limit < full
    image = im.decode(rendered)
    assert (image.width, image.height) == (290, 442)


def test_max_bytes_does_not_touch_png():
    assert im.run(QUAD, "mb:100").data == im.run(QUAD, "").data


def tagged_jpeg() -> bytes:
    image = im.quadrants().copy()
    for name, value in (("Copyright", "ACME 2024"), ("Artist", "Jane"), ("Make", "Cam")):
        image.set_type(pyvips.GValue.gstr_type, f"exif-ifd0-{name}", value)
    return im.jpeg(image)


@pytest.mark.parametrize("extension", ["jpg", "png", "webp"])
@pytest.mark.parametrize(("path", "kept"), STRIP_CASES)
def test_strip_metadata_and_keep_copyright(extension, path, kept):
    assert kept_fields(tagged_jpeg(), path, extension) == kept


def test_strip_metadata_removes_camera_exif_from_a_photo():
    photo = im.corpus("jpeg-photo-12mp-iphone.jpg")
    assert im.decode(photo).get_typeof("exif-ifd0-Make")
    assert not im.decode(im.run(photo, "w:100")).get_typeof("exif-ifd0-Make")
    assert im.decode(im.run(photo, "w:100/sm:0")).get_typeof("exif-ifd0-Make")


NON_SRGB_NAME = "jpeg-icc-nonsrgb.jpg"
NON_SRGB = im.corpus(NON_SRGB_NAME)  # red at 12 o'clock only through its profile


def top_band(rendered: Rendered) -> pyvips.Image:
    return im.decode(rendered).crop(30, 5, 40, 20)


@pytest.mark.parametrize("extension", ["jpg", "png"])
def test_strip_color_profile_converts_to_srgb(extension):
    rendered = im.run(NON_SRGB, "w:100", extension=extension)
    assert not im.decode(rendered).get_typeof("icc-profile-data")
    assert im.share(top_band(rendered), (200, 0, 0), tolerance=130) > 0.2


@pytest.mark.parametrize("extension", ["jpg", "png"])
def test_strip_color_profile_holds_when_metadata_is_kept(extension):
    rendered = im.run(NON_SRGB, "w:100/sm:0/scp:1", extension=extension)
    assert not im.decode(rendered).get_typeof("icc-profile-data")
    assert im.share(top_band(rendered), (200, 0, 0), tolerance=130) > 0.2
    kept_exif = im.decode(im.run(tagged_jpeg(), "sm:0/scp:1", extension=extension))
    assert kept_exif.get_typeof("exif-ifd0-Make")


@pytest.mark.parametrize("extension", ["jpg", "png"])
def test_keeping_the_color_profile_keeps_pixels_and_profile(extension):
    rendered = im.run(NON_SRGB, "w:100/scp:0", extension=extension)
    image = im.decode(rendered)
    assert image.get_typeof("icc-profile-data")
    assert im.share(top_band(rendered), (200, 0, 0), tolerance=130) == 0
    shown = top_band(rendered).icc_transform("srgb", embedded=True)
    assert im.share(shown, (200, 0, 0), tolerance=130) > 0.2


STANDARD_SRGB = BENCH_PHOTOS / "jpeg-kde-path-1920x1080.jpg"  # embeds the sRGB IEC61966-2.1 profile


def test_the_standard_srgb_profile_is_recognised_and_no_other():
    assert is_standard_srgb(pyvips.Image.new_from_buffer(STANDARD_SRGB.read_bytes(), ""))
    for other in (
        im.corpus("jpeg-baseline-icc.jpg"),
        (BENCH_PHOTOS / "jpeg-canon-adobergb-2000x1072.jpg").read_bytes(),
        im.corpus(NON_SRGB_NAME),
    ):
        assert not is_standard_srgb(pyvips.Image.new_from_buffer(other, ""))


def test_standard_srgb_sources_skip_the_conversion_with_the_same_pixels(monkeypatch):
    data = STANDARD_SRGB.read_bytes()
    skipped = im.decode(im.run(data, "w:300/q:100", extension="png"))
    monkeypatch.setattr(colorspace, "is_standard_srgb", lambda _image: False)
    converted = im.decode(im.run(data, "w:300/q:100", extension="png"))
    assert not skipped.get_typeof("icc-profile-data")
    assert (skipped.width, skipped.height) == (converted.width, converted.height) == (300, 169)
    difference = (skipped - converted).abs()
    assert difference.avg() < 0.5
    assert difference.max() <= 3


def test_cmyk_sources_become_srgb():
    data = im.corpus("jpeg-cmyk-icc.jpg")
    image = im.decode(im.run(data, "w:100"))
    want = pyvips.Image.new_from_buffer(data, "").icc_transform("srgb", embedded=True)
    assert (image.interpretation, image.bands) == ("srgb", 3)
    for band in range(3):
        assert abs(image[band].avg() - want[band].avg()) < 6
    rotated = im.decode(im.run(im.corpus("jpeg-cmyk-noicc-orientation6.jpg"), "w:100"))
    assert (rotated.width, rotated.height, rotated.bands) == (100, 150, 3)
    tiled = im.decode(im.run(im.corpus("tiff-cmyk-jpeg-tiled.tif"), ""))
    assert (tiled.interpretation, tiled.bands) == ("srgb", 3)


@pytest.mark.parametrize(
    ("name", "path", "extension", "depth"),
    [
        ("png-rgb16.png", "", "", "uchar"),
        ("png-rgb16.png", "ph:1", "", "ushort"),
        ("png-rgb16.png", "ph:1/w:100", "", "ushort"),
        ("png-rgb16.png", "ph:1", "tiff", "ushort"),
        ("png-rgb16.png", "ph:1", "jpg", "uchar"),
        ("tiff-rgb16.tif", "ph:1", "png", "ushort"),
        ("png-rgba16-interlaced.png", "ph:1", "", "ushort"),
    ],
)
def test_preserve_hdr_keeps_16_bits_where_the_format_can(name, path, extension, depth):
    data = im.corpus(name)
    image = im.decode(im.run(data, path, extension=extension))
    assert image.format == depth
    eight = im.decode(im.run(data, "", extension="png"))
    scale = 257 if depth == "ushort" else 1
    assert abs(image[0].avg() / scale - eight[0].avg()) < 3


def test_skip_processing_returns_the_source_bytes():
    data = im.corpus("png-rgb16.png")
    assert im.run(data, "skp:png/w:100").data == data
    assert im.run(data, "skp:jpg:png", extension="png").data == data
    converted = im.run(data, "skp:png", extension="jpg")
    assert converted.format is ImageFormat.JPEG
    assert converted.data != data
    other = im.run(data, "skp:jpg/w:100")
    assert (other.format, other.width) == (ImageFormat.PNG, 100)


@pytest.mark.parametrize(
    ("name", "size"),
    [("heic-iphone-12mp.heic", (300, 225)), ("avif-photo-exif-icc.avif", (300, 400))],
)
def test_enforce_thumbnail_is_accepted(name, size):
    rendered = im.run(im.corpus(name), "eth:1/w:300")
    assert (rendered.width, rendered.height) == size
    assert im.decode(rendered).deviate() > 10


@pytest.mark.parametrize(
    "name",
    [
        "jpeg-face-portrait.jpg",
        "jpeg-grayscale-icc.jpg",
        "jpeg-exif-orientation-6.jpg",
        "jpeg-photo-12mp-iphone.jpg",
    ],
)
@pytest.mark.parametrize(
    "path", ["w:200", "w:200/kcr:0", "w:200/sm:0", "w:200/dpi:150", "w:200/scp:0", "w:200/ar:0"]
)
def test_a_frame_without_the_fields_the_render_strips_gives_the_same_bytes(
    name: str, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """libjpeg-turbo's frame is not given the metadata stripping would remove: the answer is
    the one a frame carrying every field gives."""
    data = im.corpus(name)
    without = im.run(data, path, extension="jpg").data
    monkeypatch.setattr(pipeline, "_without_stripped_metadata", lambda source, *_: source)
    assert im.run(data, path, extension="jpg").data == without
