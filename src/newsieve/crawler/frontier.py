"""The shared frontier in Redis that loses nothing: a scheduler with leases and acks.

scrapy-redis shares a crawl between processes through Redis, but its queue pops requests
without any acknowledgement (a crash loses what was in flight) and its dupefilter marks a URL
seen when it is *scheduled* (so a lost request is never scheduled again). This scheduler
keeps scrapy-redis's layout (requests serialised with ``request.to_dict()`` and
``scrapy_redis.picklecompat`` into a priority ZSET) and adds the missing half:

- **pending**: a SET of the URL hashes queued or in flight. A URL is scheduled only when it
  is neither pending nor seen, atomically (``ENQUEUE``): two crawlers never queue it twice.
- **lease**: ``POP`` moves the request into the in-flight ZSET, scored by its lease deadline
  (Redis ``TIME``, so clocks of the machines do not matter). The crawler renews the leases of
  its live requests every third of ``NEWSIEVE_LEASE_SECONDS``. A crashed crawler renews
  nothing: its requests' leases expire and ``REQUEUE`` (run by any crawler) puts them back.
- **ack on completion**: when a page's outcome is stored (the page published on ``raw``, its
  links scheduled; or a final failure), ``LeaseAckPipeline`` sends ``signals.lease_done`` and
  ``ACK`` drops the lease and the pending mark and, only then, marks the URL seen (the
  storage's seen key, ``Keys.seen(url_hash(canonical_url))``): articles for
  ``NEWSIEVE_SEEN_TTL``, list pages/sitemaps/feeds for their recrawl interval, final
  failures not at all (rediscovered on the next list crawl).
- **hand-over**: a retry or a redirect of a leased request is queued and the parent's lease
  dropped in one script, so neither is lost nor both kept.
- **drain**: ``drain()`` stops popping; ``close()`` puts any lease still held back on the queue.

Memory: the process holds only the leases of its in-flight requests (bounded by
``CONCURRENT_REQUESTS`` plus the scraper's queue); everything else is in Redis.

Keys (``storage.keys.Keys.frontier(crawl, part)``): ``queue`` (zset member -> -priority),
``inflight`` (zset member -> lease end in ms), ``pending`` (set of URL hashes).
"""

from __future__ import annotations

import inspect
import logging
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from redis.exceptions import RedisError
from scrapy import Request
from scrapy import signals as scrapy_signals
from scrapy.utils.request import request_from_dict
from scrapy_redis import picklecompat
from twisted.internet import task

from newsieve.exceptions import StorageError
from newsieve.storage import StorageConfig, open_storage
from newsieve.storage.errors import retrying
from newsieve.storage.urls import canonical_url, url_hash

from . import signals

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.spiders import Spider

    from newsieve.storage import Storage

__all__ = ["LEASE_META", "LeaseScheduler", "frontier_counts", "seen_ttl_ms"]

logger = logging.getLogger(__name__)

LEASE_META = "newsieve_lease"
"""``request.meta`` key of a popped request's lease: ``(member, url_hash)``."""
REQUEUE_EVERY = 1.0
"""Seconds between two looks for expired leases by one crawler."""
REQUEUED_PRIORITY = 100
"""Requests whose crawler died go ahead of the rest."""
KNOWN_CACHE_SIZE = 50_000
KNOWN_CACHE_SECONDS = 60.0
"""URL hashes this process recently found queued or seen are not asked about again for this
long: most links on a page (navigation, prev/next) were seen a moment ago, and this saves a
Redis round trip each. Bounded (LRU), so memory stays flat; a URL whose fetch failed is
rediscovered after at most this long. ``NEWSIEVE_KNOWN_CACHE_SECONDS`` (the
``frontier_known_cache_seconds`` setting) overrides it."""

# KEYS: queue, inflight, pending, seen(child), seen(parent), run set
# ARGV: child hash, score, member, dont_filter (0/1), parent member or "", parent hash, parent mark ms
ENQUEUE = """
local added = 0
local dup = 0
if ARGV[4] == '0' then
  if redis.call('EXISTS', KEYS[4]) == 1 then dup = 1
  elseif redis.call('SISMEMBER', KEYS[6], ARGV[1]) == 1 then dup = 1
  elseif redis.call('SADD', KEYS[3], ARGV[1]) == 0 then dup = 1 end
else
  redis.call('SADD', KEYS[3], ARGV[1])
end
if dup == 0 then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
  added = 1
end
if ARGV[5] ~= '' and redis.call('ZREM', KEYS[2], ARGV[5]) == 1 and ARGV[6] ~= ARGV[1] then
  redis.call('SREM', KEYS[3], ARGV[6])
  if tonumber(ARGV[7]) > 0 then redis.call('SET', KEYS[5], '1', 'PX', ARGV[7]) end
end
return added
"""

