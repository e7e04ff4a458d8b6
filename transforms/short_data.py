"""Sources whose data ends before the image their header declares: refused, never served grey.

libjpeg fills a scan that ends early with grey and only warns. libvips counts that warning per
image but keeps its text in one buffer shared by every thread, and logs it only when the image
is freed, so the text cannot be tied to the request that caused it. Instead, per format:

* A single-scan JPEG (baseline or extended, the usual photo) is decoded from its scan's data
  followed by `FILLER` and no end marker. The decoder reads nothing after the last block of a
  complete scan except a few bytes of read-ahead, so a short scan, and only a short scan, runs
  out of data: an error under `fail_on="error"`, like any truncated file. libjpeg-turbo
  (`transforms/decoders/jpeg_turbo.py`), which reads a file to its end marker and refuses
  one it warns of, reads the bytes as they came instead, and a JPEG it decodes is never
  scanned: the guard runs when libvips comes to decode one (`VipsSource.for_libvips`).
* Any other JPEG (progressive, one scan per component, or an UltraHDR base image) and each GIF
  frame the request decodes is refused when its data cannot hold the declared size even at the
  fewest bits per block (JPEG) or the most pixels per code (GIF) an encoder can reach. Smaller
  shortfalls there are rendered as libjpeg and libnsgif render them (grey, or transparent).
* The PNG, WebP, TIFF and HEIF decoders fail on data that ends early by themselves.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field, replace

from imgproxy.errors import UndecodableSource
from imgproxy.url.options import ImageFormat
from transforms.probe import loader_for
from transforms.sources import Source, VipsSource

FILLER = bytes(16)
"""Longer than libjpeg-turbo's read-ahead (7 bytes past the last one a scan needs)."""
ENTROPY_END = re.compile(rb"\xff(?!\x00|[\xd0-\xd7]|\xff)")
"""The first marker after a scan: not a stuffed 0xFF, a restart marker or a fill byte."""
STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
SOI, EOI, SOS, DHT = 0xD8, 0xD9, 0xDA, 0xC4
HUFFMAN_FRAMES = {0xC0: False, 0xC1: False, 0xC2: True}
"""Huffman-coded frames libjpeg decodes, and whether each is progressive."""
OTHER_FRAMES = frozenset({0xC3, 0xC5, 0xC6, 0xC7, *range(0xC9, 0xCC), *range(0xCD, 0xD0)})
LZW_TABLE = 4096
MAX_TURNS = 4096
"""JPEG marker segments or GIF blocks read before a file is decoded as it is, unchecked: real
files need far fewer, and each is a turn of a Python loop."""
SHORT = "Source image cannot be decoded"


