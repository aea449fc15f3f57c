"""The crawler's parts on their own: site configs, link classification, Retry-After, and the
frontier's lease/ack protocol against the real test Redis (no crawl)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import scrapy
from scrapy import Request

from newsieve.crawler.frontier import LEASE_META, LeaseScheduler, frontier_counts
from newsieve.crawler.links import classify
from newsieve.crawler.middlewares.retry import parse_retry_after
from newsieve.crawler.sites import load_sites, parse_sites
from newsieve.exceptions import ConfigError
from newsieve.storage import Storage

BASE = "http://news.example.cn"

# -- site configs ---------------------------------------------------------------------------------


def test_a_start_url_alone_is_a_site() -> None:
    (site,) = parse_sites({"start_urls": [f"{BASE}/list/1.html"]})
    assert site.name == "news.example.cn"
    assert site.domains == ("news.example.cn",)
    assert site.delay is None and site.title_selector is None


def test_full_config_from_a_folder(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(
        "[[site]]\n"
        'name = "a"\n'
        f'start_urls = ["{BASE}/list/1.html"]\n'
        f'sitemaps = ["{BASE}/sitemap.xml"]\n'
        "article_allow = ['/news/\\d+\\.html$']\n"
        "article_deny = ['/members/']\n"
        'title_selector = "h1"\n'
        "delay = 1.5\nconcurrency = 2\nrecrawl_seconds = 600\n",
        encoding="utf-8",
    )
    (tmp_path / "b.toml").write_text('start_urls = ["http://b.example/"]\nname = "b"\n', encoding="utf-8")
    a, b = load_sites(tmp_path)
    assert (a.name, a.delay, a.concurrency, a.recrawl_seconds) == ("a", 1.5, 2, 600.0)
    assert b.name == "b"


@pytest.mark.parametrize(
    "raw, message",
    [
        ({}, "needs at least one"),
        ({"start_urls": ["ftp://x.example/"]}, "not an http"),
        ({"start_urls": [f"{BASE}/"], "article_allow": ["(|)"]}, "empty string"),
        ({"start_urls": [f"{BASE}/"], "article_allow": ["("]}, "pattern"),
        ({"start_urls": [f"{BASE}/"], "delay": -1}, "non-negative"),
        ({"start_urls": [f"{BASE}/"], "concurrency": 0}, "positive integer"),
        ({"start_urls": [f"{BASE}/"], "colour": "red"}, "unknown keys"),
        ({"site": [{"start_urls": [f"{BASE}/"]}, {"start_urls": [f"{BASE}/x"]}]}, "used twice"),
    ],
)
def test_bad_configs_are_refused_with_the_reason(raw: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_sites(raw)


# -- links ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, text, kind",
    [
        ("/news/2026/00001.html", "城东老旧小区改造工程全面启动", "article"),
        ("/a/20261125/123.shtml", "我市开通首条夜间公交线路", "article"),
        ("/content_4567.htm", "社区食堂让老人吃上热乎饭", "article"),
        ("/list/2.html", "下一页", "list"),
        ("/list_3.html", "3", "list"),
        ("/news/index_2.html", "尾页", "list"),
        ("/about.html", "关于我们", "skip"),
        ("/news/2026/00002.html", "更多", "skip"),  # a title is longer than a nav word
        ("/files/report.pdf", "报告全文（PDF）下载", "skip"),
        ("/images/photo-2026.jpg", "高清大图一张两张", "skip"),
    ],
)
def test_links_by_url_shape_and_text(path: str, text: str, kind: str) -> None:
    (site,) = parse_sites({"start_urls": [f"{BASE}/list/1.html"]})
    assert classify(site, BASE + path, text) == kind


def test_other_hosts_and_denied_paths_are_skipped() -> None:
    (site,) = parse_sites({"start_urls": [f"{BASE}/list/1.html"], "article_deny": ["/members/"]})
    title = "城东老旧小区改造工程全面启动"
    assert classify(site, "http://other.example/news/2026/00001.html", title) == "skip"
    assert classify(site, f"{BASE}/members/news-909.html", "会员专享年终消费券") == "skip"


def test_site_patterns_override_the_shape() -> None:
    (site,) = parse_sites(
        {"start_urls": [f"{BASE}/"], "article_allow": ["/story/"], "pagination": [r"/more/\d+$"]}
    )
    assert classify(site, f"{BASE}/story/abc", "x") == "article"
    assert classify(site, f"{BASE}/news/2026/00001.html", "城东老旧小区改造工程全面启动") == "skip"
    assert classify(site, f"{BASE}/more/2", "更多") == "list"


def test_retry_after_values() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


# -- the frontier's protocol ----------------------------------------------------------------------


class _Spider(scrapy.Spider):
    name = "unit"

    def parse(self, response):  # type: ignore[no-untyped-def]
        return None


def _scheduler(storage: Storage, lease: float = 30.0) -> LeaseScheduler:
    sched = LeaseScheduler(storage, crawl="unit", lease_seconds=lease)
    sched.spider = _Spider()
    return sched


def test_a_url_is_queued_once_while_pending_and_not_again_once_done(storage: Storage) -> None:
    a = _scheduler(storage)
    b = _scheduler(storage)
    assert a.enqueue_request(Request(f"{BASE}/news/1.html"))
    assert not b.enqueue_request(Request(f"{BASE}/news/1.html?utm_source=x"))  # same canonical URL
    popped = b.next_request()
    assert popped is not None and popped.url == f"{BASE}/news/1.html"
    assert not a.enqueue_request(Request(f"{BASE}/news/1.html"))  # in flight
    b.ack(popped.meta[LEASE_META], mark_ms=60_000)
    assert frontier_counts(storage, "unit") == {"queued": 0, "inflight": 0, "pending": 0}
    assert not a.enqueue_request(Request(f"{BASE}/news/1.html"))  # seen: done
    assert storage.seen(f"{BASE}/news/1.html")


def test_a_failed_request_is_not_marked_seen(storage: Storage) -> None:
    s = _scheduler(storage)
    s.enqueue_request(Request(f"{BASE}/news/2.html"))
    req = s.next_request()
    assert req is not None
    s.ack(req.meta[LEASE_META], mark_ms=0)
    assert s.enqueue_request(Request(f"{BASE}/news/2.html"))  # rediscovered later: scheduled again


def test_a_dead_crawlers_lease_expires_and_another_crawler_gets_the_request(storage: Storage) -> None:
    dead = _scheduler(storage, lease=0.3)
    dead.enqueue_request(Request(f"{BASE}/news/3.html"))
    assert dead.next_request() is not None  # popped, then the process "dies": no ack, no renewal
    other = _scheduler(storage, lease=30)
    assert other.has_pending_requests()
    deadline = time.monotonic() + 30
    got = None
    while got is None and time.monotonic() < deadline:
        other._last_requeue = 0.0
        got = other.next_request()
        time.sleep(0.05)
    assert got is not None and got.url == f"{BASE}/news/3.html"
    other.ack(got.meta[LEASE_META], mark_ms=60_000)
    assert frontier_counts(storage, "unit") == {"queued": 0, "inflight": 0, "pending": 0}


def test_a_retry_takes_over_its_parents_lease(storage: Storage) -> None:
    s = _scheduler(storage)
    s.enqueue_request(Request(f"{BASE}/news/4.html"))
    req = s.next_request()
    assert req is not None
    retry = req.replace(dont_filter=True)  # what RetryMiddleware hands back (meta copied)
    assert s.enqueue_request(retry)
    assert frontier_counts(storage, "unit") == {"queued": 1, "inflight": 0, "pending": 1}


def test_closing_puts_unfinished_leases_back(storage: Storage) -> None:
    s = _scheduler(storage)
    s.enqueue_request(Request(f"{BASE}/news/5.html"))
    assert s.next_request() is not None
    assert s.release_all() == 1
    assert frontier_counts(storage, "unit") == {"queued": 1, "inflight": 0, "pending": 1}


def test_site_selectors_hand_the_filters_a_reduced_utf8_page() -> None:
    from scrapy.http import HtmlResponse

    from newsieve.crawler.spider import _reduced

    (site,) = parse_sites(
        {"start_urls": [f"{BASE}/"], "title_selector": "h1", "body_selector": "div.content"}
    )
    page = '<html><head><meta charset="gbk"></head><body><h1>标题</h1><div class="ad">广告</div>'
    page += '<div class="content"><p>正文第一段</p></div></body></html>'
    headers = {"Content-Type": "text/html"}
    response = HtmlResponse(f"{BASE}/news/1.html", body=page.encode("gbk"), headers=headers)
    reduced = _reduced(response, site).decode("utf-8")
    assert "<title>标题</title>" in reduced and "正文第一段" in reduced
    assert "广告" not in reduced
