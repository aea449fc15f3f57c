"""The review queue over HTTP against a real Redis: the whole lifecycle, leases that expire,
two moderators racing, version checks, auth, feedback, site rules, export-labels, metrics."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from test_api_support import ADMIN, MODERATOR, MODERATOR2, READER, api_settings, auth, served

from newsieve.api import create_app
from newsieve.cli import main as cli_main
from newsieve.filters import Sieve, Span, Verdict
from newsieve.storage import Storage, StorageConfig, open_storage

SITE = "www.repost.example"
AD = "北京哪家治疗白癜风正规 https://baike.baidu.com/item/x"
NOTICE = "转载请注明地址:http://www.repost.example/a/1.html"
PAGE = (
    "新时代新气象新作为我市开发区建设\n"
    f"{AD}\n"
    "开发区今年完成固定资产投资，列入考核范围的项目全部开工。\n"
    "市人民医院开展白癜风义诊，百余名市民受益。\n"
    f"{NOTICE}\n"
)
CLINIC = "市人民医院开展白癜风义诊，百余名市民受益。"


def review_verdict(page: str = PAGE) -> Verdict:
    """A verdict of the filters, with the removals set by hand: the API is under test here,
    not the detectors. Span 0 is the ad, span 1 the repost notice (both proposed)."""
    verdict = Sieve().clean(page, content_type="text/plain", url=f"http://{SITE}/a/1.html")
    text = verdict.original_text
    spans = []
    for label, reason, needle, conf in (
        ("ad.medical", "ad.medical.query", AD, 0.6),
        ("boilerplate.repost", "boilerplate.repost.notice", NOTICE, 0.95),
    ):
        start = text.index(needle)
        spans.append(Span(label, reason, start, start + len(needle), needle, conf, {}, "test@1"))
    verdict.removed = spans
    verdict.action = "review"
    return verdict


@dataclass
class Env:
    base: str
    storage: Storage

    def call(self, method: str, path: str, token: str = MODERATOR, **kw: Any) -> httpx.Response:
        return httpx.request(method, f"{self.base}{path}", headers=auth(token), timeout=30, **kw)

    def submit(self) -> str:
        return self.storage.review.submit(review_verdict(), url=f"http://{SITE}/a/1.html", site=SITE).id


@pytest.fixture
def env(redis_url: str, key_prefix: str) -> Iterator[Env]:
    storage = open_storage(StorageConfig(redis_url=redis_url, key_prefix=key_prefix, retry_seconds=2))
    settings = api_settings(redis_url, key_prefix, api_site_rules_feedback=True)
    try:
        with served(create_app(settings, storage=storage)) as base:
            yield Env(base, storage)
    finally:
        storage.close()


def test_lifecycle_claim_edit_approve(env: Env) -> None:
    item_id = env.submit()
    listed = env.call("GET", "/v1/review?state=pending").json()
    assert [i["id"] for i in listed["items"]] == [item_id]
    assert listed["counts"]["pending"] == 1
    assert env.call("GET", f"/v1/review?state=pending&site={SITE}").json()["items"][0]["id"] == item_id
    assert env.call("GET", "/v1/review?state=pending&site=other.example").json()["items"] == []

    item = env.call("GET", f"/v1/review/{item_id}").json()
    assert item["state"] == "pending" and item["version"] == 1
    assert CLINIC in item["verdict"]["original_text"]
    assert [(s["label"], s["reason"]) for s in item["verdict"]["removed"]] == [
        ("ad.medical", "ad.medical.query"), ("boilerplate.repost", "boilerplate.repost.notice")
    ]

    claimed = env.call("POST", f"/v1/review/{item_id}/claim").json()
    assert claimed["state"] == "claimed" and claimed["claimed_by"] == "alice"
    assert env.storage.review.get(item_id).claimed_by == "alice"

    # alice keeps the repost notice (a false removal) and removes the clinic line by hand
    start = item["verdict"]["original_text"].index(CLINIC)
    decision = {
        "decision": "edit",
        "expected_version": claimed["version"],
        "edits": [
            {"span": 1, "action": "keep"},
            {"start": start, "end": start + len(CLINIC), "action": "remove", "label": "ad.medical"},
        ],
        "note": "notice is fine; clinic line is an ad here",
    }
    decided = env.call("POST", f"/v1/review/{item_id}/decision", json=decision)
    assert decided.status_code == 200, decided.text
    assert decided.json()["state"] == "edited" and decided.json()["decided_by"] == "alice"

    # Redis: the article is published with the edits; the examples and rules recorded
    articles = env.storage.articles_after(None, 10)
    assert len(articles) == 1
    text = articles[0]["verdict"]["text"]
    assert NOTICE in text and CLINIC not in text and AD not in text
    examples = list(env.storage.feedback_examples())
    assert {(e["decision"], e["text"]) for e in examples} == {("keep", NOTICE), ("remove", CLINIC)}
    rules = env.storage.site_rules(SITE)
    assert NOTICE in rules.allow and (CLINIC, "ad.medical") in rules.deny

    tail = env.call("GET", "/v1/articles?limit=5", token=READER).json()
    assert [a["stream_id"] for a in tail["articles"]] == [articles[0]["stream_id"]]
    assert env.call("GET", f"/v1/articles?after={tail['next']}").json()["articles"] == []

    history = env.call("GET", f"/v1/review/{item_id}/history").json()["events"]
    assert [(e["action"], e["moderator"]) for e in history] == [
        ("submit", "system"), ("claim", "alice"), ("decide", "alice")
    ]
    assert history[-1]["note"] == decision["note"]


def test_site_rules_apply_from_the_next_page_on(env: Env) -> None:
    url = f"http://{SITE}/a/2.html"
    before = env.call("POST", "/v1/filter", json={"text": PAGE, "url": url}).json()
    assert not any(s["reason"] == "site.deny" for s in before["removed"])
    item_id = env.submit()
    start = PAGE.index(CLINIC)
    env.call("POST", f"/v1/review/{item_id}/decision", json={
        "decision": "edit", "expected_version": 1,
        "edits": [{"start": start, "end": start + len(CLINIC), "action": "remove", "label": "ad.medical"}],
    }).raise_for_status()
    after = env.call("POST", "/v1/filter", json={"text": PAGE, "url": url}).json()
    assert any(s["reason"] == "site.deny" and s["text"] == CLINIC for s in after["removed"])
    other = env.call("POST", "/v1/filter", json={"text": PAGE, "url": "http://other.example/a.html"}).json()
    assert not any(s["reason"] == "site.deny" for s in other["removed"])


def test_reject_goes_to_the_rejected_stream(env: Env) -> None:
    item_id = env.submit()
    claimed = env.call("POST", f"/v1/review/{item_id}/claim").json()
    resp = env.call("POST", f"/v1/review/{item_id}/decision",
                    json={"decision": "reject", "expected_version": claimed["version"], "note": "spam page"})
    assert resp.status_code == 200 and resp.json()["state"] == "rejected"
    rejected = env.storage.read_stream("rejected")
    assert len(rejected) == 1 and rejected[0]["review"]["moderator"] == "alice"
    assert env.storage.articles_after(None, 10) == []
    # decided: no second decision, no claim
    again = env.call("POST", f"/v1/review/{item_id}/decision",
                     json={"decision": "approve", "expected_version": resp.json()["version"]})
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert env.call("POST", f"/v1/review/{item_id}/claim").status_code == 409


def test_a_live_claim_blocks_others_until_it_expires(env: Env) -> None:
    item_id = env.submit()
    claimed = env.call("POST", f"/v1/review/{item_id}/claim", json={"lease_seconds": 1}).json()
    assert claimed["claimed_by"] == "alice"
    taken = env.call("POST", f"/v1/review/{item_id}/claim", token=MODERATOR2)
    assert taken.status_code == 409 and taken.json()["code"] == "lease_held"
    assert "alice" in taken.json()["detail"]
    blocked = env.call("POST", f"/v1/review/{item_id}/decision", token=MODERATOR2,
                       json={"decision": "approve", "expected_version": claimed["version"]})
    assert blocked.status_code == 409 and blocked.json()["code"] == "lease_held"

    while time.time() <= claimed["lease_until"] + 0.05:  # wait out the lease (server clock = ours)
        time.sleep(0.05)
    listed = env.call("GET", "/v1/review?state=pending", token=MODERATOR2).json()
    assert [i["id"] for i in listed["items"]] == [item_id]
    bob = env.call("POST", f"/v1/review/{item_id}/claim", token=MODERATOR2).json()
    assert bob["claimed_by"] == "bob"
    actions = [e["action"] for e in env.call("GET", f"/v1/review/{item_id}/history").json()["events"]]
    assert actions == ["submit", "claim", "lease_expired", "claim"]
    # alice's stale view of the item no longer decides anything
    stale = env.call("POST", f"/v1/review/{item_id}/decision",
                     json={"decision": "approve", "expected_version": claimed["version"]})
    assert stale.status_code == 409


def test_two_moderators_racing_one_item(env: Env) -> None:
    item_id = env.submit()
    barrier = threading.Barrier(2)
    results: dict[str, httpx.Response] = {}

    def decide(token: str, decision: str) -> None:
        barrier.wait()
        results[token] = env.call("POST", f"/v1/review/{item_id}/decision", token=token,
                                  json={"decision": decision, "expected_version": 1})

    pairs = ((MODERATOR, "approve"), (MODERATOR2, "reject"))
    threads = [threading.Thread(target=decide, args=pair) for pair in pairs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    statuses = sorted(r.status_code for r in results.values())
    assert statuses == [200, 409], {k: r.text for k, r in results.items()}
    loser = next(r for r in results.values() if r.status_code == 409).json()
    assert loser["code"] in ("version_conflict", "conflict")
    winner = next(r for r in results.values() if r.status_code == 200).json()
    stored = env.storage.review.get(item_id)
    assert stored.state == winner["state"] and stored.version == 2
    published = len(env.storage.articles_after(None, 10))
    rejected = len(env.storage.read_stream("rejected"))
    assert (published, rejected) == ((1, 0) if winner["state"] == "approved" else (0, 1))


def test_auth_and_roles(env: Env) -> None:
    item_id = env.submit()
    no_token = httpx.get(f"{env.base}/v1/review")
    assert no_token.status_code == 401 and no_token.json()["code"] == "missing_token"
    reader = env.call("GET", "/v1/review", token=READER)
    assert reader.status_code == 403 and reader.json()["code"] == "insufficient_role"
    assert READER not in reader.text
    assert env.call("GET", "/v1/me").json() == {"name": "alice", "role": "moderator"}
    assert env.call("GET", "/v1/review", token=ADMIN).status_code == 200

    env.call("POST", f"/v1/review/{item_id}/decision", json={"decision": "approve", "expected_version": 1})
    reopen = env.call("POST", f"/v1/review/{item_id}/reopen", json={"expected_version": 2})
    assert reopen.status_code == 403
    reopened = env.call("POST", f"/v1/review/{item_id}/reopen", token=ADMIN, json={"expected_version": 2})
    assert reopened.status_code == 200 and reopened.json()["state"] == "pending"


DECIDE = "/v1/review/{id}/decision"
EDIT = {"decision": "edit", "expected_version": 1}
BAD = "validation_error"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("GET", "/v1/review/999999", None, 404, "not_found"),
        ("GET", "/v1/review/999999/history", None, 404, "not_found"),
        ("POST", "/v1/review/999999/claim", None, 404, "not_found"),
        ("GET", "/v1/review/abc", None, 422, "validation_error"),
        ("GET", "/v1/review?state=lost", None, 422, "validation_error"),
        ("GET", "/v1/review?after=x", None, 422, "validation_error"),
        ("GET", "/v1/articles?after=not-an-id", None, 422, "validation_error"),
        ("GET", "/v1/articles?after=1779804-8448059920390799005433", None, 422, BAD),  # found by fuzzing
        ("POST", DECIDE, {"decision": "maybe", "expected_version": 1}, 422, BAD),
        ("POST", DECIDE, {"decision": "approve"}, 422, "validation_error"),
        ("POST", DECIDE, {"decision": "approve", "expected_version": "x"}, 422, BAD),
        ("POST", DECIDE, {"decision": "edit", "expected_version": 1}, 422, BAD),
        ("POST", DECIDE, {**EDIT, "edits": [{"span": 7, "action": "keep"}]},
         422, "bad_input"),
        ("POST", DECIDE,
         {**EDIT, "edits": [{"start": 0, "end": 10**6, "action": "remove"}]},
         422, "bad_input"),
        ("POST", DECIDE, {"decision": "approve", "expected_version": 5}, 409,
         "version_conflict"),
        ("POST", "/v1/review/{id}/claim", {"lease_seconds": -1}, 422, "validation_error"),
    ],
)
def test_bad_review_requests_are_4xx(
    env: Env, method: str, path: str, body: Any, status: int, code: str
) -> None:
    item_id = env.submit()
    resp = env.call(method, path.replace("{id}", item_id), json=body)
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["code"] == code
    assert env.storage.review.get(item_id).version == 1  # nothing changed


def test_export_labels_and_metrics(env: Env, redis_url: str, key_prefix: str, tmp_path: Any,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    item_id = env.submit()
    env.call("POST", f"/v1/review/{item_id}/decision", json={
        "decision": "edit", "expected_version": 1, "edits": [{"span": 0, "action": "keep"}]
    }).raise_for_status()
    out = tmp_path / "labels.jsonl"
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("NEWSIEVE_KEY_PREFIX", key_prefix)
    assert cli_main(["export-labels", "-o", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    got = [(r["text"], r["label"], r["site"], r["decision"]) for r in rows]
    assert got == [(AD, "ad.medical", SITE, "keep")]

    env.submit()
    metrics = httpx.get(f"{env.base}/metrics").text
    assert 'newsieve_review_items{state="pending"} 1.0' in metrics
    assert 'newsieve_review_items{state="edited"} 1.0' in metrics
    assert 'newsieve_api_review_decisions_total{decision="edit"} 1.0' in metrics
    assert 'newsieve_queue_length{stream="articles"} 1.0' in metrics
    assert "newsieve_api_storage_up 1.0" in metrics
