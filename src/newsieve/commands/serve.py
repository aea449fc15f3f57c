"""``newsieve serve``: the filter API, the review queue API and the review page, with uvicorn.

Settings come from the environment and ``NEWSIEVE_CONFIG`` as everywhere (tokens:
``NEWSIEVE_API_TOKENS``); ``--redis-url`` overrides ``REDIS_URL``. With ``--workers N`` (N > 1)
uvicorn runs N processes, each building the app from the same settings.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
from collections.abc import Iterator

from newsieve.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "serve",
        help="serve the filter API, the review queue and the review page",
        description="Serve the HTTP API (FastAPI + uvicorn): /v1/filter, /v1/review, /review, "
        "/healthz, /readyz, /metrics, /openapi.json.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default: 1)")
    p.add_argument("--redis-url", help="Redis URL (default: REDIS_URL, else the embedded server)")
    p.add_argument("--log-level", default="info", choices=("critical", "error", "warning", "info", "debug"))
    p.add_argument("--no-access-log", action="store_true", help="do not log each request")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    settings = load_settings(redis_url=args.redis_url)  # fails early on a bad config
    common = {
        "host": args.host,
        "port": args.port,
        "log_level": args.log_level,
        "access_log": not args.no_access_log,  # the access log has method, path, status: never headers
        "proxy_headers": False,
    }
    if args.workers > 1:
        if args.redis_url:
            os.environ["REDIS_URL"] = args.redis_url  # the workers load the settings themselves
        with _multiprocess_metrics():
            uvicorn.run("newsieve.api.app:app_from_env", factory=True, workers=args.workers, **common)
        return 0
    from newsieve.api import create_app

    uvicorn.run(create_app(settings), **common)
    return 0


@contextlib.contextmanager
def _multiprocess_metrics() -> Iterator[None]:
    """Workers count into files of one folder, so that any worker's /metrics adds them all up.
    A folder given in ``PROMETHEUS_MULTIPROC_DIR`` is used (and must be emptied between runs by
    whoever set it); otherwise a fresh temporary one, removed on exit."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="newsieve-metrics-") as folder:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
        try:
            yield
        finally:
            del os.environ["PROMETHEUS_MULTIPROC_DIR"]
