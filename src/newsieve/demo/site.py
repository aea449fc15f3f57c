"""A realistic repost site, generated on the fly: what the tests, ``newsieve demo`` and the
crawl benchmark crawl on loopback.

``DemoSite(articles=12, per_page=4).respond(path, headers)`` answers one request with a
``Page`` (status, headers, body, delay); ``server.DemoServer`` serves it over HTTP. Pages:

- ``/`` home, linking the first list page and the feed;
- ``/list/<n>.html`` list pages with 上一页/下一页 pagination, ETag and Last-Modified
  (conditional requests answer 304); their sidebars link the special pages below;
- ``/news/2026/<id>.html`` articles dressed by the repost site (medical ad at the top, glued
  to a paragraph or at the bottom; repost notice; previous/next footer; WeChat footer; some
  with their 3+ digit runs deleted). Encodings by ``id % 5``: 0 GBK with header and meta
  charset, 1 GBK with meta only, 2 GBK with header only, 3 UTF-8 with meta only, 4 UTF-8 with
  header only;
- ``/robots.txt`` disallowing ``/members/``; ``/sitemap.xml`` (every article);
  ``/rss.xml`` (the newest ten);
- ``/redirect?to=<url>``, an open redirect;
- special pages: ``slow-901`` (answers after ``slow_seconds``), ``busy-902`` (429 with
  ``Retry-After: 1`` on the first request, then the article), ``flaky-903`` (500 once, then
  the article), ``broken-904`` (always 500), ``loop-905``/``loop-906`` (a redirect loop),
  ``huge-907`` (``huge_bytes`` of HTML, chunked: no Content-Length),
  ``attachment-908.html`` (a PDF behind an .html URL),
  ``/files/report.pdf`` and ``/images/photo.jpg``, ``/members/news-909.html`` (robots-disallowed).

``expected_articles()`` lists the paths a correct crawl publishes, each once.
"""

from __future__ import annotations

import hashlib
import html
import re
import threading
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field

from .texts import ADS, ARTICLES, REPOST_NOTICE, SPECIAL_STORIES, WECHAT_FOOTER, Story

__all__ = ["DemoSite", "Page"]

_ARTICLE = re.compile(r"^/news/2026/(\d{5})\.html$")
_LIST = re.compile(r"^/list/(\d+)\.html$")
_DIGITS = re.compile(r"\d{3,}")
_LAST_MODIFIED = "Wed, 25 Nov 2026 08:00:00 GMT"
SPECIAL_ARTICLES = ("slow-901", "busy-902", "flaky-903")
"""Special pages that are articles in the end (after a wait, a 429, a 500)."""
SPECIAL_FAILURES = ("broken-904", "loop-905", "huge-907", "attachment-908")
"""Special pages that a correct crawl never publishes."""


@dataclass(slots=True)
class Page:
    status: int
    headers: dict[str, str]
    body: bytes = b""
    delay: float = 0.0
    chunked: bool = False
    """Send without Content-Length (chunked), so only reading tells the size."""


