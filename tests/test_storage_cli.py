"""``newsieve consume`` through the real CLI (a subprocess) on a real Redis: JSONL, acks."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from newsieve.filters.types import Meta, Verdict
from newsieve.storage import StorageConfig, open_storage

SCHEMAS = Path(__file__).parent.parent / "src" / "newsieve" / "schemas"


def _verdict(i: int) -> Verdict:
    text = f"第{i}篇 " + "".join(chr(0x4E00 + (i * 131 + k * k) % 20000) for k in range(80))
    return Verdict(
        title=f"标题{i}",
        text=text,
        paragraphs=[text],
        meta=Meta(),
        removed=[],
        flags=[],
        spam_score=0.0,
        action="publish",
        original_text=text,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
    )


def _consume(redis_url: str, key_prefix: str, *args: str) -> list[dict]:
    env = {**os.environ, "REDIS_URL": redis_url, "NEWSIEVE_KEY_PREFIX": key_prefix}
    out = subprocess.run(
        [sys.executable, "-m", "newsieve", "consume", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_consume_prints_jsonl_and_acks(redis_url: str, key_prefix: str) -> None:
    import jsonschema
    from referencing import Registry, Resource

    storage = open_storage(StorageConfig(redis_url=redis_url, key_prefix=key_prefix))
    try:
        published = [
            storage.route(_verdict(i), url=f"http://a.example/{i}", site="a.example") for i in range(5)
        ]
        assert all(r.status == "published" for r in published)

        first = _consume(redis_url, key_prefix, "--group", "cli", "--count", "2")
        assert [m["id"] for m in first] == [r.article_id for r in published[:2]]
        rest = _consume(redis_url, key_prefix, "--group", "cli")
        assert [m["id"] for m in rest] == [r.article_id for r in published[2:]]
        assert _consume(redis_url, key_prefix, "--group", "cli") == []  # all acked
        [group] = storage.groups("articles")
        assert (group.pending, group.lag) == (0, 0)
        # another group starts at the beginning
        again = _consume(redis_url, key_prefix, "--group", "other")
        assert [m["stream_id"] for m in again] == [r.stream_id for r in published]

        verdict_schema = json.loads((SCHEMAS / "verdict.schema.json").read_text("utf-8"))
        schema = json.loads((SCHEMAS / "article-message.schema.json").read_text("utf-8"))
        registry = Registry().with_resource(verdict_schema["$id"], Resource.from_contents(verdict_schema))
        validator = jsonschema.Draft202012Validator(schema, registry=registry)
        for message in again:
            validator.validate(message)
            assert message["deliveries"] == 1
    finally:
        storage.close()


def test_consume_raw_pages_base64_bodies(redis_url: str, key_prefix: str) -> None:
    from newsieve.storage import RawPage

    storage = open_storage(StorageConfig(redis_url=redis_url, key_prefix=key_prefix))
    try:
        storage.publish_raw(
            RawPage("http://x/1", "http://x/1", 200, {}, "text/html", "gbk", b"\xc4\xe3", "x")
        )
        [line] = _consume(redis_url, key_prefix, "--group", "g", "--stream", "raw")
        assert line["body"] == "xOM=" and line["body_encoding"] == "base64" and line["charset"] == "gbk"
    finally:
        storage.close()
