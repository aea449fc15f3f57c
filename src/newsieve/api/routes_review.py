"""The review queue: list, get, claim, decide, reopen, history, report (a published article);
and the articles tail.

Every review endpoint needs a ``moderator`` token (``reopen``: ``admin``); the moderator's
name (never the token) is what storage writes into the item and the audit stream. Storage
errors map to problems: ``NotFound`` 404, ``LeaseHeld``/``VersionConflict`` 409,
``RedisUnavailable`` 503.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import AfterValidator

from newsieve.storage import REVIEW_STATES

from .auth import Principal, require
from .feedback import update_site_rules
from .models import ClaimRequest, DecisionRequest, ReopenRequest, ReportRequest

__all__ = ["build_articles_router", "build_review_router", "to_jsonable"]

log = logging.getLogger("newsieve.api")

ITEM_ID = r"^[0-9]{1,19}$"
ItemId = Annotated[str, Path(pattern=ITEM_ID, description="A review item id (decimal).")]
ArticleId = Annotated[
    str, Path(pattern=r"^[0-9A-Za-z_-]{1,64}$", description="An article id (`id` of its message).")
]


def _stream_id(value: str | None) -> str | None:
    """A Redis stream id: ``<ms>`` or ``<ms>-<seq>``, each part a 64-bit unsigned integer."""
    if value is not None and any(int(part) >= 2**64 for part in value.split("-")):
        raise ValueError("stream id parts must be below 2**64")
    return value


StreamId = Annotated[
    str | None,
    Query(pattern=r"^[0-9]{1,20}(-[0-9]{1,20})?$", description="Stream id of the last article read."),
    AfterValidator(_stream_id),
]


def to_jsonable(value: Any) -> Any:
    """ReviewItem and friends → plain JSON values (dataclasses, ``to_dict()``, verdicts)."""
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_jsonable(to_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def build_review_router() -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["review"])
    moderator = Depends(require("moderator"))
    admin = Depends(require("admin"))
    any_token = Depends(require("reader"))

    def storage(request: Request) -> Any:
        return request.app.state.storage_holder.get()

    @router.get("/me", summary="Who the bearer token belongs to", tags=["auth"])
    async def me(who: Principal = any_token) -> dict[str, str]:
        return {"name": who.name, "role": who.role}

    @router.get("/review", summary="List review items (with the counts by state)")
    async def list_items(
        request: Request,
        state: Annotated[str, Query(pattern="^(" + "|".join(REVIEW_STATES) + ")$")] = "pending",
        site: Annotated[str | None, Query(max_length=253)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        after: Annotated[str | None, Query(pattern=ITEM_ID, description="List items after this id.")] = None,
        _: Principal = moderator,
    ) -> dict[str, Any]:
        def work() -> dict[str, Any]:
            store = storage(request).review
            items = store.list(state=state, site=site, limit=limit, after=after)
            return {"items": to_jsonable(items), "counts": to_jsonable(store.counts())}

        return await run_in_threadpool(work)

    @router.get("/review/{item_id}", summary="One review item: original text, proposed removals, verdict")
    async def get_item(item_id: ItemId, request: Request, _: Principal = moderator) -> dict[str, Any]:
        item = await run_in_threadpool(lambda: storage(request).review.get(item_id))
        return to_jsonable(item)

    @router.post("/review/{item_id}/claim", summary="Take (or renew) the lease on an item")
    async def claim(
        item_id: ItemId,
        request: Request,
        body: Annotated[ClaimRequest | None, Body()] = None,
        who: Principal = moderator,
    ) -> dict[str, Any]:
        seconds = body.lease_seconds if body else None  # None: the lease_seconds setting
        item = await run_in_threadpool(
            lambda: storage(request).review.claim(item_id, who.name, lease_seconds=seconds)
        )
        return to_jsonable(item)

    @router.post(
        "/review/{item_id}/decision",
        summary="Approve, reject or edit an item (with a version check)",
        responses={409: {"description": "Version moved on, or another moderator holds the claim"}},
    )
    async def decide(
        item_id: ItemId, body: DecisionRequest, request: Request, who: Principal = moderator
    ) -> dict[str, Any]:
        settings = request.app.state.settings

        def work() -> Any:
            store = storage(request)
            before = store.review.get(item_id) if settings.api_site_rules_feedback else None
            item = store.review.decide(
                item_id,
                who.name,
                body.decision,
                expected_version=body.expected_version,
                edits=[e.to_storage() for e in body.edits] or None,
                note=body.note or None,
            )
            if before is not None:
                update_site_rules(store, before, body)
            return item

        item = await run_in_threadpool(work)
        request.app.state.metrics.decisions.labels(body.decision).inc()
        return to_jsonable(item)

    @router.post("/review/{item_id}/reopen", summary="Put a decided item back to pending (admin)")
    async def reopen(
        item_id: ItemId, body: ReopenRequest, request: Request, who: Principal = admin
    ) -> dict[str, Any]:
        item = await run_in_threadpool(
            lambda: storage(request).review.reopen(item_id, who.name, expected_version=body.expected_version)
        )
        return to_jsonable(item)

    @router.post(
        "/articles/{article_id}/report",
        summary="Report a published article: it goes to the review queue (origin `published`)",
        responses={404: {"description": "No published article with this id"}},
    )
    async def report(
        article_id: ArticleId,
        request: Request,
        body: Annotated[ReportRequest | None, Body()] = None,
        who: Principal = moderator,
    ) -> dict[str, Any]:
        note = (body.note if body else "") or None
        item = await run_in_threadpool(
            lambda: storage(request).review.report(article_id, who.name, note=note)
        )
        return to_jsonable(item)

    @router.get("/review/{item_id}/history", summary="The item's audit trail, oldest first")
    async def history(item_id: ItemId, request: Request, _: Principal = moderator) -> dict[str, Any]:
        events = await run_in_threadpool(lambda: storage(request).review.history(item_id))
        return {"item_id": item_id, "events": to_jsonable(events)}

    return router


def build_articles_router(*, open_access: bool) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["articles"])
    reader = Depends(require("reader", open_access=open_access))

    @router.get("/articles", summary="Read-only tail of published articles")
    async def articles(
        request: Request,
        after: StreamId = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        _: Principal = reader,
    ) -> dict[str, Any]:
        holder = request.app.state.storage_holder
        rows = await run_in_threadpool(lambda: holder.get().articles_after(after, limit))
        rows = to_jsonable(rows)
        last = rows[-1].get("stream_id") if rows and isinstance(rows[-1], dict) else after
        return {"articles": rows, "next": last}

    return router
