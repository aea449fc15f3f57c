"""Site configs: a TOML file (or a folder of them) -> validated ``SiteConfig`` objects.

A file holds ``[[site]]`` tables (or one site at its top level)::

    [[site]]
    name = "qingchuan"                                    # default: the first start URL's host
    start_urls = ["http://news.example/list/1.html"]      # list pages
    sitemaps = ["http://news.example/sitemap.xml"]        # optional
    feeds = ["http://news.example/rss.xml"]               # RSS or Atom, optional
    article_allow = ['/news/\\d{4}/\\d+\\.html$']          # regexes; default: by URL shape
    article_deny = ['/members/']
    pagination = ['/list/\\d+\\.html$']                    # default: by link text and URL shape
    title_selector = "h1"                                 # optional CSS, overrides extraction
    body_selector = "div.content"
    delay = 1.0                                           # seconds between requests, this site
    concurrency = 2                                       # requests in flight, this site
    recrawl_seconds = 600                                 # list pages, sitemaps, feeds

Only ``start_urls`` (or a sitemap or feed) is required: article links are then found by
their URL shape and link text (``links.py``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from newsieve.exceptions import ConfigError

__all__ = ["SiteConfig", "load_sites", "parse_sites"]

_KNOWN = {
    "name", "start_urls", "sitemaps", "feeds", "article_allow", "article_deny", "pagination",
    "title_selector", "body_selector", "delay", "concurrency", "recrawl_seconds", "allowed_domains",
}


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """One site to crawl. Build with ``parse_sites``/``load_sites`` (which validate).

    >>> s = SiteConfig(name="x", start_urls=("http://x.example/list/1.html",))
    >>> s.domains
    ('x.example',)
    """

    name: str
    start_urls: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    article_allow: tuple[str, ...] = ()
    article_deny: tuple[str, ...] = ()
    pagination: tuple[str, ...] = ()
    title_selector: str | None = None
    body_selector: str | None = None
    delay: float | None = None
    concurrency: int | None = None
    recrawl_seconds: float | None = None
    allowed_domains: tuple[str, ...] = ()
    _allow_re: tuple[re.Pattern[str], ...] = field(default=(), repr=False, compare=False)
    _deny_re: tuple[re.Pattern[str], ...] = field(default=(), repr=False, compare=False)
    _page_re: tuple[re.Pattern[str], ...] = field(default=(), repr=False, compare=False)

    @property
    def domains(self) -> tuple[str, ...]:
        if self.allowed_domains:
            return self.allowed_domains
        hosts = []
        for url in (*self.start_urls, *self.sitemaps, *self.feeds):
            host = (urlsplit(url).hostname or "").lower()
            if host and host not in hosts:
                hosts.append(host)
        return tuple(hosts)

    @property
    def entry_urls(self) -> tuple[str, ...]:
        return (*self.start_urls, *self.sitemaps, *self.feeds)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in sorted(_KNOWN)}


def _strings(site: str, key: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"site {site!r}: {key} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _compile(site: str, key: str, patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    out = []
    for p in patterns:
        try:
            rx = re.compile(p)
        except re.error as exc:
            raise ConfigError(f"site {site!r}: {key} pattern {p!r}: {exc}") from exc
        if rx.search(""):
            raise ConfigError(f"site {site!r}: {key} pattern {p!r} matches the empty string")
        out.append(rx)
    return tuple(out)


def _urls(site: str, key: str, values: tuple[str, ...]) -> tuple[str, ...]:
    for url in values:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"site {site!r}: {key}: {url!r} is not an http(s) URL")
    return values


def _number(site: str, key: str, value: Any, kind: type) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"site {site!r}: {key} must be a non-negative number")
    if kind is int and (not isinstance(value, int) or value < 1):
        raise ConfigError(f"site {site!r}: {key} must be a positive integer")
    return kind(value)


def _site(raw: Any, where: str) -> SiteConfig:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: a site must be a table")
    unknown = set(raw) - _KNOWN
    label = str(raw.get("name") or where)
    if unknown:
        raise ConfigError(f"site {label!r}: unknown keys {sorted(unknown)}")
    start = _urls(label, "start_urls", _strings(label, "start_urls", raw.get("start_urls")))
    sitemaps = _urls(label, "sitemaps", _strings(label, "sitemaps", raw.get("sitemaps")))
    feeds = _urls(label, "feeds", _strings(label, "feeds", raw.get("feeds")))
    if not (start or sitemaps or feeds):
        raise ConfigError(f"site {label!r}: needs at least one of start_urls, sitemaps, feeds")
    name = raw.get("name") or urlsplit((start or sitemaps or feeds)[0]).hostname or ""
    if not isinstance(name, str) or not re.fullmatch(r"[\w.\-]+", name):
        raise ConfigError(f"site {label!r}: name must be letters, digits, '.', '-' or '_'")
    allow = _strings(name, "article_allow", raw.get("article_allow"))
    deny = _strings(name, "article_deny", raw.get("article_deny"))
    pages = _strings(name, "pagination", raw.get("pagination"))
    for key in ("title_selector", "body_selector"):
        if raw.get(key) is not None and not (isinstance(raw[key], str) and raw[key].strip()):
            raise ConfigError(f"site {name!r}: {key} must be a non-empty CSS selector")
    return SiteConfig(
        name=name,
        start_urls=start,
        sitemaps=sitemaps,
        feeds=feeds,
        article_allow=allow,
        article_deny=deny,
        pagination=pages,
        title_selector=raw.get("title_selector"),
        body_selector=raw.get("body_selector"),
        delay=_number(name, "delay", raw.get("delay"), float),
        concurrency=_number(name, "concurrency", raw.get("concurrency"), int),
        recrawl_seconds=_number(name, "recrawl_seconds", raw.get("recrawl_seconds"), float),
        allowed_domains=_strings(name, "allowed_domains", raw.get("allowed_domains")),
        _allow_re=_compile(name, "article_allow", allow),
        _deny_re=_compile(name, "article_deny", deny),
        _page_re=_compile(name, "pagination", pages),
    )


def parse_sites(data: dict[str, Any], where: str = "<sites>") -> list[SiteConfig]:
    """Validate a parsed TOML document: ``[[site]]`` tables, or one site at the top level."""
    raw_sites = data.get("site", [data])
    if isinstance(raw_sites, dict):
        raw_sites = [raw_sites]
    sites = [_site(raw, f"{where}[{i}]") for i, raw in enumerate(raw_sites)]
    names = [s.name for s in sites]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"{where}: site names used twice: {dupes}")
    return sites


def load_sites(path: str | Path) -> list[SiteConfig]:
    """Read a TOML file, or every ``*.toml`` in a folder (sorted), into validated site configs."""
    path = Path(path)
    files = sorted(path.glob("*.toml")) if path.is_dir() else [path]
    if not files:
        raise ConfigError(f"{path}: no .toml site configs")
    sites: list[SiteConfig] = []
    for f in files:
        try:
            data = tomllib.loads(f.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{f}: {exc}") from exc
        sites.extend(parse_sites(data, str(f)))
    names = [s.name for s in sites]
    if len(set(names)) != len(names):
        raise ConfigError(f"{path}: a site name is used twice")
    return sites
