"""Consumer groups: at-least-once delivery, reclaiming, dead letters, lag.

A ``Consumer`` iterates ``Message`` objects of one stream for one group member::

    for msg in storage.consumer("articles", "indexer", "host-1"):
        index(msg.data)
        msg.ack()              # only once the effect is stored; or msg.fail("why")

- A new group starts at the beginning of the stream (``XGROUP CREATE ... 0 MKSTREAM``).
- Entries that a consumer read but did not ack within ``claim_idle_ms`` (it crashed, hangs,
  or was SIGKILLed) are reclaimed by whichever consumer of the group looks first
  (XAUTOCLAIM), before new entries are read.
- ``Message.fail(error)`` records the error and makes the entry due again at once (XCLAIM
  with ``IDLE``), without waiting for ``claim_idle_ms``.
- An entry delivered ``max_deliveries`` times goes to ``deadletter`` (script
  ``DEADLETTER``: copy, ack, forget the error, atomically) with its fields, its last error
  and where it came from (``dl_stream``, ``dl_group``, ``dl_entry_id``, ``dl_deliveries``,
  ``dl_error``, ``dl_consumer``, ``dl_at``).
- ``list_deadletters`` reads ``deadletter`` as ``DeadLetter`` objects; ``requeue_deadletters``
  puts entries back on their source stream (their original fields, a new entry id, delivered
  to every group as a new entry) and deletes them from ``deadletter``: script ``REQUEUE``, which
  does both for an entry in one step, so a crash or a concurrent requeue never loses or doubles
  one (an entry already gone is reported, not added again).
- Connection errors are retried with backoff (``errors.retrying``): a consumer outlives a
  Redis restart. An entry read but not acked across the restart is reclaimed later.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import redis
import redis.exceptions as rexc

from .config import StorageConfig
from .errors import retrying
from .keys import Keys
from .messages import decode

__all__ = [
    "DEADLETTER", "LAG_COUNT", "REQUEUE", "Consumer", "DeadLetter", "GroupInfo", "Message", "ensure_group",
    "group_info", "list_deadletters", "requeue_deadletters",
]  # fmt: skip

log = logging.getLogger(__name__)

DEADLETTER = """
-- Move one pending entry to the dead-letter stream: copy it with where it came from and its
-- last error, ack it in its group, forget its recorded error.
-- KEYS[1] source stream, KEYS[2] dead-letter stream, KEYS[3] errors hash of (stream, group)
-- ARGV[1] group, ARGV[2] entry id, ARGV[3] deliveries, ARGV[4] error ('' = the recorded one),
-- ARGV[5] consumer, ARGV[6] now (unix ms), ARGV[7] maxlen of the dead-letter stream (0 = none)
-- Returns the dead-letter entry id.
local entry = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])
local err = ARGV[4]
if err == '' then
  err = redis.call('HGET', KEYS[3], ARGV[2]) or ('no ack after ' .. ARGV[3] .. ' deliveries')
