"""The `/info` document, one test per info option (named after it), on corpus files and on
synthetic images whose answers are known."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import pytest
import pyvips
import thash

from imgproxy.errors import ProxyError
from imgproxy.url.info_options import InfoOptions
from imgproxy.url.info_path import InfoPathParser
from tests.transforms.test_blurhash import decode83
from tests.transforms.test_short_data import declared_jpeg, gradient_jpeg
from transforms import sources
from transforms.decoders import jpeg_turbo
from transforms.info_exif import exif_of
from transforms.info_xmp import xmp_of
from transforms.inspect import inspect
from transforms.limits import Limits
from transforms.sources import VipsSource, open_source

CORPUS = Path(__file__).resolve().parents[1] / "images"
HEADER_ONLY = ("s:0", "f:0", "d:0", "exif:0", "iptc:0", "xmp:0")


def options(*segments: str) -> InfoOptions:
    return InfoPathParser().parse("/".join([*segments, "plain", "x"])).options


def info(data: bytes | str, *segments: str, bare: bool = True) -> dict[str, object]:
    """The document for a corpus file's name or bytes; `bare` turns the defaults off first."""
    if isinstance(data, str):
        data = (CORPUS / data).read_bytes()
    asked = options(*(HEADER_ONLY if bare else ()), *segments)
    document = inspect(data, Limits(), asked)
    assert orjson.loads(orjson.dumps(document)) == document
    return document


def refusal(data: bytes | str, *segments: str) -> ProxyError:
    with pytest.raises(ProxyError) as caught:
        info(data, *segments)
    return caught.value


def png(image: pyvips.Image) -> bytes:
    return bytes(image.pngsave_buffer())


def solid(colour: list[int], width: int = 120, height: int = 80) -> pyvips.Image:
    return pyvips.Image.black(width, height, bands=len(colour)).new_from_image(colour)


