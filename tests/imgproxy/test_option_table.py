"""Every processing option imgproxy documents, checked against our option table.

The names, aliases and argument grammar come from imgproxy's own documentation,
`docs/usage/processing.mdx` in imgproxy/imgproxy-docs (HEAD 752e7bb). Each name and each alias
has one row with example arguments in the documented grammar; every row must parse, give the
same `Options` as the option's full name with the same arguments, and give the value pinned in
`EXPECTED`. Every name in `BY_NAME` must have a row, so an option added without a documented
row fails here. The security options must be refused unless IMGPROXY_ALLOW_SECURITY_OPTIONS
is on.
"""

from __future__ import annotations

import pytest

from imgproxy.errors import Forbidden, InvalidOption, ProxyError
from imgproxy.url.hashsums import ExpectedHashsum, Hashsum
from imgproxy.url.options import (
    Autoquality,
    AutoqualityMethod,
    AvifOptions,
    AvifSubsample,
    BlurAreas,
    Color,
    Colorize,
    Crop,
    Duotone,
    Extend,
    Gradient,
    Gravity,
    GravityType,
    ImageFormat,
    JpegOptions,
    Monochrome,
    Options,
    Padding,
    PngOptions,
    ProgressiveBlur,
    ResizingAlgorithm,
    ResizingType,
    SecurityLimits,
    Trim,
    UnsharpMasking,
    UnsharpMode,
    VideoAnimation,
    VideoTile,
    Watermark,
    WebpCompression,
    WebpOptions,
    WebpPreset,
)
from imgproxy.url.parser import PathParser
from imgproxy.url.presets import parse_presets
from imgproxy.url.registry import BY_NAME, PRESET_OPTIONS, SECURITY_OPTIONS

SOURCE = "plain/http://example.com/a.jpg"
# The presets of the docs' presets-only example (`thumbnail:blurry:watermarked`).
PRESETS = parse_presets(
    ["thumbnail=rs:fill:100:100", "blurry=bl:5", "watermarked=wm:0.5:soea:10:10"]
)
PARSER = PathParser(allow_security_options=True, allow_bypass_cache=True, presets=PRESETS)
FAR_FUTURE = 4102444800  # 2100-01-01T00:00:00Z: `expires` must not have passed
G = GravityType

