"""The canonical form spells every value as it was spelled before the registry (with `repr`),
for any options, so no cache key changes: `tests/cache/test_keys_golden.py` pins 151 of them,
this holds the spelling for generated values too."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import example, given, settings
from hypothesis import strategies as st

from imgproxy.url import literals as lit
from imgproxy.url.canonical import canonical_options
from imgproxy.url.generator import generate_options
from imgproxy.url.options import Asset, Options, SourceFit
from imgproxy.url.pixel_filters import PixelFilter
from imgproxy.url.registry import ROWS
from tests.imgproxy.url.test_generator import options_strategy


def repr_before_later_rows(options: Options) -> str:
    """`repr(options)` without the fields of rows the canonical form leaves out (`later` rows
    at their defaults, rows not `in_key`): the record as it was when keys were pinned."""
    text = repr(options)
    for row in ROWS:
        if not row.keyed(options):
            for item in row.fields:
                text = text.replace(f", {item.path}={item.value(options)!r}", "", 1)
    return text.removesuffix(", chained=())") + ")" if text.endswith(", chained=())") else text


def spelled_with_repr(options: Options) -> str:
    """The canonical form as `cache/keys.py` built it before the registry."""
    try:
        text = "/".join(generate_options(options, full=True))
    except ValueError:
        return repr_before_later_rows(options)
    extras = (options.source_fit, options.pixel_filters, options.turn, options.assets)
    return f"{text}|thumbor:{extras!r}" if extras != (None, (), 0, ()) else text


corners = st.tuples(*[st.integers(0, 65535)] * 4)
source_fits = st.none() | st.builds(
    SourceFit, st.booleans(), st.booleans(), st.booleans(), st.booleans(), st.none() | corners
)
filter_args = st.lists(st.floats(allow_nan=False) | st.text(max_size=8), max_size=4).map(tuple)
pixel_filters = st.lists(st.builds(PixelFilter, st.text(max_size=8), filter_args), max_size=3)
assets = st.lists(st.builds(Asset, st.text(max_size=8), st.text(max_size=20)))
cachebusters = st.sampled_from(["", "v2", "v:2", "a/b"]) | st.text(max_size=10)
thumbor_options = st.builds(
    lambda options, fit, filters, turn, found, buster: replace(
        options,
        source_fit=fit,
        pixel_filters=tuple(filters),
        turn=turn,
        assets=tuple(found),
        cachebuster=buster,
    ),
    options_strategy,
    source_fits,
    pixel_filters,
    st.integers(0, 3),
    assets,
    cachebusters,
)


@settings(max_examples=400, deadline=None)
@given(options=thumbor_options)
@example(options=Options(cachebuster="v:2"))
@example(options=Options(cachebuster="v:2", turn=1, filename='it\'s "x"\\\n\x00é\u2028'))
@example(options=Options(pixel_filters=(PixelFilter("curve", ("[(0,0)]", 1.0)),)))
def test_the_canonical_form_is_spelled_as_before(options: Options) -> None:
    assert canonical_options(options) == spelled_with_repr(options)


@settings(max_examples=500, deadline=None)
@given(text=st.text())
@example(text="'")
@example(text="'\"")
@example(text="\x7f\x80\xa0\xad\u0378\U0001f600\U000e0001\ud800")
def test_a_string_literal_is_pythons(text: str) -> None:
    assert lit.string(text) == repr(text)
