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
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from newsieve import __version__
from newsieve.exceptions import NewsieveError, RedisUnavailable
from newsieve.filters import Sieve

from .auth import TokenTable
from .filtering import FilterService
from .limits import BodyLimitMiddleware
from .metrics import ApiMetrics, MetricsMiddleware
from .problems import install_problem_handlers
from .routes_filter import build_filter_router
from .routes_ops import build_ops_router

__all__ = ["create_app"]

log = logging.getLogger("newsieve.api")
STATIC = Path(__file__).parent / "static"
API_REDIS_RETRY_SECONDS = 2.0
"""An HTTP caller gets a 503 after this long without Redis, rather than the storage default
(30 s, right for workers that should ride out a Redis restart)."""


class StorageHolder:
    """Opens storage on first use; a failed open is retried on the next call."""

    def __init__(self, settings: Any, storage: Any = None) -> None:
        self._settings = settings
        self._storage = storage
        self._lock = threading.Lock()

    def get(self) -> Any:
        if self._storage is None:
            with self._lock:
                if self._storage is None:
                    self._storage = self._open()
        return self._storage

    def _open(self) -> Any:
        try:
            from newsieve.storage import StorageConfig, open_storage
        except ImportError as exc:
            raise RedisUnavailable("storage is not available in this build") from exc
        builder = getattr(self._settings, "storage_config", None)
        if builder is not None:
            config = builder()
        else:
            s = self._settings
            config = StorageConfig(redis_url=s.redis_url, data_dir=s.data_dir, key_prefix=s.key_prefix)
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
        storage, self._storage = self._storage, None
        close = getattr(storage, "close", None)
        if close is not None:
            close()


def create_app(settings: Any, *, storage: Any = None, sieve: Sieve | None = None) -> FastAPI:
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
    _include_review(app, settings)

    app.mount("/review/static", StaticFiles(directory=STATIC), name="review-static")

    @app.get("/review", include_in_schema=False)
    async def review_page() -> FileResponse:
        return FileResponse(STATIC / "review.html", media_type="text/html; charset=utf-8")

    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.api_max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=metrics)

    return app


def _include_review(app: FastAPI, settings: Any) -> None:
    try:
        from .routes_review import build_articles_router, build_review_router
    except ImportError:  # storage not importable: the filter API still serves
        log.warning("review endpoints disabled: storage is not importable")
        return
    app.include_router(build_review_router())
    app.include_router(build_articles_router(open_access=settings.api_filter_open))


def _fetch_options(settings: Any) -> dict[str, Any]:
    builder = getattr(settings, "fetch_config", None)
    if builder is None:
        return {}
    config = builder()
    return {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}


def _storage_status(holder: StorageHolder) -> dict[str, Any]:
    status = holder.get().status()
    return status if isinstance(status, dict) else {}


def app_from_env() -> FastAPI:
    """Factory for uvicorn workers (``newsieve serve --workers N``): settings from the environment."""
    from newsieve.settings import load_settings

    return create_app(load_settings())