# (name as imgproxy documents it, the option's full name, example arguments)
TABLE: tuple[tuple[str, str, str], ...] = (
    ("resize", "resize", "fill:300:400:1:1:so:10:20"),
    ("rs", "resize", "fill:300:400:1:1:so:10:20"),
    ("size", "size", "300:400:1:1:nowe:5:0.5"),
    ("s", "size", "300:400:1:1:nowe:5:0.5"),
    ("resizing_type", "resizing_type", "fill-down"),
    ("rt", "resizing_type", "fill-down"),
    ("resizing_algorithm", "resizing_algorithm", "lanczos2"),
    ("ra", "resizing_algorithm", "lanczos2"),
    ("width", "width", "300"),
    ("w", "width", "300"),
    ("height", "height", "400"),
    ("h", "height", "400"),
    ("min-width", "min-width", "100"),
    ("mw", "min-width", "100"),
    ("min-height", "min-height", "150"),
    ("mh", "min-height", "150"),
    ("zoom", "zoom", "1.5:2"),
    ("z", "zoom", "1.5:2"),
    ("dpr", "dpr", "2"),
    ("enlarge", "enlarge", "1"),
    ("el", "enlarge", "1"),
    ("extend", "extend", "1:fp:0.5:0.25"),
    ("ex", "extend", "1:fp:0.5:0.25"),
    ("extend_aspect_ratio", "extend_aspect_ratio", "true:so:0:10"),
    ("extend_ar", "extend_aspect_ratio", "true:so:0:10"),
    ("exar", "extend_aspect_ratio", "true:so:0:10"),
    ("gravity", "gravity", "soea:10:0.5"),
    ("g", "gravity", "soea:10:0.5"),
    ("crop", "crop", "100:200:nowe:300:400"),
    ("c", "crop", "100:200:nowe:300:400"),
    ("trim", "trim", "10:FF00FF:1:0"),
    ("t", "trim", "10:FF00FF:1:0"),
    ("padding", "padding", "10:20"),
    ("pd", "padding", "10:20"),
    ("auto_rotate", "auto_rotate", "0"),
    ("ar", "auto_rotate", "0"),
    ("rotate", "rotate", "270"),
    ("rot", "rotate", "270"),
    ("flip", "flip", "1:0"),
    ("fl", "flip", "1:0"),
    ("page", "page", "1"),
    ("pg", "page", "1"),
    ("background", "background", "255:0:0"),
    ("bg", "background", "255:0:0"),
    ("background_alpha", "background_alpha", "0.5"),
    ("bga", "background_alpha", "0.5"),
    ("blur", "blur", "1.5"),
    ("bl", "blur", "1.5"),
    ("sharpen", "sharpen", "0.5"),
    ("sh", "sharpen", "0.5"),
    ("pixelate", "pixelate", "8"),
    ("pix", "pixelate", "8"),
    ("brightness", "brightness", "-50"),
    ("br", "brightness", "-50"),
    # imgproxy's docs give `co` to both `contrast` and `crop_objects`: one argument is contrast.
    ("contrast", "contrast", "1.5"),
    ("co", "contrast", "1.5"),
    ("saturation", "saturation", "0.5"),
    ("sa", "saturation", "0.5"),
    ("adjust", "adjust", "10:1.2:0.8"),
    ("a", "adjust", "10:1.2:0.8"),
    ("crop_aspect_ratio", "crop_aspect_ratio", "1.5:1"),
    ("crop_ar", "crop_aspect_ratio", "1.5:1"),
    ("car", "crop_aspect_ratio", "1.5:1"),
    ("pages", "pages", "2"),
    ("pgs", "pages", "2"),
    ("disable_animation", "disable_animation", "1"),
    ("da", "disable_animation", "1"),
    ("monochrome", "monochrome", "0.8:ff0000"),
    ("mc", "monochrome", "0.8:ff0000"),
    ("watermark", "watermark", "0.5:re:10:10:0.25"),
    ("wm", "watermark", "0.5:re:10:10:0.25"),
    ("watermark_url", "watermark_url", "aHR0cDovL2V4YW1wbGUuY29tL3dtLnBuZw"),
    ("wmu", "watermark_url", "aHR0cDovL2V4YW1wbGUuY29tL3dtLnBuZw"),
    ("watermark_text", "watermark_text", "SGVsbG8"),
    ("wmt", "watermark_text", "SGVsbG8"),
    ("watermark_size", "watermark_size", "100:0"),
    ("wms", "watermark_size", "100:0"),
    ("watermark_rotate", "watermark_rotate", "45"),
    ("wm_rot", "watermark_rotate", "45"),
    ("wmr", "watermark_rotate", "45"),
    ("watermark_shadow", "watermark_shadow", "2"),
    ("wmsh", "watermark_shadow", "2"),
    ("strip_metadata", "strip_metadata", "0"),
    ("sm", "strip_metadata", "0"),
    ("keep_copyright", "keep_copyright", "0"),
    ("kcr", "keep_copyright", "0"),
    ("strip_color_profile", "strip_color_profile", "0"),
    ("scp", "strip_color_profile", "0"),
    ("preserve_hdr", "preserve_hdr", "1"),
    ("ph", "preserve_hdr", "1"),
    ("enforce_thumbnail", "enforce_thumbnail", "1"),
    ("eth", "enforce_thumbnail", "1"),
    ("dpi", "dpi", "300"),
    ("style", "style", "c3ZnIHsgZmlsbDogcmVkIH0"),
    ("st", "style", "c3ZnIHsgZmlsbDogcmVkIH0"),
    ("stl", "style", "c3ZnIHsgZmlsbDogcmVkIH0"),  # what imgproxy's js-core writes
    ("color_profile", "color_profile", "srgb"),
    ("cp", "color_profile", "srgb"),
    ("icc", "color_profile", "srgb"),
    ("duotone", "duotone", "0.5:000000:ffffff"),
    ("dt", "duotone", "0.5:000000:ffffff"),
    ("unsharp_masking", "unsharp_masking", "auto:1:24"),
    ("ush", "unsharp_masking", "auto:1:24"),
    ("crop_objects", "crop_objects", "1.5:face"),
    ("c_obj", "crop_objects", "1.5:face"),
    ("objects_position", "objects_position", "prop"),
    ("op", "objects_position", "prop"),
    ("obj_pos", "objects_position", "prop"),
    ("blur_detections", "blur_detections", "5:face"),
    ("bd", "blur_detections", "5:face"),
    ("draw_detections", "draw_detections", "1:face"),
    ("dd", "draw_detections", "1:face"),
    ("blur_areas", "blur_areas", "5:0.1:0.1:0.2:0.2"),
    ("ba", "blur_areas", "5:0.1:0.1:0.2:0.2"),
    ("progressive_blur", "progressive_blur", "10:down:0:1"),
    ("pbl", "progressive_blur", "10:down:0:1"),
    ("colorize", "colorize", "0.5:ff0000:1"),
    ("col", "colorize", "0.5:ff0000:1"),
    ("gradient", "gradient", "0.5:000:down:0:1"),
    ("gr", "gradient", "0.5:000:down:0:1"),
    ("jpeg_options", "jpeg_options", "1:0:1:1:1:3"),
    ("jpgo", "jpeg_options", "1:0:1:1:1:3"),
    ("png_options", "png_options", "1:1:16"),
    ("pngo", "png_options", "1:1:16"),
    ("webp_options", "webp_options", "lossless:1:photo"),
    ("webpo", "webp_options", "lossless:1:photo"),
    ("avif_options", "avif_options", "on"),
    ("avifo", "avif_options", "on"),
    ("quality", "quality", "85"),
    ("q", "quality", "85"),
    ("format_quality", "format_quality", "jpeg:70:avif:40:webp:60"),
    ("fq", "format_quality", "jpeg:70:avif:40:webp:60"),
    ("max_bytes", "max_bytes", "10000"),
    ("mb", "max_bytes", "10000"),
    ("autoquality", "autoquality", "dssim:0.02:70:80:0.001"),
    ("aq", "autoquality", "dssim:0.02:70:80:0.001"),
    ("format", "format", "webp"),
    ("f", "format", "webp"),
    ("ext", "format", "webp"),
    ("skip_processing", "skip_processing", "svg:gif"),
    ("skp", "skip_processing", "svg:gif"),
    ("sp", "skip_processing", "svg:gif"),  # what imgproxy's js-core writes
    ("raw", "raw", "1"),
    ("cachebuster", "cachebuster", "v2"),
    ("cb", "cachebuster", "v2"),
    ("expires", "expires", str(FAR_FUTURE)),
    ("exp", "expires", str(FAR_FUTURE)),
    ("filename", "filename", "Y3VyaW9zaXR5:1"),
    ("fn", "filename", "Y3VyaW9zaXR5:1"),
    ("return_attachment", "return_attachment", "1"),
    ("att", "return_attachment", "1"),
    ("fallback_image_url", "fallback_image_url", "aHR0cDovL2V4YW1wbGUuY29tL2ZiLnBuZw"),
    ("fiu", "fallback_image_url", "aHR0cDovL2V4YW1wbGUuY29tL2ZiLnBuZw"),
    ("bypass_cache", "bypass_cache", "1"),
    ("bc", "bypass_cache", "1"),
    ("cache_tags", "cache_tags", "products:homepage"),
    ("ct", "cache_tags", "products:homepage"),
    ("video_thumbnail_second", "video_thumbnail_second", "5"),
    ("vts", "video_thumbnail_second", "5"),
    ("video_thumbnail_keyframes", "video_thumbnail_keyframes", "1"),
    ("vtk", "video_thumbnail_keyframes", "1"),
    ("video_thumbnail_tile", "video_thumbnail_tile", "1:4:4:160:90"),
    ("vtt", "video_thumbnail_tile", "1:4:4:160:90"),
    ("video_thumbnail_animation", "video_thumbnail_animation", "1:100:10:160:90"),
    ("vta", "video_thumbnail_animation", "1:100:10:160:90"),
    ("hashsum", "hashsum", "md5:d41d8cd98f00b204e9800998ecf8427e"),
    ("hs", "hashsum", "md5:d41d8cd98f00b204e9800998ecf8427e"),
    ("preset", "preset", "thumbnail:blurry"),
    ("pr", "preset", "thumbnail:blurry"),
    ("max_src_resolution", "max_src_resolution", "25.5"),
    ("msr", "max_src_resolution", "25.5"),
    ("max_src_file_size", "max_src_file_size", "10485760"),
    ("msfs", "max_src_file_size", "10485760"),
    ("max_animation_frames", "max_animation_frames", "10"),
    ("maf", "max_animation_frames", "10"),
    ("max_animation_frame_resolution", "max_animation_frame_resolution", "2.5"),
    ("mafr", "max_animation_frame_resolution", "2.5"),
    ("max_result_dimension", "max_result_dimension", "4096"),
    ("mrd", "max_result_dimension", "4096"),
)

