"""``Storage``: the one object the application uses to reach Redis; ``open_storage`` builds it."""

from __future__ import annotations

import logging
import re
import ssl
import time
from collections.abc import Iterable, Iterator
from typing import Any

import redis
import redis.exceptions as rexc

from newsieve.exceptions import InputError, NotFound
from newsieve.filters.pipeline import SiteRules
from newsieve.filters.types import Verdict

from . import articles, feedback
from .config import StorageConfig
from .connection import connect
from .errors import retrying
from .keys import STREAMS, Keys
from .messages import RawPage, RouteResult, decode, encode
from .review import ReviewStore
from .streams import Consumer, DeadLetter, GroupInfo, group_info, list_deadletters, requeue_deadletters
from .urls import canonical_url, url_hash

__all__ = ["Storage", "open_storage"]

log = logging.getLogger(__name__)

# Articles per PUBLISH call: with calls in flight, small enough that drafting one chunk overlaps
# the server's work on the previous one in a batch of 100-200; ~2 ms of server time per call (the
# server's instructions per article are the same with calls of 25, 50 or 100: callgrind). The
# server spends more CPU per article than this process spends drafting it (signing, encoding,
# packing: ~20 µs against ~35 µs with the embedded server's AOF, bench_storage.py), so it waits
# only for the first call of a batch, while that is drafted: the first call is small
# (``_EDGE_CHUNK``) and each next one at most twice the one before (10, 20, 40, then up to 50),
# drafted while the server runs the ones before it. The last call is small too: this process
# waits while the server runs it. The calls between the ramp and the last are of one size (within
# one). Each chunk is signed just before it is drafted, on its own (a ``sign`` call costs ~40 µs
# plus ~4 µs per article): signing all the chunks after the first two in one call, as an earlier
# build did, left the server idle ~1 ms per batch of 200 while it ran.
_PUBLISH_CHUNK = 50
_EDGE_CHUNK = 10
_IN_FLIGHT = 3  # PUBLISH calls sent and not answered yet: room for either side to get ahead a bit


