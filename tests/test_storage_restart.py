"""The Redis server killed (SIGKILL) and restarted mid-stream: nothing acked is lost, and
producers and consumers reconnect on their own (private server, AOF ``appendfsync always``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from newsieve.storage import RawPage, StorageConfig, open_storage

N = 400


def _page(i: int) -> RawPage:
    return RawPage(
        url=f"http://site.example/{i}",
        final_url=f"http://site.example/{i}",
        status=200,
        headers={},
        content_type="text/html",
        charset="utf-8",
        body=b"x" * 2000,
        site="site.example",
    )


def test_server_killed_and_restarted_mid_stream(redis_server_factory: Callable) -> None:
    server = redis_server_factory()
    config = StorageConfig(
        redis_url=server.url, key_prefix="ns:", claim_idle_ms=500, block_ms=100, retry_seconds=30
    )
    producer = open_storage(config)
    consumer_storage = open_storage(config)
    published: list[str] = []
    acked: list[str] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def produce() -> None:
        try:
            for i in range(N):
                published.append(producer.publish_raw(_page(i)))
                time.sleep(0.002)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def consume() -> None:
        try:
            for msg in consumer_storage.consumer("raw", "g", "c1"):
                acked.append(msg.data["url"])
                msg.ack()
                if stop.is_set():
                    return
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=produce), threading.Thread(target=consume)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while (len(published) < N // 4 or not acked) and time.monotonic() < deadline:
        time.sleep(0.005)
    assert acked, "nothing consumed before the kill"
    server.kill()
    published_before_kill = len(published)
    assert published_before_kill < N, "the producer finished before the kill: not mid-stream"
    time.sleep(0.5)  # down for a while: both sides back off and retry
    server.start()  # same port, same directory: replays the append-only file
    threads[0].join(60)
    assert not threads[0].is_alive() and not errors, errors
    assert len(published) == N
    deadline = time.monotonic() + 60
    while len(set(acked)) < N and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    producer.publish_raw(_page(N))  # wakes the consumer so that it sees stop
    threads[1].join(30)
    assert not threads[1].is_alive() and not errors, errors
    # every page published (and acked by Redis) was delivered; duplicates are allowed (at least once)
    assert {f"http://site.example/{i}" for i in range(N)} <= set(acked)
    # the group's state survived: acked entries are not pending again, the stream holds them all
    check = open_storage(config)
    try:
        pending = check.redis.xpending_range("ns:raw", "g", "-", "+", 10_000)
        assert pending == []
        assert check.stream_length("raw") >= N
        stream_ids = {e["stream_id"] for e in check.read_stream("raw", limit=10 * N)}
        assert set(published) <= stream_ids
    finally:
        check.close()
        producer.close()
        consumer_storage.close()