# What the example arguments of each full name mean, per imgproxy's docs.
EXPECTED: dict[str, Options] = {
    "resize": Options(
        resizing_type=ResizingType.FILL,
        width=300,
        height=400,
        enlarge=True,
        extend=Extend(True, Gravity(G.SOUTH, 10, 20)),
    ),
    "size": Options(
        width=300, height=400, enlarge=True, extend=Extend(True, Gravity(G.NORTH_WEST, 5, 0.5))
    ),
    "resizing_type": Options(resizing_type=ResizingType.FILL_DOWN),
    "resizing_algorithm": Options(resizing_algorithm=ResizingAlgorithm.LANCZOS2),
    "width": Options(width=300),
    "height": Options(height=400),
    "min-width": Options(min_width=100),
    "min-height": Options(min_height=150),
    "zoom": Options(zoom_x=1.5, zoom_y=2.0),
    "dpr": Options(dpr=2.0),
    "enlarge": Options(enlarge=True),
    "extend": Options(extend=Extend(True, Gravity(G.FOCUS_POINT, 0.5, 0.25))),
    "extend_aspect_ratio": Options(extend_aspect_ratio=Extend(True, Gravity(G.SOUTH, 0, 10))),
    "gravity": Options(gravity=Gravity(G.SOUTH_EAST, 10, 0.5)),
    "crop": Options(crop=Crop(100, 200, Gravity(G.NORTH_WEST, 300, 400))),
    "trim": Options(trim=Trim(10.0, Color(255, 0, 255), True, False)),
    "padding": Options(padding=Padding(10, 20, 10, 20)),
    "auto_rotate": Options(auto_rotate=False),
    "rotate": Options(rotate=270),
    "flip": Options(flip_horizontal=True),
    "page": Options(page=1),
    "background": Options(background=Color(255, 0, 0)),
    "background_alpha": Options(background_alpha=0.5),
    "blur": Options(blur=1.5),
    "sharpen": Options(sharpen=0.5),
    "pixelate": Options(pixelate=8),
    "brightness": Options(brightness=-50),
    "contrast": Options(contrast=1.5),
    "adjust": Options(brightness=10, contrast=1.2, saturation=0.8),
    "crop_aspect_ratio": Options(crop_aspect_ratio=1.5, crop_aspect_ratio_enlarge=True),
    "pages": Options(pages=2),
    "disable_animation": Options(disable_animation=True),
    "saturation": Options(saturation=0.5),
    "monochrome": Options(monochrome=Monochrome(0.8, Color(255, 0, 0))),
    "watermark": Options(watermark=Watermark(0.5, G.REPLICATE, 10, 10, 0.25)),
    "watermark_url": Options(watermark_url="http://example.com/wm.png"),
    "watermark_text": Options(watermark_text="Hello"),
    "watermark_size": Options(watermark_width=100),
    "watermark_rotate": Options(watermark_rotate=45.0),
    "watermark_shadow": Options(watermark_shadow=2.0),
    "strip_metadata": Options(strip_metadata=False),
    "keep_copyright": Options(keep_copyright=False),
    "strip_color_profile": Options(strip_color_profile=False),
    "preserve_hdr": Options(preserve_hdr=True),
    "enforce_thumbnail": Options(enforce_thumbnail=True),
    "style": Options(style="svg { fill: red }"),
    "color_profile": Options(color_profile="srgb"),
    "dpi": Options(dpi=300.0),
    "duotone": Options(duotone=Duotone(0.5)),
    "unsharp_masking": Options(unsharp_masking=UnsharpMasking(UnsharpMode.AUTO, 1.0, 24.0)),
    "objects_position": Options(objects_position=Gravity(GravityType.PROPORTIONAL)),
    "crop_objects": Options(crop_objects=1.5),
    "blur_detections": Options(blur_detections=5.0),
    "draw_detections": Options(draw_detections=True),
    "blur_areas": Options(blur_areas=BlurAreas(5.0, ((0.1, 0.1, 0.2, 0.2),))),
    "progressive_blur": Options(progressive_blur=ProgressiveBlur(10.0)),
    "colorize": Options(colorize=Colorize(0.5, Color(255, 0, 0), keep_alpha=True)),
    "gradient": Options(gradient=Gradient(0.5)),
    "jpeg_options": Options(jpeg_options=JpegOptions(True, False, True, True, True, 3)),
    "png_options": Options(png_options=PngOptions(True, True, 16)),
    "webp_options": Options(
        webp_options=WebpOptions(WebpCompression.LOSSLESS, True, WebpPreset.PHOTO)
    ),
    "avif_options": Options(avif_options=AvifOptions(AvifSubsample.ON)),
    "quality": Options(quality=85),
    "format_quality": Options(
        format_quality=((ImageFormat.AVIF, 40), (ImageFormat.JPEG, 70), (ImageFormat.WEBP, 60))
    ),
    "max_bytes": Options(max_bytes=10000),
    "autoquality": Options(autoquality=Autoquality(AutoqualityMethod.DSSIM, 0.02, 70, 80, 0.001)),
    "format": Options(format=ImageFormat.WEBP),
    "skip_processing": Options(skip_processing=(ImageFormat.SVG, ImageFormat.GIF)),
    "raw": Options(raw=True),
    "cachebuster": Options(cachebuster="v2"),
    "expires": Options(expires=FAR_FUTURE),
    "filename": Options(filename="curiosity"),
    "return_attachment": Options(return_attachment=True),
    "fallback_image_url": Options(fallback_image_url="http://example.com/fb.png"),
    "bypass_cache": Options(bypass_cache=True),
    "cache_tags": Options(cache_tags=("products", "homepage")),
    "video_thumbnail_second": Options(video_thumbnail_second=5.0),
    "video_thumbnail_keyframes": Options(video_thumbnail_keyframes=True),
    "video_thumbnail_tile": Options(video_thumbnail_tile=VideoTile(1.0, 4, 4, 160, 90)),
    "video_thumbnail_animation": Options(
        video_thumbnail_animation=VideoAnimation(1.0, 100, 10, 160, 90)
    ),
    "hashsum": Options(hashsum=ExpectedHashsum(Hashsum.MD5, "d41d8cd98f00b204e9800998ecf8427e")),
    "preset": Options(resizing_type=ResizingType.FILL, width=100, height=100, blur=5.0),
    "max_src_resolution": Options(limits=SecurityLimits(max_src_resolution=25.5)),
    "max_src_file_size": Options(limits=SecurityLimits(max_src_file_size=10485760)),
    "max_animation_frames": Options(limits=SecurityLimits(max_animation_frames=10)),
    "max_animation_frame_resolution": Options(
        limits=SecurityLimits(max_animation_frame_resolution=2.5)
    ),
    "max_result_dimension": Options(limits=SecurityLimits(max_result_dimension=4096)),
}