@dataclass
class _Frame:
    progressive: bool
    width: int
    height: int
    sampling: dict[int, tuple[int, int]]
    """Component id to its horizontal and vertical sampling factors."""

    def blocks(self, component: int) -> int:
        horizontal, vertical = self.sampling.get(component, (1, 1))
        most_h = max(h for h, _ in self.sampling.values())
        most_v = max(v for _, v in self.sampling.values())
        columns = -(-self.width * horizontal // most_h)
        rows = -(-self.height * vertical // most_v)
        return -(-columns // 8) * -(-rows // 8)


@dataclass
class _Jpeg:
    frame: _Frame | None = None
    shortest_codes: dict[tuple[int, int], int] = field(default_factory=dict)
    """(class, table id) to the length of its shortest Huffman code (class 0 DC, 1 AC)."""
    single_scan_end: int | None = None
    short_scan: str | None = None


def _define_tables(segment: bytes, jpeg: _Jpeg) -> None:
    at = 0
    while at + 17 <= len(segment):
        counts = segment[at + 1 : at + 17]
        lengths = [length for length, count in enumerate(counts, start=1) if count]
        if lengths:
            jpeg.shortest_codes[(segment[at] >> 4, segment[at] & 15)] = lengths[0]
        at += 17 + sum(counts)


def _least_bits(segment: bytes, frame: _Frame, jpeg: _Jpeg) -> int:
    """The fewest bits any encoder can spend on this scan: a code per block for each DC
    difference (and, sequentially, at least one AC code); refinements take a bit per block,
    progressive AC scans may take none at all (end-of-band runs)."""
    count = segment[0]
    components = [(segment[1 + 2 * i], segment[2 + 2 * i]) for i in range(count)]
    spectral_start, approximation = segment[1 + 2 * count], segment[3 + 2 * count] >> 4
    if frame.progressive and spectral_start > 0:
        return 0
    total = 0
    for component, tables in components:
        dc = jpeg.shortest_codes.get((0, tables >> 4), 1)
        ac = jpeg.shortest_codes.get((1, tables & 15), 1)
        per_block = (1 if approximation else dc) if frame.progressive else dc + ac
        total += frame.blocks(component) * per_block
    return total


def _read_scan(data: bytes, start: int, segment: bytes, jpeg: _Jpeg) -> int | None:
    """Record one scan; the offset to read on from, None when nothing after it is read."""
    frame = jpeg.frame
    if frame is None or not segment or len(segment) < 4 + 2 * segment[0]:
        return None
    found = ENTROPY_END.search(data, start)
    if found is None:
        return None  # the data ends inside the scan: the decoder reports that itself
    end = found.start()
    needed = _least_bits(segment, frame, jpeg)
    if needed > 8 * (end - start):
        jpeg.short_scan = f"a scan holds {end - start} bytes, its frame needs {needed} bits"
        return None
    if not frame.progressive and segment[0] == len(frame.sampling):
        jpeg.single_scan_end = end
        return None  # libjpeg reads no further scan once one holds every component
    return end


def _frame(marker: int, segment: bytes) -> _Frame | None:
    if len(segment) < 6:
        return None
    entries = [segment[6 + 3 * i : 9 + 3 * i] for i in range(segment[5])]
    sampling = {entry[0]: (entry[1] >> 4, entry[1] & 15) for entry in entries if len(entry) == 3}
    if not sampling or any(0 in factors for factors in sampling.values()):
        return None
    height, width = int.from_bytes(segment[1:3], "big"), int.from_bytes(segment[3:5], "big")
    return _Frame(HUFFMAN_FRAMES[marker], width, height, sampling)


def _read_segment(marker: int, segment: bytes, jpeg: _Jpeg) -> bool:
    """Record one marker segment; False when the frame is not one this module reasons about."""
    if marker == DHT:
        _define_tables(segment, jpeg)
    elif marker in HUFFMAN_FRAMES:
        jpeg.frame = _frame(marker, segment)
        return jpeg.frame is not None
    return marker not in OTHER_FRAMES


def _read_jpeg(data: bytes) -> _Jpeg:
    """Walk the markers as libjpeg does (skipping stray bytes and fill bytes between them)."""
    jpeg = _Jpeg()
    at: int | None = 2 if data.startswith(b"\xff\xd8") else None
    for _ in range(MAX_TURNS):
        if at is None:
            break
        found = data.find(b"\xff", at)
        if found < 0 or found + 4 > len(data):
            break
        marker, at = data[found + 1], found + 2
        if marker in (0xFF, 0x00) or marker in STANDALONE:
            at = found + 1 if marker == 0xFF else at
            continue
        if marker in (SOI, EOI):
            break
        end = at + int.from_bytes(data[at : at + 2], "big")
        segment = data[at + 2 : end]
        if end > len(data) or not _read_segment(marker, segment, jpeg):
            break
        at = _read_scan(data, end, segment, jpeg) if marker == SOS else end
    return jpeg


def _most_pixels(data_bytes: int, first_code_bits: int) -> int:
    """The most pixels LZW codes in this many bytes can expand to: codes are at least
    `first_code_bits` wide, and the k-th code since a clear names a string of at most k pixels
    (and no string is longer than the table)."""
    codes = 8 * data_bytes // first_code_bits
    ramp = min(codes, LZW_TABLE)
    return ramp * (ramp + 1) // 2 + (codes - ramp) * LZW_TABLE


@dataclass
class _GifWalk:
    data: bytes
    at: int
    turns: int = MAX_TURNS

    def skip_sub_blocks(self) -> int:
        """Step over a chain of data sub-blocks and its terminator; their total length."""
        data, total = self.data, 0
        while self.turns > 0 and self.at < len(data) and data[self.at]:
            total += data[self.at]
            self.at += data[self.at] + 1
            self.turns -= 1
        self.at += 1
        return total


def _short_gif_frame(data: bytes, frames: int) -> str | None:
    """The first of the leading `frames` frames whose LZW data cannot cover it, if any."""
    if len(data) < 13 or not data.startswith((b"GIF87a", b"GIF89a")):
        return None
    walk = _GifWalk(data, 13 + (3 << ((data[10] & 7) + 1) if data[10] & 0x80 else 0))
    while frames > 0 and walk.turns > 0 and walk.at + 11 <= len(data):
        walk.turns -= 1
        if data[walk.at] == 0x21:
            walk.at += 2
            walk.skip_sub_blocks()
            continue
        if data[walk.at] != 0x2C:
            return None
        width, height = struct.unpack_from("<HH", data, walk.at + 5)
        flags = data[walk.at + 9]
        walk.at += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
        if walk.at >= len(data):
            return None
        code_size = data[walk.at]
        walk.at += 1
        length = walk.skip_sub_blocks()
        if walk.turns > 0 and width * height > _most_pixels(length, min(code_size + 1, 12)):
            return f"a {width}x{height} frame has {length} bytes of LZW data"
        frames -= 1
    return None


def jpeg_for_libvips(data: bytes) -> bytes:
    """What libvips decodes instead of `data`; `UndecodableSource` when a scan is short."""
    jpeg = _read_jpeg(data)
    if jpeg.short_scan is not None:
        raise UndecodableSource(SHORT, detail=f"JPEG data ends early: {jpeg.short_scan}")
    end = jpeg.single_scan_end
    if end is None:
        return data
    trailing = len(data) > end + 2  # more than the end marker after the scan
    if trailing and loader_for(data) != "VipsForeignLoadJpegBuffer":
        return data  # UltraHDR: its loader needs the gain map after the base image
    return b"".join((memoryview(data)[:end], FILLER))


def guard_short_data(source: Source, frames: int = 1) -> Source:
    """The source to decode instead, made to fail where its data ends early; `UndecodableSource`
    when its data cannot hold the image its header declares at all (for a JPEG, when libvips
    comes to decode it: see `VipsSource.guard`). `frames`: how many leading
    frames of an animation are decoded (a GIF's later frames are not read here)."""
    if not isinstance(source, VipsSource):
        return source
    if source.info.format is ImageFormat.JPEG:
        return replace(source, guard=jpeg_for_libvips)
    if source.info.format is ImageFormat.GIF:
        short = _short_gif_frame(source.data, frames)
        if short is not None:
            raise UndecodableSource(SHORT, detail=f"GIF data ends early: {short}")
    return source
