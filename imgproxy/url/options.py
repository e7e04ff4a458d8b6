"""The processing options one URL asks for, as one frozen typed value.

Standard library only: the URL-signing helper builds these too. Fields hold exactly what the
URL says; `None` means "the server's configured default" (for example `IMGPROXY_AUTO_ROTATE`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from imgproxy.url.hashsums import ExpectedHashsum
from imgproxy.url.pixel_filters import PixelFilter


class ResizingType(StrEnum):
    FIT = "fit"
    FILL = "fill"
    FILL_DOWN = "fill-down"
    FORCE = "force"
    AUTO = "auto"


class ResizingAlgorithm(StrEnum):
    NEAREST = "nearest"
    LINEAR = "linear"
    CUBIC = "cubic"
    LANCZOS2 = "lanczos2"
    LANCZOS3 = "lanczos3"


class GravityType(StrEnum):
    CENTER = "ce"
    NORTH = "no"
    SOUTH = "so"
    EAST = "ea"
    WEST = "we"
    NORTH_EAST = "noea"
    NORTH_WEST = "nowe"
    SOUTH_EAST = "soea"
    SOUTH_WEST = "sowe"
    SMART = "sm"
    FOCUS_POINT = "fp"
    OBJECTS = "obj"
    """imgproxy Pro's `obj`/`objw`: the detected faces (the one class there is) at the centre."""
    PROPORTIONAL = "prop"
    """`objects_position:prop`: the faces keep their relative place in the image."""
    REPLICATE = "re"
    CHESSBOARD = "ch"


class ImageFormat(StrEnum):
    JPEG = "jpeg"
    PNG = "png"
    WEBP = "webp"
    AVIF = "avif"
    GIF = "gif"
    TIFF = "tiff"
    HEIC = "heic"
    BMP = "bmp"
    ICO = "ico"
    SVG = "svg"
    JXL = "jxl"
    BEST = "best"
    """imgproxy Pro's `format:best`: settled by encoding the candidates, never a result's."""

    @property
    def extension(self) -> str:
        return "jpg" if self is ImageFormat.JPEG else self.value

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self]

    @property
    def supports_alpha(self) -> bool:
        return self not in {ImageFormat.JPEG, ImageFormat.BMP}

    @property
    def supports_animation(self) -> bool:
        """Chosen for an animation when no format is asked for."""
        return self in {ImageFormat.GIF, ImageFormat.WEBP}

    @property
    def writes_animation(self) -> bool:
        """Keeps an animation when asked for (AVIF only explicitly, as in imgproxy)."""
        return self in {ImageFormat.GIF, ImageFormat.WEBP, ImageFormat.AVIF}


MEDIA_TYPES = {
    ImageFormat.JPEG: "image/jpeg",
    ImageFormat.PNG: "image/png",
    ImageFormat.WEBP: "image/webp",
    ImageFormat.AVIF: "image/avif",
    ImageFormat.GIF: "image/gif",
    ImageFormat.TIFF: "image/tiff",
    ImageFormat.HEIC: "image/heif",
    ImageFormat.BMP: "image/bmp",
    ImageFormat.ICO: "image/x-icon",
    ImageFormat.SVG: "image/svg+xml",
    ImageFormat.JXL: "image/jxl",
}

FORMAT_NAMES: dict[str, ImageFormat] = {
    **{
        image_format.value: image_format
        for image_format in ImageFormat
        if image_format.value != "best"
    },
    "jpg": ImageFormat.JPEG,
    "tif": ImageFormat.TIFF,
    "heif": ImageFormat.HEIC,
}


@dataclass(frozen=True)
class Color:
    red: int
    green: int
    blue: int

    @property
    def hex(self) -> str:
        return f"{self.red:02x}{self.green:02x}{self.blue:02x}"


@dataclass(frozen=True)
class Gravity:
    """Where a crop or an extension is anchored. Offsets >= 1 are pixels, < 1 fractions."""

    type: GravityType = GravityType.CENTER
    x: float = 0.0
    y: float = 0.0


@dataclass(frozen=True)
class Extend:
    enabled: bool = False
    gravity: Gravity = field(default_factory=Gravity)


@dataclass(frozen=True)
class Crop:
    """Cut before resizing: sizes >= 1 are pixels, < 1 fractions, 0 the whole side."""

    width: float = 0.0
    height: float = 0.0
    gravity: Gravity | None = None
    """None: use the `gravity` option."""


@dataclass(frozen=True)
class Trim:
    threshold: float | None = None
    """None: trimming is off."""
    color: Color | None = None
    """None: the colour of the top-left pixel."""
    equal_horizontal: bool = False
    equal_vertical: bool = False


