"""Refuse crawl targets that are not public addresses, unless allowed (the crawl's SSRF guard).

The same check as one-off fetches (``crawler.fetch.check_target``), once per host and
cached for ``CACHE_SECONDS``: a site config (or a link on a page) pointing at a private,
loopback, link-local or metadata address is dropped with ``IgnoreRequest``. Settings:
``NEWSIEVE_ALLOW`` (hosts/CIDRs let through), ``NEWSIEVE_ALLOW_PRIVATE`` (guard off).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request

from newsieve.exceptions import FetchBlocked, FetchError

from ..fetch import check_target

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

CACHE_SECONDS = 300.0
"""How long one host's verdict is kept (hosts are few: the configured sites')."""
MAX_HOSTS = 4096
"""The cache is cleared when it grows past this, so it stays bounded."""


class TargetGuardMiddleware:
    def __init__(self, allow: tuple[str, ...] = (), allow_private: bool = False) -> None:
        self.allow = allow
        self.allow_private = allow_private
        self._cache: dict[tuple[str, int | None], tuple[float, str | None]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TargetGuardMiddleware:
        s = crawler.settings
        return cls(tuple(s.getlist("NEWSIEVE_ALLOW")), s.getbool("NEWSIEVE_ALLOW_PRIVATE"))

    def process_request(self, request: Request) -> None:
        if self.allow_private:
            return None
        from urllib.parse import urlsplit

        parts = urlsplit(request.url)
        key = (parts.hostname or "", parts.port)
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached is None or cached[0] < now:
            try:
                check_target(request.url, allow=self.allow)
                error = None
            except (FetchBlocked, FetchError) as exc:
                error = str(exc)
            if len(self._cache) >= MAX_HOSTS:
                self._cache.clear()
            cached = (now + CACHE_SECONDS, error)
            self._cache[key] = cached
        if cached[1] is not None:
            raise IgnoreRequest(f"target refused: {cached[1]}")
        return None
