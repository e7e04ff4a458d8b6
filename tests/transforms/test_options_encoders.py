"""imgproxy Pro's encoder options (`jpeg_options`, `png_options`, `webp_options`,
`avif_options`) and the `IMGPROXY_JPEG_*`, `_PNG_*`, `_WEBP_*`, `_AVIF_*` settings: each seen in
the output's header, or in its bytes where the header cannot tell."""

from __future__ import annotations

import pytest
import pyvips

from config.settings import Settings
from imgproxy.errors import InvalidOption, UnprocessableSource
from imgproxy.renderer import defaults_from
from tests.transforms import images as im
from transforms.costs import MAX_QUANTIZED_PIXELS
from transforms.encode import palette_bit_depth

PHOTO = im.corpus("jpeg-baseline-icc.jpg")


def header(data: bytes) -> pyvips.Image:
    return pyvips.Image.new_from_buffer(data, "")


def jpeg(path: str, settings: Settings | None = None) -> bytes:
    server = defaults_from(settings) if settings else None
    return im.run(PHOTO, f"w:300/{path}", server, extension="jpg").data


def webp_chunk(data: bytes) -> bytes:
    """The first chunk after the RIFF header: `VP8 ` lossy, `VP8L` lossless."""
    return data[12:16]


def avif_chroma_subsampled(data: bytes) -> bool:
    """The av1C box's chroma_subsampling_x bit (4:2:0 sets it, 4:4:4 clears it)."""
    config = data.index(b"av1C") + 4
    return bool(data[config + 2] >> 3 & 1)


def test_jpeg_progressive_and_its_scans() -> None:
    assert header(jpeg("jpgo:1")).get("interlaced") == 1
    assert "interlaced" not in header(jpeg("jpgo:0")).get_fields()
    progressive = jpeg("jpgo:1")
    assert jpeg("jpgo:1::::1") != progressive
    assert jpeg("jpgo:0::::1") == jpeg("jpgo:0"), "optimize_scans acts on progressive JPEG only"


def test_jpeg_no_subsample_keeps_full_chroma() -> None:
    assert header(jpeg("jpgo::1")).get("jpeg-chroma-subsample") == "4:4:4"
    assert header(jpeg("jpgo::0")).get("jpeg-chroma-subsample") == "4:2:0"


def test_jpeg_trellis_quantization_makes_it_smaller() -> None:
    assert len(jpeg("jpgo:::1")) < len(jpeg("jpgo:::0"))


@pytest.mark.parametrize("path", ["jpgo::::::3", "jpgo::::::8"])
def test_jpeg_quant_tables_change_the_bytes(path: str) -> None:
    assert jpeg(path) != jpeg("")


def test_jpeg_overshoot_deringing_changes_black_on_white() -> None:
    text = im.solid(64, 64, im.WHITE).draw_rect([0, 0, 0], 20, 8, 6, 48, fill=True)
    source = bytes(text.pngsave_buffer())
    plain, deringed = (im.run(source, path, extension="jpg").data for path in ("", "jpgo::::1"))
    assert deringed != plain


def test_jpeg_settings_are_the_defaults_and_the_url_overrides_them() -> None:
    server = Settings(jpeg_progressive=True, jpeg_no_subsample=True, jpeg_quant_table=3)
    served = header(jpeg("", server))
    assert (served.get("interlaced"), served.get("jpeg-chroma-subsample")) == (1, "4:4:4")
    assert jpeg("", server) == jpeg("jpgo:1:1::::3")
    overridden = header(jpeg("jpgo:0", server))
    assert "interlaced" not in overridden.get_fields()
    assert overridden.get("jpeg-chroma-subsample") == "4:4:4", "the server's, where left out"


def png(path: str, settings: Settings | None = None) -> pyvips.Image:
    server = defaults_from(settings) if settings else None
    return header(im.run(PHOTO, f"w:120/{path}", server, extension="png").data)


@pytest.mark.parametrize(
    ("path", "bits"), [("pngo::1", 8), ("pngo::1:16", 4), ("pngo::1:4", 2), ("pngo::1:2", 1)]
)
def test_png_quantization_writes_a_palette_of_the_asked_colours(path: str, bits: int) -> None:
    quantized = png(path)
    assert (quantized.get("palette"), quantized.get("bits-per-sample")) == (1, bits)
    colours = quantized.colourspace("srgb").cast("uint")
    index = colours[0] * 65536 + colours[1] * 256 + colours[2]
    assert len(set(index.tolist()[0])) <= 1 << bits