@dataclass(frozen=True)
class Padding:
    top: int = 0
    right: int = 0
    bottom: int = 0
    left: int = 0


@dataclass(frozen=True)
class Watermark:
    opacity: float = 0.0
    """0: no watermark."""
    position: GravityType = GravityType.CENTER
    x: float = 0.0
    y: float = 0.0
    scale: float = 0.0
    """Watermark width relative to the image; 0 keeps the watermark's own size."""


@dataclass(frozen=True)
class Monochrome:
    intensity: float = 0.0
    """0: off."""
    color: Color = field(default_factory=lambda: Color(0xB3, 0xB3, 0xB3))


@dataclass(frozen=True)
class Duotone:
    intensity: float = 0.0
    """0: off."""
    dark: Color = field(default_factory=lambda: Color(0, 0, 0))
    light: Color = field(default_factory=lambda: Color(255, 255, 255))


class UnsharpMode(StrEnum):
    AUTO = "auto"
    NONE = "none"
    ALWAYS = "always"


@dataclass(frozen=True)
class UnsharpMasking:
    """`unsharp_masking`; each `None` is the server's `IMGPROXY_UNSHARP_MASKING_*` setting."""

    mode: UnsharpMode | None = None
    weight: float | None = None
    divider: float | None = None


@dataclass(frozen=True)
class BlurAreas:
    sigma: float = 0.0
    """0: off."""
    areas: tuple[tuple[float, float, float, float], ...] = ()
    """left, top, width, height, each a fraction of the image's side."""


@dataclass(frozen=True)
class Ramp:
    """Where a directional effect runs: `direction` in degrees clockwise (0: from the top down),
    from no effect at `start` to full at `stop`, fractions along the direction."""

    direction: float = 0.0
    start: float = 0.0
    stop: float = 1.0


@dataclass(frozen=True)
class ProgressiveBlur:
    sigma: float = 0.0
    """0: off."""
    ramp: Ramp = field(default_factory=Ramp)


@dataclass(frozen=True)
class Colorize:
    opacity: float = 0.0
    """0: off."""
    color: Color = field(default_factory=lambda: Color(0, 0, 0))
    keep_alpha: bool = False


@dataclass(frozen=True)
class Gradient:
    opacity: float = 0.0
    """0: off."""
    color: Color = field(default_factory=lambda: Color(0, 0, 0))
    ramp: Ramp = field(default_factory=Ramp)


class AutoqualityMethod(StrEnum):
    NONE = "none"
    SIZE = "size"
    DSSIM = "dssim"
    ML = "ml"


@dataclass(frozen=True)
class Autoquality:
    """`autoquality`; each `None` is the server's `IMGPROXY_AUTOQUALITY_*` setting."""

    method: AutoqualityMethod | None = None
    target: float | None = None
    """`size`: bytes; `dssim`, `ml`: the DSSIM to reach."""
    min_quality: int | None = None
    max_quality: int | None = None
    allowed_error: float | None = None


class WebpCompression(StrEnum):
    LOSSY = "lossy"
    NEAR_LOSSLESS = "near_lossless"
    LOSSLESS = "lossless"


class WebpPreset(StrEnum):
    DEFAULT = "default"
    PHOTO = "photo"
    PICTURE = "picture"
    DRAWING = "drawing"
    ICON = "icon"
    TEXT = "text"


class AvifSubsample(StrEnum):
    AUTO = "auto"
    ON = "on"
    OFF = "off"


@dataclass(frozen=True)
class JpegOptions:
    """`jpeg_options`; each `None` is the server's `IMGPROXY_JPEG_*` setting."""

    progressive: bool | None = None
    no_subsample: bool | None = None
    trellis_quant: bool | None = None
    overshoot_deringing: bool | None = None
    optimize_scans: bool | None = None
    quant_table: int | None = None


@dataclass(frozen=True)
class PngOptions:
    """`png_options`; each `None` is the server's `IMGPROXY_PNG_*` setting."""

    interlaced: bool | None = None
    quantize: bool | None = None
    quantization_colors: int | None = None


@dataclass(frozen=True)
class WebpOptions:
    """`webp_options`; each `None` is the server's `IMGPROXY_WEBP_*` setting."""

    compression: WebpCompression | None = None
    smart_subsample: bool | None = None
    preset: WebpPreset | None = None


@dataclass(frozen=True)
class AvifOptions:
    """`avif_options`; `None` is the server's `IMGPROXY_AVIF_SUBSAMPLE`."""

    subsample: AvifSubsample | None = None


