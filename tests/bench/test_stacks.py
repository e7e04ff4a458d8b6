"""py-spy's raw stacks sorted into kinds of work, and each thread's CPU shared among them.

The stacks below are shortened copies of ones py-spy 0.4 recorded (`--native --threads -f raw`)
on the proxy under a JPEG miss load.
"""

from dataclasses import replace

import pytest

from bench.procs import TICKS_PER_S, ThreadCpu
from bench.stacks import MIN_SAMPLES, WORK, Frame, classify, parse_raw, split_cpu, split_lines

LOOP = "thread (500): MainThread;0x7f9266e4524a (libc.so.6);Loop__run (loop.c:20313);"
TASK = LOOP + "task_step (_asynciomodule.c:2990);"
POOL = (
    "thread (501): vips_0;Thread.run (threading.py:982);"
    "_worker (concurrent/futures/thread.py:83);render (transforms/pipeline.py:299);"
)
IDLE_POOL = "thread (501): vips_0;Thread.run (threading.py:982);"
WORKER = "thread (502): Dummy-2;"
CALL = (
    "Image.__getattr__.<locals>.call_function (pyvips/vimage.py:1406);"
    "Operation.call (pyvips/voperation.py:299);"
)
LIBVIPS = "libvips-e42572c0.so.42"
LIBPYTHON = "libpython3.11.so.1.0"
GIL_WAIT = "pthread_cond_timedwait (libc.so.6);0x7fce578a3f16 (libc.so.6)"

STACKS = [
    (
        TASK,
        "OriginalsCache._load (imgproxy/origins/caching.py:73);"
        "AsyncClient.send (httpx/_client.py:1629)",
        30,
    ),
    (TASK, "RequestResponseCycle.run_asgi (uvicorn/protocols/http/httptools_impl.py:420)", 10),
    (TASK, "ProcessingPool.run_cancellable (transforms/executor.py:84)", 5),
    (LOOP, "uv__io_poll (linux.c:1452);epoll_pwait (libc.so.6)", 50),
    (LOOP, f"loop___loop_alloc_buffer (loop.c:68338);{GIL_WAIT}", 5),
    (POOL, f"_read_scan (transforms/short_data.py:104);sre_search ({LIBPYTHON})", 10),
    (POOL, f"_jpeg (transforms/encode.py:22);{CALL}0x7fce557d3989 ({LIBVIPS})", 30),
    (POOL, f"{CALL}g_cond_wait ({LIBVIPS});syscall (libc.so.6)", 40),
    (
        POOL,
        f"scale (transforms/steps/scale.py:16);{CALL}g_logv ({LIBVIPS});"
        f"cffi_call_python (_cffi_backend.so);gil_ensure (_cffi_backend.so);{GIL_WAIT}",
        20,
    ),
    (
        IDLE_POOL,
        "_worker (concurrent/futures/thread.py:81);"
        "_queue_SimpleQueue_get_impl (_queuemodule.c:253);"
        f"PyThread_acquire_lock_timed ({LIBPYTHON});0x7fce578aed90 (libc.so.6)",
        60,
    ),
    (WORKER, f"g_cond_wait_until ({LIBVIPS});syscall (libc.so.6)", 70),
    (WORKER, f"0x7fce551e07bd ({LIBVIPS});0x7fce550f13c3 ({LIBVIPS})", 20),
    (
        "thread (503): memory-release;Thread.run (threading.py:982);",
        "run (imgproxy/memory_release.py:40);malloc_trim (libc.so.6);madvise (libc.so.6)",
        4,
    ),
    ("thread (0x1F8): Dummy-9;", f"0x7fce551e07bd ({LIBVIPS})", 3),
]


def _raw(stacks: list[tuple[str, str, int]]) -> str:
    lines = [f"{head}{frames} {count}" for head, frames, count in stacks]
    return "\n".join(lines) + "\n\nnot a stack line\n"


RAW = _raw(STACKS)


def _cpu(tid: int, seconds: float, name: str = "python") -> tuple[int, ThreadCpu]:
    return tid, ThreadCpu(tid, name, round(seconds * TICKS_PER_S))


