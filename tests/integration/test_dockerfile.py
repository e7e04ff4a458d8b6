"""The Dockerfile, checked without a Docker engine.

Its COPY and `pip install` steps are replayed into a fresh virtual environment, and the server is
started from there with the image's ENV, CMD and HEALTHCHECK, listening on loopback only.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.client import HTTPMessage
from pathlib import Path, PurePosixPath

import pytest
import pyvips

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
CORPUS = REPO / "tests" / "images"
SAMPLE = "jpeg-baseline-icc.jpg"
READY_DEADLINE_S = 60.0
DOCKER_STOP_GRACE_S = 10.0
INHERITED_ENV_DROPPED = ("IMGPROXY_", "VIPS_", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
SEPARATORS = frozenset({"&&", "||", ";", "|", "&"})


@dataclass(frozen=True)
class Instruction:
    keyword: str
    value: str


@dataclass(frozen=True)
class Installed:
    root: Path
    venv: Path
    workdir: Path
    env: dict[str, str]


def parse_dockerfile(text: str) -> list[Instruction]:
    instructions: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not pending and not stripped:
            continue
        if stripped.startswith("#"):
            continue
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1]
            continue
        line = (pending + raw).strip()
        pending = ""
        if line:
            keyword, _, value = line.partition(" ")
            instructions.append(Instruction(keyword.upper(), value.strip()))
    assert not pending, "the Dockerfile ends inside a line continuation"
    return instructions


def only(instructions: list[Instruction], keyword: str) -> list[Instruction]:
    return [i for i in instructions if i.keyword == keyword]


def env_pairs(value: str) -> list[tuple[str, str]]:
    words = shlex.split(value)
    if "=" not in words[0]:
        return [(words[0], " ".join(words[1:]))]
    return [(key, val) for key, _, val in (word.partition("=") for word in words)]


def exec_form(value: str) -> list[str]:
    if value.startswith("["):
        argv = json.loads(value)
        assert isinstance(argv, list)
        return [str(arg) for arg in argv]
    return ["/bin/sh", "-c", value]


def healthcheck_parts(value: str) -> tuple[dict[str, str], list[str]]:
    match = re.fullmatch(r"((?:--[\w-]+=\S+\s+)*)CMD\s+(.+)", value, flags=re.DOTALL)
    assert match, f"Expected HEALTHCHECK [OPTIONS] CMD ... but received {value!r}"
    options = dict(opt[2:].split("=", 1) for opt in match.group(1).split())
    return options, exec_form(match.group(2).strip())


def duration_seconds(text: str) -> float:
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", text)
    assert parts, f"Expected a Docker duration like 5s but received {text!r}"
    scale = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    return sum(float(number) * scale[unit] for number, unit in parts)


def shell_commands(script: str) -> list[list[str]]:
    lexer = shlex.shlex(script, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands: list[list[str]] = [[]]
    for token in lexer:
        if token in SEPARATORS:
            commands.append([])
        else:
            commands[-1].append(token)
    return [command for command in commands if command]


def pip_install_args(command: list[str]) -> list[str] | None:
    for prefix in (["pip", "install"], ["pip3", "install"], ["python", "-m", "pip", "install"]):
        if command[: len(prefix)] == prefix:
            return command[len(prefix) :]
    return None


def ignore_patterns() -> list[tuple[bool, re.Pattern[str]]]:
    patterns: list[tuple[bool, re.Pattern[str]]] = []
    for raw in DOCKERIGNORE.read_text().splitlines() if DOCKERIGNORE.exists() else []:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = str(PurePosixPath(line.lstrip("!").strip("/")))
        patterns.append((negate, re.compile(glob_regex(pattern))))
    return patterns


def glob_regex(pattern: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 1 :]:
            end = pattern.index("]", i + 1)
            body = pattern[i + 1 : end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


def ignored(relative: PurePosixPath, patterns: list[tuple[bool, re.Pattern[str]]]) -> bool:
    candidates = [str(relative), *(str(p) for p in relative.parents if str(p) != ".")]
    verdict = False
    for negate, regex in patterns:
        if any(regex.fullmatch(candidate) for candidate in candidates):
            verdict = not negate
    return verdict


def container_path(root: Path, workdir: str, path: str) -> Path:
    absolute = PurePosixPath(workdir, path)
    return root.joinpath(*absolute.parts[1:])


def replay_copy(root: Path, workdir: str, value: str) -> None:
    words = json.loads(value) if value.startswith("[") else shlex.split(value)
    flags = [word for word in words if word.startswith("--")]
    assert not any(flag.startswith("--from") for flag in flags), "multi-stage COPY is not replayed"
    *sources, dest = [word for word in words if not word.startswith("--")]
    into_dir = dest.endswith("/") or len(sources) > 1
    target = container_path(root, workdir, dest)
    patterns = ignore_patterns()
    for source in sources:
        origin = REPO / source
        relative = PurePosixPath(source)
        assert origin.exists(), f"COPY source {source} is missing from the build context"
        assert not ignored(relative, patterns), f"COPY source {source} is excluded by .dockerignore"
        if origin.is_dir():
            for path in sorted(origin.rglob("*")):
                inner = PurePosixPath(path.relative_to(REPO).as_posix())
                if path.is_file() and not ignored(inner, patterns):
                    copied = target / path.relative_to(origin)
                    copied.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, copied)
        else:
            copied = target / origin.name if into_dir else target
            copied.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, copied)


def clean_environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(INHERITED_ENV_DROPPED)}


def resolve(argv: list[str], env: dict[str, str]) -> list[str]:
    executable = shutil.which(argv[0], path=env["PATH"])
    assert executable, f"{argv[0]} is not on the image's PATH"
    return [executable, *argv[1:]]


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def get(url: str, timeout: float = 10.0) -> tuple[int, HTTPMessage, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def wait_until_healthy(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_DEADLINE_S
    while time.monotonic() < deadline:
        assert server.poll() is None, f"server exited with {server.returncode}:\n{log.read_text()}"
        try:
            if get(url, timeout=1.0)[0] == 200:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    pytest.fail(f"{url} did not answer 200 within {READY_DEADLINE_S}s:\n{log.read_text()}")


def stop(server: subprocess.Popen[bytes]) -> int | None:
    if server.poll() is not None:
        return server.returncode
    server.send_signal(signal.SIGTERM)
    try:
        return server.wait(timeout=DOCKER_STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
        return None


@pytest.fixture(scope="module")
def instructions() -> list[Instruction]:
    return parse_dockerfile(DOCKERFILE.read_text())


@pytest.fixture(scope="module")
def installed(
    instructions: list[Instruction], tmp_path_factory: pytest.TempPathFactory
) -> Installed:
    assert len(only(instructions, "FROM")) == 1, "a multi-stage build is not replayed"
    base = tmp_path_factory.mktemp("image")
    root = base / "root"
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = clean_environ()
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    workdir = "/"
    pip_runs = 0
    for instruction in instructions:
        if instruction.keyword == "ENV":
            env.update(env_pairs(instruction.value))
        elif instruction.keyword == "WORKDIR":
            workdir = str(PurePosixPath(workdir, instruction.value))
        elif instruction.keyword in {"COPY", "ADD"}:
            replay_copy(root, workdir, instruction.value)
        elif instruction.keyword == "RUN":
            cwd = container_path(root, workdir, ".")
            cwd.mkdir(parents=True, exist_ok=True)
            for command in shell_commands(instruction.value):
                args = pip_install_args(command)
                if args is None:
                    continue
                replayed = [f"{root}{a}" if a.startswith("/") else a for a in args]
                replayed = [a for a in replayed if a != "--no-cache-dir"]
                pip = [str(venv / "bin" / "python"), "-m", "pip", "install", *replayed]
                result = subprocess.run(
                    pip, check=False, cwd=cwd, env=env, capture_output=True, text=True
                )
                assert result.returncode == 0, f"{shlex.join(command)} failed:\n{result.stderr}"
                pip_runs += 1
    assert pip_runs, "the Dockerfile has no RUN pip install step"
    runtime_workdir = container_path(root, workdir, ".")
    runtime_workdir.mkdir(parents=True, exist_ok=True)
    return Installed(root=root, venv=venv, workdir=runtime_workdir, env=env)


@pytest.fixture
def images(tmp_path: Path) -> Path:
    directory = tmp_path / "images"
    directory.mkdir()
    shutil.copy2(CORPUS / SAMPLE, directory / SAMPLE)
    return directory


@dataclass(frozen=True)
class Running:
    base_url: str
    env: dict[str, str]
    workdir: Path
    process: subprocess.Popen[bytes]


@pytest.fixture
def server(
    instructions: list[Instruction], installed: Installed, images: Path, tmp_path: Path
) -> Iterator[Running]:
    port = free_loopback_port()
    env = {
        **installed.env,
        "IMGPROXY_BIND": f"127.0.0.1:{port}",
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(images),
    }
    argv = resolve(exec_form(only(instructions, "CMD")[-1].value), env)
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            argv, cwd=installed.workdir, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}/health", process, log)
        yield Running(
            base_url=f"http://127.0.0.1:{port}", env=env, workdir=installed.workdir, process=process
        )
    finally:
        stop(process)


def test_image_runs_as_non_root_user(instructions: list[Instruction]) -> None:
    users = only(instructions, "USER")
    assert users, "the Dockerfile declares no USER, so the container runs as root"
    user, _, group = users[-1].value.partition(":")
    assert user not in {"root", "0"}, f"the final USER is {users[-1].value!r}"
    assert group not in {"root", "0"}, f"the final USER's group is {users[-1].value!r}"


def test_image_declares_a_healthcheck(instructions: list[Instruction]) -> None:
    checks = only(instructions, "HEALTHCHECK")
    assert checks, "the Dockerfile declares no HEALTHCHECK"
    options, argv = healthcheck_parts(checks[-1].value)
    assert argv[-4:] == ["python", "-m", "imgproxy", "health"]
    assert duration_seconds(options.get("timeout", "30s")) > 0


def test_image_listens_on_all_interfaces_on_its_exposed_port(
    instructions: list[Instruction],
) -> None:
    env = dict(pair for i in only(instructions, "ENV") for pair in env_pairs(i.value))
    host, _, port = env["IMGPROXY_BIND"].rpartition(":")
    assert host in {"", "0.0.0.0"}, f"IMGPROXY_BIND {env['IMGPROXY_BIND']!r} is not reachable"
    exposed = {p.split("/")[0] for i in only(instructions, "EXPOSE") for p in i.value.split()}
    assert port in exposed, f"IMGPROXY_BIND port {port} is not EXPOSEd ({sorted(exposed)})"
    assert env.get("MALLOC_ARENA_MAX") == "2"


@pytest.mark.timeout(600)
def test_replayed_image_serves_resized_images_and_passes_its_healthcheck(
    instructions: list[Instruction], server: Running
) -> None:
    options, health_argv = healthcheck_parts(only(instructions, "HEALTHCHECK")[-1].value)
    health = resolve(health_argv, server.env)
    timeout = duration_seconds(options.get("timeout", "30s"))
    probe = subprocess.run(
        health,
        check=False,
        cwd=server.workdir,
        env=server.env,
        capture_output=True,
        timeout=timeout,
    )
    assert probe.returncode == 0, probe

    status, headers, body = get(
        f"{server.base_url}/unsafe/rs:fill:120:80/plain/local:///{SAMPLE}@png"
    )
    assert status == 200, body[:500]
    assert headers.get("Content-Type") == "image/png"
    image = pyvips.Image.new_from_buffer(body, "")
    assert image.get("vips-loader") == "pngload_buffer"
    assert (image.width, image.height) == (120, 80)

    assert stop(server.process) is not None, "the server ignored SIGTERM for the stop grace period"
    probe = subprocess.run(
        health,
        check=False,
        cwd=server.workdir,
        env=server.env,
        capture_output=True,
        timeout=timeout,
    )
    assert probe.returncode == 1, probe
