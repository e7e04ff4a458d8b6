"""Where a server's CPU goes per miss: py-spy's raw stacks (`record --native --threads -f raw`)
sorted into a few kinds of work, weighted by each thread's CPU time from /proc.

py-spy sees a thread only while it holds a Python thread state, and a sample says what a thread
was doing, not whether it was on a core. So the CPU seconds of each thread (from
/proc/<pid>/task) are split between the kinds of work in proportion to that thread's samples
that are not waits; a thread with no such samples (libvips' own workers, mostly) gives its CPU
to `libvips` when the kernel names it "libvips worker", else to `other`. Samples of a thread
waiting for the GIL are counted apart: they are time, not CPU.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from bench.procs import TICKS_PER_S, ThreadCpu

Work = Literal["fetch", "HTTP in/out", "Python around libvips", "libvips", "other"]
WORK: tuple[Work, ...] = ("fetch", "HTTP in/out", "Python around libvips", "libvips", "other")
Kind = Work | Literal["waiting for the GIL", "idle", "unseen"]
"""`unseen`: a sample of Python stacks only (no `--native`) with no frame at all, which says
nothing of what the thread did."""

_PYTHON_FILE = re.compile(r"\.pyx?(:\d+)?$|^<frozen ")
_THREAD = re.compile(r"^thread \((0x[0-9a-fA-F]+|\d+)\)(?:: (.*))?$")

FETCH_FILES = ("imgproxy/origins/", "imgproxy/downloads.py")
FETCH_PACKAGES = ("httpx/", "httpcore/", "aiohttp/", "aiohappyeyeballs/")
"""h11 and anyio are left out: the server uses them too; a fetch through them is under httpcore."""
FETCH_LIBRARIES = ("pycurl", "libcurl")
SERVER_PACKAGES = ("uvicorn/", "starlette/")
"""Off the event loop, HTTP work is Starlette running a sync endpoint in a worker thread."""
RENDER_PACKAGES = ("transforms/", "pyvips/")
CODEC_CODE = (
    "libjpeg",
    "JpegDecode.c",
    "JpegEncode.c",
    "libwebp",
    "libsharpyuv",
    "_webp.",
    "simplejpeg",
)
"""The codecs the render calls outside libvips: libjpeg-turbo decoding through simplejpeg
(`transforms/decoders/jpeg_turbo.py`, linked into its extension module), libjpeg-turbo
encoding and libwebp through Pillow (`transforms/pillow_savers.py`), counted with libvips as
the codec work they are."""
CODEC_CALLS = frozenset(
    {
        ("ImageFile.load", "PIL/ImageFile.py"),
        ("_encode_tile", "PIL/ImageFile.py"),
        ("_save", "PIL/WebPImagePlugin.py"),
        ("pixels", "transforms/decoders/jpeg_turbo.py"),
    }
)
"""The Python functions that call a decoder or an encoder (Pillow's, and ours around
simplejpeg, whose compiled call leaves no frame): where Python stacks alone end in one, the
thread is in the codec, as a stack ending in pyvips' Python is in libvips."""
LIBVIPS_WORKER = "libvips worker"
POOL_LOOP = "concurrent/futures/thread.py:"

IDLE_CALLS = frozenset(
    {
        "epoll_wait",
        "epoll_pwait",
        "epoll_pwait2",
        "select",
        "pselect",
        "poll",
        "ppoll",
        "accept",
        "accept4",
        "nanosleep",
        "clock_nanosleep",
        "sigtimedwait",
        "sigwaitinfo",
        "waitpid",
        "wait4",
        # a Python lock, queue or event (CPython's locks are semaphores; the GIL is not)
        "sem_wait",
        "sem_timedwait",
        "sem_clockwait",
        "PyThread_acquire_lock",
        "PyThread_acquire_lock_timed",
        # a libvips thread waiting for work, or a caller waiting for libvips' threads
        "g_cond_wait",
        "g_cond_wait_until",
    }
)
GIL_CALLS = frozenset(
    {
        "take_gil",
        "drop_gil",
        "gil_ensure",
        "PyEval_RestoreThread",
        "PyEval_AcquireThread",
        "PyEval_AcquireLock",
        "PyGILState_Ensure",
        "pthread_cond_wait",
        "pthread_cond_timedwait",
        "pthread_cond_clockwait",
    }
)
"""What a thread shows while it waits for the GIL: CPython's GIL is a condition variable."""
PASS_THROUGH = frozenset({"syscall"})
"""Leaf frames that say nothing by themselves: the caller above them decides."""


