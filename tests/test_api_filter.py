"""The filter API served by uvicorn on loopback: modes, batch, body limit, problems, auth, ops."""

from __future__ import annotations

import base64
import logging
import socket
from collections.abc import Iterator

import httpx
import pytest
from test_api_support import ADMIN, MODERATOR, READER, api_settings, auth, served

from newsieve.api import create_app
from newsieve.filters import Sieve

AD_PAGE = (
    "新时代新气象新作为我市开发区建设\n"
    "北京哪家治疗白癜风正规 https://baike.baidu.com/item/x\n"
    "开发区今年完成固定资产投资，列入考核范围的项目全部开工。\n"
    "转载请注明地址:http://www.yingchunhuaa.com/a/1.html\n"
)
HTML_PAGE = (
    "<html><head><title>开发区建设</title></head><body><h1>开发区建设</h1>"
    "<p>开发区今年完成固定资产投资，列入考核范围的项目全部开工。</p>"
    "<p>转载请注明地址:http://www.yingchunhuaa.com/a/1.html</p></body></html>"
)
PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}
LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    settings = api_settings(api_max_body_bytes=LIMIT, api_batch_max=3)
    with served(create_app(settings)) as url:
        yield url


@pytest.fixture(scope="module")
def closed_base() -> Iterator[str]:
    """The same API with the filter endpoints behind a reader token."""
    with served(create_app(api_settings(api_filter_open=False))) as url:
        yield url


def assert_problem(resp: httpx.Response, status: int, code: str) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body = resp.json()
    assert body.keys() >= PROBLEM_KEYS
    assert body["status"] == status and body["code"] == code
    return body


def test_text_mode_returns_the_same_verdict_as_in_process(base: str) -> None:
    resp = httpx.post(f"{base}/v1/filter", json={"text": AD_PAGE})
    assert resp.status_code == 200, resp.text
    expected = Sieve().clean(AD_PAGE, content_type="text/plain").to_dict()
    assert resp.json() == expected
    assert resp.json()["action"] in ("publish", "review", "reject")


def test_html_mode_with_url_metadata(base: str) -> None:
    url = "http://www.example.com/a/1.html"
    resp = httpx.post(f"{base}/v1/filter", json={"html": HTML_PAGE, "url": url})
    assert resp.status_code == 200, resp.text
    verdict = resp.json()
    assert verdict == Sieve().clean(HTML_PAGE, content_type="text/html", url=url).to_dict()
    assert "开发区今年完成固定资产投资" in verdict["original_text"]


def test_base64_bytes_in_another_charset(base: str) -> None:
    raw = HTML_PAGE.encode("gbk")
    resp = httpx.post(
        f"{base}/v1/filter",
        json={"html": base64.b64encode(raw).decode(), "encoding": "base64", "charset": "gbk"},
    )
    assert resp.status_code == 200, resp.text
    assert "开发区今年完成固定资产投资" in resp.json()["original_text"]


def test_invalid_base64_is_a_4xx(base: str) -> None:
    resp = httpx.post(f"{base}/v1/filter", json={"text": "not base64 !!", "encoding": "base64"})
    assert_problem(resp, 422, "bad_input")


def test_html_nested_too_deep_is_a_4xx_at_once(base: str) -> None:
    html = "<body>" + "<div>" * 12_000 + "正文" + "</body>"  # the server takes bodies up to 64 KB
    resp = httpx.post(f"{base}/v1/filter", json={"html": html}, timeout=30)
    body = assert_problem(resp, 422, "input_too_deep")
    assert "over the limit" in body["detail"]


