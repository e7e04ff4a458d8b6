"""The side-by-side comparison's arithmetic and arguments (the servers themselves are
`bench.server`'s, tested with the harness)."""

import pytest

from bench.rounds import round_order
from bench.server import settings_from
from bench.twin import Round, Side, request_paths, summary


def test_a_round_compares_cpu_per_request_not_requests() -> None:
    round_ = Round(Side(requests=400, errors=0, cpu_s=12.0), Side(300, 0, 8.1))
    assert round_.a.cpu_ms_per_request == pytest.approx(30.0)
    assert round_.b.cpu_ms_per_request == pytest.approx(27.0)
    assert round_.ratio == pytest.approx(0.9)
    assert round_.line(0) == (
        "round 0: A 400 requests, 30.00 ms | B 300 requests, 27.00 ms | B/A 0.900"
    )


def test_errors_are_shown_in_the_round() -> None:
    round_ = Round(Side(100, 0, 3.0), Side(100, 7, 3.0))
    assert round_.line(2).endswith("| errors A 0, B 7")


def test_the_summary_is_the_median_ratio() -> None:
    rounds = [Round(Side(100, 0, 3.0), Side(100, 0, 3.0 * ratio)) for ratio in (0.9, 1.2, 0.95)]
    assert summary(rounds) == "B/A CPU per request: median 0.950 (0.900, 1.200, 0.950)"


def test_settings_are_name_value_pairs() -> None:
    assert settings_from(["A=1", "B=x=y"]) == {"A": "1", "B": "x=y"}
    with pytest.raises(ValueError, match="NAME=VALUE"):
        settings_from(["A"])


def test_paths_ask_for_every_matching_photo_unsigned_each_under_distinct_cachebusters() -> None:
    paths = request_paths("jpeg-large-*.jpg", "rs:fit:300:300", "webp", copies=2)
    assert paths == [
        "/insecure/rs:fit:300:300/cb:0/plain/local:///jpeg-large-20mp-5470x3646.jpg@webp",
        "/insecure/rs:fit:300:300/cb:0/plain/local:///jpeg-large-24mp-6000x4000.jpg@webp",
        "/insecure/rs:fit:300:300/cb:1/plain/local:///jpeg-large-20mp-5470x3646.jpg@webp",
        "/insecure/rs:fit:300:300/cb:1/plain/local:///jpeg-large-24mp-6000x4000.jpg@webp",
    ]
    assert len(set(request_paths("jpeg-*.jpg", "rs:fit:300:300", "jpg"))) > 1000
    with pytest.raises(ValueError, match="no photo"):
        request_paths("nothing-*.gif", "rs:fit:300:300", "jpg")


def test_the_side_whose_load_starts_first_alternates_by_round() -> None:
    assert [round_order(range(2), index) for index in range(4)] == [[0, 1], [1, 0], [0, 1], [1, 0]]
    assert round_order(range(3), 1) == [1, 2, 0]


def test_paths_can_name_the_photos_on_an_http_origin() -> None:
    paths = request_paths(
        "jpeg-large-2*.jpg", "rs:fit:300:300", "jpg", copies=1, sources="http://127.0.0.1:8081/"
    )
    assert paths == [
        "/insecure/rs:fit:300:300/cb:0/plain/http://127.0.0.1:8081/jpeg-large-20mp-5470x3646.jpg@jpg",
        "/insecure/rs:fit:300:300/cb:0/plain/http://127.0.0.1:8081/jpeg-large-24mp-6000x4000.jpg@jpg",
    ]
