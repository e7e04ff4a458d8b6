import pytest

from bench.record import Row
from bench.rounds import merged, round_order, round_seconds


def _row(requests: int, per_sec: float, cpu_ms: float | None, **changes: object) -> Row:
    fields: dict[str, object] = {
        "scenario": "miss-jpeg",
        "server": "ours, 1 process",
        "role": "ours",
        "requests_per_sec": per_sec,
        "p50_ms": 10.0,
        "p99_ms": 50.0,
        "requests": requests,
        "errors": 0,
        "timeouts": 0,
        "peak_rss_mb": 100.0,
        "cpu_s_per_image": None if cpu_ms is None else cpu_ms / 1000.0,
        "mean_output_kb": 40.0,
        "loop_ms_per_image": 2.0,
    }
    fields.update(changes)
    return Row(**fields)  # type: ignore[arg-type]


def test_throughput_is_the_requests_over_the_summed_time_of_the_rounds() -> None:
    row = merged([_row(100, 50.0, 30.0), _row(300, 100.0, 20.0)])
    assert row.requests == 400
    assert row.requests_per_sec == pytest.approx(400 / (2.0 + 3.0))


def test_cpu_and_event_loop_per_image_are_weighted_by_each_rounds_requests() -> None:
    row = merged([_row(100, 50.0, 30.0, loop_ms_per_image=4.0), _row(300, 100.0, 20.0)])
    assert row.cpu_s_per_image == pytest.approx((100 * 0.030 + 300 * 0.020) / 400)
    assert row.loop_ms_per_image == pytest.approx((100 * 4.0 + 300 * 2.0) / 400)


def test_a_round_without_a_cpu_figure_leaves_the_merged_figure_out() -> None:
    assert merged([_row(100, 50.0, 30.0), _row(100, 50.0, None)]).cpu_s_per_image is None


def test_peaks_are_the_highest_errors_summed_and_latency_the_median_round() -> None:
    rounds = [
        _row(10, 5.0, 1.0, peak_rss_mb=300.0, p50_ms=9.0, p99_ms=90.0, errors=1),
        _row(10, 5.0, 1.0, peak_rss_mb=450.0, p50_ms=30.0, p99_ms=70.0, timeouts=2),
        _row(10, 5.0, 1.0, peak_rss_mb=200.0, p50_ms=11.0, p99_ms=80.0, errors=3),
    ]
    row = merged(rounds)
    assert (row.peak_rss_mb, row.p50_ms, row.p99_ms) == (450.0, 11.0, 80.0)
    assert (row.errors, row.timeouts) == (4, 2)
    assert (row.server, row.scenario, row.role) == ("ours, 1 process", "miss-jpeg", "ours")


def test_merging_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one round"):
        merged([])


def test_each_side_goes_first_in_turn() -> None:
    sides = ["thumbor", "ours 1", "ours 2", "ceiling"]
    firsts = [round_order(sides, index)[0] for index in range(4)]
    assert firsts == sides
    assert round_order(sides, 1) == ["ours 1", "ours 2", "ceiling", "thumbor"]
    assert sorted(round_order(sides, 7)) == sorted(sides)
    assert round_order([], 3) == []


def test_a_measurement_is_split_into_whole_second_rounds_of_at_least_two() -> None:
    assert round_seconds(15) == 5
    assert round_seconds(10) == 4
    assert round_seconds(4) == 2
    assert round_seconds(1) == 2
    assert round_seconds(15, 1) == 15


def test_each_rounds_throughput_cpu_and_p99_are_kept_in_the_order_measured() -> None:
    row = merged([_row(100, 50.0, 30.0, p99_ms=40.0), _row(300, 100.0, None, p99_ms=90.0)])
    assert row.round_rates == (50.0, 100.0)
    assert row.round_cpu_s == (0.030, None)
    assert row.round_p99_ms == (40.0, 90.0)
