"""``newsieve demo``, ``newsieve status`` and ``newsieve filter-worker`` as separate processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_crawl import assert_complete, crawl_env, newsieve, write_sites

from newsieve.crawler.worker import raw_backlog
from newsieve.demo import DemoServer, DemoSite
from newsieve.storage import Storage


@pytest.mark.slow
def test_demo_then_status(redis_url: str, key_prefix: str) -> None:
    env = crawl_env(redis_url, key_prefix)
    proc = newsieve("demo", "--format", "json", "--show", "2", env=env)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode("utf-8", "replace")[-3000:]
    result = json.loads(out)
    streams = result["summary"]["streams"]
    assert streams["raw"] == len(DemoSite().expected_articles())
    assert 0 < streams["articles"] + streams["review"] + streams["rejected"] <= streams["raw"]
    assert result["summary"]["robots_forbidden"] == 1
    assert len(result["articles"]) == min(2, streams["articles"])

    env["NEWSIEVE_KEY_PREFIX"] = key_prefix + "demo:"
    proc = newsieve("status", "--format", "json", "--crawl", "demo", env=env)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode("utf-8", "replace")[-3000:]
    status = json.loads(out)
    assert status["frontier"] == {"queued": 0, "inflight": 0, "pending": 0}
    assert status["raw_backlog"] == 0
    demo = status["sites"]["demo"]
    assert demo["published_raw"] == streams["raw"]
    assert demo["errors"] >= 2  # the always-500 page and the huge page
    assert demo["skipped"] >= 2  # robots.txt and the PDF behind an .html link

    proc = newsieve("status", env=env)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0 and b"demo" in out

    # the next step the demo prints: every published article, as a consumer reads it
    proc = newsieve("consume", "--group", "mine", env=env)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode("utf-8", "replace")[-3000:]
    consumed = [json.loads(line) for line in out.decode("utf-8").splitlines()]
    assert len(consumed) == streams["articles"] and all(m["verdict"]["text"] for m in consumed)


def test_demo_prints_how_to_read_what_it_queued(capsys: pytest.CaptureFixture[str]) -> None:
    from newsieve.commands.demo import _print

    streams = {"raw": 15, "articles": 15, "review": 0, "rejected": 0}
    summary = {"seconds": 1.0, "requests_served": 30, "retries": 0, "robots_forbidden": 1,
               "skipped_non_html": 1, "streams": streams, "redis_prefix": "newsieve:demo:"}  # fmt: skip
    _print(summary, [])
    out = capsys.readouterr().out
    assert "NEWSIEVE_KEY_PREFIX=newsieve:demo: " in out and " consume --group mine" in out


@pytest.mark.slow
def test_separate_filter_workers(tmp_path: Path, storage: Storage, redis_url: str, key_prefix: str) -> None:
    site = DemoSite(articles=12, per_page=4, slow_seconds=0.5, huge_bytes=3 * 1024 * 1024)
    with DemoServer(site) as server:
        sites = write_sites(tmp_path, server)
        env = crawl_env(redis_url, key_prefix)
        proc = newsieve("run", "--sites", str(sites), "--once", "--no-filter-worker", env=env)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode("utf-8", "replace")[-3000:]
        assert raw_backlog(storage) == storage.stream_length("raw") == len(server.site.expected_articles())

        workers = [newsieve("filter-worker", "--once", "--name", f"w{i}", env=env) for i in range(2)]
        for w in workers:
            _, err = w.communicate(timeout=120)
            assert w.returncode == 0, err.decode("utf-8", "replace")[-3000:]
        assert raw_backlog(storage) == 0
        assert_complete(storage, server)
