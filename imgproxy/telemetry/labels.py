"""The label values metrics take, each from a fixed set, and how errors and states map to them."""

from __future__ import annotations

from typing import Final, Literal, get_args

from imgproxy.errors import (
    OriginError,
    OriginTimeout,
    SourceNotAllowed,
    SourceNotFound,
    SourceTooLarge,
)

Route = Literal["image", "info", "health", "ready", "metrics", "purge", "other"]
Stage = Literal["queue", "download_queue", "download", "processing", "encode", "total"]
CacheTier = Literal["l1", "l2", "sources"]
ShedReason = Literal["queue_full", "deadline"]
CancelledOutcome = Literal["stopped", "finished"]
BreakerStateName = Literal["closed", "open", "half_open"]
OriginErrorKind = Literal[
    "timeout", "unreachable", "not_found", "too_large", "not_allowed", "other"
]

ROUTES: Final[frozenset[str]] = frozenset(get_args(Route))
ORIGIN_ERROR_KINDS: Final[frozenset[str]] = frozenset(get_args(OriginErrorKind))
BREAKER_STATES: Final[tuple[BreakerStateName, ...]] = get_args(BreakerStateName)
ERROR_KINDS: Final[tuple[tuple[tuple[type[BaseException], ...], OriginErrorKind], ...]] = (
    ((OriginTimeout, TimeoutError), "timeout"),
    ((SourceNotFound,), "not_found"),
    ((SourceTooLarge,), "too_large"),
    ((SourceNotAllowed,), "not_allowed"),
    ((OriginError, OSError), "unreachable"),
)


def error_kind(error: BaseException) -> OriginErrorKind:
    """The `origin_error` label for an exception raised while fetching a source."""
    for types, kind in ERROR_KINDS:
        if isinstance(error, types):
            return kind
    return "other"


def breaker_state_name(state: str) -> BreakerStateName:
    """`cache.breaker.BreakerState` values ("half-open") as label values ("half_open")."""
    name = state.replace("-", "_")
    for known in BREAKER_STATES:
        if known == name:
            return known
    raise ValueError(f"Expected a breaker state {BREAKER_STATES} but received {state!r}")
