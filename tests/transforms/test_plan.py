"""Geometry of the plan, checked against imgproxy's documented and implemented semantics.

Expected numbers are derived by hand from imgproxy's rules (processing/prepare.go,
processing/calc_position.go): shrink = source / requested per axis; `fit` takes the larger
shrink, `fill`/`fill-down` the smaller, `force` keeps both; without `enlarge` no shrink goes
below 1 and dpr is capped at the remaining shrink; sizes round half away from zero; positions
and offsets round half to even.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from imgproxy.url.options import Extend, Gravity, GravityType, Options, ResizingType
from transforms.plan import Plan, make_plan, position, scale

FIT, FILL, FILL_DOWN, FORCE, AUTO = (
    ResizingType.FIT,
    ResizingType.FILL,
    ResizingType.FILL_DOWN,
    ResizingType.FORCE,
    ResizingType.AUTO,
)


@dataclass(frozen=True)
class Geometry:
    """The plan of a `width` x `height` source, with the sizes the steps will produce."""

    plan: Plan
    width: int
    height: int

    def __getattr__(self, name: str) -> object:
        return getattr(self.plan, name)

    @property
    def scaled_width(self) -> int:
        return max(1, scale(self.width, self.plan.x_scale))

    @property
    def scaled_height(self) -> int:
        return max(1, scale(self.height, self.plan.y_scale))

    @property
    def crop_width(self) -> int:
        return self.plan.result_width

    @property
    def crop_height(self) -> int:
        return self.plan.result_height


def planned(options: Options, width: int, height: int) -> Geometry:
    return Geometry(make_plan(options, (width, height)), width, height)


def sizes(plan: Geometry) -> tuple[int, int, int, int, int, int]:
    return (
        plan.scaled_width,
        plan.scaled_height,
        plan.crop_width,
        plan.crop_height,
        plan.target_width,
        plan.target_height,
    )


@pytest.mark.parametrize(
    ("kind", "source", "request_", "expected"),
    [
        # 1000x500 into 300x300: shrinks 3.33 (w) and 1.67 (h).
        (FIT, (1000, 500), (300, 300), (300, 150, 300, 300, 300, 300)),
        (FILL, (1000, 500), (300, 300), (600, 300, 300, 300, 300, 300)),
        (FILL_DOWN, (1000, 500), (300, 300), (600, 300, 300, 300, 300, 300)),
        (FORCE, (1000, 500), (300, 300), (300, 300, 300, 300, 300, 300)),
        # auto: same orientation -> fill, else fit; a square counts as landscape.
        (AUTO, (1000, 500), (300, 200), (400, 200, 300, 200, 300, 200)),
        (AUTO, (1000, 500), (200, 300), (200, 100, 200, 300, 200, 300)),
        (AUTO, (500, 500), (300, 400), (300, 300, 300, 400, 300, 400)),
        (AUTO, (500, 1000), (200, 300), (200, 400, 200, 300, 200, 300)),
        # One side 0: derived from the aspect ratio, or kept as is with force.
        (FIT, (1000, 500), (0, 100), (200, 100, 0, 100, 0, 100)),
        (FILL, (1000, 500), (250, 0), (250, 125, 250, 0, 250, 0)),
        (FORCE, (1000, 500), (0, 100), (1000, 100, 0, 100, 0, 100)),
        (FORCE, (1000, 500), (250, 0), (250, 500, 250, 0, 250, 0)),
        (FIT, (1000, 500), (0, 0), (1000, 500, 0, 0, 0, 0)),
        # Half pixels round away from zero: 101 / 2 = 50.5 -> 51.
        (FIT, (200, 101), (100, 0), (100, 51, 100, 0, 100, 0)),
        # A shrink never exceeds the source size: at least one pixel stays.
        (FIT, (3000, 2), (30, 0), (30, 1, 30, 0, 30, 0)),
        # Without enlarge a small source keeps its size.
        (FIT, (200, 100), (400, 400), (200, 100, 400, 400, 400, 400)),
        (FILL, (200, 100), (400, 400), (200, 100, 400, 400, 400, 400)),
        # force keeps the requested ratio: shrinks 1/2 and 1/3 become 3/2 and 1.
        (FORCE, (200, 100), (400, 300), (133, 100, 400, 300, 400, 300)),
        # fill-down crops a too-small result to the requested aspect ratio.
        (FILL_DOWN, (200, 100), (300, 300), (200, 100, 100, 100, 300, 300)),
        (FILL_DOWN, (200, 100), (400, 300), (200, 100, 133, 100, 400, 300)),
        (FILL_DOWN, (100, 400), (300, 200), (100, 400, 100, 67, 300, 200)),
    ],
)
def test_resizing_types(
    kind: ResizingType,
    source: tuple[int, int],
    request_: tuple[int, int],
    expected: tuple[int, ...],
) -> None:
    plan = planned(Options(resizing_type=kind, width=request_[0], height=request_[1]), *source)
    assert sizes(plan) == expected
    assert plan.dpr_scale == 1.0


@pytest.mark.parametrize(
    ("kind", "request_", "expected"),
    [
        (FIT, (400, 400), (400, 200, 400, 400, 400, 400)),
        (FILL, (400, 400), (800, 400, 400, 400, 400, 400)),
        (FILL_DOWN, (400, 300), (600, 300, 400, 300, 400, 300)),
        (FORCE, (400, 300), (400, 300, 400, 300, 400, 300)),
    ],
)
def test_enlarge_scales_small_sources_up(
    kind: ResizingType, request_: tuple[int, int], expected: tuple[int, ...]
) -> None:
    assert (
        sizes(
            planned(
                Options(resizing_type=kind, width=request_[0], height=request_[1], enlarge=True),
                200,
                100,
            )
        )
        == expected
    )


def test_dpr_multiplies_the_requested_size() -> None:
    plan = planned(Options(resizing_type=FIT, width=300, height=300, dpr=2.0), 1000, 500)
    assert sizes(plan) == (600, 300, 600, 600, 600, 600)
    assert plan.dpr_scale == 2.0
    plan = planned(Options(resizing_type=FIT, width=101, height=0, dpr=1.5), 1000, 500)
    assert (plan.target_width, plan.scaled_width, plan.scaled_height) == (152, 152, 76)


def test_dpr_is_capped_when_not_enlarging() -> None:
    # dpr 4 would need 1200 px from a 1000 px source: capped at 1000 / 300.
    plan = planned(Options(resizing_type=FIT, width=300, height=300, dpr=4.0), 1000, 500)
    assert plan.dpr_scale == pytest.approx(1000 / 300)
    assert sizes(plan) == (1000, 500, 1000, 1000, 1000, 1000)
    # A source already too small keeps its size at any dpr.
    plan = planned(Options(resizing_type=FIT, width=400, height=400, dpr=3.0), 200, 100)
    assert (plan.dpr_scale, sizes(plan)) == (1.0, (200, 100, 400, 400, 400, 400))


def test_dpr_is_not_capped_when_enlarging() -> None:
    plan = planned(
        Options(resizing_type=FIT, width=400, height=400, dpr=2.0, enlarge=True), 200, 100
    )
    assert plan.dpr_scale == 2.0
    assert sizes(plan) == (800, 400, 800, 800, 800, 800)


def test_small_dpr_on_a_small_source_is_compensated_unless_extending() -> None:
    # Without extend, dpr < 1 must not push a too-small image further from the target.
    plan = planned(Options(resizing_type=FIT, width=400, height=400, dpr=0.5), 200, 100)
    assert (plan.dpr_scale, sizes(plan)) == (1.0, (200, 100, 400, 400, 400, 400))
    # With extend the composition stays the same at every dpr: everything halves.
    plan = planned(
        Options(resizing_type=FIT, width=400, height=400, dpr=0.5, extend=Extend(True)), 200, 100
    )
    assert (plan.dpr_scale, sizes(plan)) == (0.5, (100, 50, 200, 200, 200, 200))


def test_plan_carries_gravity_and_extend() -> None:
    anchor = Gravity(GravityType.SOUTH_EAST, 5.0, 0.5)
    extend_anchor = Gravity(GravityType.NORTH, 0.0, 3.0)
    plan = planned(
        Options(
            resizing_type=FIT,
            width=300,
            height=300,
            extend=Extend(True, extend_anchor),
            gravity=anchor,
        ),
        1000,
        500,
    )
    assert (plan.gravity, plan.extend, plan.extend_gravity) == (anchor, True, extend_anchor)
    assert sizes(plan) == (300, 150, 300, 300, 300, 300)
    assert planned(Options(), 10, 10).extend is False


OUTER, INNER = (300, 200), (100, 52)  # centred: left 100, top 74 under any rounding


@pytest.mark.parametrize(
    ("kind", "x", "y", "dpr", "expected"),
    [
        (GravityType.CENTER, 0, 0, 1, (100, 74)),
        (GravityType.NORTH, 0, 0, 1, (100, 0)),
        (GravityType.SOUTH, 0, 0, 1, (100, 148)),
        (GravityType.EAST, 0, 0, 1, (200, 74)),
        (GravityType.WEST, 0, 0, 1, (0, 74)),
        (GravityType.NORTH_EAST, 0, 0, 1, (200, 0)),
        (GravityType.NORTH_WEST, 0, 0, 1, (0, 0)),
        (GravityType.SOUTH_EAST, 0, 0, 1, (200, 148)),
        (GravityType.SOUTH_WEST, 0, 0, 1, (0, 148)),
        # Pixel offsets (>= 1) move away from the anchored edge and scale with dpr.
        (GravityType.CENTER, 10, 5, 1, (110, 79)),
        (GravityType.NORTH, 10, 5, 2, (120, 10)),
        (GravityType.SOUTH, 10, 5, 2, (120, 138)),
        (GravityType.EAST, 10, 5, 2, (180, 84)),
        (GravityType.WEST, 10, 5, 2, (20, 84)),
        (GravityType.NORTH_EAST, 10, 5, 1, (190, 5)),
        (GravityType.NORTH_WEST, 10, 5, 1, (10, 5)),
        (GravityType.SOUTH_EAST, 10, 5, 1, (190, 143)),
        (GravityType.SOUTH_WEST, 10, 5, 1, (10, 143)),
        (GravityType.CENTER, -3, 2.5, 1.5, (96, 78)),  # -4.5 -> -4 and 3.75 -> 4
        (GravityType.WEST, 2.5, 0, 1, (2, 74)),  # 2.5 -> 2: half to even
        # Fractional offsets (< 1) are shares of the outer size and ignore dpr.
        (GravityType.NORTH_WEST, 0.1, 0.25, 3, (30, 50)),
        (GravityType.SOUTH_EAST, 0.1, 0.25, 3, (170, 98)),
        (GravityType.CENTER, -0.1, -0.25, 1, (70, 24)),
        # Clamped inside the outer box.
        (GravityType.EAST, -50, 0, 1, (200, 74)),
        (GravityType.NORTH, 0, -10, 1, (100, 0)),
        (GravityType.CENTER, 500, 500, 1, (200, 148)),
        (GravityType.SOUTH_WEST, 0.9, 0.9, 1, (200, 0)),
    ],
)
def test_compass_positions(
    kind: GravityType, x: float, y: float, dpr: float, expected: tuple[int, int]
) -> None:
    assert position(OUTER, INNER, Gravity(kind, x, y), dpr) == expected


def test_centre_rounds_half_to_even_like_imgproxy() -> None:
    # imgproxy centres with RoundToEven((outer - inner + 1) / 2): 51 / 2 = 25.5 -> 26,
    # 41 / 2 = 20.5 -> 20, 7 / 2 = 3.5 -> 4.
    assert position((100, 100), (50, 60), Gravity(), 1.0) == (26, 20)
    assert position((106, 104), (100, 100), Gravity(GravityType.NORTH), 1.0) == (4, 0)
    assert position((106, 106), (100, 100), Gravity(GravityType.WEST), 1.0) == (0, 4)


@pytest.mark.parametrize(
    ("x", "y", "inner", "expected"),
    [
        (0.5, 0.5, (300, 300), (350, 100)),
        (0.7, 0.2, (300, 300), (550, 0)),
        (0.95, 0.9, (300, 300), (700, 200)),
        (0.0, 1.0, (300, 300), (0, 200)),
        (0.5, 0.5, (301, 201), (350, 150)),
        (0.3, 0.3, (0, 0), (300, 150)),
    ],
)
def test_focus_point_centres_the_point_and_clamps(
    x: float, y: float, inner: tuple[int, int], expected: tuple[int, int]
) -> None:
    anchor = Gravity(GravityType.FOCUS_POINT, x, y)
    assert position((1000, 500), inner, anchor, 2.0) == expected


def test_position_of_a_full_size_box_is_the_origin() -> None:
    for kind in GravityType:
        assert position((64, 48), (64, 48), Gravity(kind, 7, 0.5), 2.0) == (0, 0)
