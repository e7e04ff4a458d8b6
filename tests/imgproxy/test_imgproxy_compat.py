"""Units behind the settings carried over from imgproxy: source rewriting, negotiation with
enforced formats, Client Hints, preferred formats, trusted signatures and their env parsing."""

from __future__ import annotations

import asyncio
import base64
from email.utils import formatdate
from pathlib import Path

import pytest

from cache.http import passthrough_cache_control
from config.settings import Settings, SettingsError
from imgproxy.client_hints import ClientHints
from imgproxy.errors import InvalidSignature
from imgproxy.fallback import load_fallback_image
from imgproxy.negotiation import Negotiation, negotiated_format
from imgproxy.origins import OriginRouter
from imgproxy.signing import Verifier, sign
from imgproxy.url.formats import DEFAULT_PREFERRED_FORMATS, preferred_output
from imgproxy.url.options import ImageFormat, Options
from imgproxy.url.source import SourceRewriter, UrlReplacement, parse_url_replacements
from tests.support import CORPUS
from transforms.executor import ProcessingPool
from transforms.formats import WRITABLE, settle_output

JPEG, PNG, GIF, WEBP, AVIF = (
    ImageFormat.JPEG,
    ImageFormat.PNG,
    ImageFormat.GIF,
    ImageFormat.WEBP,
    ImageFormat.AVIF,
)


# IMGPROXY_URL_REPLACEMENTS and IMGPROXY_BASE_URL


def test_replacements_match_prefixes_with_wildcards() -> None:
    rules = parse_url_replacements(
        "mys3://=s3://my_bucket/images/;cdn://*/*/=https://${2}.example/${1}/"
    )
    rewriter = SourceRewriter(replacements=rules)
    assert rewriter.rewrite("mys3://image01.jpg") == "s3://my_bucket/images/image01.jpg"
    assert rewriter.rewrite("cdn://photos/eu/a/b.jpg") == "https://eu.example/photos/a/b.jpg"
    assert rewriter.rewrite("x-mys3://image01.jpg") == "x-mys3://image01.jpg"  # prefixes only


def test_wildcards_stop_at_slashes_and_literals_are_not_regex() -> None:
    rule = UrlReplacement("a.*/", "b/${1}/${3}")
    assert rule.apply("a.x/y") == "b/x/y"  # ${3} does not exist: empty
    assert rule.apply("abx/y") == "abx/y"  # `.` is literal
    assert rule.apply("a.x") == "a.x"  # `*` needs the `/` after it


def test_base_url_is_prefixed_once_after_replacements() -> None:
    rewriter = SourceRewriter("http://img.example/", parse_url_replacements("old/=new/"))
    assert rewriter.rewrite("old/a.png") == "http://img.example/new/a.png"
    assert rewriter.rewrite("http://img.example/a.png") == "http://img.example/a.png"
    assert SourceRewriter().rewrite("http://a/b.png") == "http://a/b.png"


@pytest.mark.parametrize("raw", ["no-equals", "=empty-pattern", "a=b;c"])
def test_bad_replacements_stop_the_server(raw: str) -> None:
    with pytest.raises(SettingsError, match="IMGPROXY_URL_REPLACEMENTS: Expected pattern="):
        Settings.from_env({"IMGPROXY_URL_REPLACEMENTS": raw})


# IMGPROXY_AUTO_* and IMGPROXY_ENFORCE_*


@pytest.mark.parametrize(
    ("negotiation", "explicit", "accept", "requested", "varies"),
    [
        (Negotiation(), PNG, "image/webp", PNG, False),
        (Negotiation(auto_webp=True), PNG, "image/webp", PNG, False),
        (Negotiation(auto_webp=True), None, "image/webp", WEBP, True),
        (Negotiation(auto_webp=True), None, "image/png", None, True),
        (Negotiation(enforce_webp=True), PNG, "image/webp", WEBP, True),
        (Negotiation(enforce_webp=True), PNG, "*/*", PNG, True),
        (Negotiation(enforce_webp=True), None, "image/webp", WEBP, True),
        (
            Negotiation(enforce_webp=True, enforce_avif=True),
            JPEG,
            "image/avif,image/webp",
            AVIF,
            True,
        ),
        (Negotiation(auto_avif=True, enforce_webp=True), JPEG, "image/avif,image/webp", WEBP, True),
        (Negotiation(enforce_avif=True), ImageFormat.SVG, "image/avif", ImageFormat.SVG, False),
    ],
)
def test_negotiation(
    negotiation: Negotiation,
    explicit: ImageFormat | None,
    accept: str,
    requested: ImageFormat | None,
    varies: bool,
) -> None:
    choice = negotiation.choose(explicit, accept)
    assert (choice.requested, choice.varies) == (requested, varies)