# Every option in docs/usage/processing.mdx (imgproxy-docs 752e7bb), in its order: the full
# name, then the aliases.
DOCUMENTED: tuple[tuple[str, ...], ...] = (
    ("resize", "rs"),
    ("size", "s"),
    ("resizing_type", "rt"),
    ("resizing_algorithm", "ra"),
    ("width", "w"),
    ("height", "h"),
    ("min-width", "mw"),
    ("min-height", "mh"),
    ("zoom", "z"),
    ("dpr",),
    ("enlarge", "el"),
    ("extend", "ex"),
    ("extend_aspect_ratio", "extend_ar", "exar"),
    ("gravity", "g"),
    ("objects_position", "obj_pos", "op"),
    ("crop", "c"),
    ("crop_aspect_ratio", "crop_ar", "car"),
    ("trim", "t"),
    ("padding", "pd"),
    ("auto_rotate", "ar"),
    ("rotate", "rot"),
    ("flip", "fl"),
    ("background", "bg"),
    ("background_alpha", "bga"),
    ("adjust", "a"),
    ("brightness", "br"),
    ("contrast", "co"),
    ("saturation", "sa"),
    ("monochrome", "mc"),
    ("duotone", "dt"),
    ("blur", "bl"),
    ("sharpen", "sh"),
    ("pixelate", "pix"),
    ("unsharp_masking", "ush"),
    ("blur_areas", "ba"),
    ("progressive_blur", "pbl"),
    ("blur_detections", "bd"),
    ("draw_detections", "dd"),
    ("crop_objects", "co"),
    ("colorize", "col"),
    ("gradient", "gr"),
    ("watermark", "wm"),
    ("watermark_url", "wmu"),
    ("watermark_text", "wmt"),
    ("watermark_size", "wms"),
    ("watermark_rotate", "wm_rot", "wmr"),
    ("watermark_shadow", "wmsh"),
    ("style", "st"),
    ("strip_metadata", "sm"),
    ("keep_copyright", "kcr"),
    ("dpi",),
    ("strip_color_profile", "scp"),
    ("preserve_hdr", "ph"),
    ("color_profile", "cp", "icc"),
    ("enforce_thumbnail", "eth"),
    ("quality", "q"),
    ("format_quality", "fq"),
    ("autoquality", "aq"),
    ("max_bytes", "mb"),
    ("jpeg_options", "jpgo"),
    ("png_options", "pngo"),
    ("webp_options", "webpo"),
    ("avif_options", "avifo"),
    ("format", "f", "ext"),
    ("page", "pg"),
    ("pages", "pgs"),
    ("disable_animation", "da"),
    ("video_thumbnail_second", "vts"),
    ("video_thumbnail_keyframes", "vtk"),
    ("video_thumbnail_tile", "vtt"),
    ("video_thumbnail_animation", "vta"),
    ("fallback_image_url", "fiu"),
    ("skip_processing", "skp"),
    ("raw",),
    ("cachebuster", "cb"),
    ("bypass_cache", "bc"),
    ("cache_tags", "ct"),
    ("video_thumbnail_second", "vts"),
    ("video_thumbnail_keyframes", "vtk"),
    ("expires", "exp"),
    ("filename", "fn"),
    ("return_attachment", "att"),
    ("preset", "pr"),
    ("hashsum", "hs"),
    ("max_src_resolution", "msr"),
    ("max_src_file_size", "msfs"),
    ("max_animation_frames", "maf"),
    ("max_animation_frame_resolution", "mafr"),
    ("max_result_dimension", "mrd"),
)
DOCUMENTED_NAMES = frozenset(name for names in DOCUMENTED for name in names)
UNDOCUMENTED = frozenset({"co", "sp", "stl", "c_obj"})
"""`co`, which the docs give to two options; `sp`, `stl` and `c_obj`, which only imgproxy's JS
client writes."""

