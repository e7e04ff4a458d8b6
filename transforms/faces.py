"""Face detection: OpenCV's frontal-face Haar cascade (shipped in the opencv-python-headless 4.x
wheel as cv2/data/haarcascade_frontalface_default.xml) on a small grey, equalised copy.

cv2 (and numpy) are imported on the first detection only, in the worker thread. Boxes are
relative (0..1) to the image they were found in, which callers pass upright.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyvips

from imgproxy.url.options import Gravity, GravityType, Options
from transforms.opencv import opencv

DETECTION_SIZE = 320
"""Long side of the copy the cascade scans, in pixels (40-50 ms a detection on one core)."""
MIN_FACE = 20
"""Smallest face found, in pixels of that copy (6% of its long side)."""
SCALE_STEP = 1.15
MIN_NEIGHBOURS = 5
CASCADE = "haarcascade_frontalface_default.xml"
CACHED_SOURCES = 256


@dataclass(frozen=True)
class Face:
    left: float
    top: float
    width: float
    height: float
    confidence: float
    """The cascade's last-stage weight through a logistic curve: 0.5 at its threshold."""

    @property
    def centre(self) -> tuple[float, float]:
        return self.left + self.width / 2, self.top + self.height / 2


class _Cascade:
    """One loaded classifier per thread (OpenCV's classifiers are not thread-safe)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def get(self) -> Any:
        classifier = getattr(self._local, "classifier", None)
        if classifier is None:
            cv2 = opencv()
            classifier = cv2.CascadeClassifier(str(cv2.data.haarcascades) + CASCADE)
            self._local.classifier = classifier
        return classifier


_CASCADE = _Cascade()


def _grey_pixels(image: pyvips.Image) -> tuple[Any, int, int]:
    import numpy as np  # noqa: PLC0415

    scale = min(1.0, DETECTION_SIZE / max(image.width, image.height))
    small = image.resize(scale) if scale < 1.0 else image
    if small.hasalpha():
        small = small.flatten(background=255)
    small = small.colourspace("b-w")[0].cast("uchar")
    pixels = np.frombuffer(small.write_to_memory(), dtype=np.uint8)
    return pixels.reshape(small.height, small.width), small.width, small.height


def detect(image: pyvips.Image) -> tuple[Face, ...]:
    """The faces in upright `image`, largest first."""
    cv2 = opencv()
    grey, width, height = _grey_pixels(image)
    if min(width, height) < MIN_FACE:
        return ()
    boxes, _levels, weights = _CASCADE.get().detectMultiScale3(
        cv2.equalizeHist(grey),
        scaleFactor=SCALE_STEP,
        minNeighbors=MIN_NEIGHBOURS,
        minSize=(MIN_FACE, MIN_FACE),
        outputRejectLevels=True,
    )
    faces = [
        Face(
            left=int(x) / width,
            top=int(y) / height,
            width=int(w) / width,
            height=int(h) / height,
            confidence=round(1 / (1 + math.exp(-float(weight))), 3),
        )
        for (x, y, w, h), weight in zip(boxes, weights, strict=True)
    ]
    return tuple(sorted(faces, key=lambda face: -face.width * face.height))


class FaceCache:
    """Detections per source and geometry, least recently used out first; shared by the
    worker threads of one process."""

    def __init__(self, capacity: int = CACHED_SOURCES) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[str, tuple[Face, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def faces(self, key: str, find: Callable[[], tuple[Face, ...]]) -> tuple[Face, ...]:
        """The faces remembered under `key`, else `find()`'s (remembered). An empty key is
        never remembered."""
        if not key:
            return find()
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        found = find()
        with self._lock:
            self._entries[key] = found
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
        return found


@dataclass(frozen=True)
class FaceDefaults:
    """The server's face settings, and the process's detections."""

    smart_crop: bool = False
    """IMGPROXY_SMART_CROP_FACE_DETECTION: `g:sm` (thumbor `smart`) centres on faces first."""
    fallback_to_smart_crop: bool = True
    """IMGPROXY_OBJECT_DETECTION_FALLBACK_TO_SMART_CROP: `g:obj` with no face found crops
    smartly, else at the centre."""
    cache: FaceCache = field(default_factory=FaceCache, compare=False)


def wants_faces(anchor: Gravity | None, defaults: FaceDefaults) -> bool:
    if anchor is None:
        return False
    if anchor.type is GravityType.OBJECTS:
        return True
    return anchor.type is GravityType.SMART and defaults.smart_crop


def faces_key(data: bytes, options: Options, orientation: object, defaults: FaceDefaults) -> str:
    """The source's digest and what shapes the image before its crops (scaling aside, as the
    boxes are relative); empty when no crop of these options looks for faces."""
    marks = bool(options.blur_detections or options.draw_detections)
    crops = wants_faces(options.gravity, defaults) or wants_faces(options.crop.gravity, defaults)
    if not (marks or crops):
        return ""
    shape = (
        options.crop,
        options.trim,
        options.source_fit,
        options.rotate,
        options.flip_horizontal,
        options.flip_vertical,
        options.page,
        options.pages,
        orientation,
    )
    digest = hashlib.blake2b(data, digest_size=16)
    digest.update(repr(shape).encode())
    return digest.hexdigest()