@dataclass(frozen=True)
class Frame:
    name: str
    where: str
    """`file.py:line` for Python code; the library (or C file) for native code."""

    @property
    def is_python(self) -> bool:
        return bool(_PYTHON_FILE.search(self.where))

    @property
    def resolved(self) -> bool:
        return not self.name.startswith("0x")


@dataclass(frozen=True)
class Stack:
    tid: int
    thread: str
    frames: tuple[Frame, ...]
    count: int

    @property
    def native_tail(self) -> tuple[Frame, ...]:
        """The native frames below the innermost Python frame (all of them when there is none)."""
        last = max((i for i, f in enumerate(self.frames) if f.is_python), default=-1)
        return self.frames[last + 1 :]


def _frame(text: str) -> Frame:
    name, _, where = text.rpartition(" (")
    if not name:
        return Frame(text, "")
    return Frame(name, where.removesuffix(")"))


def parse_raw(text: str) -> list[Stack]:
    """py-spy's raw format: one line per distinct stack, `thread (TID): NAME;outer;...;inner N`."""
    stacks: list[Stack] = []
    for line in text.splitlines():
        body, _, count = line.rstrip().rpartition(" ")
        if not body or not count.isdigit():
            continue
        parts = body.split(";")
        tid, thread = 0, ""
        match = _THREAD.match(parts[0])
        if match:
            tid, thread = int(match.group(1), 0), match.group(2) or ""
            parts = parts[1:]
        stacks.append(Stack(tid, thread, tuple(_frame(p) for p in parts if p), int(count)))
    return stacks


def _wait(tail: Sequence[Frame]) -> Kind | None:
    """From the leaf up, the first named native call decides whether the thread was waiting."""
    for frame in reversed(tail):
        if not frame.resolved or frame.name in PASS_THROUGH:
            continue
        if frame.name in IDLE_CALLS:
            return "idle"
        if frame.name in GIL_CALLS:
            return "waiting for the GIL"
        return None
    return None


def _in(frame: Frame, prefixes: Iterable[str]) -> bool:
    return any(frame.where.startswith(p) for p in prefixes)


def _pool_waiting(frame: Frame) -> bool:
    """A pool thread between jobs: its innermost Python frame is the pool's loop itself, which
    runs nothing of its own but the wait for the next job."""
    return frame.name == "_worker" and frame.where.startswith(POOL_LOOP)


def _codec_call(frame: Frame) -> bool:
    file = frame.where.rpartition(":")[0]
    return any(frame.name == name and file.endswith(where) for name, where in CODEC_CALLS)


def classify(stack: Stack, loop_tid: int, *, native: bool = True) -> Kind:
    """Waits first; then the fetch wherever it runs; native libvips and codec code; then by
    thread: the event loop's other work is `HTTP in/out`, a pool thread's Python is `Python
    around libvips`. Without native frames (`native` False) a stack whose innermost frame is
    pyvips' or a codec call is counted as `libvips`: the native call below it cannot be
    told from the Python around it; of the waits only a pool thread's wait for its next job
    can be seen."""
    if not native and not stack.frames:
        return "unseen"
    if not native and _pool_waiting(stack.frames[-1]):
        return "idle"
    waiting = _wait(stack.native_tail)
    if waiting is not None:
        return waiting
    python = [f for f in stack.frames if f.is_python]
    native_frames = [f for f in stack.frames if not f.is_python]
    if any(_in(f, FETCH_FILES + FETCH_PACKAGES) for f in python) or any(
        any(lib in f.where for lib in FETCH_LIBRARIES) for f in native_frames
    ):
        return "fetch"
    if any("vips" in f.where for f in stack.native_tail) and (
        not python or any(_in(f, ("pyvips/",)) for f in python)
    ):
        return "libvips"
    if not native and (_in(stack.frames[-1], ("pyvips/",)) or _codec_call(stack.frames[-1])):
        return "libvips"
    if any(code in f.where for f in stack.native_tail for code in CODEC_CODE):
        return "libvips"
    if stack.tid == loop_tid:
        return "HTTP in/out"
    if any(_in(f, RENDER_PACKAGES) for f in python):
        return "Python around libvips"
    if any(_in(f, SERVER_PACKAGES) for f in python):
        return "HTTP in/out"
    return "other"


