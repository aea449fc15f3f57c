"""Helpers of the API tests (no tests here): the real app, served by uvicorn on 127.0.0.1.

``served(app)`` runs uvicorn in a thread of the test process on a free loopback port and
yields the base URL; the server is stopped (and the thread joined) on exit.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

import uvicorn

from newsieve.settings import load_settings

MODERATOR = "mod-token-alice"
MODERATOR2 = "mod-token-bob"
READER = "reader-token"
ADMIN = "admin-token"
TOKENS = [
    f"{MODERATOR}:moderator:alice",
    f"{MODERATOR2}:moderator:bob",
    f"{READER}:reader",
    f"{ADMIN}:admin:root",
]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


NO_REDIS = "redis://127.0.0.1:1/0"
"""Where an app that is given no Redis looks for one: nothing listens there. Without it the app
would start the embedded default under the user's own data directory, and leave it running."""


def api_settings(redis_url: str | None = None, key_prefix: str | None = None, **overrides: Any) -> Any:
    values: dict[str, Any] = {"api_tokens": TOKENS, "redis_url": redis_url or NO_REDIS}
    if redis_url:
        values.update(key_prefix=key_prefix)
    values.update(overrides)
    return load_settings(**values)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def served(app: Any) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    started = threading.Event()
    for _ in range(1000):  # up to ~10 s for startup; not a timed assertion, a bounded wait
        if server.started:
            started.set()
            break
        if not thread.is_alive():
            break
        threading.Event().wait(0.01)
    if not started.is_set():
        server.should_exit = True
        thread.join(10)
        raise RuntimeError("uvicorn did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
