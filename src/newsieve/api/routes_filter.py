"""``POST /v1/filter`` and ``POST /v1/filter/batch``: the filters as a service, no queue.

The filters are pure Python and hold the GIL, so running many at once only slices the CPU
between them and stretches every request's latency. A page up to ``INLINE_MAX_BYTES`` is
filtered on the event loop itself (a few ms; a thread hop would cost about as much again,
bench/bench_api.py); a bigger one in a worker thread behind a FIFO limiter of
``FILTER_THREADS``, so that the loop keeps answering meanwhile. What may wait on the network
(a URL fetch, the site rules from Redis) runs in the thread pool before. Verdicts are
serialised with ``json.dumps`` directly (they are plain JSON already; FastAPI's encoder
costs more than that). More throughput: more processes (``newsieve serve --workers N``).
"""

from __future__ import annotations

import json
from typing import Any

import anyio
from anyio import to_thread
from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool

from newsieve.exceptions import NewsieveError

from .auth import Principal, require
from .filtering import FilterService
from .models import BatchRequest, FilterRequest
from .problems import ApiProblem, problem_body, status_of

__all__ = ["FILTER_THREADS", "INLINE_MAX_BYTES", "build_filter_router"]

FILTER_THREADS = 1
"""Big pages filtered at once per process, in threads. 1: with the GIL, more threads add no
throughput and only add latency; run more processes (``serve --workers``) instead."""

INLINE_MAX_BYTES = 256 * 1024
"""Pages up to this size are filtered on the event loop (news pages are mostly under 100 KB;
the dev pages under 10 KB): a few milliseconds during which the loop waits."""

VERDICT_DOC = "The verdict (`schemas/verdict.schema.json`): the same object the CLI and the queues carry."
VERDICT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {"schema": {"type": "object"}}}, "description": VERDICT_DOC}
}


def json_response(data: Any) -> Response:
    return Response(json.dumps(data, ensure_ascii=False).encode(), media_type="application/json")


def build_filter_router(*, open_access: bool, batch_max: int) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["filter"])
    reader = Depends(require("reader", open_access=open_access))
    limiter = anyio.CapacityLimiter(FILTER_THREADS)

    async def verdict_of(service: FilterService, page: FilterRequest) -> Any:
        if service.needs_io(page):
            prepared = await run_in_threadpool(service.prepare, page)
        else:
            prepared = service.prepare(page)
        if len(prepared.data) <= INLINE_MAX_BYTES:
            return service.judge(prepared)
        return await to_thread.run_sync(service.judge, prepared, limiter=limiter)

    @router.post("/filter", summary="Filter one page", response_class=Response, responses=VERDICT_RESPONSES)
    async def filter_one(body: FilterRequest, request: Request, _: Principal = reader) -> Response:
        verdict = await verdict_of(request.app.state.filters, body)
        request.app.state.metrics.observe_verdict(verdict)
        return json_response(verdict.to_dict())

    @router.post(
        "/filter/batch",
        summary=f"Filter up to {batch_max} pages",
        response_class=Response,
        responses={
            200: {
                "content": {"application/json": {"schema": {"type": "object"}}},
                "description": "`results`: per page, in order, a verdict or a problem (`status`, `code`).",
            }
        },
    )
    async def filter_batch(body: BatchRequest, request: Request, _: Principal = reader) -> Response:
        if len(body.pages) > batch_max:
            raise ApiProblem(
                422, "batch_too_large", f"{len(body.pages)} pages, over the limit of {batch_max}",
                limit=batch_max,
            )
        service: FilterService = request.app.state.filters
        results: list[dict[str, Any]] = []
        for page in body.pages:
            try:
                verdict = await verdict_of(service, page)
            except NewsieveError as exc:
                results.append(problem_body(status_of(exc), exc.code, str(exc)))
                continue
            except ApiProblem as exc:
                results.append(problem_body(exc.status, exc.code, exc.detail))
                continue
            request.app.state.metrics.observe_verdict(verdict)
            results.append(verdict.to_dict())
        return json_response({"results": results})

    return router
