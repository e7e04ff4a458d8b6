"""Readiness and draining: what `/ready` says and when a stopping server may exit."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class Lifecycle:
    in_flight: int = 0
    draining: bool = False
    drain_deadline: float = field(default=0.0)
    drain_earliest: float = field(default=0.0)

    def start_draining(self, grace: float, minimum: float = 0.0) -> None:
        """Refuse new work from now; exit once idle (but not before `minimum` seconds, so load
        balancers see `/ready` fail) or when `grace` runs out."""
        if not self.draining:
            self.draining = True
            now = time.monotonic()
            self.drain_deadline = now + grace
            self.drain_earliest = now + min(minimum, grace)

    @property
    def ready(self) -> bool:
        return not self.draining

    def may_exit(self) -> bool:
        now = time.monotonic()
        idle = self.in_flight == 0 and now >= self.drain_earliest
        return self.draining and (idle or now >= self.drain_deadline)
