"""Access lines written once per event-loop turn, and at once off the loop or at shutdown."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator

import pytest

from imgproxy.telemetry.line_batches import TurnBatchedStreamHandler, line_writer


class CountingStream(io.StringIO):
    """Remembers each write, so a test can tell one batch from several lines."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


@pytest.fixture
def stream() -> CountingStream:
    return CountingStream()


@pytest.fixture
def logger(stream: CountingStream) -> Iterator[logging.Logger]:
    log = logging.getLogger("tests.line_batches")
    handler = TurnBatchedStreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    yield log
    log.removeHandler(handler)
    handler.close()


def test_lines_of_one_turn_go_out_in_one_write_after_the_turn(
    stream: CountingStream, logger: logging.Logger
) -> None:
    async def turn() -> list[str]:
        for number in range(3):
            logger.info("line %d", number)
        during = list(stream.writes)
        await asyncio.sleep(0)
        return during

    written_during_turn = asyncio.run(turn())

    assert written_during_turn == []
    assert stream.writes == ["line 0\nline 1\nline 2\n"]


def test_each_turn_writes_its_own_batch(stream: CountingStream, logger: logging.Logger) -> None:
    async def two_turns() -> None:
        logger.info("first")
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        logger.info("second")
        logger.info("third")
        await asyncio.sleep(0)

    asyncio.run(two_turns())

    assert stream.writes == ["first\n", "second\nthird\n"]


def test_off_the_loop_a_line_is_written_at_once(
    stream: CountingStream, logger: logging.Logger
) -> None:
    logger.info("from a thread without a loop")

    assert stream.getvalue() == "from a thread without a loop\n"


def stop_right_after_logging(logger: logging.Logger, text: str) -> None:
    """A loop that stops in the turn that logs `text`, before its flush can run."""
    loop = asyncio.new_event_loop()

    def log_and_stop() -> None:
        logger.info(text)
        loop.stop()

    loop.call_soon(log_and_stop)
    loop.run_forever()
    loop.close()


def test_lines_left_when_the_loop_stops_are_written_by_flush(
    stream: CountingStream, logger: logging.Logger
) -> None:
    stop_right_after_logging(logger, "said as the loop stopped")
    assert stream.writes == []

    for handler in logger.handlers:
        handler.flush()

    assert stream.writes == ["said as the loop stopped\n"]


def test_a_new_loop_flushes_what_a_stopped_one_left(
    stream: CountingStream, logger: logging.Logger
) -> None:
    stop_right_after_logging(logger, "left behind")

    async def next_turn() -> None:
        logger.info("next")
        await asyncio.sleep(0)

    asyncio.run(next_turn())

    assert stream.writes == ["left behind\nnext\n"]


@pytest.fixture
def access_like(stream: CountingStream) -> Iterator[logging.Logger]:
    """A logger shaped as `configure_logging` makes the access log, and only that. Made
    outside logging's registry: pytest attaches its capturing handlers to every registered
    logger that does not propagate."""
    log = logging.Logger("access", logging.INFO)
    log.propagate = False
    handler = TurnBatchedStreamHandler(stream, message_only=True)
    log.addHandler(handler)
    yield log
    handler.close()


def test_a_line_handed_straight_over_is_the_line_logging_writes(
    stream: CountingStream, access_like: logging.Logger
) -> None:
    write_line = line_writer(access_like, logging.INFO)
    assert write_line is not None

    async def turn() -> None:
        access_like.info("%s", '{"status":200}')
        write_line('{"status":200}')
        await asyncio.sleep(0)

    asyncio.run(turn())

    assert stream.writes == ['{"status":200}\n{"status":200}\n']


def refuse_everything(_record: logging.LogRecord) -> bool:
    return False


@pytest.mark.parametrize(
    "change",
    [
        "propagates",
        "second handler",
        "logger filter",
        "handler filter",
        "other format",
        "handler level",
    ],
)
def test_anything_a_record_could_meet_on_the_way_keeps_the_logging_path(
    access_like: logging.Logger, change: str
) -> None:
    handler = access_like.handlers[0]
    if change == "propagates":
        access_like.propagate = True
    elif change == "second handler":
        access_like.addHandler(logging.NullHandler())
    elif change == "logger filter":
        access_like.addFilter(refuse_everything)
    elif change == "handler filter":
        handler.addFilter(refuse_everything)
    elif change == "other format":
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    else:
        handler.setLevel(logging.WARNING)

    assert line_writer(access_like, logging.INFO) is None
