"""The articles stream: idempotent publish, versions, near-duplicate reposts, the seen-set."""

from __future__ import annotations

import hashlib
import json
import random
import time
from pathlib import Path
from typing import Any

import pytest

from newsieve.exceptions import NotFound
from newsieve.filters.types import Meta, Span, Verdict
from newsieve.storage import Storage, StorageConfig, canonical_url, open_storage

SCHEMAS = Path(__file__).parent.parent / "src" / "newsieve" / "schemas"


@pytest.fixture(scope="module")
def fixtures_dir() -> Path:
    return Path(__file__).parent / "fixtures"


def verdict(paragraphs: list[str], *, action: str = "publish", url: str = "", title: str = "标题") -> Verdict:
    text = "\n".join(paragraphs)
    return Verdict(
        title=title,
        text=text,
        paragraphs=list(paragraphs),
        meta=Meta(url=url or None),
        removed=[],
        flags=[],
        spam_score=0.1,
        action=action,  # type: ignore[arg-type]
        original_text=text,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
    )


def validator() -> Any:
    import jsonschema
    from referencing import Registry, Resource

    verdict_schema = json.loads((SCHEMAS / "verdict.schema.json").read_text("utf-8"))
    message_schema = json.loads((SCHEMAS / "article-message.schema.json").read_text("utf-8"))
    registry = Registry().with_resource(verdict_schema["$id"], Resource.from_contents(verdict_schema))
    return jsonschema.Draft202012Validator(message_schema, registry=registry)


def distinct(i: int, n: int = 200) -> str:
    """A text that shares no shingles with ``distinct(j)`` for ``j != i``."""
    rng = random.Random(i)
    return "".join(chr(0x4E00 + rng.randrange(20000)) for _ in range(n))


PARAS = [
    "今天下午，未来科学大奖2019年获奖名单在北京公布，北京生命科学研究所邵峰荣获生命科学奖。",
    "中科院高能物理研究所王贻芳、美国加州伯克利大学教授陆锦标获物质科学奖。",
]


def test_duplicate_publish_is_a_no_op(storage: Storage) -> None:
    v = verdict(PARAS, url="http://a.example/n/1.html?utm_source=wx")
    first = storage.route(v, url="http://a.example/n/1.html?utm_source=wx", site="a.example")
    again = storage.route(v, url="http://A.example:80/n/1.html#top", site="a.example")  # same canonical URL
    assert first.status == "published" and first.version == 1
    assert again.status == "duplicate"
    assert (again.article_id, again.stream_id) == (first.article_id, first.stream_id)
    assert storage.stream_length("articles") == 1


def test_same_url_with_changed_content_is_a_new_version(storage: Storage) -> None:
    url = "http://a.example/n/2.html"
    one = storage.route(verdict(PARAS, url=url), url=url, site="a.example")
    two = storage.route(
        verdict([*PARAS, "记者 张三 报道：颁奖典礼将于11月举行，届时获奖者将到场领奖。"], url=url),
        url=url,
        site="a",
    )
    assert (one.status, two.status) == ("published", "published")
    assert one.article_id != two.article_id and (one.version, two.version) == (1, 2)
    messages = storage.articles_after(None, 10)
    assert [m["version"] for m in messages] == [1, 2]
    assert [m["id"] for m in messages] == [one.article_id, two.article_id]


def test_article_message_matches_its_schema_and_pages(storage: Storage) -> None:
    for i in range(5):
        storage.route(verdict([distinct(i)], url=f"http://a.example/{i}"), url=None, site="a")
    v = validator()
    page1 = storage.articles_after(None, 3)
    page2 = storage.articles_after(page1[-1]["stream_id"], 3)
    assert len(page1) == 3 and len(page2) == 2
    for message in page1 + page2:
        v.validate(message)
    assert page1[0]["canonical_url"] == "http://a.example/0" and page1[0]["source"] == "filter"
    article = storage.get_article(page2[0]["id"])
    assert article["stream_id"] == page2[0]["stream_id"] and article["reposted_by"] == []
    with pytest.raises(NotFound):
        storage.get_article("0" * 32)


def test_reposts_of_one_article_are_published_once(storage: Storage, reposts: list[dict[str, Any]]) -> None:
    a, b, unrelated = reposts
    assert a["title"] == b["title"] and a["id"] != b["id"]
    # the second repost's cleaning missed its injected lines: still the same article
    b_dirty = b["paragraphs"] + b["injected"]
    c_footer = [
        *a["paragraphs"],
        "转载请注明出处：http://repost-d.example/",
        "上一篇：某地开展安全检查 下一篇：天气预报",
    ]
    results = [
        storage.route(verdict(a["paragraphs"]), url=a["url"], site=a["site"]),
        storage.route(verdict(b_dirty), url=b["url"], site=b["site"]),
        storage.route(verdict(c_footer), url="http://repost-d.example/x/9.html", site="repost-d.example"),
        storage.route(verdict(unrelated["paragraphs"]), url=unrelated["url"], site=unrelated["site"]),
    ]
    assert [r.status for r in results] == ["published", "near_duplicate", "near_duplicate", "published"]
    original = results[0].article_id
    assert results[1].near_dup_of == original and results[2].near_dup_of == original
    assert results[1].similarity is not None and results[1].similarity >= 0.7
    assert storage.stream_length("articles") == 2
    article = storage.get_article(original)  # type: ignore[arg-type]
    assert [r["url"] for r in article["reposted_by"]] == [b["url"], "http://repost-d.example/x/9.html"]
    assert [r["site"] for r in article["reposted_by"]] == [b["site"], "repost-d.example"]
    repost = storage.get_article(results[1].article_id)  # type: ignore[arg-type]
    assert repost["near_dup_of"] == original
    # the same repost again: still a no-op, not recorded twice
    again = storage.route(verdict(b_dirty), url=b["url"], site=b["site"])
    assert again.status == "near_duplicate" and again.near_dup_of == original
    assert len(storage.get_article(original)["reposted_by"]) == 2  # type: ignore[arg-type]


