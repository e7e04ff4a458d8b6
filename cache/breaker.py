"""A small circuit breaker: closed -> open after N consecutive failures -> one half-open probe
after a cool-down -> closed on its success (open again on its failure)."""

from __future__ import annotations

import enum
import time
from collections.abc import Callable


class BreakerState(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class CircuitBreaker:
    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        reset_timeout: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or reset_timeout <= 0:
            raise ValueError(
                "Expected failure_threshold >= 1 and reset_timeout > 0 but received "
                f"{failure_threshold} and {reset_timeout}"
            )
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self.clock = clock
        self.state = BreakerState.CLOSED
        self.failures = 0
        self.opened_at = 0.0
        self.probe_started_at = 0.0
        self.times_opened = 0

    def allow(self) -> bool:
        """May a call go through now? In half-open state only one probe at a time does (a probe
        that never reports back is replaced after another cool-down)."""
        if self.state is BreakerState.CLOSED:
            return True
        now = self.clock()
        if self.state is BreakerState.OPEN:
            if now - self.opened_at < self.reset_timeout:
                return False
            self.state = BreakerState.HALF_OPEN
        elif now - self.probe_started_at < self.reset_timeout:
            return False
        self.probe_started_at = now
        return True

    def record_success(self) -> None:
        self.state = BreakerState.CLOSED
        self.failures = 0

    def record_failure(self) -> None:
        self.failures += 1
        if self.state is BreakerState.OPEN:
            return  # a late answer from before it opened: the cool-down runs on
        if self.state is BreakerState.HALF_OPEN or self.failures >= self.failure_threshold:
            self.times_opened += 1
            self.state = BreakerState.OPEN
            self.opened_at = self.clock()
