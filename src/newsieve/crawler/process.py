"""Run a crawl: Scrapy in this process's main thread, a filter worker in a child process.

``run_crawl(RunOptions(...))`` is what ``newsieve run`` and ``newsieve demo`` call:

- the crawl runs until the frontier is empty (``once=True``) or forever (the spider re-offers
  its entry URLs for recrawl), sharing the frontier with every other crawler of the same
  ``crawl`` name on the same Redis;
- a filter worker consumes ``raw`` meanwhile, in a child process (the filters are CPU-bound;
  the crawl keeps its own core), which stops with this process or when it dies; with
  ``once=True`` the run ends when the crawl is over *and* every raw page is filtered;
- the first SIGTERM/SIGINT stops scheduling (``signals.drain``): in-flight requests finish,
  their pages are published and acked, then the crawl closes and the worker finishes its
  batch. After ``grace_seconds`` the crawl is stopped anyway and its unfinished leases go back
  on the queue. Exit code 0. A second signal exits at once (code 130): acked work is in
  Redis; unacked leases expire and are fetched again by the next crawler.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from newsieve.exceptions import StorageError
from newsieve.filters import FilterConfig
from newsieve.storage import StorageConfig, open_storage

from . import signals as ns_signals
from .config import CrawlerConfig
from .logs import apply_levels
from .sites import SiteConfig
from .worker import WorkerProcess, raw_backlog

__all__ = ["RunOptions", "RunResult", "run_crawl"]

logger = logging.getLogger(__name__)

BACKLOG_POLL = 0.2
"""Seconds between two looks at the raw backlog while the filter worker finishes (--once)."""


@dataclass
class RunOptions:
    sites: list[SiteConfig]
    crawler: CrawlerConfig = field(default_factory=CrawlerConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    filters: FilterConfig = field(default_factory=FilterConfig)
    once: bool = False
    crawl: str = "default"
    """Name of the shared frontier: crawlers with the same name share one crawl."""
    filter_worker: bool = True
    """Run a filter worker beside the crawl, as a child process of this one (``False``: run
    separate ``newsieve filter-worker`` processes instead)."""
    worker_name: str | None = None
    log_level: str = "INFO"
    extra_settings: dict[str, Any] = field(default_factory=dict)
    on_tick: Callable[[dict[str, Any]], None] | None = None
    """Called about once a second from the main thread with progress counters."""


@dataclass
class RunResult:
    exit_code: int
    reason: str
    stats: dict[str, Any]
    filtered: int


def scrapy_settings(options: RunOptions) -> dict[str, Any]:
    settings = options.crawler.scrapy_settings()
    settings["NEWSIEVE_STORAGE"] = dataclasses.asdict(options.storage)
    settings["NEWSIEVE_CRAWL"] = options.crawl
    if options.once:
        settings["NEWSIEVE_RUN_ID"] = uuid.uuid4().hex[:12]
    settings["LOG_LEVEL"] = options.log_level
    slots: dict[str, dict[str, Any]] = {}
    for site in options.sites:
        for domain in site.domains:
            slot: dict[str, Any] = {}
            if site.delay is not None:
                slot["delay"] = site.delay
            if site.concurrency is not None:
                slot["concurrency"] = site.concurrency
            if slot:
                slots[domain] = slot
    if slots:
        settings["DOWNLOAD_SLOTS"] = slots
    settings.update(options.extra_settings)
    return settings


def run_crawl(options: RunOptions) -> RunResult:
    """Crawl (and filter) until done or signalled; see the module docstring."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.reactor import install_reactor, is_reactor_installed

    from .spider import NewsSpider

    storage = open_storage(options.storage)
    worker: WorkerProcess | None = None
    if options.filter_worker:
        worker = WorkerProcess(options.storage, options.filters, name=options.worker_name)
        worker.start()

    settings = scrapy_settings(options)
    if not is_reactor_installed():
        install_reactor(settings["TWISTED_REACTOR"])
    process = CrawlerProcess(settings)
    apply_levels(options.log_level)
    from twisted.internet import reactor  # the one installed above
    crawler = process.create_crawler(NewsSpider)
    state = {"signals": 0, "reason": "finished"}

    def drain() -> None:
        crawler.signals.send_catch_log(ns_signals.drain)
        reactor.callLater(options.crawler.grace_seconds, _stop_now)  # type: ignore[attr-defined]

    def _stop_now() -> None:
        if crawler.crawling:
            logger.warning("grace period over: stopping with requests in flight (they go back on the queue)")
            crawler.stop()

    def on_signal(signum: int, frame: Any) -> None:
        state["signals"] += 1
        if state["signals"] == 1:
            state["reason"] = "shutdown"
            logger.info("signal %d: draining (a second signal exits at once)", signum)
            reactor.callFromThread(drain)  # type: ignore[attr-defined]
            return
        logger.warning("second signal: exiting now; unacked work will be redone by the next run")
        if worker is not None:
            worker.kill()
        os._exit(130)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    ticker = None
    if options.on_tick is not None:
        from twisted.internet import task

        def tick() -> None:
            options.on_tick({"stats": dict(crawler.stats.get_stats()) if crawler.stats else {}})  # type: ignore[misc]

        ticker = task.LoopingCall(tick)
    try:
        process.crawl(crawler, sites=options.sites, once=options.once)
        if ticker is not None:
            reactor.callWhenRunning(ticker.start, 1.0, False)  # type: ignore[attr-defined]
        process.start(install_signal_handlers=False)
        stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
        if worker is not None:
            # Filter what the crawl published. --once: everything; after a signal: what is here now.
            while worker.is_alive():
                backlog = raw_backlog(storage)
                if backlog == 0:
                    break
                if options.on_tick is not None:
                    options.on_tick({"stats": stats, "backlog": backlog})
                time.sleep(BACKLOG_POLL)
            worker.stop()
            worker.join(max(5.0, options.crawler.grace_seconds))
            if worker.failed and not state["signals"]:  # a Ctrl-C also reaches the child
                raise StorageError(f"the filter worker process failed (exit code {worker.process.exitcode})")
        return RunResult(0, state["reason"], stats, worker.filtered if worker else 0)
    finally:
        if worker is not None and worker.is_alive():
            worker.stop()
            worker.join(10)
        for s, handler in previous.items():
            signal.signal(s, handler)
        storage.close()
