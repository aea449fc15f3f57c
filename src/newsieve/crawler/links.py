"""Which links of a page are articles, which are more list pages, and which to skip.

A site's ``article_allow``/``article_deny``/``pagination`` patterns decide when given.
Without them, the URL's shape and the link's text decide (a config with only a start URL):

- an article URL has a number of 3+ digits or a date in its last segments and ends in a page
  (``.html``, ``.htm``, ``.shtml``, or no extension), and its link text reads like a title
  (``MIN_TITLE_CHARS`` characters or more);
- a list page is linked as 下一页/上一页/尾页/a bare page number, or has a page-number URL
  shape (``list_2.html``, ``/list/2.html``, ``index_3.htm``, ``?page=2``, ``/page/2/``).

Links to files (pdf, images, archives, office documents, media) are never followed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from .sites import SiteConfig

__all__ = ["MIN_TITLE_CHARS", "Kind", "classify"]

Kind = Literal["article", "list", "skip"]

MIN_TITLE_CHARS = 6
"""Link texts shorter than this are navigation (首页, 更多, 关于我们), not article titles."""

SKIP_EXTENSIONS = frozenset(
    {
        "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "zip", "rar", "7z", "gz", "tar", "jpg", "jpeg",
        "png", "gif", "webp", "bmp", "svg", "ico", "mp3", "mp4", "avi", "mov", "flv", "wmv", "apk", "exe",
        "dmg", "css", "js", "json", "xml", "txt",
    }
)  # fmt: skip
_PAGE_TEXT = re.compile(
    r"^\s*(下一页|下页|上一页|上页|尾页|末页|首页|next|prev|previous|last|»|«|>|<|\d{1,4})\s*$", re.I
)
_PAGE_URL = re.compile(
    r"(?:[_\-/](?:list|index|page|p)?[_\-/]?\d{1,4}\.s?html?$)|(?:[?&](?:page|p|pn|pageno)=\d+)|(?:/page/\d+/?$)",
    re.I,
)
_ARTICLE_URL = re.compile(r"(?:\d{3,}|\d{4}[-/_]?\d{2}[-/_]?\d{2})[^/]*(?:\.s?html?|\.php|/)?$", re.I)
_PAGE_EXT = re.compile(r"(\.s?html?|\.php|\.aspx?|/|/[^./]+)$", re.I)


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    text: str


def _extension(url: str) -> str:
    path = urlsplit(url).path
    last = path.rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[-1].lower() if "." in last else ""


def _looks_like_list(path: str, path_q: str, text: str) -> bool:
    if _PAGE_TEXT.match(text or ""):
        return bool(_PAGE_URL.search(path_q) or not _ARTICLE_URL.search(path))
    return bool(_PAGE_URL.search(path_q) and not _ARTICLE_URL.search(path.rsplit("/", 1)[-1] or "x"))


def classify(site: SiteConfig, url: str, text: str, *, listed: bool = False) -> Kind:
    """``article``, ``list`` or ``skip`` for one link of a page of ``site``.

    ``listed``: the URL comes from a sitemap or feed, which lists pages only: no link text
    is needed, and nothing there is a list page.
    """
    if _extension(url) in SKIP_EXTENSIONS:
        return "skip"
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not any(host == d or host.endswith("." + d) for d in site.domains):
        return "skip"
    if any(rx.search(url) for rx in site._deny_re):
        return "skip"
    path_q = parts.path + (f"?{parts.query}" if parts.query else "")
    if listed:
        pass
    elif site._page_re:
        if any(rx.search(url) for rx in site._page_re):
            return "list"
    elif _looks_like_list(parts.path, path_q, text):
        return "list"
    if site._allow_re:
        return "article" if any(rx.search(url) for rx in site._allow_re) else "skip"
    if _ARTICLE_URL.search(parts.path) and _PAGE_EXT.search(parts.path):
        clean = re.sub(r"\s+", "", text or "")
        return "article" if listed or len(clean) >= MIN_TITLE_CHARS else "skip"
    return "skip"


def classify_all(site: SiteConfig, links: Iterable[Link]) -> tuple[list[str], list[str]]:
    """Article URLs and list-page URLs among ``links``, each once, in page order."""
    articles: dict[str, None] = {}
    lists: dict[str, None] = {}
    for link in links:
        kind = classify(site, link.url, link.text)
        if kind == "article":
            articles.setdefault(link.url)
        elif kind == "list":
            lists.setdefault(link.url)
    return list(articles), [u for u in lists if u not in articles]
