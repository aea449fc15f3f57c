"""Translation of redis-py's errors into ``newsieve.exceptions``, and retry with backoff.

``retrying(config, fn)`` calls ``fn`` until it succeeds, retrying connection errors (the
server restarting, a socket reset, a server still loading its append-only file) with
exponential backoff for ``retry_seconds``; then it raises ``RedisUnavailable`` from the
last error. Any other ``redis.RedisError`` becomes ``StorageError``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import redis.exceptions as rexc

from newsieve.exceptions import RedisUnavailable, StorageError

__all__ = ["TRANSIENT", "retrying", "translate"]

log = logging.getLogger(__name__)
T = TypeVar("T")

# Errors after which the same call may succeed once the server is back.
TRANSIENT: tuple[type[BaseException], ...] = (
    rexc.ConnectionError,
    rexc.TimeoutError,
    rexc.BusyLoadingError,
    rexc.TryAgainError,
    rexc.ReadOnlyError,  # a replica being promoted
    ConnectionResetError,
    BrokenPipeError,
)

TRANSIENT_ERRORS: tuple[type[Exception], ...] = tuple(e for e in TRANSIENT if issubclass(e, Exception))

_BACKOFF_START = 0.05
_BACKOFF_MAX = 2.0


def translate(exc: BaseException) -> StorageError:
    """The newsieve error for a redis-py error (the caller raises it ``from exc``)."""
    if isinstance(exc, TRANSIENT):
        return RedisUnavailable(f"Redis unavailable: {exc}")
    return StorageError(f"Redis error: {exc}")


def retrying(retry_seconds: float, fn: Callable[[], T], what: str = "redis") -> T:
    deadline = time.monotonic() + retry_seconds
    delay = _BACKOFF_START
    while True:
        try:
            return fn()
        except TRANSIENT as exc:
            if time.monotonic() + delay > deadline:
                raise RedisUnavailable(f"{what}: Redis unavailable for {retry_seconds:g}s: {exc}") from exc
            log.warning("%s: %s; retrying in %.2fs", what, exc, delay)
            time.sleep(delay)
            delay = min(delay * 2, _BACKOFF_MAX)
        except rexc.RedisError as exc:
            raise translate(exc) from exc
