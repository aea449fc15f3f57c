"""The publish path's own pieces against a real Redis: the hand-packed ``EVALSHA`` equals what
redis-py sends and survives partial socket writes; the article records (strings), versions of
one URL within one batch, the chunking of a batch; the message JSON written straight from the
``Verdict`` dataclass; the numpy whitespace removal of the signatures."""

from __future__ import annotations

import itertools
import socket
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from redis._parsers.encoders import Encoder
from redis.connection import PythonRespSerializer
from test_storage_articles import PARAS, distinct, verdict
from test_storage_batches import _texts

from newsieve.filters.types import Flag, Meta, Span, Verdict
from newsieve.storage import Storage, StorageConfig, neardup, open_storage
from newsieve.storage.articles import drafts, parse_record, publish_batch_args, publish_command
from newsieve.storage.messages import encode, loads
from newsieve.storage.store import _EDGE_CHUNK, _PUBLISH_CHUNK, _chunk_bounds


@pytest.fixture
def storage(redis_url: str, key_prefix: str) -> Iterator[Storage]:
    s = open_storage(StorageConfig(redis_url=redis_url, key_prefix=key_prefix, retry_seconds=5))
    yield s
    s.close()


def _items(n: int, start: int = 0) -> list[tuple[Verdict, str, str, None]]:
    return [(verdict([distinct(start + i, 300)]), f"http://w.example/a/{start + i}?x=é", "w.example", None)
            for i in range(n)]  # fmt: skip


def test_packed_command_is_what_redis_py_would_send(storage: Storage) -> None:
    serializer = PythonRespSerializer(10**9, Encoder("utf-8", "strict", False).encode)
    for batch in (drafts(_items(7)), drafts(_items(3), near_dup=False), drafts([])):
        ks, args = publish_batch_args(batch, storage.keys, storage.config, now=1_700_000_000.5)
        expected = b"".join(serializer.pack("EVALSHA", "f" * 40, len(ks), *ks, *args))
        buffers = publish_command(batch, storage.keys, storage.config, "f" * 40, now=1_700_000_000.5)
        assert b"".join(buffers) == expected
        assert all(d.payload in buffers for d in batch)  # sent as they are, not copied


def test_partial_socket_writes_deliver_every_message_intact(storage: Storage) -> None:
    pool = storage.redis.connection_pool
    conn = pool.get_connection()
    try:
        conn.connect()
        conn._sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)  # sendmsg sends a bit at a time
    finally:
        pool.release(conn)
    items = _items(140)
    results = storage.route_many(items)
    assert [r.status for r in results] == ["published"] * len(items)
    messages = storage.articles_after(None, 1000)
    assert [m["verdict"]["text"] for m in messages] == [v.text for v, *_ in items]
    assert [m["url"] for m in messages] == [u for _, u, *_ in items]


def test_versions_of_one_url_within_one_batch(storage: Storage) -> None:
    url = "http://v.example/news/1.html"
    items = [(verdict([PARAS[0], distinct(i)]), url, "v.example", None) for i in range(3)]
    items.append(items[1])  # the second content again: a duplicate, not a fourth version
    results = storage.route_many(items)
    assert [(r.status, r.version) for r in results] == [("published", 1), ("published", 2), ("published", 3),
                                                         ("duplicate", 2)]  # fmt: skip
    assert [m["version"] for m in storage.articles_after(None, 10)] == [1, 2, 3]
    more = storage.route_many([(verdict([PARAS[1], distinct(9)]), url, "v.example", None)])
    assert more[0].version == 4


def test_records_are_read_back(storage: Storage, reposts: list[dict[str, Any]]) -> None:
    a, b, _ = reposts
    original = (verdict(a["paragraphs"]), a["url"], a["site"], None)
    repost = (verdict(b["paragraphs"] + b["injected"]), b["url"], b["site"], None)
    one, two = storage.route_many([original, repost])
    assert (one.status, two.status) == ("published", "near_duplicate")
    record = parse_record(storage.redis.get(storage.keys.article(one.article_id)))
    assert record == {"stream_id": one.stream_id, "version": "1", "canonical_url": a["url"], "url": a["url"]}
    near = parse_record(storage.redis.get(storage.keys.article(two.article_id)))
    assert near["near_dup_of"] == one.article_id and near["site"] == b["site"] and near["url"] == b["url"]
    assert float(near["similarity"]) == two.similarity
    # trimmed from the stream: the record is what is left
    storage.redis.xtrim(storage.keys.articles, maxlen=0)
    assert storage.get_article(one.article_id) == {
        "id": one.article_id, "url": a["url"], "stream_id": one.stream_id,
        "reposted_by": storage.get_article(one.article_id)["reposted_by"]}  # fmt: skip
    assert [r["id"] for r in storage.get_article(one.article_id)["reposted_by"]] == [two.article_id]