def test_an_element_with_too_many_attributes_is_a_4xx_at_once(base: str) -> None:
    html = "<body><p " + "a/" * 20_000 + ">正文</p></body>"  # 40 KB: the server takes up to 64 KB
    resp = httpx.post(f"{base}/v1/filter", json={"html": html}, timeout=30)
    body = assert_problem(resp, 422, "input_too_many_attributes")
    assert "over the limit" in body["detail"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{\"text\": \"abc\"", 400, "malformed_json"),
        (b"\xff\xfe not utf-8", 400, "malformed_json"),
        (b"[1, 2]", 422, "validation_error"),
        (b"{\"text\": 42}", 422, "validation_error"),
        (b"{\"html\": \"<p>a</p>\", \"text\": \"a\"}", 422, "validation_error"),
        (b"{}", 422, "validation_error"),
        (b"{\"text\": \"abc\", \"colour\": 1}", 422, "validation_error"),
        (b"{\"url\": \"file:///etc/passwd\"}", 422, "validation_error"),
        (b"{\"text\": \"   \"}", 422, "empty_input"),
    ],
)
def test_bad_requests_are_problems_never_500(base: str, body: bytes, status: int, code: str) -> None:
    resp = httpx.post(f"{base}/v1/filter", content=body, headers={"content-type": "application/json"})
    assert_problem(resp, status, code)


def test_batch_answers_each_page_in_order(base: str) -> None:
    pages = [{"text": AD_PAGE}, {"text": "  "}, {"html": HTML_PAGE}]
    resp = httpx.post(f"{base}/v1/filter/batch", json={"pages": pages})
    assert resp.status_code == 200, resp.text
    results = resp.json()["results"]
    assert len(results) == 3
    assert results[0]["schema_version"] and results[2]["schema_version"]
    assert results[1]["code"] == "empty_input" and results[1]["status"] == 422


def test_batch_over_the_configured_count(base: str) -> None:
    resp = httpx.post(f"{base}/v1/filter/batch", json={"pages": [{"text": AD_PAGE}] * 4})
    body = assert_problem(resp, 422, "batch_too_large")
    assert body["limit"] == 3


def read_response(sock: socket.socket) -> str:
    """One HTTP/1.1 answer off a raw socket: the head, then ``content-length`` bytes of body."""
    data = b""
    while b"\r\n\r\n" not in data:
        more = sock.recv(65536)
        if not more:
            break
        data += more
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = next((int(h.split(b":")[1]) for h in lines if h.lower().startswith(b"content-length")), 0)
    while len(body) < length:
        more = sock.recv(65536)
        if not more:
            break
        body += more
    return (head + b"\r\n\r\n" + body).decode("utf-8", "replace")


def test_declared_oversized_body_is_refused_before_reading(base: str) -> None:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/filter HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {LIMIT * 100}\r\n\r\n".encode()
        )
        # not one byte of the body sent: the answer must come anyway
        head = read_response(sock)
    assert head.startswith("HTTP/1.1 413"), head
    assert "body_too_large" in head


