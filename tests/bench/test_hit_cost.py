"""`python -m bench.hit_cost`: hits through the whole app, in one process."""

from __future__ import annotations

import pytest

from bench import hit_cost


def test_l1_hits_are_timed_and_every_one_is_a_200_hit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cost = hit_cost.hit_cost(20)
    assert cost.cpu_us > 0
    assert cost.answers == {(200, "HIT"): 20}
    assert hit_cost.main(["--hits", "5"]) == 0
    assert capsys.readouterr().out.startswith("CPU per in-process L1 hit: ")


def test_l2_hits_come_from_redis_and_every_one_is_a_200_hit() -> None:
    cost = hit_cost.hit_cost(10, l2=True)
    assert cost.cpu_us > 0
    assert cost.answers == {(200, "HIT"): 10}
