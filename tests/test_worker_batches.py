"""The filter worker routes and acks a batch read from ``raw`` together; a failing page fails alone."""

from __future__ import annotations

from newsieve.crawler.worker import GROUP, FilterWorker, raw_backlog
from newsieve.filters import Sieve
from newsieve.storage import RawPage, StorageConfig, open_storage

ARTICLE = (
    "<html><head><title>市政府发布新一轮城市绿化规划方案</title></head><body><h1>市政府发布新一轮城市绿化规划方案</h1>"
    + "<p>本市今天发布了新一轮城市绿化规划，计划在未来三年内新增公园绿地两百公顷，改善居民生活环境。</p>" * 6
    + "</body></html>"
)


def test_batch_is_routed_and_acked_and_a_bad_page_fails_alone(redis_url: str, key_prefix: str) -> None:
    storage = open_storage(StorageConfig(redis_url=redis_url, key_prefix=key_prefix, block_ms=100))
    try:
        for i in range(5):
            body = b"" if i == 2 else ARTICLE.replace("今天", f"第{i}天").encode()
            url = f"http://news.test/news/2026/{i:05d}.html"
            page = RawPage(
                url=url, final_url=url, status=200, headers={}, content_type="text/html", charset="utf-8",
                body=body, site="t",
            )  # fmt: skip
            storage.publish_raw(page)
        worker = FilterWorker(storage, Sieve(), name="w1", block_ms=100)
        stats = worker.run(follow=False)
        assert stats.filtered == 4
        assert stats.failed >= 1  # the empty page: failed alone (retried, then dead-lettered)
        assert "empty" in stats.last_error
        assert sum(stats.by_status.values()) == 4
        group = next(g for g in storage.groups("raw") if g.name == GROUP)
        assert group.pending == 0  # the four good pages acked, the bad one dead-lettered
        assert raw_backlog(storage) == 0
    finally:
        storage.close()
