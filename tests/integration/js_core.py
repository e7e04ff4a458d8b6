"""`@imgproxy/imgproxy-js-core`, imgproxy's official URL builder, driven from the tests: the
paths it writes (tests/node/generate_core_urls.mjs), signed here as the library does not sign,
and the options its type declarations list, so that a new option in the library is noticed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pytest

from imgproxy.signing import sign
from tests.support import REPO

NODE_DIR = REPO / "tests" / "node"
SCRIPT = NODE_DIR / "generate_core_urls.mjs"
LIBRARY = NODE_DIR / "node_modules" / "@imgproxy" / "imgproxy-js-core"
TYPES = LIBRARY / "dist" / "imgproxy-js-core.d.ts"
INFO_PREFIX = "/info"

Kind = Literal["image", "info"]
JsOptions = Mapping[str, object]
"""What a user passes to the library's generateUrl / generateImageInfoUrl."""
OPTION_TYPES: dict[Kind, str] = {"image": "Options", "info": "OptionsImageInfo"}


@dataclass(frozen=True)
class Request:
    """One call of the library: `url` is its `{value, type[, filename]}` argument."""

    name: str
    kind: Kind
    url: Mapping[str, str]
    options: JsOptions
    settings: Mapping[str, object] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind,
            "url": dict(self.url),
            "options": dict(self.options),
            "settings": dict(self.settings),
        }


def generate(requests: Sequence[Request]) -> dict[str, str]:
    """The path the library writes for each request (without a signature), by name."""
    node = shutil.which("node")
    if node is None or not TYPES.is_file():
        pytest.fail(
            "node or @imgproxy/imgproxy-js-core is missing: `make test` installs nodejs and runs "
            "`npm ci --prefix tests/node`"
        )
    result = subprocess.run(
        [node, str(SCRIPT)],
        input=json.dumps({"cases": [request.as_json() for request in requests]}),
        capture_output=True,
        text=True,
        cwd=NODE_DIR,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-1500:]
    answer = json.loads(result.stdout)
    assert answer["info_prefix"] == INFO_PREFIX
    paths: dict[str, str] = answer["paths"]
    return paths


def signed_url(base: str, kind: Kind, path: str, key: str, salt: str) -> str:
    """`path` as the library wrote it, behind the signature the proxy checks."""
    prefix = INFO_PREFIX if kind == "info" else ""
    return f"{base}{prefix}/{sign(path, bytes.fromhex(key), bytes.fromhex(salt))}{path}"


def declared_options(kind: Kind) -> dict[str, tuple[str, ...]]:
    """Each option the library's types declare for `kind`: its interface's name (e.g.
    `AdjustOptionsPartial`) to the keys a user may write it with (`adjust`, `a`)."""
    text = TYPES.read_text(encoding="utf-8")
    union = re.search(rf"^export type {OPTION_TYPES[kind]} = (.+);$", text, re.MULTILINE)
    assert union is not None, f"no `{OPTION_TYPES[kind]}` type in {TYPES}"
    options: dict[str, tuple[str, ...]] = {}
    for interface in (part.strip() for part in union.group(1).split("&")):
        body = re.search(
            rf"^export interface {interface} \{{\n(.*?)^\}}", text, re.MULTILINE | re.DOTALL
        )
        assert body is not None, f"no interface {interface} in {TYPES}"
        options[interface] = tuple(re.findall(r"^\t(\w+)\?:", body.group(1), re.MULTILINE))
    return options