THREAD_CPU = dict(
    [
        _cpu(500, 1.0),
        _cpu(501, 2.0),
        _cpu(502, 3.0, "libvips worker"),
        _cpu(503, 0.1),
        _cpu(504, 0.2, "libvips worker"),
        _cpu(505, 1.0, "libvips worker"),  # never held a Python thread state
        _cpu(506, 0.5),  # a thread py-spy did not see
    ]
)


def test_raw_lines_give_thread_ids_names_frames_and_counts() -> None:
    stacks = parse_raw(RAW)
    assert len(stacks) == 14  # the blank line and the line without a count are skipped
    first = stacks[0]
    assert (first.tid, first.thread, first.count) == (500, "MainThread", 30)
    assert first.frames[0] == Frame("0x7f9266e4524a", "libc.so.6")
    assert first.frames[-1] == Frame("AsyncClient.send", "httpx/_client.py:1629")
    assert first.frames[-1].is_python and not first.frames[2].is_python
    assert stacks[-1].tid == 0x1F8  # py-spy spells some thread ids in hex
    assert [f.name for f in stacks[5].native_tail] == ["sre_search"]


def test_each_stack_is_one_kind_of_work_or_a_wait() -> None:
    kinds = [classify(stack, loop_tid=500) for stack in parse_raw(RAW)]
    assert kinds == [
        "fetch",
        "HTTP in/out",
        "HTTP in/out",  # the event loop handing work to the pool
        "idle",  # epoll
        "waiting for the GIL",  # the event loop itself
        "Python around libvips",  # a regular expression in a pool thread
        "libvips",
        "idle",  # the pool thread waits for libvips' own threads
        "waiting for the GIL",  # libvips' log handler calls back into Python
        "idle",  # a pool thread waiting for work
        "idle",  # a libvips thread waiting for work
        "libvips",
        "other",
        "libvips",
    ]


@pytest.mark.parametrize(
    "leaf",
    [
        "0x7f0bd0fec873 (libjpeg-6dc8d115.so.62.4.0)",
        "0x7f0bd617154a (libc.so.6)",  # memset inside the decoder
    ],
)
def test_libjpeg_turbo_through_pillow_is_codec_work(leaf: str) -> None:
    raw = (
        f"{POOL}decode (transforms/decoders/pillow_fallback.py:101);"
        "ImageFile.load (PIL/ImageFile.py:425);_decode (decode.c:136);"
        f"ImagingJpegDecode (JpegDecode.c:240);{leaf} 7"
    )
    assert [classify(stack, loop_tid=500) for stack in parse_raw(raw)] == ["libvips"]


def test_pillows_python_stays_python_around_libvips() -> None:
    raw = (
        f"{POOL}decode (transforms/decoders/pillow_fallback.py:95);"
        "JpegImageFile.__init__ (PIL/ImageFile.py:140) 3"
    )
    assert [classify(stack, loop_tid=500) for stack in parse_raw(raw)] == ["Python around libvips"]


TURBO = (
    "decoded (transforms/decoders/jpeg_turbo.py:60);pixels (transforms/decoders/jpeg_turbo.py:82)"
)


def test_libjpeg_turbo_through_simplejpeg_is_codec_work() -> None:
    raw = f"{POOL}{TURBO};0x7fdf3d6088a9 (simplejpeg/_jpeg.cpython-311-x86_64-linux-gnu.so) 5"
    assert [classify(stack, loop_tid=500) for stack in parse_raw(raw)] == ["libvips"]


@pytest.mark.parametrize(
    ("leaf", "kind"),
    [
        (TURBO, "libvips"),  # the compiled decode leaves no frame of its own
        ("decoded (transforms/decoders/jpeg_turbo.py:60)", "Python around libvips"),
        ("_copy_metadata (transforms/decoders/jpeg_turbo.py:95)", "Python around libvips"),
    ],
)
def test_python_stacks_only_count_the_simplejpeg_call_as_codec_work(leaf: str, kind: str) -> None:
    [stack] = parse_raw(f"{POOL}{leaf} 4")
    assert classify(stack, loop_tid=500, native=False) == kind


