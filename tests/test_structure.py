"""Who may import whom (docs/design.md, "Where things live"): read from the sources with `ast`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.import_graph import ImportGraph, Rule, circles, forbidden_arrows

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("imgproxy", "transforms", "cache", "config")

FLOOR = ("imgproxy.errors", "imgproxy.url", "imgproxy.geometry")
HELPERS = (
    "imgproxy.client",
    "imgproxy.html",
    "imgproxy.dimensions",
    "imgproxy.integrations",
    "imgproxy.geometry",
    "imgproxy.signing",
)
SERVER_ONLY = ("starlette", "pyvips", "httpx", "redis")

# Every package may import the floor.
RULES = (
    #    who               may not import                                   unless in
    Rule(("transforms",), ("imgproxy", "cache", "config"), FLOOR),
    Rule(("cache",), ("imgproxy", "transforms", "config"), FLOOR),
    Rule(("config",), ("imgproxy", "transforms", "cache"), FLOOR),
    Rule(("imgproxy.url",), ("transforms",)),
    Rule(HELPERS, (*SERVER_ONLY, "transforms", "cache", "config"), transitive=True),
)


@pytest.fixture(scope="module")
def found() -> set[str]:
    graph = ImportGraph.read(REPO, PACKAGES)
    return forbidden_arrows(graph, RULES) | circles(graph)


def test_no_forbidden_arrow_and_no_circle(found: set[str]) -> None:
    assert sorted(found) == []


def write_tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_rules_catch_forbidden_arrows(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "transforms/__init__.py": "",
            "transforms/x.py": "def later() -> None:\n    import cache.tier\n",
            "transforms/floor.py": "from imgproxy.url import options\nimport imgproxy.errors\n",
            "cache/__init__.py": "",
            "cache/tier.py": "from config.values import LIMIT\n",
            "config/__init__.py": "",
            "config/values.py": "from imgproxy import service\n",
            "imgproxy/__init__.py": "",
            "imgproxy/errors.py": "",
            "imgproxy/service.py": "import starlette.responses\n",
            "imgproxy/client.py": "from imgproxy.url.options import Options\n",
            "imgproxy/url/__init__.py": "",
            "imgproxy/url/options.py": "from . import parser\n",
            "imgproxy/url/parser.py": "from transforms import x\n",
        },
    )
    graph = ImportGraph.read(tmp_path, PACKAGES)

    assert forbidden_arrows(graph, RULES) == {
        "transforms.x -> cache.tier",
        "cache.tier -> config.values",
        "config.values -> imgproxy.service",
        "imgproxy.url.parser -> transforms.x",
    }
    assert graph.arrows["imgproxy.url.options"] == {"imgproxy.url.parser"}
    assert graph.reached_from(["imgproxy.client"]) >= {"imgproxy.url.parser", "transforms.x"}


def test_a_helper_may_not_load_a_server_dependency_through_another_module(
    tmp_path: Path,
) -> None:
    write_tree(
        tmp_path,
        {
            "imgproxy/__init__.py": "from imgproxy.html import img\n",
            "imgproxy/html.py": "def img() -> None:\n    from .render import page\n",
            "imgproxy/render.py": "import pyvips\n",
            "imgproxy/client.py": "",
        },
    )
    graph = ImportGraph.read(tmp_path, PACKAGES)

    # The client imports nothing itself, but loading it runs `imgproxy/__init__.py`.
    helper_rule = Rule(("imgproxy.client",), SERVER_ONLY, transitive=True)
    assert forbidden_arrows(graph, [helper_rule]) == {"imgproxy.render -> pyvips"}


def test_circles_are_found_and_named(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "imgproxy/__init__.py": "",
            "imgproxy/a.py": "from imgproxy import b\n",
            "imgproxy/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from imgproxy.c import C\n",
            "imgproxy/c.py": "def f() -> None:\n    import imgproxy.a\n",
            "imgproxy/d.py": "from imgproxy import a\n",
        },
    )

    assert circles(ImportGraph.read(tmp_path, PACKAGES)) == {
        "circle: imgproxy.a -> imgproxy.b -> imgproxy.c -> imgproxy.a"
    }