end
local fields = {}
if entry[1] then
  for _, v in ipairs(entry[1][2]) do fields[#fields + 1] = v end
else
  fields = {'data', '{}'}
end
for _, v in ipairs({'dl_stream', KEYS[1], 'dl_group', ARGV[1], 'dl_entry_id', ARGV[2],
                    'dl_deliveries', ARGV[3], 'dl_error', err, 'dl_consumer', ARGV[5],
                    'dl_at', ARGV[6]}) do
  fields[#fields + 1] = v
end
local id
if tonumber(ARGV[7]) > 0 then
  id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[7], '*', unpack(fields))
else
  id = redis.call('XADD', KEYS[2], '*', unpack(fields))
end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('HDEL', KEYS[3], ARGV[2])
return id
"""


REQUEUE = """
-- Move dead-letter entries back onto their source stream: each one's original fields (not the
-- dl_* ones) XADDed there as a new entry, and the dead letter deleted, in one step.
-- KEYS[1] dead-letter stream, KEYS[2] source stream (every entry's dl_stream must name it)
-- ARGV[1] maxlen of the source stream (0 = none); ARGV[2...] dead-letter entry ids
-- Returns {dead-letter id, new entry id or '' (no such dead letter, or from another stream)} per id
local out = {}
for i = 2, #ARGV do
  local id, new = ARGV[i], ''
  local entry = redis.call('XRANGE', KEYS[1], id, id)[1]
  if entry then
    local fields, source = {}, nil
    local kv = entry[2]
    for j = 1, #kv, 2 do
      if kv[j] == 'dl_stream' then
        source = kv[j + 1]
      elseif string.sub(kv[j], 1, 3) ~= 'dl_' then
        fields[#fields + 1] = kv[j]
        fields[#fields + 1] = kv[j + 1]
      end
    end
    if source == KEYS[2] and #fields > 0 then
      if tonumber(ARGV[1]) > 0 then
        new = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*', unpack(fields))
      else
        new = redis.call('XADD', KEYS[2], '*', unpack(fields))
      end
      redis.call('XDEL', KEYS[1], id)
    end
  end
  out[#out + 1] = id
  out[#out + 1] = new
end
return out
"""


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def ensure_group(client: redis.Redis, stream: str, group: str, start: str = "0") -> bool:
    """Create ``group`` on ``stream`` (and the stream) unless it exists. True when created."""
    try:
        client.xgroup_create(stream, group, id=start, mkstream=True)
        return True
    except rexc.ResponseError as exc:
        if "BUSYGROUP" in str(exc):
            return False
        raise


@dataclass(frozen=True, slots=True)
class GroupInfo:
    name: str
    consumers: int
    pending: int
    """Entries delivered to a member and not acked yet."""
    lag: int | None
    """Entries not delivered to the group yet (``None`` when the server cannot tell, e.g. after
    entries were deleted from the middle of the stream). Redis 6.2 reports no lag: it is
    counted on the server, up to ``LAG_COUNT_CAP`` (then ``lag_exact`` is False)."""
    last_delivered_id: str
    lag_exact: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "consumers": self.consumers,
            "pending": self.pending,
            "lag": self.lag,
            "last_delivered_id": self.last_delivered_id,
            "lag_exact": self.lag_exact,
        }


LAG_COUNT_CAP = 10_000  # Redis < 7 reports no lag: count at most this many entries (server side)

LAG_COUNT = """
-- Count the entries after an id (the lag of a group on Redis 6.2, which does not report it).
-- KEYS[1] stream
-- ARGV[1] exclusive start ('(<id>' or '-'), ARGV[2] most entries to count
-- Returns the count.
return #redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])
"""


def group_info(client: redis.Redis, stream: str) -> list[GroupInfo]:
    """Each group of ``stream`` with its pending count and lag (``[]`` for a missing stream)."""
    try:
        groups = client.xinfo_groups(stream)
    except rexc.ResponseError as exc:
        if "no such key" in str(exc).lower():
            return []
        raise
    out = []
    for g in groups:
        last = _s(g.get("last-delivered-id", b"0-0"))
        lag = g.get("lag")
        exact = True
        if "lag" not in g:  # Redis 6.2: count what comes after the last delivered id
            start = f"({last}" if last != "0-0" else "-"
            lag = int(client.eval(LAG_COUNT, 1, stream, start, LAG_COUNT_CAP))  # type: ignore[arg-type]
            exact = lag < LAG_COUNT_CAP
        out.append(
            GroupInfo(
                name=_s(g["name"]),
                consumers=int(g.get("consumers", 0)),
                pending=int(g.get("pending", 0)),
                lag=None if lag is None else int(lag),
                last_delivered_id=last,
                lag_exact=exact,
            )
        )
    return out


class Message:
    """One delivered entry. ``data`` is the decoded dict; ``deliveries`` counts this delivery."""

    __slots__ = ("_consumer", "data", "deliveries", "done", "id", "stream")

    def __init__(self, consumer: Consumer, entry_id: str, data: dict[str, Any], deliveries: int) -> None:
        self._consumer = consumer
        self.id = entry_id
        self.stream = consumer.stream
        self.data = data
        self.deliveries = deliveries
        self.done = False

    def ack(self, pipeline: redis.client.Pipeline | None = None) -> None:
        """Acknowledge: the entry will not be delivered again. With ``pipeline``, the XACK is
        queued there (put it in the transaction that stores the effect)."""
        self._consumer._ack(self, pipeline)
        self.done = True

    def fail(self, error: str) -> None:
        """Processing failed: due again at once, or to ``deadletter`` after ``max_deliveries``."""
        self._consumer._fail(self, error)
        self.done = True

    def __repr__(self) -> str:
        return f"<Message {self.stream} {self.id} deliveries={self.deliveries}>"


class Consumer:
    """Iterator over the messages of ``stream`` for member ``name`` of ``group``.

    ``follow=False`` stops when nothing is new and nothing is due for reclaiming.
    """

    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        config: StorageConfig,
        stream: str,
        group: str,
        name: str,
        *,
        block_ms: int | None = None,
        count: int | None = None,
        follow: bool = True,
    ) -> None:
        self.redis = client
        self.keys = keys
        self.config = config
        self.stream = stream
        self.key = keys.stream(stream)
        self.group = group
        self.name = name
        # A read must not block past the client's socket timeout (0 would block forever).
        limit = config.block_ms + int(config.socket_timeout * 500)
        self.block_ms = config.block_ms if block_ms is None else block_ms
        if not 0 < self.block_ms <= limit:
            self.block_ms = limit
        self.count = count or config.read_count
        self.follow = follow
        self._errors_key = keys.errors(stream, group)
        self._deadletter = client.register_script(DEADLETTER)
        self._claim_cursor = "0-0"
        self._next_claim = 0.0  # monotonic time of the next XAUTOCLAIM round
        self._closed = False
        self._group_ready = False

    # -- iteration -------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Message]:
        for batch in self.batches():
            yield from batch

    def batches(self) -> Iterator[list[Message]]:
        """The messages batch by batch as they are read (reclaimed ones first), for consumers
        that store and ack a whole batch at once (``ack_many``)."""
        while not self._closed:
            batch = self._reclaim()
            if not batch:
                batch = self._read_new()
            if not batch:
                if not self.follow:
                    return
                continue
            yield batch

    def close(self) -> None:
        self._closed = True

    def ack_many(self, messages: list[Message], pipeline: redis.client.Pipeline | None = None) -> None:
        """Acknowledge a batch in one XACK (the fast path for high-volume consumers)."""
        if not messages:
            return
        ids = [m.id for m in messages]
        retried = [m.id for m in messages if m.deliveries > 1]

        def queue(pipe: Any) -> None:
            pipe.xack(self.key, self.group, *ids)
            if retried:
                pipe.hdel(self._errors_key, *retried)

        if pipeline is not None:
            queue(pipeline)
        else:

            def run() -> Any:
                pipe = self.redis.pipeline(transaction=False)
                queue(pipe)
                return pipe.execute()

            self._call(run, "XACK")
        for m in messages:
            m.done = True

    def _call(self, fn: Any, what: str) -> Any:
        def run() -> Any:
            if not self._group_ready:
                ensure_group(self.redis, self.key, self.group)
                self._group_ready = True
            try:
                return fn()
            except rexc.ResponseError as exc:
                if "NOGROUP" in str(exc):  # the stream or group was deleted (or the server lost it)
                    self._group_ready = False
                    ensure_group(self.redis, self.key, self.group)
                    self._group_ready = True
                    return fn()
                raise

        return retrying(self.config.retry_seconds, run, f"{what} {self.key}/{self.group}")

    def _read_new(self) -> list[Message]:
        block = self.block_ms if self.follow else None

        def read() -> Any:
            return self.redis.xreadgroup(
                self.group, self.name, {self.key: ">"}, count=self.count, block=block
            )

        reply = self._call(read, "XREADGROUP")
        out: list[Message] = []
        for _stream, entries in reply or []:
            out += (Message(self, _s(i), decode(f), 1) for i, f in entries if f is not None)
        return out

    def _reclaim(self) -> list[Message]:
        now = time.monotonic()
        if now < self._next_claim:
            return []
        idle = self.config.claim_idle_ms

        def claim() -> Any:
            return self.redis.xautoclaim(
                self.key,
                self.group,
                self.name,
                min_idle_time=idle,
                start_id=self._claim_cursor,
                count=self.count,
            )

        reply = self._call(claim, "XAUTOCLAIM")
        cursor, entries = _s(reply[0]), reply[1]
        self._claim_cursor = cursor
        if cursor == "0-0":  # went through the whole pending list: look again a bit later
            self._next_claim = now + min(idle / 4000, 1.0)
        live = [(_s(i), f) for i, f in entries if f]
        gone = [_s(i) for i, f in entries if not f]  # trimmed away while pending (Redis 6.2)
        if gone:
            self._call(lambda: self.redis.xack(self.key, self.group, *gone), "XACK")
        if not live:
            return []

        def deliveries() -> Any:
            pipe = self.redis.pipeline(transaction=False)
            for entry_id, _ in live:
                pipe.xpending_range(self.key, self.group, min=entry_id, max=entry_id, count=1)
            return pipe.execute()

        counts = self._call(deliveries, "XPENDING")
        out = []
        for (entry_id, fields), pending in zip(live, counts, strict=True):
            n = int(pending[0]["times_delivered"]) if pending else 1
            if n > self.config.max_deliveries:
                self._to_deadletter(entry_id, n, "")
                continue
            out.append(Message(self, entry_id, decode(fields), n))
        return out

    # -- outcomes --------------------------------------------------------------------------
    def _ack(self, msg: Message, pipeline: redis.client.Pipeline | None) -> None:
        if pipeline is not None:
            pipeline.xack(self.key, self.group, msg.id)
            if msg.deliveries > 1:
                pipeline.hdel(self._errors_key, msg.id)
            return

        def ack() -> Any:
            if msg.deliveries > 1:
                pipe = self.redis.pipeline(transaction=False)
                pipe.xack(self.key, self.group, msg.id)
                pipe.hdel(self._errors_key, msg.id)
                return pipe.execute()
            return self.redis.xack(self.key, self.group, msg.id)

        self._call(ack, "XACK")

    def _fail(self, msg: Message, error: str) -> None:
        if msg.deliveries >= self.config.max_deliveries:
            self._to_deadletter(msg.id, msg.deliveries, error)
            return

        def fail() -> Any:
            pipe = self.redis.pipeline(transaction=False)
            pipe.hset(self._errors_key, msg.id, error)
            # Mark it idle for claim_idle_ms already, so the next XAUTOCLAIM round takes it.
            pipe.xclaim(
                self.key, self.group, self.name, min_idle_time=0, message_ids=[msg.id],
                idle=self.config.claim_idle_ms, justid=True,
            )  # fmt: skip
            return pipe.execute()

        self._call(fail, "XCLAIM")
        self._next_claim = 0.0
        self._claim_cursor = "0-0"

    def _to_deadletter(self, entry_id: str, deliveries: int, error: str) -> None:
        log.warning("%s %s: %d deliveries, to deadletter: %s", self.key, entry_id, deliveries, error)
        keys = [self.key, self.keys.deadletter, self._errors_key]
        args: list[Any] = [
            self.group,
            entry_id,
            deliveries,
            error,
            self.name,
            int(time.time() * 1000),
            self.config.stream_maxlen,
        ]
        self._call(lambda: self._deadletter(keys=keys, args=args), "deadletter")


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An entry of ``deadletter``: the message and where and why it failed."""

    id: str
    """Its entry id on ``deadletter``."""
    stream: str
    """The stream it came from (the key, e.g. ``newsieve:raw``)."""
    group: str
    entry_id: str
    """Its entry id on ``stream``."""
    deliveries: int
    error: str
    """The last error recorded for it (``Message.fail``), or ``no ack after N deliveries``."""
    consumer: str
    """The consumer that moved it to ``deadletter``."""
    at_ms: int
    """When it was moved, unix milliseconds."""
    data: dict[str, Any]
    """The message as ``Message.data`` held it (``body`` bytes for raw pages)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "stream": self.stream, "group": self.group, "entry_id": self.entry_id,
            "deliveries": self.deliveries, "error": self.error, "consumer": self.consumer,
            "at_ms": self.at_ms, "data": self.data,
        }  # fmt: skip


def _dead_letter(entry_id: Any, fields: dict[bytes, bytes]) -> DeadLetter:
    original = {k: v for k, v in fields.items() if not k.startswith(b"dl_")}
    meta = {k[3:].decode(): v.decode("utf-8", "replace") for k, v in fields.items() if k.startswith(b"dl_")}
    return DeadLetter(
        id=_s(entry_id),
        stream=meta.get("stream", ""),
        group=meta.get("group", ""),
        entry_id=meta.get("entry_id", ""),
        deliveries=int(meta.get("deliveries") or 0),
        error=meta.get("error", ""),
        consumer=meta.get("consumer", ""),
        at_ms=int(meta.get("at") or 0),
        data=decode(original) if original else {},
    )


def list_deadletters(
    client: redis.Redis, keys: Keys, after: str | None = None, limit: int = 100
) -> list[DeadLetter]:
    """Up to ``limit`` entries of ``deadletter`` after entry id ``after``, oldest first."""
    low = f"({after}" if after else "-"
    entries: Any = client.xrange(keys.deadletter, min=low, count=limit)
    return [_dead_letter(entry_id, fields) for entry_id, fields in entries]


def requeue_deadletters(
    client: redis.Redis, keys: Keys, ids: list[str] | None, maxlen: int, page: int = 100
) -> list[tuple[str, str | None, str]]:
    """Put dead letters back on their source streams: ``ids``, or with ``None`` every entry of
    ``deadletter`` up to the last one there now (not the ones added meanwhile, which may be
    these failing again). Returns ``(dead-letter id, new entry id, source stream key)`` per
    entry, in order; the new id is ``None`` when there was no such dead letter (never was, or
    requeued already). One ``REQUEUE`` call per source stream and page of ``page`` entries, each
    entry moved in one step: a crash leaves every entry on exactly one of the two streams."""
    script = client.register_script(REQUEUE)
    out: list[tuple[str, str | None, str]] = []

    def move(wanted: list[str]) -> None:
        pipe = client.pipeline(transaction=False)
        for entry_id in wanted:
            pipe.xrange(keys.deadletter, min=entry_id, max=entry_id)
        found = {d.id: d for entries in pipe.execute() for d in (_dead_letter(i, f) for i, f in entries)}
        by_stream: dict[str, list[str]] = {}
        for d in found.values():
            by_stream.setdefault(d.stream, []).append(d.id)
        moved: dict[str, str | None] = {}
        for stream, stream_ids in by_stream.items():
            reply = script(keys=[keys.deadletter, stream], args=[maxlen, *stream_ids])
            moved.update((_s(reply[i]), _s(reply[i + 1]) or None) for i in range(0, len(reply), 2))
        out.extend((i, moved.get(i), found[i].stream if i in found else "") for i in wanted)

    if ids is not None:
        for start in range(0, len(ids), page):
            move(ids[start : start + page])
        return out
    newest: Any = client.xrevrange(keys.deadletter, count=1)
    if not newest:
        return out
    stop = _s(newest[0][0])
    last: str | None = None
    while True:
        low = f"({last}" if last else "-"
        entries: Any = client.xrange(keys.deadletter, min=low, max=stop, count=page)
        if not entries:
            return out
        wanted = [_s(i) for i, _ in entries]
        move(wanted)
        last = wanted[-1]
