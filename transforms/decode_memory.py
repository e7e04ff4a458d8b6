"""Admitting decodes by the memory they hold, not only by a count of jobs.

Most decodes stream: a baseline JPEG shrunk on load, a PNG, a TIFF hold a few rows at a time.
Two kinds hold the whole image however small the result: libjpeg keeps every DCT coefficient
of a progressive (or multi-scan) JPEG, two bytes each, until its last scan is read; libheif
decodes a whole HEIF/AVIF frame, libjxl a whole JPEG XL one. Four such 24 MP decodes at once
in one process are 300 MB; thumbor, one image per process, never holds more than one.

A job states what its decode will hold (`decode_bytes`, from the header); `DecodeMemory`
lets it start once that fits in the budget beside the whole-image decodes in progress, in
the order the jobs asked. Streaming decodes do not wait. A job larger than the whole budget
runs alone. Waiting happens in the worker thread and stops when the job is cancelled.
"""

from __future__ import annotations

import collections
import contextlib
import threading
from collections.abc import Iterator

from imgproxy.url.options import ImageFormat
from transforms.cancellation import Cancellation
from transforms.probe import SourceInfo

COEFFICIENT_BYTES = 2
CHROMA_SAMPLES = {"4:2:0": 1.5, "4:2:2": 2.0, "4:4:4": 3.0}
"""Coefficients per pixel of a three-component JPEG, by chroma subsampling."""
WHOLE_FRAME_FORMATS = frozenset({ImageFormat.AVIF, ImageFormat.HEIC, ImageFormat.JXL})
CHECK_EVERY_S = 0.05
"""How often a waiting worker looks at its job's cancellation."""


def decode_bytes(info: SourceInfo) -> int:
    """Memory the decode of one frame of this source holds whatever it is shrunk to; 0 for
    a streaming decode, which needs no room in the budget."""
    pixels = info.width * info.height
    if info.format is ImageFormat.JPEG and info.interlaced:
        per_pixel = CHROMA_SAMPLES.get(info.chroma_subsampling, float(info.bands))
        return int(pixels * per_pixel * COEFFICIENT_BYTES)
    if info.format in WHOLE_FRAME_FORMATS:
        return pixels * 4
    return 0


class DecodeMemory:
    def __init__(self, budget: int) -> None:
        """`budget`: bytes of whole-image decodes at once; 0 for no limit."""
        self.budget = budget
        self.in_use = 0
        self._changed = threading.Condition()
        self._waiting: collections.deque[object] = collections.deque()

    @contextlib.contextmanager
    def held(self, wanted: int, cancellation: Cancellation) -> Iterator[None]:
        """Inside, `wanted` bytes of the budget are this job's."""
        if not self.budget or not wanted:
            yield
            return
        amount = min(wanted, self.budget)
        self._acquire(amount, cancellation)
        try:
            yield
        finally:
            with self._changed:
                self.in_use -= amount
                self._changed.notify_all()

    def _acquire(self, amount: int, cancellation: Cancellation) -> None:
        ticket = object()
        with self._changed:
            self._waiting.append(ticket)
            self._changed.notify_all()
            try:
                while self._waiting[0] is not ticket or self.in_use + amount > self.budget:
                    cancellation.check()
                    self._changed.wait(CHECK_EVERY_S)
                self.in_use += amount
            finally:
                self._waiting.remove(ticket)
                self._changed.notify_all()
