"""``newsieve filter-worker``: filter raw pages as one member of the ``filters`` consumer group.

Run as many as needed, on any machine pointed at the same Redis: each raw page is filtered
by one of them (at least once), its verdict routed to ``articles``, ``review`` or
``rejected``, then acked. SIGTERM/SIGINT finish the batch in hand and exit 0. ``--once``
exits when nothing is left to filter.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from typing import Any

from newsieve.filters import Sieve
from newsieve.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "filter-worker",
        help="filter raw pages from Redis (one member of the 'filters' consumer group)",
        description="Consume the 'raw' stream, run the filters, route each verdict, ack after routing.",
    )
    p.add_argument("--name", help="consumer name (default: host-pid)")
    p.add_argument("--once", action="store_true", help="exit when nothing is left to filter")
    p.add_argument("--log-level", default="INFO")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from newsieve.crawler.logs import setup_logging
    from newsieve.crawler.worker import FilterWorker
    from newsieve.storage import open_storage

    settings = load_settings()
    json_logs = setup_logging(args.log_level)
    storage = open_storage(settings.storage_config())
    worker = FilterWorker(storage, Sieve(settings.filter_config()), name=args.name)

    def on_signal(signum: int, frame: Any) -> None:
        if worker.stopping:
            raise SystemExit(130)
        worker.stop()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    try:
        stats = worker.run(follow=not args.once)
    finally:
        storage.close()
    summary = {"event": "filter_worker_finished", "filtered": stats.filtered, "failed": stats.failed,
               "by_status": stats.by_status}  # fmt: skip
    print(json.dumps(summary, ensure_ascii=False), file=sys.stderr if json_logs else sys.stdout)
    return 0
