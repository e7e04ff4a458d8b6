"""The miss path's floor: the bare server fetches and renders as the ceiling does, over real
HTTP, and the floor's table splits CPU per image by kind of thread."""

import os
import sys
from pathlib import Path

import httpx
import pytest
import pyvips

from bench import floor
from bench.bare_miss import parse_target, source_of
from bench.ceiling import transform
from bench.floor import Sample, cpu_by_kind, local_paths, main, table, thread_kind
from bench.mix import CORPUS_DIR
from bench.procs import ThreadCpu
from bench.scenarios import Target
from bench.server import HOST, ManagedProcess, free_port
from tests.support import CORPUS, OriginLog

PHOTO = "jpeg-kde-path-1920x1080.jpg"
SOURCE = "jpeg-baseline-icc.jpg"


def test_a_request_names_its_source_as_our_own_paths_do() -> None:
    assert source_of(f"/insecure/rs:fit:512:512/cb:3/plain/local:///{PHOTO}@jpg") == PHOTO
    assert source_of("/a.png") == "a.png"
    http = "/unsafe/rs:fit:512:512/q:80/cb:7/plain/http://127.0.0.1:81/dir/a.jpg@webp"
    assert source_of(http) == "http://127.0.0.1:81/dir/a.jpg"


def test_targets_are_size_format_and_quality() -> None:
    assert parse_target("300x200:webp:75") == Target(300, 200, "webp", 75)
    with pytest.raises(ValueError, match="gif"):
        parse_target("300x200:gif:75")
    paths = local_paths("jpeg-kde-path-*.jpg", Target(512, 512, "jpeg", 80))
    assert paths[:2] == [
        f"/insecure/rs:fit:512:512/q:80/cb:0/plain/local:///{PHOTO}@jpg",
        f"/insecure/rs:fit:512:512/q:80/cb:1/plain/local:///{PHOTO}@jpg",
    ]


def test_the_bare_server_answers_the_ceilings_render_of_the_named_file_or_url(
    tmp_path: Path, origin: tuple[str, OriginLog]
) -> None:
    origin_url, origin_log = origin
    port = free_port()
    command = [sys.executable, "-m", "bench.bare_miss", "--port", str(port)]
    command += ["--dir", str(CORPUS_DIR), "--workers", "2", "--target", "512x512:jpeg:80"]
    health = f"http://{HOST}:{port}/health"
    target = Target(512, 512, "jpeg", 80)
    with (
        ManagedProcess(command, tmp_path / "bare.log", health_url=health, port=port) as bare,
        httpx.Client(base_url=bare.base_url, timeout=30) as client,
    ):
        answer = client.get(f"/insecure/rs:fit:512:512/cb:1/plain/local:///{PHOTO}@jpg")
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "image/jpeg"
        image = pyvips.Image.new_from_buffer(answer.content, "")
        expected = transform((CORPUS_DIR / PHOTO).read_bytes(), target)
        assert (image.width, image.height) == (expected.width, expected.height) == (512, 288)
        assert len(answer.content) == expected.size
        assert client.get("/no-such-photo.jpg").status_code == 404

        fetched = client.get(f"/unsafe/rs:fit:512:512/plain/{origin_url}/files/{SOURCE}@jpg")
        assert fetched.status_code == 200
        assert len(fetched.content) == transform((CORPUS / SOURCE).read_bytes(), target).size
        assert f"/files/{SOURCE}" in origin_log.paths
        assert client.get(f"/unsafe/x/plain/{origin_url}/files/missing.jpg@jpg").status_code == 404


def test_threads_are_told_apart_by_the_main_thread_and_libvips_names() -> None:
    assert thread_kind(100, ThreadCpu(100, "python", 5)) == "event loop"
    assert thread_kind(100, ThreadCpu(101, "libvips worker", 5)) == "libvips workers"
    assert thread_kind(100, ThreadCpu(102, "python", 5)) == "other threads"
    spent = {
        100: ThreadCpu(100, "python", 50),
        101: ThreadCpu(101, "libvips worker", 300),
        102: ThreadCpu(102, "libvips worker", 100),
        103: ThreadCpu(103, "python", 150),
    }
    by_kind = cpu_by_kind(100, spent)
    ticks = {kind: seconds * os.sysconf("SC_CLK_TCK") for kind, seconds in by_kind.items()}
    assert ticks == pytest.approx({"event loop": 50, "libvips workers": 400, "other threads": 150})


def test_the_table_gives_medians_and_the_distance_from_the_ceiling() -> None:
    def server(images: int, cpu: float, loop: float) -> Sample:
        return Sample(images, 10.0, cpu, {"event loop": loop, "libvips workers": cpu - loop})

    samples = {
        "ceiling": [Sample(800, 10, 16.0, {}), Sample(700, 10, 16.1, {}), Sample(900, 10, 18, {})],
        "ours": [server(600, 18.0, 1.2), server(700, 21.0, 1.4), server(650, 19.5, 1.3)],
    }
    lines = table(samples).splitlines()
    assert lines[2] == "| ceiling | 80.0 | 1.00 | 20.00 | +0.00 |  |  |  |"
    assert lines[3] == "| ours | 65.0 | 0.81 | 30.00 | +10.00 | 2.00 | 28.00 | 0.00 |"


def test_a_glob_that_matches_no_photo_is_refused_before_anything_starts(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_restart(env: object) -> None:
        raise AssertionError("the command went on to start its sides")

    monkeypatch.setattr(floor, "restart_in", no_restart)  # never exec pytest again
    with pytest.raises(SystemExit) as exited:
        main(["--glob", "nothing-*.gif"])
    assert exited.value.code == 2
    assert "no photo" in capsys.readouterr().err