def _chunk_bounds(n: int) -> list[tuple[int, int]]:
    """``(start, end)`` of each ``PUBLISH`` call for ``n`` articles."""
    if n <= _PUBLISH_CHUNK:
        return [(0, n)] if n else []
    sizes, size, left = [], _EDGE_CHUNK, n - _EDGE_CHUNK  # the last call: _EDGE_CHUNK
    while size < _PUBLISH_CHUNK and left >= 2 * size:  # the ramp: 10, 20, 40 while it fits
        sizes.append(size)
        left -= size
        size *= 2
    calls = -(-left // min(size, _PUBLISH_CHUNK))
    sizes += [left // calls + (i < left % calls) for i in range(calls)]
    sizes.append(_EDGE_CHUNK)
    bounds, start = [], 0
    for size in sizes:
        bounds.append((start, start + size))
        start += size
    return bounds


_IOV_MAX = 1000  # buffers per sendmsg call (Linux allows 1024)


def _send_buffers(conn: Any, buffers: list[bytes]) -> None:
    """Send ``buffers`` on redis-py connection ``conn`` with ``sendmsg`` (no copy into one bytes
    object); errors as redis-py's ``send_packed_command`` raises them."""
    if not hasattr(conn, "_sock"):  # a redis-py without this private attribute: its own path
        conn.send_packed_command(buffers)
        return
    if conn._sock is None:
        conn.connect()
    conn.check_health()
    sock = conn._sock
    if isinstance(sock, ssl.SSLSocket) or not hasattr(sock, "sendmsg"):  # no sendmsg on TLS sockets
        conn.send_packed_command(buffers, check_health=False)
        return
    views = [memoryview(b) for b in buffers]
    try:
        while views:
            sent = sock.sendmsg(views[:_IOV_MAX])
            while views and sent >= len(views[0]):
                sent -= len(views[0])
                views.pop(0)
            if sent:
                views[0] = views[0][sent:]
    except TimeoutError as exc:
        conn.disconnect()
        raise rexc.TimeoutError("Timeout writing to socket") from exc
    except OSError as exc:
        conn.disconnect()
        raise rexc.ConnectionError(f"Error while writing to socket: {exc}") from exc


_ENTRY_ID = re.compile(r"[0-9]{1,20}-[0-9]{1,20}")


def _check_ids(ids: list[str]) -> None:
    bad = [i for i in ids if not _ENTRY_ID.fullmatch(i)]
    if bad:
        raise InputError(f"not a stream entry id (like 1700000000000-0): {', '.join(map(repr, bad))}")


def open_storage(config: StorageConfig) -> Storage:
    """Connect (starting the embedded server if ``config.redis_url`` is None) and check the
    server version. Raises ``RedisUnavailable`` or ``ConfigError``."""
    client, where = connect(config)
    return Storage(client, config, where)


class Storage:
    """Streams, articles, review, feedback and the seen-set under one key prefix.

    See the package docstring for the interface. Every method retries connection errors
    with backoff for ``config.retry_seconds`` and then raises ``RedisUnavailable``.
    """

    def __init__(
        self, client: redis.Redis, config: StorageConfig, where: dict[str, str] | None = None
    ) -> None:
        self.redis = client
        self.config = config
        self.keys = Keys(config.key_prefix)
        self.where = where or {}
        self._publish = client.register_script(articles.PUBLISH)
        self.review = ReviewStore(client, self.keys, config, self._publish)

    def close(self) -> None:
        self.redis.close()

    def __enter__(self) -> Storage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _retry(self, fn: Any, what: str) -> Any:
        return retrying(self.config.retry_seconds, fn, what)

    def _trim(self) -> dict[str, Any]:
        if self.config.stream_maxlen > 0:
            return {"maxlen": self.config.stream_maxlen, "approximate": True}
        return {}

    # -- producing -------------------------------------------------------------------------
    def publish_raw(self, page: RawPage, *, pipeline: redis.client.Pipeline | None = None) -> str:
        """XADD the page onto ``raw``; its entry id (``""`` when queued on ``pipeline``)."""
        if pipeline is not None:
            pipeline.xadd(self.keys.raw, page.to_fields(), **self._trim())  # type: ignore[arg-type]
            return ""
        entry_id = self._retry(
            lambda: self.redis.xadd(self.keys.raw, page.to_fields(), **self._trim()),  # type: ignore[arg-type]
            "publish_raw",
        )
        return str(entry_id.decode())

    def route(
        self, verdict: Verdict, *, url: str | None, site: str | None, raw_id: str | None = None,
        original: dict[str, Any] | None = None,
    ) -> RouteResult:  # fmt: skip
        """Store ``verdict`` where its ``action`` sends it (see the package docstring)."""
        return self.route_many([(verdict, url, site, raw_id)], original=original)[0]

    def route_many(
        self,
        items: Iterable[tuple[Verdict, str | None, str | None, str | None]],
        *,
        original: dict[str, Any] | None = None,
    ) -> list[RouteResult]:
        """``route`` for a batch of ``(verdict, url, site, raw_id)``: the articles to publish go in
        ``PUBLISH`` calls of up to ``_PUBLISH_CHUNK``, pipelined (see ``_publish_chunks``)."""
        batch = list(items)
        for verdict, *_ in batch:  # refuse the batch before writing any of it
            if verdict.action not in ("publish", "review", "reject"):
                raise InputError(f"verdict action must be publish, review or reject, not {verdict.action!r}")
        results: list[RouteResult | None] = []
        publish: list[tuple[int, tuple[Verdict, str | None, str | None, str | None]]] = []
        for verdict, url, site, raw_id in batch:
            if verdict.action == "publish":
                publish.append((len(results), (verdict, url, site, raw_id)))
                results.append(None)
            elif verdict.action == "review":
                item = self.review.submit(verdict, url=url, site=site, original=original, raw_id=raw_id)
                results.append(RouteResult("review", review_item_id=item.id))
            else:
                message = {"url": url, "site": site, "raw_id": raw_id, "source": "filter",
                           "verdict": articles.verdict_dict(verdict)}  # fmt: skip
                sid = self._retry(
                    lambda m=message: self.redis.xadd(
                        self.keys.rejected, {"data": encode(m)}, **self._trim()
                    ),
                    "route reject",
                )
                results.append(RouteResult("rejected", stream_id=sid.decode()))
        chunks = [publish[start:end] for start, end in _chunk_bounds(len(publish))]
        published = self._publish_chunks([[item for _, item in chunk] for chunk in chunks])
        for (index, _), result in zip(publish, published, strict=True):
            results[index] = result
        return [r for r in results if r is not None]

    def _publish_chunks(
        self, chunks: list[list[tuple[Verdict, str | None, str | None, str | None]]]
    ) -> list[RouteResult]:
        """Publish chunks of ``(verdict, url, site, raw_id)``, one ``PUBLISH`` call each, on one
        connection with up to ``_IN_FLIGHT`` calls in flight: the server runs chunk k while this
        process drafts (signs, encodes) the next ones. After a dropped connection it resumes at the
        first chunk whose reply it did not read (safe: the script is idempotent per article id)."""
        drafted: list[list[articles.ArticleDraft]] = []
        answered: list[RouteResult] = []
        done = 0  # chunks whose reply was read
        near_dup = self.config.near_dup

        def send(conn: Any, k: int) -> None:
            while len(drafted) <= k:
                drafted.append(articles.drafts(chunks[len(drafted)], near_dup=near_dup))
            sha = self._publish.sha
            _send_buffers(conn, articles.publish_command(drafted[k], self.keys, self.config, sha))

        def run() -> None:
            nonlocal done
            pool = self.redis.connection_pool
            conn = pool.get_connection()
            try:
                for attempt in (1, 2):
                    try:
                        sent = done
                        while done < len(chunks):
                            while sent < len(chunks) and sent < done + _IN_FLIGHT:
                                send(conn, sent)
                                sent += 1
                            reply = conn.read_response()
                            answered.extend(articles.parse_batch_reply(drafted[done], reply))
                            done += 1
                        return
                    except rexc.NoScriptError:  # a restarted server lost it: load it, resume
                        conn.disconnect()
                        if attempt == 2:
                            raise
                        self._publish.sha = self.redis.script_load(articles.PUBLISH)
            except BaseException:
                conn.disconnect()  # replies may be left unread on it
                raise
            finally:
                pool.release(conn)

        if chunks:
            self._retry(run, "route publish")
        return answered

    # -- consuming -------------------------------------------------------------------------
    def consumer(
        self, stream: str, group: str, name: str, *, block_ms: int | None = None, count: int | None = None,
        follow: bool = True,
    ) -> Consumer:  # fmt: skip
        return Consumer(
            self.redis,
            self.keys,
            self.config,
            stream,
            group,
            name,
            block_ms=block_ms,
            count=count,
            follow=follow,
        )

    def groups(self, stream: str) -> list[GroupInfo]:
        result: list[GroupInfo] = self._retry(
            lambda: group_info(self.redis, self.keys.stream(stream)), "groups"
        )
        return result

    def stream_length(self, stream: str) -> int:
        return int(self._retry(lambda: self.redis.xlen(self.keys.stream(stream)), "XLEN"))

    def read_stream(self, stream: str, after: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Entries of any stream after id ``after`` (read-only), each ``data`` plus ``stream_id``."""
        low = f"({after}" if after else "-"
        entries = self._retry(
            lambda: self.redis.xrange(self.keys.stream(stream), min=low, count=limit), "XRANGE"
        )
        return [{**decode(fields), "stream_id": entry_id.decode()} for entry_id, fields in entries]

    def deadletters(self, after: str | None = None, limit: int = 100) -> list[DeadLetter]:
        """Entries of ``deadletter`` after entry id ``after`` (oldest first), read-only."""
        if after is not None:
            _check_ids([after])
        result: list[DeadLetter] = self._retry(
            lambda: list_deadletters(self.redis, self.keys, after, limit), "deadletters"
        )
        return result

    def requeue_deadletters(self, ids: list[str] | None = None) -> list[tuple[str, str | None, str]]:
        """Put dead letters back on the streams they came from (``ids``, or every one with
        ``None``) and delete them from ``deadletter``: ``(dead-letter id, new entry id or None
        when there is no such dead letter, source stream key)`` each. Each entry moves in one
        step (script ``REQUEUE``): retried after a dropped connection, an entry already moved is
        reported as gone, never added twice. A requeued entry is new to every group: it is
        delivered again (at least once), counting deliveries from 1."""
        if ids is not None:
            _check_ids(ids)
        maxlen = self.config.stream_maxlen
        result: list[tuple[str, str | None, str]] = self._retry(
            lambda: requeue_deadletters(self.redis, self.keys, ids, maxlen), "requeue deadletters"
        )
        return result

    def articles_after(self, after: str | None, limit: int) -> list[dict[str, Any]]:
        """The article messages after stream id ``after`` (oldest first), each with ``stream_id``."""
        return self.read_stream("articles", after, limit)

    def get_article(self, article_id: str) -> dict[str, Any]:
        found = self._retry(lambda: articles.load_article(self.redis, self.keys, article_id), "get_article")
        if found is None:
            raise NotFound(f"no article {article_id}")
        result: dict[str, Any] = found
        return result

    # -- crawler helpers -------------------------------------------------------------------
    @staticmethod
    def canonical_url(url: str) -> str:
        return canonical_url(url)

    def seen(self, url: str) -> bool:
        key = self.keys.seen(url_hash(canonical_url(url)))
        return bool(self._retry(lambda: self.redis.exists(key), "seen"))

    def mark_seen(self, url: str, *, pipeline: redis.client.Pipeline | None = None) -> None:
        key = self.keys.seen(url_hash(canonical_url(url)))
        if pipeline is not None:
            pipeline.set(key, b"1", ex=self.config.seen_ttl_seconds)
            return
        self._retry(lambda: self.redis.set(key, b"1", ex=self.config.seen_ttl_seconds), "mark_seen")

    # -- feedback --------------------------------------------------------------------------
    def feedback_examples(self, after: str | None = None) -> Iterator[dict[str, Any]]:
        return feedback.iter_examples(self.redis, self.keys, after)

    def site_rules(self, site: str) -> SiteRules:
        result: SiteRules = self._retry(
            lambda: feedback.load_site_rules(self.redis, self.keys, site), "site_rules"
        )
        return result

    def add_site_rule(self, site: str, kind: feedback.RuleKind, text: str, label: str | None = None) -> None:
        self._retry(
            lambda: feedback.add_site_rule(self.redis, self.keys, site, kind, text, label), "add_site_rule"
        )

    def remove_site_rule(self, site: str, kind: feedback.RuleKind, text: str) -> None:
        self._retry(lambda: feedback.remove_site_rule(self.redis, self.keys, site, kind, text), "site rule")

    # -- status ----------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """Which Redis, its version, and each stream's length and groups."""

        def run() -> dict[str, Any]:
            started = time.perf_counter()
            self.redis.ping()
            ping_ms = (time.perf_counter() - started) * 1000
            streams: dict[str, Any] = {}
            for name in STREAMS:
                key = self.keys.stream(name)
                streams[name] = {
                    "key": key,
                    "length": int(self.redis.xlen(key)),
                    "groups": [g.to_dict() for g in group_info(self.redis, key)],
                }
            memory, persistence = self.redis.info("memory"), self.redis.info("persistence")
            durable = {  # what a restart keeps: the embedded default appends every write to its AOF
                "aof": bool(persistence.get("aof_enabled")),
                "rdb_last_save": persistence.get("rdb_last_save_time"),
            }
            server = {**self.where, "ping_ms": round(ping_ms, 3), "used_memory": memory.get("used_memory")}
            return {
                "redis": {**server, "persistence": durable},
                "key_prefix": self.config.key_prefix,
                "streams": streams,
                "review": self.review.counts(),
            }

        result: dict[str, Any] = self._retry(run, "status")
        return result
