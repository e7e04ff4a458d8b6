"""The repository stands alone: a copy of its tracked files finds every test image and bench photo.

CI lays other folders beside the clone, so only a copy into an empty directory can show that
nothing reaches outside the repository for its images."""

from __future__ import annotations

import shutil
import subprocess
import sys

from tests.support import REPO

# Spelled in two parts so that this file does not match its own search.
OUTSIDE_REFERENCES = ("../" + "shared", '/ "' + 'shared"', "parent / " + '"shared"')

# Runs inside the copy: imports every module that names an image folder and checks the folder
# is inside the copy, then reads the corpus manifest and the bench photo list from there.
PROBE = """
import importlib, sys
from pathlib import Path
root = Path.cwd().resolve()
checked = []
for path in sorted([*root.glob("tests/**/*.py"), *root.glob("bench/*.py")]):
    text = path.read_text(encoding="utf-8")
    if "CORPUS" not in text or path.name.startswith("__"):
        continue
    name = ".".join(path.relative_to(root).with_suffix("").parts)
    module = importlib.import_module(name)
    for attribute in ("CORPUS", "CORPUS_DIR"):
        folder = getattr(module, attribute, None)
        if isinstance(folder, Path):
            folder = folder.resolve()
            assert folder.is_relative_to(root), f"{name}.{attribute} = {folder} is outside the copy"
            assert folder.is_dir(), f"{name}.{attribute} = {folder} is missing"
            checked.append(name)
from tests.support import manifest, CORPUS
rows = manifest()
assert all((CORPUS / row["file"]).is_file() for row in rows)
from bench.mix import read_manifest, load_sources
photos = read_manifest()
sources = load_sources(photos)
assert all(sources.values())
print(len(checked), len(rows), len(photos))
"""


def tracked_files() -> list[str]:
    listing = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.decode()
    return [name for name in listing.split("\0") if name]


def test_a_copy_of_the_tracked_files_finds_the_corpus_and_the_bench_photos(tmp_path) -> None:
    copy = tmp_path / "clone"
    for name in tracked_files():
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)

    probe = subprocess.run(
        [sys.executable, "-c", PROBE],
        check=False,
        cwd=copy,
        env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert probe.returncode == 0, probe.stderr
    modules, images, photos = (int(part) for part in probe.stdout.split())
    assert modules >= 5
    assert images >= 60
    assert photos >= 10


def test_no_tracked_file_refers_to_the_folder_beside_the_repository() -> None:
    offenders = []
    for name in tracked_files():
        path = REPO / name
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, IsADirectoryError):
            continue
        offenders += [f"{name}: {needle}" for needle in OUTSIDE_REFERENCES if needle in text]
    assert offenders == []
