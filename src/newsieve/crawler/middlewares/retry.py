"""Retries with backoff, honouring ``Retry-After`` on 429 and 503 (replaces Scrapy's RetryMiddleware).

The retry waits before it is handed back: ``Retry-After`` (seconds or an HTTP date, capped
at ``NEWSIEVE_RETRY_AFTER_MAX``) when the server sends one, else ``NEWSIEVE_RETRY_BACKOFF``
doubled on every retry. The wait holds the request's download slot, so the same site is not
hit by other requests meanwhile. ``RETRY_TIMES``, ``RETRY_HTTP_CODES`` and ``dont_retry``
work as in Scrapy; network errors are retried the same way.
"""

from __future__ import annotations

import email.utils
import time
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet import task

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

RETRY_AFTER_CODES = frozenset({429, 503})


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP date).

    >>> parse_retry_after("3")
    3.0
    >>> parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0)
    10.0
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


async def _sleep(seconds: float) -> None:
    from twisted.internet import reactor  # the one Scrapy installed

    await maybe_deferred_to_future(task.deferLater(reactor, seconds, lambda: None))  # type: ignore[arg-type]


class RetryAfterMiddleware(RetryMiddleware):
    backoff: float
    retry_after_max: float

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        o = super().from_crawler(crawler)
        o.backoff = crawler.settings.getfloat("NEWSIEVE_RETRY_BACKOFF", 1.0)
        o.retry_after_max = crawler.settings.getfloat("NEWSIEVE_RETRY_AFTER_MAX", 300.0)
        return o

    def _wait(self, request: Request, response: Response | None) -> float:
        if response is not None and response.status in RETRY_AFTER_CODES:
            raw = response.headers.get(b"Retry-After")
            after = parse_retry_after(raw.decode("latin-1") if raw else None)
            if after is not None:
                self.crawler.stats.inc_value(f"newsieve/retry_after/{response.status}")  # type: ignore[union-attr]
                return min(after, self.retry_after_max)
        tries = int(request.meta.get("retry_times", 0))
        return min(self.backoff * (2**tries), self.retry_after_max)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: object = None
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await _sleep(self._wait(request, response))
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: object = None
    ) -> Request | Response | None:
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        retry = self._retry(request, exception)
        if retry is None:
            return None
        await _sleep(self._wait(request, None))
        return retry
