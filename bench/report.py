"""The header of a printed result (machine, versions, load), the method in brief, and the CPU
split of the profiled runs."""

from __future__ import annotations

import importlib.metadata

from bench.ceiling import vips_version
from bench.machine import Machine
from bench.measure import WRK_THREADS, Load
from bench.nginx import nginx_version
from bench.pyspy import RATE_HZ
from bench.rounds import ROUNDS, round_seconds
from bench.scenario_run import PROFILE_SECONDS, redis_version
from bench.stacks import MIN_SAMPLES, CpuSplit, split_lines
from bench.thumbor import thumbor_installed, thumbor_version


def header_lines(machine: Machine, cores: int, load: Load) -> list[str]:
    thumbor = thumbor_version() if thumbor_installed() else "thumbor not installed"
    return [
        f"date:      {machine.date}",
        f"machine:   {machine.cpu_model}, nproc {machine.nproc}",
        f"software:  Python {machine.python}, libvips {vips_version()}, "
        f"pyvips {importlib.metadata.version('pyvips')}, {thumbor}, nginx {nginx_version()}, "
        f"{redis_version()}, {machine.wrk}",
        f"malloc:    GLIBC_TUNABLES={machine.glibc_tunables or '(none)'} in every process: "
        "the ceiling, thumbor and ours (the server's default)",
        f"cores:     {cores} (ceiling threads, thumbor instances, our largest process count; "
        f"our workers: {2 * cores}, split across the processes)",
        f"load:      wrk -t{WRK_THREADS}, {load.duration_s} s measured "
        f"after a {load.warmup_s} s warm-up; in miss and hit scenarios {ROUNDS} alternating "
        f"rounds of {round_seconds(load.duration_s)} s per server (thumbor's hits in one go)",
    ]


def method_lines() -> list[str]:
    return [
        "Every server fetches the sources over HTTP from one nginx on loopback serving "
        "`bench/photos`. Ratios compare rows of the same scenario in the same run. "
        "`ours ÷ ceiling` is against the pyvips in-process loop for misses and, for hits, against "
        "a bare Starlette app (same process count) answering the same bytes from memory (L1) or "
        "with one redis-py GET each from the same Redis (L2). Peak RSS and CPU per image are of "
        "the server's process tree (thumbor: its instances, not its nginx front), read from "
        "/proc. `event loop` is the CPU of the serving processes' main threads, where uvicorn "
        "runs the event loop. `overhead` is our CPU per image minus the ceiling's, for misses. "
        "`q` is the encoder quality: thumbor's is 80, ours is chosen per scenario so that the "
        "mean output size matches thumbor's.",
    ]


def profile_lines(splits: list[CpuSplit]) -> list[str]:
    intro = (
        f"Where the CPU goes per miss: ours, 1 process, in a run of {PROFILE_SECONDS} s of its "
        f"own after the measured one, with `py-spy record --native` ({RATE_HZ} Hz) attached. "
        "Each thread's CPU (from /proc) is shared among the kinds of work by that thread's "
        "samples; waits are left out. `fetch`: stacks through the origins and the HTTP client; "
        "`HTTP in/out`: the rest of the event-loop thread (server, middleware, endpoints, "
        "responses); `Python around libvips`: Python in the processing threads; `libvips`: "
        "native code under a pyvips call, libvips' own threads and the codecs called beside it "
        "(libjpeg-turbo through simplejpeg and Pillow, libwebp). py-spy pauses the process "
        "for each sample, so this run is slower than the measured one: read the shares, not "
        f"the totals. A run with fewer than {MIN_SAMPLES} working samples is taken once more; "
        "if that one has no more, or where py-spy cannot unwind the native stacks (libunwind's "
        "UNW_EBADREG), a run of Python stacks only is taken too and the fullest kept (the notes "
        "say which); a row on Python stacks only says so: a pyvips call or a codec call "
        "counts as `libvips` whole, and waits for the GIL cannot be told from work (n/a). "
        f"A row still short of {MIN_SAMPLES} samples shows no split."
    )
    if not splits:
        return [
            intro,
            "",
            "No profile was taken (`--no-profile`, no miss scenario, or see the notes).",
        ]
    return [intro, "", *split_lines(splits)]
