"""Crawls of the demo repost site on 127.0.0.1 by ``newsieve run`` (in subprocesses, on the test Redis).

The fixture server is reached only through an explicit allow (``NEWSIEVE_FETCH_ALLOW=127.0.0.1``).
What is asserted is crawl behaviour: which URLs were fetched, which pages reached ``raw``,
and that every expected page was routed (articles, review or rejected) exactly once, never
how well the filters cleaned it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsieve.demo import SPECIAL_FAILURES, DemoServer, DemoSite
from newsieve.storage import Storage

ROUTED = ("articles", "review", "rejected")


# -- helpers (also used by test_daemon.py) --------------------------------------------------------


def crawl_env(redis_url: str, key_prefix: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSIEVE_")}
    env.update(
        {
            "REDIS_URL": redis_url,
            "NEWSIEVE_KEY_PREFIX": key_prefix,
            "NEWSIEVE_FETCH_ALLOW": "127.0.0.1",
            "NEWSIEVE_CRAWL_DELAY": "0",
            "NEWSIEVE_CRAWL_AUTOTHROTTLE": "false",
            "NEWSIEVE_CRAWL_RETRY_BACKOFF": "0.1",
            "NEWSIEVE_FRONTIER_LEASE_SECONDS": "2",
            "NEWSIEVE_CLAIM_IDLE_MS": "1000",
            "NEWSIEVE_CONSUMER_BLOCK_MS": "200",
            "NEWSIEVE_SHUTDOWN_GRACE_SECONDS": "20",
            "NEWSIEVE_CRAWL_MAX_BYTES": str(1024 * 1024),  # the demo's huge page is 3 MB
            "NEWSIEVE_CRAWL_WARN_BYTES": str(512 * 1024),
        }
    )
    env.update(extra)
    return env


def write_sites(tmp_path: Path, server: DemoServer, **extra: Any) -> Path:
    lines = [
        "[[site]]",
        'name = "demo"',
        f'start_urls = ["{server.url("/list/1.html")}"]',
        f'sitemaps = ["{server.url("/sitemap.xml")}"]',
        f'feeds = ["{server.url("/rss.xml")}"]',
    ]
    for key, value in extra.items():
        lines.append(f"{key} = {value!r}" if not isinstance(value, str) else f'{key} = "{value}"')
    path = tmp_path / "sites.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def newsieve(*args: str, env: dict[str, str], **kw: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "newsieve", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kw,
    )


def run_once(sites: Path, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    proc = newsieve("run", "--sites", str(sites), "--once", env=env)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        raise AssertionError("newsieve run --once hung:\n" + err.decode("utf-8", "replace")[-5000:]) from None
    result = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    assert result.returncode == 0, err.decode("utf-8", "replace")[-3000:]
    return result


def stream_urls(storage: Storage, stream: str) -> list[str]:
    out: list[str] = []
    after = None
    while True:
        batch = storage.read_stream(stream, after, 500)
        if not batch:
            return out
        out.extend(entry.get("url") or "" for entry in batch)
        after = batch[-1]["stream_id"]


def paths(urls: list[str], server: DemoServer) -> list[str]:
    return [u.removeprefix(server.base_url) for u in urls]


def routed(storage: Storage, server: DemoServer) -> Counter[str]:
    """How often each page was routed: to articles, review or rejected, or recorded as a
    near-duplicate repost of a published article (which the filters' state decides)."""
    total: Counter[str] = Counter()
    for stream in ROUTED:
        total.update(paths(stream_urls(storage, stream), server))
    after = None
    while batch := storage.articles_after(after, 500):
        for message in batch:
            reposts = storage.get_article(message["id"]).get("reposted_by") or []
            total.update(paths([r.get("url", "") for r in reposts], server))
        after = batch[-1]["stream_id"]
    return total


def assert_complete(storage: Storage, server: DemoServer) -> None:
    expected = set(server.site.expected_articles())
    done = routed(storage, server)
    assert set(done) == expected
    assert all(n == 1 for n in done.values()), {p: n for p, n in done.items() if n != 1}
    articles = Counter(paths(stream_urls(storage, "articles"), server))
    assert all(n == 1 for n in articles.values())


@pytest.fixture
def server() -> Iterator[DemoServer]:
    with DemoServer(DemoSite(articles=12, per_page=4, slow_seconds=1.0, huge_bytes=3 * 1024 * 1024)) as srv:
        yield srv


# -- tests ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_crawl_routes_every_expected_article_once(
    tmp_path: Path, server: DemoServer, storage: Storage, redis_url: str, key_prefix: str
) -> None:
    run_once(write_sites(tmp_path, server), crawl_env(redis_url, key_prefix))

    assert_complete(storage, server)
    raw = Counter(paths(stream_urls(storage, "raw"), server))
    assert set(raw) == set(server.site.expected_articles())
    # robots.txt disallows /members/: never requested; file links never followed
    assert server.hits["/members/news-909.html"] == 0
    assert server.hits["/robots.txt"] == 1
    assert server.hits["/files/report.pdf"] == 0 and server.hits["/images/photo.jpg"] == 0
    # the failures were tried and are not published
    for name in SPECIAL_FAILURES:
        assert f"/news/2026/{name}.html" not in raw
    assert server.hits["/news/2026/broken-904.html"] == 4  # 1 + RETRY_TIMES
    assert server.hits["/news/2026/huge-907.html"] == 1  # cancelled past DOWNLOAD_MAXSIZE, not retried
    assert server.hits["/news/2026/loop-905.html"] >= 1
    # 429 with Retry-After and a 500 were retried, then fetched once
    assert server.hits["/news/2026/busy-902.html"] == 2 and server.ok["/news/2026/busy-902.html"] == 1
    assert server.ok["/news/2026/flaky-903.html"] == 1
    # every page answered 200 at most once: nothing fetched twice
    assert max(server.ok.values()) == 1


@pytest.mark.slow
def test_recrawl_sends_conditional_requests_and_refetches_no_article(
    tmp_path: Path, server: DemoServer, storage: Storage, redis_url: str, key_prefix: str
) -> None:
    sites = write_sites(tmp_path, server, recrawl_seconds=0.5)
    env = crawl_env(redis_url, key_prefix)
    run_once(sites, env)
    before = dict(server.ok)
    run_once(sites, env)

    assert server.hits["/list/1.html"] == 2
    assert server.ok["/list/1.html"] == 1  # the second answer was 304 Not Modified
    assert server.hits["/sitemap.xml"] == 2 and server.ok["/sitemap.xml"] == 1
    for path in server.site.expected_articles():
        assert server.ok[path] == before[path] == 1
    assert_complete(storage, server)


@pytest.mark.slow
def test_two_crawlers_share_the_frontier_and_fetch_nothing_twice(
    tmp_path: Path, server: DemoServer, storage: Storage, redis_url: str, key_prefix: str
) -> None:
    server.site.article_delay = 0.1
    sites = write_sites(tmp_path, server)
    # Leases long enough that a crawler starved of CPU on a loaded machine still renews in time:
    # an expired lease lets the other crawler fetch the page again, by design (at least once).
    env = crawl_env(redis_url, key_prefix, NEWSIEVE_FRONTIER_LEASE_SECONDS="30")
    procs = [newsieve("run", "--sites", str(sites), "--once", env=env) for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode("utf-8", "replace")[-3000:]

    assert_complete(storage, server)
    assert {p: n for p, n in server.ok.items() if p != "/robots.txt" and n > 1} == {}
    raw = Counter(paths(stream_urls(storage, "raw"), server))
    assert all(n == 1 for n in raw.values())
