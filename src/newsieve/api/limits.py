"""Request body size limit, enforced before and while reading (chunked bodies too).

A ``Content-Length`` over the limit is answered 413 before the application runs. Without
one (``Transfer-Encoding: chunked``), the bytes are counted as they arrive and the first
chunk past the limit ends the request with 413: nothing after it is read.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import PROBLEM_JSON, problem_body

__all__ = ["BodyLimitMiddleware", "BodyTooLarge"]


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once the body passes the limit. An ``HTTPException`` so that
    FastAPI's body reading passes it on (it turns other errors into 400), and the problem
    handlers answer 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body passed the limit of {limit} bytes; reading stopped there")


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_body_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _send_413(send, limit, declared)
            return

        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if started:  # pragma: no cover - a streaming response was already under way
                raise
            await _send_413(send, limit, None)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_413(send: Send, limit: int, declared: int | None) -> None:
    detail = (
        f"the request body is {declared} bytes, over the limit of {limit} bytes"
        if declared is not None
        else f"the request body passed the limit of {limit} bytes; reading stopped there"
    )
    body: dict[str, Any] = problem_body(413, "body_too_large", detail, limit=limit)
    payload = json.dumps(body).encode()
    await send({
        "type": "http.response.start",
        "status": 413,
        "headers": [
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(payload)).encode()),
            (b"connection", b"close"),
        ],
    })
    await send({"type": "http.response.body", "body": payload})