def halves(left: list[int], right: list[int], width: int = 100, height: int = 50) -> bytes:
    return png(solid(left, width // 2, height).join(solid(right, width // 2, height), "horizontal"))


def test_defaults_are_the_header_facts() -> None:
    document = info("jpeg-exif-orientation-1.jpg", bare=False)
    assert list(document) == [
        "size",
        "format",
        "mime_type",
        "width",
        "height",
        "orientation",
        "exif",
        "iptc",
        "xmp",
    ]
    assert "video_meta" not in document  # not a video: Pro reports video metadata for videos only


@pytest.mark.parametrize("name", ["jpeg-exif-orientation-6.jpg", "jpeg-face-portrait.jpg"])
def test_header_facts_of_a_jpeg_decode_no_pixel(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """libjpeg-turbo would decode a JPEG whole; the header facts come from libvips' header,
    whose pixels nothing asks for. The facts are the ones the decoded frame carries."""
    document = info(name, bare=False)
    decodes: list[object] = []
    real_pixels = jpeg_turbo.pixels

    def counted(*arguments: Any) -> Any:
        decodes.append(arguments)
        return real_pixels(*arguments)

    monkeypatch.setattr(jpeg_turbo, "pixels", counted)
    assert info(name, bare=False) == document
    assert decodes == []
    source = open_source((CORPUS / name).read_bytes(), max_pixels=0)
    assert isinstance(source, VipsSource)
    frame = source.load()
    assert decodes != []
    assert document["exif"] == exif_of(frame, canonical_names=False)


def test_header_facts_come_from_the_probes_image_after_the_short_data_guard(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A single-scan JPEG, whose bytes the guard changes for libvips: its header is opened
    once, by the probe. A JPEG whose data cannot hold the size it declares is still refused
    by a document of header facts alone."""
    opens: list[object] = []
    real_open = sources.open_encoded

    def counted(data: bytes, **arguments: object) -> pyvips.Image:
        opens.append(arguments)
        return real_open(data, **arguments)

    monkeypatch.setattr(sources, "open_encoded", counted)
    assert info("jpeg-baseline-icc.jpg", "s:1", "exif:1")["size"] == 22951
    assert opens == []
    lying = declared_jpeg(gradient_jpeg(), 7000, 7000)
    error = refusal(lying, "s:1")
    assert (error.status, error.message) == (422, "Source image cannot be decoded")


def test_size() -> None:
    assert info("jpeg-baseline-icc.jpg", "s:1") == {"size": 22951}
    assert info("jpeg-baseline-icc.jpg") == {}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("jpeg-baseline-icc.jpg", ("jpeg", "image/jpeg")),
        ("png-rgba8-photo.png", ("png", "image/png")),
        ("gif-animated-30frames.gif", ("gif", "image/gif")),
        ("webp-exif-orientation6.webp", ("webp", "image/webp")),
        ("avif-irot90.avif", ("avif", "image/avif")),
        ("heic-iphone-12mp.heic", ("heic", "image/heif")),
        ("svg-xss-script-handlers.svg", ("svg", "image/svg+xml")),
    ],
)
def test_format(name: str, expected: tuple[str, str]) -> None:
    document = info(name, "f:1")
    assert (document["format"], document["mime_type"]) == expected


@pytest.mark.parametrize("orientation", range(1, 9))
def test_dimensions_are_as_displayed_after_exif_orientation(orientation: int) -> None:
    # Every file shows the same 1800x1200 landscape; 5-8 store it as 1200x1800.
    document = info(f"jpeg-exif-orientation-{orientation}.jpg", "d:1")
    assert document == {"width": 1800, "height": 1200, "orientation": orientation}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("jpeg-cmyk-noicc-orientation6.jpg", (533, 800, 6)),
        ("webp-exif-orientation6.webp", (128, 128, 6)),
        ("avif-irot90.avif", (722, 1024, 1)),  # irot: libvips turns it on load, no EXIF tag
        ("gif-animated-30frames.gif", (80, 80, 1)),  # one frame's size
        ("svg-xss-script-handlers.svg", (200, 100, 1)),
    ],
)
def test_dimensions(name: str, expected: tuple[int, int, int]) -> None:
    document = info(name, "dimensions:t")
    assert (document["width"], document["height"], document["orientation"]) == expected


def test_exif() -> None:
    readable = info("jpeg-photo-12mp-iphone.jpg", "exif:1")["exif"]
    assert isinstance(readable, dict)
    assert {key: readable[key] for key in ("Make", "Model", "Date Time Original")} == {
        "Make": "Apple",
        "Model": "iPhone 11",
        "Date Time Original": "2024:09:28 11:03:29",
    }
    assert readable["Aperture Value"] == "1.70 EV (f/1.8)"  # libexif's words for it
    assert readable["Orientation"] == "1"  # no words for it: the stored value
    assert "Maker Note" not in readable  # binary
    canonical = info("jpeg-photo-12mp-iphone.jpg", "exif:1:1")["exif"]
    assert isinstance(canonical, dict)
    assert canonical["DateTimeOriginal"] == "2024:09:28 11:03:29"
    assert canonical["ISOSpeedRatings"] == "32"
    assert len(canonical) == len(readable)
    assert info("png-rgb16.png", "exif:1") == {"exif": {}}


def test_iptc() -> None:
    document = info("jpeg-cmyk-noicc-orientation6.jpg", "iptc:1")
    assert document["iptc"] == {
        "Record Version": "4",
        "Date Created": "20150121",
        "Time Created": "142230",
        "Digital Creation Date": "20150121",
        "Digital Creation Time": "142230",
        "By-line": ["MYLEEN HOLLERO"],
        "Copyright Notice": "Myleen Hollero / Wikimedia Foundation / Cc-by-sa-3.0",
        "Caption": "Myleen Hollero / Wikimedia Foundation / Cc-by-sa-3.0",
    }
    assert document["photoshop"] == {
        "resolution": {
            "XResolution": 72,
            "XResolutionUnit": "inches",
            "WidthUnit": "inches",
            "YResolution": 72,
            "YResolutionUnit": "inches",
            "HeightUnit": "inches",
        }
    }
    assert info("png-rgb16.png", "iptc:1") == {"iptc": {}}


def test_xmp() -> None:
    xmp = info("jpeg-cmyk-noicc-orientation6.jpg", "xmp:1")["xmp"]
    assert isinstance(xmp, dict)
    assert xmp["dc"]["creator"] == ["MYLEEN HOLLERO"]  # an rdf:Seq
    assert xmp["dc"]["rights"] == "Myleen Hollero / Wikimedia Foundation / Cc-by-sa-3.0"  # Alt
    assert xmp["aux"]["Lens"] == "EF85mm f/1.2L II USM"  # an attribute
    assert xmp["xmp"]["Rating"] == "5"
    assert info("png-rgb16.png", "xmp:1") == {"xmp": {}}  # "sample xmp string": not XML


def test_xmp_with_a_dtd_reports_nothing() -> None:
    packet = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:format="&a;"/>'
        b"</rdf:RDF></x:xmpmeta>"
    )
    assert xmp_of(packet) == {}
    assert xmp_of(
        packet.replace(b'<!DOCTYPE x [<!ENTITY a "aaaa">]>', b"").replace(b"&a;", b"image/png")
    ) == {"dc": {"format": "image/png"}}


def test_video_meta() -> None:
    assert info("jpeg-baseline-icc.jpg", "vm:1") == {}


@pytest.mark.parametrize(
    ("name", "colorspace", "bands", "sample_format"),
    [
        ("jpeg-exif-orientation-1.jpg", "srgb", 3, "uchar"),
        ("png-rgba8-photo.png", "srgb", 4, "uchar"),
        ("jpeg-cmyk-icc.jpg", "cmyk", 4, "uchar"),
        ("png-rgb16.png", "rgb16", 3, "ushort"),
        ("jpeg-grayscale-icc.jpg", "b-w", 1, "uchar"),
    ],
)
def test_colorspace_bands_and_sample_format(
    name: str, colorspace: str, bands: int, sample_format: str
) -> None:
    assert info(name, "cs:1") == {"colorspace": colorspace}
    assert info(name, "b:1") == {"bands": bands}
    assert info(name, "sf:1") == {"sample_format": sample_format}


def test_pages_number() -> None:
    assert info("gif-animated-30frames.gif", "pn:1") == {"pages_number": 30}
    assert info("jpeg-baseline-icc.jpg", "pn:1") == {"pages_number": 1}


def test_alpha() -> None:
    assert info("png-rgba8-photo.png", "a:1") == {"alpha": True}
    assert info("jpeg-baseline-icc.jpg", "a:1:1") == {"alpha": False, "has_transparency": False}
    opaque = solid([10, 20, 30, 255])
    assert info(png(opaque), "a:1:1") == {"alpha": True, "has_transparency": False}
    one_pixel = opaque.draw_rect([10, 20, 30, 254], 119, 79, 1, 1)
    assert info(png(one_pixel), "a:1:1") == {"alpha": True, "has_transparency": True}


@pytest.mark.parametrize(
    ("crop", "expected"),
    [
        ("c:50:50", (0.38, 0.26, 0.25, 0.5)),  # centred as the crop processing option: 76, 26
        ("c:50:50:nowe", (0.0, 0.0, 0.25, 0.5)),
        ("c:50:50:soea", (0.75, 0.5, 0.25, 0.5)),
        ("c:50:50:nowe:10:20", (0.05, 0.2, 0.25, 0.5)),
        ("c:0.5:0.5:ea", (0.5, 0.26, 0.5, 0.5)),
        ("c:100:10:fp:0.9:0.1", (0.5, 0.05, 0.5, 0.1)),
        ("c:500:500", (0.0, 0.0, 1.0, 1.0)),
    ],
)
def test_crop(crop: str, expected: tuple[float, float, float, float]) -> None:
    document = info(png(solid([1, 2, 3], 200, 100)), crop)
    assert document == {
        "crop": dict(zip(("left", "top", "width", "height"), expected, strict=True))
    }


def test_crop_is_relative_to_the_displayed_image() -> None:
    # Displayed 1800x1200 (stored 1200x1800, orientation 6).
    document = info("jpeg-exif-orientation-6.jpg", "c:900:300:soea")
    assert document == {"crop": {"left": 0.5, "top": 0.75, "width": 0.5, "height": 0.25}}


def test_crop_smart_finds_the_interesting_part() -> None:
    background = solid([128, 128, 128], 400, 200)
    spot = background.draw_rect([255, 0, 0], 320, 20, 40, 40, fill=True)
    crop = info(png(spot), "c:100:100:sm")["crop"]
    assert isinstance(crop, dict)
    assert (crop["width"], crop["height"]) == (0.25, 0.5)
    left, top = crop["left"] * 400, crop["top"] * 200
    assert left <= 320 and left + 100 >= 360 and top <= 20 and top + 100 >= 60


def test_crop_needs_both_sides() -> None:
    assert info(png(solid([1, 2, 3])), "c:50:0") == {}


def test_palette() -> None:
    assert info(png(solid([255, 0, 0])), "p:8") == {
        "palette": [{"R": 255, "G": 0, "B": 0, "A": 255}]
    }
    two = info(halves([255, 0, 0], [0, 0, 255]), "p:2")["palette"]
    assert sorted(orjson.dumps(colour) for colour in two) == sorted(  # type: ignore[union-attr]
        orjson.dumps(colour)
        for colour in ({"R": 255, "G": 0, "B": 0, "A": 255}, {"R": 0, "G": 0, "B": 255, "A": 255})
    )
    many = info("jpeg-photo-12mp-iphone.jpg", "p:256")["palette"]
    assert isinstance(many, list) and 100 < len(many) <= 256
    transparent = info(halves([255, 0, 0, 255], [0, 0, 0, 0]), "p:2")["palette"]
    assert {"R": 0, "G": 0, "B": 0, "A": 0} in transparent  # type: ignore[operator]


def test_average() -> None:
    half_hidden = halves([255, 0, 0, 255], [0, 255, 0, 0])
    assert info(half_hidden, "avg:1") == {"average": {"R": 255, "G": 0, "B": 0, "A": 255}}
    assert info(half_hidden, "avg:1:0") == {"average": {"R": 128, "G": 128, "B": 0, "A": 128}}
    assert info(png(solid([0, 0, 0, 0])), "avg:1") == {"average": {"R": 0, "G": 0, "B": 0, "A": 0}}
    assert info(png(solid([90])), "avg:1") == {"average": {"R": 90, "G": 90, "B": 90, "A": 255}}


def test_dominant_colors() -> None:
    stripes = [[220, 30, 30], [250, 190, 190], [90, 10, 10], [120, 110, 100], [200, 195, 190]]
    image = solid(stripes[0], 20, 100)
    for colour in stripes[1:]:
        image = image.join(solid(colour, 20, 100), "horizontal")
    found = info(png(image), "dc:1")["dominant_colors"]
    assert isinstance(found, dict)
    assert found["vibrant"] == {"R": 220, "G": 30, "B": 30}
    assert found["light_vibrant"] == {"R": 250, "G": 190, "B": 190}
    assert found["dark_vibrant"] == {"R": 90, "G": 10, "B": 10}
    assert found["muted"] == {"R": 120, "G": 110, "B": 100}
    assert found["light_muted"] == {"R": 200, "G": 195, "B": 190}
    assert "dark_muted" not in found
    built = info(png(image), "dc:1:1")["dominant_colors"]
    assert isinstance(built, dict)
    assert list(built) == sorted(built) and len(built) == 6
    assert {key: built[key] for key in found} == found


def test_dominant_colors_of_a_transparent_image_are_none() -> None:
    assert info(png(solid([0, 0, 0, 0])), "dc:1:1") == {"dominant_colors": {}}


def test_blurhash() -> None:
    red = png(solid([255, 0, 0]))
    hashed = str(info(red, "bh:4:3")["blurhash"])
    assert len(hashed) == 28 and hashed[0] == "L"  # (4 - 1) + (3 - 1) * 9
    assert decode83(hashed[2:6]) == 0xFF0000  # the DC: the average colour
    assert len(str(info(red, "bh:9:9")["blurhash"])) == 6 + 2 * 80
    assert len(str(info(red, "bh:1:1")["blurhash"])) == 6
    assert info(red, "bh:0:3") == {}


def test_thumb_hash() -> None:
    document = info(halves([255, 0, 0], [255, 0, 0], 200, 100), "th:1")
    hashed = str(document["thumb_hash"])
    assert hashed == hashed.upper()
    decoded = list(bytes.fromhex(hashed))
    red, green, blue, alpha = thash.thumb_hash_to_average_rgba(decoded) or (0, 0, 0, 0)
    assert red > 0.95 and green < 0.05 and blue < 0.05 and alpha == 1.0
    assert thash.thumb_hash_to_approximate_aspect_ratio(decoded) == pytest.approx(2, abs=0.3)
    translucent = str(info(halves([0, 0, 255, 255], [0, 0, 0, 0]), "th:1")["thumb_hash"])
    assert (thash.thumb_hash_to_average_rgba(list(bytes.fromhex(translucent))) or (0,) * 4)[3] < 1


def test_perceptual_hash() -> None:
    def phash(data: bytes) -> int:
        hashed = str(info(data, "ph:1")["perceptual_hash"])
        assert len(hashed) == 16
        return int(hashed, 16)

    photo = pyvips.Image.new_from_file(str(CORPUS / "jpeg-exif-orientation-1.jpg"))
    original = phash(png(photo.resize(0.25)))
    smaller = phash(png(photo.resize(0.1)))
    other = phash((CORPUS / "png-rgb16.png").read_bytes())
    flipped = phash(png(photo.resize(0.25).flip("vertical")))
    assert bin(original ^ smaller).count("1") <= 4
    assert bin(original ^ other).count("1") >= 20
    assert bin(original ^ flipped).count("1") >= 20


def test_calc_hashsums() -> None:
    data = (CORPUS / "jpeg-baseline-icc.jpg").read_bytes()
    assert info(data, "chs:md5:sha1:sha256:sha512") == {
        "hashsums": {
            kind: hashlib.new(kind, data).hexdigest()
            for kind in ("md5", "sha1", "sha256", "sha512")
        }
    }
    assert info(data, "chs:") == {}


def test_page() -> None:
    frames = [solid(colour, 40, 30) for colour in ([255, 0, 0], [0, 255, 0], [0, 0, 255])]
    strip = pyvips.Image.arrayjoin(frames, across=1).copy()
    strip.set_type(pyvips.GValue.gint_type, "page-height", 30)
    gif = bytes(strip.gifsave_buffer())
    assert info(gif, "pn:1", "d:1") == {
        "width": 40,
        "height": 30,
        "orientation": 1,
        "pages_number": 3,
    }
    averages = [info(gif, f"pg:{page}", "avg:1")["average"] for page in range(3)]
    assert [(colour["R"], colour["G"], colour["B"]) for colour in averages] == [  # type: ignore[index]
        (255, 0, 0),
        (0, 255, 0),
        (0, 0, 255),
    ]
    error = refusal(gif, "pg:3")
    assert (error.status, error.message) == (422, "Page 3 does not exist")
    assert refusal("jpeg-baseline-icc.jpg", "pg:1").message == "Page 1 does not exist"


def test_hashsum() -> None:
    data = (CORPUS / "jpeg-baseline-icc.jpg").read_bytes()
    right = hashlib.sha256(data).hexdigest()
    assert info(data, f"hs:sha256:{right}", "s:1") == {"size": len(data)}
    error = refusal(data, f"hs:sha256:{'0' * 64}")
    assert (error.status, error.message) == (422, "Source image hashsum mismatch")


def test_undecodable_pixels_are_a_client_error() -> None:
    error = refusal("jpeg-truncated.jpg", "avg:1")
    assert (error.status, error.message) == (422, "Source image cannot be decoded")


def test_too_many_pixels_are_refused_before_decoding() -> None:
    data = (CORPUS / "jpeg-exif-orientation-1.jpg").read_bytes()
    with pytest.raises(ProxyError) as caught:
        inspect(data, Limits(max_src_pixels=1_000_000), replace(options(), dimensions=True))
    assert (caught.value.status, caught.value.message) == (
        422,
        "Source image resolution is too big",
    )
