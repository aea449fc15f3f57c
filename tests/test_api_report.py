"""Reporting a published article over HTTP against a real Redis: the item it opens, its
rejection (page-level feedback, ``rejected``, a retraction on ``articles``, audit), an approve
that only closes it, one open item per article, 404, 403."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from test_api_review import SITE, Env, review_verdict
from test_api_support import ADMIN, READER, api_settings, served

from newsieve.api import create_app
from newsieve.storage import StorageConfig, open_storage

URL = f"http://{SITE}/a/1.html"


@pytest.fixture
def env(redis_url: str, key_prefix: str) -> Iterator[Env]:
    storage = open_storage(StorageConfig(redis_url=redis_url, key_prefix=key_prefix, retry_seconds=2))
    try:
        with served(create_app(api_settings(redis_url, key_prefix), storage=storage)) as base:
            yield Env(base, storage)
    finally:
        storage.close()


def publish(env: Env) -> dict[str, Any]:
    """Publish an article the way a filter worker does; its message on ``articles``."""
    verdict = review_verdict()
    verdict.action = "publish"
    result = env.storage.route(verdict, url=URL, site=SITE)
    assert result.status == "published", result
    [message] = env.storage.articles_after(None, 10)
    assert message["id"] == result.article_id
    return message


def test_report_claim_reject_retracts_and_records_feedback(env: Env) -> None:
    article = publish(env)
    aid = article["id"]
    resp = env.call("POST", f"/v1/articles/{aid}/report", json={"note": "this is a paid ad"})
    assert resp.status_code == 200, resp.text
    item = resp.json()
    assert (item["state"], item["origin"], item["article_id"]) == ("pending", "published", aid)
    assert item["verdict"]["text"] == article["verdict"]["text"]
    assert env.storage.review.get(item["id"]).origin == "published"
    listed = env.call("GET", "/v1/review?state=pending").json()["items"]
    assert [i["id"] for i in listed] == [item["id"]]

    # reported again while open: the same item, nothing new
    again = env.call("POST", f"/v1/articles/{aid}/report", token=ADMIN).json()
    assert (again["id"], again["version"]) == (item["id"], 1)
    assert env.storage.review.counts()["pending"] == 1

    claimed = env.call("POST", f"/v1/review/{item['id']}/claim").json()
    decided = env.call("POST", f"/v1/review/{item['id']}/decision",
                       json={"decision": "reject", "expected_version": claimed["version"], "note": "ad"})
    assert decided.status_code == 200, decided.text
    assert decided.json()["state"] == "rejected"

    # Redis: the page-level example, the verdict on rejected, the retraction on articles
    [example] = list(env.storage.feedback_examples())
    assert example["overturn"] == "published_rejected" and example["kind"] == "page"
    assert example["label"] == "page.reject" and example["decision"] == "reject"
    assert (example["site"], example["url"], example["article_id"]) == (SITE, URL, aid)
    assert (example["moderator"], example["note"]) == ("alice", "ad")
    assert example["text"] == article["verdict"]["text"]
    [rejected] = env.storage.read_stream("rejected")
    assert rejected["article_id"] == aid and rejected["review"]["decision"] == "reject"
    assert rejected["verdict"]["text"] == article["verdict"]["text"]
    first, retraction = env.storage.articles_after(None, 10)
    assert first["stream_id"] == article["stream_id"] and "retracted" not in first
    assert retraction["id"] == aid and retraction["retracted"] is True
    assert retraction["version"] == article["version"] and retraction["url"] == article["url"]
    assert retraction["review"] == {"item_id": item["id"], "moderator": "alice", "decision": "reject",
                                    "note": "ad"}  # fmt: skip
    tail = env.call("GET", f"/v1/articles?after={article['stream_id']}", token=READER).json()
    assert [(a["id"], a.get("retracted")) for a in tail["articles"]] == [(aid, True)]

    history = env.call("GET", f"/v1/review/{item['id']}/history").json()["events"]
    assert [(e["action"], e["from"], e["to"], e["moderator"]) for e in history] == [
        ("report", None, "pending", "alice"), ("claim", "pending", "claimed", "alice"),
        ("decide", "claimed", "rejected", "alice"),
    ]  # fmt: skip
    assert history[0]["article_id"] == aid and history[0]["note"] == "this is a paid ad"

    # decided: a new report opens a new item
    newer = env.call("POST", f"/v1/articles/{aid}/report").json()
    assert newer["id"] != item["id"] and newer["state"] == "pending"


def test_approve_of_a_reported_article_only_closes_it(env: Env) -> None:
    article = publish(env)
    item = env.call("POST", f"/v1/articles/{article['id']}/report").json()
    edit = env.call("POST", f"/v1/review/{item['id']}/decision", json={
        "decision": "edit", "expected_version": 1, "edits": [{"span": 0, "action": "keep"}]})
    assert edit.status_code == 422 and edit.json()["code"] == "bad_input"
    done = env.call("POST", f"/v1/review/{item['id']}/decision",
                    json={"decision": "approve", "expected_version": 1})
    assert done.status_code == 200 and done.json()["state"] == "approved"
    assert [a["stream_id"] for a in env.storage.articles_after(None, 10)] == [article["stream_id"]]
    assert env.storage.read_stream("rejected") == []
    assert list(env.storage.feedback_examples()) == []


def test_report_unknown_article_and_roles(env: Env) -> None:
    missing = env.call("POST", "/v1/articles/0123456789abcdef0123456789abcdef/report", json={})
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert missing.headers["content-type"].startswith("application/problem+json")
    article = publish(env)
    reader = env.call("POST", f"/v1/articles/{article['id']}/report", token=READER)
    assert reader.status_code == 403 and reader.json()["code"] == "insufficient_role"
    assert env.storage.review.counts()["pending"] == 0
    assert env.storage.stream_length("audit") == 0
