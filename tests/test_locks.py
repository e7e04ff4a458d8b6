"""The locks in requirements/ agree with pyproject.toml, carry hashes and agree with each other.

`make lock` writes them; this fails when pyproject.toml's ranges change and the locks do not."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.support import REPO

REQUIREMENTS = REPO / "requirements"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
LOCKED_EXTRAS = {
    "server.txt": ("server",),
    "test.txt": ("server", "test"),
    "fuzz.txt": ("server", "test", "fuzz"),
}
PIN = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>[^\s;\\]+)")
DIRECT = "imgproxy-py (pyproject.toml)"


@dataclass
class Lock:
    pins: dict[str, Version] = field(default_factory=dict)
    hashed: set[str] = field(default_factory=set)
    direct: set[str] = field(default_factory=set)
    extras: set[str] = field(default_factory=set)


def read_lock(path: Path) -> Lock:
    lock = Lock()
    current = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#    uv pip compile"):
            lock.extras = set(re.findall(r"--extra (\S+)", line))
        elif match := PIN.match(line):
            current = canonicalize_name(match["name"])
            lock.pins[current] = Version(match["version"])
        elif "--hash=sha256:" in line:
            lock.hashed.add(current)
        elif DIRECT in line:
            lock.direct.add(current)
    return lock


def declared(extras: tuple[str, ...]) -> list[Requirement]:
    tables = PYPROJECT["project"]["optional-dependencies"]
    return [Requirement(text) for extra in extras for text in tables[extra]]


@pytest.mark.parametrize("name", sorted(LOCKED_EXTRAS))
def test_every_declared_requirement_is_pinned_inside_its_range(name: str) -> None:
    lock = read_lock(REQUIREMENTS / name)
    outside = [
        f"{requirement} locked at {lock.pins.get(canonicalize_name(requirement.name))}"
        for requirement in declared(LOCKED_EXTRAS[name])
        if lock.pins.get(canonicalize_name(requirement.name)) not in requirement.specifier
    ]
    assert outside == []


@pytest.mark.parametrize("name", sorted(LOCKED_EXTRAS))
def test_the_lock_holds_nothing_pyproject_no_longer_asks_for(name: str) -> None:
    lock = read_lock(REQUIREMENTS / name)
    asked = {canonicalize_name(r.name) for r in declared(LOCKED_EXTRAS[name])}
    assert lock.extras == set(LOCKED_EXTRAS[name])
    assert lock.direct - asked == set()


@pytest.mark.parametrize("name", [*sorted(LOCKED_EXTRAS), "thumbor.txt", "uv.txt"])
def test_every_pin_has_a_hash(name: str) -> None:
    lock = read_lock(REQUIREMENTS / name)
    assert lock.pins
    assert set(lock.pins) - lock.hashed == set()


@pytest.mark.parametrize("name", sorted(LOCKED_EXTRAS))
def test_the_build_backend_is_locked_inside_the_build_systems_range(name: str) -> None:
    lock = read_lock(REQUIREMENTS / name)
    for text in PYPROJECT["build-system"]["requires"]:
        requirement = Requirement(text)
        assert lock.pins[canonicalize_name(requirement.name)] in requirement.specifier


def test_layered_locks_pin_shared_packages_alike() -> None:
    server, test, fuzz = (read_lock(REQUIREMENTS / name) for name in LOCKED_EXTRAS)
    for smaller, larger in ((server, test), (test, fuzz)):
        assert set(smaller.pins) <= set(larger.pins)
        assert {name: larger.pins[name] for name in smaller.pins} == smaller.pins


def test_the_thumbor_lock_pins_the_benchmarked_release() -> None:
    wanted = Requirement((REQUIREMENTS / "thumbor.in").read_text().split("\n")[1])
    lock = read_lock(REQUIREMENTS / "thumbor.txt")
    assert lock.pins[canonicalize_name(wanted.name)] in wanted.specifier


def test_the_makefile_installs_from_the_locks_only() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for name in [*LOCKED_EXTRAS, "thumbor.txt", "uv.txt"]:
        assert f"requirements/{name}" in makefile
    installs = [line for line in makefile.splitlines() if "pip install" in line]
    assert installs
    assert all("--require-hashes" in line or "--no-deps" in line for line in installs), installs
