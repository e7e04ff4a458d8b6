"""The URL mix: every JPEG and PNG photo of the bench corpus times a few srcset-style transforms."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = REPO_ROOT / "bench" / "photos"
SOURCE_FORMATS = frozenset({"jpeg", "png"})


def matching(pattern: str, corpus_dir: Path = CORPUS_DIR) -> list[str]:
    """The names of the photos matching `pattern`, sorted; ValueError when none does."""
    names = sorted(path.name for path in corpus_dir.glob(pattern))
    if not names:
        raise ValueError(f"no photo in {corpus_dir} matches {pattern!r}")
    return names


Mode = Literal["fit", "fill"]
OutputExt = Literal["jpg", "webp"]


@dataclass(frozen=True)
class Transform:
    mode: Mode
    width: int
    height: int
    ext: OutputExt

    @property
    def options(self) -> str:
        return f"rs:{self.mode}:{self.width}:{self.height}"

    @property
    def label(self) -> str:
        return f"{self.options}@{self.ext}"


TRANSFORMS: tuple[Transform, ...] = (
    Transform("fit", 320, 320, "jpg"),
    Transform("fit", 800, 800, "jpg"),
    Transform("fill", 400, 300, "jpg"),
    Transform("fit", 800, 800, "webp"),
)


@dataclass(frozen=True)
class Photo:
    file: str
    format: str
    width: int
    height: int
    size: int


@dataclass(frozen=True)
class Job:
    photo: Photo
    transform: Transform

    @property
    def path(self) -> str:
        return f"/unsafe/{self.transform.options}/plain/local:///{self.photo.file}@{self.transform.ext}"


def read_manifest(corpus_dir: Path = CORPUS_DIR) -> list[Photo]:
    manifest = corpus_dir / "MANIFEST.tsv"
    if not manifest.is_file():
        raise SystemExit(f"bench corpus not found: {manifest} is missing")
    with manifest.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [
        Photo(row["file"], row["format"], int(row["width"]), int(row["height"]), int(row["bytes"]))
        for row in rows
        if row["format"] in SOURCE_FORMATS
    ]


def build_mix(photos: list[Photo]) -> list[Job]:
    """Transform-major order, so that consecutive requests hit different photos and transforms."""
    return [Job(photo, transform) for transform in TRANSFORMS for photo in photos]


def load_sources(photos: list[Photo], corpus_dir: Path = CORPUS_DIR) -> dict[str, bytes]:
    return {photo.file: (corpus_dir / photo.file).read_bytes() for photo in photos}
