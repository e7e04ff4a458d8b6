"""Bad input through the real server: every damaged, hostile or mutated file gets a 200 or a
4xx, never a 5xx; the server stays alive and its memory stays bounded."""

from __future__ import annotations

import random
import resource
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import CORPUS, manifest, running_proxy

HOSTILE_WORDS = ("truncated", "corrupt", "bomb", "zero-byte", "sanitizer", "XInclude", "script")
SEEDS = (
    "jpeg-baseline-icc.jpg",
    "png-palette-trns.png",
    "gif-animated-loop3.gif",
    "webp-lossy-alpha.webp",
    "avif-alpha.avif",
    "tiff-multipage.tiff",
    "svg-basic.svg",
    "bmp-rgb24.bmp",
    "heic-small.heic",
    "ico-favicon.ico",
    "jxl-orientation-7-alpha.jxl",
    "jxl-alpha-16bit.jxl",
)
MUTATIONS_PER_SEED = 12
OPTIONS = ("rs:fill:64:64", "rs:fit:300:300/f:webp", "t:10/pd:5/bg:ff0000/f:png")
PEAK_GROWTH_LIMIT_MB = 1500


def mutate(data: bytes, generator: random.Random) -> bytes:
    """Flip bytes, cut the tail, or splice in garbage: what broken uploads look like."""
    buffer = bytearray(data)
    kind = generator.randrange(3)
    if kind == 0:
        for _ in range(generator.randint(1, 16)):
            buffer[generator.randrange(len(buffer))] = generator.randrange(256)
    elif kind == 1:
        del buffer[generator.randint(1, max(1, len(buffer) - 1)) :]
    else:
        at = generator.randrange(len(buffer))
        buffer[at:at] = generator.randbytes(generator.randint(1, 64))
    return bytes(buffer)


@pytest.fixture(scope="module")
def hostile_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    for row in manifest():
        if any(word in row["property"] for word in HOSTILE_WORDS):
            shutil.copy(CORPUS / row["file"], root / row["file"])
    generator = random.Random(20261124)
    for seed in SEEDS:
        data = (CORPUS / seed).read_bytes()
        for index in range(MUTATIONS_PER_SEED):
            (root / f"mutant-{index}-{seed}").write_bytes(mutate(data, generator))
    return root


@pytest.fixture(scope="module")
def proxy(hostile_root: Path) -> Iterator[httpx.Client]:
    env = {
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(hostile_root),
        "IMGPROXY_MAX_ANIMATION_FRAMES": "50",
    }
    with running_proxy(env) as base, httpx.Client(base_url=base, timeout=60) as client:
        yield client


def test_no_bad_file_gets_a_server_error(proxy: httpx.Client, hostile_root: Path) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    statuses: dict[int, int] = {}
    failures = []
    for path in sorted(hostile_root.iterdir()):
        for options in OPTIONS:
            response = proxy.get(f"/_/{options}/plain/local:///{path.name}")
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                failures.append((path.name, options, response.status_code, response.text))
    assert failures == []
    assert set(statuses) <= {200, 400, 403, 404, 422}
    assert proxy.get("/health").status_code == 200
    growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(
        f"\nbad input: {sum(statuses.values())} requests {statuses}; "
        f"peak RSS grew {growth_mb:.0f} MB"
    )
    assert growth_mb < PEAK_GROWTH_LIMIT_MB
