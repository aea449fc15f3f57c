"""Conditional requests (ETag, Last-Modified) for list pages, sitemaps and feeds.

The validators of the last 200 answer are kept in Redis (``Keys.frontier(crawl,
"validators")``: URL hash -> JSON), shared by every crawler; a recrawl sends
``If-None-Match``/``If-Modified-Since`` and a 304 reaches the spider as "nothing new".
Articles are fetched once, so they carry no validators.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from scrapy.http import Request, Response

from newsieve.storage import StorageConfig, open_storage
from newsieve.storage.urls import canonical_url, url_hash

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from newsieve.storage import Storage

CONDITIONAL_KINDS = frozenset({"list", "sitemap", "feed"})


class ConditionalRequestMiddleware:
    def __init__(self, storage: Storage, crawl: str) -> None:
        self.storage = storage
        self.key = storage.keys.frontier(crawl, "validators")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        s = crawler.settings
        storage = open_storage(StorageConfig(**(s.getdict("NEWSIEVE_STORAGE") or {})))
        return cls(storage, s.get("NEWSIEVE_CRAWL") or "default")

    def process_request(self, request: Request) -> None:
        if request.meta.get("newsieve_kind") not in CONDITIONAL_KINDS:
            return None
        raw = self.storage.redis.hget(self.key, url_hash(canonical_url(request.url)))
        if raw:
            saved = json.loads(raw)
            if saved.get("etag"):
                request.headers.setdefault(b"If-None-Match", saved["etag"])
            if saved.get("last_modified"):
                request.headers.setdefault(b"If-Modified-Since", saved["last_modified"])
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("newsieve_kind") in CONDITIONAL_KINDS and response.status == 200:
            etag = response.headers.get(b"ETag")
            modified = response.headers.get(b"Last-Modified")
            if etag or modified:
                value = {
                    "etag": etag.decode("latin-1") if etag else None,
                    "last_modified": modified.decode("latin-1") if modified else None,
                }
                self.storage.redis.hset(self.key, url_hash(canonical_url(request.url)), json.dumps(value))
        return response
