"""Errors as JSON problem details (RFC 9457), for every error the API answers.

Every problem carries ``type`` (``urn:newsieve:problem:<code>``), ``title``, ``status``,
``detail`` and the stable ``code`` of ``newsieve.exceptions`` (or of the HTTP layer:
``not_found``, ``method_not_allowed``, ``validation_error``...). Validation problems add
``errors``: where in the request and what is wrong.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from newsieve.exceptions import (
    Conflict,
    FetchBlocked,
    FetchError,
    FetchStatusError,
    FetchTimeout,
    FetchTooLarge,
    InputError,
    InputTooLarge,
    NewsieveError,
    NotFound,
    RedisUnavailable,
)

__all__ = ["PROBLEM_JSON", "ApiProblem", "install_problem_handlers", "problem_response"]

log = logging.getLogger("newsieve.api")

PROBLEM_JSON = "application/problem+json"

# newsieve errors → HTTP status, most specific first (checked with isinstance, in order).
_STATUS_OF: tuple[tuple[type[NewsieveError], int], ...] = (
    (InputTooLarge, 413),
    (InputError, 422),
    (NotFound, 404),
    (Conflict, 409),
    (RedisUnavailable, 503),
    (FetchBlocked, 422),
    (FetchTooLarge, 422),
    (FetchTimeout, 504),
    (FetchStatusError, 502),
    (FetchError, 502),
)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
}


class ApiProblem(Exception):
    """An error raised by the API layer itself (auth, body limit, ...), rendered as a problem."""

    def __init__(
        self, status: int, code: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers
        self.extra = extra


def problem_body(status: int, code: str, detail: str, **extra: Any) -> dict[str, Any]:
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body: dict[str, Any] = {
        "type": f"urn:newsieve:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    body.update(extra)
    return body


def problem_response(
    status: int, code: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    return JSONResponse(
        jsonable_encoder(problem_body(status, code, detail, **extra)),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def status_of(exc: NewsieveError) -> int:
    for cls, status in _STATUS_OF:
        if isinstance(exc, cls):
            return status
    return 500


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        out.append({
            "loc": [str(p) for p in err.get("loc", ())],
            "msg": str(err.get("msg", "")),
            "type": str(err.get("type", "")),
        })
    return out


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    async def _api_problem(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem_response(exc.status, exc.code, exc.detail, exc.headers, **exc.extra)

    @app.exception_handler(NewsieveError)
    async def _newsieve(request: Request, exc: NewsieveError) -> JSONResponse:
        status = status_of(exc)
        if status >= 500:
            log.warning("%s %s: %s: %s", request.method, request.url.path, exc.code, exc)
        return problem_response(status, exc.code, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        json_error = any(e["type"] == "json_invalid" for e in errors)
        if json_error:
            return problem_response(
                400, "malformed_json", "the request body is not valid JSON", errors=errors
            )
        detail = "invalid request"
        if errors:
            where, msg = ".".join(errors[0]["loc"]), str(errors[0]["msg"])
            detail = f"{where}: {msg}" if where else msg
        return problem_response(422, "validation_error", detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no route {request.url.path}"
        return problem_response(exc.status_code, code, detail, dict(exc.headers or {}) or None)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(500, "internal_error", "an unexpected error occurred; it has been logged")
