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
- else it is XADDed (the version, 1 + earlier contents of the same canonical URL, is
  spliced into the JSON), and its record, buckets and signature are stored (``published``).

The LSH index is one hash per time window (``near_dup_window_seconds``): bucket (8 bytes, see
``neardup.band_keys``) -> article id, and article id -> signature. The script looks up every
bucket of the batch in one HMGET per window (the current and the previous one, so reposts are
caught for one to two windows after the original) and writes the batch's in one HSET; the
index's memory is bounded by the window. Article records (``stream_id``, ``version``,
``canonical_url``, ``url``), version counters and repost lists expire after
``dedup_ttl_seconds``: a page seen again after that is new.

Server cost: every field of the index read or written is a hash operation, so the bands are
few (``neardup.BANDS``); the per-article commands are one record HMGET, HINCRBY, XADD, HSET
and two EXPIREs. The script reads the record of a candidate original and writes its
``reposts`` list, whose names it builds from ``ARGV[4]``: like rq's, it assumes a single
Redis, not a cluster.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

import redis

from newsieve.filters.types import Flag, Meta, Span, Verdict

from . import neardup
from .config import StorageConfig
from .keys import Keys
from .messages import MESSAGE_SCHEMA_VERSION, RouteResult, encode, loads
from .urls import canonical_url, url_hash

__all__ = [
    "PUBLISH", "ArticleDraft", "article_id", "draft", "drafts", "parse_batch_reply", "parse_publish_reply",
    "publish_args", "publish_batch_args",
]  # fmt: skip

