"""Readiness and draining: what `/ready` says and when a stopping server may exit."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class Lifecycle:
    in_flight: int = 0
    draining: bool = False
    drain_deadline: float = field(default=0.0)

    def start_draining(self, grace: float) -> None:
        if not self.draining:
            self.draining = True
            self.drain_deadline = time.monotonic() + grace

    @property
    def ready(self) -> bool:
        return not self.draining

    def may_exit(self) -> bool:
        return self.draining and (self.in_flight == 0 or time.monotonic() >= self.drain_deadline)
