"""`imgproxy.url.records.replace` gives what `dataclasses.replace` gives, for every record."""

from __future__ import annotations

import dataclasses
from dataclasses import FrozenInstanceError, dataclass
from functools import cached_property

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imgproxy.url.generator import generate_options
from imgproxy.url.options import DEFAULT_OPTIONS, Gravity, GravityType, Options, SecurityLimits
from imgproxy.url.records import replace
from tests.imgproxy.url.test_generator import options_strategy

FIELD_NAMES = [item.name for item in dataclasses.fields(Options)]


@given(options_strategy, options_strategy, st.sets(st.sampled_from(FIELD_NAMES)))
@settings(max_examples=200)
def test_options_are_replaced_as_dataclasses_replaces_them(
    options: Options, other: Options, names: set[str]
) -> None:
    changes = {name: getattr(other, name) for name in names}
    replaced = replace(options, **changes)
    expected = dataclasses.replace(options, **changes)
    assert type(replaced) is Options
    assert replaced == expected
    assert vars(replaced) == vars(expected)
    assert hash(replaced) == hash(expected)
    assert vars(options) == vars(dataclasses.replace(options))  # the original is untouched


def test_a_replaced_record_stays_frozen() -> None:
    replaced = replace(DEFAULT_OPTIONS, width=300)
    with pytest.raises(FrozenInstanceError):
        replaced.width = 10  # type: ignore[misc]
    assert (replaced.width, DEFAULT_OPTIONS.width) == (300, 0)


def test_an_unknown_field_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="widht"):
        replace(DEFAULT_OPTIONS, **{"widht": 300})


def test_nested_records_are_replaced_too() -> None:
    gravity = replace(Gravity(GravityType.NORTH), x=5.0)
    assert gravity == Gravity(GravityType.NORTH, 5.0, 0.0)
    limits = replace(SecurityLimits(), max_src_resolution=2.5)
    assert limits == dataclasses.replace(SecurityLimits(), max_src_resolution=2.5)


@dataclass(frozen=True)
class Checked:
    value: int

    def __post_init__(self) -> None:
        if self.value < 0:
            raise ValueError("negative")


@dataclass(frozen=True)
class WithCachedProperty:
    value: int

    @cached_property
    def doubled(self) -> int:
        return self.value * 2


def test_a_record_with_post_init_still_runs_it() -> None:
    with pytest.raises(ValueError, match="negative"):
        replace(Checked(1), value=-1)


def test_a_cached_property_is_not_carried_to_the_new_record() -> None:
    record = WithCachedProperty(2)
    assert record.doubled == 4
    assert replace(record, value=5).doubled == 10


def test_equal_values_that_are_not_the_defaults_objects_are_written_alike() -> None:
    """The generator skips rows by object identity first; an equal copy of every default must
    come out exactly as the defaults themselves do."""
    copied = Options(**{name: _copy(getattr(DEFAULT_OPTIONS, name)) for name in FIELD_NAMES})
    assert any(getattr(copied, name) is not getattr(DEFAULT_OPTIONS, name) for name in FIELD_NAMES)
    assert generate_options(copied, full=True) == generate_options(DEFAULT_OPTIONS, full=True)
    assert generate_options(copied) == generate_options(DEFAULT_OPTIONS) == []


def _copy(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value)
    if isinstance(value, tuple):
        return tuple(value)
    return value
