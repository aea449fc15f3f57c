"""The news spider: list pages, sitemaps and feeds lead to articles; articles go to ``raw``.

One spider crawls every configured site (``sites=[SiteConfig...]``). Every callback and
errback yields the requests it found first and then exactly one item (``PageItem`` for an
article, ``Outcome`` otherwise), which the pipelines store and then ack (see ``frontier``).

Article pages are handed on as bytes with the charset of the HTTP header (the filters
decode GBK/GB18030 and read meta charsets themselves). A site with CSS selectors gets a
reduced page instead: the selected title and body, re-encoded as UTF-8.

While the daemon runs, entry URLs (list pages, sitemaps, feeds) are offered to the
scheduler again every ``RESEED_SECONDS``; the frontier only takes those whose recrawl
interval is over (their seen mark has expired).
"""

from __future__ import annotations

import html
import logging
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy import signals as scrapy_signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.sitemap import Sitemap
from twisted.internet import task
from twisted.python.failure import Failure

from newsieve.storage import RawPage

from . import signals
from .fetch import parse_content_type
from .frontier import LEASE_META, seen_ttl_ms
from .items import Outcome, PageItem
from .links import Link, classify, classify_all
from .sites import SiteConfig

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["NewsSpider"]

logger = logging.getLogger(__name__)

RESEED_SECONDS = 30.0
"""How often the daemon offers entry URLs again (the frontier drops those not yet due);
``NEWSIEVE_RESEED_SECONDS`` (the ``crawl_reseed_seconds`` setting) overrides it."""
ARTICLE_PRIORITY = 10
"""Articles go before list pages: a bounded frontier, and articles reach consumers sooner."""
LISTING_KINDS = frozenset({"list", "sitemap", "feed"})
KEPT_HEADERS = ("content-type", "last-modified", "etag", "date", "content-language")