# KEYS: queue, inflight.  ARGV: lease ms
POP = """
local item = redis.call('ZRANGE', KEYS[1], 0, 0)
if #item == 0 then return false end
redis.call('ZREM', KEYS[1], item[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), item[1])
return item[1]
"""

# KEYS: inflight, pending, seen, queue, run set.
# ARGV: member, url hash, mark ms (0: do not mark seen), 1 to add the hash to the run set
ACK = """
local held = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[2])
if tonumber(ARGV[3]) > 0 then redis.call('SET', KEYS[3], '1', 'PX', ARGV[3]) end
if ARGV[4] == '1' then
  redis.call('SADD', KEYS[5], ARGV[2])
  redis.call('EXPIRE', KEYS[5], 86400)
end
return held
"""

# KEYS: inflight, queue.  ARGV: limit, score
REQUEUE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local items = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
for _, m in ipairs(items) do
  redis.call('ZREM', KEYS[1], m)
  redis.call('ZADD', KEYS[2], ARGV[2], m)
end
return #items
"""

# KEYS: inflight.  ARGV: lease ms, members...
RENEW = """
local t = redis.call('TIME')
local deadline = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
local n = 0
for i = 2, #ARGV do n = n + redis.call('ZADD', KEYS[1], 'XX', 'CH', deadline, ARGV[i]) end
return n
"""

# KEYS: inflight, queue.  ARGV: score, members...
RELEASE = """
local n = 0
for i = 2, #ARGV do
  if redis.call('ZREM', KEYS[1], ARGV[i]) == 1 then
    redis.call('ZADD', KEYS[2], ARGV[1], ARGV[i])
    n = n + 1
  end
end
return n
"""


class _Methods:
    """The bound methods of a spider, as plain attributes: ``Request.to_dict`` finds a callback's
    name with ``inspect.getmembers`` over the object it is given, which on a spider (properties
    and all) costs a millisecond per request."""

    def __init__(self, spider: Any) -> None:
        for name, method in inspect.getmembers(spider, predicate=inspect.ismethod):
            if not name.startswith("__"):
                setattr(self, name, method)

    def __bool__(self) -> bool:
        return True


def seen_ttl_ms(meta: dict[str, Any], seen_ttl: float) -> int:
    """How long a completed request's URL stays seen: list-like pages until their recrawl."""
    if meta.get("newsieve_kind") in ("list", "sitemap", "feed"):
        return max(1, int(float(meta.get("newsieve_recrawl") or 900.0) * 1000))
    return int(seen_ttl * 1000)


def frontier_counts(storage: Storage, crawl: str) -> dict[str, int]:
    """Queued, in-flight and pending counts of a crawl (for ``newsieve status`` and ``--once``)."""
    k = storage.keys
    pipe = storage.redis.pipeline(transaction=False)
    pipe.zcard(k.frontier(crawl, "queue"))
    pipe.zcard(k.frontier(crawl, "inflight"))
    pipe.scard(k.frontier(crawl, "pending"))
    queued, inflight, pending = pipe.execute()
    return {"queued": int(queued), "inflight": int(inflight), "pending": int(pending)}


