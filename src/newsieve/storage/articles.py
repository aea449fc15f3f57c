"""The ``articles`` stream: idempotent publishing with near-duplicate detection.

An article's id is ``sha256(canonical URL + "\\n" + content hash)`` (32 hex characters), so
one page with one content has one id whoever publishes it, and consumers can be
idempotent on it. The script ``PUBLISH`` decides and writes in one step on the server:

- the id was seen before: nothing is written (``duplicate``; a repost seen before answers
  ``near_duplicate`` again);
- an article published from ANOTHER canonical URL shares an LSH band with this one and
  its signature says they are similar enough: not published; the article is recorded with
  ``near_dup_of`` and appended to the original's ``reposted_by`` list (``near_duplicate``);
- else it is XADDed (the version, 1 + earlier contents of the same canonical URL, is
  spliced into the JSON), and its record and band values are stored (``published``).

Band values live in one hash per time window (``near_dup_window_seconds``); a lookup reads
the current and the previous window, so reposts are caught for one to two windows after
the original, and the index's memory is bounded. Article records, version counters and
repost lists expire after ``dedup_ttl_seconds``: a page seen again after that is new.

The script reads and writes the record of a candidate original and its ``reposts`` list,
whose names it builds from ``ARGV[9]``: like rq's, it assumes a single Redis, not a cluster.
"""

from __future__ import annotations

import hashlib
import time
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

__all__ = ["PUBLISH", "ArticleDraft", "article_id", "draft", "parse_publish_reply", "publish_args"]

PUBLISH = """
-- Publish one article unless it, or a near-duplicate from another URL, was published.
-- KEYS[1] article record (hash), KEYS[2] articles stream, KEYS[3] versions of the canonical
--   URL (hash), KEYS[4] LSH index of the current window (hash band:value -> article id),
--   KEYS[5] LSH index of the previous window
-- ARGV[1] article id, ARGV[2] message JSON (an object: the script appends "version"),
-- ARGV[3] stream maxlen (0 = no trimming), ARGV[4] signature (binary; '' = no near-dup check),
-- ARGV[5] minimum estimated similarity, ARGV[6] canonical URL, ARGV[7] site, ARGV[8] now (ms),
-- ARGV[9] key prefix of article records ('<prefix>article:'), ARGV[10] the URL as given,
-- ARGV[11] most candidates to compare, ARGV[12] TTL of the records (s, 0 = none),
-- ARGV[13] TTL of the LSH index of a window (s), ARGV[14..] this article's band fields
-- Returns {status, stream id or original id, version or similarity}
local rec = redis.call('HMGET', KEYS[1], 'stream_id', 'version', 'near_dup_of', 'similarity')
if rec[3] then return {'near_duplicate', rec[3], rec[4]} end
if rec[1] then return {'duplicate', rec[1], rec[2]} end
local sig = ARGV[4]
local ttl = tonumber(ARGV[12])
local empty = '\\255\\255\\255\\255'
local bands = {}
for i = 14, #ARGV do bands[#bands + 1] = ARGV[i] end
if #bands > 0 then
  local checked, limit, min = {}, tonumber(ARGV[11]), tonumber(ARGV[5])
  for k = 4, 5 do
    for _, cand in ipairs(redis.call('HMGET', KEYS[k], unpack(bands))) do
      if cand and not checked[cand] and limit > 0 then
        checked[cand] = true
        limit = limit - 1
        local c = redis.call('HMGET', ARGV[9] .. cand, 'sig', 'canonical_url')
        if c[1] and c[2] ~= ARGV[6] and #c[1] == #sig then
          local same, both = 0, 0
          for j = 1, #sig, 4 do
            local a, b = string.sub(sig, j, j + 3), string.sub(c[1], j, j + 3)
            if a ~= empty and b ~= empty then
              both = both + 1
              if a == b then same = same + 1 end
            end
          end
          if both > 0 and same / both >= min then
            local sim = string.format('%.3f', same / both)
            local reposts = ARGV[9] .. cand .. ':reposts'
            redis.call('HSET', KEYS[1], 'near_dup_of', cand, 'similarity', sim, 'canonical_url', ARGV[6],
                       'url', ARGV[10], 'site', ARGV[7], 'at', ARGV[8])
            redis.call('RPUSH', reposts, cjson.encode({id = ARGV[1], url = ARGV[10], site = ARGV[7],
                                                       at_ms = ARGV[8], similarity = tonumber(sim)}))
            if ttl > 0 then
              redis.call('EXPIRE', KEYS[1], ttl)
              redis.call('EXPIRE', reposts, ttl)
            end
            return {'near_duplicate', cand, sim}
          end
        end
      end
    end
  end
end
local version = redis.call('HINCRBY', KEYS[3], 'versions', 1)
local payload = string.sub(ARGV[2], 1, -2) .. ',"version":' .. version .. '}'
local id
if tonumber(ARGV[3]) > 0 then
  id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'data', payload)
else
  id = redis.call('XADD', KEYS[2], '*', 'data', payload)
end
redis.call('HSET', KEYS[1], 'stream_id', id, 'version', version, 'canonical_url', ARGV[6], 'url', ARGV[10],
           'site', ARGV[7], 'sig', sig, 'at', ARGV[8])
redis.call('HSET', KEYS[3], 'latest', ARGV[1])
if ttl > 0 then
  redis.call('EXPIRE', KEYS[1], ttl)
  redis.call('EXPIRE', KEYS[3], ttl)
end
if #bands > 0 then
  local pairs_ = {}
  for _, f in ipairs(bands) do
    pairs_[#pairs_ + 1] = f
    pairs_[#pairs_ + 1] = ARGV[1]
  end
  redis.call('HSET', KEYS[4], unpack(pairs_))
  redis.call('EXPIRE', KEYS[4], ARGV[13])
end
return {'published', id, tostring(version)}
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
    buckets: list[str]


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
    sig = neardup.signature(verdict.text) if near_dup else b""
    return ArticleDraft(aid, canonical, page_url, site, encode(message), sig, neardup.bands(sig))


def publish_args(
    d: ArticleDraft, keys: Keys, config: StorageConfig, now: float | None = None
) -> tuple[list[str], list[Any]]:
    now = time.time() if now is None else now
    window = max(1, config.near_dup_window_seconds)
    current = int(now // window)
    ks = [
        keys.article(d.article_id),
        keys.articles,
        keys.url_versions(url_hash(d.canonical_url)),
        keys.lsh(current),
        keys.lsh(current - 1),
    ]
    args: list[Any] = [
        d.article_id, d.payload, config.stream_maxlen, d.signature, config.near_dup_threshold,
        d.canonical_url, d.site, int(now * 1000), keys.article(""), d.url, _MAX_CANDIDATES,
        config.dedup_ttl_seconds, 2 * window,
        *(f"{band}:{value}" for band, value in enumerate(d.buckets) if value),
    ]  # fmt: skip
    return ks, args


def parse_publish_reply(d: ArticleDraft, reply: list[bytes]) -> RouteResult:
    status, ref, extra = (r.decode() if isinstance(r, bytes) else str(r) for r in reply)
    if status == "near_duplicate":
        return RouteResult(
            "near_duplicate", article_id=d.article_id, near_dup_of=ref, similarity=float(extra)
        )
    if status == "duplicate":
        return RouteResult("duplicate", article_id=d.article_id, stream_id=ref, version=int(extra))
    return RouteResult("published", article_id=d.article_id, stream_id=ref, version=int(extra))


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
