"""Item pipelines: publish fetched pages on ``raw``, count outcomes per site, then ack the lease.

``RawPublishPipeline`` (300) XADDs a ``PageItem`` onto the ``raw`` stream
(``Storage.publish_raw``) and counts every outcome in the site's stats hash
(``Keys.crawl_stats(site)``: ``fetched``, ``published_raw``, ``skipped``, ``errors``,
``errors/<reason>``), which ``newsieve status`` shows. ``LeaseAckPipeline`` (900) runs
last: the item's effect is stored, so the frontier may forget the request (``lease_done``).
A failing ``publish_raw`` raises, the item never reaches the ack, and the lease expires:
another crawler fetches the page again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from newsieve.storage import StorageConfig, open_storage

from . import signals
from .items import Outcome, PageItem

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from newsieve.storage import Storage

__all__ = ["LeaseAckPipeline", "RawPublishPipeline"]

logger = logging.getLogger(__name__)


class RawPublishPipeline:
    def __init__(self, storage: Storage, stats: Any = None) -> None:
        self.storage = storage
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RawPublishPipeline:
        config = StorageConfig(**(crawler.settings.getdict("NEWSIEVE_STORAGE") or {}))
        return cls(open_storage(config), crawler.stats)

    def close_spider(self, spider: object = None) -> None:
        self.storage.close()

    def process_item(self, item: Any, spider: object = None) -> Any:
        if isinstance(item, PageItem):
            pipe = self.storage.redis.pipeline(transaction=False)  # the page and its counters: one trip
            self.storage.publish_raw(item.page, pipeline=pipe)
            self._count(item.site, "fetched", "published_raw", pipe=pipe)
            pipe.execute()
            if self.stats is not None:
                self.stats.inc_value("newsieve/published_raw")
        elif isinstance(item, Outcome):
            if item.status == "failed":
                self._count(item.site, "errors", f"errors/{item.reason[:60]}")
            elif item.status == "skipped":
                self._count(item.site, "skipped")
            else:
                self._count(item.site, "fetched")
        return item

    def _count(self, site: str, *fields: str, pipe: Any = None) -> None:
        key = self.storage.keys.crawl_stats(site or "-")
        own = pipe is None
        if own:
            pipe = self.storage.redis.pipeline(transaction=False)
        for name in fields:
            pipe.hincrby(key, name, 1)
        if own:
            pipe.execute()


class LeaseAckPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeaseAckPipeline:
        return cls(crawler)

    def process_item(self, item: Any, spider: object = None) -> Any:
        lease = getattr(item, "lease", None)
        if lease is not None:
            listing = isinstance(item, Outcome) and item.listing
            self.crawler.signals.send_catch_log(
                signals.lease_done, lease=lease, mark_ms=item.mark_ms, listing=listing
            )
            item.lease = None
        if isinstance(item, PageItem):
            item.page.body = b""  # the page is on raw now; do not keep it alive in logs or signals
        return item