# The options the docs say need IMGPROXY_ALLOW_SECURITY_OPTIONS.
SECURITY_FULL_NAMES = frozenset(
    {
        "max_src_resolution",
        "max_src_file_size",
        "max_animation_frames",
        "max_animation_frame_resolution",
        "max_result_dimension",
    }
)
SECURITY_ROWS = tuple((name, args) for name, full, args in TABLE if full in SECURITY_FULL_NAMES)
BOOLEAN = "boolean (1, t, true, 0, f, false)"


def parse(segment: str, parser: PathParser = PARSER) -> Options:
    return parser.parse(f"{segment}/{SOURCE}").options


def refusal(segment: str, parser: PathParser = PARSER) -> ProxyError:
    with pytest.raises((InvalidOption, Forbidden)) as caught:
        parse(segment, parser)
    return caught.value


@pytest.mark.parametrize(("name", "full", "args"), TABLE, ids=[row[0] for row in TABLE])
def test_documented_name_parses_like_its_full_name(name: str, full: str, args: str) -> None:
    got = parse(f"{name}:{args}")
    assert got == parse(f"{full}:{args}")
    assert got == EXPECTED[full]
    assert got != Options()


def test_every_row_of_one_option_uses_the_same_arguments() -> None:
    arguments: dict[str, set[str]] = {}
    for _, full, args in TABLE:
        arguments.setdefault(full, set()).add(args)
    assert {full: len(found) for full, found in arguments.items() if len(found) != 1} == {}
    assert set(arguments) == set(EXPECTED)