@dataclass(frozen=True)
class SecurityLimits:
    """Per-URL overrides of the server's limits (only with IMGPROXY_ALLOW_SECURITY_OPTIONS)."""

    max_src_resolution: float | None = None
    max_src_file_size: int | None = None
    max_animation_frames: int | None = None
    max_animation_frame_resolution: float | None = None
    max_result_dimension: int | None = None


@dataclass(frozen=True)
class VideoTile:
    """`video_thumbnail_tile`: a sprite sheet of `columns` x `rows` frames `step` seconds
    apart (negative: the duration spread over the tiles), each resized into the tile box.
    Off while `step`, `columns` or `rows` is 0."""

    step: float = 0.0
    columns: int = 0
    rows: int = 0
    width: int = 0
    height: int = 0
    extend: bool = False
    """Each tile is the box's size, the frame centred on black."""
    trim: bool = False
    """Tiles past the video's end are cut away instead of left black."""
    fill: bool = False
    """Frames cover the box, cropped around the focus point, instead of fitting in it."""
    focus_x: float = 0.5
    focus_y: float = 0.5

    @property
    def enabled(self) -> bool:
        return self.step != 0 and self.columns > 0 and self.rows > 0


@dataclass(frozen=True)
class VideoAnimation:
    """`video_thumbnail_animation`: `frames` frames `step` seconds apart (negative: the
    duration spread over the frames), each shown `delay` milliseconds, each resized into the
    frame box as `VideoTile` resizes a tile. Off while `step` or `frames` is 0."""

    step: float = 0.0
    delay: int = 0
    frames: int = 0
    width: int = 0
    height: int = 0
    extend: bool = False
    trim: bool = False
    """Frames past the video's end are left out instead of black."""
    fill: bool = False
    focus_x: float = 0.5
    focus_y: float = 0.5

    @property
    def enabled(self) -> bool:
        return self.step != 0 and self.frames > 0


@dataclass(frozen=True)
class SourceFit:
    """Geometry only the source can settle (thumbor URLs): resolved once its size is known."""

    orig_width: bool = False
    """`orig`: the source's width."""
    orig_height: bool = False
    cover: bool = False
    """`full-fit-in`: cover the box instead of fitting inside it."""
    adaptive: bool = False
    """`adaptive-fit-in`: swap the box when its orientation differs from the source's."""
    focal: tuple[int, int, int, int] | None = None
    """left, top, right, bottom of the focal region, in source pixels."""
    trim_bottom_right: bool = False
    """Trim the colour of the bottom-right pixel instead of the top-left one."""


@dataclass(frozen=True)
class Asset:
    """An auxiliary image a URL names (thumbor `watermark(url)`, `frame(url)`): its URL is part
    of the request; its bytes are fetched on a miss and handed to rendering beside the options."""

    role: str
    url: str


