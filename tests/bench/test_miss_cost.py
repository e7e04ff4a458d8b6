"""`python -m bench.miss_cost`: misses through the whole app, in one process."""

from __future__ import annotations

import itertools

import pytest

from bench import miss_cost


def test_every_request_is_a_distinct_url_of_a_matching_photo() -> None:
    paths = list(itertools.islice(miss_cost.miss_paths("jpeg-kde-path-*.jpg"), 3))
    assert paths == [
        f"/insecure/rs:fit:512:512/q:80/cb:{buster}/plain/local:///jpeg-kde-path-1920x1080.jpg@jpg"
        for buster in range(3)
    ]
    with pytest.raises(ValueError, match="no photo"):
        miss_cost.miss_paths("nothing-*.gif")


def test_misses_are_rendered_and_their_loop_time_counted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cost = miss_cost.miss_cost(10)
    assert cost.answers == {(200, "MISS")}
    assert len(cost.loop_us) == miss_cost.ROUNDS
    assert all(value > 0 for value in cost.loop_us)
    assert miss_cost.main(["--misses", "5"]) == 0
    assert capsys.readouterr().out.startswith("event-loop CPU per in-process miss: ")
