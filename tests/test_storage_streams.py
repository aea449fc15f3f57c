"""Streams through consumer groups on a real Redis: publish and consume, a consumer SIGKILLed
before its ack, a poison message, lag and pending counts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsieve.storage import RawPage, Storage, StorageConfig, open_storage


def _config(redis_url: str, key_prefix: str, **kw: object) -> StorageConfig:
    base: dict[str, object] = {
        "claim_idle_ms": 1000,
        "max_deliveries": 3,
        "block_ms": 100,
        "retry_seconds": 5,
    }
    base.update(kw)
    return StorageConfig(redis_url=redis_url, key_prefix=key_prefix, **base)  # type: ignore[arg-type]


@pytest.fixture
def storage(redis_url: str, key_prefix: str) -> Iterator[Storage]:
    s = open_storage(_config(redis_url, key_prefix))
    yield s
    s.close()


def _page(i: int, body: bytes = b"<html>\xff</html>") -> RawPage:
    return RawPage(
        url=f"http://site.example/{i}.html",
        final_url=f"http://site.example/{i}.html",
        status=200,
        headers={"content-type": "text/html; charset=gbk"},
        content_type="text/html",
        charset="gbk",
        body=body,
        site="site.example",
        fetched_at=1_700_000_000.0 + i,
    )


def test_publish_and_consume_in_order_with_bytes_intact(storage: Storage) -> None:
    ids = [storage.publish_raw(_page(i, body=bytes([i]) * 100 + b"\x00\xff")) for i in range(5)]
    got = []
    for msg in storage.consumer("raw", "workers", "w1", follow=False):
        got.append((msg.id, msg.data["url"], msg.data["body"], msg.deliveries))
        msg.ack()
    assert [g[0] for g in got] == ids
    assert got[3][1:] == ("http://site.example/3.html", bytes([3]) * 100 + b"\x00\xff", 1)
    assert RawPage.from_data({**storage.read_stream("raw", limit=1)[0]}) == _page(
        0, bytes([0]) * 100 + b"\x00\xff"
    )
    # acked: nothing left for the group, and a second run yields nothing
    assert list(storage.consumer("raw", "workers", "w1", follow=False)) == []
    [group] = storage.groups("raw")
    assert (group.name, group.pending, group.lag) == ("workers", 0, 0)


def test_a_new_group_starts_at_the_beginning_and_groups_are_independent(storage: Storage) -> None:
    for i in range(3):
        storage.publish_raw(_page(i))
    for msg in storage.consumer("raw", "a", "a1", follow=False):
        msg.ack()
    storage.publish_raw(_page(3))
    urls = [m.data["url"] for m in storage.consumer("raw", "b", "b1", follow=False)]
    assert urls == [f"http://site.example/{i}.html" for i in range(4)]
    groups = {g.name: g for g in storage.groups("raw")}
    assert groups["a"].lag == 1 and groups["a"].pending == 0
    assert groups["b"].lag == 0 and groups["b"].pending == 4  # read, never acked


def test_unacked_message_is_reclaimed_after_idle_time(storage: Storage) -> None:
    storage.publish_raw(_page(1))
    first = next(iter(storage.consumer("raw", "g", "crashy", follow=False)))
    assert first.deliveries == 1  # read, never acked: "crashy" died
    other = storage.consumer("raw", "g", "healthy", follow=True, block_ms=50)
    deadline = time.monotonic() + 10
    for msg in other:
        assert msg.id == first.id and msg.deliveries == 2
        msg.ack()
        break
    assert time.monotonic() < deadline
    assert storage.groups("raw")[0].pending == 0


_KILLED_CONSUMER = """
import sys, time
from newsieve.storage import StorageConfig, open_storage
url, prefix = sys.argv[1], sys.argv[2]
s = open_storage(StorageConfig(redis_url=url, key_prefix=prefix, block_ms=100))
for msg in s.consumer("raw", "g", "doomed", count=1):
    print(msg.id, flush=True)
    time.sleep(600)  # killed here, before the ack
