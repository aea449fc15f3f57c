"""``/healthz``, ``/readyz`` and ``/metrics``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CONTENT_TYPE_LATEST

from .problems import ApiProblem

__all__ = ["build_ops_router"]


def build_ops_router() -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="The process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="Redis is reachable", responses={503: {"description": "Redis is not"}})
    async def readyz(request: Request) -> dict[str, Any]:
        ok, detail = await run_in_threadpool(request.app.state.ping_storage)
        if not ok:
            raise ApiProblem(503, "redis_unavailable", f"Redis is not reachable: {detail}")
        return {"status": "ready"}

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    def metrics(request: Request) -> Response:
        return Response(request.app.state.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return router
