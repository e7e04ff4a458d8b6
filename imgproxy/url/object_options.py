"""Readers for imgproxy Pro's object-detection options, for the one class detected: faces."""

from __future__ import annotations

from imgproxy.url import args as a
from imgproxy.url.geometry_options import COMPASS, gravity, object_classes
from imgproxy.url.options import Gravity, GravityType, Options
from imgproxy.url.records import replace

MAX_SIGMA = 100.0
MAX_SCALE_FACTOR = 10.0


def read_crop_objects(options: Options, values: list[str]) -> Options:
    """`crop_objects:%scale_factor:%class_name...` (also `co` with class names)."""
    factor = a.number(
        "crop_objects scale_factor", values[0], low=0.0, high=MAX_SCALE_FACTOR, low_inclusive=False
    )
    object_classes("crop_objects", values[1:])
    return replace(options, crop_objects=factor)


OBJECTS_POSITIONS = COMPASS | {"fp": GravityType.FOCUS_POINT, "prop": GravityType.PROPORTIONAL}


def read_objects_position(options: Options, values: list[str]) -> Options:
    """`objects_position:%type:%x_offset:%y_offset`, `fp:%x:%y` or `prop`."""
    if values[:1] == ["prop"]:
        a.check_count("objects_position", values, 1)
        return replace(options, objects_position=Gravity(GravityType.PROPORTIONAL))
    position = gravity("objects_position", values, OBJECTS_POSITIONS)
    return replace(options, objects_position=position)


def read_blur_detections(options: Options, values: list[str]) -> Options:
    """`blur_detections:%sigma:%class_name...`."""
    sigma = a.number("blur_detections sigma", values[0], high=MAX_SIGMA)
    object_classes("blur_detections", values[1:])
    return replace(options, blur_detections=sigma)


def read_draw_detections(options: Options, values: list[str]) -> Options:
    """`draw_detections:%draw:%class_name...`."""
    draw = a.boolean("draw_detections", values[0])
    object_classes("draw_detections", values[1:])
    return replace(options, draw_detections=draw)