"""


def test_consumer_killed_before_ack_message_reaches_another_consumer(
    storage: Storage, redis_url: str, key_prefix: str
) -> None:
    sent = storage.publish_raw(_page(7))
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED_CONSUMER, redis_url, key_prefix], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line == sent
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        assert proc.returncode == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    [group] = storage.groups("raw")
    assert group.pending == 1
    received = []
    for msg in storage.consumer("raw", "g", "survivor", block_ms=50):
        received.append((msg.id, msg.deliveries, msg.data["url"]))
        msg.ack()
        break
    assert received == [(sent, 2, "http://site.example/7.html")]
    assert storage.groups("raw")[0].pending == 0


def test_poison_message_lands_in_deadletter_after_max_deliveries(storage: Storage) -> None:
    good = storage.publish_raw(_page(1))
    poison = storage.publish_raw(_page(2, body=b"poison"))
    seen: list[tuple[str, int]] = []
    for msg in storage.consumer("raw", "g", "w", follow=False):
        seen.append((msg.id, msg.deliveries))
        if msg.data["body"] == b"poison":
            msg.fail(f"cannot parse (try {msg.deliveries})")
        else:
            msg.ack()
    assert seen == [(good, 1), (poison, 1), (poison, 2), (poison, 3)]
    [dead] = storage.read_stream("deadletter")
    assert dead["dl_entry_id"] == poison and dead["dl_stream"] == storage.keys.raw
    assert dead["dl_group"] == "g" and dead["dl_deliveries"] == "3"
    assert dead["dl_error"] == "cannot parse (try 3)"
    assert dead["body"] == b"poison" and dead["url"] == "http://site.example/2.html"
    assert storage.groups("raw")[0].pending == 0
    assert list(storage.consumer("raw", "g", "w", follow=False)) == []


def test_entry_that_kills_every_consumer_goes_to_deadletter(redis_url: str, key_prefix: str) -> None:
    """No fail() is ever called (the consumer dies each time): counted by deliveries alone."""
    s = open_storage(_config(redis_url, key_prefix, claim_idle_ms=50, max_deliveries=2))
    try:
        crasher = s.publish_raw(_page(1))
        for i in range(2):  # two deliveries, never acked
            deadline = time.monotonic() + 10
            got = None
            while got is None and time.monotonic() < deadline:
                # only the first message: a slow machine could let this consumer reclaim it again
                got = next(iter(s.consumer("raw", "g", f"c{i}", follow=False, count=1)), None)
                time.sleep(0.06)
            assert got is not None and got.deliveries == i + 1
        time.sleep(0.06)
        assert list(s.consumer("raw", "g", "c3", follow=False)) == []
        [dead] = s.read_stream("deadletter")
        assert dead["dl_entry_id"] == crasher and dead["dl_error"] == "no ack after 3 deliveries"
    finally:
        s.close()


def test_ack_in_the_effect_transaction(storage: Storage) -> None:
    storage.publish_raw(_page(1))
    consumer = storage.consumer("raw", "g", "w", follow=False)
    for msg in consumer:
        pipe = storage.redis.pipeline(transaction=True)
        pipe.set(storage.keys.prefix + "effect", msg.id)
        msg.ack(pipeline=pipe)
        pipe.execute()
    assert storage.groups("raw")[0].pending == 0
    assert storage.redis.get(storage.keys.prefix + "effect") is not None


def test_trimming_is_configurable(redis_url: str, key_prefix: str) -> None:
    s = open_storage(_config(redis_url, key_prefix, stream_maxlen=10))
    try:
        pipe = s.redis.pipeline(transaction=False)
        for i in range(500):
            s.publish_raw(_page(i), pipeline=pipe)
        pipe.execute()
        assert s.stream_length("raw") < 500
    finally:
        s.close()


def test_schema_file_is_valid() -> None:
    import json

    import jsonschema

    path = Path(__file__).parent.parent / "src" / "newsieve" / "schemas" / "article-message.schema.json"
    jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))


def test_settings_build_the_storage_config(monkeypatch: pytest.MonkeyPatch) -> None:
    from newsieve.settings import load_settings

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("NEWSIEVE_MAX_DELIVERIES", "7")
    monkeypatch.setenv("NEWSIEVE_CLAIM_IDLE_MS", "1234")
    config = load_settings(key_prefix="x:").storage_config()
    assert (config.redis_url, config.key_prefix, config.max_deliveries, config.claim_idle_ms) == (
        "redis://127.0.0.1:1/0",
        "x:",
        7,
        1234,
    )


def test_settings_carry_the_near_dup_window_and_dedup_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    from newsieve.exceptions import ConfigError
    from newsieve.settings import load_settings

    defaults = load_settings().storage_config()
    assert (defaults.near_dup_window_seconds, defaults.dedup_ttl_seconds) == (
        StorageConfig().near_dup_window_seconds,
        StorageConfig().dedup_ttl_seconds,
    )
    monkeypatch.setenv("NEWSIEVE_NEAR_DUP_WINDOW_SECONDS", "3600")
    monkeypatch.setenv("NEWSIEVE_DEDUP_TTL_SECONDS", "0")
    config = load_settings().storage_config()
    assert (config.near_dup_window_seconds, config.dedup_ttl_seconds) == (3600, 0)
    monkeypatch.setenv("NEWSIEVE_NEAR_DUP_WINDOW_SECONDS", "0")  # a window must last
    with pytest.raises(ConfigError, match="near_dup_window_seconds"):
        load_settings()


def test_unreachable_redis_is_reported_as_redis_unavailable() -> None:
    from newsieve.exceptions import RedisUnavailable

    with pytest.raises(RedisUnavailable):
        open_storage(StorageConfig(redis_url="redis://127.0.0.1:1/0", retry_seconds=0))


class _Info:
    """A client whose ``INFO server`` answers ``fields`` (only the version check reads it)."""

    def __init__(self, **fields: str) -> None:
        self.fields = fields

    def info(self, section: str) -> dict[str, str]:
        assert section == "server"
        return self.fields


def test_server_name_and_version_check() -> None:
    from newsieve.exceptions import ConfigError
    from newsieve.storage.connection import check_server

    assert check_server(_Info(redis_version="7.0.15")) == ("redis", "7.0.15")  # type: ignore[arg-type]
    valkey = _Info(server_name="valkey", redis_version="7.2.4", valkey_version="9.1.2")
    assert check_server(valkey) == ("valkey", "9.1.2")  # type: ignore[arg-type]
    assert check_server(_Info(redis_version="6.2.14")) == ("redis", "6.2.14")  # type: ignore[arg-type]
    for old in ("6.0.16", "5.0.7"):
        with pytest.raises(ConfigError, match=f"redis {old} is too old: newsieve needs 6.2"):
            check_server(_Info(redis_version=old))  # type: ignore[arg-type]
