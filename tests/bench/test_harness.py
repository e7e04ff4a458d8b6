"""The harness pieces of `make bench` and `make soak` that need no server: parsers, URL
spellings, ratio maths, target verdicts, the results file, the soak's accounting."""

import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bench.nginx import origin_config, round_robin_config
from bench.procs import PAGE_BYTES, TICKS_PER_S, parse_stat, tree, usage
from bench.record import Row, overhead_ms, ratio, table
from bench.results_file import (
    WHAT_WE_TRIED,
    WHAT_WE_TRIED_BODY,
    add_missing_section,
    replace_section,
    rows_from_json,
    rows_to_json,
)
from bench.scenarios import MISS_COPIES, Target, distinct_misses, ours_path, thumbor_path
from bench.soak import UrlMix, rss_growth, soak_script, unexpected_5xx, url_mix
from bench.stampede import metric_value
from bench.thumbor import thumbor_config
from bench.troubled_origin import answer

STAT = (
    "4242 (python3 -m (x) y) S 17 4242 4242 0 -1 4194560 1000 0 0 0 "
    "250 50 7 3 20 0 3 0 123456 987654321 2048 18446744073709551615"
)


def test_a_stat_line_with_spaces_and_parentheses_in_the_name() -> None:
    stat = parse_stat(STAT)
    assert (stat.pid, stat.ppid, stat.cpu_ticks) == (4242, 17, 300)  # utime + stime only
    assert stat.rss_bytes == 2048 * PAGE_BYTES


def test_the_tree_follows_parents_and_skips_strangers() -> None:
    stats = {
        pid: parse_stat(f"{pid} (p) S {ppid} 0 0 0 0 0 0 0 0 0 {pid} 0 0 0 0 0 0 0 0 0 1")
        for pid, ppid in ((10, 1), (11, 10), (12, 11), (20, 1))
    }
    assert sorted(s.pid for s in tree(stats, [10])) == [10, 11, 12]
    assert tree(stats, [99]) == []


def test_usage_of_this_process_is_read_from_proc() -> None:
    found = usage([os.getpid()])
    assert found.processes >= 1
    assert found.rss_bytes > 1_000_000
    assert found.cpu_seconds >= 0
    assert TICKS_PER_S > 0


def test_the_same_transform_spelt_for_each_server() -> None:
    origin = "http://127.0.0.1:8000"
    target = Target(512, 512, "webp", 77)
    assert ours_path(origin, "a.jpg", target) == (
        "/unsafe/rs:fit:512:512/q:77/plain/http://127.0.0.1:8000/a.jpg@webp"
    )
    assert ours_path(origin, "a.png", Target(512, 512, "png")) == (
        "/unsafe/rs:fit:512:512/plain/http://127.0.0.1:8000/a.png@png"
    )
    assert ours_path(origin, "a.jpg", target, 3) == (
        "/unsafe/rs:fit:512:512/q:77/cb:3/plain/http://127.0.0.1:8000/a.jpg@webp"
    )
    assert thumbor_path(origin, "a.jpg", target) == (
        "/unsafe/fit-in/512x512/filters:quality(80):format(webp)/127.0.0.1:8000/a.jpg"
    )
    assert thumbor_path(origin, "a.jpg", Target(300, 0, "webp")) == (
        "/unsafe/300x0/filters:quality(80):format(webp)/127.0.0.1:8000/a.jpg"
    )


def test_miss_urls_are_all_distinct_with_the_files_interleaved() -> None:
    paths = distinct_misses("http://o", ["a.jpg", "b.jpg"], Target(512, 512, "jpeg"))
    assert len(paths) == len(set(paths)) == 2 * MISS_COPIES
    assert paths[0].endswith("/a.jpg@jpg") and paths[1].endswith("/b.jpg@jpg")


def _row(scenario: str, server: str, role: str, rps: float, **extra: object) -> Row:
    base = Row(scenario, server, role, rps, 10.0, 20.0, 100, 0, 0, 100.0, 0.01, 30.0)
    return replace(base, **extra)  # type: ignore[arg-type]


ROWS = [
    _row("miss-jpeg", "thumbor", "thumbor", 80.0, processes=2),
    _row("miss-jpeg", "ours 1", "ours", 100.0, cpu_s_per_image=0.0195, loop_ms_per_image=2.5),
    _row("miss-jpeg", "ceiling", "ceiling", 110.0, cpu_s_per_image=0.017),
    _row("miss-jpeg-c64", "ours 1", "ours", 95.0),
    _row("hit-l1", "ours 1", "ours", 900.0, p99_ms=30.0),
    _row("hit-l1", "bare 1", "ceiling", 1000.0, p99_ms=10.0),
    _row("hit-l1", "ours 2", "ours", 1500.0, processes=2),
    _row("hit-l1", "bare 2", "ceiling", 3000.0, processes=2),
    _row("storm", "thumbor", "thumbor", 1.0, peak_rss_mb=400.0),
    _row("storm", "ours 1", "ours", 9.0, peak_rss_mb=150.0),
    _row("coalesce", "ours 2", "ours", 500.0, processes=2, origin_fetches=2, processing_runs=3),
]


