"""The circuit breaker's states, driven by an injected clock."""

from __future__ import annotations

from cache.breaker import BreakerState, CircuitBreaker
from tests.cache.redis_procs import FakeClock


def breaker() -> tuple[CircuitBreaker, FakeClock]:
    clock = FakeClock()
    return CircuitBreaker(failure_threshold=3, reset_timeout=10, clock=clock), clock


def test_opens_after_consecutive_failures_only() -> None:
    circuit, _ = breaker()
    circuit.record_failure()
    circuit.record_failure()
    circuit.record_success()
    circuit.record_failure()
    circuit.record_failure()
    assert circuit.state is BreakerState.CLOSED and circuit.allow()
    circuit.record_failure()
    assert circuit.state is BreakerState.OPEN
    assert not circuit.allow()


def test_one_probe_after_the_cool_down_then_closed_on_success() -> None:
    circuit, clock = breaker()
    for _ in range(3):
        circuit.record_failure()
    clock.advance(9.9)
    assert not circuit.allow()
    clock.advance(0.1)
    assert circuit.allow()
    assert circuit.state is BreakerState.HALF_OPEN
    assert not circuit.allow()  # only one probe at a time
    circuit.record_success()
    assert circuit.state is BreakerState.CLOSED and circuit.allow()


def test_a_failed_probe_opens_it_again_for_a_full_cool_down() -> None:
    circuit, clock = breaker()
    for _ in range(3):
        circuit.record_failure()
    clock.advance(10)
    assert circuit.allow()
    circuit.record_failure()
    assert circuit.state is BreakerState.OPEN
    assert circuit.times_opened == 2
    clock.advance(9)
    assert not circuit.allow()
    clock.advance(1)
    assert circuit.allow()


def test_a_probe_that_never_reports_is_replaced_after_a_cool_down() -> None:
    circuit, clock = breaker()
    for _ in range(3):
        circuit.record_failure()
    clock.advance(10)
    assert circuit.allow()
    clock.advance(10)
    assert circuit.allow()


def test_late_failures_while_open_do_not_extend_the_cool_down() -> None:
    circuit, clock = breaker()
    for _ in range(3):
        circuit.record_failure()
    clock.advance(5)
    circuit.record_failure()
    clock.advance(5)
    assert circuit.allow()