def test_png_interlacing_and_its_setting() -> None:
    assert png("pngo:1").get("interlaced") == 1
    assert "interlaced" not in png("").get_fields()
    served = png("", Settings(png_interlaced=True, png_quantize=True, png_quantization_colors=4))
    assert (served.get("interlaced"), served.get("palette"), served.get("bits-per-sample")) == (
        1,
        1,
        2,
    )
    assert "palette" not in png("pngo::0", Settings(png_quantize=True)).get_fields()


@pytest.mark.parametrize(("colors", "bits"), [(2, 1), (3, 2), (4, 2), (5, 4), (16, 4), (17, 8)])
def test_palette_bit_depth(colors: int, bits: int) -> None:
    assert palette_bit_depth(colors) == bits


def test_quantizing_a_result_over_the_bound_is_refused_before_any_pixel() -> None:
    side = int(MAX_QUANTIZED_PIXELS**0.5) + 1
    with pytest.raises(UnprocessableSource) as refused:
        im.run(PHOTO, f"rs:force:{side}:{side}:1/pngo::1", extension="png")
    assert str(refused.value) == (
        f"Expected a result of at most 16 MP to quantize (png_options) but received {side}x{side}"
    )


def webp(path: str, settings: Settings | None = None) -> bytes:
    server = defaults_from(settings) if settings else None
    return im.run(PHOTO, f"w:200/{path}", server, extension="webp").data


@pytest.mark.parametrize(
    ("path", "chunk"),
    [("webpo:lossy", b"VP8 "), ("webpo:lossless", b"VP8L"), ("webpo:near_lossless", b"VP8L")],
)
def test_webp_compression(path: str, chunk: bytes) -> None:
    assert webp_chunk(webp(path)) == chunk


def test_near_lossless_is_not_lossless() -> None:
    assert webp("webpo:near_lossless") != webp("webpo:lossless")


@pytest.mark.parametrize("path", ["webpo::1", "webpo:::photo", "webpo:::text"])
def test_webp_subsampling_and_presets_change_the_bytes(path: str) -> None:
    assert webp(path) != webp("")


def test_webp_settings_are_the_defaults() -> None:
    server = Settings(webp_compression="lossless", webp_effort=1)
    assert webp_chunk(webp("", server)) == b"VP8L"
    assert webp("", server) != webp("webpo:lossless"), "effort 1 is not effort 4"
    assert webp_chunk(webp("webpo:lossy", server)) == b"VP8 "


def avif(path: str, settings: Settings | None = None) -> bytes:
    server = defaults_from(settings) if settings else None
    return im.run(PHOTO, f"w:64/{path}", server, extension="avif").data


def test_avif_subsampling() -> None:
    assert avif_chroma_subsampled(avif("avifo:on"))
    assert not avif_chroma_subsampled(avif("avifo:off"))
    assert avif_chroma_subsampled(avif("avifo:auto"))
    assert not avif_chroma_subsampled(avif("avifo:auto/q:95"))
    assert not avif_chroma_subsampled(avif("", Settings(avif_subsample="off")))


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "jpgo:yes",
            "Expected boolean (1, t, true, 0, f, false) for jpeg_options progressive "
            "but received 'yes'",
        ),
        ("jpgo::::::9", "Expected integer 0..8 for jpeg_options quant_table but received '9'"),
        ("jpgo:1:1:1:1:1:1:1", "Expected 0..6 arguments for jpeg_options but received 7"),
        (
            "pngo::1:300",
            "Expected integer 2..256 for png_options quantization_colors but received '300'",
        ),
        (
            "webpo:lossier",
            "Expected one of lossy, near_lossless, lossless for webp_options compression "
            "but received 'lossier'",
        ),
        (
            "webpo:::portrait",
            "Expected one of default, photo, picture, drawing, icon, text for webp_options "
            "preset but received 'portrait'",
        ),
        (
            "avifo:yes",
            "Expected one of auto, on, off for avif_options subsample but received 'yes'",
        ),
    ],
)
def test_bad_arguments_are_named(path: str, message: str) -> None:
    with pytest.raises(InvalidOption) as refused:
        im.PARSER.parse(f"{path}/plain/local:///a.jpg")
    assert str(refused.value) == message
