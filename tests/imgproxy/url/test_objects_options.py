"""imgproxy Pro's object options, for the one class detected: faces."""

from __future__ import annotations

import pytest

from imgproxy.errors import InvalidOption
from imgproxy.url.generator import generate_options
from imgproxy.url.options import Gravity, GravityType, Options
from imgproxy.url.parser import PathParser

PARSER = PathParser(clock=lambda: 1_700_000_000)
SRC = "plain/http://example.com/a.jpg"
FACES = Gravity(GravityType.OBJECTS)


def options(text: str) -> Options:
    return PARSER.parse(f"{text}/{SRC}").options


@pytest.mark.parametrize(
    "text",
    [
        "g:obj",
        "g:obj:face",
        "g:obj:all",
        "g:obj:face:all",
        "gravity:objw:face:2",
        "g:objw:all:2:face:3",
    ],
)
def test_every_spelling_of_object_gravity_is_the_faces(text: str) -> None:
    assert options(text).gravity == FACES


def test_object_gravity_is_written_as_obj() -> None:
    written = generate_options(options("g:objw:face:3"))
    assert written == ["g:obj"]
    assert options("/".join(written)).gravity == FACES


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("g:obj:car", "Expected object class face or all for gravity but received 'car'"),
        ("g:obj:face:dog", "Expected object class face or all for gravity but received 'dog'"),
        ("g:objw:cat:2", "Expected object class face or all for gravity but received 'cat'"),
        ("g:objw:face", "Expected class and weight pairs for gravity objw"),
        ("g:objw", "Expected class and weight pairs for gravity objw"),
        ("g:objw:face:x", "Expected number 0..inf for gravity class weight but received 'x'"),
    ],
)
def test_other_classes_and_bad_weights_are_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidOption) as caught:
        options(text)
    assert caught.value.status == 400
    assert caught.value.message == message


def test_extend_gravity_takes_no_objects() -> None:
    with pytest.raises(InvalidOption):
        options("ex:1:obj")


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("op:prop", Gravity(GravityType.PROPORTIONAL)),
        ("objects_position:no", Gravity(GravityType.NORTH)),
        ("obj_pos:soea:10:0.1", Gravity(GravityType.SOUTH_EAST, 10.0, 0.1)),
        ("op:fp:0.25:0.75", Gravity(GravityType.FOCUS_POINT, 0.25, 0.75)),
    ],
)
def test_objects_position_reads_compass_focus_point_and_prop(text: str, position: Gravity) -> None:
    assert options(text).objects_position == position
    assert options("/".join(generate_options(options(text)))).objects_position == position


def test_blur_and_draw_detections_take_faces() -> None:
    assert options("bd:8").blur_detections == 8.0
    assert options("blur_detections:8:face:all").blur_detections == 8.0
    assert options("dd:1:face").draw_detections is True
    assert options("draw_detections:0").draw_detections is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("bd:5:car", "Expected object class face or all for blur_detections but received 'car'"),
        ("dd:1:cat", "Expected object class face or all for draw_detections but received 'cat'"),
        ("op:prop:1", "Expected 1 arguments for objects_position but received 2"),
        (
            "op:sm",
            "Expected one of ce, no, so, ea, we, noea, nowe, soea, sowe, fp, prop "
            "for objects_position but received 'sm'",
        ),
    ],
)
def test_object_options_refuse_other_classes(text: str, message: str) -> None:
    with pytest.raises(InvalidOption) as caught:
        options(text)
    assert caught.value.message == message
