"""The `iptc` and `photoshop` fields of `/info`, from the IPTC-IIM block libvips keeps.

JPEG sources carry it inside Photoshop's image resources (APP13: `Photoshop 3.0`, then `8BIM`
blocks): resource 0x0404 holds the IIM datasets, resource 0x03ED the print resolution. TIFF
sources carry the IIM datasets bare. Only the application record (2) is reported, by its IIM
dataset names; a repeatable dataset (keywords, by-lines, ...) is a list. Anything malformed
ends the reading where it starts; what was read before is kept.
"""

from __future__ import annotations

import struct

PHOTOSHOP_HEADER = b"Photoshop 3.0\x00"
RESOURCE_SIGNATURE = b"8BIM"
IIM_RESOURCE = 0x0404
RESOLUTION_RESOURCE = 0x03ED
TAG_MARKER = 0x1C
APPLICATION_RECORD = 2
ENVELOPE_RECORD = 1
CODED_CHARACTER_SET = 90
RECORD_VERSION = 0
"""The one binary dataset of the application record: a 2-byte number."""
UTF8_ESCAPE = b"\x1b%G"

DATASETS = {
    0: "Record Version",
    3: "Object Type Reference",
    4: "Object Attribute Reference",
    5: "Name",
    7: "Edit Status",
    8: "Editorial Update",
    10: "Urgency",
    12: "Subject Reference",
    15: "Category",
    20: "Supplemental Category",
    22: "Fixture Identifier",
    25: "Keywords",
    26: "Content Location Code",
    27: "Content Location Name",
    30: "Release Date",
    35: "Release Time",
    37: "Expiration Date",
    38: "Expiration Time",
    40: "Special Instructions",
    42: "Action Advised",
    45: "Reference Service",
    47: "Reference Date",
    50: "Reference Number",
    55: "Date Created",
    60: "Time Created",
    62: "Digital Creation Date",
    63: "Digital Creation Time",
    65: "Originating Program",
    70: "Program Version",
    75: "Object Cycle",
    80: "By-line",
    85: "By-line Title",
    90: "City",
    92: "Sub-location",
    95: "Province/State",
    100: "Country/Primary Location Code",
    101: "Country/Primary Location Name",
    103: "Original Transmission Reference",
    105: "Headline",
    110: "Credit",
    115: "Source",
    116: "Copyright Notice",
    118: "Contact",
    120: "Caption",
    122: "Caption Writer",
    130: "Image Type",
    131: "Image Orientation",
    135: "Language Identifier",
}
REPEATABLE = frozenset({4, 12, 20, 25, 26, 27, 42, 45, 47, 50, 80, 85, 118, 122})
RESOLUTION_UNITS = {1: "inches", 2: "cm"}
LENGTH_UNITS = {1: "inches", 2: "cm", 3: "points", 4: "picas", 5: "columns"}
RESOLUTION = struct.Struct(">IHHIHH")

Iptc = dict[str, str | list[str]]


def iptc_of(blob: bytes) -> tuple[Iptc, dict[str, object]]:
    """(IPTC datasets by name, Photoshop facts) of an `iptc-data` blob."""
    if blob.startswith(PHOTOSHOP_HEADER):
        resources = dict(photoshop_resources(blob[len(PHOTOSHOP_HEADER) :]))
    elif blob[:1] == bytes([TAG_MARKER]):
        resources = {IIM_RESOURCE: blob}
    else:
        resources = {}
    iptc = datasets(resources.get(IIM_RESOURCE, b""))
    photoshop: dict[str, object] = {}
    resolution = resolution_of(resources.get(RESOLUTION_RESOURCE, b""))
    if resolution:
        photoshop["resolution"] = resolution
    return iptc, photoshop


def photoshop_resources(data: bytes) -> list[tuple[int, bytes]]:
    """(resource id, data) of each `8BIM` block."""
    found = []
    position = 0
    while position + 7 <= len(data) and data[position : position + 4] == RESOURCE_SIGNATURE:
        (resource,) = struct.unpack_from(">H", data, position + 4)
        name_length = data[position + 6]
        position += 6 + (name_length + 2) // 2 * 2  # the Pascal name, padded to even
        if position + 4 > len(data):
            break
        (size,) = struct.unpack_from(">I", data, position)
        start = position + 4
        if start + size > len(data):
            break
        found.append((resource, data[start : start + size]))
        position = start + size + size % 2
    return found


def datasets(data: bytes) -> Iptc:
    found: Iptc = {}
    utf8 = False
    position = 0
    while position + 5 <= len(data) and data[position] == TAG_MARKER:
        record, dataset = data[position + 1], data[position + 2]
        (size,) = struct.unpack_from(">H", data, position + 3)
        position += 5
        if size & 0x8000:  # extended dataset: the size is in the next (size & 0x7FFF) bytes
            width = size & 0x7FFF
            if width > 4 or position + width > len(data):
                break
            size = int.from_bytes(data[position : position + width], "big")
            position += width
        value = data[position : position + size]
        position += size
        if record == ENVELOPE_RECORD and dataset == CODED_CHARACTER_SET:
            utf8 = value == UTF8_ESCAPE
        name = DATASETS.get(dataset) if record == APPLICATION_RECORD else None
        if name is None:
            continue
        text = (
            str(int.from_bytes(value, "big")) if dataset == RECORD_VERSION else _text(value, utf8)
        )
        _add(found, name, text, repeatable=dataset in REPEATABLE)
    return found


def _add(found: Iptc, name: str, text: str, *, repeatable: bool) -> None:
    if not repeatable:
        found[name] = text
        return
    listed = found.setdefault(name, [])
    if isinstance(listed, list):
        listed.append(text)


def _text(value: bytes, utf8: bool) -> str:
    if utf8:
        return value.decode("utf-8", "replace").strip("\x00")
    try:
        return value.decode("utf-8").strip("\x00")
    except UnicodeDecodeError:
        return value.decode("latin-1").strip("\x00")


def resolution_of(data: bytes) -> dict[str, object]:
    """Photoshop's ResolutionInfo: 16.16 fixed-point resolutions and their units."""
    if len(data) < RESOLUTION.size:
        return {}
    x_res, x_unit, width_unit, y_res, y_unit, height_unit = RESOLUTION.unpack_from(data)
    return {
        "XResolution": _fixed(x_res),
        "XResolutionUnit": RESOLUTION_UNITS.get(x_unit, str(x_unit)),
        "WidthUnit": LENGTH_UNITS.get(width_unit, str(width_unit)),
        "YResolution": _fixed(y_res),
        "YResolutionUnit": RESOLUTION_UNITS.get(y_unit, str(y_unit)),
        "HeightUnit": LENGTH_UNITS.get(height_unit, str(height_unit)),
    }


def _fixed(value: int) -> int | float:
    number = value / 65536
    return int(number) if number.is_integer() else round(number, 4)
