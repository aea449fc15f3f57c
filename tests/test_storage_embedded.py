"""The embedded server: started on first use under a data directory with no REDIS_URL, found
by the next process through its socket, started once when several processes race, and
stopped cleanly with its data kept in the append-only file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsieve.storage import EmbeddedServer, StorageConfig, open_storage, stop_embedded


@pytest.fixture
def data_dir() -> Iterator[str]:
    # Short path: the unix socket's name must fit in 108 bytes.
    path = tempfile.mkdtemp(prefix="ns-emb-", dir="/tmp")
    yield path
    stop_embedded(path)
    shutil.rmtree(path, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()


def test_embedded_server_is_shared_and_stops_cleanly(data_dir: str) -> None:
    config = StorageConfig(redis_url=None, data_dir=data_dir, key_prefix="emb:")
    first = open_storage(config)
    server = EmbeddedServer.for_data_dir(data_dir)
    assert first.where["mode"] == "embedded" and first.where["socket"] == str(server.socket)
    assert server.socket.exists() and (server.directory / "appendonly.aof").exists()
    pid = int(first.redis.info("server")["process_id"])
    assert pid == server.pid()
    assert first.redis.config_get("port")["port"] == "0"  # no TCP listener
    # EMBEDDED_PERSISTENCE: AOF fsynced every second, rewritten with an uncompressed RDB preamble
    persistence = first.redis.config_get("append*") | first.redis.config_get("rdbcompression")
    assert persistence == {"appendonly": "yes", "appendfsync": "everysec", "appendfilename": "appendonly.aof",
                           "rdbcompression": "no"}  # fmt: skip
    sid = first.redis.xadd("emb:raw", {"data": "{}"})
    first.redis.bgrewriteaof()  # the restart below replays the rewritten file
    deadline = time.monotonic() + 10
    while first.redis.info("persistence")["aof_rewrite_in_progress"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert first.redis.info("persistence")["aof_last_bgrewrite_status"] == "ok"
    first.close()  # closing a client does not stop the shared server

    second = open_storage(config)
    try:
        assert int(second.redis.info("server")["process_id"]) == pid
        assert second.stream_length("raw") == 1
        assert second.status()["redis"]["mode"] == "embedded"
    finally:
        second.close()

    assert stop_embedded(data_dir) is True
    assert not _pid_alive(pid)
    assert not server.socket.exists()
    assert stop_embedded(data_dir) is False  # nothing left to stop

    third = open_storage(config)  # a fresh start replays the append-only file
    try:
        assert int(third.redis.info("server")["process_id"]) != pid
        assert [e["stream_id"] for e in third.read_stream("raw")] == [sid.decode()]
    finally:
        third.close()


_OPEN = """
import sys
from newsieve.storage import StorageConfig, open_storage
s = open_storage(StorageConfig(redis_url=None, data_dir=sys.argv[1]))
print(s.redis.info("server")["process_id"], flush=True)
"""


def test_processes_starting_at_once_launch_one_server(data_dir: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    procs = [
        subprocess.Popen([sys.executable, "-c", _OPEN, data_dir], stdout=subprocess.PIPE, text=True, env=env)
        for _ in range(4)
    ]
    pids = set()
    for p in procs:
        out, _ = p.communicate(timeout=60)
        assert p.returncode == 0
        pids.add(out.strip())
    assert len(pids) == 1
    time.sleep(0.2)
    servers = subprocess.run(["pgrep", "-f", f"unixsocket {data_dir}"], capture_output=True, text=True)
    if servers.returncode == 0:  # pgrep sees the command line only when redis does not rewrite it
        assert len(servers.stdout.split()) == 1
    assert int(pids.pop()) == EmbeddedServer.for_data_dir(data_dir).pid()


def test_cli_redis_status_and_stop(data_dir: str) -> None:
    import json

    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["NEWSIEVE_DATA_DIR"] = data_dir
    out = subprocess.run(
        [sys.executable, "-m", "newsieve", "redis", "status", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    status = json.loads(out.stdout)
    assert status["redis"]["mode"] == "embedded" and status["redis"]["version"] >= "6.2"
    assert status["redis"]["persistence"]["aof"] is True  # the embedded default keeps every write
    assert set(status["streams"]) >= {"raw", "articles", "review", "rejected", "deadletter"}
    stopped = subprocess.run(
        [sys.executable, "-m", "newsieve", "redis", "stop"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert json.loads(stopped.stdout) == {"stopped": True}
    assert not EmbeddedServer.for_data_dir(data_dir).answers()


def test_socket_of_a_deep_data_dir_stays_within_the_unix_limit() -> None:
    deep = "/tmp/" + "/".join(["a-rather-long-folder-name"] * 6)
    server = EmbeddedServer.for_data_dir(deep)
    assert len(str(server.socket)) <= 100
    assert server.socket != EmbeddedServer.for_data_dir(deep + "x").socket
    short = EmbeddedServer.for_data_dir("/tmp/ns-short")
    assert short.socket == Path("/tmp/ns-short/redis/redis.sock")
