"""The review store: states, leases, version checks under concurrency, edits, audit, feedback."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator

import pytest

from newsieve.exceptions import Conflict, InputError, LeaseHeld, NotFound, VersionConflict
from newsieve.filters import SiteRules
from newsieve.filters.types import Meta, Span, Verdict
from newsieve.storage import Storage, StorageConfig, open_storage

AD = "北京哪家医院治疗白癜风好 http://ad.example/"
BODY = "本报讯 昨日，市人民医院开展白癜风义诊活动，吸引了数百名市民参加。"
FOOT = "转载请注明地址：http://repost.example/1.html"
ORIGINAL = "\n".join(["新闻标题", AD, BODY, FOOT])


def review_verdict() -> Verdict:
    a = ORIGINAL.index(AD)
    b = ORIGINAL.index("市人民医院")
    return Verdict(
        title="新闻标题",
        text=BODY,
        paragraphs=[BODY],
        meta=Meta(url="http://repost.example/1.html"),
        removed=[
            Span("ad.medical", "ad.medical.query", a, a + len(AD), AD, 0.95, {}, "medical@1"),
            Span("ad.medical", "ad.medical.hospital", b, b + 5, "市人民医院", 0.4, {}, "medical@1"),
        ],
        flags=[],
        spam_score=0.5,
        action="review",
        original_text=ORIGINAL,
        content_hash=hashlib.sha256(BODY.encode()).hexdigest(),
    )


@pytest.fixture
def storage(redis_url: str, key_prefix: str) -> Iterator[Storage]:
    s = open_storage(StorageConfig(redis_url=redis_url, key_prefix=key_prefix, retry_seconds=5))
    yield s
    s.close()


def submit(storage: Storage, site: str = "repost.example", url: str = "http://repost.example/1.html") -> str:
    item = storage.review.submit(review_verdict(), url=url, site=site, original=None)
    assert (item.state, item.version) == ("pending", 1)
    return item.id


def test_claim_approve_publishes_and_audits(storage: Storage) -> None:
    item_id = submit(storage)
    claimed = storage.review.claim(item_id, "alice")
    assert (claimed.state, claimed.version, claimed.claimed_by) == ("claimed", 2, "alice")
    with pytest.raises(LeaseHeld):
        storage.review.claim(item_id, "bob")
    with pytest.raises(LeaseHeld):
        storage.review.decide(item_id, "bob", "reject", expected_version=2)
    done = storage.review.decide(item_id, "alice", "approve", expected_version=2, note="ok")
    assert (done.state, done.version, done.decided_by) == ("approved", 3, "alice")
    [article] = storage.articles_after(None, 10)
    assert article["id"] == done.article_id and article["source"] == "review"
    assert article["review"] == {
        "item_id": item_id,
        "moderator": "alice",
        "decision": "approve",
        "note": "ok",
    }
    history = storage.review.history(item_id)
    assert [(h["action"], h["from"], h["to"], h["moderator"]) for h in history] == [
        ("submit", None, "pending", "system"),
        ("claim", "pending", "claimed", "alice"),
        ("decide", "claimed", "approved", "alice"),
    ]
    assert [h["version"] for h in history] == [1, 2, 3]
    assert storage.stream_length("audit") == 3
    assert storage.review.counts() == {"pending": 0, "claimed": 0, "approved": 1, "rejected": 0, "edited": 0}
    with pytest.raises(Conflict):
        storage.review.decide(item_id, "alice", "reject", expected_version=3)


def test_reject_goes_to_rejected_and_reopen(storage: Storage) -> None:
    item_id = submit(storage)
    done = storage.review.decide(item_id, "bob", "reject", expected_version=1)
    assert done.state == "rejected"
    [rejected] = storage.read_stream("rejected")
    assert rejected["review"]["moderator"] == "bob" and storage.stream_length("articles") == 0
    with pytest.raises(VersionConflict):
        storage.review.reopen(item_id, "carol", expected_version=1)
    again = storage.review.reopen(item_id, "carol", expected_version=2)
    assert (again.state, again.version, again.decision) == ("pending", 3, None)
    assert [i.id for i in storage.review.list("pending")] == [item_id]
    assert storage.review.list("rejected") == []
    assert storage.review.history(item_id)[-1]["action"] == "reopen"


def test_edit_applies_the_moderators_edits_and_records_feedback(storage: Storage) -> None:
    item_id = submit(storage)
    f = ORIGINAL.index(FOOT)
    done = storage.review.decide(
        item_id,
        "alice",
        "edit",
        expected_version=1,
        edits=[
            {"span": 1, "action": "keep"},  # the detector was wrong: a real hospital in real news
            {"span": {"start": f, "end": f + len(FOOT)}, "action": "remove", "label": "boilerplate.repost"},
        ],
    )
    assert done.state == "edited"
    [article] = storage.articles_after(None, 1)
    v = Verdict.from_dict(article["verdict"])
    assert v.text == BODY  # the footer is gone, the kept hospital mention is back
    assert [(s.label, s.reason) for s in v.removed] == [
        ("ad.medical", "ad.medical.query"),
        ("boilerplate.repost", "review.manual"),
    ]
    examples = list(storage.feedback_examples())
    assert [(e["decision"], e["label"], e["text"]) for e in examples] == [
        ("keep", "ad.medical", "市人民医院"),
        ("remove", "boilerplate.repost", FOOT),
    ]
    assert all(e["moderator"] == "alice" and e["site"] == "repost.example" for e in examples)
    assert list(storage.feedback_examples(after=examples[0]["stream_id"])) == examples[1:]


def test_bad_edits_are_refused_and_change_nothing(storage: Storage) -> None:
    item_id = submit(storage)
    with pytest.raises(InputError):
        storage.review.decide(item_id, "a", "edit", expected_version=1, edits=[{"span": 9, "action": "keep"}])
    with pytest.raises(InputError):
        storage.review.decide(item_id, "a", "edit", expected_version=1, edits=[{"span": 0, "action": "zap"}])
    with pytest.raises(InputError):
        storage.review.decide(item_id, "a", "maybe", expected_version=1)  # type: ignore[arg-type]
    assert storage.review.get(item_id).version == 1
    with pytest.raises(NotFound):
        storage.review.get("999999")
    with pytest.raises(NotFound):
        storage.review.claim("999999", "a")


@pytest.mark.parametrize("decisions", [("approve", "reject"), ("approve", "approve"), ("edit", "reject")])
def test_two_moderators_deciding_at_once_exactly_one_wins(
    redis_url: str, key_prefix: str, decisions: tuple[str, str]
) -> None:
    # Every item carries the same text, so with near-duplicate detection on, a second winning
    # edit (the text with the kept span, long enough to have a signature) is recorded as a
    # repost instead of being published: one effect per item is what this test counts.
    config = StorageConfig(redis_url=redis_url, key_prefix=key_prefix, near_dup=False)
    stores = [open_storage(config), open_storage(config)]  # two processes' worth of connections
    try:
        for n in range(10):
            item_id = submit(stores[0], url=f"http://repost.example/{n}.html")
            barrier = threading.Barrier(2)
            outcomes: list[object] = [None, None]

            def decide(
                i: int,
                item_id: str = item_id,
                barrier: threading.Barrier = barrier,
                outcomes: list = outcomes,
            ) -> None:
                barrier.wait()
                try:
                    decision = decisions[i]
                    edits = [{"span": 0, "action": "keep"}] if decision == "edit" else None
                    outcomes[i] = stores[i].review.decide(
                        item_id,
                        f"mod{i}",
                        decision,  # type: ignore[arg-type]
                        expected_version=1,
                        edits=edits,
                    )
                except VersionConflict as exc:
                    outcomes[i] = exc

            threads = [threading.Thread(target=decide, args=(i,)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            conflicts = [o for o in outcomes if isinstance(o, VersionConflict)]
            wins = [o for o in outcomes if not isinstance(o, VersionConflict)]
            assert len(conflicts) == 1 and len(wins) == 1, outcomes
            stored = stores[0].review.get(item_id)
            assert stored.version == 2 and stored.decided_by == wins[0].decided_by  # type: ignore[attr-defined]
            assert [h["action"] for h in stores[0].review.history(item_id)] == ["submit", "decide"]
        published = stores[0].stream_length("articles")
        rejected = stores[0].stream_length("rejected")
        assert published + rejected == 10  # one effect per item, never two
    finally:
        for s in stores:
            s.close()


def test_expired_lease_is_reclaimed(storage: Storage) -> None:
    item_id = submit(storage)
    storage.review.claim(item_id, "alice", lease_seconds=1.0)
    with pytest.raises(LeaseHeld):
        storage.review.claim(item_id, "bob")
    deadline = time.monotonic() + 10
    while storage.review.get(item_id).lease_live and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [i.id for i in storage.review.list("pending")] == [item_id]  # reclaimed on listing
    item = storage.review.get(item_id)
    assert (item.state, item.claimed_by) == ("pending", None)
    taken = storage.review.claim(item_id, "bob")
    assert taken.claimed_by == "bob"
    actions = [(h["action"], h["moderator"]) for h in storage.review.history(item_id)]
    assert actions == [
        ("submit", "system"),
        ("claim", "alice"),
        ("lease_expired", "system"),
        ("claim", "bob"),
    ]


def test_list_by_site_with_paging_and_counts(storage: Storage) -> None:
    ids = [submit(storage, site="a.example" if i % 2 else "b.example") for i in range(6)]
    assert [i.id for i in storage.review.list("pending", limit=4)] == ids[:4]
    assert [i.id for i in storage.review.list("pending", after=ids[3])] == ids[4:]
    assert [i.id for i in storage.review.list("pending", site="a.example")] == ids[1::2]
    storage.review.claim(ids[0], "alice")
    assert storage.review.counts()["pending"] == 5 and storage.review.counts()["claimed"] == 1
    assert [i.id for i in storage.review.list("claimed", site="b.example")] == [ids[0]]
    with pytest.raises(InputError):
        storage.review.list("nonsense")


def test_site_rules_round_trip(storage: Storage) -> None:
    assert storage.site_rules("a.example") == SiteRules()
    storage.add_site_rule("a.example", "allow", "市人民医院")
    storage.add_site_rule("a.example", "deny", "关注公众号", label="boilerplate.wechat")
    storage.add_site_rule("a.example", "deny", "点击阅读原文")
    rules = storage.site_rules("a.example")
    assert rules.allow == ("市人民医院",)
    assert rules.deny == (("关注公众号", "boilerplate.wechat"), ("点击阅读原文", "boilerplate.other"))
    assert storage.site_rules("b.example") == SiteRules()
    storage.remove_site_rule("a.example", "allow", "市人民医院")
    assert storage.site_rules("a.example").allow == ()
    with pytest.raises(InputError):
        storage.add_site_rule("a.example", "block", "x")  # type: ignore[arg-type]
