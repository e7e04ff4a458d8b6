"""The playground's HTTP side against the real server: page, assets, samples, the signer."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
import pyvips

from config.settings import SAMPLES_DIR
from imgproxy.client import UrlBuilder
from imgproxy.playground.headers import CONTENT_SECURITY_POLICY
from imgproxy.playground.routes import STATIC_DIR
from imgproxy.url.options import ImageFormat, ResizingType
from tests.support import running_origin, running_proxy

KEY, SALT = "6b65792d6f6e65", "73616c742d6f6e65"
SAMPLE = "local:///sample-landscape.jpg"  # 1800x1200
PLAYGROUND = {
    "IMGPROXY_PLAYGROUND": "true",
    "IMGPROXY_PLAYGROUND_FORCE": "true",
    "IMGPROXY_KEY": KEY,
    "IMGPROXY_SALT": SALT,
    "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(SAMPLES_DIR),
}
EXPECTED_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with running_proxy(PLAYGROUND) as served:
        yield served


def sign(base: str, source: str, **options: object) -> httpx.Response:
    return httpx.post(f"{base}/_playground/sign", json={"source": source, "options": options})


def image_of(response: httpx.Response) -> pyvips.Image:
    assert response.status_code == 200, response.text
    return pyvips.Image.new_from_buffer(response.content, "")


def test_off_by_default_nothing_is_there() -> None:
    with running_proxy({"IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(SAMPLES_DIR)}) as off:
        assert httpx.get(f"{off}/").status_code == 404
        signer = httpx.post(f"{off}/_playground/sign", json={"source": SAMPLE})
        assert (signer.status_code, signer.text) == (404, "Not found\n")
        assert httpx.get(f"{off}/_playground/sign").status_code == 404
        assert httpx.get(f"{off}/_playground/static/playground.js").status_code == 404
        assert httpx.get(f"{off}/_playground/samples").status_code == 404
        assert "server-timing" not in httpx.get(f"{off}/health").headers


def test_page_has_its_own_strict_policy(base: str) -> None:
    page = httpx.get(f"{base}/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["content-security-policy"] == EXPECTED_CSP == CONTENT_SECURITY_POLICY
    assert page.headers["x-content-type-options"] == "nosniff"
    scripts = re.findall(r"<script\b[^>]*>", page.text)
    assert scripts == ['<script type="module" src="/_playground/static/playground.js">']
    assert "<style" not in page.text
    assert not re.search(r"\s(style|on[a-z]+)=", page.text), "inline style or handler"
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text), "asset from elsewhere"
    head = httpx.head(f"{base}/")
    assert (head.status_code, head.content) == (200, b"")


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("playground.js", "text/javascript"),
        ("compare.js", "text/javascript"),
        ("copy.js", "text/javascript"),
        ("focus.js", "text/javascript"),
        ("playground.css", "text/css"),
    ],
)
def test_assets_are_served_with_the_policy(base: str, name: str, media_type: str) -> None:
    asset = httpx.get(f"{base}/_playground/static/{name}")
    assert asset.status_code == 200
    assert asset.headers["content-type"].split(";")[0] == media_type
    assert asset.headers["content-security-policy"] == EXPECTED_CSP
    assert asset.content == (STATIC_DIR / name).read_bytes()


@pytest.mark.parametrize("name", ["index.html", "nothing.js", "form.py", "%2e%2e"])
def test_only_the_assets_are_served(base: str, name: str) -> None:
    assert httpx.get(f"{base}/_playground/static/{name}").status_code == 404


def test_no_way_out_of_the_static_folder(base: str) -> None:
    answer = httpx.get(f"{base}/_playground/static/..%2Fform.py")
    assert answer.status_code in {403, 404}  # the image route's refusal or ours
    assert "read_form" not in answer.text


def test_samples_are_the_bundled_images_best_photograph_first(base: str) -> None:
    listed = httpx.get(f"{base}/_playground/samples").json()["samples"]
    # The upright photograph, the same one needing its EXIF orientation, then the drawing
    # with alpha (the most pixels, but no photograph).
    assert listed == [
        {"name": "sample-landscape.jpg", "source": "local:///sample-landscape.jpg"},
        {"name": "sample-exif-rotated.jpg", "source": "local:///sample-exif-rotated.jpg"},
        {"name": "sample-alpha.png", "source": "local:///sample-alpha.png"},
    ]
    for sample in listed:
        assert image_of(httpx.get(sign(base, sample["source"], width=40).json()["url"])).width


def test_no_samples_without_a_local_root() -> None:
    env = {"IMGPROXY_PLAYGROUND": "true"}
    with running_proxy(env) as served:
        assert httpx.get(f"{served}/_playground/samples").json() == {"samples": []}


def test_signed_url_is_the_helpers_and_is_served(base: str) -> None:
    answer = sign(base, SAMPLE, width=320, height=200, resizing_type="fill", format="webp")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    signed = answer.json()
    builder = UrlBuilder(base, KEY, SALT)
    fields = {"width": 320, "height": 200, "resizing_type": ResizingType.FILL}
    assert signed["url"] == builder.url(SAMPLE, **fields, format=ImageFormat.WEBP)
    response = httpx.get(signed["url"])
    image = image_of(response)
    assert response.headers["content-type"] == "image/webp"
    assert (image.width, image.height) == (320, 200)
    timing = re.fullmatch(
        r'proc;desc="processing";dur=(\d+\.\d)', response.headers["server-timing"]
    )
    assert timing and float(timing.group(1)) > 0


def test_a_focus_point_is_one_gravity_segment(base: str) -> None:
    fields = {"width": 200, "height": 200, "resizing_type": "fill", "gravity": "fp"}
    signed = sign(base, SAMPLE, **fields, focus_x=0.1, focus_y="0.9").json()
    assert "/g:fp:0.1:0.9/" in signed["url"]
    left = image_of(httpx.get(signed["url"]))
    right = image_of(
        httpx.get(sign(base, SAMPLE, **fields, focus_x=0.9, focus_y=0.1).json()["url"])
    )
    assert (left.width, left.height) == (right.width, right.height) == (200, 200)
    assert abs(left.avg() - right.avg()) > 1  # two different crops of the landscape


def test_the_original_is_signed_beside_the_result(base: str) -> None:
    signed = sign(base, SAMPLE, width=100, blur=3).json()
    assert signed["original"] == UrlBuilder(base, KEY, SALT).url(SAMPLE, width=1024, height=1024)
    original = image_of(httpx.get(signed["original"]))
    assert (original.width, original.height) == (1024, 683)


def test_the_comparison_renders_every_format(base: str) -> None:
    answer = httpx.post(
        f"{base}/_playground/compare",
        json={"source": SAMPLE, "options": {"width": 240, "quality": 70}},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    cells = answer.json()["cells"]
    assert [cell["format"] for cell in cells] == ["jpeg", "webp", "avif", "jxl", "best"]
    builder = UrlBuilder(base, KEY, SALT)
    for cell in cells:
        expected = builder.url(SAMPLE, width=240, quality=70, format=ImageFormat(cell["format"]))
        assert cell["url"] == expected
        if cell["ok"] and cell["format"] in {"jpeg", "webp"}:
            served = httpx.get(cell["url"])
            assert served.headers["content-type"] == cell["media_type"]
            assert len(served.content) == cell["bytes"]
    sizes = [cell["bytes"] for cell in cells if cell["ok"]]
    assert [cell["smallest"] for cell in cells if cell["ok"]] == [s == min(sizes) for s in sizes]


def test_a_comparison_of_a_missing_source_is_the_image_routes_404(base: str) -> None:
    answer = httpx.post(f"{base}/_playground/compare", json={"source": "local:///nothing.jpg"})
    assert (answer.status_code, answer.text) == (404, "Source image not found\n")


def test_srcset_offers_one_two_and_three_x(base: str) -> None:
    signed = sign(base, SAMPLE, width=300, format="png").json()
    entries = [entry.rsplit(" ", 1) for entry in signed["srcset"].split(", ")]
    assert [density for _, density in entries] == ["1x", "2x", "3x"]
    assert entries[0][0] == signed["url"]
    widths = [image_of(httpx.get(url)).width for url, _ in entries]
    assert widths == [300, 600, 900]
    assert signed["snippet"] == (
        f'<img src="{signed["url"]}" srcset="{signed["srcset"]}" alt="">'.replace("&", "&amp;")
    )


def test_a_tampered_url_is_refused(base: str) -> None:
    url = sign(base, SAMPLE, width=100).json()["url"]
    assert httpx.get(url.replace("w:100", "w:101")).status_code == 403


def test_urls_carry_the_path_prefix() -> None:
    with running_proxy({**PLAYGROUND, "IMGPROXY_PATH_PREFIX": "/img"}) as served:
        url = sign(served, SAMPLE, width=64).json()["url"]
        assert url.startswith(f"{served}/img/")
        assert image_of(httpx.get(url)).width == 64


def test_unsigned_mode_builds_unsafe_urls() -> None:
    env = {"IMGPROXY_PLAYGROUND": "true", "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(SAMPLES_DIR)}
    with running_proxy(env) as served:
        url = sign(served, SAMPLE, width=50, enlarge=True, gravity="sm", dpr="").json()["url"]
        assert url == f"{served}/unsafe/w:50/el:1/g:sm/plain/{SAMPLE}"
        assert image_of(httpx.get(url)).width == 50


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "Expected a JSON object with source and options"),
        (b"[1, 2]", "Expected a JSON object with source and options"),
        (b"{}", "Expected a source URL but received None"),
        (b'{"source": "  "}', "Expected a source URL but received '  '"),
        (b'{"source": "x", "options": [1]}', "Expected an object for options but received [1]"),
        (
            b'{"source": "x", "options": {"zoom": 2}}',
            "Unknown option: zoom (expected one of width, height, resizing_type, gravity, "
            "enlarge, dpr, format, quality, blur, sharpen, draw_detections, video_second, "
            "focus_x, focus_y)",
        ),
        (
            b'{"source": "x", "options": {"width": "wide"}}',
            "Expected integer 0..65535 for width but received 'wide'",
        ),
        (
            b'{"source": "x", "options": {"width": "1/2"}}',
            "Expected a single value for width but received '1/2'",
        ),
        (
            b'{"source": "x", "options": {"gravity": "sm:1"}}',
            "Expected a single value for gravity but received 'sm:1'",
        ),
        (
            b'{"source": "x", "options": {"height": {"a": 1}}}',
            "Expected a number or a word for height but received {'a': 1}",
        ),
        (
            b'{"source": "x", "options": {"gravity": "no", "focus_x": 0.5}}',
            "Expected gravity fp with focus_x and focus_y but received gravity 'no'",
        ),
        (
            b'{"source": "x", "options": {"gravity": "fp", "focus_x": 2, "focus_y": 0}}',
            "Expected number 0..1 for gravity x but received '2'",
        ),
        (
            b'{"source": "x", "options": {"gravity": "fp", "focus_x": "0.1/x", "focus_y": 0}}',
            "Expected a single value for focus_x but received '0.1/x'",
        ),
        (
            b'{"source": "x", "options": {"gravity": "fp:0.1:0.2"}}',
            "Expected a single value for gravity but received 'fp:0.1:0.2'",
        ),
    ],
)
def test_bad_forms_get_a_clear_400(base: str, body: bytes, message: str) -> None:
    answer = httpx.post(f"{base}/_playground/sign", content=body)
    assert (answer.status_code, answer.text) == (400, message + "\n")


def test_a_huge_form_is_refused(base: str) -> None:
    body = b'{"source": "' + b"a" * 20_000 + b'"}'
    answer = httpx.post(f"{base}/_playground/sign", content=body)
    assert (answer.status_code, answer.text) == (400, "Expected a form of at most 16384 bytes\n")


def test_disallowed_options_are_refused_when_signing() -> None:
    env = {**PLAYGROUND, "IMGPROXY_ALLOWED_PROCESSING_OPTIONS": "w,h"}
    with running_proxy(env) as served:
        answer = sign(served, SAMPLE, width=10, blur=2)
        assert (answer.status_code, answer.text) == (403, "Option not allowed: bl\n")


def test_pasted_sources_meet_the_usual_source_policy() -> None:
    with running_origin() as (origin, log):
        source = f"{origin}/files/jpeg-baseline-icc.jpg"
        with running_proxy(PLAYGROUND) as served:
            assert image_of(httpx.get(sign(served, source, width=120).json()["url"])).width == 120
        log.paths.clear()
        refusing = {**PLAYGROUND, "IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES": "false"}
        with running_proxy(refusing) as served:
            answer = sign(served, source, width=120)
            assert answer.status_code == 200  # signing fetches nothing
            assert httpx.get(answer.json()["url"]).status_code == 403
        assert log.paths == []
