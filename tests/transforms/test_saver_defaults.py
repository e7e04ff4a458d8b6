"""The saver options `transforms.encode` leaves out when they hold libvips' defaults: leaving
them out gives the same bytes as passing them, on the libvips the wheels bundle."""

from __future__ import annotations

import pytest
import pyvips

from tests.support import CORPUS
from transforms.encode import JPEG_DEFAULTS, WEBP_DEFAULTS

PHOTO = "jpeg-baseline-icc.jpg"


@pytest.fixture(scope="module")
def photo() -> pyvips.Image:
    return pyvips.Image.new_from_file(str(CORPUS / PHOTO)).resize(0.25)


@pytest.mark.parametrize(
    ("saver", "defaults"),
    [("jpegsave_buffer", JPEG_DEFAULTS), ("webpsave_buffer", WEBP_DEFAULTS)],
)
def test_the_defaults_left_out_are_libvips_own(
    photo: pyvips.Image, saver: str, defaults: dict[str, object]
) -> None:
    save = getattr(photo, saver)

    left_out = bytes(save(Q=75, keep="none"))
    passed = bytes(save(Q=75, keep="none", **defaults))

    assert left_out == passed


@pytest.mark.parametrize(
    ("saver", "option", "value"),
    [
        ("jpegsave_buffer", "interlace", True),
        ("jpegsave_buffer", "subsample_mode", "off"),
        ("jpegsave_buffer", "trellis_quant", True),
        ("jpegsave_buffer", "quant_table", 3),
        ("webpsave_buffer", "near_lossless", True),
        ("webpsave_buffer", "smart_subsample", True),
        ("webpsave_buffer", "preset", "text"),
    ],
)
def test_each_option_left_out_would_change_the_bytes(
    photo: pyvips.Image, saver: str, option: str, value: object
) -> None:
    """So that the comparison above can fail: every option in the tables is one libvips reads."""
    save = getattr(photo, saver)

    assert bytes(save(Q=75, keep="none")) != bytes(save(Q=75, keep="none", **{option: value}))