def test_enforced_formats_get_their_own_cache_keys() -> None:
    enforce = Negotiation(enforce_webp=True)
    assert negotiated_format(enforce, PNG, "image/webp") == "webp"
    assert negotiated_format(enforce, PNG, "*/*") == "png"
    assert negotiated_format(enforce, None, "image/webp") == "auto:webp"
    assert negotiated_format(Negotiation(), None, "image/webp") == "auto:none"


# IMGPROXY_ENABLE_CLIENT_HINTS


def test_client_hints_read_the_first_usable_header() -> None:
    hints = ClientHints.from_headers({"sec-ch-dpr": "x", "dpr": "1.5", "width": "300"})
    assert hints == ClientHints(dpr=1.5, width=300)
    assert ClientHints.from_headers({"dpr": "0", "width": "-3"}) == ClientHints()
    assert ClientHints.from_headers({"dpr": "nan", "sec-ch-width": "70000"}) == ClientHints()
    assert ClientHints.from_headers({"sec-ch-dpr": "8", "sec-ch-width": "1"}) == ClientHints(8, 1)


def test_client_hints_fill_only_defaults() -> None:
    hints = ClientHints(dpr=2.0, width=301)
    assert hints.apply(Options()) == Options(dpr=2.0, width=151)
    assert hints.apply(Options(width=40, dpr=3.0)) == Options(width=40, dpr=3.0)
    assert ClientHints(width=50).apply(Options()) == Options(width=50)
    assert ClientHints().apply(Options(height=5)) == Options(height=5)


# IMGPROXY_PREFERRED_FORMATS


def test_preferred_output_follows_imgproxys_rules() -> None:
    imgproxy = (JPEG, PNG, GIF)
    assert preferred_output(imgproxy, PNG, has_alpha=False, animated=False) is PNG
    assert preferred_output(imgproxy, WEBP, has_alpha=False, animated=False) is JPEG
    assert preferred_output(imgproxy, WEBP, has_alpha=True, animated=False) is PNG
    assert preferred_output(imgproxy, WEBP, has_alpha=False, animated=True) is GIF
    assert preferred_output((JPEG,), WEBP, has_alpha=True, animated=True) is JPEG


@pytest.mark.parametrize("source", sorted(ImageFormat, key=str))
@pytest.mark.parametrize("has_alpha", [False, True])
@pytest.mark.parametrize("animated", [False, True])
def test_default_preferred_formats_are_what_the_pipeline_does(
    source: ImageFormat, has_alpha: bool, animated: bool
) -> None:
    assert set(DEFAULT_PREFERRED_FORMATS) == WRITABLE - {
        ImageFormat.HEIC,
        ImageFormat.BMP,
        ImageFormat.ICO,
        ImageFormat.JXL,
    }
    chosen = preferred_output(
        DEFAULT_PREFERRED_FORMATS, source, has_alpha=has_alpha, animated=animated
    )
    assert chosen is settle_output(None, source, has_alpha, animated=animated)


def test_preferred_formats_setting() -> None:
    assert Settings.from_env(
        {"IMGPROXY_PREFERRED_FORMATS": " JPG, png,jpeg "}
    ).preferred_formats == (
        JPEG,
        PNG,
    )
    assert Settings.from_env({"IMGPROXY_PREFERRED_FORMATS": "jxl,jpeg"}).preferred_formats == (
        ImageFormat.JXL,
        JPEG,
    )
    for raw, wrong in (("jpeg,best", "'best'"), ("jpeg,svg", "'svg'"), ("png,nope", "'nope'")):
        with pytest.raises(SettingsError, match=f"but received {wrong}"):
            Settings.from_env({"IMGPROXY_PREFERRED_FORMATS": raw})
    with pytest.raises(SettingsError, match="names no format"):
        Settings.from_env({"IMGPROXY_PREFERRED_FORMATS": ", ,"})


# IMGPROXY_TRUSTED_SIGNATURES


def test_trusted_signatures_pass_without_a_check() -> None:
    verifier = Verifier([b"k"], [b"s"], trusted=("trusted-one",))
    verifier.verify("trusted-one", "/w:1/plain/a")
    verifier.verify(sign("/w:1/plain/a", b"k", b"s"), "/w:1/plain/a")
    for signature in ("trusted", "trusted-one2", "TRUSTED-ONE"):
        with pytest.raises(InvalidSignature):
            verifier.verify(signature, "/w:1/plain/a")


# IMGPROXY_CACHE_CONTROL_PASSTHROUGH


