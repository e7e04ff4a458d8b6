"""imgproxy Pro's `blur_detections` and `draw_detections`, for faces, on the cropped result."""

from __future__ import annotations

import hashlib

import pyvips

from transforms.faces import Face, detect
from transforms.job import Job

LINE = 0.005
"""Box outline width, as a share of the image's longer side (at least 2 pixels)."""


def _box(face: Face, image: pyvips.Image) -> tuple[int, int, int, int]:
    left = max(0, round(face.left * image.width))
    top = max(0, round(face.top * image.height))
    right = min(image.width, round((face.left + face.width) * image.width))
    bottom = min(image.height, round((face.top + face.height) * image.height))
    return left, top, right - left, bottom - top


def _ink(image: pyvips.Image) -> list[float]:
    top = 65535.0 if image.format == "ushort" else 255.0
    colour = [top, 0.0, 0.0] if image.bands >= 3 else [top]
    return colour + [top] * (image.bands - len(colour))


def mark_faces(image: pyvips.Image, job: Job) -> pyvips.Image:
    options = job.options
    if not options.blur_detections and not options.draw_detections:
        return image
    pixels = job.cancellation.in_memory(image)
    key = ""
    if job.faces_key:  # the result's pixels follow from the source and all the options
        shaped = hashlib.blake2b(repr(options).encode(), digest_size=16).hexdigest()
        key = f"{job.faces_key}/marks/{shaped}/{image.width}x{image.height}"
    faces = job.faces.cache.faces(key, lambda: detect(pixels))
    boxes = [box for box in (_box(face, pixels) for face in faces) if box[2] > 0 and box[3] > 0]
    if options.blur_detections:
        for left, top, width, height in boxes:
            region = pixels.crop(left, top, width, height).gaussblur(options.blur_detections)
            pixels = pixels.insert(region.cast(pixels.format), left, top)
    if options.draw_detections:
        line = max(2, round(max(pixels.width, pixels.height) * LINE))
        ink = _ink(pixels)
        for left, top, width, height in boxes:
            for step in range(min(line, width // 2, height // 2)):
                width_in, height_in = width - 2 * step, height - 2 * step
                pixels = pixels.draw_rect(ink, left + step, top + step, width_in, height_in)
    return pixels
