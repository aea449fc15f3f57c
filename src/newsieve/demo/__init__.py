"""newsieve.demo: a realistic repost site served on loopback.

Used by the tests, by ``newsieve demo`` and by ``bench/bench_crawl.py``::

    from newsieve.demo import DemoServer, DemoSite
    with DemoServer(DemoSite(articles=12, per_page=4)) as server:
        server.url("/list/1.html"), server.site.expected_articles()
"""

from .server import DemoServer
from .site import SPECIAL_ARTICLES, SPECIAL_FAILURES, DemoSite, Page

__all__ = ["SPECIAL_ARTICLES", "SPECIAL_FAILURES", "DemoServer", "DemoSite", "Page"]
