"""Every Redis key and stream name newsieve uses, built from the templates below.

No other module writes a key name by hand. All names start with the configured prefix
(``newsieve:`` by default)::

    >>> Keys("newsieve:").stream("articles")
    'newsieve:articles'
    >>> Keys("newsieve:").article("ab12")
    'newsieve:article:ab12'
"""

from __future__ import annotations

__all__ = ["STREAMS", "Keys"]

# The streams, by role (DESIGN.md "Data flow"): crawled pages, published articles, review
# notifications, rejected verdicts, dead letters, the audit log of review transitions, and the
# moderators' labeled examples.
STREAMS: tuple[str, ...] = ("raw", "articles", "review", "rejected", "deadletter", "audit", "feedback")

_STREAM = "{prefix}{name}"
_ARTICLE = "{prefix}article:{id}"  # hash: stream_id, url, site, content_hash, sig, near_dup_of, ...
_REPOSTS = "{prefix}article:{id}:reposts"  # list of JSON {id, url, site, at}: who reposted it
_URL_VERSIONS = "{prefix}url:{url_hash}"  # hash: versions (count), latest (article id)
_LSH = "{prefix}lsh:{window}"  # hash "band:value" -> article id, one per time window (expires)
_SEEN = "{prefix}seen:{url_hash}"  # string with a TTL: the crawler saw this canonical URL
_ERRORS = "{prefix}errors:{stream}:{group}"  # hash: entry id -> last error of a failing entry
_REVIEW_ITEM = "{prefix}review:item:{id}"  # hash: state, version, verdict, lease...
_REVIEW_AUDIT = "{prefix}review:item:{id}:audit"  # stream: this item's transitions (also on audit)
_REVIEW_INDEX = "{prefix}review:index:{state}"  # zset of item ids by creation time
_REVIEW_SITE_INDEX = "{prefix}review:index:{state}:site:{site}"  # same, per site
_REVIEW_LEASES = "{prefix}review:leases"  # zset item id -> lease end (unix seconds)
_REVIEW_SEQ = "{prefix}review:seq"  # counter for item ids
_REVIEW_REPORTED = "{prefix}review:reported:{id}"  # string: the latest review item reporting article id
_SITE_ALLOW = "{prefix}siterules:{site}:allow"  # set of texts kept on that site
_SITE_DENY = "{prefix}siterules:{site}:deny"  # hash text -> label removed on that site
_EMBEDDED_MARK = "{prefix}meta"  # hash: first_seen, schema
# The crawler's shared frontier (crawler/frontier.py), one set of keys per crawl name:
# queue (zset request -> -priority), inflight (zset request -> lease end, ms), pending (set of URL
# hashes queued or in flight), validators (hash URL hash -> ETag/Last-Modified JSON).
_FRONTIER = "{prefix}frontier:{crawl}:{part}"
_CRAWL_STATS = "{prefix}crawl:stats:{site}"  # hash: counters of one site (fetched, errors/<code>...)


class Keys:
    """Key and stream names under one prefix."""

    __slots__ = ("prefix",)

    def __init__(self, prefix: str = "newsieve:") -> None:
        self.prefix = prefix

    def stream(self, name: str) -> str:
        return _STREAM.format(prefix=self.prefix, name=name)

    @property
    def raw(self) -> str:
        return self.stream("raw")

    @property
    def articles(self) -> str:
        return self.stream("articles")

    @property
    def review(self) -> str:
        return self.stream("review")

    @property
    def rejected(self) -> str:
        return self.stream("rejected")

    @property
    def deadletter(self) -> str:
        return self.stream("deadletter")

    @property
    def audit(self) -> str:
        return self.stream("audit")

    @property
    def feedback(self) -> str:
        return self.stream("feedback")

    def article(self, article_id: str) -> str:
        return _ARTICLE.format(prefix=self.prefix, id=article_id)

    def reposts(self, article_id: str) -> str:
        return _REPOSTS.format(prefix=self.prefix, id=article_id)

    def url_versions(self, url_hash: str) -> str:
        return _URL_VERSIONS.format(prefix=self.prefix, url_hash=url_hash)

    def lsh(self, window: int) -> str:
        return _LSH.format(prefix=self.prefix, window=window)

    def seen(self, url_hash: str) -> str:
        return _SEEN.format(prefix=self.prefix, url_hash=url_hash)

    def errors(self, stream: str, group: str) -> str:
        return _ERRORS.format(prefix=self.prefix, stream=stream, group=group)

    def review_item(self, item_id: str) -> str:
        return _REVIEW_ITEM.format(prefix=self.prefix, id=item_id)

    def review_audit(self, item_id: str) -> str:
        return _REVIEW_AUDIT.format(prefix=self.prefix, id=item_id)

    def review_index(self, state: str, site: str | None = None) -> str:
        if site is None:
            return _REVIEW_INDEX.format(prefix=self.prefix, state=state)
        return _REVIEW_SITE_INDEX.format(prefix=self.prefix, state=state, site=site)

    @property
    def review_leases(self) -> str:
        return _REVIEW_LEASES.format(prefix=self.prefix)

    @property
    def review_seq(self) -> str:
        return _REVIEW_SEQ.format(prefix=self.prefix)

    def review_reported(self, article_id: str) -> str:
        return _REVIEW_REPORTED.format(prefix=self.prefix, id=article_id)

    def site_allow(self, site: str) -> str:
        return _SITE_ALLOW.format(prefix=self.prefix, site=site)

    def site_deny(self, site: str) -> str:
        return _SITE_DENY.format(prefix=self.prefix, site=site)

    @property
    def meta(self) -> str:
        return _EMBEDDED_MARK.format(prefix=self.prefix)

    def frontier(self, crawl: str, part: str) -> str:
        return _FRONTIER.format(prefix=self.prefix, crawl=crawl, part=part)

    def crawl_stats(self, site: str) -> str:
        return _CRAWL_STATS.format(prefix=self.prefix, site=site)
