"""The load stages one by one, on pictures made here: what each sets in the state it hands on,
and that each leaves the state alone when its option is off or an earlier stage decoded."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest
import pyvips

from imgproxy.url.options import (
    Color,
    Crop,
    Gravity,
    GravityType,
    ImageFormat,
    Options,
    ResizingType,
    SourceFit,
    Trim,
)
from tests.transforms import images as im
from transforms.limits import Limits
from transforms.pipeline import LOAD_STAGES
from transforms.plan import Orientation, make_plan
from transforms.probe import SourceInfo
from transforms.sources import Source, open_source
from transforms.stages.loading import Loading
from transforms.stages.object_crop import crop_to_faces
from transforms.stages.planning import plan_geometry
from transforms.stages.scale_on_load import shrink_on_load, shrunk_plan
from transforms.stages.source_fit import fit_source
from transforms.stages.thumbnail import enforce_thumbnail
from transforms.stages.trim import trim_source
from transforms.stages.vector_guard import guard_vector

G = GravityType


NONE = Options()
UPRIGHT = Orientation()
NO_LIMITS = Limits()


def loading(
    data: bytes,
    options: Options = NONE,
    *,
    orientation: Orientation = UPRIGHT,
    frames: int = 1,
    limits: Limits = NO_LIMITS,
) -> Loading:
    source = open_source(data, max_pixels=limits.max_src_pixels)
    return Loading(source, options, orientation, frames, limits, geometry=options)


def svg(width: int, height: int) -> bytes:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
        f'<rect width="{width}" height="{height}" fill="red"/></svg>'
    ).encode()


PHOTO_800x600 = im.jpeg(im.quadrants(800, 600))
# White 200x100 with a black 50x40 box at (60, 20).
FRAMED = im.png(im.framed(200, 100, (60, 20, 50, 40)))


def test_the_stages_run_in_this_order() -> None:
    order = (
        fit_source,
        guard_vector,
        crop_to_faces,
        trim_source,
        enforce_thumbnail,
        plan_geometry,
    )
    assert (*order, shrink_on_load) == LOAD_STAGES


@pytest.mark.parametrize(
    ("fit", "box", "orientation", "expected"),
    [
        (SourceFit(orig_width=True), (0, 50), Orientation(), (400, 50)),
        (SourceFit(orig_width=True, orig_height=True), (0, 0), Orientation(), (400, 300)),
        # EXIF rotation: the displayed source is 300 x 400
        (SourceFit(orig_width=True), (0, 50), Orientation(90), (300, 50)),
        (SourceFit(cover=True), (100, 100), Orientation(), (0, 100)),
        (SourceFit(cover=True), (100, 100), Orientation(90), (100, 0)),
        (SourceFit(adaptive=True), (100, 200), Orientation(), (200, 100)),
        (SourceFit(adaptive=True), (200, 100), Orientation(), (200, 100)),
    ],
)
def test_fit_source_settles_the_geometry_only(
    fit: SourceFit, box: tuple[int, int], orientation: Orientation, expected: tuple[int, int]
) -> None:
    options = Options(width=box[0], height=box[1], source_fit=fit)
    state = fit_source(
        loading(im.png(im.solid(400, 300, im.RED)), options, orientation=orientation)
    )
    assert (state.geometry.width, state.geometry.height) == expected
    assert state.options is options, "the request's options stay as they came"
    assert state.image is None


def test_fit_source_turns_a_focal_region_into_a_focus_point() -> None:
    options = Options(width=10, height=10, source_fit=SourceFit(focal=(100, 30, 300, 90)))
    state = fit_source(loading(im.png(im.solid(400, 300, im.RED)), options))
    assert state.geometry.gravity == Gravity(G.FOCUS_POINT, 0.5, 0.2)


def test_fit_source_is_off_without_a_source_fit() -> None:
    state = loading(im.png(im.solid(40, 30, im.RED)), Options(width=10))
    assert fit_source(state) is state


@pytest.mark.parametrize(
    ("data", "max_pixels", "shrink"),
    [
        (svg(2000, 1000), 500_000, 2.0),
        (svg(2000, 1000), 2_000_000, 1.0),
        (svg(2000, 1000), 0, 1.0),  # no limit
        (im.png(im.solid(2000, 1000, im.RED)), 500_000, 1.0),  # raster: refused, not shrunk
    ],
)
def test_guard_vector_rasterizes_within_the_pixel_limit(
    data: bytes, max_pixels: int, shrink: float
) -> None:
    state = replace(loading(data), limits=Limits(max_src_pixels=max_pixels))
    assert guard_vector(state).shrink == pytest.approx(shrink)


@pytest.mark.parametrize(
    ("trim", "frames", "size"),
    [
        (Trim(threshold=10), 1, (50, 40)),
        (Trim(threshold=10, equal_horizontal=True), 1, (80, 40)),
        (Trim(threshold=10, color=Color(0, 0, 0)), 1, (200, 100)),  # no black edge
        (Trim(), 1, None),  # off
        (Trim(threshold=10), 2, None),  # animations are not trimmed
    ],
)
def test_trim_source_decodes_and_plans_for_what_is_left(
    trim: Trim, frames: int, size: tuple[int, int] | None
) -> None:
    state = loading(FRAMED, Options(trim=trim), frames=frames)
    trimmed = trim_source(state)
    if size is None:
        assert trimmed is state
        return
    assert trimmed.image is not None
    assert (trimmed.image.width, trimmed.image.height) == size
    assert trimmed.size == size


@dataclass
class ThumbnailSource:
    """A source with an embedded thumbnail of `thumbnail` pixels (as AVIF files carry)."""

    info: SourceInfo
    thumbnail: tuple[int, int]
    vector: bool = False

    def load(
        self, shrink: float = 1.0, *, page: int = 0, frames: int = 1, thumbnail: bool = False
    ) -> pyvips.Image:
        width, height = self.thumbnail if thumbnail else (self.info.width, self.info.height)
        return im.solid(width, height, im.GREEN)


def thumbnail_state(options: Options, thumbnail: tuple[int, int], frames: int = 1) -> Loading:
    info = SourceInfo(ImageFormat.AVIF, 800, 600, frames, has_alpha=False)
    source: Source = ThumbnailSource(info, thumbnail)
    return Loading(source, options, Orientation(), frames, Limits(), geometry=options)


@pytest.mark.parametrize(
    ("enforce", "thumbnail", "frames", "loaded"),
    [
        (True, (160, 120), 1, (160, 120)),
        (True, (800, 600), 1, None),  # no smaller thumbnail: decoded as usual later
        (False, (160, 120), 1, None),
        (True, (160, 120), 3, None),
    ],
)
def test_enforce_thumbnail_decodes_the_embedded_thumbnail(
    enforce: bool, thumbnail: tuple[int, int], frames: int, loaded: tuple[int, int] | None
) -> None:
    state = thumbnail_state(Options(enforce_thumbnail=enforce), thumbnail, frames)
    after = enforce_thumbnail(state)
    if loaded is None:
        assert after is state
        return
    assert after.image is not None
    assert (after.image.width, after.image.height) == loaded == after.size


def test_enforce_thumbnail_leaves_an_image_trim_decoded() -> None:
    state = thumbnail_state(Options(enforce_thumbnail=True), (160, 120))
    decoded = replace(state, image=im.solid(10, 10, im.RED), size=(10, 10))
    assert enforce_thumbnail(decoded) is decoded


@pytest.mark.parametrize(
    ("state_size", "shrink", "planned_for"),
    [
        (None, 1.0, (800, 600)),
        (None, 2.0, (400, 300)),  # a vector source rasterized smaller
        ((50, 40), 1.0, (50, 40)),  # what trim left
    ],
)
def test_plan_geometry_plans_once_for_the_settled_size(
    state_size: tuple[int, int] | None, shrink: float, planned_for: tuple[int, int]
) -> None:
    options = Options(width=100)
    state = replace(loading(PHOTO_800x600, options), size=state_size, shrink=shrink)
    planned = plan_geometry(state)
    assert planned.size == planned_for
    assert planned.plan == make_plan(options, planned_for, Orientation())


@pytest.mark.parametrize(
    ("data", "options", "decoded"),
    [
        (PHOTO_800x600, Options(width=100), (100, 75)),  # JPEG shrink-on-load by 8
        (PHOTO_800x600, Options(width=200), (200, 150)),  # by 4
        (PHOTO_800x600, Options(width=300), (400, 300)),  # by 2
        (PHOTO_800x600, Options(width=700), (800, 600)),
        (im.png(im.quadrants(800, 600)), Options(width=100), (800, 600)),  # PNG cannot
    ],
)
def test_shrink_on_load_decodes_smaller_and_rescales_the_plan(
    data: bytes, options: Options, decoded: tuple[int, int]
) -> None:
    planned = plan_geometry(loading(data, options))
    after = shrink_on_load(planned)
    assert after.image is not None
    assert (after.image.width, after.image.height) == decoded
    loaded = None if decoded == (800, 600) else decoded
    assert after.plan == make_plan(options, (800, 600), Orientation(), loaded=loaded)


def test_shrink_on_load_leaves_an_image_an_earlier_stage_decoded() -> None:
    planned = plan_geometry(replace(loading(FRAMED), image=im.solid(5, 5, im.RED), size=(5, 5)))
    assert shrink_on_load(planned) is planned


@pytest.mark.parametrize(
    ("options", "orientation"),
    [
        (Options(width=100), Orientation()),
        (Options(width=90, height=90, resizing_type=ResizingType.FILL), Orientation(90, True)),
        (
            Options(crop=Crop(600, 300, Gravity(G.SOUTH_EAST, 30, 11)), width=50, rotate=90),
            Orientation(270),
        ),
        (Options(crop=Crop(0.5, 0, Gravity(G.FOCUS_POINT, 0.2, 0.7)), height=40), Orientation()),
        (
            Options(crop=Crop(400, 0), gravity=Gravity(G.NORTH, -25, 3), width=33),
            Orientation(180, True),
        ),
        (Options(width=120, dpr=2, flip_horizontal=True, flip_vertical=True), Orientation(90)),
    ],
)
@pytest.mark.parametrize("loaded", [(200, 150), (100, 75), (267, 200)])
def test_a_shrunk_plan_is_the_plan_made_for_the_decoded_size(
    options: Options, orientation: Orientation, loaded: tuple[int, int]
) -> None:
    size = (800, 600)
    plan = make_plan(options, size, orientation, max_result_dimension=2000)
    expected = make_plan(options, size, orientation, loaded=loaded, max_result_dimension=2000)
    assert shrunk_plan(plan, size, loaded) == expected
