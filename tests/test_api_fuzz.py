"""schemathesis against the OpenAPI document the real server serves: no input gets a 500.

A bounded run (``MAX_EXAMPLES`` per operation, positive and negative cases, derandomized)
with a moderator token, so the review endpoints are exercised past auth, against a real
Redis holding a few review items. Any ``url`` the fuzzer writes is pointed at a closed
loopback port first: the fuzzer must never make the server resolve or fetch outside hosts
(the SSRF guard answers 422). One test per operation, driven by hypothesis directly
(schemathesis' own pytest plugin does not load under pytest 9).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from test_api_review import SITE, review_verdict  # noqa: E402
from test_api_support import MODERATOR, api_settings, auth, served  # noqa: E402

from newsieve.api import create_app  # noqa: E402
from newsieve.storage import StorageConfig, open_storage  # noqa: E402

MAX_EXAMPLES = 25
SAFE_URL = "http://127.0.0.1:9/page.html"


def _operations() -> list[tuple[str, str]]:
    spec = create_app(api_settings()).openapi()
    return [(method.upper(), path) for path, ops in spec["paths"].items() for method in ops]


@pytest.fixture(scope="module")
def api_base(redis_url: str) -> Iterator[str]:
    import uuid

    import redis

    prefix = f"nstest:{uuid.uuid4().hex[:12]}:"
    storage = open_storage(StorageConfig(redis_url=redis_url, key_prefix=prefix, retry_seconds=2))
    for n in range(3):
        storage.review.submit(review_verdict(), url=f"http://{SITE}/a/{n}.html", site=SITE)
    config = api_settings(redis_url, prefix, api_max_body_bytes=256 * 1024, api_batch_max=4)
    try:
        with served(create_app(config, storage=storage)) as base:
            yield base
    finally:
        storage.close()
        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(match=prefix + "*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


def _loopback_only(body: Any) -> None:
    if isinstance(body, dict):
        if "url" in body:
            body["url"] = SAFE_URL
        pages = body.get("pages")
        for page in pages if isinstance(pages, list) else []:
            _loopback_only(page)


@pytest.mark.parametrize(("method", "path"), _operations())
def test_no_server_errors(api_base: str, method: str, path: str) -> None:
    schema = schemathesis.openapi.from_url(f"{api_base}/openapi.json")
    operation = schema[path][method]
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
    )

    @given(case=strategy)
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
              derandomize=True, database=None)  # fmt: skip
    def run(case: Any) -> None:
        _loopback_only(case.body)
        response = case.call(base_url=api_base, headers=auth(MODERATOR), timeout=30)
        case.validate_response(response, checks=[not_a_server_error])

    run()