@dataclass(frozen=True)
class CpuSplit:
    """One profiled run of one scenario, per image answered."""

    scenario: str
    requests: int
    cpu_ms: float
    """All threads of the process, from /proc."""
    loop_ms: float
    """The event-loop thread (the main thread), from /proc."""
    work_ms: dict[str, float] = field(default_factory=dict)
    gil_share: float = 0.0
    """Samples waiting for the GIL over all samples that are not idle."""
    samples: int = 0
    """Samples that are not idle."""
    native: bool = True
    """From native and Python stacks; else Python's only (see `classify`)."""


def split_cpu(
    scenario: str,
    stacks: Sequence[Stack],
    thread_cpu: Mapping[int, ThreadCpu],
    loop_tid: int,
    requests: int,
    *,
    native: bool = True,
) -> CpuSplit:
    """Each thread's CPU over the run, shared among its kinds of work by its samples."""
    per_thread: dict[int, Counter[Kind]] = {}
    for stack in stacks:
        kind = classify(stack, loop_tid, native=native)
        per_thread.setdefault(stack.tid, Counter())[kind] += stack.count
    seconds: dict[str, float] = dict.fromkeys(WORK, 0.0)
    for tid, cpu in thread_cpu.items():
        cpu_s = max(0, cpu.cpu_ticks) / TICKS_PER_S
        kinds = per_thread.get(tid, Counter())
        working = {w: kinds[w] for w in WORK if kinds[w]}
        total = sum(working.values())
        if not total:
            fallback: Work = "libvips" if cpu.name == LIBVIPS_WORKER else "other"
            seconds["HTTP in/out" if tid == loop_tid else fallback] += cpu_s
            continue
        for work, count in working.items():
            seconds[work] += cpu_s * count / total
    counted = Counter[Kind]()
    for kinds in per_thread.values():
        counted.update(kinds)
    busy = sum(n for kind, n in counted.items() if kind not in ("idle", "unseen"))
    per_image = 1000.0 / requests if requests else 0.0
    loop = thread_cpu.get(loop_tid)
    return CpuSplit(
        scenario=scenario,
        requests=requests,
        cpu_ms=sum(seconds.values()) * per_image,
        loop_ms=(max(0, loop.cpu_ticks) / TICKS_PER_S * per_image) if loop else 0.0,
        work_ms={work: s * per_image for work, s in seconds.items()},
        gil_share=counted["waiting for the GIL"] / busy if busy else 0.0,
        samples=busy,
        native=native,
    )


MIN_SAMPLES = 100
"""Fewer working samples than this share a process's CPU too coarsely to print: py-spy, which
unwinds every thread's native stack per sample, sometimes falls seconds behind."""


def split_lines(splits: Sequence[CpuSplit]) -> list[str]:
    if not splits:
        return []
    head = " | ".join(WORK)
    lines = [
        f"| scenario | requests | CPU ms/image | event loop ms | {head} "
        "| waiting for the GIL (share of samples) | samples |",
        "| --- | ---: | ---: | ---: |" + " ---: |" * len(WORK) + " ---: | ---: |",
    ]
    for split in splits:
        shown = split.cpu_ms and split.samples >= MIN_SAMPLES
        cells = " | ".join(
            f"{split.work_ms.get(w, 0.0):.1f} ({split.work_ms.get(w, 0.0) / split.cpu_ms:.0%})"
            if shown
            else ""
            for w in WORK
        )
        gil = ("n/a" if not split.native else f"{split.gil_share:.0%}") if shown else ""
        scenario = split.scenario if split.native else f"{split.scenario} (Python stacks only)"
        lines.append(
            f"| {scenario} | {split.requests} | {split.cpu_ms:.1f} | {split.loop_ms:.2f} "
            f"| {cells} | {gil} | {split.samples} |"
        )
    return lines
