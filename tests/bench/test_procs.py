"""Per-thread CPU from /proc: which threads run the event loop, and what each thread spent.

Synthetic /proc trees for the layouts (one process; a supervisor with forked workers, or with
spawned workers and a resource tracker), and one real child process for the sampler.
"""

import subprocess
import sys
from pathlib import Path

from bench.procs import (
    TICKS_PER_S,
    Sampler,
    ThreadCpu,
    main_threads_cpu_seconds,
    serving_processes,
    threads,
    threads_delta,
    wait_until_idle,
)


def _stat(pid: int, ppid: int, ticks: int, name: str = "python") -> str:
    # fields after the name: state ppid ... utime (14) stime (15) ... rss (24)
    return f"{pid} ({name}) S {ppid} 0 0 0 0 0 0 0 0 0 {ticks} 0 0 0 0 0 0 0 0 0 100"


def _process(proc: Path, pid: int, ppid: int, cmdline: list[str], tasks: dict[int, int]) -> None:
    directory = proc / str(pid)
    (directory / "task").mkdir(parents=True)
    (directory / "stat").write_text(_stat(pid, ppid, sum(tasks.values())), encoding="utf-8")
    (directory / "cmdline").write_bytes(b"\0".join(a.encode() for a in cmdline) + b"\0")
    for tid, ticks in tasks.items():
        (directory / "task" / str(tid)).mkdir()
        name = "python" if tid == pid else "libvips worker"
        (directory / "task" / str(tid) / "stat").write_text(
            _stat(tid, ppid, ticks, name), encoding="utf-8"
        )
        (directory / "task" / str(tid) / "comm").write_text(name + "\n", encoding="utf-8")


PYTHON = "/venv/bin/python"
SPAWNED = [PYTHON, "-B", "-c", "from multiprocessing.spawn import spawn_main; spawn_main()"]
TRACKER = [PYTHON, "-B", "-c", "from multiprocessing.resource_tracker import main;main(6)"]


def test_one_process_serves_on_its_own_main_thread(tmp_path: Path) -> None:
    _process(tmp_path, 100, 1, [PYTHON, "-m", "imgproxy", "serve"], {100: 250, 101: 900})
    _process(tmp_path, 200, 1, [PYTHON, "-m", "other"], {200: 5})
    assert serving_processes(100, tmp_path) == [100]
    assert main_threads_cpu_seconds([100], tmp_path) == 250 / TICKS_PER_S  # not thread 101


def test_with_several_processes_the_spawned_workers_serve(tmp_path: Path) -> None:
    _process(tmp_path, 100, 1, [PYTHON, "-m", "imgproxy", "serve"], {100: 40})
    _process(tmp_path, 110, 100, TRACKER, {110: 1})
    _process(tmp_path, 120, 100, SPAWNED, {120: 300, 121: 700})
    _process(tmp_path, 130, 100, SPAWNED, {130: 200, 131: 800})
    _process(tmp_path, 140, 120, SPAWNED, {140: 999})  # a grandchild is not a worker
    workers = serving_processes(100, tmp_path)
    assert workers == [120, 130]
    assert main_threads_cpu_seconds(workers, tmp_path) == 500 / TICKS_PER_S


def test_with_several_processes_the_forked_workers_serve(tmp_path: Path) -> None:
    serve = [PYTHON, "-m", "imgproxy", "serve"]
    _process(tmp_path, 100, 1, serve, {100: 40})
    _process(tmp_path, 120, 100, serve, {120: 300, 121: 700})
    _process(tmp_path, 130, 100, serve, {130: 200, 131: 800})
    _process(tmp_path, 135, 100, ["/usr/bin/ffmpeg", "-i", "-"], {135: 50})  # not a worker
    _process(tmp_path, 140, 120, serve, {140: 999})  # a grandchild is not a worker
    workers = serving_processes(100, tmp_path)
    assert workers == [120, 130]
    assert main_threads_cpu_seconds(workers, tmp_path) == 500 / TICKS_PER_S


def test_a_single_process_with_a_child_of_its_own_serves_itself(tmp_path: Path) -> None:
    _process(tmp_path, 100, 1, [PYTHON, "-m", "imgproxy", "serve"], {100: 40})
    _process(tmp_path, 135, 100, ["/usr/bin/ffmpeg", "-i", "-"], {135: 50})
    assert serving_processes(100, tmp_path) == [100]


def test_threads_and_what_each_spent_between_two_readings(tmp_path: Path) -> None:
    _process(tmp_path, 100, 1, [PYTHON], {100: 10, 101: 20})
    before = threads(100, tmp_path)
    assert before == {100: ThreadCpu(100, "python", 10), 101: ThreadCpu(101, "libvips worker", 20)}
    after = {
        100: ThreadCpu(100, "python", 35),
        102: ThreadCpu(102, "libvips worker", 7),  # started between the readings
    }
    assert threads_delta(before, after) == {
        100: ThreadCpu(100, "python", 25),
        102: ThreadCpu(102, "libvips worker", 7),
    }
    assert threads(999, tmp_path) == {}  # a process that is gone has no threads


BURNER = """
import hashlib, sys, threading
def burn():
    data = b"x" * 1_000_000
    for _ in range(300):
        hashlib.sha256(data).digest()
print("ready", flush=True)
for line in sys.stdin:
    worker = threading.Thread(target=burn)
    worker.start()
    worker.join()
    print("done", flush=True)
"""


def test_the_sampler_tells_the_event_loop_thread_from_the_others() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", BURNER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        assert child.stdout.readline() == "ready\n"
        with Sampler([child.pid], event_loops=True) as sampler:
            child.stdin.write("go\n")
            child.stdin.flush()
            assert child.stdout.readline() == "done\n"
    finally:
        child.kill()
        child.wait()
    assert sampler.loop_cpu_seconds is not None
    assert sampler.cpu_seconds > 0.05  # the thread hashed 300 MB
    assert sampler.loop_cpu_seconds < sampler.cpu_seconds / 4  # its main thread only waited
    assert Sampler([child.pid]).loop_cpu_seconds is None  # not asked for


def test_waiting_for_a_tree_to_go_idle_ends_for_an_idle_one_and_not_for_a_busy_one() -> None:
    idle = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        assert wait_until_idle([idle.pid], timeout_s=5.0)
        assert not wait_until_idle([busy.pid], timeout_s=0.6)
    finally:
        busy.kill()
        idle.kill()
        busy.wait()
        idle.wait()
