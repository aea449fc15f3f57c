"""URL canonicalisation: one spelling per page, for article ids and the seen-set.

``canonical_url`` sorts the query, drops the fragment and ``utm_*``-style tracking
parameters, lowercases scheme and host, drops the default port and percent-encodes
consistently (w3lib's ``canonicalize_url``)::

    >>> canonical_url("HTTP://Example.com:80/a?b=2&a=1&utm_source=x#top")
    'http://example.com/a?a=1&b=2'
"""

from __future__ import annotations

import functools
import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

__all__ = ["canonical_url", "url_hash"]

# Query parameters that name a campaign or a click, never a page.
_TRACKING_PREFIXES = ("utm_",)
_TRACKING = frozenset({"spm", "from", "fbclid", "gclid", "share_token", "scene", "clicktime", "enterid"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


# Already canonical: lowercase host, no port, query, fragment, percent-escape or dot segment, and
# only characters w3lib leaves as they are. Most crawled URLs are; they skip w3lib (~50 µs).
_SIMPLE = re.compile(r"(https?)://([a-z0-9\-]+(?:\.[a-z0-9\-]+)*)(/[A-Za-z0-9_\-~/.,+=@!$&'()*:]*)?")


def canonical_url(url: str) -> str:
    simple = _SIMPLE.fullmatch(url)
    if simple:
        path = simple.group(3)
        if not path:
            return f"{url}/"
        if "/." not in path:
            return url  # already canonical: the whole URL matched, nothing to change
    return _canonical_url(url)


@functools.lru_cache(maxsize=16384)
def _canonical_url(url: str) -> str:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port if parts.port and parts.port != _DEFAULT_PORTS.get(scheme) else None
    netloc = host if port is None else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if k.lower() not in _TRACKING and not k.lower().startswith(_TRACKING_PREFIXES)
        ]
    )
    path = parts.path or "/"
    return canonicalize_url(urlunsplit((scheme, netloc, path, query, "")), keep_fragments=False)


def url_hash(url: str) -> str:
    """A short stable key part for a canonical URL (sha1 hex, 40 characters)."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()
