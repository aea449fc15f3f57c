"""Dead letters against a real Redis: listing them with their last error, requeueing them onto
their source streams (by id or all), never lost or doubled by a crash or a concurrent requeue;
and ``newsieve redis deadletter`` through the real CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest

from newsieve.exceptions import InputError
from newsieve.storage import RawPage, Storage, StorageConfig, open_storage
from newsieve.storage.streams import REQUEUE


def _config(redis_url: str, key_prefix: str, **kw: object) -> StorageConfig:
    return StorageConfig(redis_url=redis_url, key_prefix=key_prefix, retry_seconds=5, block_ms=100,
                         **kw)  # type: ignore[arg-type]  # fmt: skip


@pytest.fixture
def storage(redis_url: str, key_prefix: str) -> Iterator[Storage]:
    s = open_storage(_config(redis_url, key_prefix, max_deliveries=1))
    yield s
    s.close()


def _page(i: int, body: bytes = b"<html>\xff</html>") -> RawPage:
    url = f"http://site.example/{i}.html"
    return RawPage(
        url, url, 200, {"content-type": "text/html"}, "text/html", "utf-8", body, "site.example", 1.5
    )


def _kill_all(storage: Storage, stream: str, group: str = "g") -> list[str]:
    """Fail every entry of ``stream`` once (max_deliveries=1: each goes to deadletter)."""
    failed = []
    for msg in storage.consumer(stream, group, "w", follow=False):
        msg.fail(f"broken {msg.id}")
        failed.append(msg.id)
    return failed


def test_dead_letters_are_listed_with_their_last_error(storage: Storage) -> None:
    ok = storage.publish_raw(_page(1))
    poison = storage.publish_raw(_page(2, body=b"poison \x00\xff"))
    for msg in storage.consumer("raw", "g", "w1", follow=False):
        if msg.data["body"].startswith(b"poison"):
            msg.fail("cannot parse")
        else:
            msg.ack()
    [dead] = storage.deadletters()
    assert (dead.stream, dead.group, dead.entry_id, dead.deliveries) == (storage.keys.raw, "g", poison, 1)
    assert dead.error == "cannot parse" and dead.consumer == "w1" and dead.at_ms > 1_600_000_000_000
    assert dead.data["body"] == b"poison \x00\xff" and dead.data["url"] == "http://site.example/2.html"
    assert dead.to_dict()["data"] is dead.data
    assert ok != poison and storage.deadletters(after=dead.id) == []
    with pytest.raises(InputError):
        storage.deadletters(after="not-an-id")


def test_requeue_puts_the_original_back_and_removes_the_dead_letter(storage: Storage) -> None:
    sent = [storage.publish_raw(_page(i, body=f"body {i}".encode())) for i in range(3)]
    assert _kill_all(storage, "raw") == sent
    dead = storage.deadletters()
    assert [d.entry_id for d in dead] == sent

    moved = storage.requeue_deadletters([dead[1].id])

    [(dead_id, new_id, stream)] = moved
    assert (dead_id, stream) == (dead[1].id, storage.keys.raw) and new_id is not None and new_id > sent[-1]
    assert [d.id for d in storage.deadletters()] == [dead[0].id, dead[2].id]
    # the group gets it as a new entry, with exactly the fields it had (no dl_*)
    again = list(storage.consumer("raw", "g", "w2", follow=False))
    assert [(m.id, m.deliveries, m.data["body"]) for m in again] == [(new_id, 1, b"body 1")]
    [(_, fields)] = storage.redis.xrange(storage.keys.raw, min=new_id, max=new_id)
    [(_, original)] = storage.redis.xrange(storage.keys.raw, min=sent[1], max=sent[1])
    assert fields == original
    again[0].ack()
    # requeueing it again adds nothing: it is not a dead letter any more
    assert storage.requeue_deadletters([dead[1].id, "1-1"]) == [(dead[1].id, None, ""), ("1-1", None, "")]
    assert storage.stream_length("raw") == 4
    with pytest.raises(InputError):
        storage.requeue_deadletters(["1-1", "$"])


def test_requeue_all_sends_each_back_to_its_own_stream(storage: Storage) -> None:
    raw = [storage.publish_raw(_page(i)) for i in range(120)]  # more than one page of 100
    articles = [storage.redis.xadd(storage.keys.articles, {"data": json.dumps({"id": f"a{i}"})}).decode()
                for i in range(3)]  # fmt: skip
    _kill_all(storage, "raw")
    _kill_all(storage, "articles", group="indexer")
    assert storage.stream_length("deadletter") == 123

    moved = storage.requeue_deadletters()

    assert len(moved) == 123 and all(new is not None for _, new, _ in moved)
    assert Counter(stream for *_, stream in moved) == {storage.keys.raw: 120, storage.keys.articles: 3}
    assert storage.deadletters() == []
    back = list(storage.consumer("articles", "indexer", "w", follow=False))
    assert [m.data["id"] for m in back] == ["a0", "a1", "a2"] and articles[0] not in [m.id for m in back]
    urls = [m.data["url"] for m in storage.consumer("raw", "g", "w", follow=False)]
    assert sorted(urls) == sorted(_page(i).url for i in range(len(raw)))
    assert storage.requeue_deadletters() == []


def test_the_script_moves_only_entries_of_the_stream_it_is_given(storage: Storage) -> None:
    storage.publish_raw(_page(1))
    _kill_all(storage, "raw")
    [dead] = storage.deadletters()
    script = storage.redis.register_script(REQUEUE)
    reply = script(keys=[storage.keys.deadletter, storage.keys.articles], args=[0, dead.id])
    assert reply == [dead.id.encode(), b""]
    assert storage.deadletters() == [dead] and storage.stream_length("articles") == 0


def test_concurrent_requeues_move_each_entry_once(redis_url: str, key_prefix: str) -> None:
    stores = [open_storage(_config(redis_url, key_prefix, max_deliveries=1)) for _ in range(3)]
    try:
        for i in range(300):
            stores[0].publish_raw(_page(i))
        _kill_all(stores[0], "raw")
        ids = [d.id for d in stores[0].deadletters(limit=1000)]
        results: list[list[tuple[str, str | None, str]]] = []
        threads = [threading.Thread(target=lambda s=s: results.append(s.requeue_deadletters(ids)))
                   for s in stores]  # fmt: skip
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert len(results) == 3
        moved = [dead_id for result in results for dead_id, new, _ in result if new is not None]
        assert sorted(moved) == sorted(ids)  # each once, by one of the three
        assert stores[0].stream_length("raw") == 600 and stores[0].deadletters() == []
    finally:
        for s in stores:
            s.close()


def _cli(redis_url: str, key_prefix: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REDIS_URL": redis_url, "NEWSIEVE_KEY_PREFIX": key_prefix}
    return subprocess.run([sys.executable, "-m", "newsieve", "redis", "deadletter", *args],
                          capture_output=True, text=True, env=env, timeout=120)  # fmt: skip


def test_a_requeue_killed_midway_loses_and_doubles_nothing(redis_url: str, key_prefix: str) -> None:
    s = open_storage(_config(redis_url, key_prefix, max_deliveries=1))
    try:
        n = 3000
        pipe = s.redis.pipeline(transaction=False)
        for i in range(n):
            s.publish_raw(_page(i), pipeline=pipe)
        pipe.execute()
        _kill_all(s, "raw")
        assert s.stream_length("deadletter") == n
        env = {**os.environ, "REDIS_URL": redis_url, "NEWSIEVE_KEY_PREFIX": key_prefix}
        command = [sys.executable, "-m", "newsieve", "redis", "deadletter", "--requeue", "--all"]
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + 60
        while proc.poll() is None and s.stream_length("deadletter") == n and time.monotonic() < deadline:
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)  # midway, most likely (if it finished, nothing is left to do)
        proc.wait(30)
        left = s.stream_length("deadletter")
        assert s.stream_length("raw") == n + (n - left)  # what left deadletter is on raw, once

        rerun = _cli(redis_url, key_prefix, "--requeue", "--all")

        assert rerun.returncode == 0, rerun.stderr
        assert len(rerun.stdout.splitlines()) == left
        assert s.stream_length("deadletter") == 0
        urls = Counter(m.data["url"] for m in s.consumer("raw", "g", "w", follow=False))
        assert urls == Counter(_page(i).url for i in range(n))  # each page exactly once
    finally:
        s.close()


def test_cli_lists_and_requeues(redis_url: str, key_prefix: str) -> None:
    s = open_storage(_config(redis_url, key_prefix, max_deliveries=1))
    try:
        for i in range(3):
            s.publish_raw(_page(i, body=bytes([0xFF, i])))
        _kill_all(s, "raw")
        listed = _cli(redis_url, key_prefix)
        assert listed.returncode == 0, listed.stderr
        lines = [json.loads(line) for line in listed.stdout.splitlines()]
        assert [line["stream"] for line in lines] == ["raw"] * 3
        assert [line["error"] for line in lines] == [f"broken {line['entry_id']}" for line in lines]
        assert lines[2]["data"]["body"] == "/wI=" and lines[2]["data"]["body_encoding"] == "base64"
        first = _cli(redis_url, key_prefix, "--limit", "1").stdout.splitlines()
        assert [json.loads(x)["id"] for x in first] == [lines[0]["id"]]
        after = _cli(redis_url, key_prefix, "--after", lines[0]["id"]).stdout.splitlines()
        assert [json.loads(x)["id"] for x in after] == [lines[1]["id"], lines[2]["id"]]

        one = _cli(redis_url, key_prefix, "--requeue", lines[0]["id"], "9-9")
        assert one.returncode == 1  # one id was not there
        [moved, missing] = [json.loads(x) for x in one.stdout.splitlines()]
        assert moved["id"] == lines[0]["id"] and moved["stream"] == "raw" and moved["requeued_as"]
        assert missing == {"id": "9-9", "stream": None, "requeued_as": None}
        rest = _cli(redis_url, key_prefix, "--requeue", "--all")
        assert rest.returncode == 0 and [json.loads(x)["id"] for x in rest.stdout.splitlines()] == [
            lines[1]["id"], lines[2]["id"]]  # fmt: skip
        assert _cli(redis_url, key_prefix).stdout == "" and s.stream_length("raw") == 6

        for bad in (["--all"], ["--requeue"], ["--requeue", "1-1", "--all"], ["--requeue", "x"]):
            out = _cli(redis_url, key_prefix, *bad)
            assert out.returncode == 2 and out.stderr, bad
    finally:
        s.close()