def test_records_of_an_older_build_are_still_read(storage: Storage) -> None:
    [r] = storage.route_many(_items(1))
    [(sid, _)] = storage.redis.xrange(storage.keys.articles)
    key = storage.keys.article("0" * 32)  # as builds before string records wrote them: a hash
    storage.redis.hset(
        key, mapping={"stream_id": sid, "version": "1", "canonical_url": "http://o/", "url": "http://o/"}
    )
    storage.redis.hset(storage.keys.article("1" * 32), mapping={
        "near_dup_of": "0" * 32, "similarity": "0.800", "canonical_url": "http://p/", "url": "http://p/",
        "site": "p", "at": "1"})  # fmt: skip
    assert storage.get_article("0" * 32)["id"] == r.article_id  # the message it points to
    near = storage.get_article("1" * 32)
    assert (near["near_dup_of"], near["similarity"], near["site"]) == ("0" * 32, 0.8, "p")
    # an old record as a near-duplicate candidate: skipped, the publish goes on
    [d] = drafts(_items(1, start=50))
    window = storage.config.near_dup_window_seconds
    lsh = storage.keys.lsh(int(time.time() // window))
    storage.redis.hset(lsh, mapping={d.buckets[:8]: "0" * 32, "0" * 32: d.signature})
    [again] = storage.route_many(_items(1, start=50))
    assert again.status == "published" and again.article_id == d.article_id


def test_chunk_bounds_cover_a_batch_with_small_first_and_last_calls() -> None:
    """One small call first, each next one at most twice the one before (the ramp), calls of one
    size (within one) after the ramp, one small call last."""
    assert _chunk_bounds(0) == []
    assert [e - s for s, e in _chunk_bounds(200)] == [10, 20, 40, 40, 40, 40, 10]
    for n in [*range(1, 130), 200, 999, 1000]:
        bounds = _chunk_bounds(n)
        assert bounds[0][0] == 0 and bounds[-1][1] == n
        assert all(end == start for (_, end), (start, _) in itertools.pairwise(bounds))
        assert all(0 < e - s <= _PUBLISH_CHUNK for s, e in bounds)
        if n > _PUBLISH_CHUNK:
            sizes = [e - s for s, e in bounds]
            assert sizes[0] == _EDGE_CHUNK and sizes[-1] == _EDGE_CHUNK
            assert all(b <= 2 * a for a, b in itertools.pairwise(sizes[:-1]))
            ramp = 1  # the doubling calls
            while ramp < len(sizes) - 2 and sizes[ramp] == 2 * sizes[ramp - 1]:
                ramp += 1
            assert max(sizes[ramp:-1]) - min(sizes[ramp:-1]) <= 1
    assert [e - s for s, e in _chunk_bounds(51)] == [10, 16, 15, 10]
    assert [e - s for s, e in _chunk_bounds(1000)][:4] == [10, 20, 40, 49]


def test_messages_encode_the_verdict_as_its_to_dict() -> None:
    evidence = {"hospital": "某医院", "n": [1, 2]}
    v = Verdict(
        title="标题", text="正文\n第二段", paragraphs=["正文", "第二段"],
        meta=Meta(author="刘冬冬", source="晋中日报", url="http://x.example/1"),
        removed=[Span("ad.medical", "ad.medical.query", 0, 3, "白癜风", 0.9, evidence, "medical@1")],
        flags=[Flag("damage.digits_stripped", "damage.digits", 0.8, 3, ["年,列入"], "damage@2")],
        spam_score=0.25, action="publish", reasons=["span.low_confidence"],
        original_text="白癜风正文\n第二段", content_hash="ab" * 32, detectors=["medical@1", "damage@2"],
    )  # fmt: skip
    assert loads(encode({"verdict": v}))["verdict"] == v.to_dict()
    [d] = drafts([(v, "http://x.example/1", "x.example", None)])
    message = loads(d.payload)
    assert message["verdict"] == v.to_dict() and list(message)[-1] == "version" and message["version"] == 1
    assert d.payload.endswith(b',"version":1}')


def _reference_signature(text: str) -> bytes:
    """The signature as first written (whitespace dropped with ``str.split``), one text at a time."""
    compact = "".join(text.split())
    if len(compact) < neardup.MIN_CHARS:
        return b""
    raw = compact.encode("utf-16-le", "surrogatepass")
    n = len(raw) // 2 - neardup.SHINGLE + 1
    shingles = np.ndarray((n,), dtype="<u8", buffer=raw, offset=0, strides=(2,))
    with np.errstate(over="ignore"):
        h = shingles * neardup._K
    mins = np.full(neardup.BINS, neardup._ALL_ONES, dtype=np.uint64)
    np.minimum.at(mins, (h >> neardup._BIN_SHIFT).astype(np.intp), h)
    return (mins >> neardup._VALUE_SHIFT).astype("<u4").tobytes()


def test_signatures_drop_whitespace_as_str_split_does(reposts: list[dict[str, Any]]) -> None:
    assert not any(
        chr(c).isspace() for c in range(neardup._LAST_SPACE + 1, 0x110000)
    )  # the table is complete
    spaces = "".join(chr(c) for c in range(neardup._LAST_SPACE + 1) if chr(c).isspace())
    texts = [*_texts(reposts), "", "\u3000" * 50 + "新" * 45, spaces.join("新闻报道" * 12), spaces * 9]
    texts += ["x" * 39 + "\xa0y", "𠀀" * 39 + " 𠀁", "𠀀" * 40]
    assert neardup.signatures(texts) == [_reference_signature(t) for t in texts]


def test_publish_script_unrolls_the_buckets_of_neardup_bands() -> None:
    """``PUBLISH`` reads and writes the ``neardup.BANDS`` buckets of an article without a Lua table
    (its fast path is generated from ``BANDS``): no placeholder left, one ``sub`` per bucket."""
    from newsieve.storage.articles import PUBLISH

    assert "@" not in PUBLISH
    width = 8 * neardup.BANDS
    assert f"if #packed == {width} and not v then" in PUBLISH
    last = f"sub(packed, {width - 7}, {width})"
    assert f"{last})" in PUBLISH and f"{last}, v, v, sig)" in PUBLISH
    assert f"sub(packed, {width + 1}, {width + 8})" not in PUBLISH
    sig = neardup.signature(distinct(1, 300))
    assert len(neardup.band_keys([sig])[0]) == width  # the usual case takes the fast path


def test_reposts_found_in_the_previous_windows_index(
    storage: Storage,
    reposts: list[dict[str, Any]],
) -> None:
    """The previous window's index is read once for the whole batch, each article at its own
    buckets: after articles without buckets, with fewer buckets, and exact duplicates."""
    from newsieve.storage.articles import parse_batch_reply

    a, b, _ = reposts
    window = storage.config.near_dup_window_seconds
    earlier = time.time() - window
    original = drafts([(verdict(a["paragraphs"]), a["url"], a["site"], None)])
    ks, args = publish_batch_args(original, storage.keys, storage.config, now=earlier)
    [first] = parse_batch_reply(original, storage._publish(keys=ks, args=args))
    assert first.status == "published"
    assert storage.redis.exists(storage.keys.lsh(int(earlier // window)))
    assert not storage.redis.exists(storage.keys.lsh(int(time.time() // window)))
    seen = _items(1, start=70)
    assert storage.route_many(seen)[0].status == "published"
    sparse = distinct(71, 45)  # a short text: some bands have an empty bin
    assert 0 < len(neardup.band_keys([neardup.signature(sparse)])[0]) < 8 * neardup.BANDS
    items = [(verdict(["短"]), "http://s.example/1", "s.example", None), *_items(3, start=72),
             (verdict([sparse]), "http://s.example/2", "s.example", None), *seen,
             (verdict(b["paragraphs"] + b["injected"]), b["url"], b["site"], None)]  # fmt: skip
    results = storage.route_many(items)
    assert [r.status for r in results] == ["published"] * 5 + ["duplicate", "near_duplicate"]
    assert results[-1].near_dup_of == first.article_id
    assert [r["url"] for r in storage.get_article(first.article_id)["reposted_by"]] == [b["url"]]
