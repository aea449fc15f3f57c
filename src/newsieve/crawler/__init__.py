"""newsieve.crawler: the Scrapy crawl, its shared frontier in Redis, and one-off fetches.

Public names (the shell imports only these)::

    from newsieve.crawler import fetch, FetchConfig, FetchedPage, check_target
    from newsieve.crawler import CrawlerConfig, load_sites, SiteConfig

Scrapy is imported only by the modules that run a crawl (``spider``, ``middlewares``,
``frontier``, ``pipelines``, ``process``), so a one-off fetch does not pay for it.
"""

from .config import CrawlerConfig
from .fetch import FetchConfig, FetchedPage, check_target, fetch
from .sites import SiteConfig, load_sites, parse_sites

__all__ = [
    "CrawlerConfig",
    "FetchConfig",
    "FetchedPage",
    "SiteConfig",
    "check_target",
    "fetch",
    "load_sites",
    "parse_sites",
]
