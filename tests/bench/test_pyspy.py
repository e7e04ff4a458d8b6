"""The profiled run: py-spy attached to a real Python server while wrk drives it, and the clear
refusal when py-spy cannot profile the process."""

import subprocess
import sys
from pathlib import Path

import pytest

from bench.pyspy import ATTEMPTS, ProfileError, best_split, profiled_run, summarise
from bench.server import HOST, ManagedProcess, free_port
from bench.stacks import MIN_SAMPLES, WORK, CpuSplit, parse_raw
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


@pytest.mark.parametrize("native", [True, False], ids=["native", "python-only"])
def test_a_profiled_run_samples_the_server_while_wrk_drives_it(
    tmp_path: Path, native: bool
) -> None:
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
            native=native,
        )
        pid = server.pid
    assert run.requests > 0
    stacks = parse_raw(run.raw_path.read_text(encoding="utf-8"))
    assert any(s.tid == pid for s in stacks)  # the main thread, by its OS thread id
    assert any(f.where.startswith("http/server.py") for s in stacks for f in s.frames)
    assert any(not f.is_python for s in stacks for f in s.frames) is native
    assert run.thread_cpu[pid].cpu_ticks >= 0
    split = summarise("static", run, loop_tid=pid)
    assert (run.native, split.native) == (native, native)
    assert split.requests == run.requests
    assert split.cpu_ms > 0
    assert sum(split.work_ms[w] for w in WORK) == pytest.approx(split.cpu_ms)


class _Runs:
    """Profiled runs that give the samples listed, or fail where a message is listed."""

    def __init__(self, native: list[int | str], python: int | str = MIN_SAMPLES) -> None:
        self.native = native
        self.python = python
        self.taken: list[tuple[str, bool]] = []

    def __call__(self, raw_path: Path, native: bool) -> CpuSplit:
        self.taken.append((raw_path.name, native))
        outcome = self.native[len(self.taken) - 1] if native else self.python
        if isinstance(outcome, str):
            raise ProfileError(outcome)
        return CpuSplit("miss-jpeg", 10, 30.0, 2.0, samples=outcome, native=native)


def test_the_first_native_run_with_enough_samples_is_kept(tmp_path: Path) -> None:
    runs, notes = _Runs([MIN_SAMPLES]), []
    split = best_split(runs, tmp_path, "miss-jpeg", notes)
    assert split is not None and split.native
    assert runs.taken == [("miss-jpeg.txt", True)]
    assert notes == []


def test_a_sparse_native_run_is_taken_again_and_the_fuller_kept(tmp_path: Path) -> None:
    runs, notes = _Runs([30, MIN_SAMPLES + 5]), []
    split = best_split(runs, tmp_path, "miss-jpeg", notes)
    assert split is not None and split.native and split.samples == MIN_SAMPLES + 5
    assert runs.taken == [("miss-jpeg.txt", True), ("miss-jpeg-2.txt", True)]
    assert notes == []
    assert ATTEMPTS == 2


def test_sparse_native_runs_give_way_to_a_fuller_run_of_python_stacks(tmp_path: Path) -> None:
    runs, notes = _Runs([30, 60], python=MIN_SAMPLES), []
    split = best_split(runs, tmp_path, "miss-jpeg", notes)
    assert split is not None and not split.native and split.samples == MIN_SAMPLES
    assert runs.taken == [
        ("miss-jpeg.txt", True),
        ("miss-jpeg-2.txt", True),
        ("miss-jpeg-python.txt", False),
    ]
    assert notes == ["miss-jpeg: native runs took 60 working samples: Python stacks too"]


def test_when_every_run_is_sparse_the_fullest_is_kept_and_said_too_few(tmp_path: Path) -> None:
    runs, notes = _Runs([30, 60], python=40), []
    split = best_split(runs, tmp_path, "miss-jpeg", notes)
    assert split is not None and split.native and split.samples == 60
    assert notes == [
        "miss-jpeg: native runs took 60 working samples: Python stacks too",
        "miss-jpeg: py-spy took 60 working samples, too few to split",
    ]


def test_native_stacks_that_cannot_be_unwound_give_way_to_python_stacks(tmp_path: Path) -> None:
    runs, notes = _Runs(["py-spy could not attach: UNW_EBADREG"]), []
    split = best_split(runs, tmp_path, "miss-jpeg-unsharp", notes)
    assert split is not None and not split.native
    assert runs.taken == [("miss-jpeg-unsharp.txt", True), ("miss-jpeg-unsharp-python.txt", False)]
    assert notes == ["miss-jpeg-unsharp: no native profile: py-spy could not attach: UNW_EBADREG"]


def test_when_no_run_can_be_taken_there_is_no_split_and_the_notes_say_why(tmp_path: Path) -> None:
    runs, notes = _Runs(["not permitted"], python="still not permitted"), []
    assert best_split(runs, tmp_path, "miss-png", notes) is None
    assert notes == [
        "miss-png: no native profile: not permitted",
        "miss-png: no profile: still not permitted",
    ]
