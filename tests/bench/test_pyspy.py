"""The profiled run: py-spy attached to a real Python server while wrk drives it, and the clear
refusal when py-spy cannot profile the process."""

import subprocess
import sys
from pathlib import Path

import pytest

from bench.pyspy import ProfileError, profiled_run, summarise
from bench.server import HOST, ManagedProcess, free_port
from bench.stacks import WORK, parse_raw
from bench.wrk import lua_script


def test_a_process_that_is_not_python_is_refused_with_py_spys_reason(tmp_path: Path) -> None:
    not_python = subprocess.Popen(["cat"], stdin=subprocess.PIPE)
    try:
        with pytest.raises(ProfileError, match=r"py-spy could not attach: .*python") as caught:
            profiled_run(
                not_python.pid,
                "http://127.0.0.1:9",
                tmp_path / "paths.lua",
                connections=1,
                raw_path=tmp_path / "raw.txt",
                wrk_threads=1,
                seconds=1,
            )
    finally:
        not_python.kill()
        not_python.wait()
    assert "Stack backtrace" not in str(caught.value)
    assert not (tmp_path / "raw.txt").exists()


def test_a_profiled_run_samples_the_server_while_wrk_drives_it(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"x" * 10_000)
    port = free_port()
    command = [sys.executable, "-m", "http.server", "--bind", HOST, str(port)]
    command += ["--directory", str(tmp_path)]
    script = tmp_path / "paths.lua"
    script.write_text(lua_script(["/a.txt"], 1), encoding="utf-8")
    health = f"http://{HOST}:{port}/a.txt"
    with ManagedProcess(command, tmp_path / "server.log", health_url=health, port=port) as server:
        run = profiled_run(
            server.pid,
            server.base_url,
            script,
            connections=2,
            raw_path=tmp_path / "raw.txt",
            wrk_threads=1,
            seconds=2,
        )
        pid = server.pid
    assert run.requests > 0
    stacks = parse_raw(run.raw_path.read_text(encoding="utf-8"))
    assert any(s.tid == pid for s in stacks)  # the main thread, by its OS thread id
    assert any(f.where.startswith("http/server.py") for s in stacks for f in s.frames)
    assert run.thread_cpu[pid].cpu_ticks >= 0
    split = summarise("static", run, loop_tid=pid)
    assert split.requests == run.requests
    assert split.cpu_ms > 0
    assert sum(split.work_ms[w] for w in WORK) == pytest.approx(split.cpu_ms)