def test_passthrough_prefers_cache_control_then_expires() -> None:
    now = 1_700_000_000.0
    in_an_hour = formatdate(now + 3600, usegmt=True)
    assert passthrough_cache_control("private, max-age=5", in_an_hour, now) == "private, max-age=5"
    assert passthrough_cache_control(None, in_an_hour, now) == "public, max-age=3600"
    assert passthrough_cache_control(None, "Tue, 14 Nov 2023 00:00:00 GMT", now) == "no-cache"
    assert passthrough_cache_control(None, "0", now) is None
    assert passthrough_cache_control(None, None, now) is None


# The other settings


def test_settings_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "IMGPROXY_BASE_URL": "http://img.example/",
            "IMGPROXY_TRUSTED_SIGNATURES": "a, b,",
            "IMGPROXY_ALLOW_ORIGIN": "*",
            "IMGPROXY_ENABLE_CLIENT_HINTS": "1",
            "IMGPROXY_ENFORCE_WEBP": "true",
            "IMGPROXY_ENFORCE_AVIF": "yes",
            "IMGPROXY_CACHE_CONTROL_PASSTHROUGH": "t",
            "IMGPROXY_USE_LAST_MODIFIED": "false",
            "IMGPROXY_FALLBACK_IMAGE_PATH": "/srv/fallback.png",
            "IMGPROXY_FALLBACK_IMAGE_HTTP_CODE": "0",
            "IMGPROXY_FALLBACK_IMAGE_TTL": "60",
        }
    )
    assert settings.base_url == "http://img.example/"
    assert settings.trusted_signatures == ("a", "b")
    assert settings.allow_origin == "*"
    assert settings.enable_client_hints and settings.enforce_webp and settings.enforce_avif
    assert settings.cache_control_passthrough and not settings.use_last_modified
    assert settings.fallback_image_path == Path("/srv/fallback.png")
    assert (settings.fallback_image_http_code, settings.fallback_image_ttl) == (0, 60)
    assert settings.has_fallback_image
    defaults = Settings.from_env({})
    assert (defaults.use_last_modified, defaults.fallback_image_http_code) == (True, 200)
    assert not defaults.has_fallback_image


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"IMGPROXY_FALLBACK_IMAGE_DATA": "not base64!"}, "must be base64"),
        ({"IMGPROXY_FALLBACK_IMAGE_HTTP_CODE": "99"}, "must be 0 or 200..599, got 99"),
        ({"IMGPROXY_FALLBACK_IMAGE_HTTP_CODE": "600"}, "must be 0 or 200..599, got 600"),
        ({"IMGPROXY_FALLBACK_IMAGE_TTL": "-1"}, "must be at least 0"),
        ({"IMGPROXY_ENFORCE_WEBP": "maybe"}, "must be a boolean"),
    ],
)
def test_bad_values_stop_the_server(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_an_undecodable_fallback_stops_the_server(tmp_path: Path) -> None:
    pool = ProcessingPool(1)
    origins = OriginRouter({})
    corrupt = (CORPUS / "jpeg-corrupt-header.jpg").read_bytes()
    try:
        with pytest.raises(SettingsError, match="The fallback image cannot be used"):
            asyncio.run(load_fallback_image(Settings(fallback_image_data=corrupt), origins, pool))
        with pytest.raises(SettingsError, match="IMGPROXY_FALLBACK_IMAGE_PATH cannot be read"):
            settings = Settings(fallback_image_path=tmp_path / "missing.png")
            asyncio.run(load_fallback_image(settings, origins, pool))
        good = base64.b64decode(base64.b64encode((CORPUS / "png-rgb8-pngsuite.png").read_bytes()))
        image = asyncio.run(load_fallback_image(Settings(fallback_image_data=good), origins, pool))
        assert (image.status, image.ttl) == (200, Settings().ttl)
    finally:
        pool.shutdown()


# The README's migration table


def migration_rows() -> list[tuple[list[str], str]]:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Migrating from imgproxy", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`IMGPROXY_"):
            rows.append(([name.strip("` ") for name in cells[0].split(",")], cells[1]))
    return rows


def test_the_migration_table_says_what_the_settings_read() -> None:
    config = Path(__file__).resolve().parents[2] / "config"
    read = "".join(path.read_text(encoding="utf-8") for path in config.glob("*.py"))
    rows = migration_rows()
    assert len([name for names, _ in rows for name in names]) >= 290
    for names, status in rows:
        assert status in {"supported", "supported differently", "not supported"}, names
        for name in names:
            if status == "supported":
                assert f'"{name}"' in read, f"{name} is marked supported but never read"
            if status == "not supported":
                assert f'"{name}"' not in read, f"{name} is read but marked not supported"
