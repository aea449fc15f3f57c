"""The daemon survives crashes and drains on signals: ``kill -9`` then restart loses nothing,
SIGTERM finishes in-flight work and exits 0. Real processes, real Redis, the demo site on loopback.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from test_crawl import assert_complete, crawl_env, newsieve, run_once, write_sites

from newsieve.crawler.frontier import frontier_counts
from newsieve.crawler.worker import raw_backlog
from newsieve.demo import DemoServer, DemoSite
from newsieve.storage import Storage

POLL = 0.05


@pytest.fixture
def slow_server() -> DemoServer:
    site = DemoSite(articles=12, per_page=4, slow_seconds=1.0, huge_bytes=3 * 1024 * 1024, article_delay=0.5)
    with DemoServer(site) as srv:
        yield srv


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen[bytes], limit: float = 60) -> None:
    """Poll until ``condition`` holds (the limit only guards against a hung test)."""
    deadline = time.monotonic() + limit
    while not condition():
        if proc.poll() is not None:
            _, err = proc.communicate()
            raise AssertionError("crawler exited early:\n" + err.decode("utf-8", "replace")[-3000:])
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("condition not reached")
        time.sleep(POLL)


@pytest.mark.slow
def test_kill_9_mid_crawl_then_restart_leaves_the_same_final_set(
    tmp_path: Path, slow_server: DemoServer, storage: Storage, redis_url: str, key_prefix: str
) -> None:
    sites = write_sites(tmp_path, slow_server)
    env = crawl_env(redis_url, key_prefix)
    proc = newsieve("run", "--sites", str(sites), "--once", env=env)
    wait_for(lambda: storage.stream_length("raw") >= 3, proc)
    proc.kill()
    proc.wait(10)

    counts = frontier_counts(storage, "default")
    assert counts["queued"] + counts["inflight"] > 0, "the kill must land mid-crawl"
    assert storage.stream_length("raw") < len(slow_server.site.expected_articles())

    run_once(sites, env)
    assert_complete(storage, slow_server)
    assert frontier_counts(storage, "default") == {"queued": 0, "inflight": 0, "pending": 0}
    assert raw_backlog(storage) == 0


@pytest.mark.slow
def test_sigterm_drains_and_exits_0(
    tmp_path: Path, slow_server: DemoServer, storage: Storage, redis_url: str, key_prefix: str
) -> None:
    sites = write_sites(tmp_path, slow_server)
    env = crawl_env(redis_url, key_prefix)
    proc = newsieve("run", "--sites", str(sites), env=env)  # the daemon: runs until signalled
    wait_for(lambda: storage.stream_length("raw") >= 2, proc)
    in_flight_at_signal = frontier_counts(storage, "default")["inflight"]
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)

    assert proc.returncode == 0, err.decode("utf-8", "replace")[-3000:]
    assert in_flight_at_signal > 0
    # nothing left leased, and every page the crawl published was filtered before exiting
    assert frontier_counts(storage, "default")["inflight"] == 0
    assert raw_backlog(storage) == 0
    assert b'"reason": "shutdown"' in err
    # the rest of the crawl is still queued: a later run finishes it, each article once
    run_once(sites, env)
    assert_complete(storage, slow_server)
