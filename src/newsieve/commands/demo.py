"""``newsieve demo``: the whole pipeline on a bundled repost site, on this machine, offline.

Starts the demo site (``newsieve.demo``) on 127.0.0.1, crawls it with ``newsieve run --once``'s
machinery on the embedded Redis (or ``REDIS_URL``) under the key prefix ``<prefix>demo:``
(cleared first), filters every page, then prints a summary and a few cleaned articles side
by side with their originals. The README's ``make demo``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import shlex
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsieve.settings import load_settings

if TYPE_CHECKING:
    from newsieve.storage import Storage


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("demo", help="crawl and clean a bundled repost site on loopback (offline)")
    p.add_argument("--articles", type=int, default=12, help="articles on the demo site")
    p.add_argument("--show", type=int, default=3, help="cleaned articles to show beside their originals")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=run)


def _clear(storage: Storage) -> None:
    keys = list(storage.redis.scan_iter(match=storage.keys.prefix + "*", count=1000))
    for i in range(0, len(keys), 500):
        storage.redis.delete(*keys[i : i + 500])


def run(args: argparse.Namespace) -> int:
    from newsieve.crawler.logs import setup_logging
    from newsieve.crawler.process import RunOptions, run_crawl
    from newsieve.crawler.sites import parse_sites
    from newsieve.demo import DemoServer, DemoSite
    from newsieve.storage import open_storage

    settings = load_settings()
    storage_config = dataclasses.replace(settings.storage_config(), key_prefix=settings.key_prefix + "demo:")
    setup_logging("CRITICAL")  # the demo's failures are on purpose; the summary counts them
    with open_storage(storage_config) as storage:
        _clear(storage)
    site = DemoSite(articles=args.articles, per_page=4, slow_seconds=1.0)
    started = time.monotonic()
    with DemoServer(site) as server:
        sites = parse_sites(
            {
                "name": "demo",
                "start_urls": [server.url("/list/1.html")],
                "sitemaps": [server.url("/sitemap.xml")],
                "feeds": [server.url("/rss.xml")],
            }
        )
        crawler = dataclasses.replace(
            settings.crawler_config(),
            allow=(*settings.fetch_allow, "127.0.0.1"),  # the demo site is on loopback: allowed here only
            delay=0.0,
            retry_backoff=0.2,
            autothrottle=False,
        )
        result = run_crawl(
            RunOptions(
                sites=sites,
                crawler=crawler,
                storage=storage_config,
                filters=settings.filter_config(),
                once=True,
                crawl="demo",
                log_level="CRITICAL",
            )
        )
        hits = sum(server.hits.values())
    with open_storage(storage_config) as storage:
        summary = _summary(storage, result.stats, hits, time.monotonic() - started)
        shown = storage.articles_after(None, args.show) if args.show > 0 else []
    if args.format == "json":
        print(json.dumps({"summary": summary, "articles": shown}, ensure_ascii=False, indent=2, default=str))
        return 0
    _print(summary, shown)
    return 0


def _summary(storage: Storage, stats: dict[str, Any], hits: int, seconds: float) -> dict[str, Any]:
    streams = {name: storage.stream_length(name) for name in ("raw", "articles", "review", "rejected")}
    return {
        "seconds": round(seconds, 1),
        "requests_served": hits,
        "pages_published_raw": stats.get("newsieve/published_raw", 0),
        "retries": stats.get("retry/count", 0),
        "robots_forbidden": stats.get("robotstxt/forbidden", 0),
        "skipped_non_html": sum(v for k, v in stats.items() if k.startswith("newsieve/skipped/")),
        "streams": streams,
        "redis_prefix": storage.keys.prefix,
    }


def _print(summary: dict[str, Any], shown: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    s = summary["streams"]
    console.print(
        f"[b]newsieve demo[/b]: crawled the bundled repost site in {summary['seconds']} s "
        f"({summary['requests_served']} requests, {summary['retries']} retries, "
        f"{summary['robots_forbidden']} refused by robots.txt, "
        f"{summary['skipped_non_html']} non-HTML skipped)"
    )
    console.print(
        f"pages fetched: {s['raw']}  ->  published: {s['articles']}, review: {s['review']}, "
        f"rejected: {s['rejected']}   (Redis keys under {summary['redis_prefix']!r})"
    )
    for message in shown:
        verdict = message.get("verdict", {})
        table = Table(title=escape(verdict.get("title") or message.get("url") or ""), expand=True)
        table.add_column("original (as the repost site served it)", ratio=1, overflow="fold")
        table.add_column("cleaned", ratio=1, overflow="fold")
        table.add_row(escape(verdict.get("original_text", "")), escape(verdict.get("text", "")))
        console.print(table)
        removed = verdict.get("removed") or []
        for span in removed:
            text = " ".join(span.get("text", "").split())  # one line (a span may hold its newline)
            snippet = text[:60] + ("..." if len(text) > 60 else "")
            console.print(escape(f"  removed [{span.get('reason')}]: {snippet}"))
        flags = [f.get("label") for f in verdict.get("flags") or []]
        if flags:
            console.print(f"  flags: {', '.join(flags)}")
    prefix, exe = shlex.quote(summary["redis_prefix"]), _command_name()
    console.print(
        "\nThe articles are queued in Redis. Read them as a consumer would, or look at the streams:\n"
        f"  NEWSIEVE_KEY_PREFIX={prefix} {exe} consume --group mine\n"
        f"  NEWSIEVE_KEY_PREFIX={prefix} {exe} status",
        markup=False, highlight=False,
    )  # fmt: skip


def _command_name() -> str:
    """How this command was run (`.venv/bin/newsieve` from ``make demo``), for commands to copy."""
    argv0 = Path(sys.argv[0])
    if argv0.name != "newsieve":
        return "newsieve"
    with contextlib.suppress(ValueError):
        return shlex.quote(str(argv0.resolve().relative_to(Path.cwd().resolve())))
    return shlex.quote(str(argv0))