class NewsSpider(scrapy.Spider):
    name = "newsieve"

    def __init__(self, sites: list[SiteConfig], once: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not sites:
            raise ValueError("NewsSpider needs at least one site")
        self.sites = {s.name: s for s in sites}
        self.once = once
        self.draining = False
        self.seen_ttl = 30 * 86400.0
        self.default_recrawl = 900.0
        self.reseed_seconds = RESEED_SECONDS
        self._reseeder: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        s = crawler.settings
        spider.seen_ttl = s.getfloat("NEWSIEVE_SEEN_TTL", spider.seen_ttl)
        spider.default_recrawl = s.getfloat("NEWSIEVE_RECRAWL_SECONDS", spider.default_recrawl)
        spider.reseed_seconds = s.getfloat("NEWSIEVE_RESEED_SECONDS", spider.reseed_seconds)
        crawler.signals.connect(spider._on_idle, signal=scrapy_signals.spider_idle)
        crawler.signals.connect(spider._on_drain, signal=signals.drain)
        crawler.signals.connect(spider._on_opened, signal=scrapy_signals.spider_opened)
        crawler.signals.connect(spider._on_closed, signal=scrapy_signals.spider_closed)
        return spider

    # -- entry points ---------------------------------------------------------------------------
    def entry_requests(self) -> Iterator[Request]:
        for site in self.sites.values():
            for url in site.start_urls:
                yield self._request(site, url, "list")
            for url in site.sitemaps:
                yield self._request(site, url, "sitemap")
            for url in site.feeds:
                yield self._request(site, url, "feed")

    async def start(self) -> AsyncIterator[Request]:
        for request in self.entry_requests():
            yield request

    def _recrawl(self, site: SiteConfig) -> float:
        return site.recrawl_seconds if site.recrawl_seconds is not None else self.default_recrawl

    def _request(self, site: SiteConfig, url: str, kind: str) -> Request:
        callback = {
            "list": self.parse_list,
            "article": self.parse_article,
            "sitemap": self.parse_sitemap,
            "feed": self.parse_feed,
        }[kind]
        meta: dict[str, Any] = {"newsieve_kind": kind, "newsieve_site": site.name}
        if kind != "article":
            meta["newsieve_recrawl"] = self._recrawl(site)
            meta["handle_httpstatus_list"] = [304]
        return Request(
            url,
            callback=callback,
            errback=self.on_error,
            meta=meta,
            priority=ARTICLE_PRIORITY if kind == "article" else 0,
        )

    # -- callbacks ------------------------------------------------------------------------------
    def _site(self, response: Response | Request) -> SiteConfig:
        return self.sites[response.meta["newsieve_site"]]

    def _links(self, response: Response) -> list[Link]:
        if not isinstance(response, TextResponse):
            return []
        out = []
        # Straight on the lxml tree (what ``css("a[href]")`` and ``a.css("::text")`` select, without
        # building two selectors per link: this loop ran for every link of every page).
        for a in response.selector.root.iterfind(".//a[@href]"):
            href = (a.get("href") or "").strip()
            if not href or href.startswith(("javascript:", "mailto:", "#")):
                continue
            text = " ".join(t.strip() for t in a.itertext() if t.strip())
            out.append(Link(response.urljoin(href), text))
        return out

    def _follow(self, response: Response) -> Iterator[Request]:
        site = self._site(response)
        articles, lists = classify_all(site, self._links(response))
        for url in articles:
            yield self._request(site, url, "article")
        for url in lists:
            yield self._request(site, url, "list")

    def _done(self, response: Response, status: str = "ok", reason: str = "") -> Outcome:
        return Outcome(
            url=response.url,
            site=response.meta["newsieve_site"],
            status=status,  # type: ignore[arg-type]
            reason=reason,
            lease=response.meta.get(LEASE_META),
            mark_ms=seen_ttl_ms(response.meta, self.seen_ttl) if status != "failed" else 0,
            listing=response.meta.get("newsieve_kind") in LISTING_KINDS,
        )

    def parse_list(self, response: Response) -> Iterator[Any]:
        return self._safely(response, self._parse_list(response))

    def _parse_list(self, response: Response) -> Iterator[Any]:
        if response.status == 304:
            yield self._done(response, reason="not modified")
            return
        yield from self._follow(response)
        yield self._done(response)

    def parse_article(self, response: Response) -> Iterator[Any]:
        return self._safely(response, self._parse_article(response))

    def _parse_article(self, response: Response) -> Iterator[Any]:
        yield from self._follow(response)  # prev/next and related links find more articles
        site = self._site(response)
        raw_type = response.headers.get(b"Content-Type")
        media, charset = parse_content_type(raw_type.decode("latin-1") if raw_type else None)
        body = response.body
        if (site.title_selector or site.body_selector) and isinstance(response, TextResponse):
            body, charset = _reduced(response, site), "utf-8"
        headers = {}
        for name in KEPT_HEADERS:
            value = response.headers.get(name)
            if value:
                headers[name] = value.decode("latin-1")
        original = response.request.meta.get("redirect_urls", [response.url])[0] if response.request else None
        yield PageItem(
            RawPage(
                url=original or response.url,
                final_url=response.url,
                status=response.status,
                headers=headers,
                content_type=media or "text/html",
                charset=charset,
                body=body,
                site=site.name,
            ),
            lease=response.meta.get(LEASE_META),
            mark_ms=seen_ttl_ms(response.meta, self.seen_ttl),
        )

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        return self._safely(response, self._parse_sitemap(response))

    def _parse_sitemap(self, response: Response) -> Iterator[Any]:
        if response.status == 304:
            yield self._done(response, reason="not modified")
            return
        site = self._site(response)
        try:
            sitemap = Sitemap(response.body)
        except Exception:  # lxml raises several types on broken XML
            yield self._done(response, "failed", "bad sitemap")
            return
        for entry in sitemap:
            url = entry.get("loc", "").strip()
            if not url:
                continue
            if sitemap.type == "sitemapindex":
                yield self._request(site, url, "sitemap")
            elif classify(site, url, "", listed=True) == "article":
                yield self._request(site, url, "article")
        yield self._done(response)

    def parse_feed(self, response: Response) -> Iterator[Any]:
        return self._safely(response, self._parse_feed(response))

    def _parse_feed(self, response: Response) -> Iterator[Any]:
        if response.status == 304:
            yield self._done(response, reason="not modified")
            return
        site = self._site(response)
        sel = scrapy.Selector(text=response.body.decode("utf-8", "replace"), type="xml")
        sel.remove_namespaces()
        urls = sel.xpath("//item/link/text()").getall() + sel.xpath("//entry/link/@href").getall()
        for url in dict.fromkeys(u.strip() for u in urls if u.strip()):
            if classify(site, url, "", listed=True) == "article":
                yield self._request(site, url, "article")
        yield self._done(response)

    def _safely(self, response: Response, results: Iterator[Any]) -> Iterator[Any]:
        """Yield a callback's results; if it raises, end with a failed ``Outcome`` so the
        request is still acked (and not fetched again and again by a buggy callback)."""
        try:
            yield from results
        except Exception as exc:
            logger.exception("parsing %s failed", response.url)
            yield self._done(response, "failed", f"parse_error: {type(exc).__name__}")

    def on_error(self, failure: Failure) -> Iterator[Any]:
        request: Request = failure.request  # type: ignore[attr-defined]
        exc = failure.value
        if isinstance(exc, HttpError):
            status, reason = "failed", f"http_{exc.response.status}"
        elif isinstance(exc, IgnoreRequest):
            status, reason = "skipped", str(exc) or "ignored"
        else:
            status, reason = "failed", type(exc).__name__
        site = request.meta.get("newsieve_site", "")
        yield Outcome(
            url=request.url,
            site=site,
            status=status,  # type: ignore[arg-type]
            reason=reason[:200],
            lease=request.meta.get(LEASE_META),
            mark_ms=seen_ttl_ms(request.meta, self.seen_ttl) if status == "skipped" else 0,
        )

    # -- daemon ---------------------------------------------------------------------------------
    def _on_opened(self, spider: scrapy.Spider) -> None:
        if not self.once:
            self._reseeder = task.LoopingCall(self._reseed)
            self._reseeder.start(self.reseed_seconds, now=False)

    def _on_closed(self, spider: scrapy.Spider) -> None:
        if self._reseeder and self._reseeder.running:
            self._reseeder.stop()

    def _reseed(self) -> None:
        if self.draining or self.crawler.engine is None:
            return
        for request in self.entry_requests():
            self.crawler.engine.crawl(request)

    def _on_drain(self) -> None:
        self.draining = True

    def _on_idle(self, spider: scrapy.Spider) -> None:
        if self.once or self.draining:
            return
        raise DontCloseSpider


def _reduced(response: TextResponse, site: SiteConfig) -> bytes:
    title = ""
    if site.title_selector:
        title = " ".join(t.strip() for t in response.css(site.title_selector).css("::text").getall()).strip()
    body = "".join(response.css(site.body_selector).getall()) if site.body_selector else ""
    if not body:
        body = response.text
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    ).encode()
