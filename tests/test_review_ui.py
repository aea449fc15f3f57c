"""The review page in a real headless Chromium (Debian's, driven by Playwright for Python),
against the real app on loopback and a real Redis. Flows: claim → edit → approve, and
claim → reject; the Redis state is asserted after each step and screenshots are saved under
``test-artifacts/``."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_api_review import NOTICE, SITE, review_verdict
from test_api_support import MODERATOR, api_settings, served

from newsieve.api import create_app
from newsieve.storage import Storage, StorageConfig, open_storage

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = os.environ.get("NEWSIEVE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # On CI the browser is installed by `make test` (scripts/install-system-deps): a missing
    # one there is a failure, not a skip. Elsewhere (no root to install it) the test skips.
    missing = pytest.fail if os.environ.get("CI") else pytest.skip
    try:
        from playwright import sync_api
    except ImportError:
        missing("playwright is not installed (it is in the test extras)")
    if not Path(CHROMIUM).exists():
        missing(f"no chromium at {CHROMIUM} (scripts/install-system-deps installs Debian's)")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def setup(redis_url: str, key_prefix: str, browser: Any) -> Iterator[tuple[Any, Storage, list[str]]]:
    storage = open_storage(StorageConfig(redis_url=redis_url, key_prefix=key_prefix, retry_seconds=2))
    ids = [
        storage.review.submit(review_verdict(), url=f"http://{SITE}/a/{n}.html", site=SITE).id for n in (1, 2)
    ]
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    requested: list[str] = []
    page.on("request", lambda req: requested.append(req.url))
    try:
        with served(create_app(api_settings(redis_url, key_prefix), storage=storage)) as base:
            page.goto(f"{base}/review")
            page.fill("#token", MODERATOR)
            page.click("#signin button[type=submit]")
            page.wait_for_selector(f"#items li[data-id='{ids[0]}'].current")
            page.wait_for_selector(f"#detail[data-id='{ids[0]}']")
            yield page, storage, ids
        assert not errors, errors
        # no build step, no CDN: everything the page loads comes from the app itself
        assert requested and all(url.startswith(base + "/") for url in requested), requested
    finally:
        context.close()
        storage.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"review-{name}.png"), full_page=True)


def test_claim_edit_approve(setup: tuple[Any, Storage, list[str]]) -> None:
    page, storage, ids = setup
    first = ids[0]
    # the queue with its counts, the item with each removal highlighted by label with its reason
    assert page.text_content("[data-count=pending]") == "2"
    assert page.locator("#items li").count() == 2
    marks = page.locator("#article mark.span")
    assert marks.count() == 2
    assert marks.nth(0).get_attribute("data-label") == "ad.medical"
    assert "ad.medical.query" in (marks.nth(0).get_attribute("title") or "")
    assert "boilerplate.repost.notice" in page.text_content("#spans")
    assert page.text_content("#claim") == "not claimed"
    assert page.text_content("#who") == "signed in as alice (moderator)"
    assert not page.is_visible("#signin")
    # the token is kept in this tab's sessionStorage, never in localStorage
    assert page.evaluate("sessionStorage.getItem('newsieve.token')") == MODERATOR
    assert page.evaluate("localStorage.length") == 0

    page.keyboard.press("c")
    page.wait_for_selector("#claim:has-text('claimed by alice')")
    item = storage.review.get(first)
    assert item.state == "claimed" and item.claimed_by == "alice"
    shot(page, "claimed")

    page.keyboard.press("n")  # select removal 1 (the repost notice)
    page.keyboard.press("n")
    page.keyboard.press("e")  # and keep it
    page.wait_for_selector("#article mark.span.kept[data-index='1']")
    assert storage.review.get(first).state == "claimed"  # nothing sent yet
    shot(page, "edited")

    page.keyboard.press("a")
    page.wait_for_selector(f"#status:has-text('decided {first}')")
    item = storage.review.get(first)
    assert item.state == "edited" and item.decided_by == "alice"
    assert item.edits == [{"action": "keep", "span": 1}]
    articles = storage.articles_after(None, 10)
    assert len(articles) == 1 and NOTICE in articles[0]["verdict"]["text"]
    # the queue moved on to the next pending item
    page.wait_for_selector(f"#detail[data-id='{ids[1]}']")
    assert page.text_content("[data-count=pending]") == "1"
    assert page.text_content("[data-count=edited]") == "1"
    shot(page, "approved")


def test_claim_reject_and_keyboard_navigation(setup: tuple[Any, Storage, list[str]]) -> None:
    page, storage, ids = setup
    page.keyboard.press("j")
    page.wait_for_selector(f"#detail[data-id='{ids[1]}']")
    page.keyboard.press("k")
    page.wait_for_selector(f"#detail[data-id='{ids[0]}']")
    page.keyboard.press("j")
    page.wait_for_selector(f"#detail[data-id='{ids[1]}']")

    page.click("#btn-claim")
    page.wait_for_selector("#claim:has-text('claimed by alice')")
    assert storage.review.get(ids[1]).claimed_by == "alice"
    page.fill("#note", "the whole page is an ad")
    page.locator("body").click(position={"x": 5, "y": 5})  # keys go to the page, not the note field
    page.keyboard.press("r")
    page.wait_for_selector(f"#status:has-text('rejected {ids[1]}')")
    item = storage.review.get(ids[1])
    assert item.state == "rejected" and item.note == "the whole page is an ad"
    rejected = storage.read_stream("rejected")
    assert len(rejected) == 1 and rejected[0]["review"]["item_id"] == ids[1]
    assert storage.articles_after(None, 10) == []
    assert storage.review.get(ids[0]).state == "pending"
    page.wait_for_selector("[data-count=rejected]:has-text('1')")
    shot(page, "rejected")


def test_another_moderators_claim_is_shown(setup: tuple[Any, Storage, list[str]]) -> None:
    page, storage, ids = setup
    storage.review.claim(ids[0], "bob", lease_seconds=600)
    page.keyboard.press("j")
    page.keyboard.press("k")
    page.wait_for_selector("#claim:has-text('claimed by bob')")
    page.keyboard.press("a")  # alice may not decide bob's item: the page says why
    page.wait_for_selector("#status.error:has-text('lease_held')")
    page.wait_for_selector(f"#items li[data-id='{ids[0]}'] .sub:has-text('claimed by bob')")
    assert storage.review.get(ids[0]).state == "claimed"
    shot(page, "claimed-by-other")
