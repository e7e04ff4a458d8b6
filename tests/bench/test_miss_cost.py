"""`python -m bench.miss_cost`: misses through the whole app, in one process, rendered or
answered by a stub."""

from __future__ import annotations

import itertools

import pytest

from bench import miss_cost
from bench.mix import CORPUS_DIR as PHOTOS
from config.settings import Settings
from imgproxy.errors import UnprocessableSource
from imgproxy.renderer import defaults_from
from imgproxy.url.options import Options
from transforms import pipeline


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


@pytest.mark.parametrize("wait", [0.0, 0.002])
def test_a_stubbed_render_answers_every_miss_after_the_first_with_the_first_result(
    wait: float,
) -> None:
    real = pipeline.render
    cost = miss_cost.miss_cost(10, "jpeg-kde-*-1920x1080.jpg", stub_wait=wait)
    assert cost.answers == {(200, "MISS")}
    assert cost.stubbed == miss_cost.WARMUP + 10 - 1
    assert pipeline.render is real
    assert miss_cost.miss_cost(5).stubbed == 0


def test_the_stub_answers_the_first_render_again_and_lets_the_real_one_back(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = (PHOTOS / "jpeg-kde-path-1920x1080.jpg").read_bytes()
    options = Options(width=64, height=64)
    defaults = defaults_from(Settings.from_env({}))
    with miss_cost.StubbedRender() as stub:
        first = pipeline.render(data, options, None, defaults)
        again = pipeline.render(b"not an image", options, None, defaults)
    assert again is first
    assert (first.width, stub.answered) == (64, 1)
    with pytest.raises(UnprocessableSource):
        pipeline.render(b"not an image", options, None, defaults)
    assert miss_cost.main(["--misses", "5", "--stub-render", "--render-wait", "1"]) == 0
    assert "render stubbed, answering after 1 ms" in capsys.readouterr().out