class LeaseScheduler:
    """Scrapy scheduler over the shared frontier (see the module docstring).

    Settings: ``NEWSIEVE_STORAGE`` (dict of ``StorageConfig`` fields), ``NEWSIEVE_CRAWL``
    (crawl name, default ``default``), ``NEWSIEVE_LEASE_SECONDS``, ``NEWSIEVE_SEEN_TTL``.
    """

    def __init__(
        self,
        storage: Storage,
        crawl: str = "default",
        lease_seconds: float = 60.0,
        seen_ttl: float = 30 * 86400.0,
        stats: Any = None,
        run_id: str = "",
        known_cache_seconds: float = KNOWN_CACHE_SECONDS,
    ) -> None:
        self.storage = storage
        self.crawl = crawl
        self.lease_ms = max(1, int(lease_seconds * 1000))
        self.seen_ttl = seen_ttl
        self.known_cache_seconds = known_cache_seconds
        self.stats = stats
        self.draining = False
        self._leases: dict[bytes, None] = {}
        self._known: OrderedDict[str, float] = OrderedDict()
        k = storage.keys
        self.queue_key = k.frontier(crawl, "queue")
        self.inflight_key = k.frontier(crawl, "inflight")
        self.pending_key = k.frontier(crawl, "pending")
        # --once runs: list pages fetched in this run are not fetched again in it, whatever
        # their recrawl interval (else a short interval would loop list 1 -> list 2 -> list 1).
        self.run_key = k.frontier(crawl, f"run:{run_id}") if run_id else k.frontier(crawl, "run:-")
        self.run_id = run_id
        r = storage.redis
        self._enqueue = r.register_script(ENQUEUE)
        self._pop = r.register_script(POP)
        self._ack = r.register_script(ACK)
        self._requeue = r.register_script(REQUEUE)
        self._renew = r.register_script(RENEW)
        self._release = r.register_script(RELEASE)
        self._last_requeue = 0.0
        self._renewer: task.LoopingCall | None = None
        self.spider: Spider | None = None
        self._methods: _Methods | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeaseScheduler:
        s = crawler.settings
        storage = open_storage(StorageConfig(**(s.getdict("NEWSIEVE_STORAGE") or {})))
        obj = cls(
            storage,
            crawl=s.get("NEWSIEVE_CRAWL") or "default",
            lease_seconds=s.getfloat("NEWSIEVE_LEASE_SECONDS", 60.0),
            seen_ttl=s.getfloat("NEWSIEVE_SEEN_TTL", 30 * 86400.0),
            stats=crawler.stats,
            run_id=s.get("NEWSIEVE_RUN_ID") or "",
            known_cache_seconds=s.getfloat("NEWSIEVE_KNOWN_CACHE_SECONDS", KNOWN_CACHE_SECONDS),
        )
        crawler.signals.connect(obj.ack, signal=signals.lease_done)
        crawler.signals.connect(obj.drain, signal=signals.drain)
        crawler.signals.connect(obj._spider_idle, signal=scrapy_signals.spider_idle)
        return obj

    # -- Scrapy's scheduler interface ------------------------------------------------------------
    def open(self, spider: Spider) -> None:
        self.spider = spider
        self._renewer = task.LoopingCall(self._renew_leases)
        self._renewer.start(self.lease_ms / 3000.0, now=False)
        counts = frontier_counts(self.storage, self.crawl)
        if counts["queued"] or counts["inflight"]:
            logger.info(
                "resuming crawl %r: %d queued, %d in flight", self.crawl, counts["queued"], counts["inflight"]
            )

    def close(self, reason: str) -> None:
        if self._renewer and self._renewer.running:
            self._renewer.stop()
        released = self.release_all()
        if released:
            logger.info("put %d unfinished requests back on the frontier", released)
        self.storage.close()

    def has_pending_requests(self) -> bool:
        if self.draining:
            return False
        try:
            counts = frontier_counts(self.storage, self.crawl)
        except (StorageError, RedisError) as exc:
            logger.warning("frontier unreachable (%s): waiting", exc)
            return True  # do not let the crawl end because Redis blinked
        return bool(counts["queued"] or counts["inflight"] > len(self._leases))

    def __len__(self) -> int:
        return frontier_counts(self.storage, self.crawl)["queued"]

    def enqueue_request(self, request: Request) -> bool:
        parent = request.meta.pop(LEASE_META, None)
        child_hash = url_hash(canonical_url(request.url))
        if parent is None and not request.dont_filter and self._recently_known(child_hash):
            self._inc("frontier/filtered_cached")
            return False
        member = self._encode(request)
        parent_member, parent_hash, mark = b"", "", 0
        if parent is not None:
            parent_member, parent_hash = parent
            self._leases.pop(parent_member, None)
            mark = seen_ttl_ms(request.meta, self.seen_ttl)
        k = self.storage.keys
        added = self._run(
            self._enqueue,
            keys=[
                self.queue_key,
                self.inflight_key,
                self.pending_key,
                k.seen(child_hash),
                k.seen(parent_hash or child_hash),
                self.run_key,
            ],
            args=[
                child_hash,
                -int(request.priority),
                member,
                1 if request.dont_filter else 0,
                parent_member,
                parent_hash,
                mark,
            ],
        )
        self._inc("frontier/enqueued" if added else "frontier/filtered")
        self._remember(child_hash)
        return bool(added)

    def _recently_known(self, hashed: str) -> bool:
        until = self._known.get(hashed)
        if until is None:
            return False
        if until < time.monotonic():
            del self._known[hashed]
            return False
        return True

    def _remember(self, hashed: str) -> None:
        self._known[hashed] = time.monotonic() + self.known_cache_seconds
        self._known.move_to_end(hashed)
        while len(self._known) > KNOWN_CACHE_SIZE:
            self._known.popitem(last=False)

    def next_request(self) -> Request | None:
        if self.draining:
            return None
        try:
            return self._next_request()
        except StorageError as exc:
            logger.warning("frontier unreachable (%s): no request this round", exc)
            return None

    def _next_request(self) -> Request | None:
        now = time.monotonic()
        if now - self._last_requeue >= REQUEUE_EVERY:
            self._last_requeue = now
            keys = [self.inflight_key, self.queue_key]
            n = int(self._run(self._requeue, keys=keys, args=[100, -REQUEUED_PRIORITY]))
            if n:
                self._inc("frontier/requeued", n)
                logger.info("requeued %d requests whose lease expired (a crawler died)", n)
        member = self._run(self._pop, keys=[self.queue_key, self.inflight_key], args=[self.lease_ms])
        if member is None:
            return None
        request = self._decode(member)
        request.meta[LEASE_META] = (member, url_hash(canonical_url(request.url)))
        self._leases[member] = None
        self._inc("frontier/dequeued")
        return request

    # -- leases ----------------------------------------------------------------------------------
    def ack(self, lease: tuple[bytes, str], mark_ms: int = 0, listing: bool = False) -> None:
        """Complete a leased request: drop its lease and pending mark, mark it seen for ``mark_ms``.

        ``listing``: a list page, sitemap or feed, also remembered for the rest of a ``--once`` run.
        """
        member, hashed = lease
        self._leases.pop(member, None)
        if not mark_ms:
            self._known.pop(hashed, None)  # a failure: rediscoverable at once
        seen = self.storage.keys.seen(hashed)
        keys = [self.inflight_key, self.pending_key, seen, self.queue_key, self.run_key]
        in_run = 1 if listing and self.run_id else 0
        self._run(self._ack, keys=keys, args=[member, hashed, int(mark_ms), in_run])
        self._inc("frontier/acked")

    def drain(self) -> None:
        """Stop popping requests: the engine finishes what is in flight, then goes idle."""
        self.draining = True

    def release_all(self) -> int:
        """Put every lease this process still holds back on the queue (clean shutdown)."""
        members = list(self._leases)
        self._leases.clear()
        if not members:
            return 0
        keys = [self.inflight_key, self.queue_key]
        return int(self._run(self._release, keys=keys, args=[-REQUEUED_PRIORITY, *members]))

    def _renew_leases(self) -> None:
        if not self._leases:
            return
        try:
            self._run(self._renew, keys=[self.inflight_key], args=[self.lease_ms, *self._leases])
        except StorageError as exc:  # keep the loop alive: the next round may reach Redis
            logger.warning("could not renew leases: %s", exc)

    def _spider_idle(self, spider: Spider) -> None:
        # Leases acked by a request the engine dropped would keep the crawl waiting: none here,
        # but a lease the process holds while the engine is idle is a bug; say so, and free it.
        if self._leases and not self.draining:
            logger.warning("%d leases held while idle; putting them back", len(self._leases))
            self.release_all()

    # -- encoding (scrapy-redis's) -------------------------------------------------------------
    def _encode(self, request: Request) -> bytes:
        if self._methods is None and self.spider is not None:
            self._methods = _Methods(self.spider)
        try:  # callbacks looked up among the spider's methods listed once, not on every request
            data = request.to_dict(spider=self._methods or self.spider)
        except ValueError:  # a method added to the spider since: look it up the slow way
            data = request.to_dict(spider=self.spider)
        return bytes(picklecompat.dumps(data))

    def _decode(self, member: bytes) -> Request:
        return request_from_dict(picklecompat.loads(member), spider=self.spider)

    def _run(self, script: Any, *, keys: list[Any], args: list[Any]) -> Any:
        """Run a Lua script, retrying connection errors like the storage layer does (every
        script here is safe to repeat: a repeated pop leaves a lease that expires)."""
        return retrying(self.storage.config.retry_seconds, lambda: script(keys=keys, args=args), "frontier")

    def _inc(self, key: str, n: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(key, n)