def test_every_name_in_the_registry_has_a_documented_row() -> None:
    names = [name for name, _, _ in TABLE]
    assert len(names) == len(set(names))
    assert set(BY_NAME) - set(names) == set()
    assert set(names) - set(BY_NAME) == set(PRESET_OPTIONS)


def test_full_names_are_what_the_registry_says() -> None:
    for name, full, _ in TABLE:
        if name not in PRESET_OPTIONS and name != "co":
            assert BY_NAME[name] is BY_NAME[full], name


def test_table_covers_every_documented_name() -> None:
    assert {name for name, _, _ in TABLE} >= DOCUMENTED_NAMES


def test_co_with_object_classes_is_crop_objects() -> None:
    assert parse("co:1.2:face") == Options(crop_objects=1.2)


def test_full_name_of_each_row_is_the_documented_full_name() -> None:
    documented_full = {name: names[0] for names in DOCUMENTED for name in names if name != "co"}
    assert {name: full for name, full, _ in TABLE if name not in UNDOCUMENTED} == {
        name: documented_full[name] for name, _, _ in TABLE if name not in UNDOCUMENTED
    }


@pytest.mark.parametrize(("name", "args"), SECURITY_ROWS, ids=[row[0] for row in SECURITY_ROWS])
def test_security_option_is_forbidden_without_allow_security_options(name: str, args: str) -> None:
    error = refusal(f"{name}:{args}", PathParser())
    assert type(error) is Forbidden
    assert error.message == f"Security option {name} is not allowed"
    assert error.status == 403


