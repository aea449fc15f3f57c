"""Skip answers that are not HTML (a PDF behind an ``.html`` link, an image...).

Pages whose request is a list page or an article must be ``text/html`` or
``application/xhtml+xml`` (or say nothing); robots.txt, sitemaps and feeds are left alone. Anything else is
dropped with ``IgnoreRequest`` before it reaches the spider (stats: ``newsieve/skipped/<type>``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from ..fetch import HTML_TYPES, parse_content_type

if TYPE_CHECKING:
    from scrapy.crawler import Crawler



class HtmlOnlyMiddleware:
    def __init__(self, stats: object = None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HtmlOnlyMiddleware:
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status != 200:
            return response
        raw = response.headers.get(b"Content-Type")
        media, _ = parse_content_type(raw.decode("latin-1") if raw else None)
        if media is None:
            return response
        kind = request.meta.get("newsieve_kind")
        if kind not in ("article", "list"):  # robots.txt, sitemaps, feeds: not ours to judge
            return response
        if media in HTML_TYPES:
            return response
        if self.stats is not None:
            self.stats.inc_value(f"newsieve/skipped/{media}")  # type: ignore[attr-defined]
        raise IgnoreRequest(f"not HTML: {media}")
