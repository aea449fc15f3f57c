"""Issue 4: while the daemon runs, list pages are recrawled on schedule and new articles routed.

``newsieve run`` (no ``--once``) crawls the demo site, then the site publishes one more
article; the running daemon fetches the list pages again and routes the new article exactly
once, fetching no other article twice, and a SIGTERM ends it with exit code 0.

The daemon offers its entry URLs again every ``crawl_reseed_seconds`` (30 s) and the
frontier's local cache drops an entry URL offered again within ``frontier_known_cache_seconds``
(60 s); both are settings, shortened here through the environment. The daemon is the real
``newsieve run``.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from test_crawl import crawl_env, routed, write_sites

import newsieve.demo.site as demo_site
from newsieve.demo import DemoServer, DemoSite
from newsieve.storage import Storage

DEADLINE = 60.0
POLL = 0.1
TICK = 0.5
"""Reseed period and known-cache lifetime in the daemon under test (30 s and 60 s in production)."""


@pytest.fixture
def server() -> Iterator[DemoServer]:
    with DemoServer(DemoSite(articles=8, per_page=4, specials=False)) as srv:
        yield srv


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen[bytes], log: Path, what: str) -> None:
    """Poll until ``condition`` holds (the deadline only guards against a hung test)."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if proc.poll() is not None or time.monotonic() > deadline:
            state = "exited" if proc.poll() is not None else "timed out"
            raise AssertionError(f"daemon {state} waiting for {what}:\n" + tail(log))
        time.sleep(POLL)


def tail(log: Path) -> str:
    return log.read_bytes()[-3000:].decode("utf-8", "replace")


@pytest.mark.slow
def test_daemon_recrawls_list_pages_and_routes_a_new_article_once(
    tmp_path: Path,
    server: DemoServer,
    storage: Storage,
    redis_url: str,
    key_prefix: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sites = write_sites(tmp_path, server, recrawl_seconds=1.0)
    env = crawl_env(
        redis_url,
        key_prefix,
        NEWSIEVE_CRAWL_RESEED_SECONDS=str(TICK),
        NEWSIEVE_FRONTIER_KNOWN_CACHE_SECONDS=str(TICK),
    )
    first = set(server.site.expected_articles())
    log = tmp_path / "daemon.log"  # a file, not a pipe: a long run's logs would fill a pipe and block it
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "newsieve", "run", "--sites", str(sites)], env=env, stdout=out, stderr=out
        )
    try:
        wait_for(lambda: set(routed(storage, server)) == first, proc, log, "the first crawl is routed")
        list_fetches = server.hits["/list/1.html"]

        # The site publishes one more article (on a new list page 3). Its list pages change, and
        # so must their Last-Modified (a constant in DemoSite): else If-Modified-Since gets 304.
        # (This order: a fetch in between gets 304 and the next recrawl sees the change.)
        server.site.articles += 1
        monkeypatch.setattr(demo_site, "_LAST_MODIFIED", "Thu, 26 Nov 2026 08:00:00 GMT")
        new = server.site.article_path(server.site.articles)
        assert new not in first and new in server.site.expected_articles()
        wait_for(lambda: new in routed(storage, server), proc, log, "the new article to be routed")
        # a few more recrawls of the list page, so a second fetch of anything would show
        seen_at = server.hits["/list/1.html"]
        wait_for(lambda: server.hits["/list/1.html"] >= seen_at + 3, proc, log, "more list recrawls")

        assert server.hits["/list/1.html"] > list_fetches >= 1
        assert server.ok["/list/1.html"] >= 2  # its pager changed: fetched again in full
        assert server.ok["/list/3.html"] >= 1
        done = routed(storage, server)
        assert set(done) == first | {new}
        assert {p: n for p, n in done.items() if n != 1} == {}
        articles = {p: n for p, n in server.ok.items() if p.startswith("/news/")}
        assert set(articles) == first | {new}
        assert {p: n for p, n in articles.items() if n != 1} == {}

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0, tail(log)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
