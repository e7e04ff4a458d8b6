"""The processing queue's read-ahead on its own: originals fetched at most so far ahead of
the workers, their places handed out first come first served."""

from __future__ import annotations

import asyncio

import pytest

from imgproxy.admission import Admission
from imgproxy.errors import TooManyRequests


class Fetch:
    """A task that fetches an original (takes a place) and holds it until `done` is set; its
    task then ends once `ended` is set too."""

    def __init__(self, admission: Admission, name: str, order: list[str]) -> None:
        self.done = asyncio.Event()
        self.ended = asyncio.Event()
        self.ended.set()
        self.task = asyncio.ensure_future(self._run(admission, name, order))

    async def _run(self, admission: Admission, name: str, order: list[str]) -> None:
        await admission.wait_for_room_to_fetch()
        with admission.fetching_original():
            order.append(name)
            await self.done.wait()
        await self.ended.wait()


async def turns(count: int = 20) -> None:
    for _ in range(count):
        await asyncio.sleep(0)


async def in_line(admission: Admission, *names: str) -> tuple[list[str], list[Fetch]]:
    """Fetches started one after another, each let run until it fetches or waits; the order
    in which they began fetching."""
    order: list[str] = []
    fetches = []
    for name in names:
        fetches.append(Fetch(admission, name, order))
        await turns()
    return order, fetches


async def test_places_go_first_come_first_served() -> None:
    admission = Admission(1, 10, read_ahead=1)
    order, fetches = await in_line(admission, "a", "b", "c")
    assert (order, admission.pacing) == (["a"], 2)

    for fetch, expected in zip(
        fetches, (["a", "b"], ["a", "b", "c"], ["a", "b", "c"]), strict=True
    ):
        fetch.done.set()
        await fetch.task
        await turns()
        assert order == expected
    assert (admission.on_the_way, admission.pacing) == (0, 0)


async def test_a_woken_waiters_place_is_not_taken_by_a_newcomer() -> None:
    admission = Admission(1, 10, read_ahead=1)
    order, (first, waiting) = await in_line(admission, "first", "waiting")
    first.ended.clear()
    first.done.set()
    await turns()  # fetched; its task not ended, so nobody woken yet
    room_once_woken: list[bool] = []
    first.task.add_done_callback(lambda _: room_once_woken.append(admission.room_to_fetch()))
    first.ended.set()
    await first.task

    assert room_once_woken == [False]  # the waiter woken, not run yet: its place is taken
    newcomer = Fetch(admission, "newcomer", order)
    await turns()
    assert order == ["first", "waiting"]
    waiting.done.set()
    newcomer.done.set()
    await asyncio.gather(waiting.task, newcomer.task)
    assert order == ["first", "waiting", "newcomer"]


async def test_a_newcomer_waits_behind_those_already_waiting() -> None:
    """Between a fetch's end and the end of its task the place is free but nobody has been
    woken yet: one who comes then still waits behind the one already waiting."""
    admission = Admission(1, 10, read_ahead=1)
    order, (first, waiting) = await in_line(admission, "first", "waiting")
    first.ended.clear()
    first.done.set()
    await turns()
    assert admission.room_to_fetch()

    newcomer = Fetch(admission, "newcomer", order)
    await turns()
    assert order == ["first"]
    first.ended.set()
    for fetch in (waiting, newcomer):
        await turns()
        fetch.done.set()
        await fetch.task
    assert order == ["first", "waiting", "newcomer"]


async def test_a_waiter_that_gives_up_leaves_nothing_behind() -> None:
    admission = Admission(1, 10, read_ahead=1)
    order, (first, leaving) = await in_line(admission, "first", "leaving")
    leaving.task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await leaving.task
    first.done.set()
    await first.task

    async with asyncio.timeout(5):  # had the gone waiter stayed in line, for ever
        await admission.wait_for_room_to_fetch()
    assert (order, admission.pacing) == (["first"], 0)


async def test_a_queued_original_keeps_its_place_until_it_is_processed() -> None:
    admission = Admission(1, 10, read_ahead=1)
    async with admission.slot():
        _, (first,) = await in_line(admission, "first")
        first.done.set()
        await first.task
        queued = asyncio.ensure_future(admission.slot().__aenter__())
        await turns()
        assert (admission.on_the_way, admission.room_to_fetch()) == (1, False)
    await queued
    assert (admission.on_the_way, admission.room_to_fetch()) == (0, True)


async def test_a_fetch_that_never_queues_wakes_the_waiters_as_its_task_ends() -> None:
    """Its request failed after the download (a wrong hashsum, say): nothing queues, and the
    next one in line must not wait for an event that never comes."""
    admission = Admission(1, 10, read_ahead=1)
    order, (failing, waiting) = await in_line(admission, "failing", "waiting")
    assert admission.pacing == 1

    failing.done.set()
    await failing.task

    await turns()  # never woken, it would wait for ever
    assert order == ["failing", "waiting"]
    waiting.done.set()
    await waiting.task


async def test_waiting_counts_in_the_queue_and_a_full_queue_refuses() -> None:
    """One worker and one place in the queue: an original on its way takes the worker's
    turn, one waiting fills the queue, the next is refused."""
    admission = Admission(1, 1, read_ahead=1)
    order, (first, second) = await in_line(admission, "first", "second")

    with pytest.raises(TooManyRequests) as refused:
        async with asyncio.timeout(5):  # not refused, it would wait
            await admission.wait_for_room_to_fetch()

    assert refused.value.detail == "processing queue full (1 waiting)"
    assert admission.pacing == 1
    first.done.set()
    second.done.set()
    await asyncio.gather(first.task, second.task)
    assert order == ["first", "second"]


async def test_no_read_ahead_never_waits() -> None:
    admission = Admission(1, 0, read_ahead=0)
    for _ in range(3):
        admission.fetching += 1
        await admission.wait_for_room_to_fetch()
    assert admission.pacing == 0