def test_ratios_pair_rows_of_the_same_scenario_and_process_count() -> None:
    assert ratio(ROWS, ROWS[1], "thumbor") == pytest.approx(1.25)
    assert ratio(ROWS, ROWS[1], "ceiling") == pytest.approx(100 / 110)
    assert ratio(ROWS, ROWS[6], "ceiling") == pytest.approx(0.5)  # bare with 2 processes
    assert ratio(ROWS, ROWS[0], "ceiling") is None  # only our rows get ratios
    assert ratio(ROWS, ROWS[3], "thumbor") is None  # no thumbor row in that scenario


def test_the_table_shows_cpu_and_event_loop_ms_and_the_overhead_over_the_ceiling() -> None:
    lines = table(ROWS)
    assert lines[0].count("|") == lines[1].count("|") == 15
    assert lines[2] == (
        "| miss-jpeg | thumbor | 80.0 | 10.0 | 20.0 | 100 | 10.0 |  |  | 30.0 |  | 0 / 0 |  |  |"
    )
    assert lines[3] == (
        "| miss-jpeg | ours 1 | 100.0 | 10.0 | 20.0 | 100 | 19.5 | 2.50 | 2.5 | 30.0 |  "
        "| 0 / 0 | 1.25 | 0.91 |"
    )
    assert overhead_ms(ROWS, ROWS[1]) == pytest.approx(2.5)
    assert overhead_ms(ROWS, ROWS[3]) is None  # no ceiling row in that scenario
    assert overhead_ms(ROWS, ROWS[4]) is None  # hits: the ceiling is a bare app, not a codec
    assert overhead_ms(ROWS, ROWS[2]) is None  # only for our rows


def test_rows_survive_the_json_file() -> None:
    assert rows_from_json(rows_to_json(ROWS)) == ROWS
    rounds = [
        replace(ROWS[0], round_rates=(1.0, 2.0), round_cpu_s=(0.02, None), round_p99_ms=(3.0,))
    ]
    assert rows_from_json(json.loads(json.dumps(rows_to_json(rounds)))) == rounds


def test_a_section_is_replaced_in_place_or_appended() -> None:
    document = "# T\n\n<!-- bench:start -->\nold\n<!-- bench:end -->\n\ntail\n"
    assert replace_section(document, "bench", "new") == (
        "# T\n\n<!-- bench:start -->\nnew\n<!-- bench:end -->\n\ntail\n"
    )
    assert replace_section(document, "soak", "s").endswith(
        "tail\n\n<!-- soak:start -->\ns\n<!-- soak:end -->\n"
    )


def test_the_hand_kept_section_is_added_once_and_never_rewritten() -> None:
    document = "# T\n\n<!-- bench:start -->\nold\n<!-- bench:end -->\n"
    added = add_missing_section(document, WHAT_WE_TRIED, WHAT_WE_TRIED_BODY)
    assert added.startswith(document.rstrip())
    assert "| lever | kept? | effect (same-run ratio) | how measured |" in added
    kept = added.replace(
        "| --- | --- | --- | --- |", "| --- | --- | --- | --- |\n| hiredis | yes | 1.1 | x |"
    )
    assert add_missing_section(kept, WHAT_WE_TRIED, WHAT_WE_TRIED_BODY) == kept
    rewritten = replace_section(kept, "bench", "new")  # what `make bench` writes
    assert "| hiredis | yes | 1.1 | x |" in rewritten and "\nnew\n" in rewritten


def test_soak_accounting_of_5xx_and_rss() -> None:
    assert unexpected_5xx({200: 1000, 502: 40}, failing_sent=40) == 0
    assert unexpected_5xx({200: 1000, 502: 45, 503: 2}, failing_sent=40) == 7
    start, end, growth = rss_growth([100.0, 150.0, 200.0, 200.0, 210.0], warmup_share=0.4)
    assert (start, end, growth) == (200.0, 210.0, pytest.approx(5.0))
    assert rss_growth([]) == (0.0, 0.0, 0.0)
    sawtooth = [50.0] * 10 + [100.0, 140.0, 110.0, 135.0, 105.0] * 8  # flat, trimmed every sample
    assert rss_growth(sawtooth)[2] == pytest.approx(0.0)
    leaking = [50.0] * 10 + [100.0 + n for n in range(40)]
    start, end, growth = rss_growth(leaking)
    assert (start, end) == (103.5, 135.5)
    assert growth == pytest.approx(30.9, abs=0.1)


