"""The ``articles`` stream: idempotent publishing with near-duplicate detection.

An article's id is ``sha256(canonical URL + "\\n" + content hash)`` (32 hex characters), so
one page with one content has one id whoever publishes it, and consumers can be
idempotent on it. The script ``PUBLISH`` decides and writes in one step on the server, for a
batch of articles in order (``Storage.route_many`` sends one call per chunk of drafts):

- the id was seen before: nothing is written (``duplicate``; a repost seen before answers
  ``near_duplicate`` again);
- an article published from ANOTHER canonical URL (before, or earlier in the batch) shares an
  LSH bucket with this one and its signature says they are similar enough: not published; the
  article is recorded with ``near_dup_of`` and appended to the original's ``reposted_by``
  list (``near_duplicate``);
- else it is XADDed (the message arrives ending in ``"version":1``; the script rewrites the 1
  for a later content of the same canonical URL), and its record, buckets and signature are
  stored (``published``).

The LSH index is one hash per time window (``near_dup_window_seconds``): bucket (8 bytes, see
``neardup.band_keys``) -> article id, and article id -> signature. The script looks up an
article's buckets in the current window and in the previous one (so reposts are caught for one
to two windows after the original; the previous window's, which a call never writes, with one
HMGET for the whole batch) and writes a published article's with one
HSET, so a later article of the same batch finds it as it would in a later call; the index's
memory is bounded by the window. Article records and version counters are strings
read for the whole batch in one MGET: a record is ``<stream id>\\n<version>\\n<canonical
URL>\\n<url>`` for a published article, a JSON object (``near_dup_of``, ``similarity``,
``canonical_url``, ``url``, ``site``, ``at``) for a near-duplicate (``parse_record``). Records,
version counters and repost lists expire after ``dedup_ttl_seconds``: a page seen again after
that is new. (Records written as hashes by builds before this format are not read by the
script: such a page published again is published again, as version 1. Buckets written by a build
with other ``neardup.BANDS``/``ROWS`` never match this build's: for up to two windows after such
an upgrade, a repost of an article published before it is published, not caught.)

Server cost (``bench/bench_storage.py``): every field of the index read or written is a hash
operation, so the bands are few (``neardup.BANDS``). Per article the script makes one HMGET and,
when it publishes it, one XADD, one HSET and two SETs with EX; the records of the batch are read
with one MGET, the previous window's buckets with one HMGET. Building Lua tables costs the script
as much as those calls (callgrind): the per-article paths build none. On Redis 7.0 about a third
of the script's instructions hash the bytes of the strings it is given (Lua interns every string,
hashing each byte): mostly the ~5 KB message, which only a publish outside Lua would avoid.

Not Redis Cluster-safe: the script reads the record of a candidate original and appends to its
``reposts`` list, keys found on the server (names built from ``ARGV[4]``) that it cannot declare
in ``KEYS`` without a second round trip per batch; on a cluster, a ``key_prefix`` with a hash tag
(``{newsieve}:``) puts every key in one slot.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any, NamedTuple

import redis

from newsieve.filters.types import Flag, Meta, Span, Verdict

from . import neardup
from .config import StorageConfig
from .keys import Keys
from .messages import MESSAGE_SCHEMA_VERSION, RouteResult, encode, loads
from .urls import canonical_url, url_hash

__all__ = [
    "PUBLISH", "ArticleDraft", "article_id", "draft", "drafts", "load_article",
    "parse_batch_reply", "parse_publish_reply", "parse_record", "publish_args", "publish_batch_args",
    "publish_command", "sign",
]  # fmt: skip

PUBLISH = """
-- Publish a batch of articles, in order, as if one call each: each unless it, or a near-duplicate
-- from another URL, was published (by an earlier call or earlier in this batch).
-- KEYS[1] articles stream, KEYS[2] LSH index of the current window (hash: bucket -> article id,
--   article id -> signature), KEYS[3] LSH index of the previous window; then two per article
--   i = 0, 1...: KEYS[4 + 2i] its record (string), KEYS[5 + 2i] version count of its canonical URL
--   (string)
-- ARGV[1] stream maxlen (0 = no trimming), ARGV[2] minimum estimated similarity, ARGV[3] now (ms),
-- ARGV[4] key prefix of article records ('<prefix>article:'), ARGV[5] most candidates to compare,
-- ARGV[6] TTL of the records (s, 0 = none), ARGV[7] TTL of the LSH index of a window (s);
-- then seven per article i: ARGV[8 + 7i] article id, ARGV[9 + 7i] message JSON (an object whose
-- last member is "version":1; the script rewrites the 1 when the version is another),
-- ARGV[10 + 7i] signature (binary; '' = no near-dup check), ARGV[11 + 7i] its LSH buckets
-- (8 bytes each, concatenated), ARGV[12 + 7i] canonical URL, ARGV[13 + 7i] the URL as given,
-- ARGV[14 + 7i] site; then every article's buckets again, one value each, in batch order (none
-- without near-dup checks): the previous window's index, which this call never writes, is read
-- for the whole batch in one HMGET.
-- A record is '<stream id>\\n<version>\\n<canonical URL>\\n<url>' for a published article, and a
-- JSON object (near_dup_of, similarity, canonical_url, url, site, at) for a near-duplicate.
-- Returns {status, stream id or original id, version or similarity} per article, concatenated.
-- Server time goes to Lua table writes as much as to commands: the per-article paths build none.
local maxlen, min, now = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local prefix, most, ttl = ARGV[4], tonumber(ARGV[5]), ARGV[6]
local expiring = tonumber(ttl) > 0
local n = (#KEYS - 3) / 2
local call, sub, unpack = redis.call, string.sub, unpack
local empty = '\\255\\255\\255\\255'
local CHUNK = 4000 -- unpack() of more values overflows Lua's C stack

-- The records and version counts of the whole batch, in one MGET (by position: KEYS[3 + i] ->
-- got[i], false for none), and what this call wrote since (a key may come twice in a batch).
local got = {}
for c = 1, 2 * n, CHUNK do
  local part = call('MGET', unpack(KEYS, 3 + c, 3 + math.min(c + CHUNK - 1, 2 * n)))
  for j = 1, #part do got[c + j - 1] = part[j] end
end
local written = {}
local function known(i)
  local v = written[KEYS[3 + i]]
  if v == nil then v = got[i] end
  return v
end

local first = 8 + 7 * n -- ARGV index of the first bucket of the batch
local prev = nil -- the previous window's entry of each bucket of the batch (false: no index)

local function previous_ids()
  if prev == nil then
    prev = false
    if #ARGV >= first and call('EXISTS', KEYS[3]) == 1 then
      if #ARGV - first < CHUNK then
        prev = call('HMGET', KEYS[3], unpack(ARGV, first))
      else
        prev = {}
        for c = first, #ARGV, CHUNK do
          local part = call('HMGET', KEYS[3], unpack(ARGV, c, math.min(c + CHUNK - 1, #ARGV)))
          for j = 1, #part do prev[c - first + j] = part[j] end
        end
      end
    end
  end
  return prev
end

local function similarity(sig, other)
  if #other ~= #sig then return nil end
  local same, both = 0, 0
  for j = 1, #sig, 4 do
    local a, b = sub(sig, j, j + 3), sub(other, j, j + 3)
    if a ~= empty and b ~= empty then
      both = both + 1
      if a == b then same = same + 1 end
    end
  end
  if both > 0 and same / both >= min then return same / both end
  return nil
end

-- The signature and canonical URL of a published article (nil when forgotten).
local function published(cand)
  local sig = call('HGET', KEYS[2], cand) or call('HGET', KEYS[3], cand)
  if not sig then return nil end
  local rec = redis.pcall('GET', prefix .. cand) -- an error: a record of an older build (a hash)
  if type(rec) ~= 'string' or sub(rec, 1, 1) == '{' then return nil end
  return sig, string.match(rec, '^[^\\n]*\\n[^\\n]*\\n([^\\n]*)')
end

local function compare(cand, sig, canonical)
  local other, other_canonical = published(cand)
  if other and other_canonical and other_canonical ~= canonical then return similarity(sig, other) end
  return nil
end

-- The buckets of packed (8 bytes each) as a list.
local function split(packed)
  local list = {}
  for j = 1, #packed, 8 do list[#list + 1] = sub(packed, j, j + 7) end
  return list
end

-- HMGET of the buckets in packed, or HSET of each to v and of v to sig: @BANDS@ buckets
-- (neardup.BANDS, none empty: the usual case) without building a table (more work than the call).
local function buckets(command, key, packed, v, sig)
  if #packed == @WIDTH@ and not v then
    return call(command, key, @GET@)
  elseif #packed == @WIDTH@ then
    return call(command, key, @SET@, v, sig)
  end
  local args = split(packed)
  if v then
    local pairs_ = {}
    for j = 1, #args do pairs_[2 * j - 1], pairs_[2 * j] = args[j], v end
    pairs_[#pairs_ + 1], pairs_[#pairs_ + 2] = v, sig
    args = pairs_
  end
  return call(command, key, unpack(args))
end

-- The id of a published article from another canonical URL that this one repeats, and how much
-- (its buckets: packed, and the batch's buckets at + 1 ... in previous_ids()).
local function original_of(packed, sig, canonical, at)
  local checked, limit = nil, most
  local ids, from, count = buckets('HMGET', KEYS[2], packed), 0, #packed / 8
  for k = 2, 3 do
    if k == 3 then
      ids, from = previous_ids(), at
      if not ids then return nil end
    end
    for j = from + 1, from + count do
      local c = ids[j]
      if c and not (checked and checked[c]) and limit > 0 then
        checked = checked or {}
        checked[c], limit = true, limit - 1
        local sim = compare(c, sig, canonical)
        if sim then return c, string.format('%.3f', sim) end
      end
    end
  end
  return nil
end

local out, wrote, at = {}, false, 0
for i = 0, n - 1 do
  local record, versions = KEYS[4 + 2 * i], KEYS[5 + 2 * i]
  local a = 8 + 7 * i
  local packed, here = ARGV[a + 3], at
  at = at + #packed / 8
  local id, sig, canonical = ARGV[a], ARGV[a + 2], ARGV[a + 4]
  local rec, o = known(2 * i + 1), 3 * i
  if rec then
    if sub(rec, 1, 1) == '{' then
      local r = cjson.decode(rec)
      out[o + 1], out[o + 2], out[o + 3] = 'near_duplicate', r.near_dup_of, r.similarity
    else
      local sid, version = string.match(rec, '^([^\\n]*)\\n([^\\n]*)')
      out[o + 1], out[o + 2], out[o + 3] = 'duplicate', sid, version
    end
  else
    local original, sim
    if packed ~= '' then original, sim = original_of(packed, sig, canonical, here) end
    local url = ARGV[a + 5]
    if original then
      local site = ARGV[a + 6]
      local reposts = prefix .. original .. ':reposts'
      rec = cjson.encode({near_dup_of = original, similarity = sim, canonical_url = canonical, url = url,
                          site = site, at = now})
      call('RPUSH', reposts, cjson.encode({id = id, url = url, site = site, at_ms = now,
                                           similarity = tonumber(sim)}))
      if expiring then
        call('SET', record, rec, 'EX', ttl)
        call('EXPIRE', reposts, ttl)
      else
        call('SET', record, rec)
      end
      out[o + 1], out[o + 2], out[o + 3] = 'near_duplicate', original, sim
    else
      local version = known(2 * i + 2)
      version = version and string.format('%d', tonumber(version) + 1) or '1'
      local payload = ARGV[a + 1]
      if version ~= '1' then payload = sub(payload, 1, -3) .. version .. '}' end
      local sid
      if maxlen > 0 then
        sid = call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'data', payload)
      else
        sid = call('XADD', KEYS[1], '*', 'data', payload)
      end
      rec = sid .. '\\n' .. version .. '\\n' .. canonical .. '\\n' .. url
      if expiring then
        call('SET', record, rec, 'EX', ttl)
        call('SET', versions, version, 'EX', ttl)
      else
        call('SET', record, rec)
        call('SET', versions, version)
      end
      written[versions] = version
      if packed ~= '' then
        buckets('HSET', KEYS[2], packed, id, sig)
        wrote = true
      end
      out[o + 1], out[o + 2], out[o + 3] = 'published', sid, version
    end
    written[record] = rec
  end
end
if wrote then call('EXPIRE', KEYS[2], ARGV[7]) end
return out
"""


def _lua_buckets() -> dict[str, str]:
    """The unrolled argument lists of ``PUBLISH``'s ``buckets`` for ``neardup.BANDS`` buckets."""
    cuts = [f"sub(packed, {8 * b + 1}, {8 * b + 8})" for b in range(neardup.BANDS)]
    return {
        "@BANDS@": str(neardup.BANDS),
        "@WIDTH@": str(8 * neardup.BANDS),
        "@GET@": ", ".join(cuts),
        "@SET@": ", ".join(f"{c}, v" for c in cuts),
    }


for _name, _value in _lua_buckets().items():
    PUBLISH = PUBLISH.replace(_name, _value)

_ARGS_HEAD = 7  # ARGV values before the seven of each article
_MAX_CANDIDATES = 50  # a band value shared by more articles than this is boilerplate, not news


_SPAN_FIELDS = tuple(f.name for f in fields(Span))
_FLAG_FIELDS = tuple(f.name for f in fields(Flag))
_META_FIELDS = tuple(f.name for f in fields(Meta))


def verdict_dict(v: Verdict) -> dict[str, Any]:
    """``v.to_dict()`` without ``dataclasses.asdict``'s deep copies (~10x faster on the publish
    path; the evidence dicts are shared, not copied). A test checks both stay equal."""
    return {
        "schema_version": v.schema_version,
        "title": v.title,
        "text": v.text,
        "paragraphs": list(v.paragraphs),
        "meta": {f: getattr(v.meta, f) for f in _META_FIELDS},
        "removed": [{f: getattr(s, f) for f in _SPAN_FIELDS} for s in v.removed],
        "flags": [{f: getattr(x, f) for f in _FLAG_FIELDS} for x in v.flags],
        "spam_score": v.spam_score,
        "action": v.action,
        "reasons": list(v.reasons),
        "original_text": v.original_text,
        "content_hash": v.content_hash,
        "detectors": list(v.detectors),
    }


_second: list[Any] = [0, ""]  # the current second and its ISO text: formatting costs ~10 µs


def _utc_now() -> str:
    now = time.time()
    second = int(now)
    if _second[0] != second:
        _second[0] = second
        _second[1] = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{_second[1]}.{int((now - second) * 1000):03d}Z"


def article_id(canonical: str, content_hash: str) -> str:
    return hashlib.sha256(f"{canonical}\n{content_hash}".encode()).hexdigest()[:32]


class ArticleDraft(NamedTuple):
    """Everything the publish script needs, computed client-side (no round trip). A named tuple:
    a frozen dataclass costs ~1 µs more to build, per article."""

    article_id: str
    canonical_url: str
    url: str
    site: str
    payload: bytes
    """The message JSON; its last member is ``"version":1`` (``PUBLISH`` rewrites it)."""
    signature: bytes
    """``neardup.signature`` of the text; ``b""``: no near-duplicate check."""
    buckets: bytes
    """``neardup.band_keys`` of the signature: the LSH buckets, 8 bytes each."""


def _message(
    verdict: Verdict, url: str | None, site: str | None, raw_id: str | None, source: str,
    review: dict[str, Any] | None, published_at: str,
) -> tuple[str, str, str, str, bytes]:  # fmt: skip
    """The article id, canonical URL, URL, site and message JSON of ``verdict``."""
    page_url = url or verdict.meta.url or ""
    canonical = canonical_url(page_url) if page_url else ""
    content_hash = verdict.content_hash or hashlib.sha256(verdict.text.encode("utf-8")).hexdigest()
    aid = article_id(canonical, content_hash)
    site = site or verdict.meta.site or ""
    message: dict[str, Any] = {
        "schema_version": MESSAGE_SCHEMA_VERSION,
        "id": aid,
        "url": page_url,
        "canonical_url": canonical,
        "site": site,
        "content_hash": content_hash,
        "raw_id": raw_id,
        "source": source,
        "published_at": published_at,
        "verdict": verdict,  # orjson writes the dataclass as ``verdict.to_dict()`` (a test checks)
    }
    if review is not None:
        message["review"] = review
    message["version"] = 1  # last: the publish script rewrites the 1 of a later version
    return aid, canonical, page_url, site, encode(message)


def sign(texts: Sequence[str]) -> tuple[list[bytes], list[bytes]]:
    """``neardup.signatures`` of ``texts`` and their ``neardup.band_keys``. One call costs ~100 µs
    of numpy calls whatever the number of texts, plus ~8 µs per 5 KB text: sign many at once."""
    sigs = neardup.signatures(texts)
    return sigs, neardup.band_keys(sigs)


def drafts(
    items: Sequence[tuple[Verdict, str | None, str | None, str | None]],
    *,
    source: str = "filter",
    review: dict[str, Any] | None = None,
    near_dup: bool = True,
) -> list[ArticleDraft]:
    """The article messages of a batch of ``(verdict, url, site, raw_id)``, their near-duplicate
    signatures computed together (see ``schemas/article-message.schema.json``)."""
    if near_dup:
        sigs, buckets = sign([v.text for v, *_ in items])
    else:
        sigs = buckets = [b""] * len(items)
    now = _utc_now()  # one time for the batch: drafted within a few milliseconds, published in one call
    return [
        ArticleDraft(*_message(v, url, site, raw_id, source, review, now), sig, bucket)
        for (v, url, site, raw_id), sig, bucket in zip(items, sigs, buckets, strict=True)
    ]


def draft(
    verdict: Verdict,
    *,
    url: str | None,
    site: str | None,
    raw_id: str | None = None,
    source: str = "filter",
    review: dict[str, Any] | None = None,
    near_dup: bool = True,
) -> ArticleDraft:
    """The article message of ``verdict`` (see ``schemas/article-message.schema.json``)."""
    return drafts([(verdict, url, site, raw_id)], source=source, review=review, near_dup=near_dup)[0]


def publish_batch_args(
    batch: Sequence[ArticleDraft], keys: Keys, config: StorageConfig, now: float | None = None
) -> tuple[list[str], list[Any]]:
    """``KEYS`` and ``ARGV`` of one ``PUBLISH`` call for ``batch``."""
    now = time.time() if now is None else now
    window = max(1, config.near_dup_window_seconds)
    current = int(now // window)
    ks = [keys.articles, keys.lsh(current), keys.lsh(current - 1)]
    args: list[Any] = [  # _ARGS_HEAD values
        config.stream_maxlen, config.near_dup_threshold, int(now * 1000), keys.article(""), _MAX_CANDIDATES,
        config.dedup_ttl_seconds, 2 * window,
    ]  # fmt: skip
    for d in batch:
        ks += (keys.article(d.article_id), keys.url_versions(url_hash(d.canonical_url)))
        args += (d.article_id, d.payload, d.signature, d.buckets, d.canonical_url, d.url, d.site)
    args += _bucket_values(batch)
    return ks, args


def _bucket_values(batch: Sequence[ArticleDraft]) -> list[bytes]:
    """Every bucket of ``batch``, one value each, in order (the tail of ``PUBLISH``'s ``ARGV``)."""
    return [d.buckets[j : j + 8] for d in batch for j in range(0, len(d.buckets), 8)]


def _bulk(value: Any) -> bytes:
    if isinstance(value, str):
        value = value.encode()
    elif not isinstance(value, bytes):
        value = repr(value).encode()
    return b"$%d\r\n%b\r\n" % (len(value), value)


def publish_command(
    batch: Sequence[ArticleDraft], keys: Keys, config: StorageConfig, sha: str, now: float | None = None
) -> list[bytes]:
    """``EVALSHA <sha>`` with ``publish_batch_args(batch, ...)``, in RESP, as a list of buffers for
    ``socket.sendmsg``: each message is a buffer of its own, not copied into one 250 KB bytes
    object (a fresh allocation per call, whose page faults cost more than the copy). The buffers
    joined are what redis-py would send for the same arguments (a test checks)."""
    ks, args = publish_batch_args([], keys, config, now)
    record, versions = keys.article("").encode(), keys.url_versions("").encode()
    values = _bucket_values(batch)
    head = [
        b"*%d\r\n$7\r\nEVALSHA\r\n" % (3 + len(ks) + len(args) + 9 * len(batch) + len(values)),
        _bulk(sha),
    ]
    head += map(_bulk, (len(ks) + 2 * len(batch), *ks))
    ids = [d.article_id.encode() for d in batch]
    for d, aid in zip(batch, ids, strict=True):
        uh = url_hash(d.canonical_url).encode()
        head.append(b"$%d\r\n%b%b\r\n$%d\r\n%b%b\r\n" % (
            len(record) + len(aid), record, aid, len(versions) + len(uh), versions, uh))  # fmt: skip
    head += map(_bulk, args)
    out = [b"".join(head)]
    tail = b""
    for d, aid in zip(batch, ids, strict=True):
        out.append(b"%b$%d\r\n%b\r\n$%d\r\n" % (tail, len(aid), aid, len(d.payload)))
        out.append(d.payload)
        canonical, url, site = d.canonical_url.encode(), d.url.encode(), d.site.encode()
        tail = b"\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n" % (
            len(d.signature), d.signature, len(d.buckets), d.buckets, len(canonical), canonical,
            len(url), url, len(site), site,
        )  # fmt: skip
    out.append(tail + b"".join(b"$8\r\n%b\r\n" % v for v in values))
    return out


def publish_args(
    d: ArticleDraft, keys: Keys, config: StorageConfig, now: float | None = None
) -> tuple[list[str], list[Any]]:
    """``KEYS`` and ``ARGV`` of one ``PUBLISH`` call for ``d`` alone."""
    return publish_batch_args([d], keys, config, now)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def parse_publish_reply(d: ArticleDraft, reply: Sequence[Any]) -> RouteResult:
    """The outcome of ``d`` from its three values of a ``PUBLISH`` reply."""
    status, ref, extra = _text(reply[0]), _text(reply[1]), _text(reply[2])
    if status == "near_duplicate":
        return RouteResult(
            "near_duplicate", article_id=d.article_id, near_dup_of=ref, similarity=float(extra)
        )
    if status == "duplicate":
        return RouteResult("duplicate", article_id=d.article_id, stream_id=ref, version=int(extra))
    return RouteResult("published", article_id=d.article_id, stream_id=ref, version=int(extra))


def parse_batch_reply(batch: Sequence[ArticleDraft], reply: Sequence[Any]) -> list[RouteResult]:
    """The outcome of each draft of ``batch`` from the reply of its ``PUBLISH`` call."""
    if len(reply) != 3 * len(batch):
        raise ValueError(f"PUBLISH answered {len(reply)} values for {len(batch)} articles")
    out = []
    for i, d in enumerate(batch):
        status, ref = reply[3 * i], reply[3 * i + 1]
        if status == b"published":  # the usual case, without the generic parsing
            out.append(RouteResult("published", d.article_id, ref.decode(), int(reply[3 * i + 2])))
        else:
            out.append(parse_publish_reply(d, reply[3 * i : 3 * i + 3]))
    return out


def parse_record(value: bytes) -> dict[str, str]:
    """The fields of an article record as ``PUBLISH`` writes it: ``stream_id``, ``version``,
    ``canonical_url``, ``url`` of a published article, or ``near_dup_of``, ``similarity``,
    ``canonical_url``, ``url``, ``site``, ``at`` of a near-duplicate."""
    if value[:1] == b"{":
        return {k: str(v) for k, v in loads(value).items()}
    sid, version, canonical, url = value.decode().split("\n", 3)
    return {"stream_id": sid, "version": version, "canonical_url": canonical, "url": url}


def load_article(client: redis.Redis, keys: Keys, aid: str) -> dict[str, Any] | None:
    """The published message of ``aid`` with ``reposted_by``, or its near-dup record."""
    pipe = client.pipeline(transaction=False)
    pipe.get(keys.article(aid))
    pipe.lrange(keys.reposts(aid), 0, -1)
    value, reposts = pipe.execute(raise_on_error=False)
    if isinstance(reposts, Exception):
        raise reposts
    if isinstance(value, redis.ResponseError) and "WRONGTYPE" in str(value):  # a hash: an older build's
        old: dict[bytes, bytes] = client.hgetall(keys.article(aid))  # type: ignore[assignment]
        fields = {k.decode(): v.decode() for k, v in old.items() if k != b"sig"}
    elif isinstance(value, Exception):
        raise value
    elif value is None:
        return None
    else:
        fields = parse_record(value)
    if not fields:
        return None
    out: dict[str, Any]
    if "stream_id" in fields:
        sid = fields["stream_id"]
        entries: Any = client.xrange(keys.articles, min=sid, max=sid)
        # trimmed from the stream: the record is all that is left
        out = loads(entries[0][1][b"data"]) if entries else {"id": aid, "url": fields["url"]}
        out["stream_id"] = sid
    else:
        out = {
            "id": aid,
            "url": fields.get("url", ""),
            "canonical_url": fields.get("canonical_url", ""),
            "site": fields.get("site", ""),
            "near_dup_of": fields["near_dup_of"],
            "similarity": float(fields.get("similarity") or 0),
        }
    out["reposted_by"] = [loads(r) for r in reposts]
    return out
