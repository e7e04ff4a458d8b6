"""Recognising the allow-listed video containers by their first bytes, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.transforms.video.making import MKV_MPEG4, MOV_H264, MP4_H264, WEBM_VP9, Kind, make_video
from transforms.video.sniff import Container, sniff

CORPUS = Path(__file__).resolve().parents[2] / "images"


@pytest.mark.parametrize(
    ("kind", "container"),
    [
        (MP4_H264, Container.MP4),
        (MOV_H264, Container.MP4),
        (WEBM_VP9, Container.MATROSKA),
        (MKV_MPEG4, Container.MATROSKA),
    ],
)
def test_made_videos_are_recognised(kind: Kind, container: Container) -> None:
    assert sniff(make_video(kind, seconds=1)) is container


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = b"ftyp" + major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return (len(body) + 4).to_bytes(4, "big") + body + b"\x00" * 16


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (ftyp(b"isom", b"isom", b"mp41"), Container.MP4),
        (ftyp(b"M4V ", b"M4V "), Container.MP4),
        (ftyp(b"avif", b"avif", b"mif1"), None),
        (ftyp(b"heic", b"mif1", b"heic"), None),
        (ftyp(b"mif1", b"mif1"), None),
        (ftyp(b"isom", b"mif1", b"avis"), None),
        (ftyp(b"crx ", b"crx "), None),
        (b"\x00\x00\x00\x10moov" + b"\x00" * 8, Container.MP4),
        (b"\x1a\x45\xdf\xa3\x84\x42\x82\x81x", None),
        (b"\x1a\x45\xdf\xa3\xff", None),
        (b"\x1a\x45\xdf\xa3", None),
        (b"#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n", None),
        (b"ffconcat version 1.0\nfile '/etc/passwd'\n", None),
        (b"", None),
    ],
)
def test_only_video_brands_and_doctypes_are_video(data: bytes, expected: Container | None) -> None:
    assert sniff(data) is expected


@pytest.mark.parametrize(
    "name",
    sorted(path.name for path in CORPUS.glob("*.avi*"))
    + sorted(path.name for path in CORPUS.glob("*.heic")),
)
def test_avif_and_heif_images_stay_on_the_image_path(name: str) -> None:
    assert sniff((CORPUS / name).read_bytes()) is None