PUBLISH = """
-- Publish a batch of articles, in order: each unless it, or a near-duplicate from another URL,
-- was published (by an earlier call or earlier in this batch).
-- KEYS[1] articles stream, KEYS[2] LSH index of the current window (hash: bucket -> article id,
--   article id -> signature), KEYS[3] LSH index of the previous window; then two per article
--   i = 0, 1...: KEYS[4 + 2i] its record (hash), KEYS[5 + 2i] versions of its canonical URL (hash)
-- ARGV[1] stream maxlen (0 = no trimming), ARGV[2] minimum estimated similarity, ARGV[3] now (ms),
-- ARGV[4] key prefix of article records ('<prefix>article:'), ARGV[5] most candidates to compare,
-- ARGV[6] TTL of the records (s, 0 = none), ARGV[7] TTL of the LSH index of a window (s);
-- then seven per article i: ARGV[8 + 7i] article id, ARGV[9 + 7i] message JSON (an object: the
-- script appends "version"), ARGV[10 + 7i] signature (binary; '' = no near-dup check),
-- ARGV[11 + 7i] its LSH buckets (8 bytes each, concatenated), ARGV[12 + 7i] canonical URL,
-- ARGV[13 + 7i] the URL as given, ARGV[14 + 7i] site
-- Returns {status, stream id or original id, version or similarity} per article, concatenated
local maxlen, min, now = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local prefix, most, ttl = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local n = (#KEYS - 3) / 2
local out = {}
local empty = '\\255\\255\\255\\255'
local CHUNK = 4000 -- unpack() of more values overflows Lua's C stack

local function hmget(key, fields)
  if #fields <= CHUNK then return redis.call('HMGET', key, unpack(fields)) end
  local got = {}
  for c = 1, #fields, CHUNK do
    local part = redis.call('HMGET', key, unpack(fields, c, math.min(c + CHUNK - 1, #fields)))
    for j = 1, #part do got[c + j - 1] = part[j] end
  end
  return got
end

-- Every bucket of the batch, looked up in both windows at once: bucket -> ids of articles.
local buckets, all, indexed = {}, {}, {}
for i = 0, n - 1 do
  local packed, list = ARGV[11 + 7 * i], {}
  for j = 1, #packed, 8 do
    local b = string.sub(packed, j, j + 7)
    list[#list + 1] = b
    all[#all + 1] = b
  end
  buckets[i] = list
end
if #all > 0 then
  for k = 2, 3 do
    if k == 2 or redis.call('EXISTS', KEYS[3]) == 1 then
      local ids = hmget(KEYS[k], all)
      for j = 1, #all do
        if ids[j] then
          local l = indexed[all[j]] or {}
          l[#l + 1] = ids[j]
          indexed[all[j]] = l
        end
      end
    end
  end
end

local fresh, fresh_sig, fresh_canonical, writes = {}, {}, {}, {} -- what this batch indexes

local function similarity(sig, other)
  if #other ~= #sig then return nil end
  local same, both = 0, 0
  for j = 1, #sig, 4 do
    local a, b = string.sub(sig, j, j + 3), string.sub(other, j, j + 3)
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
  if fresh_sig[cand] then return fresh_sig[cand], fresh_canonical[cand] end
  local sig = redis.call('HGET', KEYS[2], cand) or redis.call('HGET', KEYS[3], cand)
  if not sig then return nil end
  return sig, redis.call('HGET', prefix .. cand, 'canonical_url')
end

local function compare(cand, sig, canonical)
  local other, other_canonical = published(cand)
  if other and other_canonical and other_canonical ~= canonical then return similarity(sig, other) end
  return nil
end

-- The id of a published article from another canonical URL that this one repeats, and how much.
local function original_of(sig, list, canonical)
  local checked, limit = {}, most
  for _, b in ipairs(list) do
    local cand, older = fresh[b], indexed[b] -- most buckets have neither
    if cand and not checked[cand] and limit > 0 then
      checked[cand], limit = true, limit - 1
      local sim = compare(cand, sig, canonical)
      if sim then return cand, string.format('%.3f', sim) end
    end
    for _, c in ipairs(older or {}) do
      if not checked[c] and limit > 0 then
        checked[c], limit = true, limit - 1
        local sim = compare(c, sig, canonical)
        if sim then return c, string.format('%.3f', sim) end
      end
    end
  end
  return nil
end

for i = 0, n - 1 do
  local record, versions = KEYS[4 + 2 * i], KEYS[5 + 2 * i]
  local a = 8 + 7 * i
  local id, sig, canonical, url, site = ARGV[a], ARGV[a + 2], ARGV[a + 4], ARGV[a + 5], ARGV[a + 6]
  local rec = redis.call('HMGET', record, 'stream_id', 'version', 'near_dup_of', 'similarity')
  if rec[3] then
    out[#out + 1], out[#out + 2], out[#out + 3] = 'near_duplicate', rec[3], rec[4]
  elseif rec[1] then
    out[#out + 1], out[#out + 2], out[#out + 3] = 'duplicate', rec[1], rec[2]
  else
    local original, sim
    if #buckets[i] > 0 then original, sim = original_of(sig, buckets[i], canonical) end
    if original then
      local reposts = prefix .. original .. ':reposts'
      redis.call('HSET', record, 'near_dup_of', original, 'similarity', sim, 'canonical_url', canonical,
                 'url', url, 'site', site, 'at', now)
      redis.call('RPUSH', reposts, cjson.encode({id = id, url = url, site = site, at_ms = now,
                                                 similarity = tonumber(sim)}))
      if ttl > 0 then
        redis.call('EXPIRE', record, ttl)
        redis.call('EXPIRE', reposts, ttl)
      end
      out[#out + 1], out[#out + 2], out[#out + 3] = 'near_duplicate', original, sim
    else
      local version = redis.call('HINCRBY', versions, 'versions', 1)
      local payload = string.sub(ARGV[a + 1], 1, -2) .. ',"version":' .. version .. '}'
      local sid
      if maxlen > 0 then
        sid = redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*', 'data', payload)
      else
        sid = redis.call('XADD', KEYS[1], '*', 'data', payload)
      end
      redis.call('HSET', record, 'stream_id', sid, 'version', version, 'canonical_url', canonical, 'url', url)
      if ttl > 0 then
        redis.call('EXPIRE', record, ttl)
        redis.call('EXPIRE', versions, ttl)
      end
      if #buckets[i] > 0 then
        for _, b in ipairs(buckets[i]) do
          fresh[b] = id
          writes[#writes + 1] = b
          writes[#writes + 1] = id
        end
        fresh_sig[id], fresh_canonical[id] = sig, canonical
        writes[#writes + 1] = id
        writes[#writes + 1] = sig
      end
      out[#out + 1], out[#out + 2], out[#out + 3] = 'published', sid, tostring(version)
    end
  end
end
if #writes > 0 then
  for c = 1, #writes, CHUNK do
    redis.call('HSET', KEYS[2], unpack(writes, c, math.min(c + CHUNK - 1, #writes)))
  end
  redis.call('EXPIRE', KEYS[2], ARGV[7])
end
return out
"""

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


