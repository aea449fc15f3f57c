"""``newsieve run --sites sites.toml [--once]``: the crawler daemon (crawl + its own filter worker).

Runs on the embedded Redis unless ``REDIS_URL`` names one. The filter worker is a child
process of the daemon (``--no-filter-worker``: run ``newsieve filter-worker``s instead).
Without ``--once`` it runs until SIGTERM/SIGINT, recrawling list pages on schedule; with
``--once`` it exits 0 when the frontier is empty and every raw page is filtered. The first
signal drains (exit 0), a second one exits at once (130). Logs are JSON lines unless stderr
is a terminal, where progress is shown.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import Any

from newsieve.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "run",
        help="crawl the configured sites and filter what is fetched (the daemon)",
        description="Crawl repost sites into Redis: pages go to 'raw', the filter worker routes them "
        "to 'articles', 'review' or 'rejected'. Several 'run' processes on one Redis share the crawl.",
    )
    p.add_argument("--sites", required=True, help="a TOML site config, or a folder of them")
    p.add_argument("--once", action="store_true", help="exit 0 once the frontier is empty, all filtered")
    p.add_argument("--crawl", default="default", help="frontier name: crawlers with one name share a crawl")
    p.add_argument(
        "--no-filter-worker", action="store_true", help="do not filter here (run 'newsieve filter-worker')"
    )
    p.add_argument("--allow-private", action="store_true", help="reach private and loopback hosts")
    p.add_argument("--log-level", default="INFO")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from newsieve.crawler.logs import setup_logging
    from newsieve.crawler.process import RunOptions, run_crawl
    from newsieve.crawler.sites import load_sites

    settings = load_settings()
    sites = load_sites(args.sites)
    crawler = settings.crawler_config()
    if args.allow_private:
        crawler = dataclasses.replace(crawler, allow_private=True)
    json_logs = setup_logging(args.log_level)
    progress = None if json_logs else _Progress()
    options = RunOptions(
        sites=sites,
        crawler=crawler,
        storage=settings.storage_config(),
        filters=settings.filter_config(),
        once=args.once,
        crawl=args.crawl,
        filter_worker=not args.no_filter_worker,
        log_level=args.log_level,
        on_tick=progress.tick if progress else None,
    )
    try:
        result = run_crawl(options)
    finally:
        if progress:
            progress.stop()
    summary = {
        "event": "run_finished",
        "reason": result.reason,
        "pages": result.stats.get("newsieve/published_raw", 0),
        "requests": result.stats.get("downloader/request_count", 0),
        "filtered": result.filtered,
    }
    print(json.dumps(summary, ensure_ascii=False), file=sys.stderr if json_logs else sys.stdout)
    return result.exit_code


class _Progress:
    """A one-line rich status on a terminal: requests, pages published, backlog, filtered."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)
        self.status = self.console.status("starting crawl")
        self.status.start()

    def tick(self, info: dict[str, Any]) -> None:
        stats = info.get("stats", {})
        line = (
            f"requests {stats.get('downloader/request_count', 0)}  "
            f"pages {stats.get('newsieve/published_raw', 0)}  "
            f"requeued {stats.get('frontier/requeued', 0)}"
        )
        if "backlog" in info:
            line += f"  filtering: {info['backlog']} left, {info.get('filtered', 0)} done"
        self.status.update(line)

    def stop(self) -> None:
        self.status.stop()