SAVED = "_saved (transforms/pillow_savers.py:115);Image.save (PIL/Image.py:2712);"


@pytest.mark.parametrize(
    ("leaf", "kind"),
    [
        ("_save (PIL/WebPImagePlugin.py:329)", "libvips"),  # libwebp's encode
        ("_save (PIL/JpegImagePlugin.py:840);_encode_tile (PIL/ImageFile.py:699)", "libvips"),
        ("ImageFile.load (PIL/ImageFile.py:425)", "libvips"),  # libjpeg-turbo's decode
        ("Image.frombuffer (PIL/Image.py:3254)", "Python around libvips"),
        ("_save (PIL/JpegImagePlugin.py:790)", "Python around libvips"),  # not the codec's call
    ],
)
def test_python_stacks_only_count_a_pillow_codec_call_as_codec_work(leaf: str, kind: str) -> None:
    [stack] = parse_raw(f"{POOL}{SAVED}{leaf} 4")
    assert classify(stack, loop_tid=500, native=False) == kind


def test_python_stacks_only_see_a_pool_thread_waiting_for_its_next_job() -> None:
    waiting = f"{IDLE_POOL}_worker (concurrent/futures/thread.py:81) 30"
    working = f"{POOL}_read_scan (transforms/short_data.py:104) 10"
    stacks = parse_raw(f"{waiting}\n{working}")
    assert [classify(stack, loop_tid=500, native=False) for stack in stacks] == [
        "idle",
        "Python around libvips",
    ]
    split = split_cpu("miss-webp", stacks, dict([_cpu(501, 2.0)]), 500, requests=100, native=False)
    assert split.work_ms["Python around libvips"] == pytest.approx(20.0)  # all of its CPU
    assert split.work_ms["other"] == 0.0


@pytest.mark.parametrize(
    "leaf",
    [
        "WebPEncode (_webp.c:640);0x7f3a1c2b9d10 (libwebp-d8b4d4ed.so.7.1.10)",
        "0x7f3a1c0e5a21 (libsharpyuv-60a7c6b4.so.0.1.1)",
        "ImagingJpegEncode (JpegEncode.c:301);0x7f0bd617154a (libc.so.6)",
    ],
)
def test_native_stacks_in_pillows_encoders_are_codec_work(leaf: str) -> None:
    [stack] = parse_raw(f"{POOL}{SAVED}_save (PIL/WebPImagePlugin.py:329);{leaf} 4")
    assert classify(stack, loop_tid=500) == "libvips"


def test_each_threads_cpu_is_shared_by_its_samples_that_are_not_waits() -> None:
    split = split_cpu("miss-jpeg", parse_raw(RAW), THREAD_CPU, loop_tid=500, requests=100)
    assert split.requests == 100
    assert split.cpu_ms == pytest.approx(78.0)  # 7.8 s over 100 images
    assert split.loop_ms == pytest.approx(10.0)
    assert split.work_ms == pytest.approx(
        {
            "fetch": 1000 * (1.0 * 30 / 45) / 100,
            "HTTP in/out": 1000 * (1.0 * 15 / 45) / 100,
            "Python around libvips": 1000 * (2.0 * 10 / 40) / 100,
            "libvips": 1000 * (2.0 * 30 / 40 + 3.0 + 0.2 + 1.0) / 100,
            "other": 1000 * (0.1 + 0.5) / 100,
        }
    )
    assert split.samples == 137  # every sample that is not idle
    assert split.gil_share == pytest.approx(25 / 137)


def test_the_summary_table_has_one_row_per_scenario() -> None:
    split = split_cpu("miss-jpeg", parse_raw(RAW), THREAD_CPU, loop_tid=500, requests=100)
    lines = split_lines([split])
    assert lines[0].startswith("| scenario | requests | CPU ms/image | event loop ms | fetch |")
    assert lines[0].count("|") == lines[1].count("|") == lines[2].count("|")
    assert lines[2] == (
        "| miss-jpeg | 100 | 78.0 | 10.00 | 6.7 (9%) | 3.3 (4%) | 5.0 (6%) | 57.0 (73%) "
        "| 6.0 (8%) | 18% | 137 |"
    )