def test_security_rows_are_the_five_security_options_and_their_aliases() -> None:
    assert {name for name, _ in SECURITY_ROWS} == SECURITY_OPTIONS
    assert len(SECURITY_ROWS) == 10


def test_security_option_in_a_preset_is_forbidden_too() -> None:
    parser = PathParser(presets=parse_presets(["big=msr:100"]))
    error = refusal("pr:big", parser)
    assert type(error) is Forbidden
    assert error.message == "Security option msr is not allowed"


# The differences from imgproxy that the README's option reference states.


@pytest.mark.parametrize(
    ("segment", "message"),
    [
        ("el:yes", f"Expected {BOOLEAN} for enlarge but received 'yes'"),
        ("sm:2", f"Expected {BOOLEAN} for strip_metadata but received '2'"),
        ("fl:1:on", f"Expected {BOOLEAN} for flip but received 'on'"),
        ("w:65536", "Expected integer 0..65535 for width but received '65536'"),
        ("h:-1", "Expected integer 0..65535 for height but received '-1'"),
        ("dpr:0", "Expected number >0..8 for dpr but received '0'"),
        ("dpr:8.5", "Expected number >0..8 for dpr but received '8.5'"),
        ("rot:45", "Rotation angle must be a multiple of 90"),
        ("fq:webp", "Missing quality for format_quality: webp"),
        (
            "wm:0.5:chess",
            "Expected one of ce, no, so, ea, we, noea, nowe, soea, sowe, re, ch "
            "for watermark position but received 'chess'",
        ),
        (
            "g:ch",
            "Expected one of ce, no, so, ea, we, noea, nowe, soea, sowe, sm, fp, obj, objw "
            "for gravity but received 'ch'",
        ),
        (
            "g:obj:car",
            "Expected object class face or all for gravity but received 'car'",
        ),
        (
            "ex:1:sm",
            "Expected one of ce, no, so, ea, we, noea, nowe, soea, sowe, fp "
            "for extend gravity but received 'sm'",
        ),
    ],
)
def test_bad_argument_is_a_400_naming_the_option(segment: str, message: str) -> None:
    error = refusal(segment)
    assert type(error) is InvalidOption
    assert (error.message, error.status) == (message, 400)


@pytest.mark.parametrize("word", ["1", "t", "true", "T", "TRUE", "True"])
def test_true_words_in_any_case(word: str) -> None:
    assert parse(f"el:{word}") == Options(enlarge=True)


def test_dpr_upper_bound_is_inclusive() -> None:
    assert parse("dpr:8") == Options(dpr=8.0)


def test_option_outside_allowed_processing_options_is_forbidden() -> None:
    parser = PathParser(presets=PRESETS, allowed_options=frozenset({"rs", "pr"}))
    assert parse("rs:fit:10:10/pr:blurry", parser) == Options(width=10, height=10, blur=5.0)
    for segment, name in [("resize:fit:10", "resize"), ("preset:blurry", "preset")]:
        error = refusal(segment, parser)
        assert type(error) is Forbidden
        assert (error.message, error.status) == (f"Option not allowed: {name}", 403)


def test_presets_only_mode_reads_preset_names_from_the_first_segment() -> None:
    parser = PathParser(presets=PRESETS, only_presets=True)
    expected = Options(resizing_type=ResizingType.FILL, width=100, height=100, blur=5.0)
    assert parse("thumbnail:blurry", parser) == expected
    error = refusal("w:10", parser)
    assert type(error) is InvalidOption
    assert error.message == "Unknown preset: w"
