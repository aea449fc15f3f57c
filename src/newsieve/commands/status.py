"""``newsieve status``: pages fetched, articles published, review pending, errors per site, lags.

Reads Redis only (``Storage.status()``, the frontier counts and the per-site crawl counters);
safe to run while crawlers and workers run. ``--format json`` for scripts.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from newsieve.settings import load_settings

if TYPE_CHECKING:
    from newsieve.storage import Storage


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("status", help="show crawl, filter and review progress from Redis")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--crawl", default="default", help="frontier name (as given to 'newsieve run')")
    p.set_defaults(func=run)


def collect(storage: Storage, crawl: str) -> dict[str, Any]:
    from newsieve.crawler.frontier import frontier_counts
    from newsieve.crawler.worker import GROUP, raw_backlog

    sites: dict[str, dict[str, int]] = {}
    pattern = storage.keys.crawl_stats("*")
    prefix = storage.keys.crawl_stats("")
    for key in storage.redis.scan_iter(match=pattern, count=500):
        name = key.decode() if isinstance(key, bytes) else str(key)
        counters = storage.redis.hgetall(name)
        sites[name.removeprefix(prefix)] = {k.decode(): int(v) for k, v in counters.items()}
    names = ("raw", "articles", "review", "rejected", "deadletter")
    streams = {name: storage.stream_length(name) for name in names}
    lag = [g.to_dict() for g in storage.groups("raw")]
    return {
        "storage": storage.status(),
        "frontier": frontier_counts(storage, crawl),
        "streams": streams,
        "raw_backlog": raw_backlog(storage),
        "filter_group": next((g for g in lag if g["name"] == GROUP), None),
        "sites": dict(sorted(sites.items())),
    }


def run(args: argparse.Namespace) -> int:
    from newsieve.storage import open_storage

    settings = load_settings()
    with open_storage(settings.storage_config()) as storage:
        info = collect(storage, args.crawl)
    if args.format == "json":
        print(json.dumps(info, ensure_ascii=False, indent=2, default=str))
        return 0
    from rich.console import Console
    from rich.table import Table

    console = Console()
    f = info["frontier"]
    console.print(
        f"frontier [b]{args.crawl}[/b]: {f['queued']} queued, {f['inflight']} in flight  |  "
        f"raw backlog: {info['raw_backlog']}"
    )
    streams = Table(title="streams")
    for name in info["streams"]:
        streams.add_column(name, justify="right")
    streams.add_row(*(str(v) for v in info["streams"].values()))
    console.print(streams)
    review = info["storage"].get("review")
    if review:
        console.print("review: " + ", ".join(f"{k} {v}" for k, v in review.items()))
    sites = Table(title="sites")
    for col in ("site", "fetched", "published_raw", "skipped", "errors", "top error"):
        sites.add_column(col, justify="left" if col in ("site", "top error") else "right")
    for name, c in info["sites"].items():
        errs = {k.removeprefix("errors/"): v for k, v in c.items() if k.startswith("errors/")}
        top = max(errs.items(), key=lambda kv: kv[1]) if errs else None
        sites.add_row(
            name, str(c.get("fetched", 0)), str(c.get("published_raw", 0)), str(c.get("skipped", 0)),
            str(c.get("errors", 0)), f"{top[0]} ({top[1]})" if top else "",
        )  # fmt: skip
    console.print(sites)
    return 0