@dataclass(frozen=True, slots=True)
class ArticleDraft:
    """Everything the publish script needs, computed client-side (no round trip)."""

    article_id: str
    canonical_url: str
    url: str
    site: str
    payload: bytes
    signature: bytes
    """``neardup.signature`` of the text; ``b""``: no near-duplicate check."""
    buckets: bytes
    """``neardup.band_keys`` of the signature: the LSH buckets, 8 bytes each."""


def _message(
    verdict: Verdict, url: str | None, site: str | None, raw_id: str | None, source: str,
    review: dict[str, Any] | None,
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
        "published_at": _utc_now(),
        "verdict": verdict_dict(verdict),
    }
    if review is not None:
        message["review"] = review
    return aid, canonical, page_url, site, encode(message)


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
        sigs = neardup.signatures([v.text for v, *_ in items])
        buckets = neardup.band_keys(sigs)
    else:
        sigs = buckets = [b""] * len(items)
    return [
        ArticleDraft(*_message(v, url, site, raw_id, source, review), sig, bucket)
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
    args: list[Any] = [
        config.stream_maxlen, config.near_dup_threshold, int(now * 1000), keys.article(""), _MAX_CANDIDATES,
        config.dedup_ttl_seconds, 2 * window,
    ]  # fmt: skip
    for d in batch:
        ks += (keys.article(d.article_id), keys.url_versions(url_hash(d.canonical_url)))
        args += (d.article_id, d.payload, d.signature, d.buckets, d.canonical_url, d.url, d.site)
    return ks, args


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
    return [parse_publish_reply(d, reply[3 * i : 3 * i + 3]) for i, d in enumerate(batch)]


def load_article(client: redis.Redis, keys: Keys, aid: str) -> dict[str, Any] | None:
    """The published message of ``aid`` with ``reposted_by``, or its near-dup record."""
    pipe = client.pipeline(transaction=False)
    pipe.hgetall(keys.article(aid))
    pipe.lrange(keys.reposts(aid), 0, -1)
    rec, reposts = pipe.execute()
    if not rec:
        return None
    fields = {k.decode(): v for k, v in rec.items() if k != b"sig"}
    out: dict[str, Any]
    if b"stream_id" in rec:
        sid = rec[b"stream_id"].decode()
        entries: Any = client.xrange(keys.articles, min=sid, max=sid)
        if entries:
            out = loads(entries[0][1][b"data"])
        else:  # trimmed from the stream: the record is all that is left
            out = {"id": aid, "url": fields.get("url", b"").decode()}
        out["stream_id"] = sid
    else:
        out = {
            "id": aid,
            "url": fields.get("url", b"").decode(),
            "canonical_url": fields.get("canonical_url", b"").decode(),
            "site": fields.get("site", b"").decode(),
            "near_dup_of": fields["near_dup_of"].decode(),
            "similarity": float(fields.get("similarity", b"0")),
        }
    out["reposted_by"] = [loads(r) for r in reposts]
    return out