def test_short_texts_are_never_near_duplicates(storage: Storage) -> None:
    one = storage.route(verdict(["本报讯 市政府召开常务会议。"]), url="http://a.example/s1", site="a")
    two = storage.route(verdict(["本报讯 市政府召开常务会议。"]), url="http://b.example/s1", site="b")
    assert (one.status, two.status) == ("published", "published")


def test_review_and_reject_actions(storage: Storage) -> None:
    review = storage.route(verdict(PARAS, action="review"), url="http://a.example/r", site="a", raw_id="1-0")
    reject = storage.route(verdict(PARAS, action="reject"), url="http://a.example/j", site="a", raw_id="2-0")
    assert review.status == "review" and review.review_item_id
    assert storage.review.get(review.review_item_id).raw_id == "1-0"
    assert reject.status == "rejected"
    [rejected] = storage.read_stream("rejected")
    assert rejected["url"] == "http://a.example/j" and rejected["verdict"]["action"] == "reject"
    assert storage.stream_length("articles") == 0 and storage.stream_length("review") == 1


def test_route_many_pipelines_a_batch(storage: Storage) -> None:
    batch = [(verdict([distinct(i)]), f"http://a.example/b{i}", "a", None) for i in range(50)]
    results = storage.route_many([*batch, batch[0]])
    assert [r.status for r in results] == ["published"] * 50 + ["duplicate"]


def test_seen_set_with_ttl(redis_url: str, key_prefix: str) -> None:
    s = open_storage(StorageConfig(redis_url=redis_url, key_prefix=key_prefix, seen_ttl_seconds=1))
    try:
        assert not s.seen("http://a.example/p?b=1&a=2")
        s.mark_seen("http://a.example/p?b=1&a=2#frag")
        assert s.seen("http://A.EXAMPLE/p?a=2&b=1")
        assert not s.seen("http://a.example/p?a=3")
        deadline = time.monotonic() + 5
        while s.seen("http://a.example/p?a=2&b=1") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not s.seen("http://a.example/p?a=2&b=1")
    finally:
        s.close()


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTP://Example.COM:80/a/b?z=1&a=2#x", "http://example.com/a/b?a=2&z=1"),
        ("https://example.com:443/?utm_source=wx&utm_medium=m&id=5", "https://example.com/?id=5"),
        ("http://example.com/新闻/1.html", "http://example.com/%E6%96%B0%E9%97%BB/1.html"),
        ("http://example.com:8080/p", "http://example.com:8080/p"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_removed_spans_survive_the_round_trip(storage: Storage) -> None:
    v = verdict(PARAS)
    v.removed = [
        Span("ad.medical", "ad.medical.query", 0, 5, "北京哪家", 0.9, {"hospital": "x"}, "medical@1")
    ]
    storage.route(v, url="http://a.example/spans", site="a")
    [message] = storage.articles_after(None, 1)
    assert Verdict.from_dict(message["verdict"]).removed == v.removed


def test_fast_verdict_dict_equals_to_dict() -> None:
    from newsieve.filters.types import Flag
    from newsieve.storage.articles import verdict_dict

    v = verdict(PARAS, url="http://a.example/x")
    v.removed = [
        Span("ad.medical", "ad.medical.query", 0, 5, "北京哪家", 0.9, {"hospital": ["x"]}, "medical@1")
    ]
    v.flags = [Flag("damage.mojibake", "damage.mojibake.qq", 0.8, 2, ["??"], "damage@1")]
    v.reasons = ["page.promotion"]
    v.detectors = ["medical@1"]
    assert verdict_dict(v) == v.to_dict()


def test_canonical_url_fast_path_agrees_with_w3lib() -> None:
    from w3lib.url import canonicalize_url

    for url in [
        "http://a.example/n/1.html",
        "https://x.cn/a/b/c",
        "http://x.cn",
        "http://x.cn/~a/./b/../c",
        "http://x.cn/a:b@c!$&'()*+,=",
        "http://x.cn/a..b/",
        "http://x-y.cn/A_B-C~D.html",
    ]:
        assert canonical_url(url) == canonicalize_url(url)
