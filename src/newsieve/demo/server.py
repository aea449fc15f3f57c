"""Serve a ``DemoSite`` over HTTP on loopback, in a thread (or ``python -m newsieve.demo``).

``DemoServer`` counts every request it answers (``hits``: path -> count, and ``ok``: path ->
count of 200 answers), which the tests read to prove which pages a crawl fetched and that
none was fetched twice.

>>> with DemoServer(DemoSite(articles=4)) as server:          # doctest: +SKIP
...     server.url("/list/1.html")
'http://127.0.0.1:40123/list/1.html'
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from .site import DemoSite

__all__ = ["DemoServer"]

_CHUNK = 256 * 1024


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        owner = self.server.owner
        host = self.headers.get("Host") or f"127.0.0.1:{owner.port}"
        page = owner.site.respond(self.path, dict(self.headers.items()), host=host)
        owner._count(self.path.split("?", 1)[0], page.status)
        if page.delay:
            time.sleep(page.delay)
        self.send_response(page.status)
        for key, value in page.headers.items():
            self.send_header(key, value)
        if page.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(page.body)))
        self.end_headers()
        try:
            for start in range(0, len(page.body), _CHUNK):
                chunk = page.body[start : start + _CHUNK]
                if page.chunked:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                else:
                    self.wfile.write(chunk)
            if page.chunked:
                self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: DemoServer

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hangs up mid-body (size caps, timeouts) is expected here


class DemoServer:
    """A threaded HTTP server for one ``DemoSite`` on 127.0.0.1 (port 0: any free port)."""

    def __init__(self, site: DemoSite | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.site = site or DemoSite()
        self._httpd = _Server((host, port), _Handler)
        self._httpd.owner = self
        self.host = host
        self.port = int(self._httpd.server_address[1])
        self.hits: Counter[str] = Counter()
        self.ok: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def _count(self, path: str, status: int) -> None:
        with self._lock:
            self.hits[path] += 1
            if status == 200:
                self.ok[path] += 1

    def start(self) -> DemoServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="demo-site", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(5)

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
