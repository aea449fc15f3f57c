"""The app factory: ``create_app(settings) -> FastAPI``.

Wiring, outermost first: metrics (counts every answer, 413s included), the body size limit,
then FastAPI with problem-details handlers for every error. Storage (Redis) is opened on
first use, so the filter endpoints work, and ``/healthz`` answers, while Redis is down.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from newsieve import __version__
from newsieve.exceptions import NewsieveError
from newsieve.filters import Sieve
from newsieve.settings import Settings
from newsieve.storage import Storage, open_storage

from .auth import TokenTable
from .filtering import FilterService
from .limits import BodyLimitMiddleware
from .metrics import ApiMetrics, MetricsMiddleware
from .problems import install_problem_handlers
from .routes_filter import build_filter_router
from .routes_ops import build_ops_router
from .routes_review import build_articles_router, build_review_router

__all__ = ["create_app"]

log = logging.getLogger("newsieve.api")
STATIC = Path(__file__).parent / "static"
API_REDIS_RETRY_SECONDS = 2.0
"""An HTTP caller gets a 503 after this long without Redis, rather than the storage default
(30 s, right for workers that should ride out a Redis restart)."""


class StorageHolder:
    """Opens storage on first use; a failed open is retried on the next call."""

    def __init__(self, settings: Settings, storage: Storage | None = None) -> None:
        self._settings = settings
        self._storage: Storage | None = storage
        self._owned = storage is None  # close at shutdown only what this holder opened
        self._lock = threading.Lock()

    def get(self) -> Storage:
        if self._storage is None:
            with self._lock:
                if self._storage is None:
                    self._storage = self._open()
        return self._storage

    def _open(self) -> Storage:
        config = self._settings.storage_config()
        retry = min(config.retry_seconds, API_REDIS_RETRY_SECONDS)
        return open_storage(dataclasses.replace(config, retry_seconds=retry))

    def ping(self) -> tuple[bool, str]:
        try:
            self.get().redis.ping()
        except NewsieveError as exc:
            return False, exc.code
        except Exception as exc:  # readiness must answer, whatever went wrong
            return False, type(exc).__name__
        return True, "ok"

    def close(self) -> None:
        if self._owned and self._storage is not None:
            self._storage.close()
            self._storage = None


def create_app(settings: Settings, *, storage: Storage | None = None, sieve: Sieve | None = None) -> FastAPI:
    """Build the API. ``storage``/``sieve`` may be passed in (already opened/built) to share them."""
    holder = StorageHolder(settings, storage)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        holder.close()

    app = FastAPI(
        lifespan=lifespan,
        title="newsieve",
        version=__version__,
        description=(
            "Filters repost pages (ads, repost notices, footers, damage) and runs the moderation "
            "review queue. Errors are JSON problem details (RFC 9457) with a stable `code`."
        ),
    )
    metrics = ApiMetrics()
    metrics.watch_storage(lambda: _storage_status(holder))
    app.state.settings = settings
    app.state.tokens = TokenTable(settings.api_tokens)
    app.state.storage_holder = holder
    app.state.ping_storage = holder.ping
    app.state.metrics = metrics
    app.state.filters = FilterService(
        sieve or Sieve(settings.filter_config()),
        storage_getter=holder.get,
        fetch_options=_fetch_options(settings),
    )

    install_problem_handlers(app)
    app.include_router(build_ops_router())
    app.include_router(
        build_filter_router(open_access=settings.api_filter_open, batch_max=settings.api_batch_max)
    )
    app.include_router(build_review_router())
    app.include_router(build_articles_router(open_access=settings.api_filter_open))

    app.mount("/review/static", StaticFiles(directory=STATIC), name="review-static")

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/review")

    @app.get("/review", include_in_schema=False)
    async def review_page() -> FileResponse:
        return FileResponse(STATIC / "review.html", media_type="text/html; charset=utf-8")

    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.api_max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=metrics)

    return app


def _fetch_options(settings: Settings) -> dict[str, Any]:
    """``fetch()``'s keyword arguments, from the settings' ``FetchConfig``."""
    config = settings.fetch_config()
    return {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}


def _storage_status(holder: StorageHolder) -> dict[str, Any]:
    status = holder.get().status()
    return status if isinstance(status, dict) else {}


def app_from_env() -> FastAPI:
    """Factory for uvicorn workers (``newsieve serve --workers N``): settings from the environment."""
    from newsieve.settings import load_settings

    return create_app(load_settings())
