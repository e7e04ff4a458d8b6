"""The header of a printed result (machine, versions, load) and the method in brief."""

from __future__ import annotations

import importlib.metadata

from bench.ceiling import vips_version
from bench.machine import Machine
from bench.measure import WRK_THREADS, Load
from bench.nginx import nginx_version
from bench.scenario_run import redis_version
from bench.thumbor import thumbor_installed, thumbor_version


def header_lines(machine: Machine, cores: int, load: Load) -> list[str]:
    thumbor = thumbor_version() if thumbor_installed() else "thumbor not installed"
    return [
        f"date:      {machine.date}",
        f"machine:   {machine.cpu_model}, nproc {machine.nproc}",
        f"software:  Python {machine.python}, libvips {vips_version()}, "
        f"pyvips {importlib.metadata.version('pyvips')}, {thumbor}, nginx {nginx_version()}, "
        f"{redis_version()}, {machine.wrk}",
        f"cores:     {cores} (ceiling threads, thumbor instances, "
        "our workers per process x processes)",
        f"load:      wrk -t{WRK_THREADS}, {load.duration_s} s measured "
        f"after a {load.warmup_s} s warm-up",
    ]


def method_lines() -> list[str]:
    return [
        "Every server fetches the sources over HTTP from one nginx on loopback serving "
        "`bench/photos`. Ratios compare rows of the same scenario in the same run. "
        "`ours ÷ ceiling` is against the pyvips in-process loop for misses and against a bare "
        "Starlette app answering the same bytes (same process count) for hits. Peak RSS and CPU "
        "seconds are of the server's process tree (thumbor: its instances, not its nginx front), "
        "read from /proc. `q` is the encoder quality: thumbor's is 80, ours is chosen per scenario "
        "so that the mean output size matches thumbor's.",
    ]