@dataclass
class DemoSite:
    """The site's content, a pure function of its parameters (plus the one-time failures).

    >>> site = DemoSite(articles=12, per_page=4)
    >>> site.list_pages, len(site.expected_articles())
    (3, 15)
    """

    articles: int = 12
    per_page: int = 4
    slow_seconds: float = 1.5
    huge_bytes: int = 6 * 1024 * 1024
    article_delay: float = 0.0
    """Seconds every article page waits before answering (to slow a crawl down in tests)."""
    specials: bool = True
    """Serve and link the special pages (slow, 429, 500, loop, huge, non-HTML)."""
    _failed_once: set[str] = field(default_factory=set, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def list_pages(self) -> int:
        return max(1, -(-self.articles // self.per_page))

    def article_path(self, i: int) -> str:
        return f"/news/2026/{i:05d}.html"

    def expected_articles(self) -> list[str]:
        """Paths of every page a correct crawl publishes (articles and special articles)."""
        paths = [self.article_path(i) for i in range(1, self.articles + 1)]
        if self.specials:
            paths += [f"/news/2026/{name}.html" for name in SPECIAL_ARTICLES]
        return paths

    # -- routing -------------------------------------------------------------------------------
    def respond(self, path: str, headers: Mapping[str, str], host: str = "127.0.0.1") -> Page:
        path, _, query = path.split("#", 1)[0].partition("?")
        if path == "/redirect":  # an open redirect, as many sites have: /redirect?to=<url>
            target = urllib.parse.parse_qs(query).get("to", ["/"])[0]
            return Page(302, {"Location": target})
        base = f"http://{host}"
        if path in ("/", "/index.html"):
            return _html(self._home(base))
        if path == "/robots.txt":
            body = f"User-agent: *\nDisallow: /members/\n\nSitemap: {base}/sitemap.xml\n"
            return Page(200, {"Content-Type": "text/plain; charset=utf-8"}, body.encode())
        if path == "/sitemap.xml":
            return self._conditional(headers, "application/xml", self._sitemap(base))
        if path == "/rss.xml":
            return self._conditional(headers, "application/rss+xml", self._rss(base))
        if m := _LIST.match(path):
            n = int(m.group(1))
            if 1 <= n <= self.list_pages:
                return self._conditional(headers, "text/html; charset=utf-8", self._list(n).encode())
        if m := _ARTICLE.match(path):
            i = int(m.group(1))
            if 1 <= i <= self.articles:
                page = self._article(i)
                page.delay = self.article_delay
                return page
        if self.specials:
            special = self._special(path)
            if special is not None:
                return special
        return Page(404, {"Content-Type": "text/html; charset=utf-8"}, b"<html><body>404</body></html>")

    def _conditional(self, headers: Mapping[str, str], ctype: str, body: bytes) -> Page:
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        h = {"Content-Type": ctype, "ETag": etag, "Last-Modified": _LAST_MODIFIED}
        # RFC 9110 13.2.2: If-None-Match, when sent, decides alone (the content may have changed
        # while Last-Modified, fixed on this site, did not).
        match = headers.get("If-None-Match")
        if (match == etag) if match is not None else headers.get("If-Modified-Since") == _LAST_MODIFIED:
            return Page(304, {"ETag": etag, "Last-Modified": _LAST_MODIFIED})
        return Page(200, h, body)

    def _once(self, key: str) -> bool:
        """True the first time ``key`` is asked (a one-time failure), False afterwards."""
        with self._lock:
            if key in self._failed_once:
                return False
            self._failed_once.add(key)
            return True

    def _special(self, path: str) -> Page | None:
        name = path.rsplit("/", 1)[-1]
        if path == "/news/2026/slow-901.html":
            page = self._article(1001, story=SPECIAL_STORIES[0])
            page.delay = self.slow_seconds
            return page
        if path == "/news/2026/busy-902.html":
            if self._once(path):
                return Page(429, {"Retry-After": "1", "Content-Type": "text/html"}, b"<html>busy</html>")
            return self._article(1002, story=SPECIAL_STORIES[1])
        if path == "/news/2026/flaky-903.html":
            if self._once(path):
                return Page(500, {"Content-Type": "text/html"}, b"<html>oops</html>")
            return self._article(1003, story=SPECIAL_STORIES[2])
        if path == "/news/2026/broken-904.html":
            return Page(500, {"Content-Type": "text/html"}, b"<html>Internal Server Error</html>")
        if path == "/news/2026/loop-905.html":
            return Page(302, {"Location": "/news/2026/loop-906.html"})
        if path == "/news/2026/loop-906.html":
            return Page(302, {"Location": "/news/2026/loop-905.html"})
        if path == "/news/2026/huge-907.html":
            filler = "<p>" + "这是一段很长的填充文字。" * 40 + "</p>\n"
            chunk = filler.encode()
            head = b"<html><head><title>huge</title></head><body>"
            body = head + chunk * (self.huge_bytes // len(chunk) + 1)
            ctype = {"Content-Type": "text/html; charset=utf-8"}
            return Page(200, ctype, body + b"</body></html>", chunked=True)
        if path == "/news/2026/attachment-908.html" or name == "report.pdf":
            return Page(200, {"Content-Type": "application/pdf"}, b"%PDF-1.4\n%demo\n" + b"0" * 2000)
        if name == "photo.jpg":
            return Page(200, {"Content-Type": "image/jpeg"}, b"\xff\xd8\xff\xe0" + b"\0" * 2000)
        if path == "/members/news-909.html":
            return self._article(1004, story=SPECIAL_STORIES[3])
        if path == "/about.html":
            return _html(_layout("关于我们", "<p>本站转载新闻。</p>"))
        return None

    # -- pages ---------------------------------------------------------------------------------
    def _home(self, base: str) -> str:
        return _layout(
            "青川新闻网 - 首页",
            f'<link rel="canonical" href="{base}/">'

            '<ul><li><a href="/list/1.html">本地新闻</a></li><li><a href="/rss.xml">RSS订阅</a></li>'
            '<li><a href="/about.html">关于我们</a></li></ul>',
        )

    def _list(self, n: int) -> str:
        first = (n - 1) * self.per_page + 1
        last = min(self.articles, n * self.per_page)
        items = []
        for i in range(first, last + 1):
            story = _story(i)
            items.append(
                f'<li><a href="{self.article_path(i)}">{html.escape(_title(i, story.title))}</a>'
                f'<span class="date">2026-11-{(i % 28) + 1:02d}</span></li>'
            )
        pager = []
        if n > 1:
            pager.append(f'<a href="/list/{n - 1}.html">上一页</a>')
        for k in range(max(1, n - 3), min(self.list_pages, n + 3) + 1):
            pager.append(f"<b>{k}</b>" if k == n else f'<a href="/list/{k}.html">{k}</a>')
        if n < self.list_pages:
            pager.append(f'<a href="/list/{n + 1}.html">下一页</a>')
        side = ['<li><a href="/about.html">关于我们</a></li>', '<li><a href="/">首页</a></li>']
        if self.specials and n == 1:
            side += [
                '<li><a href="/news/2026/slow-901.html">深夜加班的人们</a></li>',
                '<li><a href="/news/2026/busy-902.html">热门：周末去哪儿</a></li>',
                '<li><a href="/news/2026/flaky-903.html">天气：本周多云转晴</a></li>',
                '<li><a href="/news/2026/broken-904.html">专题：城市更新</a></li>',
                '<li><a href="/news/2026/loop-905.html">跳转：旧版页面</a></li>',
                '<li><a href="/news/2026/huge-907.html">图集：金秋时节的城郊</a></li>',
                '<li><a href="/news/2026/attachment-908.html">下载：年度报告</a></li>',
                '<li><a href="/files/report.pdf">报告全文（PDF）</a></li>',
                '<li><a href="/images/photo.jpg">高清大图</a></li>',
                '<li><a href="/members/news-909.html">会员专享新闻</a></li>',
            ]
        body = (
            f'<div class="list"><ul>{"".join(items)}</ul></div>'
            f'<div class="pages">{" ".join(pager)}</div>'
            f'<div class="side"><ul>{"".join(side)}</ul></div>'
        )
        return _layout(f"本地新闻 第{n}页 - 青川新闻网", body)

    def _article(self, i: int, story: Story | None = None) -> Page:
        special = story is not None
        story = story or _story(i)
        title = story.title if special else _title(i, story.title)
        path = self.article_path(i)
        paras = list(story.paragraphs)
        if i > len(ARTICLES) and not special:  # the same stories retold: keep them apart
            paras.append(f"（记者 第{_cn(i)}次 跟踪报道）")
        date_line = f"发布时间：2026-11-{(i % 28) + 1:02d} 09:{i % 60:02d}  来源：{story.source}"
        ad_text, ad_url = ADS[i % len(ADS)]
        ad = f'<p><a href="{ad_url}">{html.escape(ad_text)}</a> {ad_url}</p>'
        where = i % 3
        body_parts = [f"<h1>{html.escape(title)}</h1>", f'<div class="info">{date_line}</div>']
        if where == 0:
            body_parts.append(ad)
        paragraph_html = [f"<p>{html.escape(p)}</p>" for p in paras]
        if where == 1:
            paragraph_html[0] = f"<p>{html.escape(ad_text)} {ad_url}{html.escape(paras[0])}</p>"
        body_parts.append('<div class="content">' + "".join(paragraph_html))
        body_parts.append(f"<p>（{story.author}）</p><p>编辑丨{story.editor} 来源丨{story.source}</p>")
        body_parts.append(f"<p>{html.escape(WECHAT_FOOTER)}</p></div>")
        if where == 2:
            body_parts.append(ad)
        prev_i, next_i = (i - 2) % self.articles + 1, i % self.articles + 1
        body_parts.append(
            f'<div class="notice"><p>{REPOST_NOTICE.format(path=path)}</p></div>'
            f'<div class="prevnext"><p>上一篇文章：<a href="{self.article_path(prev_i)}">'
            f"{html.escape(_title(prev_i, _story(prev_i).title))}</a></p>"
            f'<p>下一篇文章：<a href="{self.article_path(next_i)}">'
            f"{html.escape(_title(next_i, _story(next_i).title))}</a></p></div>"
        )
        text = "".join(body_parts)
        if i % 7 == 3:  # the repost site's damage: every run of 3+ digits deleted
            text = _DIGITS.sub("", text.replace(ad_url, "\0")).replace("\0", ad_url)
        variant = i % 5
        gbk = variant in (0, 1, 2)
        charset = "gbk" if gbk else "utf-8"
        meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        page = _layout(title + " - 青川新闻网", text, meta=meta if variant in (0, 1, 3) else "")
        ctype = f"text/html; charset={charset}" if variant in (0, 2, 4) else "text/html"
        return Page(200, {"Content-Type": ctype}, page.encode(charset, "xmlcharrefreplace"))

    def _sitemap(self, base: str) -> bytes:
        urls = "".join(
            f"<url><loc>{base}{self.article_path(i)}</loc><lastmod>2026-11-25</lastmod></url>"
            for i in range(1, self.articles + 1)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>\n'
        ).encode()

    def _rss(self, base: str) -> bytes:
        items = "".join(
            f"<item><title>{html.escape(_title(i, _story(i).title))}</title>"
            f"<link>{base}{self.article_path(i)}</link></item>"
            for i in range(self.articles, max(0, self.articles - 10), -1)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>青川新闻网</title>'
            f"<link>{base}/</link><description>本地新闻</description>{items}</channel></rss>\n"
        ).encode()


def _story(i: int) -> Story:
    return ARTICLES[(i - 1) % len(ARTICLES)]


def _title(i: int, title: str) -> str:
    return title if i <= len(ARTICLES) else f"{title}（{_cn(i)}）"


_CN_DIGITS = "〇一二三四五六七八九"


def _cn(i: int) -> str:
    """Digits as Chinese numerals: they survive the digit-stripping damage and stay distinct."""
    return "".join(_CN_DIGITS[int(d)] for d in str(i))


def _layout(title: str, body: str, meta: str = "") -> str:
    return (
        f"<!DOCTYPE html>\n<html><head>{meta}<title>{html.escape(title)}</title></head><body>"
        '<div class="top"><a href="/">青川新闻网</a> | <a href="/list/1.html">本地新闻</a></div>'
        f'<div class="main">{body}</div>'
        '<div class="foot"><p>本站部分内容转载自网络，如有侵权请联系删除。</p></div>'
        "</body></html>"
    )


def _html(text: str) -> Page:
    return Page(200, {"Content-Type": "text/html; charset=utf-8"}, text.encode())