def test_the_soak_mix_is_mostly_hot_with_each_other_url_once() -> None:
    mix = url_mix("http://o", "http://t", [f"{n}.jpg" for n in range(9)])
    assert len(mix.failing) == 9
    assert 300 <= mix.distinct <= 500
    once = [p for p in set(mix.paths) if mix.paths.count(p) == 1]
    assert len(once) == mix.distinct - 30  # everything but the 30 hot URLs
    assert len(mix.paths) > 20 * len(once)
    script = soak_script(UrlMix(["/a", "/f"], 2, frozenset({"/f"})))
    assert '{"/a", false}' in script and '{"/f", true}' in script
    assert "failing_sent %d" in script


def test_the_troubled_origin_fails_or_serves_slowly() -> None:
    files = {"a.jpg": b"jpeg"}
    failing, slow = answer("/fail/a.jpg", files)
    assert failing.startswith(b"HTTP/1.1 500 ") and not slow
    served, slow = answer("/slow/a.jpg", files)
    assert served.endswith(b"\r\n\r\njpeg") and slow
    assert answer("/slow/b.jpg", files)[0].startswith(b"HTTP/1.1 404 ")


def test_metric_values_are_summed_over_matching_labels() -> None:
    text = (
        "# TYPE x_count counter\n"
        'x_count{span="processing",pid="1"} 2.0\n'
        'x_count{span="processing",pid="2"} 3.0\n'
        'x_count{span="queue"} 7.0\n'
        "x_count_total 9.0\n"
    )
    assert metric_value(text, "x_count", 'span="processing"') == 5.0
    assert metric_value(text, "x_count") == 12.0


def test_nginx_and_thumbor_configurations(tmp_path: Path) -> None:
    origin = origin_config(tmp_path, 8001, Path("/srv/images"))
    assert "listen 127.0.0.1:8001;" in origin and "root /srv/images;" in origin
    assert f"access_log {tmp_path}/access.log bench;" in origin
    front = round_robin_config(tmp_path, 8002, [9001, 9002])
    assert "server 127.0.0.1:9001;" in front and "server 127.0.0.1:9002;" in front
    assert "RESULT_STORAGE = None" in thumbor_config(None)
    stored = thumbor_config(tmp_path / "rs")
    assert "thumbor.result_storages.file_storage" in stored
    assert "thumbor.loaders.http_loader" in stored


def test_server_settings_reach_every_proxy_the_run_starts(tmp_path: Path) -> None:
    from bench.run import parse_args  # noqa: PLC0415
    from bench.scenario_run import Context, _ours  # noqa: PLC0415

    args = parse_args(["--server-setting", "IMGPROXY_MALLOC=jemalloc", "--server-setting", "A=b=c"])
    settings = args.server_settings
    context = Context(tmp_path, None, [], 2, None, False, tmp_path, None, settings)  # type: ignore[arg-type]
    server = _ours(context, 1, {"IMGPROXY_CACHE_MEMORY_BYTES": "0", "A": "x"}, "ours")

    assert settings == {"IMGPROXY_MALLOC": "jemalloc", "A": "b=c"}
    assert server.env is not None
    assert server.env["IMGPROXY_MALLOC"] == "jemalloc"
    assert server.env["IMGPROXY_CACHE_MEMORY_BYTES"] == "0"
    assert server.env["A"] == "b=c"
    with pytest.raises(SystemExit):
        parse_args(["--server-setting", "IMGPROXY_MALLOC"])


def test_the_server_python_runs_every_proxy_the_run_starts(tmp_path: Path) -> None:
    from bench.run import parse_args  # noqa: PLC0415
    from bench.scenario_run import Context, _ours  # noqa: PLC0415

    other = tmp_path / "venv" / "bin" / "python"
    args = parse_args(["--server-python", str(other)])
    bare: dict[str, Any] = {
        "origin": None,
        "photos": [],
        "cores": 2,
        "load": None,
        "with_thumbor": False,
    }
    context = Context(tmp_path, server_tree=tmp_path, server_python=args.server_python, **bare)
    server = _ours(context, 1, {}, "ours")
    default = _ours(Context(tmp_path, server_tree=tmp_path, **bare), 1, {}, "ours")

    assert server.command[:3] == [str(other), "-m", "imgproxy"]
    assert default.command[0] == sys.executable
    assert parse_args([]).server_python == Path(sys.executable)
