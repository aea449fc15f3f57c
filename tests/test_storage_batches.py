"""``route_many`` batches against a real Redis: reposts inside one batch across the script's
chunks, the publish script reloaded after ``SCRIPT FLUSH``, batch signatures equal single ones."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
from test_storage_articles import distinct, verdict

from newsieve.filters.types import Verdict
from newsieve.storage import RouteResult, Storage, neardup
from newsieve.storage.store import _chunk_bounds

Item = tuple[Verdict, str | None, str | None, str | None]


def filler(i: int) -> Item:
    """An unrelated article (no shingle in common with any other)."""
    return verdict([distinct(1000 + i)]), f"http://filler.example/n/{i}.html", "filler.example", None


def with_footer(paragraphs: list[str], site: str) -> list[str]:
    return [*paragraphs, f"转载请注明出处：http://{site}/", "上一篇：某地开展安全检查 下一篇：天气预报"]


def published_ids(storage: Storage) -> Counter[str]:
    """How many times each article id is on the ``articles`` stream."""
    messages = storage.articles_after(None, 10_000)
    return Counter(m["id"] for m in messages)


def test_reposts_inside_one_batch_across_chunks(storage: Storage, reposts: list[dict[str, Any]]) -> None:
    a, b, unrelated = reposts
    items: list[Item] = [filler(i) for i in range(130)]
    bounds = _chunk_bounds(len(items))  # one PUBLISH call each
    assert len(bounds) >= 4 and all(end - start >= 10 for start, end in bounds)
    one, two, last = bounds[1][0], bounds[2][0], bounds[-1][0]
    at = {"original": one + 2, "same_chunk": one + 12, "next_chunk": two + 5, "last_chunk": last + 7,
          "unrelated": two + 1}  # fmt: skip
    items[at["original"]] = (verdict(a["paragraphs"]), a["url"], a["site"], None)
    items[at["same_chunk"]] = (verdict(b["paragraphs"] + b["injected"]), b["url"], b["site"], None)
    d_url, e_url = "http://repost-d.example/x/9.html", "http://repost-e.example/y/3.html"
    items[at["next_chunk"]] = (verdict(with_footer(a["paragraphs"], "repost-d.example")), d_url,
                               "repost-d.example", None)  # fmt: skip
    items[at["last_chunk"]] = (verdict(with_footer(b["paragraphs"], "repost-e.example")), e_url,
                               "repost-e.example", None)  # fmt: skip
    items[at["unrelated"]] = (verdict(unrelated["paragraphs"]), unrelated["url"], unrelated["site"], None)
    items[last + 3] = items[5]  # the same page twice in the batch, in different chunks: an exact duplicate
    items[two + 9] = items[two + 8]  # ... and in one chunk

    results = storage.route_many(items)

    assert len(results) == len(items)
    reposted = {at["same_chunk"], at["next_chunk"], at["last_chunk"]}
    duplicated = {last + 3, two + 9}
    expected = [
        "near_duplicate" if i in reposted else "duplicate" if i in duplicated else "published"
        for i in range(len(items))
    ]
    assert [r.status for r in results] == expected
    original = results[at["original"]].article_id
    assert original is not None
    for i in sorted(reposted):
        r = results[i]
        assert r.near_dup_of == original, i
        assert r.similarity is not None and r.similarity >= storage.config.near_dup_threshold
        assert storage.get_article(r.article_id)["near_dup_of"] == original  # type: ignore[arg-type]
    for dup, first in ((last + 3, 5), (two + 9, two + 8)):
        assert results[dup].article_id == results[first].article_id
        assert results[dup].stream_id == results[first].stream_id

    # the original once, its reposts recorded on it in batch order, every other article once
    article = storage.get_article(original)
    assert [r["url"] for r in article["reposted_by"]] == [b["url"], d_url, e_url]
    assert [r["site"] for r in article["reposted_by"]] == [b["site"], "repost-d.example", "repost-e.example"]
    assert [r["id"] for r in article["reposted_by"]] == [results[i].article_id for i in sorted(reposted)]
    counts = published_ids(storage)
    expected_published = {r.article_id for r in results if r.status == "published"}
    assert set(counts) == expected_published and set(counts.values()) == {1}
    assert len(expected_published) == len(items) - len(reposted) - len(duplicated)
    assert storage.stream_length("articles") == len(expected_published)
    assert article["url"] == a["url"] and article["version"] == 1

    # the whole batch again: nothing new, the reposts not recorded twice
    again = storage.route_many(items)
    assert [r.status for r in again] == [
        "near_duplicate" if i in reposted else "duplicate" for i in range(len(items))
    ]
    assert storage.stream_length("articles") == len(expected_published)
    assert len(storage.get_article(original)["reposted_by"]) == 3


@pytest.mark.parametrize("second_size", [1, 130])
def test_publish_script_reloaded_after_script_flush(
    storage: Storage, reposts: list[dict[str, Any]], second_size: int
) -> None:
    a, b, _ = reposts
    first: list[Item] = [(verdict(a["paragraphs"]), a["url"], a["site"], None)]
    first += [filler(i) for i in range(69)]  # two chunks
    one = storage.route_many(first)
    assert [r.status for r in one] == ["published"] * len(first)
    sha = storage._publish.sha
    assert storage.redis.script_exists(sha) == [True]

    storage.redis.script_flush()
    assert storage.redis.script_exists(sha) == [False]  # the next EVALSHA answers NOSCRIPT

    repost: Item = (verdict(b["paragraphs"] + b["injected"]), b["url"], b["site"], None)
    if second_size == 1:
        second: list[Item] = [filler(500)]
        expected = ["published"]
    else:  # new articles, pages of the first batch again, and a repost of its original: three chunks
        second = [filler(500 + i) for i in range(100)] + first[30:58] + [repost, first[0]]
        expected = ["published"] * 100 + ["duplicate"] * 28 + ["near_duplicate", "duplicate"]
    assert len(second) == second_size
    two = storage.route_many(second)

    assert [r.status for r in two] == expected
    assert storage.redis.script_exists(storage._publish.sha) == [True]
    for r, item in zip(two, second, strict=True):
        if r.status == "duplicate":
            [match] = [x for x, y in zip(one, first, strict=True) if y is item]
            assert (r.article_id, r.stream_id) == (match.article_id, match.stream_id)
        if r.status == "near_duplicate":
            assert r.near_dup_of == one[0].article_id
    new = sum(r.status == "published" for r in two)
    counts = published_ids(storage)
    assert set(counts.values()) == {1}  # nothing doubled
    assert set(counts) == {r.article_id for r in [*one, *two] if r.status == "published"}  # nothing lost
    assert storage.stream_length("articles") == len(first) + new
    if second_size > 1:
        original = storage.get_article(one[0].article_id)  # type: ignore[arg-type]
        assert [r["url"] for r in original["reposted_by"]] == [b["url"]]


def _texts(reposts: list[dict[str, Any]]) -> list[str]:
    rng = random.Random(7)
    texts = ["\n".join(p["paragraphs"]) for p in reposts]
    texts += ["\n".join(p["paragraphs"] + p["injected"]) for p in reposts]
    texts += ["", "短", "本报讯 市政府召开常务会议。", " \n\t "]
    base = "".join(chr(0x4E00 + rng.randrange(20000)) for _ in range(60))
    texts += [base[:n] for n in (neardup.MIN_CHARS - 1, neardup.MIN_CHARS, neardup.MIN_CHARS + 1, 43, 44)]
    texts += [" ".join(base[i : i + 7] for i in range(0, 60, 7))]  # whitespace inside: removed
    texts += ["𠀀𠀁𠀂" + base + "😀🎉", "😀" * 50, base[:20] + "𡃁" * 3 + base[20:]]  # outside the BMP
    texts += ["The quick brown fox jumps over the lazy dog, again and again and again."]
    texts += [distinct(i, rng.randrange(30, 400)) for i in range(40)]
    return texts


def test_batch_signatures_equal_single_ones(reposts: list[dict[str, Any]]) -> None:
    texts = _texts(reposts)
    single = [neardup.signature(t) for t in texts]
    assert neardup.signatures(texts) == single
    assert any(s == b"" for s in single) and sum(len(s) == 4 * neardup.BINS for s in single) > 40
    rng = random.Random(11)
    for _ in range(20):  # any order, any sub-batch
        order = rng.sample(range(len(texts)), rng.randrange(1, len(texts) + 1))
        assert neardup.signatures([texts[i] for i in order]) == [single[i] for i in order]
    # the LSH buckets likewise, and the drafts route_many publishes carry the same ones
    assert neardup.band_keys(single) == [neardup.band_keys([s])[0] for s in single]
    from newsieve.storage.articles import draft, drafts

    items = [(verdict([t]), f"http://x.example/{i}", "x", None) for i, t in enumerate(texts)]
    batch = drafts(items)
    for d, (v, url, site, _) in zip(batch, items, strict=True):
        one = draft(v, url=url, site=site)
        assert (d.signature, d.buckets) == (one.signature, one.buckets)


def test_route_results_are_in_input_order_with_mixed_actions(storage: Storage) -> None:
    items: list[Item] = []
    for i in range(120):
        v, url, site, raw = filler(i)
        if i % 17 == 3:
            v = verdict([distinct(3000 + i)], action="reject")
        items.append((v, url, site, raw))
    results: list[RouteResult] = storage.route_many(items)
    assert [r.status for r in results] == [
        "rejected" if i % 17 == 3 else "published" for i in range(len(items))
    ]
    counts = published_ids(storage)
    assert set(counts) == {r.article_id for r in results if r.status == "published"}
    assert set(counts.values()) == {1}