def test_chunked_body_stops_being_read_at_the_limit(base: str) -> None:
    host, port = base.removeprefix("http://").split(":")
    chunk = b"x" * (LIMIT // 4)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/filter HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        for _ in range(5):  # 5/4 of the limit, and the body is never terminated
            sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        head = read_response(sock)
    assert head.startswith("HTTP/1.1 413"), head
    assert "body_too_large" in head


def test_body_under_the_limit_is_read_whole(base: str) -> None:
    def gen() -> Iterator[bytes]:  # chunked, under the limit
        yield b'{"text": "'
        yield ("开发区建设。" * 100).encode()
        yield b'"}'

    resp = httpx.post(f"{base}/v1/filter", content=gen(), headers={"content-type": "application/json"})
    assert resp.status_code == 200, resp.text


def test_unknown_route_and_method_are_problems(base: str) -> None:
    assert_problem(httpx.get(f"{base}/v1/nothing"), 404, "not_found")
    assert_problem(httpx.get(f"{base}/v1/filter"), 405, "method_not_allowed")


def test_filter_needs_a_reader_when_configured(closed_base: str) -> None:
    url = f"{closed_base}/v1/filter"
    resp = httpx.post(url, json={"text": AD_PAGE})
    assert_problem(resp, 401, "missing_token")
    assert resp.headers["www-authenticate"].startswith("Bearer")
    assert_problem(httpx.post(url, json={"text": AD_PAGE}, headers=auth("nope")), 401, "invalid_token")
    basic = {"Authorization": "Basic " + base64.b64encode(b"a:b").decode()}
    assert_problem(httpx.post(url, json={"text": AD_PAGE}, headers=basic), 401, "invalid_token")
    for token in (READER, MODERATOR, ADMIN):
        assert httpx.post(url, json={"text": AD_PAGE}, headers=auth(token)).status_code == 200


def test_tokens_never_logged_nor_echoed(closed_base: str, caplog: pytest.LogCaptureFixture) -> None:
    secret = "wrong-token-that-must-not-leak"
    with caplog.at_level(logging.DEBUG):
        resp = httpx.post(f"{closed_base}/v1/filter", json={"text": AD_PAGE}, headers=auth(secret))
        ok = httpx.post(f"{closed_base}/v1/filter", json={"text": AD_PAGE}, headers=auth(READER))
    assert resp.status_code == 401 and ok.status_code == 200
    assert secret not in resp.text
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert secret not in logged and READER not in logged


def test_health_ready_metrics_openapi(base: str) -> None:
    assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
    # this server's Redis URL points at a closed port: not ready, and says why
    assert_problem(httpx.get(f"{base}/readyz", timeout=30), 503, "redis_unavailable")

    httpx.post(f"{base}/v1/filter", json={"text": AD_PAGE})
    metrics = httpx.get(f"{base}/metrics").text
    assert 'newsieve_api_requests_total{method="POST",route="/v1/filter",status="200"}' in metrics
    assert "newsieve_api_request_duration_seconds_bucket" in metrics
    assert "newsieve_api_verdicts_total{action=" in metrics
    assert "newsieve_api_storage_up 0.0" in metrics

    spec = httpx.get(f"{base}/openapi.json").json()
    assert {"/v1/filter", "/v1/filter/batch", "/healthz", "/readyz"} <= spec["paths"].keys()


def test_ready_when_redis_answers(redis_url: str, key_prefix: str) -> None:
    pytest.importorskip("newsieve.storage", reason="storage (issue 3) not importable yet")
    with served(create_app(api_settings(redis_url, key_prefix))) as good:
        assert httpx.get(f"{good}/readyz", timeout=30).json() == {"status": "ready"}


@pytest.fixture(scope="module")
def page_server() -> Iterator[str]:
    """A loopback site serving HTML_PAGE in GBK, as a repost site would."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = HTML_PAGE.encode("gbk")
            self.send_response(200 if self.path == "/a/1.html" else 404)
            self.send_header("Content-Type", "text/html; charset=gbk")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join(10)


def test_url_mode_fetches_through_the_guard(page_server: str) -> None:
    with served(create_app(api_settings(fetch_allow=["127.0.0.1"]))) as api:
        resp = httpx.post(f"{api}/v1/filter", json={"url": f"{page_server}/a/1.html"}, timeout=30)
        assert resp.status_code == 200, resp.text
        assert "开发区今年完成固定资产投资" in resp.json()["original_text"]
        missing = httpx.post(f"{api}/v1/filter", json={"url": f"{page_server}/nope"}, timeout=30)
        assert_problem(missing, 502, "fetch_status")


def test_url_mode_refuses_loopback_by_default(base: str, page_server: str) -> None:
    resp = httpx.post(f"{base}/v1/filter", json={"url": f"{page_server}/a/1.html"}, timeout=30)
    assert_problem(resp, 422, "fetch_blocked")


def test_big_pages_are_filtered_in_a_thread_with_the_same_verdict(
    base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsieve.api import routes_filter

    monkeypatch.setattr(routes_filter, "INLINE_MAX_BYTES", 10)  # every page takes the thread path
    resp = httpx.post(f"{base}/v1/filter", json={"text": AD_PAGE})
    assert resp.status_code == 200, resp.text
    assert resp.json() == Sieve().clean(AD_PAGE, content_type="text/plain").to_dict()
