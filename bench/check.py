"""One request per URL before the load test: every URL must answer 200 with the right image."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from bench.ceiling import Output, probe
from bench.mix import Job

_CONTENT_TYPE = {"jpg": "image/jpeg", "webp": "image/webp"}
_LOADER = {"jpg": "jpegload_buffer", "webp": "webpload_buffer"}


@dataclass
class CheckReport:
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _check_one(job: Job, response: httpx.Response, expected: Output, report: CheckReport) -> None:
    where = f"GET {job.path}"
    if response.status_code != 200:
        report.failures.append(f"{where}: HTTP {response.status_code} {response.text[:200]!r}")
        return
    ext = job.transform.ext
    content_type = response.headers.get("content-type", "")
    if content_type.split(";")[0].strip() != _CONTENT_TYPE[ext]:
        report.warnings.append(
            f"{where}: Content-Type {content_type!r}, expected {_CONTENT_TYPE[ext]}"
        )
    try:
        loader, width, height = probe(response.content)
    except Exception as exc:
        report.failures.append(f"{where}: body is not an image libvips can read ({exc})")
        return
    if loader != _LOADER[ext]:
        report.failures.append(f"{where}: body decodes with {loader}, expected {_LOADER[ext]}")
    if (width, height) != (expected.width, expected.height):
        report.warnings.append(
            f"{where}: {width}x{height}, pyvips thumbnail gives {expected.width}x{expected.height}"
        )


def check_urls(base_url: str, jobs: list[Job], expected: dict[str, Output]) -> CheckReport:
    report = CheckReport()
    with httpx.Client(base_url=base_url, timeout=60.0) as client:
        for job in jobs:
            try:
                response = client.get(job.path)
            except httpx.HTTPError as exc:
                report.failures.append(f"GET {job.path}: {type(exc).__name__}: {exc}")
                continue
            _check_one(job, response, expected[job.path], report)
    return report
