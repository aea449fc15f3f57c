"""Plain values of the crawler (the application's ``Settings.crawler_config()`` builds one).

``CrawlerConfig.scrapy_settings()`` turns them into the Scrapy settings dict the crawl
runs with: the wiring of newsieve's components is data, in ``COMPONENTS`` below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["DOWNLOADER_MIDDLEWARES", "ITEM_PIPELINES", "CrawlerConfig"]

_P = "newsieve.crawler"

DOWNLOADER_MIDDLEWARES: dict[str, int | None] = {
    f"{_P}.middlewares.guard.TargetGuardMiddleware": 50,  # before robots.txt: never touch a refused host
    f"{_P}.middlewares.conditional.ConditionalRequestMiddleware": 560,
    # Scrapy's RetryMiddleware (550) is replaced: ours honours Retry-After with backoff.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    f"{_P}.middlewares.retry.RetryAfterMiddleware": 550,
    f"{_P}.middlewares.content.HtmlOnlyMiddleware": 950,  # just above the downloader: sees raw answers
}
ITEM_PIPELINES: dict[str, int] = {
    f"{_P}.pipelines.RawPublishPipeline": 300,
    f"{_P}.pipelines.LeaseAckPipeline": 900,  # last: the item's effect is stored, ack its request
}


@dataclass(frozen=True, slots=True)
class CrawlerConfig:
    """Plain values of a crawl. Each mirrors a ``Settings`` field of the same meaning.

    >>> CrawlerConfig(concurrency=4).scrapy_settings()["CONCURRENT_REQUESTS"]
    4
    """

    download_timeout: float = 20.0
    max_bytes: int = 4 * 1024 * 1024
    warn_bytes: int = 1024 * 1024
    max_redirects: int = 5
    concurrency: int = 16
    concurrency_per_domain: int = 4
    delay: float = 0.25
    autothrottle: bool = True
    user_agent: str = "newsieve/0.1 (+https://github.com/newsieve/newsieve)"
    recrawl_seconds: float = 900.0
    reseed_seconds: float = 30.0
    """How often a daemon offers its entry URLs to the frontier again."""
    known_cache_seconds: float = 60.0
    """How long a crawler trusts its local memory that a URL is queued or seen."""
    lease_seconds: float = 60.0
    grace_seconds: float = 30.0
    seen_ttl_seconds: float = 30 * 86400.0
    """How long a fetched article stays seen (not fetched again)."""
    allow: tuple[str, ...] = ()
    """Hosts/CIDRs the target guard lets through although not public (``fetch_allow``)."""
    allow_private: bool = False
    """Turn the target guard off (the demo, on loopback)."""
    retry_times: int = 3
    retry_backoff: float = 1.0
    """Seconds of the first retry's wait; it doubles each retry (a Retry-After header wins)."""
    retry_after_max: float = 300.0
    """A Retry-After over this many seconds is capped to it."""

    def scrapy_settings(self) -> dict[str, Any]:
        """The Scrapy settings of a crawl with these values (storage and frontier keys aside)."""
        return {
            "BOT_NAME": "newsieve",
            "USER_AGENT": self.user_agent,
            "ROBOTSTXT_OBEY": True,
            "ROBOTSTXT_PARSER": "scrapy.robotstxt.ProtegoRobotParser",
            "ROBOTSTXT_USER_AGENT": self.user_agent,
            "DOWNLOAD_TIMEOUT": self.download_timeout,
            "DOWNLOAD_MAXSIZE": self.max_bytes,
            "DOWNLOAD_WARNSIZE": self.warn_bytes,
            "REDIRECT_MAX_TIMES": self.max_redirects,
            "CONCURRENT_REQUESTS": self.concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": self.concurrency_per_domain,
            "DOWNLOAD_DELAY": self.delay,
            "AUTOTHROTTLE_ENABLED": self.autothrottle,
            "AUTOTHROTTLE_START_DELAY": max(self.delay, 0.1),
            "AUTOTHROTTLE_TARGET_CONCURRENCY": float(self.concurrency_per_domain),
            "RETRY_TIMES": self.retry_times,
            "NEWSIEVE_RETRY_BACKOFF": self.retry_backoff,
            "NEWSIEVE_RETRY_AFTER_MAX": self.retry_after_max,
            "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
            "NEWSIEVE_ALLOW": list(self.allow),
            "NEWSIEVE_ALLOW_PRIVATE": self.allow_private,
            "NEWSIEVE_RECRAWL_SECONDS": self.recrawl_seconds,
            "NEWSIEVE_RESEED_SECONDS": self.reseed_seconds,
            "NEWSIEVE_KNOWN_CACHE_SECONDS": self.known_cache_seconds,
            "NEWSIEVE_LEASE_SECONDS": self.lease_seconds,
            "NEWSIEVE_GRACE_SECONDS": self.grace_seconds,
            "DOWNLOADER_MIDDLEWARES": dict(DOWNLOADER_MIDDLEWARES),
            "ITEM_PIPELINES": dict(ITEM_PIPELINES),
            "SCHEDULER": f"{_P}.frontier.LeaseScheduler",
            "COOKIES_ENABLED": False,
            # Scrapy starts CONCURRENT_ITEMS asyncio tasks for *every* response's output (100 by
            # default): our pipelines and scheduler are synchronous, so they buy nothing and cost
            # a tenth of the crawl's CPU. A few are plenty (a page yields ~5 requests and 1 item).
            "CONCURRENT_ITEMS": 8,
            "TELNETCONSOLE_ENABLED": False,
            "LOG_INSTALL_ROOT_HANDLER": False,
            "LOG_LEVEL": "INFO",
            "NEWSIEVE_SEEN_TTL": self.seen_ttl_seconds,
            "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
            "HTTPCACHE_ENABLED": False,
            "MEMUSAGE_ENABLED": False,
        }