@dataclass(frozen=True, kw_only=True)
class Options:
    # Geometry
    resizing_type: ResizingType = ResizingType.FIT
    resizing_algorithm: ResizingAlgorithm = ResizingAlgorithm.LANCZOS3
    width: int = 0
    height: int = 0
    min_width: int = 0
    min_height: int = 0
    zoom_x: float = 1.0
    zoom_y: float = 1.0
    dpr: float = 1.0
    enlarge: bool = False
    extend: Extend = field(default_factory=Extend)
    extend_aspect_ratio: Extend = field(default_factory=Extend)
    gravity: Gravity = field(default_factory=Gravity)
    objects_position: Gravity = field(default_factory=Gravity)
    """Where `obj` gravity puts the faces in the result (compass, `fp` or `prop`)."""
    crop: Crop = field(default_factory=Crop)
    crop_aspect_ratio: float = 0.0
    """The crop area is corrected to this width / height; 0: as the crop option says."""
    crop_aspect_ratio_enlarge: bool = False
    """Correct by growing the crop area (within the image) instead of shrinking it."""
    crop_objects: float = 0.0
    """Crop to the detected faces' box grown by this factor (before `crop`); 0: off."""
    trim: Trim = field(default_factory=Trim)
    padding: Padding = field(default_factory=Padding)
    auto_rotate: bool | None = None
    rotate: int = 0
    flip_horizontal: bool = False
    flip_vertical: bool = False
    page: int = 0
    pages: int = 1
    """Pages from `page` on, stacked top to bottom, when the result is not animated."""
    disable_animation: bool = False
    """Treat every source as a still image (then `page` and `pages` say which pages)."""
    # Colour and filters
    background: Color | None = None
    background_alpha: float = 1.0
    blur: float = 0.0
    sharpen: float = 0.0
    pixelate: int = 0
    brightness: int = 0
    contrast: float = 1.0
    saturation: float = 1.0
    monochrome: Monochrome = field(default_factory=Monochrome)
    duotone: Duotone = field(default_factory=Duotone)
    unsharp_masking: UnsharpMasking = field(default_factory=UnsharpMasking)
    blur_areas: BlurAreas = field(default_factory=BlurAreas)
    progressive_blur: ProgressiveBlur = field(default_factory=ProgressiveBlur)
    colorize: Colorize = field(default_factory=Colorize)
    gradient: Gradient = field(default_factory=Gradient)
    blur_detections: float = 0.0
    """Sigma of the blur over detected faces; 0: off."""
    draw_detections: bool = False
    watermark: Watermark = field(default_factory=Watermark)
    watermark_url: str = ""
    """The watermark image's URL (imgproxy Pro's `watermark_url`); blank: the server's."""
    watermark_text: str = ""
    """Pango markup rendered as the watermark (imgproxy Pro's `watermark_text`); blank: none."""
    watermark_width: int = 0
    watermark_height: int = 0
    """`watermark_size`: the box the watermark is fitted into (enlarged too) when the
    watermark's scale is 0; 0 on one side follows the other; both 0: its own size."""
    watermark_rotate: float = 0.0
    """Degrees clockwise."""
    watermark_shadow: float = 0.0
    """Sigma of the blurred shadow drawn under the watermark; 0: none."""
    # Encoding
    format: ImageFormat | None = None
    quality: int = 0
    format_quality: tuple[tuple[ImageFormat, int], ...] = ()
    max_bytes: int = 0
    autoquality: Autoquality = field(default_factory=Autoquality)
    strip_metadata: bool | None = None
    keep_copyright: bool | None = None
    strip_color_profile: bool | None = None
    preserve_hdr: bool = False
    enforce_thumbnail: bool = False
    style: str = ""
    """CSS put first into an SVG source's `<svg>` as a `<style>` (imgproxy Pro's `style`)."""
    dpi: float = 0.0
    """The result's resolution metadata, in dots per inch; 0: the source's."""
    color_profile: str = ""
    """`srgb`, `cmyk` or a file name in IMGPROXY_COLOR_PROFILES_DIR: the result is converted to
    it and carries it; blank: as `strip_color_profile` says."""
    jpeg_options: JpegOptions = field(default_factory=JpegOptions)
    png_options: PngOptions = field(default_factory=PngOptions)
    webp_options: WebpOptions = field(default_factory=WebpOptions)
    avif_options: AvifOptions = field(default_factory=AvifOptions)
    # Delivery
    skip_processing: tuple[ImageFormat, ...] = ()
    raw: bool = False
    cachebuster: str = ""
    expires: int | None = None
    filename: str = ""
    return_attachment: bool = False
    hashsum: ExpectedHashsum | None = None
    """The source's bytes must hash to this (`hashsum:%type:%hex`); None: not checked."""
    fallback_image_url: str = ""
    """Answered, processed alike, when the source fails; blank: the server's fallback."""
    bypass_cache: bool = False
    """Skip the result and sources caches both ways (IMGPROXY_ALLOW_BYPASS_CACHE)."""
    cache_tags: tuple[str, ...] = ()
    """Added to the tag headers and to the purge index."""
    video_thumbnail_second: float | None = None
    """A video source's frame at this second; None: IMGPROXY_VIDEO_THUMBNAIL_SECOND."""
    video_thumbnail_keyframes: bool | None = None
    """Take the keyframe at or before it; None: IMGPROXY_VIDEO_THUMBNAIL_KEYFRAMES."""
    video_thumbnail_tile: VideoTile = field(default_factory=VideoTile)
    video_thumbnail_animation: VideoAnimation = field(default_factory=VideoAnimation)
    limits: SecurityLimits = field(default_factory=SecurityLimits)
    # thumbor URLs only (not in the imgproxy grammar)
    source_fit: SourceFit | None = None
    pixel_filters: tuple[PixelFilter, ...] = ()
    """thumbor's own pixel operations, run in order after resizing."""
    turn: int = 0
    """Counter-clockwise quarter turns of the result, after resizing (thumbor `rotate`)."""
    assets: tuple[Asset, ...] = ()
    # Chained pipelines (`/-/`), after this one: only their processing fields are set
    # (`imgproxy.url.pipelines`)
    chained: tuple[Options, ...] = ()


@dataclass(frozen=True)
class ImageRequest:
    """A parsed image path: what to do (`options`) to which original (`source`)."""

    options: Options
    source: str


DEFAULT_OPTIONS = Options()
"""Every option at its default; parsing starts from this one instance, so a row a URL leaves
alone holds the very objects of the defaults (`imgproxy.url.generator` writes those once)."""