def test_a_row_of_too_few_samples_shows_its_cpu_but_no_split() -> None:
    split = split_cpu("miss-jpeg", parse_raw(RAW), THREAD_CPU, loop_tid=500, requests=100)
    sparse = replace(split, samples=MIN_SAMPLES - 1)
    assert split_lines([sparse])[2] == (
        f"| miss-jpeg | 100 | 78.0 | 10.00 |  |  |  |  |  |  | {MIN_SAMPLES - 1} |"
    )
    assert split_lines([replace(split, samples=MIN_SAMPLES)])[2].count("%") == len(WORK) + 1


def test_no_requests_and_no_samples_still_give_a_row() -> None:
    split = split_cpu("miss-png", [], {}, loop_tid=1, requests=0)
    assert (split.cpu_ms, split.samples, split.gil_share) == (0.0, 0, 0.0)
    assert split_lines([split])[2].startswith("| miss-png | 0 | 0.0 | 0.00 |  |")


def test_a_curl_download_is_a_fetch_and_anyio_in_the_server_is_not() -> None:
    curl, server = parse_raw(
        "thread (507): ;Thread.run (threading.py:982);"
        "curl_easy_perform (libcurl.so.4);Curl_readwrite (libcurl.so.4) 2\n"
        f"{TASK}BaseHTTPMiddleware.__call__ (starlette/middleware/base.py:185);"
        "TaskGroup.__aexit__ (anyio/_backends/_asyncio.py:767) 3\n"
    )
    assert classify(curl, loop_tid=500) == "fetch"
    assert classify(server, loop_tid=500) == "HTTP in/out"


PYTHON_ONLY = [
    (
        "thread (501): vips_0;Thread.run (threading.py:982);",
        "_worker (concurrent/futures/thread.py:83);render (transforms/pipeline.py:299);"
        f"{CALL}".rstrip(";"),
        30,
    ),
    (POOL, "_read_scan (transforms/short_data.py:104)", 10),
    (TASK.replace("task_step (_asynciomodule.c:2990);", ""), "serve (imgproxy/endpoints.py:9)", 5),
    ("thread (502)", "", 40),
]


def test_python_stacks_only_count_a_pyvips_call_as_libvips_and_say_nothing_of_frameless_ones() -> (
    None
):
    stacks = parse_raw(_raw(PYTHON_ONLY))
    assert [classify(stack, loop_tid=500, native=False) for stack in stacks] == [
        "libvips",  # inside a pyvips call: native libvips, or pyvips' own Python
        "Python around libvips",
        "HTTP in/out",
        "unseen",  # a libvips thread with no Python frame
    ]
    assert classify(stacks[0], loop_tid=500) == "Python around libvips"  # with --native


def test_a_split_from_python_stacks_only_says_so_and_shows_no_gil_share() -> None:
    thread_cpu = dict([_cpu(500, 1.0), _cpu(501, 2.0), _cpu(502, 3.0, "libvips worker")])
    stacks = parse_raw(_raw(PYTHON_ONLY * 3))
    split = split_cpu("miss-jpeg-unsharp", stacks, thread_cpu, 500, requests=100, native=False)
    assert split.work_ms == pytest.approx(
        {
            "fetch": 0.0,
            "HTTP in/out": 10.0,
            "Python around libvips": 1000 * (2.0 * 10 / 40) / 100,
            "libvips": 1000 * (2.0 * 30 / 40 + 3.0) / 100,  # the frameless thread by its name
            "other": 0.0,
        }
    )
    assert split.samples == 3 * 45  # frameless samples are not counted as work
    assert split_lines([split])[2] == (
        "| miss-jpeg-unsharp (Python stacks only) | 100 | 60.0 | 10.00 | 0.0 (0%) | 10.0 (17%) "
        "| 5.0 (8%) | 45.0 (75%) | 0.0 (0%) | n/a | 135 |"
    )
